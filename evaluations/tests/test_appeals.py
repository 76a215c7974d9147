"""Citizen appeals (群众诉求): intake, the workflow, the deadline job and the public progress lookup,
through the services and selectors."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.models import Appeal, AppealEvent, AppealSource, AppealStatus
from evaluations.selectors import appeals as selectors
from evaluations.services import appeals as services
from evaluations.services.appeals import appeal_resolve, appeal_start, appeal_submit, appeals_check_deadlines
from hukou.models import Sequence
from windows.errors import Conflict
from windows.models import Notification, Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CONTENT = "在窗口办理户口迁入被要求提供清单以外的材料，跑了三趟还没办成。"


def submit(station, **overrides):
    values = {
        "station": station,
        "category": "cannot_get_done",
        "contact_name": "王小明",
        "contact_phone": "139 1234 5678",
        "content": CONTENT,
    }
    values.update(overrides)
    return appeal_submit(**values)


@pytest.fixture
def appeal(org, staff):
    return submit(org["east_station"], today=date(2026, 9, 30))


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


# --- intake -----------------------------------------------------------------------------------------


def test_a_citizens_appeal_is_taken_in_with_its_reference_due_date_event_and_supervisors_told(org, staff):
    appeal = submit(org["east_station"], case_number=" s1-２０２６0930-0001 ", today=date(2026, 9, 30))
    appeal.refresh_from_db()
    assert re.fullmatch(r"SQS1202609300001", appeal.reference)
    assert appeal.contact_phone == "13912345678"
    assert appeal.case_number == "S1-20260930-0001"  # stored as given, normalised
    assert appeal.source == AppealSource.ONLINE and appeal.status == AppealStatus.OPEN
    assert appeal.received_by is None and appeal.handler is None and appeal.resolved_at is None
    [event] = appeal.events.all()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("submit", "", "open", None)
    assert inbox(staff["chief"]) == [f"新的群众诉求 {appeal.reference}（办不成事，网上反映）：请于2026-10-13前办结。"]
    assert inbox(staff["officer"]) == [] and inbox(staff["district"]) == []


def test_the_due_date_counts_working_days_across_national_day(org, staff):
    # 30 September 2026 + 5 working days: 1-7 October are off, Saturday 10 October is a make-up
    # working day: 8, 9, 10, 12, 13 October.
    assert submit(org["east_station"], today=date(2026, 9, 30)).due_on == date(2026, 10, 13)
    # A plain week: Monday + 5 working days is the next Monday.
    assert submit(org["east_station"], today=date(2026, 11, 2)).due_on == date(2026, 11, 9)


def test_references_count_per_station_and_day_and_never_repeat(org, staff):
    east, west = org["east_station"], org["west_station"]
    day = date(2026, 11, 17)
    references = [submit(east, today=day).reference for _ in range(3)]
    references.append(submit(west, today=day).reference)
    references.append(submit(east, today=day + timedelta(days=1)).reference)
    assert references == [
        "SQS1202611170001",
        "SQS1202611170002",
        "SQS1202611170003",
        "SQS2202611170001",
        "SQS1202611180001",
    ]
    assert len(set(Appeal.objects.values_list("reference", flat=True))) == 5


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_phone": "12345"}, "contact_phone", "请输入11位中国大陆手机号码。"),
        ({"content": "没办成"}, "content", services.CONTENT_TOO_SHORT),
        ({"content": "长" * 2001}, "content", services.CONTENT_TOO_LONG),
        ({"contact_name": "  "}, "contact_name", services.NAME_REQUIRED),
        ({"category": "nonsense"}, "category", services.CATEGORY_INVALID),
        ({"case_number": "X" * 41}, "case_number", services.CASE_NUMBER_TOO_LONG),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(org, staff, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        submit(org["east_station"], **overrides)
    assert caught.value.message_dict[field] == [message]
    assert not Appeal.objects.exists() and not Notification.objects.exists()


def test_the_station_must_be_a_station(org, staff):
    with pytest.raises(ValidationError) as caught:
        submit(org["east"])
    assert caught.value.message_dict["station"] == [services.STATION_INVALID]


def test_content_of_exactly_ten_and_two_thousand_characters_is_accepted(org, staff):
    assert submit(org["east_station"], content="一" * 10).pk
    assert submit(org["east_station"], content="一" * 2000).pk


def test_a_decoy_is_checked_alike_and_saves_nothing(org, staff):
    decoy = submit(org["east_station"], decoy=True, today=date(2026, 9, 30))
    assert decoy.pk is None
    assert re.fullmatch(r"SQS120260930\d{4}", decoy.reference)
    assert decoy.due_on == date(2026, 10, 13)
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not Notification.objects.exists() and not Sequence.objects.filter(key__startswith="appeal:").exists()
    with pytest.raises(ValidationError):
        submit(org["east_station"], decoy=True, contact_phone="1")


def test_staff_enter_phone_and_walk_in_appeals_for_their_own_station_only(org, staff):
    east, west = org["east_station"], org["west_station"]
    appeal = submit(east, actor=staff["auxiliary"], source=AppealSource.PHONE)
    assert appeal.received_by == staff["auxiliary"] and appeal.source == "phone"
    assert appeal.events.get().actor == staff["auxiliary"]
    assert submit(west, actor=staff["other_officer"], source=AppealSource.WALK_IN).station == west
    assert submit(west, actor=staff["city"], source=AppealSource.PHONE).station == west  # a bureau in scope
    for actor in (staff["officer"], staff["chief"], staff["district"]):
        with pytest.raises(PermissionDenied):
            submit(west, actor=actor, source=AppealSource.PHONE)
    with pytest.raises(PermissionDenied):
        submit(east, actor=staff["admin"], source=AppealSource.PHONE)
    with pytest.raises(ValidationError) as caught:
        submit(east, actor=staff["officer"], source=AppealSource.ONLINE)
    assert caught.value.message_dict["source"] == [services.STAFF_SOURCE_ONLY]
    with pytest.raises(ValidationError) as caught:
        submit(east, source=AppealSource.PHONE)  # no actor: a citizen online
    assert caught.value.message_dict["source"] == [services.ONLINE_SOURCE_ONLY]


# --- the workflow -----------------------------------------------------------------------------------


def test_open_to_in_progress_to_resolved_with_events_and_the_handler_told(appeal, staff):
    chief, officer = staff["chief"], staff["officer"]
    appeal = appeal_start(appeal=appeal, actor=chief, handler=officer, note="请核实", version=1)
    assert (appeal.status, appeal.handler, appeal.version) == (AppealStatus.IN_PROGRESS, officer, 2)
    assert inbox(officer) == [f"您被指定为群众诉求 {appeal.reference}（办不成事）的承办人，请于2026-10-13前办结。"]
    appeal = appeal_resolve(appeal=appeal, actor=officer, resolution="已当面致歉并当场办结户口迁入。", version=2)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.RESOLVED and appeal.resolved_at is not None and appeal.version == 3
    assert appeal.resolution == "已当面致歉并当场办结户口迁入。"
    events = list(appeal.events.values_list("action", "from_status", "to_status", "actor__username"))
    assert events == [
        ("submit", "", "open", None),
        ("start", "open", "in_progress", "chief"),
        ("resolve", "in_progress", "resolved", "officer"),
    ]
    assert appeal.events.get(action="start").note.endswith("请核实")


def test_a_supervisor_starts_it_themselves_by_default_and_reassigns(appeal, staff):
    chief = staff["chief"]
    appeal = appeal_start(appeal=appeal, actor=chief)
    assert appeal.handler == chief
    appeal = services.appeal_reassign(appeal=appeal, actor=chief, handler=staff["officer2"], version=appeal.version)
    assert appeal.handler == staff["officer2"] and appeal.status == AppealStatus.IN_PROGRESS
    event = appeal.events.get(action="reassign")
    assert (event.from_status, event.to_status) == ("in_progress", "in_progress")
    with pytest.raises(ValidationError) as caught:
        services.appeal_reassign(appeal=appeal, actor=chief, handler=staff["officer2"])
    assert caught.value.message_dict["handler"] == [services.HANDLER_SAME]


@pytest.mark.parametrize(
    ("moves", "action"),
    [
        ([], "resolve"),  # open: start it first
        ([], "reassign"),
        (["start"], "start"),
        (["start", "resolve"], "start"),
        (["start", "resolve"], "resolve"),
        (["start", "resolve"], "reassign"),
    ],
)
def test_illegal_moves_are_conflicts_and_change_nothing(appeal, staff, moves, action):
    chief = staff["chief"]
    for move in moves:
        services.appeal_transition(appeal=appeal, actor=chief, action=move, handler=chief, resolution="已办结")
    appeal.refresh_from_db()
    before = (appeal.status, appeal.version, appeal.events.count())
    with pytest.raises(Conflict) as caught:
        services.appeal_transition(
            appeal=appeal, actor=chief, action=action, handler=staff["officer"], resolution="再次办结"
        )
    assert caught.value.message.startswith("该诉求当前状态为")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version, appeal.events.count()) == before


def test_resolving_needs_a_resolution(appeal, staff):
    appeal = appeal_start(appeal=appeal, actor=staff["chief"])
    with pytest.raises(ValidationError) as caught:
        appeal_resolve(appeal=appeal, actor=staff["chief"], resolution="   ")
    assert caught.value.message_dict["resolution"] == [services.RESOLUTION_REQUIRED]
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.resolved_at is None


def test_a_stale_version_is_a_conflict(appeal, staff):
    appeal_start(appeal=appeal, actor=staff["chief"], version=1)
    with pytest.raises(Conflict) as caught:
        appeal_resolve(appeal=appeal, actor=staff["chief"], resolution="已办结", version=1)
    assert "请刷新后重试" in caught.value.message
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS


def test_the_handler_must_be_an_officer_or_supervisor_of_the_station(appeal, staff):
    for handler in (staff["other_officer"], staff["auxiliary"], staff["district"]):
        with pytest.raises(ValidationError) as caught:
            appeal_start(appeal=appeal, actor=staff["chief"], handler=handler)
        assert caught.value.message_dict["handler"] == [services.HANDLER_INVALID]
    # a bureau supervisor may take it on themselves
    assert appeal_start(appeal=appeal, actor=staff["district"]).handler == staff["district"]


def test_who_may_move_an_appeal(appeal, staff):
    officer, officer2 = staff["officer"], staff["officer2"]
    with pytest.raises(PermissionDenied) as caught:
        appeal_start(appeal=appeal, actor=officer)  # officers do not assign, not even to themselves
    assert str(caught.value) == services.ONLY_SUPERVISORS_ASSIGN
    for outsider in (staff["other_officer"], staff["other_district"]):
        with pytest.raises(PermissionDenied) as caught:
            appeal_start(appeal=appeal, actor=outsider, handler=officer)
        assert str(caught.value) == services.NOT_YOURS
    with pytest.raises(PermissionDenied):
        appeal_start(appeal=appeal, actor=staff["admin"], handler=officer)
    with pytest.raises(PermissionDenied):
        appeal_start(appeal=appeal, actor=staff["auxiliary"], handler=officer)
    appeal = appeal_start(appeal=appeal, actor=staff["district"], handler=officer)
    with pytest.raises(PermissionDenied) as caught:
        appeal_resolve(appeal=appeal, actor=officer2, resolution="不是我的")
    assert str(caught.value) == services.ONLY_HANDLER_RESOLVES
    with pytest.raises(PermissionDenied):
        services.appeal_reassign(appeal=appeal, actor=officer, handler=officer2)
    assert services.appeal_allowed_actions(officer, appeal) == ["resolve"]
    assert services.appeal_allowed_actions(officer2, appeal) == []
    assert services.appeal_allowed_actions(staff["chief"], appeal) == ["reassign", "resolve"]
    assert services.appeal_allowed_actions(staff["other_district"], appeal) == []
    assert appeal_resolve(appeal=appeal, actor=staff["city"], resolution="市局督办，已办结。").is_open is False


# --- scoping ----------------------------------------------------------------------------------------


def test_staff_see_their_units_appeals_only(org, staff):
    east = submit(org["east_station"])
    west = submit(org["west_station"])
    seen = {user: set(selectors.appeal_list(user=staff[user]).values_list("reference", flat=True)) for user in staff
            if user != "window"}  # fmt: skip
    assert seen["officer"] == seen["chief"] == seen["district"] == {east.reference}
    assert seen["other_officer"] == seen["other_district"] == {west.reference}
    assert seen["city"] == {east.reference, west.reference}
    with pytest.raises(Appeal.DoesNotExist):
        selectors.appeal_get(user=staff["officer"], reference=west.reference)
    with pytest.raises(Appeal.DoesNotExist):
        selectors.appeal_get(user=staff["other_officer"], reference=east.reference)


# --- deadlines --------------------------------------------------------------------------------------


def test_the_deadline_job_flags_late_appeals_once_and_tells_handler_and_supervisors_once(org, staff):
    chief, officer = staff["chief"], staff["officer"]
    assigned = submit(org["east_station"], today=date(2026, 9, 30))  # due 13 October
    assigned = appeal_start(appeal=assigned, actor=chief, handler=officer)
    waiting = submit(org["east_station"], today=date(2026, 9, 30))
    resolved = appeal_start(appeal=submit(org["east_station"], today=date(2026, 9, 30)), actor=chief)
    appeal_resolve(appeal=resolved, actor=chief, resolution="已办结")
    west = submit(org["west_station"], today=date(2026, 10, 8))  # due 14 October
    west_chief = StaffFactory(username="west-chief", unit=org["west_station"], role=Role.STATION_SUPERVISOR).user
    Notification.objects.all().delete()

    for day in range(8, 14):  # through the holiday's end and the due date itself: nothing is late
        assert appeals_check_deadlines(today=date(2026, 10, day)) == {"appeal_late": 0}, day
    assert appeals_check_deadlines(today=date(2026, 10, 14)) == {"appeal_late": 2}
    assert appeals_check_deadlines(today=date(2026, 10, 14)) == {"appeal_late": 0}  # once
    assert appeals_check_deadlines(today=date(2026, 10, 15)) == {"appeal_late": 1}  # the west one
    assert appeals_check_deadlines(today=date(2026, 10, 20)) == {"appeal_late": 0}

    late_on = dict(Appeal.objects.values_list("reference", "late_on"))
    assert late_on[assigned.reference] == late_on[waiting.reference] == date(2026, 10, 14)
    assert late_on[west.reference] == date(2026, 10, 15)
    assert late_on[resolved.reference] is None
    text = "群众诉求逾期：{}（办不成事）已超过办理期限 2026-10-13，请尽快办结。"
    assert sorted(inbox(chief)) == sorted([text.format(assigned.reference), text.format(waiting.reference)])
    assert inbox(officer) == [text.format(assigned.reference)]
    assert inbox(west_chief) == [f"群众诉求逾期：{west.reference}（办不成事）已超过办理期限 2026-10-14，请尽快办结。"]
    assert Notification.objects.count() == 4
    # A background flag does not bump the version: a form opened before it still works.
    assigned.refresh_from_db()
    assert appeal_resolve(appeal=assigned, actor=officer, resolution="已办结", version=assigned.version).late_on


def test_the_beat_task_reports_late_appeals_and_rectifications(org, staff):
    from evaluations import tasks

    submit(org["east_station"], today=date(2020, 1, 6))
    assert tasks.check_deadlines() == {
        "appeal_late": 1, "rectification_contact_late": 0, "rectification_late": 0,
    }  # fmt: skip


def test_the_late_list_filter_and_the_mark(org, staff):
    late = submit(org["east_station"], today=date(2020, 1, 6))
    current = submit(org["east_station"])
    filtered = selectors.AppealFilter({"late": "true"}, queryset=selectors.appeal_list(user=staff["chief"])).qs
    assert [a.reference for a in filtered] == [late.reference]
    assert selectors.is_late(late) and not selectors.is_late(current)


# --- the public progress lookup ---------------------------------------------------------------------


def test_progress_with_the_right_reference_and_digits(appeal, staff):
    result = selectors.appeal_progress_lookup(reference=appeal.reference.lower(), phone_suffix="５６７８")
    assert result.status == "open" and result.status_label == "已受理，待处理"
    assert [step.title for step in result.timeline] == ["受理"]
    appeal = appeal_start(appeal=appeal, actor=staff["chief"], handler=staff["officer"], note="内部备注")
    appeal = services.appeal_reassign(appeal=appeal, actor=staff["chief"], handler=staff["officer2"])
    appeal_resolve(appeal=appeal, actor=staff["officer2"], resolution="已为您补办，请到3号窗口领取。")
    result = selectors.appeal_progress_lookup(reference=appeal.reference, phone_suffix="5678")
    assert [(s.title, s.text) for s in result.timeline] == [
        ("受理", ""),
        ("处理中", ""),
        ("已办结", "已为您补办，请到3号窗口领取。"),
    ]
    assert result.status_label == "已办结" and result.resolution == "已为您补办，请到3号窗口领取。"
    assert "内部备注" not in repr(result) and "officer" not in repr(result)


def test_a_wrong_reference_and_a_wrong_phone_give_the_same_answer(appeal):
    assert selectors.appeal_progress_lookup(reference="SQS1202609309999", phone_suffix="5678") is None
    assert selectors.appeal_progress_lookup(reference=appeal.reference, phone_suffix="5679") is None


def test_five_failures_lock_a_reference_even_for_the_right_digits(appeal):
    for _ in range(selectors.FAILURES_PER_HOUR):
        assert selectors.appeal_progress_lookup(reference=appeal.reference, phone_suffix="0000") is None
    with pytest.raises(selectors.TooManyFailures):
        selectors.appeal_progress_lookup(reference=appeal.reference, phone_suffix="5678")


def test_malformed_lookups_are_refused_by_field():
    with pytest.raises(ValidationError) as caught:
        selectors.progress_arguments({"reference": "", "phone_suffix": "12"})
    assert caught.value.message_dict == {
        "reference": [selectors.REFERENCE_REQUIRED],
        "phone_suffix": [selectors.PHONE_SUFFIX_INVALID],
    }
