"""The case lifecycle: every transition per state and role, the rules each move enforces, due dates,
visits, events, versions and the ID number's reveal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hukou.models import CaseDocument, CaseStatus, DocumentKind, IdNumberAccess
from hukou.services import (
    Action,
    case_create,
    case_decision,
    case_reassign,
    case_record_materials,
    case_record_visit,
    case_reveal_id_number,
    case_transition,
)
from hukou.services import cases as case_services
from hukou.tests.factories import ID_NUMBERS, items_by_name, make_case, make_service_type
from windows.errors import Conflict

pytestmark = pytest.mark.django_db
S = CaseStatus

COMPLETE = ["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"]
ALL_ACTIONS = [
    Action.ACCEPT, Action.ACCEPT_DEFICIENT, Action.NOTIFY, Action.SUBMIT_REVIEW, Action.APPROVE, Action.COMPLETE,
    Action.COLLECT, Action.REJECT, Action.WITHDRAW, Action.SUSPEND, Action.RESUME,
]  # fmt: skip
MONDAY = date(2026, 11, 16)


def move(case, actor, action, **extra):
    """A transition with everything the move may need."""
    params = {"note": "原因说明", "legal_basis": "《户口登记条例》第十条", "commitment_signed": True}
    params.update(extra)
    return case_transition(case=case, actor=actor, action=action, **params)


def provide(case, actor, *names):
    items = items_by_name(case.service_type)
    return case_record_materials(case=case, actor=actor, provided=[items[n].pk for n in names])


@pytest.fixture
def approval_service():
    return make_service_type(needs_supervisor_approval=True, name="户口迁入测试")


@pytest.fixture
def in_state(staff, mixed, approval_service):
    """A case of the mixed service in the given state, its materials such that the moves out of that
    state pass their own checks where the state allows them."""
    officer, chief = staff["officer"], staff["chief"]

    def build(state):
        service = approval_service if state == S.IN_REVIEW else mixed
        if state == S.AWAITING_MATERIALS:
            case = make_case(actor=officer, service_type=service, provided_names=COMPLETE[1:])
            case = move(case, officer, Action.NOTIFY)
            return provide(case, officer, "身份证")
        if state == S.ACCEPTED_DEFICIENT:
            case = make_case(actor=officer, service_type=service, provided_names=["身份证", "户口簿", "出生医学证明"])
            case = move(case, officer, Action.ACCEPT_DEFICIENT)
            return provide(case, officer, "户口簿复印件", "照片")
        case = make_case(actor=officer, service_type=service, provided_names=COMPLETE)
        if state == S.DRAFT:
            return case
        path = {
            S.ACCEPTED: [Action.ACCEPT],
            S.IN_REVIEW: [Action.ACCEPT, Action.SUBMIT_REVIEW],
            S.COMPLETED: [Action.ACCEPT, Action.COMPLETE],
            S.COLLECTED: [Action.ACCEPT, Action.COMPLETE, Action.COLLECT],
            S.REJECTED: [Action.REJECT],
            S.WITHDRAWN: [Action.WITHDRAW],
            S.SUSPENDED: [Action.ACCEPT, Action.SUSPEND],
        }[state]
        for action in path:
            case = move(case, chief, action)
        assert case.status == state
        return case

    return build


# What a station supervisor (who holds every counter action and approval) gets, by state and action:
# "ok", "conflict" (the state does not allow it) or "invalid" (allowed, but this case fails its check).
OK, CONFLICT, INVALID = "ok", "conflict", "invalid"
EXPECTED = {
    S.DRAFT: {Action.ACCEPT: OK, Action.ACCEPT_DEFICIENT: INVALID, Action.NOTIFY: INVALID, Action.REJECT: OK,
              Action.WITHDRAW: OK},
    S.AWAITING_MATERIALS: {Action.ACCEPT: OK, Action.ACCEPT_DEFICIENT: INVALID, Action.REJECT: OK,
                           Action.WITHDRAW: OK},  # no second notice: everything was told at once
    S.ACCEPTED_DEFICIENT: {Action.ACCEPT: OK, Action.REJECT: OK, Action.WITHDRAW: OK, Action.SUSPEND: OK},
    S.ACCEPTED: {Action.COMPLETE: OK, Action.SUBMIT_REVIEW: INVALID, Action.REJECT: OK, Action.WITHDRAW: OK,
                 Action.SUSPEND: OK},
    S.IN_REVIEW: {Action.APPROVE: OK, Action.REJECT: OK, Action.WITHDRAW: OK, Action.SUSPEND: OK},
    S.SUSPENDED: {Action.RESUME: OK, Action.WITHDRAW: OK},
    S.COMPLETED: {Action.COLLECT: OK},
    S.COLLECTED: {},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}  # fmt: skip
TARGET = {
    Action.ACCEPT: S.ACCEPTED, Action.REJECT: S.REJECTED, Action.WITHDRAW: S.WITHDRAWN, Action.SUSPEND: S.SUSPENDED,
    Action.COMPLETE: S.COMPLETED, Action.APPROVE: S.COMPLETED, Action.COLLECT: S.COLLECTED,
}  # fmt: skip


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_move_in_every_state(in_state, staff, state, action):
    case = in_state(state)
    before = (case.status, case.version, case.events.count())
    expected = EXPECTED[state].get(action, CONFLICT)

    if expected == OK:
        moved = move(case, staff["chief"], action)
        target = TARGET.get(action, S.ACCEPTED if action == Action.RESUME else None)
        assert moved.status == target
        assert moved.version == before[1] + 1
        event = moved.events.last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            action, state, target, staff["chief"]
        )  # fmt: skip
        return
    with pytest.raises(Conflict if expected == CONFLICT else ValidationError):
        move(case, staff["chief"], action)
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == before  # nothing half-done


# --- roles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "state", "action", "allowed"),
    [
        ("officer", S.DRAFT, Action.ACCEPT, True),
        ("officer", S.ACCEPTED, Action.COMPLETE, True),
        ("officer", S.IN_REVIEW, Action.APPROVE, False),
        ("officer", S.IN_REVIEW, Action.REJECT, False),
        ("officer", S.IN_REVIEW, Action.SUSPEND, True),
        ("officer2", S.DRAFT, Action.ACCEPT, True),  # a colleague at the same station
        ("auxiliary", S.DRAFT, Action.ACCEPT, False),
        ("auxiliary", S.DRAFT, Action.REJECT, False),
        ("auxiliary", S.ACCEPTED, Action.COMPLETE, False),
        ("chief", S.IN_REVIEW, Action.APPROVE, True),
        ("district", S.IN_REVIEW, Action.APPROVE, True),
        ("district", S.IN_REVIEW, Action.REJECT, True),
        ("district", S.DRAFT, Action.ACCEPT, False),
        ("district", S.ACCEPTED, Action.COMPLETE, False),
        ("city", S.IN_REVIEW, Action.APPROVE, True),
        ("admin", S.DRAFT, Action.ACCEPT, False),
        ("admin", S.IN_REVIEW, Action.APPROVE, False),
        ("other_officer", S.DRAFT, Action.ACCEPT, False),
        ("other_district", S.IN_REVIEW, Action.APPROVE, False),
    ],
)
def test_who_may_move_a_case(in_state, staff, role, state, action, allowed):
    case = in_state(state)
    if allowed:
        assert move(case, staff[role], action).status != state
    else:
        with pytest.raises(PermissionDenied):
            move(case, staff[role], action)
        case.refresh_from_db()
        assert case.status == state


def test_auxiliary_staff_draft_and_record_materials_only(staff, mixed):
    aux = staff["auxiliary"]
    case = make_case(actor=aux, service_type=mixed, provided_names=["身份证"])
    assert case.status == S.DRAFT and case.officer == aux
    case = provide(case, aux, "户口簿")
    assert case.materials.count() == 2
    with pytest.raises(PermissionDenied, match="不具有执法资格"):
        move(case, aux, Action.NOTIFY)


def test_admins_and_other_units_cannot_take_in_cases(staff, mixed):
    for role in ("admin", "district"):
        with pytest.raises(PermissionDenied):
            make_case(actor=staff[role], service_type=mixed)


# --- the rules of each move ---------------------------------------------------------------


def test_accept_refuses_while_something_is_missing_and_names_it(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
    with pytest.raises(ValidationError) as error:
        move(case, staff["officer"], Action.ACCEPT)
    message = error.value.message_dict["action"][0]
    assert "户口簿" in message and "出生证明（任选其一）" in message


def test_the_notice_lists_exactly_the_missing_items_once(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证", "照片"],
                     facts={"minor": True, "by_agent": False})  # fmt: skip
    expected = [item.name for item in case_decision(case).missing_items + case_decision(case).deferrable_missing_items]

    case = move(case, staff["officer"], Action.NOTIFY, note="请携带原件")

    notice = case.documents.get(kind=DocumentKind.ONE_TIME_NOTICE)
    assert [entry["name"] for entry in notice.content["missing"]] == expected
    assert expected == ["户口簿", "监护人身份证", "出生医学证明", "医院出具的出生证明", "户口簿复印件"]
    assert notice.content["note"] == "请携带原件"
    assert "第三十二条" in notice.content["legal_basis"]
    assert case.status == S.AWAITING_MATERIALS


def test_deficient_acceptance_needs_the_commitment_and_a_deadline_within_the_due_date(staff, mixed):
    officer = staff["officer"]
    case = make_case(actor=officer, service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"])
    with pytest.raises(ValidationError) as error:
        move(case, officer, Action.ACCEPT_DEFICIENT, commitment_signed=False)
    assert error.value.message_dict == {"commitment_signed": [case_services.COMMITMENT_REQUIRED]}

    with pytest.raises(ValidationError) as error:
        move(case, officer, Action.ACCEPT_DEFICIENT, supplement_due_on=date(2026, 11, 30), today=MONDAY)
    assert "不能晚于承诺办结日期（2026-11-23）" in error.value.message_dict["supplement_due_on"][0]

    case = move(case, officer, Action.ACCEPT_DEFICIENT, today=MONDAY)
    # 5 working days from Monday 16 November: Monday 23rd; the supplements default to 10 days, capped there.
    assert (case.accepted_on, case.due_on, case.supplement_due_on) == (MONDAY, date(2026, 11, 23), date(2026, 11, 23))
    assert case.commitment_signed_at is not None
    commitment = case.documents.get(kind=DocumentKind.COMMITMENT)
    assert [entry["name"] for entry in commitment.content["deferred"]] == ["户口簿复印件", "照片", "照相回执"]


def test_due_dates_count_working_days_across_national_day(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=COMPLETE)
    case = move(case, staff["officer"], Action.ACCEPT, today=date(2026, 9, 30))
    # 5 working days after 30 September 2026: 8, 9, 10 (a make-up Saturday), 12 and 13 October.
    assert case.due_on == date(2026, 10, 13)


def test_a_same_day_service_is_due_the_day_it_is_accepted(staff):
    same_day = make_service_type(time_limit_days=0)
    case = make_case(actor=staff["officer"], service_type=same_day, provided_names=COMPLETE)
    case = move(case, staff["officer"], Action.ACCEPT, today=MONDAY)
    assert case.due_on == MONDAY


def test_a_suspension_extends_the_due_date_by_the_working_days_it_lasted(staff, mixed):
    officer = staff["officer"]
    case = make_case(actor=officer, service_type=mixed, provided_names=COMPLETE)
    case = move(case, officer, Action.ACCEPT, today=MONDAY)
    assert case.due_on == date(2026, 11, 23)
    case = move(case, officer, Action.SUSPEND, today=date(2026, 11, 18))
    case = move(case, officer, Action.RESUME, today=date(2026, 11, 23))  # Thu, Fri, Mon: 3 working days
    assert case.status == S.ACCEPTED
    assert case.due_on == date(2026, 11, 26)


def test_suspending_needs_a_reason(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=COMPLETE)
    case = move(case, staff["officer"], Action.ACCEPT)
    with pytest.raises(ValidationError) as error:
        move(case, staff["officer"], Action.SUSPEND, note=" ")
    assert error.value.message_dict == {"note": [case_services.REASON_REQUIRED]}


def test_refusal_needs_a_legal_basis_and_issues_the_refusal_notice(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed)
    with pytest.raises(ValidationError) as error:
        move(case, staff["officer"], Action.REJECT, legal_basis="", note="")
    assert error.value.message_dict == {
        "legal_basis": [case_services.LEGAL_BASIS_REQUIRED],
        "note": [case_services.REFUSAL_REASON_REQUIRED],
    }
    basis = "《中华人民共和国户口登记条例》第十三条"
    case = move(case, staff["officer"], Action.REJECT, legal_basis=basis, note="不符合条件")
    refusal = case.documents.get(kind=DocumentKind.REFUSAL_NOTICE)
    assert refusal.content["legal_basis"] == "《中华人民共和国户口登记条例》第十三条"
    assert refusal.content["reason"] == "不符合条件"


def test_an_approval_service_is_completed_by_approval_not_by_the_officer(staff, approval_service):
    case = make_case(actor=staff["officer"], service_type=approval_service, provided_names=COMPLETE)
    case = move(case, staff["officer"], Action.ACCEPT)
    with pytest.raises(ValidationError, match="须经审批"):
        move(case, staff["officer"], Action.COMPLETE)
    case = move(case, staff["officer"], Action.SUBMIT_REVIEW)
    case = move(case, staff["district"], Action.APPROVE)
    assert case.status == S.COMPLETED and case.completed_at is not None


# --- versions, visits, events -------------------------------------------------------------


def test_a_stale_version_is_refused_with_who_and_when(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=COMPLETE)
    seen = case.version
    move(case, staff["officer2"], Action.ACCEPT, version=seen)

    with pytest.raises(Conflict) as error:
        move(case, staff["officer"], Action.WITHDRAW, version=seen)
    assert "已被测试" in error.value.message and "修改，请刷新后重试" in error.value.message
    case.refresh_from_db()
    assert case.status == S.ACCEPTED


def test_trips_count_each_day_the_citizen_comes_in_person(staff, mixed):
    officer = staff["officer"]
    case = make_case(actor=officer, service_type=mixed, provided_names=["身份证"], today=MONDAY)
    case = move(case, officer, Action.NOTIFY, today=MONDAY)
    assert case.trips == 1  # intake and the notice: one visit
    items = items_by_name(mixed)
    case = case_record_materials(case=case, actor=officer, provided=[items[n].pk for n in COMPLETE[1:]],
                                 today=date(2026, 11, 18))  # fmt: skip
    case = move(case, officer, Action.ACCEPT, today=date(2026, 11, 18))
    assert case.trips == 2
    case = move(case, officer, Action.COMPLETE, today=date(2026, 11, 18))
    case = move(case, officer, Action.COLLECT, today=date(2026, 11, 18))
    assert case.trips == 2  # collected on the same visit
    assert [e.action for e in case.events.all()] == ["create", "notify", "materials", "accept", "complete", "collect"]


def test_online_cases_count_no_trips_and_a_return_visit_counts_once(staff, mixed):
    online = make_case(actor=staff["officer"], service_type=mixed, channel="online")
    assert online.trips == 0
    case = make_case(actor=staff["officer"], service_type=mixed, today=MONDAY)
    case = case_record_visit(case=case, actor=staff["officer"], today=date(2026, 11, 17))
    case = case_record_visit(case=case, actor=staff["officer"], today=date(2026, 11, 17))
    assert case.trips == 2
    assert [e.action for e in case.events.all()] == ["create", "visit"]


def test_intake_reports_every_bad_field_at_once_and_saves_nothing(staff, mixed):
    from hukou.models import Case

    with pytest.raises(ValidationError) as error:
        case_create(
            actor=staff["officer"], service_type=mixed, applicant_name=" ", id_number="110105194912310021",
            phone="12345", facts={"colour": True}, provided=[999999], window=None,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"applicant_name", "id_number", "phone", "facts", "provided"}
    assert not Case.objects.exists()


def test_case_numbers_are_readable_and_sequential_per_station_and_day(staff, mixed):
    first = make_case(actor=staff["officer"], service_type=mixed, today=MONDAY)
    second = make_case(actor=staff["officer2"], service_type=mixed, today=MONDAY)
    assert (first.number, second.number) == ("S1-20261116-0001", "S1-20261116-0002")


def test_a_window_of_another_station_is_refused(staff, mixed, org):
    from windows.tests.factories import ServiceWindowFactory

    foreign = ServiceWindowFactory(station=org["west_station"], number=1)
    with pytest.raises(ValidationError) as error:
        make_case(actor=staff["officer"], service_type=mixed, window=foreign)
    assert error.value.message_dict == {"window": [case_services.WINDOW_NOT_HERE]}


# --- people -------------------------------------------------------------------------------


def test_revealing_the_id_number_is_for_the_receiver_or_a_supervisor_and_is_logged(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, id_number=ID_NUMBERS[3])
    assert case_reveal_id_number(case=case, actor=staff["officer"]) == ID_NUMBERS[3]
    assert case_reveal_id_number(case=case, actor=staff["chief"]) == ID_NUMBERS[3]
    for role in ("officer2", "auxiliary", "other_officer", "other_district"):
        with pytest.raises(PermissionDenied):
            case_reveal_id_number(case=case, actor=staff[role])
    assert list(IdNumberAccess.objects.values_list("user__username", flat=True).order_by("at")) == ["officer", "chief"]


def test_a_supervisor_reassigns_to_a_sworn_officer_of_the_station(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed)
    with pytest.raises(PermissionDenied):
        case_reassign(case=case, actor=staff["officer"], officer=staff["officer2"])
    for target in ("auxiliary", "other_officer"):
        with pytest.raises(ValidationError):
            case_reassign(case=case, actor=staff["chief"], officer=staff[target])
    case = case_reassign(case=case, actor=staff["chief"], officer=staff["officer2"], note="休假")
    assert case.officer == staff["officer2"]
    assert case.events.last().action == Action.REASSIGN


def test_documents_are_numbered_per_station_and_year(staff, mixed):
    for _ in range(2):
        case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
        move(case, staff["officer"], Action.NOTIFY, today=MONDAY)
    numbers = list(CaseDocument.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == ["BZS1202600001", "BZS1202600002"]


def test_a_move_is_recorded_at_the_window_the_officer_serves_at(staff, mixed, org):
    """The counter device of that window reacts to the event; another station's window is not taken."""
    from windows.tests.factories import ServiceWindowFactory

    second = ServiceWindowFactory(station=org["east_station"], number=2)
    foreign = ServiceWindowFactory(station=org["west_station"], number=1)
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=COMPLETE, window=staff["window"])
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, window=second)
    assert case.events.get(action=Action.ACCEPT).window == second
    assert case.window == staff["window"]  # the case keeps the window it was taken in at
    case = case_transition(case=case, actor=staff["officer"], action=Action.COMPLETE, window=foreign)
    assert case.events.get(action=Action.COMPLETE).window == staff["window"]
