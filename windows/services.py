"""Every write to the organisation, the staff inbox and the calendar overrides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from windows.models import DayKind, Holiday, Notification, Role, ServiceWindow, Staff, Unit, UnitKind, WindowKind
from windows.selectors import station_supervisor_ids

User = get_user_model()


def _path_for(code: str, parent: Unit | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


@transaction.atomic
def unit_create(*, code: str, name: str, kind: UnitKind, parent: Unit | None = None, **details) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent, path=_path_for(code, parent), **details)
    unit.full_clean()
    unit.save()
    return unit


UNIT_UNDER_ITSELF = "单位不能隶属于自身或其下级单位。"
UNIT_KIND_IN_USE = "已有下级单位、工作人员或窗口的单位不能更改层级。"


@transaction.atomic
def unit_update(*, unit: Unit, **changes) -> Unit:
    """Change a unit. A new code or parent rewrites the path of the unit and of everything below
    it in one UPDATE, so the subtree query stays right.

    The stored row is locked and re-read first: the path to rewrite is the one in the database, not
    the one on ``unit``, which may predate a move or a new code of a unit above it."""
    stored = Unit.objects.select_for_update().get(pk=unit.pk)
    old_path = stored.path
    for field, value in changes.items():
        setattr(unit, field, value)
    if unit.kind != stored.kind and (
        Unit.objects.filter(parent=stored).exists()
        or Staff.objects.filter(unit=stored).exists()
        or ServiceWindow.objects.filter(station=stored).exists()
    ):
        raise ValidationError({"kind": UNIT_KIND_IN_USE})
    parent = Unit.objects.get(pk=unit.parent_id) if unit.parent_id else None
    if parent is not None and parent.path.startswith(old_path):
        raise ValidationError({"parent": UNIT_UNDER_ITSELF})
    unit.parent = parent
    unit.path = _path_for(unit.code, parent)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(unit.path), Substr("path", len(old_path) + 1))
        )
    return unit


@transaction.atomic
def window_create(
    *, station: Unit, number: int, name: str, kind: WindowKind = WindowKind.GENERAL, is_open: bool = True
) -> ServiceWindow:
    window = ServiceWindow(station=station, number=number, name=name, kind=kind, is_open=is_open)
    window.full_clean()
    window.save()
    return window


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str | None,
    unit: Unit,
    role: Role,
    full_name: str = "",
    police_number: str | None = None,
    is_sworn: bool | None = None,
) -> Staff:
    """A user with their staff record. ``is_sworn`` defaults to what the role implies."""
    if is_sworn is None:
        is_sworn = role != Role.AUXILIARY and bool(police_number)
    # Admins get the Django admin site; the city bureau's admins have every permission in it.
    is_admin = role == Role.ADMIN
    user = User(
        username=username,
        first_name=full_name,
        is_staff=is_admin,
        is_superuser=is_admin and unit.kind == UnitKind.CITY,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    staff = Staff(user=user, unit=unit, role=role, police_number=police_number or None, is_sworn=is_sworn)
    staff.full_clean()
    staff.save()
    return staff


def notification_send(*, recipient, text: str, link: str = "") -> Notification:
    """Put a message in a staff member's inbox. Call it inside the transaction of its cause."""
    return notifications_send(messages=[(recipient, text, link)])[0]


TEXT_LIMIT = Notification._meta.get_field("text").max_length
LINK_LIMIT = Notification._meta.get_field("link").max_length


def notifications_send(*, messages) -> list[Notification]:
    """Many inbox messages at once: ``messages`` is (recipient or recipient id, text, link) triples.
    Call it inside the transaction of their cause."""
    notifications = [
        Notification(recipient_id=getattr(user, "pk", user), text=text, link=link) for user, text, link in messages
    ]
    for notification in notifications:
        if not notification.text.strip():
            raise ValidationError({"text": ["通知内容不能为空。"]})
        for field, limit in (("text", TEXT_LIMIT), ("link", LINK_LIMIT)):
            if len(getattr(notification, field)) > limit:
                raise ValidationError({field: [f"不能超过{limit}个字符。"]})
    return Notification.objects.bulk_create(notifications, batch_size=2000)


def notification_mark_read(*, user, notification_id: int) -> int:
    """Mark one of the user's own notifications read. Returns how many rows changed (0 or 1)."""
    return Notification.objects.unread().filter(recipient=user, pk=notification_id).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())


@transaction.atomic
def holiday_set(*, date, kind: DayKind, name: str) -> Holiday:
    """Enter or correct the admins' word on one date."""
    holiday = Holiday.objects.select_for_update().filter(date=date).first() or Holiday(date=date)
    holiday.kind = kind
    holiday.name = name
    holiday.full_clean()
    holiday.save()
    return holiday


@transaction.atomic
def flag_and_notify(
    rows: QuerySet,
    *,
    flag: str,
    value: Callable[[Model], object],
    notice: Callable[[Model], tuple[str, str]],
    also: Callable[[Model], int | None] = lambda row: None,
) -> list[Model]:
    """The deadline jobs' one mechanism: claim the ``rows`` (each with a ``station_id``) whose ``flag``
    is not set yet, with SKIP LOCKED so that a second worker takes none of them; set the flag to
    ``value(row)`` (one UPDATE per distinct value); and tell the row's station supervisors, and the user
    ``also(row)`` names, the (text, link) of ``notice(row)`` in the inbox. One transaction: running it
    again flags and tells nobody twice. Returns the rows claimed."""
    claimed = list(
        rows.filter(**{f"{flag}__isnull": True}).select_for_update(skip_locked=True, of=("self",)).order_by()
    )
    if not claimed:
        return []
    by_value = defaultdict(list)
    for row in claimed:
        by_value[value(row)].append(row.pk)
    for flagged, pks in by_value.items():
        rows.model.objects.filter(pk__in=pks).update(**{flag: flagged})
    supervisors = station_supervisor_ids({row.station_id for row in claimed})
    messages = []
    for row in claimed:
        text, link = notice(row)
        recipients = {*supervisors.get(row.station_id, []), also(row)} - {None}
        messages.extend((user_id, text, link) for user_id in sorted(recipients))
    notifications_send(messages=messages)
    return claimed
