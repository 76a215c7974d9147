"""Reads of the organisation and the staff inbox, each limited to the user asking."""

from __future__ import annotations

from django.db.models import QuerySet

from windows.access import scope_filter, staff_of, units_visible_to
from windows.models import Notification, Role, ServiceWindow, Staff, Unit


def unit_list(*, user) -> QuerySet[Unit]:
    return units_visible_to(user).select_related("parent")


def unit_get(*, user, code: str) -> Unit:
    """The unit with this code if the user may see it; ``Unit.DoesNotExist`` otherwise, either way."""
    return unit_list(user=user).get(code=code)


def window_list(*, user) -> QuerySet[ServiceWindow]:
    return ServiceWindow.objects.filter(scope_filter(user, "station")).select_related("station")


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's own inbox, newest first. Staff only: a citizen account has none."""
    if staff_of(user) is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user) -> int:
    return notification_list(user=user).unread().count()


def station_supervisor_ids(station_ids) -> dict[int, list[int]]:
    """Each station's supervisors (所长, 户籍负责人), active ones, as user ids, first appointed first:
    who is told of what goes wrong at the station, and who a station's work is assigned to."""
    supervisors: dict[int, list[int]] = {}
    rows = (
        Staff.objects.filter(unit_id__in=station_ids, role=Role.STATION_SUPERVISOR, user__is_active=True)
        .order_by("created_at", "id")
        .values_list("unit_id", "user_id")
    )
    for unit_id, user_id in rows:
        supervisors.setdefault(unit_id, []).append(user_id)
    return supervisors
