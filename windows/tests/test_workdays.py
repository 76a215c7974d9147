"""Working days: the official calendar (the chinese-calendar package, up to 2026), the fallback rule
for the years it does not cover, and the admins' overrides that beat both."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from windows import services
from windows.models import DayKind
from windows.workdays import (
    PACKAGED_YEARS,
    add_working_days,
    is_working_day,
    working_days_between,
    years_missing_schedule,
)

D = date.fromisoformat

property_settings = settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
days_2024_to_2028 = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=1, max_value=45)


def test_the_package_covers_2026_and_not_2027():
    """The worked examples below rely on this; a new chinese-calendar release that covers 2027 must
    make someone revisit them."""
    assert 2026 in PACKAGED_YEARS
    assert 2027 not in PACKAGED_YEARS


# --- Spring Festival 2026: Feb 15-23 off, Saturdays Feb 14 and Feb 28 are make-up working days ----


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday
        ("2026-02-14", True),  # Saturday, make-up
        ("2026-02-15", False),
        ("2026-02-17", False),  # New Year's Day of the lunar calendar, a Tuesday
        ("2026-02-23", False),  # Monday, last day off
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, make-up
        ("2026-03-01", False),  # Sunday
    ],
)
def test_spring_festival_2026_days(db, day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-15", 1, "2026-02-24"),  # starting on a day off
        ("2026-02-12", 5, "2026-02-26"),
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-27", 2, "2026-03-02"),
    ],
)
def test_spring_festival_2026_deadlines(db, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-02-13", "2026-02-28", 6),  # 14, 24, 25, 26, 27, 28
        ("2026-02-14", "2026-02-23", 0),  # the whole holiday
        ("2026-02-13", "2026-02-14", 1),
        ("2026-02-01", "2026-03-01", 16),  # Feb 2-6, 9-13, 14, 24-28
    ],
)
def test_spring_festival_2026_counts(db, a, b, expected):
    assert working_days_between(D(a), D(b)) == expected


# --- National Day 2026: Oct 1-7 off, Sunday Sept 20 and Saturday Oct 10 worked; Mid-Autumn Sept 25-27 --


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-09-19", False),  # Saturday
        ("2026-09-20", True),  # Sunday, make-up
        ("2026-09-25", False),  # Mid-Autumn Festival, a Friday
        ("2026-10-01", False),
        ("2026-10-05", False),  # Monday
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, make-up
        ("2026-10-11", False),  # Sunday
    ],
)
def test_national_day_2026_days(db, day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 2, "2026-10-09"),
        ("2026-09-30", 3, "2026-10-10"),
        ("2026-09-30", 4, "2026-10-12"),
        ("2026-10-09", 1, "2026-10-10"),
        ("2026-10-10", 1, "2026-10-12"),
        ("2026-09-19", 1, "2026-09-20"),
        ("2026-09-24", 1, "2026-09-28"),
    ],
)
def test_national_day_2026_deadlines(db, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_national_day_2026_counts(db):
    assert working_days_between(D("2026-09-30"), D("2026-10-12")) == 4  # 8, 9, 10, 12
    # Sept 20-24, 28-30, Oct 8, 9, 10, 12
    assert working_days_between(D("2026-09-18"), D("2026-10-12")) == 12


# --- December 2026 into 2027, a year the package does not cover: the fallback rule ------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Thursday Dec 31 is the 1st; Friday Jan 1 (元旦) and the weekend are off; Monday Jan 4.
        ("2026-12-30", 2, "2027-01-04"),
        ("2026-12-31", 1, "2027-01-04"),
        ("2026-12-30", 1, "2026-12-31"),
        ("2026-12-25", 10, "2027-01-11"),
        # Fri Oct 1 2027 off, Sat/Sun off; Mon Oct 4 works (only Oct 1-3 are fixed-date holidays).
        ("2027-09-30", 1, "2027-10-04"),
        # 2028: Mon May 1 and Tue May 2 off.
        ("2028-04-28", 1, "2028-05-03"),
    ],
)
def test_fallback_deadlines(db, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_fallback_counts_across_the_new_year(db):
    # Dec 28-31 and Jan 4-8
    assert working_days_between(D("2026-12-25"), D("2027-01-08")) == 9


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2027-01-01", False),
        ("2027-01-02", False),
        ("2027-01-04", True),
        ("2027-05-03", True),  # a Monday: the fallback knows no 调休
        ("2027-10-01", False),
        ("2027-10-04", True),
        ("2028-05-01", False),
        ("2028-05-02", False),
        ("2028-10-03", False),  # a Tuesday
        ("2028-10-04", True),
    ],
)
def test_fallback_days(db, day, working):
    assert is_working_day(D(day)) is working


# --- the admins' overrides --------------------------------------------------------------------


def test_overrides_change_the_answers_in_an_uncovered_year(db):
    wednesday, saturday = D("2027-02-10"), D("2027-02-20")
    assert add_working_days(D("2027-02-09"), 1) == wednesday
    assert add_working_days(D("2027-02-19"), 1) == D("2027-02-22")
    assert working_days_between(D("2027-02-08"), D("2027-02-14")) == 4

    services.holiday_set(date=wednesday, kind=DayKind.HOLIDAY, name="春节")
    services.holiday_set(date=saturday, kind=DayKind.WORKDAY, name="春节调休上班")

    assert not is_working_day(wednesday)
    assert is_working_day(saturday)
    assert add_working_days(D("2027-02-09"), 1) == D("2027-02-11")
    assert add_working_days(D("2027-02-19"), 1) == saturday
    assert working_days_between(D("2027-02-08"), D("2027-02-14")) == 3
    assert working_days_between(D("2027-02-19"), D("2027-02-22")) == 2


def test_overrides_beat_the_package(db):
    services.holiday_set(date=D("2026-02-14"), kind=DayKind.HOLIDAY, name="取消调休")
    services.holiday_set(date=D("2026-03-01"), kind=DayKind.WORKDAY, name="临时上班")
    services.holiday_set(date=D("2026-10-08"), kind=DayKind.HOLIDAY, name="延长假期")

    assert add_working_days(D("2026-02-13"), 1) == D("2026-02-24")
    assert is_working_day(D("2026-03-01"))
    assert add_working_days(D("2026-02-28"), 1) == D("2026-03-01")
    assert add_working_days(D("2026-09-30"), 1) == D("2026-10-09")


def test_a_corrected_override_takes_effect(db):
    services.holiday_set(date=D("2027-02-10"), kind=DayKind.HOLIDAY, name="春节")
    assert not is_working_day(D("2027-02-10"))

    services.holiday_set(date=D("2027-02-10"), kind=DayKind.WORKDAY, name="更正")

    assert is_working_day(D("2027-02-10"))


# --- arguments and edges ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1, -30])
def test_add_working_days_needs_a_positive_count(db, n):
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(D("2026-03-02"), n)


def test_working_days_between_is_zero_when_b_is_not_after_a(db):
    assert working_days_between(D("2026-03-04"), D("2026-03-04")) == 0
    assert working_days_between(D("2026-03-04"), D("2026-03-02")) == 0


def test_the_start_never_counts_even_when_it_is_a_working_day(db):
    monday = D("2026-03-02")
    assert is_working_day(monday)
    assert add_working_days(monday, 1) == D("2026-03-03")
    assert working_days_between(monday, monday + timedelta(days=1)) == 1


# --- queries ----------------------------------------------------------------------------------


def test_one_query_within_a_year(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert add_working_days(D("2026-01-05"), 120) == D("2026-07-02")
    with django_assert_max_num_queries(1):
        working_days_between(D("2026-01-01"), D("2026-12-31"))
    with django_assert_max_num_queries(1):
        is_working_day(D("2026-06-01"))


def test_one_query_per_calendar_year_touched(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert add_working_days(D("2026-12-30"), 2) == D("2027-01-04")
    with django_assert_max_num_queries(2):
        assert working_days_between(D("2026-12-25"), D("2027-01-08")) == 9
    with django_assert_max_num_queries(0):
        assert working_days_between(D("2027-01-08"), D("2026-12-25")) == 0


# --- years without a schedule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        ("2026-05-01", []),
        ("2026-09-30", []),  # next year is looked at from October on
        ("2026-10-01", [2027]),
        ("2026-11-21", [2027]),
        ("2027-03-01", [2027]),
        ("2028-10-01", [2028, 2029]),
    ],
)
def test_years_missing_schedule(db, today, missing):
    assert years_missing_schedule(D(today)) == missing


def test_a_year_counts_as_given_once_an_admin_enters_a_day_off(db):
    services.holiday_set(date=D("2027-02-20"), kind=DayKind.WORKDAY, name="春节调休上班")
    assert years_missing_schedule(D("2026-11-21")) == [2027]  # a working day alone is no schedule

    services.holiday_set(date=D("2027-02-10"), kind=DayKind.HOLIDAY, name="春节")

    assert years_missing_schedule(D("2026-11-21")) == []
    assert years_missing_schedule(D("2027-10-01")) == [2028]


# --- properties -------------------------------------------------------------------------------


@property_settings
@given(day=days_2024_to_2028)
def test_each_day_follows_its_source(db, day):
    if day.year in PACKAGED_YEARS:
        assert is_working_day(day) is chinese_calendar.is_workday(day)
    else:
        fixed_holiday = (day.month, day.day) in {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
        assert is_working_day(day) is (day.weekday() < 5 and not fixed_holiday)


@property_settings
@given(start=days_2024_to_2028, n=counts)
def test_the_deadline_is_the_nth_working_day_after_start(db, start, n):
    deadline = add_working_days(start, n)

    assert deadline > start
    assert is_working_day(deadline)
    assert working_days_between(start, deadline) == n
    # ... and the first day that has n: the day before has one fewer.
    assert working_days_between(start, deadline - timedelta(days=1)) == n - 1


@property_settings
@given(start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 9, 30)), n=counts)
def test_deadlines_agree_with_the_packages_own_search(db, start, n):
    """chinese_calendar.find_workday(n, d) counts the same way when d itself is a working day. (Starts end
    in September so that the 45th working day stays in 2026, the package's last year.)"""
    if not chinese_calendar.is_workday(start):
        start = chinese_calendar.find_workday(0, start)
    assert add_working_days(start, n) == chinese_calendar.find_workday(n, start)


@property_settings
@given(start=days_2024_to_2028, n=counts)
def test_later_counts_give_later_deadlines(db, start, n):
    assert add_working_days(start, n) < add_working_days(start, n + 1)


@property_settings
@given(dates=st.lists(days_2024_to_2028, min_size=3, max_size=3).map(sorted))
def test_counts_add_up(db, dates):
    a, b, c = dates
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)
    assert working_days_between(c, a) == 0


@property_settings
@given(start=days_2024_to_2028, n=counts, offset=st.integers(min_value=0, max_value=60), kind=st.sampled_from(DayKind))
def test_an_override_decides_its_day(db, start, n, offset, kind):
    """Whatever the package or the fallback say about a day, an admin's word on it wins."""
    day = start + timedelta(days=offset)
    with transaction.atomic():
        services.holiday_set(date=day, kind=kind, name="管理员设定")

        assert is_working_day(day) is (kind == DayKind.WORKDAY)
        deadline = add_working_days(start, n)
        assert is_working_day(deadline)
        if kind == DayKind.HOLIDAY:
            assert deadline != day
        assert working_days_between(start, deadline) == n
        transaction.set_rollback(True)
