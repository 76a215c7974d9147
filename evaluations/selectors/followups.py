"""Reads of the follow-up calls (回访), scoped to the user: another unit's list or entry is not found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case as DbCase
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import Exact, In

from evaluations.models import BAD_LEVELS, CallList, CallListEntry, FollowUpCall, FollowUpRule
from windows.access import scope_filter, units_visible_to
from windows.models import Unit


def follow_up_stations(*, user) -> QuerySet[Unit]:
    """The stations whose lists the user may see: their own, or every station below their bureau."""
    return units_visible_to(user).stations().order_by("path")


def call_list_list(*, user) -> QuerySet[CallList]:
    return CallList.objects.filter(scope_filter(user, "station")).select_related("station")


def call_list_get(*, user, station: Unit, month) -> CallList | None:
    """The station's list of the month, or None (not built yet, or not the user's to see)."""
    return call_list_list(user=user).filter(station=station, month=month.replace(day=1)).first()


def _latest(field: str) -> Subquery:
    calls = FollowUpCall.objects.filter(entry=OuterRef("pk")).order_by("-called_at", "-id")
    return Subquery(calls.values(field)[:1])


def _with_state(entries: QuerySet[CallListEntry]) -> QuerySet[CallListEntry]:
    """The entry's state is its latest call: whether anyone called, and the latest call's outcome."""
    return entries.annotate(
        called=Exists(FollowUpCall.objects.filter(entry=OuterRef("pk"))),
        latest_reached=_latest("reached"),
        latest_level=_latest("level"),
    )


def entry_list(*, user) -> QuerySet[CallListEntry]:
    """Entries of the lists the user may see, with what a row shows loaded: the case, its service and
    officer, the latest call's outcome (annotations), and every call, latest first."""
    calls = FollowUpCall.objects.select_related("called_by").order_by("-called_at", "-id")
    entries = CallListEntry.objects.filter(scope_filter(user, "call_list__station")).select_related(
        "call_list__station", "case__service_type", "officer"
    )
    return _with_state(entries).prefetch_related(Prefetch("calls", queryset=calls, to_attr="calls_latest_first"))


def entry_get(*, user, pk: int) -> CallListEntry:
    """One entry; ``CallListEntry.DoesNotExist`` alike for a missing entry and another unit's."""
    return entry_list(user=user).get(pk=pk)


# Those not called yet first, then those not reached, then the rest.
TODO_ORDER = DbCase(
    When(called=False, then=Value(0)),
    When(latest_reached=False, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def call_list_entries(*, user, call_list: CallList) -> QuerySet[CallListEntry]:
    """A list's entries, what is left to do first; by officer and newest completion within each."""
    return (
        entry_list(user=user)
        .filter(call_list=call_list)
        .annotate(todo=TODO_ORDER)
        .order_by("todo", "officer__first_name", "officer_id", "-case__completed_at", "-id")
    )


@dataclass(frozen=True)
class Progress:
    entries: int
    called: int
    reached: int
    satisfied: int

    @property
    def satisfied_share(self) -> int | None:
        """满意率, in whole percent of the citizens reached: every level but the two bad ones (the 好差评
        scale's 好评); None before anyone was reached."""
        return round(100 * self.satisfied / self.reached) if self.reached else None


@dataclass(frozen=True)
class OfficerLine:
    officer_id: int
    name: str
    required: int
    entries: int
    called: int
    reached: int

    @property
    def short(self) -> bool:
        return self.reached < self.required


def _counts() -> dict:
    """The progress figures as aggregates over entries, each entry's state worked out in place (an
    aggregate over annotated subqueries would be wrapped in a subquery that drops them)."""
    reached = Exact(_latest("reached"), True)
    return {
        "entries": Count("pk"),
        "called": Count("pk", filter=Q(Exists(FollowUpCall.objects.filter(entry=OuterRef("pk"))))),
        "reached": Count("pk", filter=Q(reached)),
        "satisfied": Count("pk", filter=Q(reached) & ~Q(In(_latest("level"), list(BAD_LEVELS)))),
    }


def call_list_progress(*, call_list: CallList) -> Progress:
    """Entries, those called at least once, those whose latest call reached the citizen, and of
    those the satisfied (one query)."""
    return Progress(**CallListEntry.objects.filter(call_list=call_list).aggregate(**_counts()))


def progress_of(entries) -> Progress:
    """The same figures from entries loaded with ``entry_list``'s annotations, without a query."""
    entries = list(entries)
    reached = [e for e in entries if e.latest_reached]
    return Progress(
        entries=len(entries),
        called=sum(1 for e in entries if e.called),
        reached=len(reached),
        satisfied=sum(1 for e in reached if e.latest_level not in BAD_LEVELS),
    )


def call_list_officer_lines(*, call_list: CallList) -> list[OfficerLine]:
    """Under the per-officer rule, each officer's quota and how far it is met (民警 X：应回访 3 户，
    已回访 n 户, counting the citizens reached): the quota is the rule's number, or fewer when the
    officer had fewer citizens that month. One query."""
    if call_list.rule != FollowUpRule.PER_OFFICER:
        return []
    rows = (
        CallListEntry.objects.filter(call_list=call_list)
        .values("officer_id", "officer__first_name", "officer__username")
        .annotate(**_counts())
        .order_by("officer__first_name", "officer_id")
    )
    per_officer = call_list.per_officer or 0
    return [
        OfficerLine(
            officer_id=row["officer_id"],
            name=row["officer__first_name"] or row["officer__username"],
            required=min(per_officer, row["entries"]),
            entries=row["entries"],
            called=row["called"],
            reached=row["reached"],
        )
        for row in rows
    ]
