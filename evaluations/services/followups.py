"""Follow-up calls (回访): each station's policy, the monthly call list drawn from the cases completed
in the month, and the calls made to the citizens on it.

Seed 000 wants every citizen who did 户籍 business called back (rule ``all``); seed 002 wants each
officer's citizens followed up, at least ``per_officer`` households a month (rule ``per_officer``).
A list is built once a month by the beat task for the month just ended, and a supervisor may build or
refresh it at any time: building again adds what the rule now asks for and never drops a citizen who
has been called.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from evaluations.models import (
    BAD_LEVELS,
    CallList,
    CallListEntry,
    FollowUpCall,
    FollowUpPolicy,
    FollowUpRule,
    Level,
)
from hukou.models import Case, CaseStatus
from windows.access import can_act_on_unit, staff_of
from windows.errors import Conflict
from windows.models import Role, Unit

POLICY_NOT_ALLOWED = "只有本所所长（户籍负责人）或上级户政管理人员可以设置回访规则。"
BUILD_NOT_ALLOWED = "只有本所所长（户籍负责人）或上级户政管理人员可以生成回访名单。"
NOT_A_STATION = "回访只按派出所设置和生成名单。"
RULE_INVALID = "请选择回访规则。"
PER_OFFICER_MAX = 100
PER_OFFICER_INVALID = f"每名民警每月回访户数须为1至{PER_OFFICER_MAX}之间的整数。"
MONTH_IN_FUTURE = "该月份尚未开始，不能生成回访名单。"
CALL_NOT_ALLOWED = "只有本所的工作人员可以记录回访。"
REACHED_REQUIRED = "请选择是否接通。"
LEVEL_REQUIRED = "已接通的回访请选择群众的满意度。"
LEVEL_NOT_REACHED = "未接通的回访不能记录满意度。"
CALLED_IN_FUTURE = "回访时间不能晚于现在。"
CALLED_BEFORE_COMPLETION = "回访时间不能早于办结时间。"
NOTES_MAX_LENGTH = 1000
NOTES_TOO_LONG = f"回访记录最多{NOTES_MAX_LENGTH}个字。"
ENTRY_GONE = "该群众已不在回访名单上（名单已更新），请刷新页面。"

# Who sets the policy and builds the lists: the station's supervisors and the bureau supervisors above.
SUPERVISING_ROLES = (Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR)
# Who makes the calls: the station's staff and the supervisors above it (not the system admins).
CALLING_ROLES = (Role.OFFICER, Role.AUXILIARY, Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR)
# The cases a list is drawn from: completed in the month (a completed case may since have been collected).
DONE_STATUSES = (CaseStatus.COMPLETED, CaseStatus.COLLECTED)


# --- months ------------------------------------------------------------------------------------

MONTH_FORMAT = "%Y-%m"
MONTH_INVALID = gettext_lazy("月份格式应为“年-月”，如 2026-05。")


def month_or_none(value: str | None) -> date | None:
    """``YYYY-MM`` → the month's first day; None for anything else."""
    try:
        return datetime.strptime((value or "").strip(), MONTH_FORMAT).date()
    except ValueError:
        return None


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as an aware half-open range [start, end) in the project's time zone (Asia/Shanghai)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(month_start(month), time.min, tzinfo=zone)
    end = datetime.combine(next_month(month), time.min, tzinfo=zone)
    return start, end


# --- the policy --------------------------------------------------------------------------------


def may_supervise(actor, station: Unit) -> bool:
    """A supervisor of this station or a bureau supervisor above it."""
    staff = staff_of(actor)
    return staff is not None and staff.role in SUPERVISING_ROLES and can_act_on_unit(actor, station)


def may_call(actor, station: Unit) -> bool:
    staff = staff_of(actor)
    return staff is not None and staff.role in CALLING_ROLES and can_act_on_unit(actor, station)


def follow_up_policy_of(station: Unit) -> FollowUpPolicy:
    """The station's policy; a station that never set one calls everyone back (seed 000), unsaved."""
    policy = FollowUpPolicy.objects.filter(station=station).first()
    return policy or FollowUpPolicy(station=station, rule=FollowUpRule.ALL, per_officer=3)


@transaction.atomic
def follow_up_policy_set(*, actor, station: Unit, rule: str, per_officer: int | None = None) -> FollowUpPolicy:
    """Set how the station sizes its monthly call list. ``per_officer`` matters for the per-officer
    rule; with rule ``all`` it is kept as it was (or the default)."""
    if not station.is_station:
        raise ValidationError({"station": [NOT_A_STATION]})
    if not may_supervise(actor, station):
        raise PermissionDenied(POLICY_NOT_ALLOWED)
    errors: dict[str, list[str]] = {}
    if rule not in FollowUpRule.values:
        errors["rule"] = [RULE_INVALID]
    policy = FollowUpPolicy.objects.select_for_update().filter(station=station).first()
    policy = policy or FollowUpPolicy(station=station)
    if rule == FollowUpRule.PER_OFFICER or per_officer not in (None, ""):
        try:
            per_officer = int(per_officer)
        except (TypeError, ValueError):
            per_officer = None
        if per_officer is None or not 1 <= per_officer <= PER_OFFICER_MAX:
            errors["per_officer"] = [PER_OFFICER_INVALID]
        else:
            policy.per_officer = per_officer
    if errors:
        raise ValidationError(errors)
    policy.rule = rule
    policy.updated_by = actor
    policy.full_clean(exclude=["station", "updated_by"])
    policy.save()
    return policy


# --- the call list -----------------------------------------------------------------------------

# Which calls are worth making first under the per-officer rule: a bad rating, then no rating, then the rest.
RANK_BAD, RANK_UNRATED, RANK_OTHER = 0, 1, 2


@dataclass(frozen=True)
class Candidate:
    case_id: int
    officer_id: int
    phone: str
    rank: int


def month_cases(station: Unit, month: date):
    """The station's cases completed in the month (Asia/Shanghai), not withdrawn or rejected, newest
    first, each with its rank. One range scan on ``case_station_completed_idx``."""
    start, end = month_bounds(month)
    rank = DbCase(
        When(evaluation__level__in=BAD_LEVELS, then=Value(RANK_BAD)),
        When(evaluation__isnull=True, then=Value(RANK_UNRATED)),
        default=Value(RANK_OTHER),
        output_field=IntegerField(),
    )
    return (
        Case.objects.filter(station=station, completed_at__gte=start, completed_at__lt=end, status__in=DONE_STATUSES)
        .annotate(rank=rank)
        .order_by("-completed_at", "-id")
    )


def _candidates(station: Unit, month: date) -> list[Candidate]:
    rows = month_cases(station, month).values_list("id", "officer_id", "phone", "rank")
    return [Candidate(*row) for row in rows]


def _targets(
    candidates: list[Candidate], kept: dict[int, tuple[int, str]], rule: str, per_officer: int
) -> list[Candidate]:
    """The cases the list should hold besides ``kept`` (case id → (officer id, phone): entries with
    calls, which always stay). ``candidates`` come newest first.

    A citizen (one phone) is called once for the month: only their newest case counts, and none when
    one of their cases is kept already. Rule all: every such case. Per officer: up to ``per_officer``
    of each officer's cases, counting those kept, the bad-rated first, then the unrated, newest first."""
    seen_phones = {phone for _officer, phone in kept.values()}
    pool: list[Candidate] = []
    for candidate in candidates:  # newest first: the first case of a phone is its newest
        if candidate.case_id in kept or candidate.phone in seen_phones:
            continue
        seen_phones.add(candidate.phone)
        pool.append(candidate)
    if rule == FollowUpRule.ALL:
        return pool
    quota: dict[int, int] = defaultdict(lambda: per_officer)
    for officer_id, _phone in kept.values():
        quota[officer_id] -= 1
    chosen = []
    # sorted() is stable: within a rank the newest-first order of the pool holds.
    for candidate in sorted(pool, key=lambda c: c.rank):
        if quota[candidate.officer_id] > 0:
            quota[candidate.officer_id] -= 1
            chosen.append(candidate)
    return chosen


def _check_month(month: date) -> date:
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": [MONTH_IN_FUTURE]})
    return month


@transaction.atomic
def call_list_build(*, station: Unit, month: date, actor=None) -> CallList:
    """Build or refresh the station's call list of ``month`` under the station's policy now.

    Safe to run again: it adds what the rule asks for and is missing (cases completed since, a case
    newly rated badly), and takes off only entries nobody has called that the rule no longer picks.
    An entry with calls always stays. ``actor`` None is the beat task; a user must supervise the station."""
    if not station.is_station:
        raise ValidationError({"station": [NOT_A_STATION]})
    if actor is not None and not may_supervise(actor, station):
        raise PermissionDenied(BUILD_NOT_ALLOWED)
    month = _check_month(month)
    policy = follow_up_policy_of(station)
    per_officer = policy.per_officer if policy.rule == FollowUpRule.PER_OFFICER else None
    call_list, created = CallList.objects.get_or_create(
        station=station,
        month=month,
        defaults={"rule": policy.rule, "per_officer": per_officer, "created_by": actor},
    )
    # One build of a list at a time; then the entries, so no call is recorded on an entry while it is
    # being weighed (follow_up_record locks its entry too).
    call_list = CallList.objects.select_for_update().get(pk=call_list.pk)
    entries = list(
        CallListEntry.objects.select_for_update(of=("self",)).filter(call_list=call_list).select_related("case")
    )
    # Read after the locks are held: every call committed before them is seen.
    called = set(FollowUpCall.objects.filter(entry__call_list=call_list).values_list("entry_id", flat=True))
    kept = {e.case_id: (e.officer_id, e.case.phone) for e in entries if e.pk in called}
    targets = _targets(_candidates(station, month), kept, policy.rule, policy.per_officer)
    wanted = {t.case_id for t in targets}
    stale = [e.pk for e in entries if e.pk not in called and e.case_id not in wanted]
    if stale:
        CallListEntry.objects.filter(pk__in=stale).delete()
    have = {e.case_id for e in entries}
    # Rows drawn from the database's own cases: nothing to validate one by one.
    CallListEntry.objects.bulk_create(
        CallListEntry(call_list=call_list, case_id=t.case_id, officer_id=t.officer_id)
        for t in targets
        if t.case_id not in have
    )
    if not created and (call_list.rule, call_list.per_officer) != (policy.rule, per_officer):
        call_list.rule, call_list.per_officer = policy.rule, per_officer
        call_list.full_clean(exclude=["station", "created_by"])
        call_list.save(update_fields=["rule", "per_officer"])
    return call_list


def call_lists_build_all(*, month: date | None = None) -> list[CallList]:
    """Every station's call list of ``month`` (default: the month just ended), each in its own
    transaction. Run by the beat task on the 1st of the month."""
    month = month_start(month) if month else previous_month(timezone.localdate())
    return [call_list_build(station=station, month=month) for station in Unit.objects.stations().order_by("path")]


# --- the calls ---------------------------------------------------------------------------------


def _clean_call(reached, level, notes: str, called_at: datetime, completed_at: datetime | None):
    errors: dict[str, list[str]] = {}
    if not isinstance(reached, bool):
        errors["reached"] = [REACHED_REQUIRED]
    if level in ("", None):
        level = None
    else:
        try:
            level = int(level)
        except (TypeError, ValueError):
            level = 0
    if reached is True and level not in Level.values:
        errors["level"] = [LEVEL_REQUIRED]
    elif reached is False and level is not None:
        errors["level"] = [LEVEL_NOT_REACHED]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        errors["notes"] = [NOTES_TOO_LONG]
    if called_at > timezone.now():
        errors["called_at"] = [CALLED_IN_FUTURE]
    elif completed_at is not None and called_at < completed_at:
        errors["called_at"] = [CALLED_BEFORE_COMPLETION]
    if errors:
        raise ValidationError(errors)
    return level, notes


@transaction.atomic
def follow_up_record(
    *,
    actor,
    entry: CallListEntry,
    reached: bool,
    level: int | None = None,
    notes: str = "",
    called_at: datetime | None = None,
) -> FollowUpCall:
    """Record one call to the citizen of ``entry``. A citizen not reached is tried again: an entry
    may have several calls, its latest is its state. Staff of the station (and supervisors above it)
    only; a satisfaction only when reached, and then required; never a call in the future."""
    station = Unit.objects.get(pk=entry.call_list.station_id)
    if not may_call(actor, station):
        raise PermissionDenied(CALL_NOT_ALLOWED)
    try:
        locked = CallListEntry.objects.select_for_update(of=("self",)).select_related("case").get(pk=entry.pk)
    except CallListEntry.DoesNotExist:
        raise Conflict(ENTRY_GONE) from None
    called_at = called_at or timezone.now()
    level, notes = _clean_call(reached, level, notes, called_at, locked.case.completed_at)
    call = FollowUpCall(entry=locked, called_by=actor, called_at=called_at, reached=reached, level=level, notes=notes)
    call.full_clean(exclude=["entry", "called_by"])
    call.save()
    return call
