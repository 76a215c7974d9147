"""The deadline job, with time frozen around National Day 2026 (1-7 October off, Saturday
10 October a make-up working day)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from hukou.models import Case
from hukou.selectors import undecided_cutoff
from hukou.services import Action, case_transition
from hukou.services.deadlines import deadlines_scan
from hukou.tests.factories import make_case, make_service_type
from windows.models import Notification

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPLETE = ["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"]


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def scan(day: date):
    with at(day):
        return deadlines_scan()


@pytest.fixture
def accepted(staff):
    """A case of a 5-working-day service accepted on Monday 28 September: due Saturday 10 October."""
    service = make_service_type(time_limit_days=5)
    case = make_case(actor=staff["officer"], service_type=service, provided_names=COMPLETE, today=date(2026, 9, 28))
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=date(2026, 9, 28))
    assert case.due_on == date(2026, 10, 10)
    return case


def test_the_early_warning_counts_the_make_up_saturday_as_the_next_working_day(accepted):
    assert scan(date(2026, 9, 30)).warned == []  # next working day is 8 October
    assert scan(date(2026, 10, 8)).warned == []  # next working day is 9 October
    assert scan(date(2026, 10, 9)).warned == [accepted.number]  # next working day: Saturday 10 October
    assert scan(date(2026, 10, 10)).warned == []  # warned once only
    accepted.refresh_from_db()
    assert accepted.warned_at is not None and accepted.overdue_on is None


def test_overdue_from_the_day_after_the_due_date_and_recorded(accepted):
    assert scan(date(2026, 10, 10)).overdue == []  # due today: not overdue yet
    assert scan(date(2026, 10, 11)).overdue == [accepted.number]
    accepted.refresh_from_db()
    assert accepted.overdue_on == date(2026, 10, 11)
    assert scan(date(2026, 10, 12)).overdue == []


def test_a_deadline_just_before_the_holiday_is_warned_during_it_and_overdue_after(staff):
    service = make_service_type(time_limit_days=1)
    case = make_case(actor=staff["officer"], service_type=service, provided_names=COMPLETE, today=date(2026, 9, 30))
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=date(2026, 9, 30))
    assert case.due_on == date(2026, 10, 8)
    assert scan(date(2026, 9, 30)).warned == [case.number]  # the next working day is the due date
    for day in range(1, 9):
        assert scan(date(2026, 10, day)).overdue == [], day
    assert scan(date(2026, 10, 9)).overdue == [case.number]


def test_completed_and_suspended_cases_are_not_flagged(accepted, staff):
    officer = staff["officer"]
    case_transition(case=accepted, actor=officer, action=Action.SUSPEND, note="待核查", today=date(2026, 10, 8))
    assert scan(date(2026, 10, 12)).overdue == []
    accepted.refresh_from_db()
    case_transition(case=accepted, actor=staff["officer"], action=Action.RESUME, today=date(2026, 10, 12))
    accepted.refresh_from_db()
    # The clock stood still for the working days after the suspension up to the resumption (9, 10 and
    # 12 October): due 10 October + 3 working days.
    assert accepted.due_on == date(2026, 10, 14)
    case_transition(case=accepted, actor=staff["officer"], action=Action.COMPLETE, today=date(2026, 10, 12))
    assert scan(date(2026, 10, 20)).overdue == []


def test_overdue_supplements(staff):
    service = make_service_type(time_limit_days=10)
    case = make_case(actor=staff["officer"], service_type=service, provided_names=["身份证", "户口簿", "出生医学证明"],
                     today=date(2026, 9, 28))  # fmt: skip
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT_DEFICIENT, commitment_signed=True,
                           supplement_due_on=date(2026, 10, 9), today=date(2026, 9, 28))  # fmt: skip
    assert scan(date(2026, 10, 9)).supplements_overdue == []
    assert scan(date(2026, 10, 10)).supplements_overdue == [case.number]
    case.refresh_from_db()
    assert case.supplement_overdue_on == date(2026, 10, 10)


def test_materials_undecided_for_5_working_days_count_as_accepted_from_their_arrival(staff, mixed):
    received = date(2026, 9, 29)  # Tuesday; 5 working days: 30 Sep, 8, 9, 10 (Sat) and 12 October
    assert undecided_cutoff(date(2026, 10, 12)) < received <= undecided_cutoff(date(2026, 10, 13))
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"], today=received)
    empty = make_case(actor=staff["officer"], service_type=mixed, today=received)  # no materials: nothing to decide
    noticed = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"], today=received)
    case_transition(case=noticed, actor=staff["officer"], action=Action.NOTIFY, today=received)  # a decision

    assert scan(date(2026, 10, 12)).deemed_accepted == []
    assert scan(date(2026, 10, 13)).deemed_accepted == [case.number]
    case.refresh_from_db()
    assert case.deemed_accepted_on == received
    assert Case.objects.get(pk=empty.pk).deemed_accepted_on is None


def test_the_officer_and_the_station_supervisors_are_notified_once(accepted, staff):
    scan(date(2026, 10, 9))
    scan(date(2026, 10, 9))
    scan(date(2026, 10, 11))
    scan(date(2026, 10, 11))
    notified = Notification.objects.filter(text__contains=accepted.number)
    # warned (due by the next working day) and overdue, each to the officer and the chief
    assert sorted(notified.values_list("recipient__username", flat=True)) == ["chief", "chief", "officer", "officer"]
    overdue = notified.filter(text__startswith="超期").first()
    assert overdue.link == f"/cases/{accepted.number}/"
    assert "2026-10-10" in overdue.text


def test_the_scan_runs_a_fixed_number_of_queries(staff, django_assert_max_num_queries):
    service = make_service_type(time_limit_days=5)
    for _ in range(6):
        case = make_case(actor=staff["officer"], service_type=service, provided_names=COMPLETE, today=date(2026, 9, 28))
        case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=date(2026, 9, 28))
    with at(date(2026, 10, 11)), django_assert_max_num_queries(40) as few:
        assert len(deadlines_scan().overdue) == 6
    for _ in range(6):
        case = make_case(actor=staff["officer"], service_type=service, provided_names=COMPLETE, today=date(2026, 9, 28))
        case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=date(2026, 9, 28))
    with at(date(2026, 10, 11), hour=11), django_assert_max_num_queries(len(few.captured_queries)):
        assert len(deadlines_scan().overdue) == 6  # the new ones, for the same number of queries


def test_the_command_and_the_beat_schedule(accepted, capsys):
    with at(date(2026, 10, 11)):
        call_command("check_overdue")
    out = capsys.readouterr().out
    assert f"超期: 1  ({accepted.number})" in out
    schedule = settings.CELERY_BEAT_SCHEDULE["check-deadlines"]
    assert schedule["task"] == "hukou.tasks.check_deadlines"
    assert schedule["schedule"].minute == {0, 15, 30, 45}
