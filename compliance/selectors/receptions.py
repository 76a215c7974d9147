"""三长接待 for a unit and month: each leader of the unit (and below) against their role's quota."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from compliance.figures import month_start, next_month
from compliance.models import DAY_PART_DAYS, DEFAULT_QUOTAS, Leader, LeaderRole, ReceptionQuota, ReceptionRecord
from compliance.selectors.figures import ancestor_paths
from windows.access import scope_filter, scope_root, units_visible_to
from windows.models import ServiceWindow, Unit, UnitKind


def quotas() -> dict[str, Decimal]:
    """Days a month per leader role: the edited quotas, seed 000's where none was edited."""
    return {**DEFAULT_QUOTAS, **dict(ReceptionQuota.objects.values_list("role", "days"))}


@dataclass
class LeaderMonth:
    leader: Leader
    quota: Decimal
    served: Decimal = Decimal("0")
    stints: int = 0
    citizens_served: int = 0
    problems_solved: int = 0

    @property
    def met(self) -> bool:
        return self.served >= self.quota

    @property
    def short(self) -> Decimal:
        return max(Decimal("0"), self.quota - self.served)


@dataclass
class ReceptionSummary:
    month: date
    leaders: list[LeaderMonth] = field(default_factory=list)

    @property
    def days_served(self) -> Decimal:
        return sum((m.served for m in self.leaders), Decimal("0"))

    @property
    def days_quota(self) -> Decimal:
        return sum((m.quota for m in self.leaders), Decimal("0"))

    @property
    def leaders_met(self) -> int:
        return sum(1 for m in self.leaders if m.met)

    @property
    def citizens_served(self) -> int:
        return sum(m.citizens_served for m in self.leaders)

    @property
    def problems_solved(self) -> int:
        return sum(m.problems_solved for m in self.leaders)


def reception_summary(unit: Unit, month: date) -> ReceptionSummary:
    """Every active leader of ``unit`` and below, with the days they served at a window in the month."""
    month = month_start(month)
    quota = quotas()
    leaders = Leader.objects.filter(unit__path__startswith=unit.path, active=True).select_related("unit")
    summary = ReceptionSummary(month=month, leaders=[LeaderMonth(leader=ld, quota=quota[ld.role]) for ld in leaders])
    by_leader = {m.leader.pk: m for m in summary.leaders}
    records = ReceptionRecord.objects.filter(
        leader_id__in=by_leader, date__gte=month, date__lt=next_month(month)
    ).values_list("leader_id", "part", "citizens_served", "problems_solved")
    for leader_id, part, citizens, problems in records:
        m = by_leader[leader_id]
        m.served += DAY_PART_DAYS[part]
        m.stints += 1
        m.citizens_served += citizens
        m.problems_solved += problems
    return summary


# --- the page's and the API's reads, scoped to the user ----------------------------------------------


def leaders_for_user(user) -> QuerySet[Leader]:
    """The leaders the user manages: those of their unit and below."""
    root = scope_root(user)
    if root is None:
        return Leader.objects.none()
    return Leader.objects.filter(unit__path__startswith=root.path).select_related("unit")


def leader_choices(user) -> QuerySet[Leader]:
    """The leaders who may serve at a window in the user's scope: those in office of the user's unit and
    below, and of the units above it (a county chief serves at a station's window too)."""
    root = scope_root(user)
    if root is None:
        return Leader.objects.none()
    return (
        Leader.objects.filter(Q(unit__path__startswith=root.path) | Q(unit__path__in=ancestor_paths(root.path)))
        .filter(active=True)
        .select_related("unit")
    )


def window_choices(user) -> QuerySet[ServiceWindow]:
    """The windows of the stations in the user's scope."""
    return ServiceWindow.objects.filter(scope_filter(user, "station")).select_related("station")


def unit_choices(user) -> QuerySet[Unit]:
    """Where a new leader may belong: the districts and stations in the user's scope."""
    return units_visible_to(user).filter(kind__in=[UnitKind.DISTRICT, UnitKind.STATION])


def records_for_user(user) -> QuerySet[ReceptionRecord]:
    """三长接待 records at the windows of the user's scope, newest first."""
    return ReceptionRecord.objects.filter(scope_filter(user, "station")).select_related(
        "leader", "window", "station", "recorded_by"
    )


def records_in_month(user, month: date) -> QuerySet[ReceptionRecord]:
    month = month_start(month)
    return records_for_user(user).filter(date__gte=month, date__lt=next_month(month)).order_by("-date", "-id")


def record_get_for_user(user, pk) -> ReceptionRecord:
    """One record in the user's scope (404 otherwise, whether missing or elsewhere)."""
    try:
        return records_for_user(user).get(pk=int(pk))
    except (ValueError, TypeError, ReceptionRecord.DoesNotExist):
        raise Http404 from None


def leader_get_for_user(user, pk) -> Leader:
    try:
        return leaders_for_user(user).get(pk=int(pk))
    except (ValueError, TypeError, Leader.DoesNotExist):
        raise Http404 from None


@dataclass
class QuotaLine:
    role: str
    label: str
    days: Decimal
    default: Decimal

    @property
    def edited(self) -> bool:
        return self.days != self.default


def quota_lines() -> list[QuotaLine]:
    """Every role's quota, in the order of the roles, with seed 000's default beside it."""
    current = quotas()
    return [
        QuotaLine(role=role.value, label=str(role.label), days=current[role], default=DEFAULT_QUOTAS[role])
        for role in LeaderRole
    ]
