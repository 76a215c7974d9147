"""三长接待 (seed 000): the leaders bound by it, their stints at the window, and the monthly quotas.

Each month the county chief serves at least half a day at a window as a window officer, the deputy
chief one day, the 户籍科长 two days and the station chief three (:data:`compliance.models.DEFAULT_QUOTAS`).
A supervisor records each stint (the leader, the window, the day, half or whole, whom they served and
what they solved); the quotas are the city's to change.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.figures import month_start
from compliance.models import DayPart, Leader, LeaderRole, ReceptionQuota, ReceptionRecord
from compliance.permissions import may_view
from windows.access import can_act_on_unit, staff_of
from windows.models import Role, ServiceWindow, Unit, UnitKind

logger = logging.getLogger(__name__)

NAME_REQUIRED = "请填写领导姓名。"
NAME_MAX_LENGTH = 50
NAME_TOO_LONG = f"领导姓名最多{NAME_MAX_LENGTH}个字。"
ROLE_INVALID = "请选择领导职务。"
UNIT_REQUIRED = "请选择领导所在单位。"
DISTRICT_ROLE_UNIT = "县（市、区）局局长、分管副局长和户籍科长须属于分局/县局。"
STATION_ROLE_UNIT = "派出所所长须属于派出所。"
LEADER_NOT_ALLOWED = "只有该单位或上级单位的管理人员可以维护接待领导。"

LEADER_REQUIRED = "请选择接待领导。"
LEADER_INACTIVE = "该领导已不在任，不能登记接待。"
WINDOW_REQUIRED = "请选择接待窗口。"
WINDOW_OUTSIDE_UNIT = "该窗口不在这位领导所在单位的范围内。"
RECORD_NOT_ALLOWED = "只有该窗口所在派出所的所长（户籍负责人）或上级户政管理人员可以登记三长接待。"
DATE_REQUIRED = "请填写接待日期。"
DATE_IN_FUTURE = "接待日期不能晚于今天。"
PART_INVALID = "请选择半天或全天。"
COUNT_INVALID = "请填写不小于0的整数。"
SOLVED_ABOVE_SERVED = "解决问题数不能多于接待群众人次。"
ONCE_A_DAY = "这位领导当天已有接待记录：每人每天只登记一次。"
NOTES_MAX_LENGTH = 1000
NOTES_TOO_LONG = f"情况记录最多{NOTES_MAX_LENGTH}个字。"
DELETE_NOT_ALLOWED = "只有该窗口所在派出所的所长（户籍负责人）或上级户政管理人员可以删除接待记录。"
DELETE_CLOSED_MONTH = "只能删除本月的接待记录，往月记录已纳入考核。"

QUOTA_NOT_ALLOWED = "只有系统管理员和市局户政管理人员可以修改三长接待定额。"
QUOTA_MAX_DAYS = 31
QUOTA_INVALID = f"每月接待天数须为0至{QUOTA_MAX_DAYS}之间、以0.5天为单位的数。"

# Who keeps the 三长接待 records: supervisors and admins, each within their scope.
# Which kind of unit each leader role belongs to.
ROLE_UNIT_KIND = {
    LeaderRole.COUNTY_CHIEF: UnitKind.DISTRICT,
    LeaderRole.DEPUTY_CHIEF: UnitKind.DISTRICT,
    LeaderRole.REGISTRY_HEAD: UnitKind.DISTRICT,
    LeaderRole.STATION_CHIEF: UnitKind.STATION,
}


def may_act(actor, unit: Unit) -> bool:
    """A supervisor (or admin) whose scope covers ``unit``."""
    return may_view(actor) and can_act_on_unit(actor, unit)


def may_set_quotas(actor) -> bool:
    """Admins, and the bureau supervisors of the city bureau."""
    staff = staff_of(actor)
    if staff is None:
        return False
    return staff.role == Role.ADMIN or (staff.role == Role.BUREAU_SUPERVISOR and staff.unit.kind == UnitKind.CITY)


# --- leaders ---------------------------------------------------------------------------------------


def _clean_leader(name: str, role: str, unit: Unit | None) -> tuple[str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [NAME_REQUIRED]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [NAME_TOO_LONG]
    if role not in LeaderRole.values:
        errors["role"] = [ROLE_INVALID]
    if unit is None:
        errors["unit"] = [UNIT_REQUIRED]
    elif role in LeaderRole.values and unit.kind != ROLE_UNIT_KIND[LeaderRole(role)]:
        errors["unit"] = [STATION_ROLE_UNIT if role == LeaderRole.STATION_CHIEF else DISTRICT_ROLE_UNIT]
    return name, errors


@transaction.atomic
def leader_create(*, actor, name: str, role: str, unit: Unit) -> Leader:
    """A leader bound by 三长接待: a district-level role belongs to a district bureau, a station chief
    to a station. The actor must be a supervisor whose scope covers the unit."""
    name, errors = _clean_leader(name, role, unit)
    if errors:
        raise ValidationError(errors)
    if not may_act(actor, unit):
        raise PermissionDenied(LEADER_NOT_ALLOWED)
    leader = Leader(name=name, role=role, unit=unit)
    leader.full_clean()
    leader.save()
    logger.info("leader %s created by %s: %s %s at %s", leader.pk, actor.pk, role, name, unit.code)
    return leader


@transaction.atomic
def leader_update(
    *, actor, leader: Leader, name: str | None = None, role: str | None = None, unit: Unit | None = None,
    active: bool | None = None,
) -> Leader:  # fmt: skip
    """Change a leader's name, role, unit or whether they are in office (a leader who left is kept,
    inactive, with their records). Arguments left None stay as they are."""
    leader = Leader.objects.select_for_update().select_related("unit").get(pk=leader.pk)
    if not may_act(actor, leader.unit):
        raise PermissionDenied(LEADER_NOT_ALLOWED)
    name = leader.name if name is None else name
    role = leader.role if role is None else role
    unit = leader.unit if unit is None else unit
    name, errors = _clean_leader(name, role, unit)
    if errors:
        raise ValidationError(errors)
    if unit.pk != leader.unit_id and not may_act(actor, unit):
        raise PermissionDenied(LEADER_NOT_ALLOWED)
    leader.name, leader.role, leader.unit = name, role, unit
    if active is not None:
        leader.active = active
    leader.full_clean()
    leader.save()
    logger.info("leader %s updated by %s: %s %s at %s active=%s", leader.pk, actor.pk, role, name, unit.code,
                leader.active)  # fmt: skip
    return leader


# --- stints --------------------------------------------------------------------------------------


def _count(value, field: str, errors: dict[str, list[str]]) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or str(value).strip() not in (str(number), f"+{number}"):
        errors[field] = [COUNT_INVALID]
        return 0
    return number


@transaction.atomic
def reception_record(
    *,
    actor,
    leader: Leader,
    window: ServiceWindow,
    date: date,
    part: str,
    citizens_served: int = 0,
    problems_solved: int = 0,
    notes: str = "",
) -> ReceptionRecord:
    """Record one leader's stint at a window. The window lies within the leader's unit; the actor is a
    supervisor whose scope covers the window's station; the day is not in the future; a leader serves
    one stint a day; problems solved never exceed citizens served."""
    errors: dict[str, list[str]] = {}
    if leader is None:
        errors["leader"] = [LEADER_REQUIRED]
    if window is None:
        errors["window"] = [WINDOW_REQUIRED]
    if leader is not None and window is not None and not may_act(actor, window.station):
        raise PermissionDenied(RECORD_NOT_ALLOWED)
    if leader is not None:
        leader = Leader.objects.select_related("unit").get(pk=leader.pk)
        if not leader.active:
            errors["leader"] = [LEADER_INACTIVE]
        elif window is not None and not window.station.path.startswith(leader.unit.path):
            errors["window"] = [WINDOW_OUTSIDE_UNIT]
    if date is None:
        errors["date"] = [DATE_REQUIRED]
    elif date > timezone.localdate():
        errors["date"] = [DATE_IN_FUTURE]
    if part not in DayPart.values:
        errors["part"] = [PART_INVALID]
    citizens_served = _count(citizens_served, "citizens_served", errors)
    problems_solved = _count(problems_solved, "problems_solved", errors)
    if "citizens_served" not in errors and "problems_solved" not in errors and problems_solved > citizens_served:
        errors["problems_solved"] = [SOLVED_ABOVE_SERVED]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        errors["notes"] = [NOTES_TOO_LONG]
    checked = leader is not None and "leader" not in errors and "date" not in errors
    if checked and ReceptionRecord.objects.filter(leader=leader, date=date).exists():
        errors["date"] = [ONCE_A_DAY]
    if errors:
        raise ValidationError(errors)
    record = ReceptionRecord(
        leader=leader,
        role=leader.role,
        window=window,
        station=window.station,
        date=date,
        part=part,
        citizens_served=citizens_served,
        problems_solved=problems_solved,
        notes=notes,
        recorded_by=actor,
    )
    record.full_clean(exclude=["leader", "window", "recorded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # the same stint recorded at the same moment by someone else
        raise ValidationError({"date": [ONCE_A_DAY]}) from None
    logger.info("reception %s recorded by %s: leader %s at window %s on %s (%s)", record.pk, actor.pk, leader.pk,
                window.pk, date, part)  # fmt: skip
    return record


def may_delete(actor, record: ReceptionRecord) -> bool:
    return may_act(actor, record.station) and month_start(record.date) == month_start(timezone.localdate())


@transaction.atomic
def reception_delete(*, actor, record: ReceptionRecord) -> None:
    """Remove a stint recorded by mistake: by who may act on its station, within the month it belongs to."""
    record = ReceptionRecord.objects.select_for_update().select_related("station").get(pk=record.pk)
    if not may_act(actor, record.station):
        raise PermissionDenied(DELETE_NOT_ALLOWED)
    if month_start(record.date) != month_start(timezone.localdate()):
        raise ValidationError(DELETE_CLOSED_MONTH)
    logger.info("reception %s (leader %s, %s) deleted by %s", record.pk, record.leader_id, record.date, actor.pk)
    record.delete()


# --- quotas --------------------------------------------------------------------------------------


def _quota_days(days) -> Decimal | None:
    try:
        value = Decimal(str(days).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > QUOTA_MAX_DAYS or (value * 2) % 1 != 0:
        return None
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def quota_set(*, actor, role: str, days) -> ReceptionQuota:
    """Set how many days a month leaders of ``role`` serve at the window: 0 to 31, in half days."""
    if not may_set_quotas(actor):
        raise PermissionDenied(QUOTA_NOT_ALLOWED)
    errors: dict[str, list[str]] = {}
    if role not in LeaderRole.values:
        errors["role"] = [ROLE_INVALID]
    value = _quota_days(days)
    if value is None:
        errors["days"] = [QUOTA_INVALID]
    if errors:
        raise ValidationError(errors)
    quota = ReceptionQuota.objects.select_for_update().filter(role=role).first() or ReceptionQuota(role=role)
    quota.days = value
    quota.updated_by = actor
    quota.full_clean(exclude=["updated_by"], validate_unique=False)
    quota.save()
    logger.info("reception quota %s set to %s by %s", role, value, actor.pk)
    return quota


@transaction.atomic
def quotas_set(*, actor, days_by_role: dict[str, object]) -> list[ReceptionQuota]:
    """Set several roles' quotas at once: all of them or, on any error, none."""
    errors: dict[str, list[str]] = {}
    saved = []
    for role, days in days_by_role.items():
        try:
            saved.append(quota_set(actor=actor, role=role, days=days))
        except ValidationError as exc:
            errors[role] = exc.message_dict.get("days") or exc.message_dict.get("role") or exc.messages
    if errors:
        raise ValidationError(errors)  # leaving the transaction undoes the roles already set
    return saved
