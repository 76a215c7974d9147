"""Every figure of the monthly dashboard, defined once.

A figure is a count of rows of one source table (cases, one-time notices, ratings, appeals, call-list
entries) that meet a condition in a month. The same definition serves twice:

* the rollup job (:mod:`compliance.services.rollups`) counts it per cell (station, window, officer) with
  one grouped query per source, and stores the counts in ``MonthlyFigures``;
* the drill-down (:func:`compliance.selectors.figure_rows`) lists the rows behind it.

So the number on the dashboard and the rows a click shows cannot disagree: they are one ``Q``. Rates are
derived from the counts (:class:`Totals`), never stored.

Time: a case counts in the month in whose days (Asia/Shanghai) its date falls. "Overdue" is a state, not
an event: for a past month it is the cases overdue when the month ended, for the current month those
overdue now.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Appeal, AppealStatus, CallListEntry, Evaluation, FollowUpCall, ReviewOutcome

# the months, defined once, for compliance too
from evaluations.services.followups import MONTH_FORMAT as MONTH_FORMAT
from evaluations.services.followups import MONTH_INVALID as MONTH_INVALID
from evaluations.services.followups import month_or_none as month_or_none
from evaluations.services.followups import month_start, next_month
from evaluations.services.followups import previous_month as previous_month
from hukou.models import Case, CaseDocument, CaseEvent, CaseStatus, DocumentKind
from hukou.services import Action
from windows.workdays import working_days_between

# Working days to complete: one bucket per day up to this many, the last one "this many or more".
DAYS_BUCKETS = 60


# How a month is written in a query string or a URL: 2026-05.
@dataclass(frozen=True)
class Period:
    """A calendar month, its bounds as aware datetimes, the moment states are read at (its end, or now),
    and now (what is still to come, such as a 容缺 deadline, is judged against today)."""

    month: date
    start: datetime
    end: datetime
    cutoff: datetime
    now: datetime | None = None

    @classmethod
    def of(cls, month: date, now: datetime | None = None) -> Period:
        month = month_start(month)
        now = now or timezone.now()
        tz = timezone.get_current_timezone()
        start = datetime.combine(month, time.min, tzinfo=tz)
        end = datetime.combine(next_month(month), time.min, tzinfo=tz)
        return cls(month=month, start=start, end=end, cutoff=min(now, end), now=now)

    @property
    def first_day(self) -> date:
        return self.month

    @property
    def last_day(self) -> date:
        return next_month(self.month) - timedelta(days=1)

    @property
    def cutoff_date(self) -> date:
        return timezone.localtime(self.cutoff).date()

    @property
    def today(self) -> date:
        return timezone.localtime(self.now or self.cutoff).date()

    @property
    def is_closed(self) -> bool:
        return self.cutoff >= self.end


# --- sources: the table a figure counts, how its rows fall into cells, and its month --------------------


@dataclass(frozen=True)
class Source:
    key: str
    model: type
    station: str
    window: str | None
    officer: str | None
    in_month: Callable[[Period], Q]


def _case_received(p: Period) -> Q:
    return Q(created_at__gte=p.start, created_at__lt=p.end)


def _case_accepted(p: Period) -> Q:
    return Q(accepted_on__gte=p.first_day, accepted_on__lte=p.last_day)


def _case_completed(p: Period) -> Q:
    return Q(completed_at__gte=p.start, completed_at__lt=p.end)


_STOPPED = [CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.SUSPENDED]


def _stopped_at_cutoff(p: Period) -> Q:
    """Refused, withdrawn or suspended at the cutoff. For the current month that is the case's status.
    For a past month, a case last written before the month ended still has the status it had then;
    one written since is read from its events (ended before the cutoff, or suspended then and not
    resumed before it), so that a case refused or suspended after the month ended stays overdue in it."""
    stopped_now = Q(status__in=_STOPPED)
    if not p.is_closed:
        return stopped_now
    # uncorrelated: a correlated EXISTS under this OR makes PostgreSQL walk a whole index (bench/RESULTS.md)
    ended = CaseEvent.objects.filter(action__in=[Action.REJECT, Action.WITHDRAW], at__lt=p.cutoff)
    resumed = CaseEvent.objects.filter(
        case=OuterRef("case"), action=Action.RESUME, pk__gt=OuterRef("pk"), at__lt=p.cutoff
    )
    suspended = CaseEvent.objects.filter(action=Action.SUSPEND, at__lt=p.cutoff).filter(~Exists(resumed))
    return (Q(updated_at__lt=p.cutoff) & stopped_now) | (
        Q(updated_at__gte=p.cutoff) & (Q(pk__in=ended.values("case_id")) | Q(pk__in=suspended.values("case_id")))
    )


def _case_overdue(p: Period) -> Q:
    """Accepted, its committed date passed before the cutoff day, not completed before the cutoff; not
    refused, withdrawn or suspended at the cutoff (a suspended case's clock is stopped)."""
    return (
        Q(accepted_on__isnull=False, due_on__lt=p.cutoff_date)
        & (Q(completed_at__isnull=True) | Q(completed_at__gte=p.cutoff))
        & ~_stopped_at_cutoff(p)
    )


SOURCES = {
    s.key: s
    for s in [
        Source("received", Case, "station", "window", "officer", _case_received),
        Source("accepted", Case, "station", "window", "officer", _case_accepted),
        Source("completed", Case, "station", "window", "officer", _case_completed),
        Source("overdue", Case, "station", "window", "officer", _case_overdue),
        Source(
            "notices",
            CaseDocument,
            "case__station",
            "case__window",
            "case__officer",
            lambda p: Q(kind=DocumentKind.ONE_TIME_NOTICE, issued_at__gte=p.start, issued_at__lt=p.end),
        ),
        # A rating a review found mistaken or malicious does not count (申诉复核).
        Source(
            "ratings",
            Evaluation,
            "station",
            "window",
            "officer",
            lambda p: Q(created_at__gte=p.start, created_at__lt=p.end) & ~Q(review__outcome=ReviewOutcome.EXCLUDED),
        ),
        Source("appeals", Appeal, "station", None, None, lambda p: Q(created_at__gte=p.start, created_at__lt=p.end)),
        Source(
            "calls",
            CallListEntry,
            "call_list__station",
            "case__window",
            "officer",
            lambda p: Q(call_list__month=p.month),
        ),
    ]
}


# --- figures ----------------------------------------------------------------------------------------------


def _everything(p: Period) -> Q:
    return Q()


def _supplied_on_time(p: Period) -> Q:
    supplied = CaseEvent.objects.filter(
        case=OuterRef("pk"),
        action=Action.ACCEPT,
        from_status=CaseStatus.ACCEPTED_DEFICIENT,
        at__date__lte=OuterRef("supplement_due_on"),
    )
    return Q(supplement_due_on__isnull=False) & Q(Exists(supplied))


def _supplement_pending(p: Period) -> Q:
    """Not supplied yet and its deadline not passed today (not at the month's end: whether a past
    month's 容缺 acceptances were supplied on time is known only once their deadlines have passed);
    a suspended case's deadline stands still from the day it was suspended."""
    return Q(supplement_due_on__isnull=False) & (
        Q(status=CaseStatus.ACCEPTED_DEFICIENT, supplement_due_on__gte=p.today)
        | Q(
            status=CaseStatus.SUSPENDED,
            status_before_suspension=CaseStatus.ACCEPTED_DEFICIENT,
            supplement_due_on__gte=F("suspended_on"),
        )
    )


def _called(p: Period) -> Q:
    return Q(Exists(FollowUpCall.objects.filter(entry=OuterRef("pk"))))


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    source: str
    where: Callable[[Period], Q] = _everything
    help: str = ""


FIGURES: dict[str, Figure] = {
    f.key: f
    for f in [
        Figure("received", _("收件"), "received", help=_("本月新建的办件")),
        Figure("accepted", _("受理"), "accepted", help=_("受理日期在本月的办件（含容缺受理）")),
        Figure("completed", _("办结"), "completed", help=_("办结时间在本月的办件")),
        Figure(
            "completed_on_time",
            _("按时办结"),
            "completed",
            lambda p: Q(due_on__isnull=False, completed_at__date__lte=F("due_on")),
            _("本月办结且不晚于承诺办结日期"),
        ),
        Figure(
            "completed_late",
            _("超期办结"),
            "completed",
            lambda p: Q(due_on__isnull=False, completed_at__date__gt=F("due_on")),
            _("本月办结但晚于承诺办结日期"),
        ),
        Figure("overdue", _("超期未办结"), "overdue", help=_("已过承诺办结日期仍未办结（往月为月末时，本月为当前）")),
        Figure("one_trip", _("一次办结"), "completed", lambda p: Q(trips__lte=1), _("本月办结、群众跑动不超过一次")),
        Figure(
            "three_trips",
            _("跑动三次及以上"),
            "completed",
            lambda p: Q(trips__gte=3),
            _("本月办结、群众跑动三次及以上"),
        ),
        Figure("notices", _("一次性告知"), "notices", help=_("本月出具的补正材料通知书")),
        Figure(
            "deficient",
            _("容缺受理"),
            "accepted",
            lambda p: Q(supplement_due_on__isnull=False),
            _("本月容缺受理的办件"),
        ),
        Figure(
            "supplied_on_time", _("按期补齐"), "accepted", _supplied_on_time, _("本月容缺受理、在补齐期限内补齐材料")
        ),
        Figure(
            "supplement_pending",
            _("待补齐（未到期）"),
            "accepted",
            _supplement_pending,
            _("本月容缺受理、尚未补齐且补齐期限未到（中止办理的，期限停止计算）"),
        ),
        Figure(
            "rated",
            _("已评价办件"),
            "completed",
            lambda p: Q(evaluation__isnull=False) & ~Q(evaluation__review__outcome=ReviewOutcome.EXCLUDED),
            _("本月办结且已有评价的办件（复核认定不计入的评价除外）"),
        ),
        Figure("ratings", _("评价"), "ratings", help=_("本月收到的评价（复核认定不计入的除外）")),
        Figure("satisfied", _("满意"), "ratings", lambda p: Q(level__gte=4), _("非常满意与满意")),
        Figure("bad", _("差评"), "ratings", lambda p: Q(level__lte=2), _("不满意与非常不满意")),
        Figure(
            "bad_rectified_in_time",
            _("按期整改"),
            "ratings",
            lambda p: Q(level__lte=2, rectification__closed_at__date__lte=F("rectification__rectify_due_on")),
            _("本月差评中在整改期限内办结整改的"),
        ),
        Figure("appeals", _("群众诉求"), "appeals", help=_("本月收到的群众诉求")),
        Figure(
            "appeals_in_time",
            _("按期办结诉求"),
            "appeals",
            lambda p: Q(resolved_at__date__lte=F("due_on")),
            _("本月收到、在办理期限内办结的诉求"),
        ),
        Figure(
            "appeals_open",
            _("未结诉求"),
            "appeals",
            lambda p: ~Q(status=AppealStatus.RESOLVED),
            _("本月收到、尚未办结的诉求"),
        ),
        Figure("calls_planned", _("应回访"), "calls", help=_("本月回访名单上的群众")),
        Figure("calls_made", _("已回访"), "calls", _called, _("回访名单上已拨打回访电话的")),
    ]
}

COUNT_KEYS = list(FIGURES)


def figure_where(key: str, period: Period) -> Q:
    """The whole condition of one figure: its source's month and its own."""
    figure = FIGURES[key]
    return SOURCES[figure.source].in_month(period) & figure.where(period)


def count_expressions(source_key: str, period: Period) -> dict[str, Count]:
    return {
        key: Count("pk", filter=figure.where(period)) if figure.where is not _everything else Count("pk")
        for key, figure in FIGURES.items()
        if figure.source == source_key
    }


# --- working days to complete ----------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def working_days_to_complete(accepted_on: date, completed_on: date) -> int:
    return working_days_between(accepted_on, completed_on)


def add_to_histogram(histogram: list[int], days: int, n: int = 1) -> None:
    bucket = min(days, DAYS_BUCKETS)
    if len(histogram) <= bucket:
        histogram.extend([0] * (bucket + 1 - len(histogram)))
    histogram[bucket] += n


def merge_histograms(histograms) -> list[int]:
    merged: list[int] = []
    for h in histograms:
        if len(merged) < len(h):
            merged.extend([0] * (len(h) - len(merged)))
        for i, n in enumerate(h):
            merged[i] += n
    return merged


def percentile(histogram: list[int], p: float) -> int | None:
    """Nearest rank: the smallest value with at least ⌈p·N⌉ values at or below it; None when empty."""
    total = sum(histogram)
    if not total:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for value, n in enumerate(histogram):
        seen += n
        if seen >= rank:
            return value
    return len(histogram) - 1


# --- totals and rates --------------------------------------------------------------------------------------


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


@dataclass
class Totals:
    """The counts of any set of cells summed, and the rates derived from them."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    days: list[int] = field(default_factory=list)

    def add(self, counts: dict, days: list[int] | None = None) -> Totals:
        for key in COUNT_KEYS:
            self.counts[key] += counts.get(key) or 0
        if days:
            self.days = merge_histograms([self.days, days])
        return self

    def __getitem__(self, key: str) -> int:
        return self.counts[key]

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self["completed_on_time"], self["completed"])

    @property
    def one_trip_rate(self) -> float | None:
        return _ratio(self["one_trip"], self["completed"])

    @property
    def supplement_on_time_rate(self) -> float | None:
        """On time among the 容缺 acceptances whose outcome is known (the deadline passed or they were supplied)."""
        return _ratio(self["supplied_on_time"], self["deficient"] - self["supplement_pending"])

    @property
    def coverage(self) -> float | None:
        return _ratio(self["rated"], self["completed"])

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self["satisfied"], self["ratings"])

    @property
    def rectified_in_time_rate(self) -> float | None:
        return _ratio(self["bad_rectified_in_time"], self["bad"])

    @property
    def appeals_in_time_rate(self) -> float | None:
        return _ratio(self["appeals_in_time"], self["appeals"])

    @property
    def calls_rate(self) -> float | None:
        return _ratio(self["calls_made"], self["calls_planned"])

    @property
    def median_days(self) -> int | None:
        return percentile(self.days, 0.5)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.days, 0.9)

    RATES = (
        "on_time_rate",
        "one_trip_rate",
        "supplement_on_time_rate",
        "coverage",
        "satisfaction",
        "rectified_in_time_rate",
        "appeals_in_time_rate",
        "calls_rate",
        "median_days",
        "p90_days",
    )

    def as_dict(self) -> dict:
        """Counts and derived values, as a frozen report row keeps them."""
        return {**self.counts, **{name: getattr(self, name) for name in self.RATES}, "days": list(self.days)}
