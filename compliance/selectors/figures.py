"""Reads of the rollups: any unit's figures for a month, broken down by the level below, a trend, and the
rows behind a figure. Every read starts from a unit the caller has already checked the user may see
(:func:`unit_for_user`); cells are found by the station path prefix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
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
from windows.models import person_name as person_name


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


# What a read of cells takes: where each lies, and its figures.
CELL_FIELDS = ("station_id", "unit_path", "window_id", "officer_id", "days", *COUNT_KEYS)


def cells(
    month: date, unit: Unit | None = None, *, window_id: int | None = None, officer_id: int | None = None
) -> QuerySet:
    """The month's cells under ``unit`` (every cell of the month when None)."""
    qs = MonthlyFigures.objects.filter(month=month_start(month))
    if unit is not None:
        qs = qs.filter(unit_path__startswith=unit.path)
    if window_id is not None:
        qs = qs.filter(window_id=window_id)
    if officer_id is not None:
        qs = qs.filter(officer_id=officer_id)
    return qs


def sum_totals(rows: list[dict]) -> Totals:
    """Cells read as dicts (their counts and ``days``) summed."""
    total = Totals()
    for row in rows:
        total.add(row, row["days"])
    return total


def group_totals(rows: list[dict], key: Callable[[dict], Hashable]) -> dict[Hashable, Totals]:
    groups: dict[Hashable, Totals] = defaultdict(Totals)
    for row in rows:
        k = key(row)
        if k is not None:
            groups[k].add(row, row["days"])
    return dict(groups)


def ancestor_paths(path: str) -> list[str]:
    """``/C1/D1/S1/`` → ``["/C1/", "/C1/D1/", "/C1/D1/S1/"]``: the unit and every unit above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def child_key(unit: Unit) -> Callable[[dict], str | None]:
    """Which direct child of ``unit`` a cell lies under (by path), for the breakdown one level down."""
    depth = unit.path.count("/")

    def key(row: dict) -> str | None:
        parts = row["unit_path"].split("/")
        return "/".join(parts[: depth + 1]) + "/" if len(parts) > depth + 1 else None

    return key


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
