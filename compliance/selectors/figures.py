"""Reads of the rollups: any unit's figures for a month, broken down by the level below, a trend, and the
rows behind a figure. Every read starts from a unit the caller has already checked the user may see
(:func:`unit_for_user`); cells are found by the station path prefix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet, Sum
from django.http import Http404

from compliance.figures import (
    COUNT_KEYS,
    FIGURES,
    SOURCES,
    Period,
    Totals,
    figure_where,
    merge_histograms,
    month_start,
    previous_month,
)
from compliance.models import MonthlyFigures
from windows.access import scope_root
from windows.models import ServiceWindow, Unit


def unit_for_user(user, code: str | None) -> Unit:
    """The unit named by ``code`` if the user may see it (404 otherwise); their own unit when no code."""
    root = scope_root(user)
    if root is None:
        raise Http404
    if not code:
        return root
    unit = Unit.objects.filter(code=code, path__startswith=root.path).first()
    if unit is None:
        raise Http404
    return unit


def window_for_unit(unit: Unit, window_id) -> ServiceWindow:
    """A window of the station ``unit`` (404 for another's)."""
    try:
        return ServiceWindow.objects.select_related("station").get(pk=int(window_id), station=unit)
    except (ValueError, TypeError, ServiceWindow.DoesNotExist):
        raise Http404 from None


def cells(month: date, unit: Unit, *, window_id: int | None = None, officer_id: int | None = None) -> QuerySet:
    qs = MonthlyFigures.objects.filter(month=month_start(month), unit_path__startswith=unit.path)
    if window_id is not None:
        qs = qs.filter(window_id=window_id)
    if officer_id is not None:
        qs = qs.filter(officer_id=officer_id)
    return qs


def _cell_rows(qs: QuerySet) -> list[dict]:
    return list(qs.values("station_id", "unit_path", "window_id", "officer_id", "days", *COUNT_KEYS))


def group_totals(rows: list[dict], key: Callable[[dict], Hashable]) -> dict[Hashable, Totals]:
    groups: dict[Hashable, Totals] = defaultdict(Totals)
    for row in rows:
        k = key(row)
        if k is not None:
            groups[k].add(row, row["days"])
    return dict(groups)


def child_key(unit: Unit) -> Callable[[dict], str | None]:
    """Which direct child of ``unit`` a cell lies under (by path), for the breakdown one level down."""
    depth = unit.path.count("/")

    def key(row: dict) -> str | None:
        parts = row["unit_path"].split("/")
        return "/".join(parts[: depth + 1]) + "/" if len(parts) > depth + 1 else None

    return key


@dataclass
class Breakdown:
    """One unit's month: its totals, its children's (units below it, or a station's windows), and its officers'."""

    unit: Unit
    period: Period
    totals: Totals
    children: list[tuple[object, Totals]]
    officers: list[tuple[int, Totals]]


def unit_breakdown(unit: Unit, month: date, *, window: ServiceWindow | None = None, now=None) -> Breakdown:
    """Everything the dashboard shows for one unit (or one window of a station) and month, from one
    read of the month's cells under it."""
    rows = _cell_rows(cells(month, unit, window_id=window.pk if window else None))
    totals = Totals()
    for row in rows:
        totals.add(row, row["days"])
    if window is not None:
        children: list[tuple[object, Totals]] = []
    elif unit.is_station:
        by_window = group_totals(rows, lambda r: r["window_id"])
        windows = {w.pk: w for w in ServiceWindow.objects.filter(station=unit)}
        children = [(windows[pk], t) for pk, t in by_window.items() if pk in windows]
        children.sort(key=lambda item: item[0].number)
    else:
        by_path = group_totals(rows, child_key(unit))
        units = {u.path: u for u in Unit.objects.filter(parent=unit)}
        children = sorted(((units[p], t) for p, t in by_path.items() if p in units), key=lambda i: i[0].path)
        children += [(u, Totals()) for p, u in units.items() if p not in by_path]
    officers = list(group_totals(rows, lambda r: r["officer_id"]).items())
    return Breakdown(unit=unit, period=Period.of(month, now), totals=totals, children=children, officers=officers)


def officer_totals(unit: Unit, month: date, officer_id: int) -> Totals:
    totals = Totals()
    for row in _cell_rows(cells(month, unit, officer_id=officer_id)):
        totals.add(row, row["days"])
    return totals


def trend(
    unit: Unit, last_month: date, *, months: int = 12, window_id=None, officer_id=None
) -> list[tuple[date, Totals]]:
    """The unit's totals for each of the ``months`` months up to ``last_month``: sums done by the database,
    the histograms (for the medians) merged here."""
    wanted = [month_start(last_month)]
    while len(wanted) < months:
        wanted.append(previous_month(wanted[-1]))
    wanted.reverse()
    qs = MonthlyFigures.objects.filter(unit_path__startswith=unit.path, month__gte=wanted[0], month__lte=wanted[-1])
    if window_id is not None:
        qs = qs.filter(window_id=window_id)
    if officer_id is not None:
        qs = qs.filter(officer_id=officer_id)
    sums = {row["month"]: row for row in qs.values("month").annotate(**{k: Sum(k) for k in COUNT_KEYS}).order_by()}
    days: dict[date, list] = defaultdict(list)
    for month, histogram in qs.values_list("month", "days"):
        days[month].append(histogram)
    result = []
    for m in wanted:
        totals = Totals()
        if m in sums:
            totals.add(sums[m], merge_histograms(days[m]))
        result.append((m, totals))
    return result


def figure_rows(key: str, unit: Unit, month: date, *, window_id=None, officer_id=None, now=None) -> QuerySet:
    """The rows behind one figure (cases, notices, ratings, appeals or call-list entries) of a unit, a
    window or an officer in a month: the very condition the rollup counted."""
    if key not in FIGURES:
        raise Http404
    source = SOURCES[FIGURES[key].source]
    qs = source.model.objects.filter(figure_where(key, Period.of(month, now)))
    qs = qs.filter(**{f"{source.station}__path__startswith": unit.path})
    if window_id is not None:
        if source.window is None:
            return qs.none()
        qs = qs.filter(**{source.window: window_id})
    if officer_id is not None:
        if source.officer is None:
            return qs.none()
        qs = qs.filter(**{source.officer: officer_id})
    return qs
