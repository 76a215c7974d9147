"""《群众诉求未结事项登记表》: its dates (the 9th, 19th and 29th, the working day before when that day is
off, February's last day), what it lists (every unresolved appeal, frozen), and the daily job."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.models import AppealRegister, AppealRegisterRow
from compliance.services.registers import (
    register_build,
    register_due_on,
    register_period_days,
    registers_due,
)
from compliance.tasks import build_appeal_register
from compliance.tests.builders import at
from evaluations.services.appeals import appeal_resolve, appeal_start, appeal_submit
from windows.models import DayKind, Holiday
from windows.workdays import is_working_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG = "窗口要求提供办事指南以外的材料，" * 20  # 320 characters


# --- the dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "days"),
    [
        (2026, 11, [date(2026, 11, 9), date(2026, 11, 19), date(2026, 11, 29)]),
        (2027, 2, [date(2027, 2, 9), date(2027, 2, 19), date(2027, 2, 28)]),  # no 29th: the last day
        (2026, 2, [date(2026, 2, 9), date(2026, 2, 19), date(2026, 2, 28)]),
        (2028, 2, [date(2028, 2, 9), date(2028, 2, 19), date(2028, 2, 29)]),  # a leap year has one
    ],
)
def test_the_period_days(year, month, days):
    assert register_period_days(year, month) == days


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period_day", "due_on"),
    [
        (date(2026, 11, 29), date(2026, 11, 27)),  # a Sunday: the Friday before
        (date(2026, 8, 9), date(2026, 8, 7)),  # a Sunday
        (date(2026, 9, 19), date(2026, 9, 18)),  # a Saturday
        (date(2026, 10, 9), date(2026, 10, 9)),  # the Friday after National Day is a working day
        (date(2026, 10, 19), date(2026, 10, 19)),  # a Monday
        (date(2026, 6, 19), date(2026, 6, 18)),  # 端午节
        (date(2026, 2, 19), date(2026, 2, 14)),  # 春节: back to the 调休 Saturday before it
        (date(2026, 5, 9), date(2026, 5, 9)),  # a Saturday, but a 调休 working day
        (date(2026, 2, 28), date(2026, 2, 28)),  # February's last, a 调休 Saturday
        (date(2027, 2, 28), date(2027, 2, 26)),  # February 2027 has no 29th; the 28th is a Sunday
    ],
)
def test_the_due_date_is_the_period_day_or_the_working_day_before(period_day, due_on):
    assert register_due_on(period_day) == due_on


@pytest.mark.django_db
def test_the_admins_holidays_move_the_due_date():
    """2027's schedule is not in the packaged calendar yet: an admin enters the Spring Festival."""
    assert register_due_on(date(2027, 2, 9)) == date(2027, 2, 9)
    for day in (5, 8, 9):
        Holiday.objects.create(date=date(2027, 2, day), kind=DayKind.HOLIDAY)
    assert register_due_on(date(2027, 2, 9)) == date(2027, 2, 4)


@pytest.mark.django_db
@settings(deadline=None, max_examples=60)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_the_due_date_is_the_last_working_day_not_after_the_period_day(day):
    due = register_due_on(day)
    assert due <= day and is_working_day(due)
    assert not any(is_working_day(due + timedelta(days=n)) for n in range(1, (day - due).days + 1))


# --- what a register lists -------------------------------------------------------------------------------


def submit(station, when, **overrides):
    values = {
        "station": station,
        "category": "cannot_get_done",
        "contact_name": "王小明",
        "contact_phone": "13912345678",
        "content": "在窗口办理户口迁入被要求提供清单以外的材料，跑了三趟还没办成。",
    }
    values.update(overrides)
    with time_machine.travel(when, tick=False):
        return appeal_submit(**values, today=when.date())


def make_appeals(org, staff) -> dict:
    """Appeals of S1 (one long and old, one in progress, one resolved) and one of S2."""
    east, west = org["east_station"], org["west_station"]
    old = submit(east, at(2026, 10, 20), content=LONG)  # due 2026-10-27
    taken = submit(east, at(2026, 11, 25), category="attitude", contact_name="欧阳娜娜")  # due 2026-12-02
    with time_machine.travel(at(2026, 11, 25, 11), tick=False):
        taken = appeal_start(appeal=taken, actor=staff["chief"], handler=staff["officer"])
    done = submit(east, at(2026, 11, 2))
    with time_machine.travel(at(2026, 11, 3), tick=False):
        done = appeal_start(appeal=done, actor=staff["chief"])
        done = appeal_resolve(appeal=done, actor=staff["chief"], resolution="已当面解释并办结")
    elsewhere = submit(west, at(2026, 11, 20), contact_name="李四")  # due 2026-11-27
    return {"old": old, "taken": taken, "done": done, "elsewhere": elsewhere}


def build(period_day=date(2026, 11, 29), when=None):
    with time_machine.travel(when or at(2026, 11, 27, 7), tick=False):
        return register_build(period_day=period_day)


def values(register) -> dict[str, dict]:
    return {row.appeal.reference: row.values for row in register.rows.select_related("appeal")}


@pytest.mark.django_db
def test_the_register_lists_every_unresolved_appeal_and_no_resolved_one(org, staff, appeals):
    register = build()
    assert (register.period_day, register.due_on, register.built_at) == (
        date(2026, 11, 29), date(2026, 11, 27), at(2026, 11, 27, 7),
    )  # fmt: skip
    listed = values(register)
    assert set(listed) == {appeals["old"].reference, appeals["taken"].reference, appeals["elsewhere"].reference}
    assert appeals["done"].reference not in listed

    old = listed[appeals["old"].reference]
    assert old == {
        "reference": appeals["old"].reference,
        "station": "东关派出所",
        "source": "网上反映",
        "category": "办不成事",
        "contact_name": "王**",
        "content": LONG[:199] + "…",
        "received_on": "2026-10-20",
        "due_on": "2026-10-27",
        "status": "待处理",
        "handler": "",
        # working days after 10-27 up to 11-27: Oct 28–30 and four full weeks of November
        "days_late": 23,
    }
    assert len(old["content"]) == 200
    taken = listed[appeals["taken"].reference]
    assert (taken["contact_name"], taken["category"], taken["status"], taken["handler"], taken["days_late"]) == (
        "欧阳**", "服务态度", "处理中", staff["officer"].get_full_name(), 0,
    )  # fmt: skip
    elsewhere = listed[appeals["elsewhere"].reference]
    assert (elsewhere["station"], elsewhere["due_on"], elsewhere["days_late"]) == ("西湖派出所", "2026-11-27", 0)

    rows = {row.appeal_id: row for row in AppealRegisterRow.objects.filter(register=register)}
    assert rows[appeals["elsewhere"].pk].station == org["west_station"]
    assert rows[appeals["elsewhere"].pk].unit_path == org["west_station"].path


@pytest.mark.django_db
def test_the_register_is_frozen_and_built_once(org, staff, appeals):
    register = build()
    before = values(register)
    with time_machine.travel(at(2026, 11, 28), tick=False):
        appeal_resolve(appeal=appeals["taken"], actor=staff["officer"], resolution="已向群众道歉并说明")
    submit(org["east_station"], at(2026, 11, 28))
    assert build(when=at(2026, 11, 29, 7)) is None
    assert AppealRegister.objects.count() == 1
    assert values(AppealRegister.objects.get()) == before
    assert before[appeals["taken"].reference]["status"] == "处理中"


@pytest.mark.django_db
def test_a_register_with_nothing_unresolved_is_still_built(org):
    register = build(period_day=date(2026, 11, 9), when=at(2026, 11, 9, 7))
    assert register.rows.count() == 0 and register.due_on == date(2026, 11, 9)


# --- which registers are due, and the job ---------------------------------------------------------------


@pytest.mark.django_db
def test_registers_due_are_this_months_days_whose_due_date_came_and_a_missed_one_of_last_month(org):
    assert registers_due(date(2026, 11, 1)) == [date(2026, 10, 29)]  # missed: built now
    assert registers_due(date(2026, 11, 9)) == [date(2026, 10, 29), date(2026, 11, 9)]
    for day in (date(2026, 10, 29), date(2026, 11, 9)):
        AppealRegister.objects.create(period_day=day, due_on=register_due_on(day))
    assert registers_due(date(2026, 11, 26)) == [date(2026, 11, 19)]
    AppealRegister.objects.create(period_day=date(2026, 11, 19), due_on=date(2026, 11, 19))
    assert registers_due(date(2026, 11, 26)) == []
    assert registers_due(date(2026, 11, 27)) == [date(2026, 11, 29)]  # due two days early


@pytest.mark.django_db
def test_the_job_builds_on_the_right_day_and_not_twice(org, staff, appeals):
    for day in (date(2026, 10, 29), date(2026, 11, 9), date(2026, 11, 19)):
        AppealRegister.objects.create(period_day=day, due_on=register_due_on(day))
    with time_machine.travel(at(2026, 11, 26, 7), tick=False):
        assert build_appeal_register() == []
    with time_machine.travel(at(2026, 11, 27, 7), tick=False):
        assert build_appeal_register() == ["2026-11-29"]
    register = AppealRegister.objects.get(period_day=date(2026, 11, 29))
    assert register.built_at == at(2026, 11, 27, 7) and register.rows.count() == 3
    for moment in (at(2026, 11, 27, 15), at(2026, 11, 28, 7), at(2026, 11, 29, 7), at(2026, 11, 30, 7)):
        with time_machine.travel(moment, tick=False):
            assert build_appeal_register() == []
    assert AppealRegister.objects.count() == 4
    with time_machine.travel(at(2026, 12, 9, 7), tick=False):
        assert build_appeal_register() == ["2026-12-09"]


@pytest.mark.django_db
def test_the_job_before_a_holiday_builds_early(org):
    """The 19th of September 2026 is a Saturday: the register is built on Friday the 18th."""
    for day in (date(2026, 8, 29), date(2026, 9, 9)):
        AppealRegister.objects.create(period_day=day, due_on=register_due_on(day))
    with time_machine.travel(at(2026, 9, 17, 7), tick=False):
        assert build_appeal_register() == []
    with time_machine.travel(at(2026, 9, 18, 7), tick=False):
        assert build_appeal_register() == ["2026-09-19"]
    assert AppealRegister.objects.get(period_day=date(2026, 9, 19)).due_on == date(2026, 9, 18)
