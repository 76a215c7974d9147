"""三长接待 for a unit and month: each leader of the unit (and below) against their role's quota."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from compliance.figures import month_start, next_month
from compliance.models import DAY_PART_DAYS, DEFAULT_QUOTAS, Leader, ReceptionQuota, ReceptionRecord
from windows.models import Unit


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
