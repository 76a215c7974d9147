"""The texts a case sends the citizen (hukou.services.sms): the completion notice and the copy of a
one-time notice, written in the transaction of the move that causes them and sent once it commits.
(The 容缺 reminder is the deadline job's: see test_deadlines.)"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hukou.models import CaseEvent, CaseStatus, DocumentKind
from hukou.services import Action, case_transition
from hukou.services import sms as case_sms
from hukou.tests.factories import make_case, make_service_type
from notices.models import Purpose, SmsMessage, SmsStatus, SmsTemplate
from windows.errors import Conflict
from windows.models import Unit

pytestmark = pytest.mark.django_db
S = CaseStatus

PERMIT_COMPLETE = ["居民身份证", "居住证明"]
HOURS = "工作日 9:00-12:00、13:30-17:00"
FRIDAY, SATURDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)


@pytest.fixture
def station(org):
    Unit.objects.filter(pk=org["east_station"].pk).update(hours=HOURS)
    return org["east_station"]


@pytest.fixture
def accepted(staff, permit, station):
    """A residence permit at window 1, taken in and accepted on Friday 20 November 2026."""
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=PERMIT_COMPLETE,
                     window=staff["window"], phone="13912345678", today=FRIDAY)  # fmt: skip
    return case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=FRIDAY)


@pytest.fixture
def published(monkeypatch):
    """What the commit would hand Celery: the ids of the messages published to the send task."""
    from notices.tasks import send_sms

    ids = []
    monkeypatch.setattr(send_sms, "apply_async", lambda args, **options: ids.append(args[0]))
    return ids


def complete(case, actor, today=SATURDAY):
    return case_transition(case=case, actor=actor, action=Action.COMPLETE, version=case.version, today=today)


def break_template(purpose):
    SmsTemplate.objects.filter(purpose=purpose).update(text="${station}办理的${service}：${unknown}")


# --- completion -----------------------------------------------------------------------------------


def test_completing_a_case_queues_one_completion_sms_sent_once_the_move_commits(
    accepted, staff, station, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = complete(accepted, staff["officer"])
    message = SmsMessage.objects.get()
    assert message.text == (
        f"您在东关派出所办理的居住证申领（一年期）已办结，请于11月23日起{HOURS}携带受理回执和申请人本人的居民身份证"
        f"到1号窗口领取。办件号{case.number}。"
    )  # completed on a Saturday: collect from Monday
    assert message.purpose == Purpose.COMPLETION and message.phone == "13912345678"
    assert message.reference == case.number and message.unit == station
    assert message.idempotency_key == f"case:{case.pk}:completion"
    assert message.status == SmsStatus.QUEUED and message.params["window"] == "1号窗口"
    assert published == [message.pk]  # handed to the send task when the transaction committed


def test_the_sms_is_not_published_before_the_move_commits(
    accepted, staff, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete(accepted, staff["officer"])
    assert SmsMessage.objects.count() == 1
    assert published == [] and len(callbacks) == 1


def test_completed_on_a_working_day_collect_from_that_day_at_the_registry_window_when_there_is_none(
    staff, permit, station
):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=PERMIT_COMPLETE, today=FRIDAY)
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT, today=FRIDAY)
    complete(case, staff["officer"], today=MONDAY)
    params = SmsMessage.objects.get().params
    assert params["date"] == "11月23日" and params["window"] == "户籍窗口"


def test_the_sms_says_what_the_status_lookup_says_about_the_pickup(accepted, staff):
    from hukou.services.status import PICKUP_BRING, case_status_lookup

    case = complete(accepted, staff["officer"])
    pickup = case_status_lookup(number=case.number, phone_suffix="5678").pickup
    params = SmsMessage.objects.get().params
    assert params["station"] == pickup.station and params["hours"] == pickup.hours
    assert params["bring"] == "和".join(str(thing) for thing in PICKUP_BRING)
    assert params["window"] == pickup.window_label


def test_completing_twice_is_refused_and_the_key_keeps_it_to_one_message(accepted, staff, published):
    case = complete(accepted, staff["officer"])
    with pytest.raises(Conflict):
        complete(case, staff["officer"])
    again = case_sms.case_sms_completion(case=case, today=MONDAY)  # as if the service ran again
    assert again == SmsMessage.objects.get()
    assert SmsMessage.objects.count() == 1


def test_approval_completes_the_case_and_sends_the_sms(staff, station):
    service = make_service_type(needs_supervisor_approval=True, name="户口迁入测试")
    case = make_case(actor=staff["officer"], service_type=service,
                     provided_names=["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"])  # fmt: skip
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT)
    case = case_transition(case=case, actor=staff["officer"], action=Action.SUBMIT_REVIEW)
    assert not SmsMessage.objects.exists()
    case = case_transition(case=case, actor=staff["chief"], action=Action.APPROVE)
    message = SmsMessage.objects.get()
    assert message.purpose == Purpose.COMPLETION and message.params["service"] == "户口迁入测试"


def test_no_other_move_sends_a_completion_sms(accepted, staff):
    case = case_transition(case=accepted, actor=staff["officer"], action=Action.SUSPEND, note="待核查")
    case = case_transition(case=case, actor=staff["officer"], action=Action.RESUME)
    case_transition(case=case, actor=staff["officer"], action=Action.WITHDRAW)
    assert not SmsMessage.objects.exists()


def test_a_move_that_fails_writes_no_message(staff, station):
    service = make_service_type(needs_supervisor_approval=True)
    case = make_case(actor=staff["officer"], service_type=service,
                     provided_names=["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"])  # fmt: skip
    case = case_transition(case=case, actor=staff["officer"], action=Action.ACCEPT)
    with pytest.raises(ValidationError):
        complete(case, staff["officer"])  # needs approval
    assert not SmsMessage.objects.exists()


def test_a_crash_after_the_message_was_written_undoes_the_completion_and_the_message(
    accepted, staff, monkeypatch, published, django_capture_on_commit_callbacks
):
    real = case_sms.sms_enqueue

    def crash(**kwargs):
        real(**kwargs)
        assert SmsMessage.objects.count() == 1  # written, in the move's transaction
        raise RuntimeError("worker killed")

    monkeypatch.setattr(case_sms, "sms_enqueue", crash)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        complete(accepted, staff["officer"])
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and accepted.completed_at is None
    assert not CaseEvent.objects.filter(case=accepted, action=Action.COMPLETE).exists()
    assert not SmsMessage.objects.exists()
    assert callbacks == [] and published == []


def test_a_template_that_cannot_be_filled_stops_the_completion_with_a_clear_message(accepted, staff):
    break_template(Purpose.COMPLETION)
    with pytest.raises(ValidationError) as raised:
        complete(accepted, staff["officer"])
    message = raised.value.message_dict["action"][0]
    assert message.startswith("“办结通知”短信无法生成（短信模板“办结通知”缺少参数：unknown），本次操作未执行。")
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and not SmsMessage.objects.exists()


def test_a_deleted_template_comes_back_with_the_shipped_text_and_the_case_completes(accepted, staff):
    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).delete()
    case = complete(accepted, staff["officer"])
    assert case.status == S.COMPLETED
    assert SmsMessage.objects.get().text.startswith("您在东关派出所办理的居住证申领（一年期）已办结")


def test_a_case_without_a_mobile_number_completes_without_an_sms(accepted, staff):
    # The intake takes mobile numbers only (a case must have one); an older record may hold a landline.
    type(accepted).objects.filter(pk=accepted.pk).update(phone="05311234567")
    accepted.refresh_from_db()
    case = complete(accepted, staff["officer"])
    assert case.status == S.COMPLETED and not SmsMessage.objects.exists()


def test_dates_read_as_month_and_day_and_pickup_waits_for_a_working_day():
    assert case_sms.month_day(date(2026, 11, 3)) == "11月3日"
    assert case_sms.pickup_from(date(2026, 10, 1)) == date(2026, 10, 8)  # National Day
    assert case_sms.pickup_from(date(2026, 10, 10)) == date(2026, 10, 10)  # a make-up Saturday
    assert case_sms.pickup_from(date(2026, 10, 11)) == date(2026, 10, 12)


# --- the copy of a one-time notice ------------------------------------------------------------------


def test_a_notice_with_send_sms_queues_its_copy_with_the_missing_list(staff, mixed, station):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
    case = case_transition(case=case, actor=staff["officer"], action=Action.NOTIFY, send_sms=True)
    notice = case.documents.get(kind=DocumentKind.ONE_TIME_NOTICE)
    message = SmsMessage.objects.get()
    assert message.purpose == Purpose.NOTICE_COPY
    assert message.idempotency_key == f"case:{case.pk}:notice_copy:{notice.pk}"
    assert message.params["missing"] == "户口簿、出生医学证明或医院出具的出生证明、户口簿复印件、照片或照相回执"
    assert message.text == (
        f"您在东关派出所申请的出生登记测试（办件号{case.number}）需补正材料：户口簿、出生医学证明或医院出具的出生证明、"
        "户口簿复印件、照片或照相回执。请带齐材料和补正材料通知书到窗口办理。"
    )
    assert message.reference == case.number and message.unit == station


def test_a_notice_without_send_sms_sends_nothing(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
    case_transition(case=case, actor=staff["officer"], action=Action.NOTIFY)
    assert not SmsMessage.objects.exists()


def test_send_sms_on_another_move_sends_no_copy(staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
    case_transition(case=case, actor=staff["officer"], action=Action.WITHDRAW, send_sms=True)
    assert not SmsMessage.objects.exists()


def test_a_notice_copy_that_cannot_be_written_issues_no_notice(staff, mixed):
    break_template(Purpose.NOTICE_COPY)
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证"])
    with pytest.raises(ValidationError) as raised:
        case_transition(case=case, actor=staff["officer"], action=Action.NOTIFY, send_sms=True)
    assert raised.value.message_dict["action"][0].startswith("“告知单”短信无法生成")
    case.refresh_from_db()
    assert case.status == S.DRAFT and not case.documents.exists()
