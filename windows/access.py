"""The one place that answers "may this user see / act on this unit's data".

A user's *scope* is the unit subtree their role covers: counter staff and station supervisors
their own station, bureau supervisors and admins their unit and everything below it. A user with
no staff record (a citizen, an unlinked account) has an empty scope, whatever their Django flags.

Every selector of every app narrows its queryset with :func:`scope_filter`, so a record of another
unit is simply not found, which the views turn into a 404.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from windows.models import COUNTER_ROLES, Role, Staff, Unit


def staff_of(user) -> Staff | None:
    """The user's staff record, or None. Cached on the user object for the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def scope_root(user) -> Unit | None:
    """The top of the subtree the user may see, or None when they may see nothing."""
    staff = staff_of(user)
    return staff.unit if staff else None


def scope_filter(user, unit_field: str = "unit") -> Q:
    """A ``Q`` limiting rows whose ``unit_field`` (a FK to Unit) lies in the user's scope.

    ``Case.objects.filter(scope_filter(user, "station"))`` is the whole of the scoping for cases.
    An empty scope gives a condition that matches nothing.
    """
    root = scope_root(user)
    if root is None:
        return Q(pk__in=[])
    return Q(**{f"{unit_field}__path__startswith": root.path})


def units_visible_to(user) -> QuerySet[Unit]:
    root = scope_root(user)
    if root is None:
        return Unit.objects.none()
    return Unit.objects.subtree_of(root)


def can_see_unit(user, unit: Unit) -> bool:
    root = scope_root(user)
    return root is not None and unit.path.startswith(root.path)


def can_act_on_unit(user, unit: Unit) -> bool:
    """May the user do work on this unit's records (write, not only read)?

    Counter staff act at their own station only; supervisors and admins within their scope.
    Whether a particular action needs 执法资格 is the caller's question: see
    :func:`has_enforcement_qualification`.
    """
    staff = staff_of(user)
    if staff is None or not can_see_unit(user, unit):
        return False
    if staff.role in COUNTER_ROLES:
        return unit.pk == staff.unit_id
    return True


def has_enforcement_qualification(user) -> bool:
    """May this user take decisions on 户政 business (accept, approve, complete a case)?"""
    staff = staff_of(user)
    return bool(staff and staff.has_enforcement_qualification)


def has_role(user, *roles: Role) -> bool:
    staff = staff_of(user)
    return bool(staff and staff.role in roles)
