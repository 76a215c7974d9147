"""The deadline job, with time frozen around National Day 2026 (1-7 October off, Saturday
10 October a make-up working day), and the 容缺 reminder SMS it queues."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from hukou.models import Case
from hukou.selectors import undecided_cutoff
from hukou.services import Action, case_record_materials, case_transition
from hukou.services.deadlines import deadlines_scan, reminders_claimable
from hukou.tests.factories import items_by_name, make_case, make_service_type
from notices.models import Purpose, SmsMessage, SmsTemplate
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


# --- the 容缺 reminder SMS: from two working days before the supplement deadline --------------------

DEFICIENT = ["身份证", "户口簿", "出生医学证明"]  # the copies and the photos deferred


def deficient(staff, supplement_due_on: date, accepted_on: date = date(2026, 9, 28), **overrides):
    """A case accepted with its deferrable materials missing, to be supplied by ``supplement_due_on``."""
    service = make_service_type(time_limit_days=15)
    case = make_case(actor=staff["officer"], service_type=service, provided_names=DEFICIENT, today=accepted_on,
                     **overrides)  # fmt: skip
    return case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT_DEFICIENT, commitment_signed=True,
                           supplement_due_on=supplement_due_on, today=accepted_on)  # fmt: skip


def reminders(day: date, hour: int = 10) -> list[str]:
    with at(day, hour):
        return deadlines_scan().supplement_reminders


def test_the_reminder_goes_two_working_days_before_the_deadline_across_national_day(staff):
    # Deadlines on the Friday after the holiday, the make-up Saturday and the Monday after them.
    friday, saturday, monday = (deficient(staff, date(2026, 10, d)) for d in (9, 10, 12))
    assert reminders(date(2026, 9, 29)) == []  # two working days on: 8 October
    assert reminders(date(2026, 9, 30)) == [friday.number]  # two working days on: 9 October
    for day in range(1, 8):  # the holiday: two working days on is 9 October
        assert reminders(date(2026, 10, day)) == [], day
    assert reminders(date(2026, 10, 8)) == [saturday.number]  # 9 and (make-up) 10 October
    assert reminders(date(2026, 10, 9)) == [monday.number]  # 10 and 12 October
    assert SmsMessage.objects.filter(purpose=Purpose.SUPPLEMENT_REMINDER).count() == 3
    friday.refresh_from_db()
    assert friday.supplement_reminded_on == date(2026, 9, 30)


def test_the_reminder_says_what_to_bring_by_when_and_is_keyed_by_case_and_deadline(staff, org):
    case = deficient(staff, date(2026, 10, 9), phone="13912345678")
    assert reminders(date(2026, 9, 30)) == [case.number]
    message = SmsMessage.objects.get()
    assert message.text == (
        f"您在东关派出所容缺受理的测试事项（办件号{case.number}），请于10月9日前携带户口簿复印件、照片或照相回执到窗口补交。"
    )
    assert message.idempotency_key == f"case:{case.pk}:supplement_reminder:2026-10-09"
    assert message.phone == "13912345678" and message.reference == case.number
    assert message.unit == org["east_station"]


def test_running_the_job_twice_sends_once(staff):
    case = deficient(staff, date(2026, 10, 9))
    assert reminders(date(2026, 9, 30)) == [case.number]
    assert reminders(date(2026, 9, 30), hour=11) == []
    assert reminders(date(2026, 10, 8)) == []
    assert reminders(date(2026, 10, 9)) == []  # the deadline day itself: reminded already
    assert SmsMessage.objects.count() == 1


def test_a_deadline_set_inside_the_window_is_reminded_at_the_next_run(staff):
    case = deficient(staff, date(2026, 10, 8), accepted_on=date(2026, 9, 30))
    assert reminders(date(2026, 9, 30)) == [case.number]


def test_no_reminder_once_supplied_past_the_deadline_or_while_suspended(staff):
    supplied = deficient(staff, date(2026, 10, 9))
    items = items_by_name(supplied.service_type)
    supplied = case_record_materials(case=supplied, actor=staff["officer"], today=date(2026, 9, 29),
                                     provided=[items["户口簿复印件"].pk, items["照片"].pk])  # fmt: skip
    case_transition(case=supplied, actor=staff["officer"], action=Action.ACCEPT, today=date(2026, 9, 29))
    suspended = deficient(staff, date(2026, 10, 9))
    case_transition(
        case=suspended, actor=staff["officer"], action=Action.SUSPEND, note="待核查", today=date(2026, 9, 29)
    )
    past = deficient(staff, date(2026, 9, 29))
    assert reminders(date(2026, 9, 30)) == []
    assert Case.objects.get(pk=past.pk).supplement_reminded_on is None
    assert not SmsMessage.objects.exists()


def test_a_deadline_moved_by_a_suspension_is_reminded_again(staff):
    case = deficient(staff, date(2026, 10, 9))
    assert reminders(date(2026, 9, 30)) == [case.number]
    case.refresh_from_db()
    case = case_transition(
        case=case, actor=staff["officer"], action=Action.SUSPEND, note="待核查", today=date(2026, 10, 8)
    )
    case = case_transition(case=case, actor=staff["officer"], action=Action.RESUME, today=date(2026, 10, 9))
    assert case.supplement_due_on == date(2026, 10, 10)  # one working day (9 October) on
    assert case.supplement_reminded_on is None
    assert reminders(date(2026, 10, 9)) == [case.number]
    keys = sorted(SmsMessage.objects.values_list("idempotency_key", flat=True))
    assert keys == [f"case:{case.pk}:supplement_reminder:2026-10-09", f"case:{case.pk}:supplement_reminder:2026-10-10"]


def test_a_case_without_a_mobile_number_is_marked_but_not_texted(staff):
    case = deficient(staff, date(2026, 10, 9))
    Case.objects.filter(pk=case.pk).update(phone="05311234567")
    assert reminders(date(2026, 9, 30)) == []
    assert Case.objects.get(pk=case.pk).supplement_reminded_on == date(2026, 9, 30)
    assert not SmsMessage.objects.exists()


def test_a_reminder_that_cannot_be_written_waits_for_the_next_run_and_the_other_kinds_still_run(accepted, staff):
    case = deficient(staff, date(2026, 10, 9))
    template = SmsTemplate.objects.get(purpose=Purpose.SUPPLEMENT_REMINDER)
    good = template.text
    SmsTemplate.objects.filter(pk=template.pk).update(text="${missing}${unknown}")
    with at(date(2026, 10, 9)):
        report = deadlines_scan()
    assert report.supplement_reminders == [] and report.warned == [accepted.number]
    assert Case.objects.get(pk=case.pk).supplement_reminded_on is None
    SmsTemplate.objects.filter(pk=template.pk).update(text=good)
    assert reminders(date(2026, 10, 9), hour=11) == [case.number]


def test_reminders_are_claimed_with_skip_locked_through_the_partial_index():
    from django.db import connection

    claim = reminders_claimable(date(2026, 9, 30))
    sql, _params = claim.query.sql_with_params()
    assert sql.endswith('FOR UPDATE OF "hukou_case" SKIP LOCKED')
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask whether the index serves
    assert "case_supplement_remind_idx" in claim.explain()


def test_the_command_reports_the_reminders(staff, capsys):
    case = deficient(staff, date(2026, 10, 9))
    with at(date(2026, 9, 30)):
        call_command("check_overdue")
    assert f"容缺补交提醒短信: 1  ({case.number})" in capsys.readouterr().out
