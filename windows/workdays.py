"""Working days by the official Chinese calendar.

Three sources, strongest first:

1. ``windows.Holiday`` rows that admins edit: a date is a day off or a (make-up) working day.
2. The ``chinese-calendar`` package: the State Council's holidays and 调休 days for the years it covers.
3. For any other year: weekends and the statutory fixed-date holidays (元旦 1月1日, 劳动节 5月1-2日,
   国庆 10月1-3日) are days off. These functions never raise for an uncovered year; admins are warned
   instead (:func:`years_missing_schedule`) until they enter the year's schedule.

Deadlines anywhere in the project are computed here and never by adding calendar days.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as _cc

from windows.models import DayKind, Holiday

# Years for which the package has the official schedule.
PACKAGED_YEARS = frozenset(d.year for d in _cc.holidays) | frozenset(d.year for d in _cc.workdays)
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


class _Calendar:
    """The admins' overrides for the years one computation touches, read once per year."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[date, bool]] = {}

    def _year(self, year: int) -> dict[date, bool]:
        if year not in self._overrides:
            self._overrides[year] = {
                row_date: kind == DayKind.WORKDAY
                for row_date, kind in Holiday.objects.filter(date__year=year).values_list("date", "kind")
            }
        return self._overrides[year]

    def is_working_day(self, d: date) -> bool:
        override = self._year(d.year).get(d)
        if override is not None:
            return override
        if d.year in PACKAGED_YEARS:
            return chinese_calendar.is_workday(d)
        return d.weekday() < 5 and (d.month, d.day) not in FIXED_DATE_HOLIDAYS


def is_working_day(d: date) -> bool:
    return _Calendar().is_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start``; ``start`` itself never counts. ``n`` must be ≥ 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    calendar = _Calendar()
    d = start
    remaining = n
    while remaining:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            remaining -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """The number of working days in (a, b]: after ``a``, up to and including ``b``. 0 when b ≤ a."""
    calendar = _Calendar()
    count = 0
    d = a + timedelta(days=1)
    while d <= b:
        if calendar.is_working_day(d):
            count += 1
        d += timedelta(days=1)
    return count


def years_missing_schedule(today: date) -> list[int]:
    """Years whose holiday schedule nobody has given us and that deadlines may reach soon: this
    year, and from October on the next one too. A year counts as given when the package covers it
    or an admin has entered at least one day off for it."""
    years = [today.year]
    if today.month >= 10:
        years.append(today.year + 1)
    entered = set(
        Holiday.objects.filter(date__year__in=years, kind=DayKind.HOLIDAY).values_list("date__year", flat=True)
    )
    return [y for y in years if y not in PACKAGED_YEARS and y not in entered]
