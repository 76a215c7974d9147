"""Reads of the monthly compliance dashboard: what the page is about (a unit, one of a station's windows,
an officer, a month), its figures from one read of the month's cells, the level below, the rankings, the
windows whose rating coverage dropped, the twelve-month trend, and the rows behind a figure.

Figures and rates are never computed here: they come from :mod:`compliance.figures` (counts and
``Totals``) through :mod:`compliance.selectors.figures` (cells, trend, rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from compliance.figures import (
    FIGURES,
    MONTH_FORMAT,
    MONTH_INVALID,
    Period,
    Totals,
    month_or_none,
    month_start,
    previous_month,
)
from compliance.models import MonthlyFigures
from compliance.selectors.figures import (
    CELL_FIELDS,
    cells,
    child_key,
    figure_rows,
    group_totals,
    person_name,
    sum_totals,
    trend,
    unit_for_user,
    window_for_unit,
)
from compliance.selectors.receptions import ReceptionSummary, reception_summary
from evaluations.models import FollowUpCall
from windows.access import scope_root
from windows.models import ServiceWindow, Unit, UnitKind

User = get_user_model()


EARLIEST_MONTH = date(2000, 1, 1)
MONTH_IN_FUTURE = _("不能查看未来的月份。")
MONTH_TOO_EARLY = _("月份不能早于 2000 年 1 月。")

TREND_MONTHS = 12


# --- the month ------------------------------------------------------------------------------------------


def current_month(now: datetime | None = None) -> date:
    return month_start(timezone.localtime(now).date() if now else timezone.localdate())


def parse_month(value: str | None, *, now: datetime | None = None) -> tuple[date, str]:
    """The month asked for and "" — or, when there is none, the current month and "", or, when it is bad
    (not YYYY-MM, in the future, before 2000), the current month and why."""
    today = current_month(now)
    value = (value or "").strip()
    if not value:
        return today, ""
    month = month_or_none(value)
    if month is None:
        return today, str(MONTH_INVALID)
    if month > today:
        return today, str(MONTH_IN_FUTURE)
    if month < EARLIEST_MONTH:
        return today, str(MONTH_TOO_EARLY)
    return month, ""


def month_value(month: date) -> str:
    return month.strftime(MONTH_FORMAT)


# --- what the page is about -------------------------------------------------------------------------------


user_name = person_name  # a person's display name


def _id(value) -> int | None:
    """A query parameter's id; None when empty; 404 when not a positive whole number."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number < 1:
        raise Http404
    return number


def officer_for_unit(unit: Unit, officer_id: int):
    """An officer of ``unit`` (404 otherwise): on its staff now, or with figures under it in some month."""
    served_here = MonthlyFigures.objects.filter(officer=OuterRef("pk"), unit_path__startswith=unit.path)
    officer = (
        User.objects.filter(pk=officer_id)
        .filter(Q(staff__unit__path__startswith=unit.path) | Q(Exists(served_here)))
        .first()
    )
    if officer is None:
        raise Http404
    return officer


@dataclass
class Scope:
    """A unit the user may see, optionally one of its windows (a station's) and an officer, and a month."""

    unit: Unit
    month: date
    window: ServiceWindow | None = None
    officer: object | None = None

    @property
    def officer_name(self) -> str:
        return user_name(self.officer) if self.officer is not None else ""

    @property
    def level(self) -> str:
        if self.officer is not None:
            return "officer"
        if self.window is not None:
            return "window"
        return self.unit.kind

    @property
    def window_label(self) -> str:
        return str(_("%(number)s号窗口") % {"number": self.window.number}) if self.window is not None else ""

    @property
    def title(self) -> str:
        """What the page is about, in words: 东关派出所 · 1号窗口 · 李警官."""
        return " · ".join(part for part in (self.unit.name, self.window_label, self.officer_name) if part)

    @property
    def is_unit_level(self) -> bool:
        """The unit's own page: not narrowed to a window or an officer."""
        return self.window is None and self.officer is None

    @property
    def month_value(self) -> str:
        return month_value(self.month)

    def params(self, *, window: ServiceWindow | None = None, officer_id: int | None = None, month=None) -> dict:
        """The query parameters of this scope, or of a window or officer within it."""
        window = window or self.window
        officer_id = officer_id or (self.officer.pk if self.officer is not None else None)
        params = {"unit": self.unit.code}
        if window is not None:
            params["window"] = window.pk
        if officer_id is not None:
            params["officer"] = officer_id
        params["month"] = month_value(month or self.month)
        return params

    @property
    def query(self) -> str:
        return urlencode(self.params())

    def query_for(self, **kwargs) -> str:
        return urlencode(self.params(**kwargs))


def scope_get(user, *, month: date, unit: str | None = None, window=None, officer=None) -> Scope:
    """The scope named by the query parameters, within the user's own (404 for anything outside it):
    ``unit`` a unit code (the user's own unit when empty), ``window`` a window id of that unit (a
    station), ``officer`` a user id of someone working there."""
    found = unit_for_user(user, unit)
    window_id, officer_id = _id(window), _id(officer)
    scope = Scope(unit=found, month=month)
    if window_id is not None:
        scope.window = window_for_unit(found, window_id)
    if officer_id is not None:
        scope.officer = officer_for_unit(found, officer_id)
    return scope


def breadcrumbs(user, scope: Scope) -> list[tuple[str, str]]:
    """city › district › station › window › officer: (label, the query string of its page), from the top
    of the user's scope down to the scope itself."""
    root = scope_root(user)
    codes = [code for code in scope.unit.path.split("/") if code]
    if scope.unit.pk == root.pk:
        units = [scope.unit]
    else:
        units = list(Unit.objects.filter(code__in=codes, path__startswith=root.path).order_by("path"))
    crumbs: list[tuple[str, str]] = []
    for unit in units:
        crumbs.append((unit.name, urlencode({"unit": unit.code, "month": scope.month_value})))
    if scope.window is not None:
        crumbs.append((scope.window_label, urlencode(_drop(scope.params(), "officer"))))
    if scope.officer is not None:
        crumbs.append((scope.officer_name, scope.query))
    return crumbs


def _drop(params: dict, *keys: str) -> dict:
    return {k: v for k, v in params.items() if k not in keys}


# --- presenting rates -----------------------------------------------------------------------------------


def percent(rate: float | Fraction | None) -> str:
    """A share as "95.2%"; "—" when there is nothing to divide by. Never "100.0%" short of all of them."""
    if rate is None:
        return "—"
    shown = round(float(rate) * 100, 1)
    if shown >= 100 and rate < 1:
        shown = 99.9
    if shown <= 0 and rate > 0:
        shown = 0.1
    return f"{shown:.1f}%"


@dataclass(frozen=True)
class CountItem:
    """One count of the page: a link to the rows behind it."""

    key: str
    value: int
    kind: str = "count"

    @property
    def label(self) -> str:
        return FIGURES[self.key].label

    @property
    def help(self) -> str:
        return FIGURES[self.key].help


@dataclass(frozen=True)
class RateItem:
    """A rate shown with what it divides: numerator / denominator (less ``minus`` when given)."""

    label: str
    value: float | None
    numerator: CountItem
    denominator: CountItem
    minus: CountItem | None = None
    help: str = ""
    kind: str = "rate"

    @property
    def display(self) -> str:
        return percent(self.value)


@dataclass(frozen=True)
class DaysItem:
    """Working days to complete (a percentile of the month's completed cases)."""

    label: str
    value: int | None
    basis: CountItem
    help: str = ""
    kind: str = "days"


@dataclass
class Card:
    key: str
    title: str
    items: list


def figure_cards(totals: Totals, scope: Scope) -> list[Card]:
    """The page's figures, in the order a supervisor reads them."""

    def c(key: str) -> CountItem:
        return CountItem(key, totals[key])

    cards = [
        Card(
            "cases",
            _("办件办理"),
            [
                c("received"),
                c("accepted"),
                c("completed"),
                RateItem(_("按时办结率"), totals.on_time_rate, c("completed_on_time"), c("completed")),
                c("overdue"),
                c("completed_late"),
                DaysItem(_("办结用时中位数"), totals.median_days, c("completed"), _("受理到办结的工作日数")),
                DaysItem(_("办结用时 90% 分位"), totals.p90_days, c("completed"), _("九成办件在此工作日数内办结")),
            ],
        ),
        Card(
            "trips",
            _("最多跑一次"),
            [
                RateItem(_("一次办结率"), totals.one_trip_rate, c("one_trip"), c("completed")),
                c("three_trips"),
                c("notices"),
                c("deficient"),
                RateItem(
                    _("容缺按期补齐率"),
                    totals.supplement_on_time_rate,
                    c("supplied_on_time"),
                    c("deficient"),
                    minus=c("supplement_pending"),
                    help=_("按期补齐 ÷（容缺受理 − 补齐期限未到的）"),
                ),
            ],
        ),
        Card(
            "ratings",
            _("好差评"),
            [
                RateItem(_("评价覆盖率"), totals.coverage, c("rated"), c("completed")),
                RateItem(
                    _("满意率"), totals.satisfaction, c("satisfied"), c("ratings"), help=_("（非常满意+满意）÷ 评价")
                ),
                c("bad"),
                RateItem(_("差评按期整改率"), totals.rectified_in_time_rate, c("bad_rectified_in_time"), c("bad")),
            ],
        ),
    ]
    follow_up = [RateItem(_("回访完成率"), totals.calls_rate, c("calls_made"), c("calls_planned"))]
    if scope.is_unit_level:  # appeals belong to a station, not to a window or an officer
        follow_up = [
            c("appeals"),
            RateItem(_("诉求按期办结率"), totals.appeals_in_time_rate, c("appeals_in_time"), c("appeals")),
            c("appeals_open"),
            *follow_up,
        ]
    cards.append(Card("appeals", _("群众诉求与回访") if scope.is_unit_level else _("回访"), follow_up))
    return cards


def headline(totals: Totals) -> list:
    """The few figures the page opens with."""
    return [
        RateItem(_("按时办结率"), totals.on_time_rate, CountItem("completed_on_time", totals["completed_on_time"]),
                 CountItem("completed", totals["completed"])),
        RateItem(_("满意率"), totals.satisfaction, CountItem("satisfied", totals["satisfied"]),
                 CountItem("ratings", totals["ratings"])),
        RateItem(_("评价覆盖率"), totals.coverage, CountItem("rated", totals["rated"]),
                 CountItem("completed", totals["completed"])),
        RateItem(_("一次办结率"), totals.one_trip_rate, CountItem("one_trip", totals["one_trip"]),
                 CountItem("completed", totals["completed"])),
        CountItem("overdue", totals["overdue"]),
        CountItem("bad", totals["bad"]),
    ]  # fmt: skip


# --- the month's figures, the level below and the rankings ------------------------------------------------


@dataclass
class Line:
    """One row of a breakdown or a ranking: a unit, a window or an officer, with its totals and the query
    string of its own page (the same parameters open the rows behind its counts)."""

    kind: str
    name: str
    totals: Totals
    query: str
    code: str | None = None
    window_id: int | None = None
    officer_id: int | None = None
    rank: int | None = None

    @property
    def on_time(self) -> str:
        return percent(self.totals.on_time_rate)

    @property
    def coverage(self) -> str:
        return percent(self.totals.coverage)

    @property
    def satisfaction(self) -> str:
        return percent(self.totals.satisfaction)


def _rank_key(line: Line):
    """Satisfaction, then on-time rate, best first; lines without ratings or completions last."""
    satisfaction, on_time = line.totals.satisfaction, line.totals.on_time_rate
    return (satisfaction is None, -(satisfaction or 0), on_time is None, -(on_time or 0), line.name)


# A long ranking on the page (a city's stations or officers) shows its top and its bottom; the page of
# each unit below has the rest, the API all of it.
RANKING_HEAD = 20
RANKING_TAIL = 10


@dataclass
class Excerpt:
    head: list[Line]
    tail: list[Line]
    hidden: int


def excerpt(lines: list[Line], *, head: int = RANKING_HEAD, tail: int = RANKING_TAIL) -> Excerpt:
    """The first ``head`` and last ``tail`` lines of a ranking, and how many lie between (all when short)."""
    if len(lines) <= head + tail + 1:
        return Excerpt(head=lines, tail=[], hidden=0)
    return Excerpt(head=lines[:head], tail=lines[-tail:], hidden=len(lines) - head - tail)


def ranked(lines: list[Line]) -> list[Line]:
    result = sorted(lines, key=_rank_key)
    for position, line in enumerate(result, 1):
        line.rank = position
    return result


@dataclass
class MonthView:
    scope: Scope
    period: Period
    totals: Totals
    children: list[Line] = field(default_factory=list)
    children_kind: str = ""
    officers: list[Line] = field(default_factory=list)
    stations: list[Line] = field(default_factory=list)
    refreshed_at: datetime | None = None


MONTH_CELL_FIELDS = (*CELL_FIELDS, "refreshed_at")


def month_view(scope: Scope, *, now: datetime | None = None) -> MonthView:
    """The scope's month from one read of its cells: its totals, the level below it (a unit's child
    units, a station's windows, a window's officers), its officers and, above a station, its stations,
    ranked."""
    unit, window, officer = scope.unit, scope.window, scope.officer
    rows = list(
        cells(
            scope.month,
            unit,
            window_id=window.pk if window else None,
            officer_id=officer.pk if officer is not None else None,
        ).values(*MONTH_CELL_FIELDS)
    )
    view = MonthView(
        scope=scope,
        period=Period.of(scope.month, now),
        totals=Totals(),
        refreshed_at=max((row["refreshed_at"] for row in rows), default=None),
    )
    above_stations = scope.is_unit_level and not unit.is_station
    if above_stations:  # the stations' totals first; everything above them is their sum
        by_station = group_totals(rows, lambda r: r["station_id"])
        view.totals = _sum(by_station.values())
    else:
        view.totals = sum_totals(rows)
    if officer is not None:
        return view

    by_officer = group_totals(rows, lambda r: r["officer_id"])
    names = _names(by_officer)
    view.officers = ranked(
        [
            Line("officer", names.get(pk, str(pk)), t, scope.query_for(officer_id=pk), officer_id=pk)
            for pk, t in by_officer.items()
        ]
    )
    if window is not None:
        view.children_kind = "officer"
        view.children = view.officers
        return view

    if unit.is_station:
        view.children_kind = "window"
        by_window = group_totals(rows, lambda r: r["window_id"])
        windows = ServiceWindow.objects.filter(station=unit).filter(Q(is_open=True) | Q(pk__in=list(by_window)))
        view.children = [
            Line(
                "window",
                str(_("%(number)s号窗口 %(name)s") % {"number": w.number, "name": w.name}),
                by_window.get(w.pk, Totals()),
                scope.query_for(window=w),
                window_id=w.pk,
            )
            for w in windows.order_by("number")
        ]
        return view

    below = list(Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).order_by("path"))
    stations = [u for u in below if u.kind == UnitKind.STATION]
    under_child = child_key(unit)
    by_child: dict[str, list[Totals]] = defaultdict(list)
    for station in stations:
        if station.pk in by_station:
            by_child[under_child({"unit_path": station.path})].append(by_station[station.pk])
    view.children_kind = "unit"
    view.children = [
        Line("unit", u.name, _sum(by_child.get(u.path, [])), _unit_query(u, scope.month), code=u.code)
        for u in below
        if u.parent_id == unit.pk
    ]
    view.stations = ranked(
        [
            Line("unit", u.name, by_station.get(u.pk, Totals()), _unit_query(u, scope.month), code=u.code)
            for u in stations
        ]
    )
    return view


def _sum(groups) -> Totals:
    total = Totals()
    for totals in groups:
        total.add(totals.counts, totals.days)
    return total


def _unit_query(unit: Unit, month: date) -> str:
    return urlencode({"unit": unit.code, "month": month_value(month)})


def _names(by_officer: dict) -> dict[int, str]:
    if not by_officer:
        return {}
    # A staff record's display name is the account's full name or username: no need to join it.
    people = User.objects.filter(pk__in=list(by_officer)).only("pk", "username", "first_name", "last_name")
    return {user.pk: person_name(user) for user in people}


# --- windows whose rating coverage dropped ------------------------------------------------------------------


@dataclass
class CoverageFlag:
    window: ServiceWindow
    current: Fraction
    previous: Fraction
    completed: int
    query: str

    @property
    def current_display(self) -> str:
        return percent(self.current)

    @property
    def previous_display(self) -> str:
        return percent(self.previous)

    @property
    def message(self) -> str:
        return _("评价覆盖率下降：本月 %(current)s，上月 %(previous)s") % {
            "current": _whole_percent(self.current),
            "previous": _whole_percent(self.previous),
        }


def _whole_percent(share: Fraction) -> str:
    return f"{round(share * 100)}%"


def coverage_flags(scope: Scope) -> list[CoverageFlag]:
    """The windows of the scope whose rating coverage this month is at least COMPLIANCE_COVERAGE_DROP
    below the month before, with at least COMPLIANCE_COVERAGE_MIN_CASES completed this month (a device
    hidden or switched off shows so). One grouped query over the two months' cells."""
    if scope.officer is not None:
        return []
    month, before = month_start(scope.month), previous_month(scope.month)
    qs = MonthlyFigures.objects.filter(
        unit_path__startswith=scope.unit.path, month__in=[before, month], window__isnull=False
    )
    if scope.window is not None:
        qs = qs.filter(window=scope.window)
    sums = qs.values("month", "window_id").annotate(rated_n=Sum("rated"), completed_n=Sum("completed")).order_by()
    coverage: dict[tuple[date, int], tuple[int, int]] = {
        (row["month"], row["window_id"]): (row["rated_n"], row["completed_n"]) for row in sums
    }
    drop = Fraction(str(settings.COMPLIANCE_COVERAGE_DROP))
    minimum = max(1, settings.COMPLIANCE_COVERAGE_MIN_CASES)
    found: dict[int, tuple[Fraction, Fraction, int]] = {}
    for (m, window_id), (rated, completed) in coverage.items():
        if m != month or completed < minimum:
            continue
        rated_before, completed_before = coverage.get((before, window_id), (0, 0))
        if not completed_before:
            continue
        now_share, then_share = Fraction(rated, completed), Fraction(rated_before, completed_before)
        if then_share - now_share >= drop:
            found[window_id] = (now_share, then_share, completed)
    if not found:
        return []
    windows = (
        ServiceWindow.objects.filter(pk__in=list(found)).select_related("station").order_by("station__path", "number")
    )
    flags = []
    for w in windows:
        now_share, then_share, completed = found[w.pk]
        query = urlencode({"unit": w.station.code, "window": w.pk, "month": scope.month_value})
        flags.append(CoverageFlag(window=w, current=now_share, previous=then_share, completed=completed, query=query))
    return flags


# --- the twelve-month trend --------------------------------------------------------------------------------


def trend_data(scope: Scope) -> dict:
    """The scope's last twelve months, for the charts (``json_script``) and the table beside them."""
    months = trend(
        scope.unit,
        scope.month,
        months=TREND_MONTHS,
        window_id=scope.window.pk if scope.window else None,
        officer_id=scope.officer.pk if scope.officer is not None else None,
    )

    def share(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 2)

    return {
        "months": [month_value(m) for m, _t in months],
        "received": [t["received"] for _m, t in months],
        "completed": [t["completed"] for _m, t in months],
        "on_time": [share(t.on_time_rate) for _m, t in months],
        "satisfaction": [share(t.satisfaction) for _m, t in months],
        "coverage": [share(t.coverage) for _m, t in months],
        "median_days": [t.median_days for _m, t in months],
        "p90_days": [t.p90_days for _m, t in months],
        "labels": {
            "received": str(_("收件")),
            "completed": str(_("办结")),
            "on_time": str(_("按时办结率")),
            "satisfaction": str(_("满意率")),
            "coverage": str(_("评价覆盖率")),
            "median_days": str(_("用时中位数")),
            "p90_days": str(_("用时 90% 分位")),
        },
    }


def trend_table(data: dict) -> list[dict]:
    """The trend as rows (month, figures) for the table under the charts."""
    keys = ("received", "completed", "on_time", "satisfaction", "coverage", "median_days", "p90_days")
    return [{"month": m, **{k: data[k][i] for k in keys}} for i, m in enumerate(data["months"])]


# --- 三长接待 ------------------------------------------------------------------------------------------------


def receptions(scope: Scope) -> ReceptionSummary | None:
    """三长接待 of the unit's leaders (a unit's page only, not a window's or an officer's)."""
    return reception_summary(scope.unit, scope.month) if scope.is_unit_level else None


def leaders_short(summary: ReceptionSummary | None) -> list:
    """The leaders who have not served their quota yet this month."""
    return [m for m in summary.leaders if not m.met] if summary is not None else []


# --- the rows behind a figure ------------------------------------------------------------------------------

# What each source's rows show beside them, and their order.
SOURCE_KIND = {
    "received": "cases",
    "accepted": "cases",
    "completed": "cases",
    "overdue": "cases",
    "notices": "notices",
    "ratings": "ratings",
    "appeals": "appeals",
    "calls": "calls",
}
_ROWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "received": (("service_type", "officer", "window"), ("created_at", "pk")),
    "accepted": (("service_type", "officer", "window"), ("accepted_on", "pk")),
    "completed": (("service_type", "officer", "window"), ("completed_at", "pk")),
    "overdue": (("service_type", "officer", "window"), ("due_on", "pk")),
    "notices": (("case", "issued_by"), ("issued_at", "pk")),
    "ratings": (("case", "window", "officer"), ("created_at", "pk")),
    "appeals": (("station",), ("created_at", "pk")),
    "calls": (("case", "officer"), ("case__completed_at", "pk")),
}
_EXTRA: dict[str, Callable[[QuerySet], QuerySet]] = {
    "calls": lambda qs: qs.annotate(called=Exists(FollowUpCall.objects.filter(entry=OuterRef("pk")))),
}


def figure_source(key: str) -> str:
    """The source a figure counts (404 for an unknown figure)."""
    if key not in FIGURES:
        raise Http404
    return FIGURES[key].source


def drill_rows(key: str, scope: Scope, *, now: datetime | None = None) -> QuerySet:
    """The rows behind one figure of the scope's month, with what the list shows loaded alongside."""
    source = figure_source(key)
    qs = figure_rows(
        key,
        scope.unit,
        scope.month,
        window_id=scope.window.pk if scope.window else None,
        officer_id=scope.officer.pk if scope.officer is not None else None,
        now=now,
    )
    related, order = _ROWS[source]
    qs = qs.select_related(*related).order_by(*order)
    if source in _EXTRA:
        qs = _EXTRA[source](qs)
    return qs
