"""Every figure against a month built by hand.

October 2026 at station S1 (two windows W1/W2, two officers A/B), a little of September before it and
of November after it, and a few rows at station S2 that must not leak into S1. Every row is made
through the service the portal uses, at a moment set with time_machine. Which rows each figure counts
is written down below by hand (``S1_OCTOBER``), with the number beside it (``S1_OCTOBER_COUNTS``);
the rollup, every breakdown (city, district, station, window, officer) and every drill-down must agree.

The calendar (windows.workdays, the State Council's 2026 schedule): 国庆/中秋 2026 is Oct 1-7 off, with
Sun Sep 20 and Sat Oct 10 worked; Fri Sep 25 (中秋) off. October's working days are therefore
8 9 10 | 12-16 | 19-23 | 26-30.
"""

from __future__ import annotations

from datetime import date

import pytest

from compliance.figures import COUNT_KEYS, FIGURES, Totals
from compliance.selectors.figures import figure_rows
from compliance.services.rollups import rollup_refresh
from compliance.tests import builders as b
from compliance.tests.builders import at, oct26, officer_totals, on, unit_breakdown
from hukou.models import Case, CaseStatus, Channel
from windows.tests.factories import ServiceWindowFactory
from windows.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)

# When the month is read: November 2, noon (October is closed).
READ_AT = at(2026, 11, 2, 12)

# Which S1 rows each figure of October counts, by label (a case, or the rating / notice / call-list
# entry of that case; APn an appeal). The cases:
#   C01 Sep 15 same-day, A@W1, done at once; rated Oct 8 (5)
#   C02 Sep 29 five-day, A@W1, accepted Sep 29 → due Oct 12 (across National Day), completed Oct 13
#       (one working day late); 6 working days; rated Oct 13 (4)
#   C03 Sep 30 same-day, B@W2, one-time notice Sep 30, never came back
#   C04 Oct 8 same-day, A@W1, done at once; rated (5); called twice (not reached, then reached)
#   C05 Oct 9 same-day, A@W1, notice Oct 9, materials Oct 12 (2nd trip), accepted and completed Oct 12; rated (4)
#   C06 Oct 13 same-day, B@W2, notice Oct 13, back empty-handed Oct 14 (2nd trip), materials Oct 15
#       (3rd trip), accepted Oct 15 (due Oct 15), completed Oct 16: late, 1 working day; rated (3)
#   C07 Oct 8 five-day, B@W2, accepted Oct 8 → due Oct 14, completed Oct 14: 5 working days; rated (2),
#       rectification due Oct 21, closed Oct 20 (in time); called
#   C08 Oct 12 five-day, A@W1, 容缺 Oct 12 (supply by Oct 15, due Oct 19), supplied Oct 14 (2nd trip),
#       completed Oct 16: 4 working days; rated (1), rectification due Oct 23, closed Oct 27 (late)
#   C09 Oct 13 five-day, B@W2, 容缺 Oct 13 (supply by Oct 16, due Oct 20), supplied Oct 19 (late),
#       completed Oct 20: 5 working days; rated (1), the rating excluded by review (counts nowhere)
#   C10 Oct 29 five-day, A@W1, 容缺 Oct 29 (supply by Nov 3, due Nov 5): still pending on Nov 2
#   C11 Oct 19 five-day, B@W2, accepted Oct 19 → due Oct 26, completed Nov 2: overdue at October's end
#   C12 Oct 20 five-day, A@W1, accepted Oct 20 → due Oct 27, suspended Oct 22: its clock stopped
#   C13 Oct 21 same-day online, B, no window, no trip; not rated
#   C14 Oct 21 five-day, A@W2, accepted Oct 21 → due Oct 28, completed Oct 30: late, 7 working days;
#       rated Nov 2 (5): rated for October's coverage, a November rating
#   C15 Oct 30 same-day, A@W1, taken in only
#   AP0 Sep 28 open; AP1 Oct 8 due Oct 14 resolved Oct 14; AP2 Oct 9 due Oct 15 resolved Oct 20; AP3 Oct 26 open
S1_OCTOBER: dict[str, set[str]] = {
    "received": {"C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C14", "C15"},
    "accepted": {"C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C14"},
    "completed": {"C02", "C04", "C05", "C06", "C07", "C08", "C09", "C13", "C14"},
    "completed_on_time": {"C04", "C05", "C07", "C08", "C09", "C13"},
    "completed_late": {"C02", "C06", "C14"},
    "overdue": {"C11"},
    "one_trip": {"C02", "C04", "C07", "C13", "C14"},
    "three_trips": {"C06"},
    "notices": {"C05", "C06"},
    "deficient": {"C08", "C09", "C10"},
    "supplied_on_time": {"C08"},
    "supplement_pending": {"C10"},
    "rated": {"C02", "C04", "C05", "C06", "C07", "C08", "C14"},
    "ratings": {"C01", "C02", "C04", "C05", "C06", "C07", "C08"},
    "satisfied": {"C01", "C02", "C04", "C05"},
    "bad": {"C07", "C08"},
    "bad_rectified_in_time": {"C07"},
    "appeals": {"AP1", "AP2", "AP3"},
    "appeals_in_time": {"AP1"},
    "appeals_open": {"AP3"},
    "calls_planned": {"C02", "C04", "C05", "C06", "C07", "C08", "C09", "C13", "C14"},
    "calls_made": {"C04", "C07"},
}
S1_OCTOBER_COUNTS = {
    "received": 12, "accepted": 11, "completed": 9, "completed_on_time": 6, "completed_late": 3, "overdue": 1,
    "one_trip": 5, "three_trips": 1, "notices": 2, "deficient": 3, "supplied_on_time": 1, "supplement_pending": 1,
    "rated": 7, "ratings": 7, "satisfied": 4, "bad": 2, "bad_rectified_in_time": 1, "appeals": 3,
    "appeals_in_time": 1, "appeals_open": 1, "calls_planned": 9, "calls_made": 2,
}  # fmt: skip

# S2: X1 same-day Oct 9 (rated 1, not rectified), X2 taken in Oct 9 with a notice, AP9 Oct 9 open.
S2_OCTOBER: dict[str, set[str]] = {
    "received": {"X1", "X2"},
    "accepted": {"X1"},
    "completed": {"X1"},
    "completed_on_time": {"X1"},
    "one_trip": {"X1"},
    "notices": {"X2"},
    "rated": {"X1"},
    "ratings": {"X1"},
    "bad": {"X1"},
    "appeals": {"AP9"},
    "appeals_open": {"AP9"},
}

# (window, officer) of each labelled row: a case's, and so its notices', ratings' and call entries'.
WHERE = {
    "C01": ("W1", "A"), "C02": ("W1", "A"), "C03": ("W2", "B"), "C04": ("W1", "A"), "C05": ("W1", "A"),
    "C06": ("W2", "B"), "C07": ("W2", "B"), "C08": ("W1", "A"), "C09": ("W2", "B"), "C10": ("W1", "A"),
    "C11": ("W2", "B"), "C12": ("W1", "A"), "C13": (None, "B"), "C14": ("W2", "A"), "C15": ("W1", "A"),
    "X1": (None, "X"), "X2": (None, "X"),
    "AP0": (None, None), "AP1": (None, None), "AP2": (None, None), "AP3": (None, None), "AP9": (None, None),
}  # fmt: skip

# Working days from acceptance to completion of October's completed cases (windows.workdays counts
# the days after the first, up to and including the last):
#   C04, C05, C13: accepted and completed the same day → 0
#   C06: (Oct 15, Oct 16] → 1
#   C08: (Oct 12, Oct 16] = 13 14 15 16 → 4
#   C07: (Oct 8, Oct 14] = 9 10(Sat, worked) 12 13 14 → 5
#   C09: (Oct 13, Oct 20] = 14 15 16 19 20 → 5
#   C02: (Sep 29, Oct 13] = Sep 30, Oct 8 9 10 12 13 → 6 (Oct 1-7 off)
#   C14: (Oct 21, Oct 30] = 22 23 26 27 28 29 30 → 7
# Sorted: 0 0 0 1 4 5 5 6 7 (N = 9). Nearest rank: median = 5th = 4; p90 = ⌈8.1⌉ = 9th = 7.
S1_OCTOBER_DAYS = [3, 1, 0, 0, 1, 2, 1, 1]


def wanted(table: dict[str, set[str]], window="*", officer="*") -> dict[str, set[str]]:
    """The labels of ``table`` at one window and/or officer ("*": any)."""
    return {
        key: {
            label
            for label in table.get(key, set())
            if window in ("*", WHERE[label][0]) and officer in ("*", WHERE[label][1])
        }
        for key in COUNT_KEYS
    }


def counts(table: dict[str, set[str]]) -> dict[str, int]:
    return {key: len(table.get(key, set())) for key in COUNT_KEYS}


def union(*tables: dict[str, set[str]]) -> dict[str, set[str]]:
    return {key: set().union(*(t.get(key, set()) for t in tables)) for key in COUNT_KEYS}


class Month:
    """October's rows by label, and the units, windows and officers."""

    def __init__(self, org, staff):
        self.org, self.staff = org, staff
        self.station, self.other = org["east_station"], org["west_station"]
        self.windows = {"W1": staff["window"], "W2": ServiceWindowFactory(station=self.station, number=2)}
        self.officers = {"A": staff["officer"], "B": staff["officer2"], "X": staff["other_officer"]}
        self.cases: dict[str, Case] = {}
        self.appeals: dict = {}
        self.ratings: dict = {}

    def label_of(self, row) -> str:
        numbers = {case.number: label for label, case in self.cases.items()}
        references = {appeal.reference: label for label, appeal in self.appeals.items()}
        if hasattr(row, "reference"):
            return references[row.reference]
        return numbers[row.number if isinstance(row, Case) else row.case.number]


def build_october(org, staff) -> Month:
    m = Month(org, staff)
    A, B, X = m.officers["A"], m.officers["B"], m.officers["X"]
    W1, W2 = m.windows["W1"], m.windows["W2"]
    chief, bureau = staff["chief"], staff["district"]
    svc = b.services()
    same, five = svc["same"], svc["five"]
    c = m.cases

    # --- September ---
    c["C01"] = b.same_day(A, same, at(2026, 9, 15), window=W1)
    c["C02"] = b.accept(b.intake(A, five, at(2026, 9, 29), window=W1), A, at(2026, 9, 29))
    c["C03"] = b.notify(b.intake(B, same, at(2026, 9, 30), window=W2, materials="none"), B, at(2026, 9, 30))
    m.appeals["AP0"] = b.appeal(m.station, at(2026, 9, 28))

    # --- October ---
    c["C02"] = b.complete(c["C02"], A, oct26(13))
    c["C04"] = b.same_day(A, same, oct26(8), window=W1)
    case = b.notify(b.intake(A, same, oct26(9), window=W1, materials="none"), A, oct26(9))
    c["C05"] = b.complete(b.accept(b.bring(case, A, oct26(12)), A, oct26(12)), A, oct26(12, 11))
    case = b.notify(b.intake(B, same, oct26(13), window=W2, materials="none"), B, oct26(13))
    case = b.visit(case, B, oct26(14))
    case = b.accept(b.bring(case, B, oct26(15)), B, oct26(15))
    c["C06"] = b.complete(case, B, oct26(16))
    c["C07"] = b.complete(b.accept(b.intake(B, five, oct26(8), window=W2), B, oct26(8)), B, oct26(14))
    case = b.accept_deficient(b.intake(A, five, oct26(12), window=W1, materials="required"), A, oct26(12))
    c["C08"] = b.complete(b.supply(case, A, oct26(14)), A, oct26(16))
    case = b.accept_deficient(b.intake(B, five, oct26(13), window=W2, materials="required"), B, oct26(13))
    c["C09"] = b.complete(b.supply(case, B, oct26(19)), B, oct26(20))
    c["C10"] = b.accept_deficient(b.intake(A, five, oct26(29), window=W1, materials="required"), A, oct26(29))
    c["C11"] = b.accept(b.intake(B, five, oct26(19), window=W2), B, oct26(19))
    case = b.accept(b.intake(A, five, oct26(20), window=W1), A, oct26(20))
    c["C12"] = b.suspend(case, A, oct26(22))
    c["C13"] = b.same_day(B, same, oct26(21), channel=Channel.ONLINE)
    c["C14"] = b.complete(b.accept(b.intake(A, five, oct26(21), window=W2), A, oct26(21)), A, oct26(30))
    c["C15"] = b.intake(A, same, oct26(30), window=W1)

    r = m.ratings
    r["C01"] = b.rate(c["C01"], 5, oct26(8, 9))
    r["C02"] = b.rate(c["C02"], 4, oct26(13, 11))
    r["C04"] = b.rate(c["C04"], 5, oct26(8, 11))
    r["C05"] = b.rate(c["C05"], 4, oct26(12, 12))
    r["C06"] = b.rate(c["C06"], 3, oct26(16, 11))
    r["C07"] = b.rate(c["C07"], 2, oct26(14, 11))
    b.rectify(r["C07"], chief, contacted=oct26(15), closed=oct26(20))
    r["C08"] = b.rate(c["C08"], 1, oct26(16, 11))
    b.rectify(r["C08"], chief, contacted=oct26(19), closed=oct26(27))
    r["C09"] = b.rate(c["C09"], 1, oct26(20, 11))
    b.exclude(r["C09"], chief, bureau, requested=oct26(20, 15), decided=oct26(21))

    m.appeals["AP1"] = b.resolve(b.appeal(m.station, oct26(8)), chief, oct26(14, 17))  # on its last day
    m.appeals["AP2"] = b.resolve(b.appeal(m.station, oct26(9)), chief, oct26(20))
    m.appeals["AP3"] = b.appeal(m.station, oct26(26))

    # --- station S2: must not leak into S1 ---
    c["X1"] = b.same_day(X, same, oct26(9))
    r["X1"] = b.rate(c["X1"], 1, oct26(9, 11))
    c["X2"] = b.notify(b.intake(X, same, oct26(9, 11), materials="none"), X, oct26(9, 11))
    m.appeals["AP9"] = b.appeal(m.other, oct26(9))

    # --- November, up to noon on the 2nd ---
    c["C11"] = b.complete(c["C11"], B, at(2026, 11, 2, 9))
    calls = b.call_list(m.station, OCT, chief, at(2026, 11, 2, 10))
    b.call(b.entry_of(calls, c["C04"]), A, at(2026, 11, 2, 10, 30), reached=False)
    b.call(b.entry_of(calls, c["C04"]), A, at(2026, 11, 2, 11))
    b.call(b.entry_of(calls, c["C07"]), B, at(2026, 11, 2, 10, 45))
    r["C14"] = b.rate(c["C14"], 5, at(2026, 11, 2, 11, 30))
    return m


@pytest.fixture
def october(org, staff) -> Month:
    month = build_october(org, staff)
    with on(READ_AT):
        rollup_refresh(month=SEP)
        rollup_refresh(month=OCT)
    return month


def assert_counts(totals: Totals, expected: dict[str, int], where: str) -> None:
    got = {key: totals[key] for key in COUNT_KEYS}
    assert got == expected, where


def test_the_hand_tables_agree_with_themselves():
    assert counts(S1_OCTOBER) == S1_OCTOBER_COUNTS
    assert set(S1_OCTOBER) == set(FIGURES) == set(S1_OCTOBER_COUNTS)
    assert sum(S1_OCTOBER_DAYS) == S1_OCTOBER_COUNTS["completed"]


def test_the_calendar_the_month_relies_on():
    """Golden Week 2026 and its make-up days, as windows.workdays has them."""
    assert all(not is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(date(2026, 9, 30)) and is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # Saturday, worked
    assert is_working_day(date(2026, 9, 20))  # Sunday, worked
    assert not is_working_day(date(2026, 9, 25))  # 中秋
    assert not is_working_day(date(2026, 10, 11))
    # accepted on Sep 29 with 5 working days: Sep 30, Oct 8, 9, 10, 12
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert working_days_between(date(2026, 9, 29), date(2026, 10, 13)) == 6


def test_the_month_was_built_as_written(october):
    c = {label: Case.objects.get(pk=case.pk) for label, case in october.cases.items()}
    assert (c["C02"].accepted_on, c["C02"].due_on) == (date(2026, 9, 29), date(2026, 10, 12))
    assert c["C02"].completed_at.date() == date(2026, 10, 13)
    assert [c[k].trips for k in ("C04", "C05", "C06", "C13")] == [1, 2, 3, 0]
    assert (c["C08"].supplement_due_on, c["C08"].due_on) == (date(2026, 10, 15), date(2026, 10, 19))
    assert (c["C09"].supplement_due_on, c["C09"].due_on) == (date(2026, 10, 16), date(2026, 10, 20))
    assert (c["C10"].supplement_due_on, c["C10"].status) == (date(2026, 11, 3), CaseStatus.ACCEPTED_DEFICIENT)
    assert c["C11"].due_on == date(2026, 10, 26)
    assert (c["C12"].status, c["C12"].due_on) == (CaseStatus.SUSPENDED, date(2026, 10, 27))
    assert c["C14"].due_on == date(2026, 10, 28)
    r = october.ratings
    assert r["C07"].rectification.rectify_due_on == date(2026, 10, 21)
    assert r["C08"].rectification.rectify_due_on == date(2026, 10, 23)
    a = october.appeals
    assert (a["AP1"].due_on, a["AP2"].due_on) == (date(2026, 10, 14), date(2026, 10, 15))


def test_every_figure_of_the_station(october):
    breakdown = unit_breakdown(october.station, OCT, now=READ_AT)
    assert_counts(breakdown.totals, S1_OCTOBER_COUNTS, "S1")
    assert breakdown.totals.days == S1_OCTOBER_DAYS


def test_every_rate_median_and_p90_of_the_station(october):
    totals = unit_breakdown(october.station, OCT, now=READ_AT).totals
    assert totals.on_time_rate == pytest.approx(6 / 9)
    assert totals.one_trip_rate == pytest.approx(5 / 9)
    assert totals.supplement_on_time_rate == pytest.approx(1 / 2)  # C08 of C08, C09 (C10 still pending)
    assert totals.coverage == pytest.approx(7 / 9)
    assert totals.satisfaction == pytest.approx(4 / 7)
    assert totals.rectified_in_time_rate == pytest.approx(1 / 2)
    assert totals.appeals_in_time_rate == pytest.approx(1 / 3)
    assert totals.calls_rate == pytest.approx(2 / 9)
    assert (totals.median_days, totals.p90_days) == (4, 7)


def test_each_window_and_officer(october):
    breakdown = unit_breakdown(october.station, OCT, now=READ_AT)
    ids = {w.pk: name for name, w in october.windows.items()}
    officers = {u.pk: name for name, u in october.officers.items()}
    # appeals belong to the station only; the online case C13 to no window
    assert {ids[w.pk] for w, _t in breakdown.children} == {"W1", "W2"}
    for window, totals in breakdown.children:
        assert_counts(totals, counts(wanted(S1_OCTOBER, window=ids[window.pk])), ids[window.pk])
        alone = unit_breakdown(october.station, OCT, window=window, now=READ_AT).totals
        assert_counts(alone, counts(wanted(S1_OCTOBER, window=ids[window.pk])), f"{ids[window.pk]} alone")
    assert {officers[pk] for pk, _t in breakdown.officers} == {"A", "B"}
    for pk, totals in breakdown.officers:
        assert_counts(totals, counts(wanted(S1_OCTOBER, officer=officers[pk])), officers[pk])
        assert_counts(officer_totals(october.station, OCT, pk), counts(wanted(S1_OCTOBER, officer=officers[pk])), "")
    # by hand, for one window and one officer: W2 holds B's cases and A's C14
    w2 = counts(wanted(S1_OCTOBER, window="W2"))
    assert (w2["completed"], w2["completed_late"], w2["rated"], w2["calls_made"]) == (4, 2, 3, 1)
    a = counts(wanted(S1_OCTOBER, officer="A"))
    assert (a["received"], a["completed"], a["ratings"], a["bad_rectified_in_time"]) == (7, 5, 5, 0)


def test_the_city_and_the_district(october):
    city = unit_breakdown(october.org["city"], OCT, now=READ_AT)
    assert_counts(city.totals, counts(union(S1_OCTOBER, S2_OCTOBER)), "city")
    children = {unit.code: totals for unit, totals in city.children}
    assert_counts(children["D1"], S1_OCTOBER_COUNTS, "D1")
    assert_counts(children["D2"], counts(S2_OCTOBER), "D2")
    assert city.totals.days == [4, 1, 0, 0, 1, 2, 1, 1]  # X1 same day
    west = unit_breakdown(october.other, OCT, now=READ_AT).totals
    assert_counts(west, counts(S2_OCTOBER), "S2")


def test_september_counts_its_own(october):
    totals = unit_breakdown(october.station, SEP, now=READ_AT).totals
    # C01, C02, C03 received; C01, C02 accepted; C01 completed; C03's notice; AP0
    assert (totals["received"], totals["accepted"], totals["completed"]) == (3, 2, 1)
    assert (totals["notices"], totals["appeals"], totals["appeals_open"], totals["ratings"]) == (1, 1, 1, 0)
    assert totals["overdue"] == 0  # C02 was due Oct 12


def test_the_drill_down_lists_exactly_the_rows_counted(october):
    """For every figure: the rows figure_rows gives for the station, each window, each officer and the
    city are exactly the hand-picked ones."""
    m = october
    wrong = {}
    for key in FIGURES:
        scopes = {"S1": (m.station, {}, S1_OCTOBER), "city": (m.org["city"], {}, union(S1_OCTOBER, S2_OCTOBER))}
        for name, window in m.windows.items():
            scopes[name] = (m.station, {"window_id": window.pk}, wanted(S1_OCTOBER, window=name))
        for name in ("A", "B"):
            scopes[name] = (m.station, {"officer_id": m.officers[name].pk}, wanted(S1_OCTOBER, officer=name))
        for scope, (unit, narrowing, table) in scopes.items():
            got = {m.label_of(row) for row in figure_rows(key, unit, OCT, now=READ_AT, **narrowing)}
            if got != table[key]:
                wrong[(key, scope)] = (sorted(got), sorted(table[key]))
    assert wrong == {}


# --- time -------------------------------------------------------------------------------------------


def test_a_month_is_its_days_in_shanghai(org, staff):
    """23:59 on Oct 31 (15:59 UTC) is October; 00:00 on Nov 1 (16:00 UTC Oct 31) is November. And a
    completion at 07:00 on Oct 9 (23:00 UTC Oct 8) is a day late for a case due Oct 8."""
    A, W1, station = staff["officer"], staff["window"], org["east_station"]
    same = b.services()["same"]
    early = b.accept(b.intake(A, same, oct26(8), window=W1), A, oct26(8))
    b.complete(early, A, oct26(9, 7))
    last = b.accept(b.intake(A, same, oct26(30), window=W1), A, oct26(30))
    b.complete(last, A, oct26(31, 23, 59))
    first = b.accept(b.intake(A, same, oct26(31, 23, 59), window=W1), A, oct26(31, 23, 59))
    b.complete(first, A, at(2026, 11, 1, 0, 0))
    b.intake(A, same, at(2026, 11, 1, 0, 0), window=W1)
    with on(at(2026, 11, 5)):
        rollup_refresh(month=OCT)
        rollup_refresh(month=NOV)
    october = unit_breakdown(station, OCT).totals
    november = unit_breakdown(station, NOV).totals
    assert (october["received"], october["completed"], october["completed_late"]) == (3, 2, 2)
    assert (november["received"], november["completed"], november["accepted"]) == (1, 1, 0)
    # (Oct 8, Oct 9] → 1; (Oct 30, Oct 31] → 0 (Saturday); (Oct 31, Nov 1] → 0 (Sunday)
    assert october.days == [1, 1] and november.days == [1]
    assert {r.number for r in figure_rows("completed", station, NOV)} == {first.number}


def overdue(station, month, now) -> int:
    with on(now):
        rollup_refresh(month=month, now=now)
        return unit_breakdown(station, month).totals["overdue"]


def test_overdue_now_in_the_current_month_and_at_its_end_for_a_past_one(org, staff):
    A, W1, station = staff["officer"], staff["window"], org["east_station"]
    five = b.services()["five"]
    case = b.accept(b.intake(A, five, oct26(19), window=W1), A, oct26(19))
    assert case.due_on == date(2026, 10, 26)
    assert overdue(station, OCT, oct26(26, 18)) == 0  # due today: not overdue yet
    assert overdue(station, OCT, oct26(27, 9)) == 1
    assert {r.number for r in figure_rows("overdue", station, OCT, now=oct26(27, 9))} == {case.number}
    b.complete(case, A, at(2026, 11, 3))
    # October is over: read at its end, when the case was still open
    assert overdue(station, OCT, at(2026, 11, 5)) == 1
    # November: read now, and it is done
    assert overdue(station, NOV, at(2026, 11, 5)) == 0


def test_a_case_stopped_after_the_month_ended_was_still_overdue_at_its_end(org, staff):
    """Withdrawn, refused or suspended in November: October (read at its end) keeps them overdue;
    November (read now) does not count them."""
    A, W1, station = staff["officer"], staff["window"], org["east_station"]
    five = b.services()["five"]
    cases = [b.accept(b.intake(A, five, oct26(19), window=W1), A, oct26(19)) for _ in range(4)]
    b.withdraw(cases[0], A, at(2026, 11, 3))
    b.reject(cases[1], A, at(2026, 11, 3))
    b.suspend(cases[2], A, at(2026, 11, 3))
    # suspended in October and resumed in November: its clock stood still at October's end, and its
    # due date moved on by the 7 working days it stood (Oct 26-30, Nov 2, 3): Oct 26 → Nov 4
    resumed = b.resume(b.suspend(cases[3], A, oct26(23)), A, at(2026, 11, 3))
    assert resumed.due_on == date(2026, 11, 4)
    assert overdue(station, OCT, at(2026, 11, 4)) == 3
    assert {r.number for r in figure_rows("overdue", station, OCT, now=at(2026, 11, 4))} == {
        c.number for c in cases[:3]
    }
    assert overdue(station, NOV, at(2026, 11, 4)) == 0
    assert overdue(station, NOV, at(2026, 11, 5)) == 1  # the resumed case, a day past Nov 4


def test_a_supplement_is_pending_only_until_its_deadline(org, staff):
    """容缺 accepted Oct 29, to supply by Nov 3: pending on Nov 2 and Nov 3; from Nov 4 it is late,
    although October is long closed; supplied late on Nov 6 it stays late."""
    A, W1, station = staff["officer"], staff["window"], org["east_station"]
    five = b.services()["five"]
    case = b.accept_deficient(b.intake(A, five, oct26(29), window=W1, materials="required"), A, oct26(29))
    assert case.supplement_due_on == date(2026, 11, 3)

    def figures(now):
        with on(now):
            rollup_refresh(month=OCT, now=now)
            totals = unit_breakdown(station, OCT).totals
        return totals["deficient"], totals["supplied_on_time"], totals["supplement_pending"]

    assert figures(at(2026, 11, 2)) == (1, 0, 1)
    assert figures(at(2026, 11, 3, 17)) == (1, 0, 1)
    assert figures(at(2026, 11, 4)) == (1, 0, 0)
    b.supply(case, A, at(2026, 11, 6))
    assert figures(at(2026, 11, 6, 12)) == (1, 0, 0)


def test_a_supplement_on_its_deadline_day_is_on_time_and_a_suspension_keeps_it_pending(org, staff):
    A, W1, station = staff["officer"], staff["window"], org["east_station"]
    five = b.services()["five"]
    on_time = b.accept_deficient(b.intake(A, five, oct26(12), window=W1, materials="required"), A, oct26(12))
    b.supply(on_time, A, oct26(15, 23, 30))  # the deadline day, late in the evening (Shanghai)
    paused = b.accept_deficient(b.intake(A, five, oct26(12), window=W1, materials="required"), A, oct26(12))
    b.suspend(paused, A, oct26(14))
    with on(at(2026, 11, 20)):
        rollup_refresh(month=OCT)
        totals = unit_breakdown(station, OCT).totals
    assert (totals["deficient"], totals["supplied_on_time"], totals["supplement_pending"]) == (2, 1, 1)
    assert totals.supplement_on_time_rate == 1.0
