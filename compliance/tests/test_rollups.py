"""Each figure recomputed from the raw rows and compared with the rollup.

``recount`` re-implements every figure from its definition (its help text) in plain Python over the
model rows: it shares nothing with compliance.figures but the calendar, so a wrong condition there
shows up here. It runs over a seeded random three months of two stations, built through the services;
then the incremental job (rollup_catch_up) is checked against a full recompute after changes, and the
drill-down (figure_rows) against the rollup for every figure.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from compliance.figures import COUNT_KEYS, FIGURES, Period
from compliance.models import MonthlyFigures
from compliance.selectors.figures import figure_rows
from compliance.services.rollups import compute_cells, rollup_catch_up, rollup_rebuild, rollup_refresh
from compliance.tests import builders as b
from compliance.tests.builders import at, on, unit_breakdown
from evaluations.models import (
    Appeal,
    AppealStatus,
    CallList,
    CallListEntry,
    Evaluation,
    FollowUpCall,
    RatingReview,
    Rectification,
    ReviewOutcome,
)
from evaluations.services.followups import follow_up_record
from hukou.models import Case, CaseDocument, CaseEvent, CaseStatus, Channel, DocumentKind
from hukou.tests.factories import make_service_type
from windows.tests.factories import ServiceWindowFactory
from windows.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
MONTHS = [SEP, OCT, NOV]


# --- the figures, recounted from the rows ---------------------------------------------------------


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def month_of(moment: datetime | None) -> date | None:
    return local_day(moment).replace(day=1) if moment else None


def month_end(month: date) -> datetime:
    """Midnight (Shanghai) at the start of the next month."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return timezone.make_aware(datetime.combine(following, time.min))


def stopped_at(events: list[CaseEvent], moment: datetime) -> bool:
    """Refused, withdrawn or suspended at ``moment``, by replaying the case's events before it."""
    stopped = suspended = False
    for event in sorted(events, key=lambda e: (e.at, e.pk)):
        if event.at >= moment:
            break
        if event.action in ("reject", "withdraw"):
            stopped = True
        elif event.action == "suspend":
            suspended = True
        elif event.action == "resume":
            suspended = False
    return stopped or suspended


@dataclass
class Recount:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    days: list[int] = field(default_factory=list)

    def add(self, key: str, yes: bool = True) -> None:
        if yes:
            self.counts[key] += 1


def recount(unit, month: date, now: datetime, *, window_id=None, officer_id=None) -> Recount:
    """Every figure of ``unit`` (or one of its windows / officers) for ``month``, read at ``now``."""
    narrowed = window_id is not None or officer_id is not None

    def here(window, officer) -> bool:
        return (window_id is None or window == window_id) and (officer_id is None or officer == officer_id)

    cutoff = min(now, month_end(month))
    today = local_day(now)
    result = Recount()
    cases = [c for c in Case.objects.filter(station__path__startswith=unit.path) if here(c.window_id, c.officer_id)]
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.filter(case__in=[c.pk for c in cases]):
        events[event.case_id].append(event)
    excluded = set(RatingReview.objects.filter(outcome=ReviewOutcome.EXCLUDED).values_list("evaluation_id", flat=True))
    rating_of = {e.case_id: e for e in Evaluation.objects.filter(case__in=[c.pk for c in cases])}

    for c in cases:
        supplied = [e for e in events[c.pk] if e.action == "accept" and e.from_status == CaseStatus.ACCEPTED_DEFICIENT]
        result.add("received", month_of(c.created_at) == month)
        if c.accepted_on and c.accepted_on.replace(day=1) == month:
            result.add("accepted")
            if c.supplement_due_on:
                result.add("deficient")
                result.add("supplied_on_time", any(local_day(e.at) <= c.supplement_due_on for e in supplied))
                waiting = not supplied and (
                    (c.status == CaseStatus.ACCEPTED_DEFICIENT and c.supplement_due_on >= today)
                    or (
                        c.status == CaseStatus.SUSPENDED
                        and c.status_before_suspension == CaseStatus.ACCEPTED_DEFICIENT
                        and c.supplement_due_on >= c.suspended_on
                    )
                )
                result.add("supplement_pending", waiting)
        if month_of(c.completed_at) == month:
            done = local_day(c.completed_at)
            result.add("completed")
            result.add("completed_on_time", done <= c.due_on)
            result.add("completed_late", done > c.due_on)
            result.add("one_trip", c.trips <= 1)
            result.add("three_trips", c.trips >= 3)
            rating = rating_of.get(c.pk)
            result.add("rated", rating is not None and rating.pk not in excluded)
            days = min(working_days_between(c.accepted_on, done), 60)
            result.days.extend([0] * (days + 1 - len(result.days)))
            result.days[days] += 1
        result.add(
            "overdue",
            c.accepted_on is not None
            and c.due_on < local_day(cutoff)
            and (c.completed_at is None or c.completed_at >= cutoff)
            and not stopped_at(events[c.pk], cutoff),
        )

    for doc in CaseDocument.objects.filter(case__in=[c.pk for c in cases], kind=DocumentKind.ONE_TIME_NOTICE):
        result.add("notices", month_of(doc.issued_at) == month)

    ratings = Evaluation.objects.filter(station__path__startswith=unit.path)
    rectified = {r.evaluation_id: r for r in Rectification.objects.filter(evaluation__in=ratings)}
    for rating in ratings:
        if (
            month_of(rating.created_at) != month
            or rating.pk in excluded
            or not here(rating.window_id, rating.officer_id)
        ):
            continue
        result.add("ratings")
        result.add("satisfied", rating.level >= 4)
        if rating.level <= 2:
            result.add("bad")
            r = rectified.get(rating.pk)
            result.add(
                "bad_rectified_in_time", r is not None and r.closed_at and local_day(r.closed_at) <= r.rectify_due_on
            )

    if not narrowed:  # appeals belong to a station, not to a window or an officer
        for appeal in Appeal.objects.filter(station__path__startswith=unit.path):
            if month_of(appeal.created_at) == month:
                result.add("appeals")
                result.add("appeals_in_time", appeal.resolved_at and local_day(appeal.resolved_at) <= appeal.due_on)
                result.add("appeals_open", appeal.status != AppealStatus.RESOLVED)

    called = set(FollowUpCall.objects.values_list("entry_id", flat=True))
    entries = CallListEntry.objects.filter(call_list__station__path__startswith=unit.path, call_list__month=month)
    for entry in entries.select_related("case"):
        if here(entry.case.window_id, entry.officer_id):
            result.add("calls_planned")
            result.add("calls_made", entry.pk in called)
    return result


def trimmed(histogram: list[int]) -> list[int]:
    histogram = list(histogram)
    while histogram and not histogram[-1]:
        histogram.pop()
    return histogram


def differences(unit, month: date, now: datetime, **narrowing) -> dict:
    """Where the rollup (unit_breakdown) and the recount disagree: {figure: (rollup, recount)}."""
    expected = recount(unit, month, now, **narrowing)
    if narrowing.get("window_id") is not None:
        window = unit_window(unit, narrowing["window_id"])
        totals = unit_breakdown(unit, month, window=window, now=now).totals
        if narrowing.get("officer_id") is not None:
            raise ValueError("one narrowing at a time")
    elif narrowing.get("officer_id") is not None:
        totals = dict(unit_breakdown(unit, month, now=now).officers).get(narrowing["officer_id"])
    else:
        totals = unit_breakdown(unit, month, now=now).totals
    got = {key: totals[key] if totals else 0 for key in COUNT_KEYS}
    wrong = {key: (got[key], expected.counts[key]) for key in COUNT_KEYS if got[key] != expected.counts[key]}
    days = trimmed(totals.days if totals else [])
    if days != trimmed(expected.days):
        wrong["days"] = (days, trimmed(expected.days))
    return wrong


def unit_window(unit, window_id):
    from windows.models import ServiceWindow

    return ServiceWindow.objects.get(pk=window_id, station=unit)


# --- a seeded random quarter ----------------------------------------------------------------------

LONG = {  # 容缺 with a supplement deadline far off (30 working days)
    **b.FIVE_DAYS,
    "code": "fig-long",
    "name": "户口迁移（省外）",
    "time_limit_days": 40,
    "statutory_limit_days": 60,
    "supplement_days": 30,
}


@dataclass
class World:
    org: dict
    staff: dict
    stations: dict
    windows: dict
    officers: dict  # station code → officers
    services: dict


def world(org, staff) -> World:
    s1, s2 = org["east_station"], org["west_station"]
    windows = {
        "S1": [staff["window"], ServiceWindowFactory(station=s1, number=2)],
        "S2": [ServiceWindowFactory(station=s2, number=1)],
    }
    services = {**b.services(), "long": make_service_type(LONG)}
    officers = {"S1": [staff["officer"], staff["officer2"]], "S2": [staff["other_officer"]]}
    return World(org, staff, {"S1": s1, "S2": s2}, windows, officers, services)


def working_days(first: date, last: date) -> list[date]:
    days, d = [], first
    while d <= last:
        if is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


class Clock:
    """One case's moments, each after the one before (a step on a later day starts at a random hour)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.last: datetime | None = None

    def __call__(self, day: date) -> datetime:
        # now and then before 08:00, when the UTC date is still the day before
        hour = self.rng.randint(0, 7) if self.rng.random() < 0.2 else self.rng.randint(9, 15)
        when = at(day.year, day.month, day.day, hour, self.rng.randint(0, 59))
        if self.last is not None and when <= self.last:
            when = self.last + timedelta(minutes=self.rng.randint(1, 20))
        self.last = when
        return when


def generate(w: World, seed: int, *, n: int, last_day: date) -> None:
    """``n`` cases from mid-September to ``last_day`` at random stations, windows and officers, each
    taking a random path (notice and return, 容缺 supplied on time, late or never, completed on time or
    late, suspended and resumed, refused, withdrawn, left open), most completed ones rated, some bad
    ratings rectified or excluded by review; appeals; September's and October's call lists with calls."""
    rng = random.Random(seed)
    days = working_days(date(2026, 9, 14), last_day)
    chief, bureau = w.staff["chief"], w.staff["district"]
    supervisors = {"S1": chief, "S2": w.staff["other_district"]}  # who works a station's rectifications

    def later(day: date, n_days: int) -> date | None:
        d = add_working_days(day, n_days) if n_days else day
        return d if d <= last_day else None

    for _ in range(n):
        code = rng.choice(["S1", "S1", "S2"])
        officer = rng.choice(w.officers[code])
        window = rng.choice([*w.windows[code], None])
        kind = rng.choice(["same", "same", "five", "five", "long"])
        day = rng.choice(days)
        clock = Clock(rng)
        channel = Channel.ONLINE if window is None and rng.random() < 0.5 else Channel.WINDOW
        path = rng.choice(["draft", "notice", "notice", "accept", "accept", "deficient", "deficient", "refuse"])
        if kind == "same" and path == "deficient":
            path = "accept"
        materials = {"notice": "none", "deficient": "required"}.get(path, "all")
        case = b.intake(officer, w.services[kind], clock(day), window=window, materials=materials, channel=channel)
        if path == "draft":
            continue
        if path == "refuse":
            (b.reject if rng.random() < 0.5 else b.withdraw)(case, officer, clock(day))
            continue
        if path == "notice":
            case = b.notify(case, officer, clock(day))
            back = later(day, rng.randint(1, 4))
            if back is None or rng.random() < 0.2:
                continue
            if rng.random() < 0.5:
                case = b.visit(case, officer, clock(back))
                back = later(back, 1)
                if back is None:
                    continue
            day = back
            case = b.accept(b.bring(case, officer, clock(day)), officer, clock(day))
        elif path == "deficient":
            case = b.accept_deficient(case, officer, clock(day))
            outcome = rng.choice(["on_time", "late", "never", "suspend"])
            if outcome == "suspend":
                b.suspend(case, officer, clock(later(day, 1) or day))
                continue
            if outcome == "never":
                continue
            allowed = working_days_between(day, case.supplement_due_on)
            offset = rng.choice([1, allowed, allowed]) if outcome == "on_time" else allowed + rng.randint(1, 2)
            supplied = later(day, offset)
            if supplied is None:
                continue
            day = supplied
            case = b.supply(case, officer, clock(day))
        else:
            case = b.accept(case, officer, clock(day))
        fate = rng.choice(["complete", "complete", "complete", "complete", "open", "suspend", "stop"])
        if fate == "open":
            continue
        if fate == "stop":
            stop_day = later(day, rng.randint(1, 12))
            if stop_day:
                (b.reject if rng.random() < 0.5 else b.withdraw)(case, officer, clock(stop_day))
            continue
        if fate == "suspend":
            paused = later(day, rng.randint(0, 8))
            if paused is None:
                continue
            case = b.suspend(case, officer, clock(paused))
            resumed = later(paused, rng.randint(1, 10))
            if resumed is None or rng.random() < 0.3:
                continue
            case = b.resume(case, officer, clock(resumed))
            day = resumed
        limit = working_days_between(day, case.due_on)
        done = later(day, max(0, limit + rng.choice([-2, -1, 0, 0, 0, 1, 3, 8])))
        if done is None:
            continue
        case = b.complete(case, officer, clock(done))
        rated_on = later(done, rng.choice([0, 0, 0, 1, 4]))
        if rated_on is None or rng.random() < 0.25:
            continue  # not rated
        rating = b.rate(case, rng.choice([1, 2, 3, 4, 4, 5, 5, 5]), clock(rated_on))
        if rating.level <= 2:
            choice = rng.choice(["rectify", "rectify", "rectify", "exclude", "open"])
            contacted, closed = later(rated_on, 1), later(rated_on, rng.choice([2, 5, 5, 6, 8]))  # due in 5
            if choice == "rectify" and contacted and closed:
                b.rectify(rating, supervisors[code], clock(contacted), clock(closed))
            elif choice == "exclude" and contacted and code == "S1":
                b.exclude(rating, chief, bureau, clock(rated_on), clock(contacted))

    for _ in range(max(4, n // 8)):
        code = rng.choice(["S1", "S2"])
        day = rng.choice(days)
        clock = Clock(rng)
        appeal = b.appeal(w.stations[code], clock(day))
        resolved = later(day, rng.choice([1, 5, 5, 6, 8]))  # due in 5 working days
        if resolved and code == "S1" and rng.random() < 0.7:
            b.resolve(appeal, chief, clock(resolved))

    # the call lists of September and October, built the next month, some citizens called
    for month, built in ((SEP, date(2026, 10, 8)), (OCT, date(2026, 11, 2))):
        if built > last_day:
            continue
        call_list = b.call_list(w.stations["S1"], month, chief, at(built.year, built.month, built.day, 8))
        for entry in CallListEntry.objects.filter(call_list=call_list):
            if rng.random() < 0.5:
                called = later(built, rng.randint(0, 3)) or built
                b.call(entry, w.staff["officer"], Clock(rng)(called), reached=rng.random() < 0.8)


def units_of(w: World) -> list:
    return [w.org["city"], w.org["east"], w.org["west"], w.stations["S1"], w.stations["S2"]]


def all_differences(w: World, now: datetime) -> dict:
    wrong = {}
    for month in MONTHS:
        for unit in units_of(w):
            if d := differences(unit, month, now):
                wrong[(month, unit.code)] = d
        for code, station in w.stations.items():
            for window in w.windows[code]:
                if d := differences(station, month, now, window_id=window.pk):
                    wrong[(month, code, f"window {window.number}")] = d
            for officer in w.officers[code]:
                if d := differences(station, month, now, officer_id=officer.pk):
                    wrong[(month, code, officer.username)] = d
    return wrong


# --- the rollup against the recount --------------------------------------------------------------

READ_AT = at(2026, 11, 20, 12)


@pytest.fixture
def quarter(org, staff) -> World:
    w = world(org, staff)
    generate(w, seed=20261001, n=70, last_day=date(2026, 11, 19))
    return w


def test_every_figure_of_every_unit_window_and_officer_equals_the_recount_and_the_drill_down(quarter):
    # November read on its 19th, late, after the last row was written: overdue and the pending
    # supplements are read now, not at the month's end
    running = at(2026, 11, 19, 23)
    with on(running):
        rollup_refresh(month=NOV, now=running)
    for unit in units_of(quarter):
        assert differences(unit, NOV, running) == {}, unit.code
    # the whole quarter read on Nov 20: September and October closed
    with on(READ_AT):
        rollup_rebuild(months=MONTHS, now=READ_AT)
    # the comparison compares something: every figure is non-zero in some month
    city = quarter.org["city"]
    seen = {key for key in COUNT_KEYS for m in MONTHS if unit_breakdown(city, m, now=READ_AT).totals[key]}
    assert seen == set(COUNT_KEYS)
    assert all_differences(quarter, READ_AT) == {}
    # and the drill-down lists as many rows as the rollup counts (one data set: it takes a while to build)
    assert drill_down_differences(quarter) == {}


def drill_down_differences(quarter: World) -> dict:
    """Where figure_rows(...).count() and the rollup disagree, for every figure of every month, for the
    city, station S1, one of its windows and one of its officers."""
    s1 = quarter.stations["S1"]
    window, officer = quarter.windows["S1"][1], quarter.officers["S1"][0]
    wrong = {}
    for month in MONTHS:
        city = unit_breakdown(quarter.org["city"], month, now=READ_AT).totals
        station = unit_breakdown(s1, month, now=READ_AT).totals
        at_window = unit_breakdown(s1, month, window=window, now=READ_AT).totals
        by_officer = dict(unit_breakdown(s1, month, now=READ_AT).officers).get(officer.pk)
        for key in FIGURES:
            pairs = {
                "city": (figure_rows(key, quarter.org["city"], month, now=READ_AT).count(), city[key]),
                "S1": (figure_rows(key, s1, month, now=READ_AT).count(), station[key]),
                "window": (figure_rows(key, s1, month, window_id=window.pk, now=READ_AT).count(), at_window[key]),
                "officer": (
                    figure_rows(key, s1, month, officer_id=officer.pk, now=READ_AT).count(),
                    by_officer[key] if by_officer else 0,
                ),
            }
            wrong.update({(month, key, scope): p for scope, p in pairs.items() if p[0] != p[1]})
    return wrong


# --- the incremental job -----------------------------------------------------------------------------


def stored(month: date) -> dict:
    """The month's cells as stored: {(station, window, officer): (counts, days)}."""
    return {
        (row.station_id, row.window_id, row.officer_id): ({k: getattr(row, k) for k in COUNT_KEYS}, trimmed(row.days))
        for row in MonthlyFigures.objects.filter(month=month)
    }


def recomputed(month: date, now: datetime) -> dict:
    """The month's cells as a full recompute gives them."""
    return {
        cell: ({k: values.get(k) or 0 for k in COUNT_KEYS}, trimmed(values["days"]))
        for cell, values in compute_cells(Period.of(month, now)).items()
        if any(values.get(k) for k in COUNT_KEYS)
    }


def refreshed(month: date | None = None) -> dict:
    """When each (month, station) pair was last written."""
    rows = MonthlyFigures.objects.all() if month is None else MonthlyFigures.objects.filter(month=month)
    stamps: dict = {}
    for m, station, stamp in rows.values_list("month", "station_id", "refreshed_at"):
        stamps.setdefault((m, station), set()).add(stamp)
    return stamps


def assert_current(w: World, now: datetime) -> None:
    for month in MONTHS:
        assert stored(month) == recomputed(month, now), month
    assert all_differences(w, now) == {}


def test_the_incremental_job_folds_in_what_changed_and_nothing_else(org, staff):
    w = world(org, staff)
    generate(w, seed=7, n=30, last_day=date(2026, 11, 6))
    s1, s2 = w.stations["S1"], w.stations["S2"]
    A, chief, W1 = staff["officer"], staff["chief"], staff["window"]
    X = staff["other_officer"]
    five, same = w.services["five"], w.services["same"]
    # rows the changes below act on, made before the first build
    open_case = b.accept(b.intake(A, five, at(2026, 10, 27), window=W1), A, at(2026, 10, 27))  # due Nov 3
    unrated = b.same_day(A, same, at(2026, 9, 24), window=W1)
    disputed = b.rate(b.same_day(A, same, at(2026, 10, 15), window=W1), 1, at(2026, 10, 15, 11))
    open_appeal = b.appeal(s1, at(2026, 10, 20))
    due_tomorrow = b.accept(b.intake(X, five, at(2026, 11, 4)), X, at(2026, 11, 4))  # at S2, due Nov 11
    assert (open_case.due_on, due_tomorrow.due_on) == (date(2026, 11, 3), date(2026, 11, 11))
    october_list = CallList.objects.get(station=s1, month=OCT)
    uncalled = CallListEntry.objects.filter(call_list=october_list, calls__isnull=True).first()

    build = at(2026, 11, 10, 12)
    with on(build):
        rollup_rebuild(months=MONTHS, now=build)
    assert_current(w, build)
    before = refreshed()

    # the job right after the first build: nothing changed, nothing is touched
    with on(build + timedelta(minutes=5)):
        summary = rollup_catch_up()
    assert summary["pairs"] == 0 and refreshed() == before

    # the next morning's first run recomputes what the clock moves: every station's current and
    # previous month, and the month a 容缺 case was accepted in whose deadline passed yesterday
    morning = at(2026, 11, 11, 7)
    with on(morning):
        rollup_catch_up()
    assert_current(w, morning)
    after_morning = refreshed()
    lapsed = {
        (c.accepted_on.replace(day=1), c.station_id)
        for c in Case.objects.filter(status=CaseStatus.ACCEPTED_DEFICIENT)
        if c.supplement_due_on == date(2026, 11, 10)
    }
    expected = {(m, s.pk) for m in (OCT, NOV) for s in (s1, s2)} | lapsed
    assert {p for p in after_morning if after_morning[p] != before.get(p)} <= expected
    assert all(after_morning[p] == before[p] for p in before if p not in expected)

    # changes at S1 during the morning, one at a time: each run of the job touches exactly the
    # (month, station) pairs the change can move, and leaves the rollup as a full recompute has it
    def change(when: datetime, act, touches: set[date]) -> None:
        stamps = refreshed()
        act(when)
        ran = when + timedelta(minutes=6)  # past the job's look-back over the previous run
        with on(ran):
            rollup_catch_up()
        now = refreshed()
        assert {p for p in now if now[p] != stamps.get(p)} == {(m, s1.pk) for m in touches}
        for month in MONTHS:
            assert stored(month) == recomputed(month, ran), month

    nine = at(2026, 11, 11, 9)
    # completed: accepted Oct 27 (overdue at October's end) and completed in November
    change(nine, lambda t: b.complete(open_case, A, t), {OCT, NOV})
    # a November rating of a case completed in September: September's coverage
    change(nine + timedelta(minutes=10), lambda t: b.rate(unrated, 5, t), {SEP, NOV})
    # October's bad rating excluded by review
    change(
        nine + timedelta(minutes=20),
        lambda t: b.exclude(disputed, chief, staff["district"], t, t + timedelta(minutes=1)),
        {OCT},
    )
    change(nine + timedelta(minutes=30), lambda t: b.resolve(open_appeal, chief, t), {OCT})
    change(nine + timedelta(minutes=40), lambda t: b.call(uncalled, A, t), {OCT})
    later = nine + timedelta(minutes=50)
    assert_current(w, later)

    # the day turns: S2's case due Nov 11 is overdue on the 12th, with no write at all
    def s2_overdue() -> set[str]:
        return {case.number for case in figure_rows("overdue", s2, NOV)}

    with on(later):
        assert due_tomorrow.number not in s2_overdue()
    next_day = at(2026, 11, 12, 7)
    with on(next_day):
        rollup_catch_up()
        assert due_tomorrow.number in s2_overdue()
        assert unit_breakdown(s2, NOV).totals["overdue"] == len(s2_overdue())
    assert_current(w, next_day)


def test_a_supplement_deadline_passing_refreshes_the_month_it_was_accepted_in(org, staff):
    """容缺 accepted Sep 30 with 30 working days to supply (Nov 17): September stays as it was until the
    first run after the deadline, which recomputes September, two months back."""
    w = world(org, staff)
    A, W1, s1 = staff["officer"], staff["window"], w.stations["S1"]
    case = b.accept_deficient(
        b.intake(A, w.services["long"], at(2026, 9, 30), window=W1, materials="required"), A, at(2026, 9, 30)
    )
    assert case.supplement_due_on == date(2026, 11, 17)
    with on(at(2026, 11, 16)):
        rollup_rebuild(months=MONTHS)
    for day in (17, 18):
        with on(at(2026, 11, day, 7)):
            rollup_catch_up()
        assert unit_breakdown(s1, SEP).totals["supplement_pending"] == (1 if day == 17 else 0)
    assert stored(SEP) == recomputed(SEP, at(2026, 11, 18, 7))


def test_a_call_entered_with_an_earlier_time_is_counted_by_the_next_days_first_run(org, staff):
    """A call has no write time of its own: one recorded today with yesterday's time is folded in when
    the month just ended is recomputed, by the first run of the next day."""
    w = world(org, staff)
    A, W1, s1, chief = staff["officer"], staff["window"], w.stations["S1"], staff["chief"]
    case = b.same_day(A, w.services["same"], at(2026, 10, 20), window=W1)
    calls = b.call_list(s1, OCT, chief, at(2026, 11, 2, 8))
    with on(at(2026, 11, 4, 11)):
        rollup_rebuild(months=[OCT])
    assert unit_breakdown(s1, OCT).totals["calls_made"] == 0
    with on(at(2026, 11, 4, 12)):
        follow_up_record(actor=A, entry=b.entry_of(calls, case), reached=True, level=5, called_at=at(2026, 11, 3, 9))
        rollup_catch_up()
    with on(at(2026, 11, 5, 7)):
        rollup_catch_up()
    assert unit_breakdown(s1, OCT).totals["calls_made"] == 1
