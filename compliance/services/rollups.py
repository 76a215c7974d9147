"""The rollups behind the dashboards: ``MonthlyFigures`` cells, rebuilt per (month, stations) from the raw
tables, and kept current by a beat job that folds in only what changed since its last run.

What changed is read from the rows themselves (every source table has a time it was last written):
a case written since the watermark marks its station's months that it can count in; a rating, a
rectification or a review marks the rating's month (and, for coverage, the case's completion month);
an appeal, a one-time notice or a follow-up call marks theirs. Only those (month, station) pairs are
recomputed. Some figures move with the clock rather than with a write ("overdue" now, a 容缺 deadline
passing), so the first run of a day also recomputes the pairs :func:`clock_pairs` names.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, IntegerField, Q, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from compliance.figures import (
    FIGURES,
    SOURCES,
    Period,
    add_to_histogram,
    count_expressions,
    month_start,
    next_month,
    previous_month,
    working_days_to_complete,
)
from compliance.models import MonthlyFigures, RollupState
from evaluations.models import Appeal, CallList, Evaluation, FollowUpCall, RatingReview, Rectification
from hukou.models import Case, CaseDocument, CaseStatus
from windows.models import Unit, UnitKind

logger = logging.getLogger(__name__)

# Rows written in a transaction that committed after the watermark was read can carry an earlier time:
# each run looks back this far past its watermark.
OVERLAP = timedelta(minutes=5)

Cell = tuple[int, int | None, int | None]


def _cell_values(source) -> dict:
    none = Value(None, output_field=IntegerField())
    return {
        "cell_station": F(source.station),
        "cell_window": F(source.window) if source.window else none,
        "cell_officer": F(source.officer) if source.officer else none,
    }


def compute_cells(period: Period, station_ids: Iterable[int] | None = None) -> dict[Cell, dict]:
    """Every figure of the month per cell, counted from the raw tables: one grouped query per source
    and one for the working days to complete."""
    station_ids = None if station_ids is None else list(station_ids)
    cells: dict[Cell, dict] = defaultdict(lambda: {"days": []})
    for source in SOURCES.values():
        qs = source.model.objects.filter(source.in_month(period))
        if station_ids is not None:
            qs = qs.filter(**{f"{source.station}__in": station_ids})
        rows = qs.values(**_cell_values(source)).annotate(**count_expressions(source.key, period)).order_by()
        for row in rows:
            cell = (row.pop("cell_station"), row.pop("cell_window"), row.pop("cell_officer"))
            cells[cell].update(row)
    completed = Case.objects.filter(SOURCES["completed"].in_month(period), accepted_on__isnull=False)
    if station_ids is not None:
        completed = completed.filter(station_id__in=station_ids)
    pairs = (
        completed.values(
            **_cell_values(SOURCES["completed"]), accepted=F("accepted_on"), done=TruncDate("completed_at")
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in pairs:
        cell = (row["cell_station"], row["cell_window"], row["cell_officer"])
        days = working_days_to_complete(row["accepted"], row["done"]) if row["done"] > row["accepted"] else 0
        add_to_histogram(cells[cell]["days"], days, row["n"])
    return cells


def _lock() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _write(period: Period, station_ids: list[int] | None, cells: dict[Cell, dict], now: datetime) -> int:
    paths = dict(Unit.objects.filter(kind=UnitKind.STATION).values_list("pk", "path"))
    existing = MonthlyFigures.objects.filter(month=period.month)
    if station_ids is not None:
        existing = existing.filter(station_id__in=station_ids)
    existing.delete()
    rows = [
        MonthlyFigures(
            month=period.month,
            station_id=station,
            unit_path=paths[station],
            window_id=window,
            officer_id=officer,
            refreshed_at=now,
            **{key: values.get(key) or 0 for key in FIGURES},
            days=values["days"],
        )
        for (station, window, officer), values in cells.items()
        if any(values.get(key) for key in FIGURES)
    ]
    MonthlyFigures.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def rollup_refresh(*, month: date, station_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Recompute one month's cells of these stations (all stations when None) from the raw tables."""
    now = now or timezone.now()
    _lock()
    period = Period.of(month, now)
    station_ids = None if station_ids is None else sorted(set(station_ids))
    return _write(period, station_ids, compute_cells(period, station_ids), now)


def rollup_rebuild(*, months: Iterable[date], now: datetime | None = None) -> int:
    """Every station, every given month (the generator and a first deployment use this)."""
    now = now or timezone.now()
    written = 0
    for month in months:
        written += rollup_refresh(month=month, now=now)
    with transaction.atomic():
        state = _lock()
        state.changes_since = now
        state.refreshed_on = timezone.localtime(now).date()
        state.refreshed_at = now
        state.save()
    return written


def _months_between(first: date, last: date) -> list[date]:
    months, m = [], month_start(first)
    while m <= last:
        months.append(m)
        m = next_month(m)
    return months


def _local_month(moment: datetime | None) -> date | None:
    return month_start(timezone.localtime(moment).date()) if moment else None


def changed_pairs(since: datetime, now: datetime) -> set[tuple[date, int]]:
    """The (month, station) pairs whose figures rows written since ``since`` can change."""
    current = month_start(timezone.localtime(now).date())
    pairs: set[tuple[date, int]] = set()
    cases = Case.objects.filter(updated_at__gte=since).values_list(
        "station_id", "created_at", "accepted_on", "completed_at"
    )
    for station, created_at, accepted_on, completed_at in cases.iterator(chunk_size=5000):
        pairs.add((_local_month(created_at), station))
        if accepted_on:
            # the months it was accepted in, could be overdue in, and was completed in
            last = _local_month(completed_at) or current
            for m in _months_between(accepted_on, max(last, month_start(accepted_on))):
                pairs.add((m, station))
        elif completed_at:
            pairs.add((_local_month(completed_at), station))
    # each source read through an index on its write time, never with an OR across tables
    rating_ids = set(Evaluation.objects.filter(created_at__gte=since).values_list("pk", flat=True))
    rating_ids |= set(Rectification.objects.filter(updated_at__gte=since).values_list("evaluation_id", flat=True))
    rating_ids |= set(
        RatingReview.objects.filter(Q(requested_at__gte=since) | Q(decided_at__gte=since)).values_list(
            "evaluation_id", flat=True
        )
    )
    ratings = Evaluation.objects.filter(pk__in=rating_ids).values_list(
        "station_id", "created_at", "case__station_id", "case__completed_at"
    )
    for station, created_at, case_station, completed_at in ratings.iterator(chunk_size=5000):
        pairs.add((_local_month(created_at), station))
        if completed_at:
            pairs.add((_local_month(completed_at), case_station))
    for station, created_at in Appeal.objects.filter(updated_at__gte=since).values_list("station_id", "created_at"):
        pairs.add((_local_month(created_at), station))
    notices = CaseDocument.objects.filter(issued_at__gte=since).values_list("case__station_id", "issued_at")
    for station, issued_at in notices:
        pairs.add((_local_month(issued_at), station))
    pairs.update(CallList.objects.filter(created_at__gte=since).values_list("month", "station_id"))
    pairs.update(
        FollowUpCall.objects.filter(called_at__gte=since).values_list(
            "entry__call_list__month", "entry__call_list__station_id"
        )
    )
    return pairs


def clock_pairs(last_day: date | None, today: date) -> set[tuple[date, int]]:
    """The (month, station) pairs whose figures the calendar moved since the run of ``last_day``, for
    the first run of ``today``:

    * every station's current month: "overdue" is read now;
    * every station's month just ended: its figures are read at its end, which the last run may have
      preceded; and its follow-up call list is worked through during this month, while neither a
      rebuild of the list nor a call entered with an earlier time leaves a write time to find;
    * the accepting month of each 容缺 case still waiting for its supplements whose deadline passed
      since ``last_day`` (it is no longer pending, whatever month it was accepted in)."""
    stations = list(Unit.objects.stations().values_list("pk", flat=True))
    months = {month_start(today), previous_month(month_start(today))}
    pairs = {(m, s) for m in months for s in stations}
    if last_day is not None:
        lapsed = Case.objects.filter(
            status=CaseStatus.ACCEPTED_DEFICIENT, supplement_due_on__gte=last_day, supplement_due_on__lt=today
        ).values_list("accepted_on", "station_id")
        pairs.update((month_start(accepted_on), station) for accepted_on, station in lapsed)
    return pairs


def rollup_catch_up(*, now: datetime | None = None) -> dict:
    """The beat job: fold in what changed since the last run. The first run ever builds the current month."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        state = _lock()
        since = state.changes_since
        first_today = state.refreshed_on != today
    if since is None:
        pairs = {(month_start(today), station) for station in Unit.objects.stations().values_list("pk", flat=True)}
    else:
        pairs = changed_pairs(since - OVERLAP, now)
        if first_today:
            pairs |= clock_pairs(state.refreshed_on, today)
    by_month: dict[date, set[int]] = defaultdict(set)
    for month, station in pairs:
        by_month[month].add(station)
    written = 0
    for month, stations in sorted(by_month.items()):
        written += rollup_refresh(month=month, station_ids=stations, now=now)
    with transaction.atomic():
        state = _lock()
        state.changes_since = now
        state.refreshed_on = today
        state.refreshed_at = now
        state.save()
    summary = {"months": len(by_month), "pairs": len(pairs), "cells": written}
    logger.info("rollups refreshed: %s", summary)
    return summary
