"""The SMS outbox's services, on the real database, with time frozen (Asia/Shanghai).

The provider is a test double: small ``Backend`` subclasses that return ids or raise ``Throttled``,
``TransientError`` or ``PermanentError`` and count their calls (the real providers are tested in
test_backends.py and test_reliability.py). The broker's side of a publish is recorded, not sent (the
autouse ``published`` fixture), so that no test leaves tasks in a shared Redis; a real worker on a real
Redis is test_reliability.py's business.
"""

import contextlib
import logging
import threading
import time
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from kombu.exceptions import OperationalError

from notices.backends import Backend, PermanentError, Throttled, TransientError
from notices.models import Purpose, SmsMessage, SmsStatus, SmsTemplate
from notices.phones import PHONE_INVALID
from notices.services import (
    enqueue,
    retry_delay,
    sms_enqueue,
    sms_receipt,
    sms_retry,
    sms_send,
    sms_sweep,
)
from notices.tasks import send_sms, sweep_sms
from notices.tests.factories import COMPLETION_PARAMS, make_sms
from windows.errors import Conflict
from windows.models import Role
from windows.tests.factories import StaffFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13800138000"
OTHER_PHONE = "13900139000"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of November 2026, Shanghai time (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


NOON = at(23, 12)


def frozen(when: datetime):
    return time_machine.travel(when, tick=False)


def reload(message: SmsMessage) -> SmsMessage:
    return SmsMessage.objects.get(pk=message.pk)


# --- test doubles ---------------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """What a worker killed in the middle of a provider call looks like to the code: the call never
    returns and nothing after it runs (a BaseException, so no ``except Exception`` catches it)."""


class ScriptedBackend(Backend):
    """Plays its ``outcomes`` in order, one per send (an id is returned, an exception raised), then
    answers ``ok-<n>``; ``found`` is what ``find_sent`` answers (or raises). Counts every call."""

    name = "scripted"

    def __init__(self, *outcomes, found=None):
        self.outcomes = list(outcomes)
        self.found = found
        self.sent: list[int] = []
        self.asked: list[int] = []

    def send(self, message) -> str:
        self.sent.append(message.pk)
        outcome = self.outcomes.pop(0) if self.outcomes else f"ok-{len(self.sent)}"
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def find_sent(self, message) -> str | None:
        self.asked.append(message.pk)
        if isinstance(self.found, BaseException):
            raise self.found
        return self.found


class CountingBackend(Backend):
    """Chosen by ``SMS_BACKEND`` (a dotted path) for the tasks, which build their own backend."""

    name = "counting"
    sent: list[int] = []

    def send(self, message) -> str:
        CountingBackend.sent.append(message.pk)
        return f"counting-{message.pk}"


@pytest.fixture(autouse=True)
def published():
    """Every send task published, as ``(message id, countdown)``."""
    calls = []

    def record(args, countdown=None, **options):
        calls.append((args[0], countdown))

    with mock.patch.object(send_sms._get_current_object(), "apply_async", side_effect=record):
        yield calls


@pytest.fixture
def broker_down():
    """The publish fails as kombu fails when Redis does not answer."""
    error = OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
    with mock.patch.object(send_sms._get_current_object(), "apply_async", side_effect=error) as publish:
        yield publish


@pytest.fixture
def unit(org):
    return org["east_station"]


def send_at(when: datetime, message: SmsMessage, backend: Backend) -> SmsMessage | None:
    with frozen(when):
        return sms_send(message_id=message.pk, backend=backend)


def queue_at(when: datetime, unit, **kwargs) -> SmsMessage:
    with frozen(when):
        return make_sms(unit=unit, **kwargs)


def sent_at(when: datetime, unit, phone: str = PHONE, backend: Backend | None = None) -> SmsMessage:
    """A message to ``phone`` queued and handed to the provider at ``when``."""
    message = queue_at(when, unit, phone=phone)
    result = send_at(when, message, backend or ScriptedBackend())
    assert result.status == SmsStatus.SENT, (when, result.status, result.last_error)
    return result


# --- sms_enqueue ----------------------------------------------------------------------------------


@frozen(NOON)
def test_enqueue_writes_the_rendered_text_and_the_normalised_phone(unit):
    message = sms_enqueue(
        purpose=Purpose.COMPLETION, phone="+86 138-0013-8000", params={**COMPLETION_PARAMS, "number": 17},
        unit=unit, idempotency_key="case:17:completed", reference="S1-20261121-0017",
    )  # fmt: skip

    message = reload(message)
    assert message.phone == PHONE
    assert message.text == (
        "您在东关派出所办理的居住证办理已办结，请于11月23日起工作日9:00-17:00携带受理回执和身份证到3号窗口领取。办件号17。"
    )
    assert message.params["number"] == "17"  # stored as the provider gets them: strings
    assert message.template == SmsTemplate.objects.get(purpose=Purpose.COMPLETION)
    assert (message.status, message.attempts, message.urgent) == (SmsStatus.QUEUED, 0, False)
    assert (message.send_after, message.created_at, message.enqueued_at) == (NOON, NOON, None)
    assert (message.unit, message.reference) == (unit, "S1-20261121-0017")


@frozen(NOON)
def test_enqueue_is_idempotent_by_key(unit, django_capture_on_commit_callbacks, published):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = make_sms(unit=unit, key="case:1:completed")
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = make_sms(
            unit=unit, key="case:1:completed", phone=OTHER_PHONE, params={**COMPLETION_PARAMS, "date": "明天"}
        )

    assert second.pk == first.pk
    assert SmsMessage.objects.count() == 1
    assert reload(first).phone == PHONE and "11月23日" in reload(first).text  # the first one stands
    assert (len(callbacks), len(again)) == (1, 0)
    assert published == [(first.pk, None)]


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "23800138000", "", "+1 4155550100"])
def test_enqueue_refuses_a_phone_that_is_not_a_mainland_mobile_and_saves_nothing(
    unit, phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as excinfo:
        make_sms(unit=unit, phone=phone)

    assert excinfo.value.messages == [PHONE_INVALID]
    assert not SmsMessage.objects.exists()
    assert callbacks == []


def test_enqueue_refuses_missing_parameters_and_saves_nothing(unit, django_capture_on_commit_callbacks):
    params = {k: v for k, v in COMPLETION_PARAMS.items() if k not in ("date", "window")}

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as excinfo:
        make_sms(unit=unit, params=params)

    assert excinfo.value.message_dict == {"params": ["短信模板“办结通知”缺少参数：date、window"]}
    assert not SmsMessage.objects.exists()
    assert callbacks == []


def test_enqueue_puts_back_the_shipped_template_of_a_purpose_that_has_none(unit):
    from notices.models import DEFAULT_TEXTS

    SmsTemplate.objects.filter(purpose=Purpose.RATING_INVITATION).delete()
    params = {"station": "东关派出所", "service": "居住证办理", "link": "https://e.example/r/1"}

    message = make_sms(unit=unit, purpose=Purpose.RATING_INVITATION, params=params)

    assert message.template.text == DEFAULT_TEXTS[Purpose.RATING_INVITATION]
    assert (
        message.text == "您在东关派出所办理的居住证办理已办结，欢迎评价我们的服务：https://e.example/r/1 （7日内有效）"
    )


@frozen(NOON)
def test_enqueue_hands_the_message_to_celery_when_the_transaction_commits(
    unit, django_capture_on_commit_callbacks, published
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = make_sms(unit=unit)
        assert published == []  # not before the commit

    assert published == [(message.pk, None)]
    assert reload(message).enqueued_at == NOON


@frozen(NOON)
def test_enqueue_for_a_few_minutes_later_publishes_with_a_countdown(
    unit, django_capture_on_commit_callbacks, published
):
    with django_capture_on_commit_callbacks(execute=True):
        message = make_sms(unit=unit, send_after=NOON + timedelta(minutes=2))

    assert published == [(message.pk, 120.0)]
    assert reload(message).enqueued_at == NOON


def test_enqueue_for_much_later_leaves_it_to_the_sweeper(unit, django_capture_on_commit_callbacks, published):
    with frozen(NOON), django_capture_on_commit_callbacks(execute=True):
        message = make_sms(unit=unit, send_after=NOON + timedelta(hours=1))
    assert published == []
    assert reload(message).enqueued_at is None

    with frozen(NOON + timedelta(minutes=59)):
        assert sms_sweep(backend=ScriptedBackend())["published"] == 0
    with frozen(NOON + timedelta(hours=1)):
        assert sms_sweep(backend=ScriptedBackend())["published"] == 1
    assert published == [(message.pk, None)]


def test_an_unreachable_broker_is_logged_and_the_message_waits_for_the_sweeper(
    unit, django_capture_on_commit_callbacks, broker_down, caplog, published
):
    with (
        frozen(NOON),
        caplog.at_level(logging.WARNING, logger="notices.sms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = make_sms(unit=unit)  # no exception reaches the caller

    assert broker_down.call_count >= 1
    assert "the task queue cannot be reached" in caplog.text
    message = reload(message)
    assert (message.status, message.enqueued_at) == (SmsStatus.QUEUED, None)

    broker_down.side_effect = None  # Redis is back: the next sweep hands it over
    with frozen(NOON + timedelta(minutes=1)):
        assert sms_sweep(backend=ScriptedBackend())["published"] == 1
    assert reload(message).enqueued_at == NOON + timedelta(minutes=1)


@frozen(NOON)
def test_enqueue_publishes_each_message_and_records_only_those_published(unit, published):
    first, second = make_sms(unit=unit), make_sms(unit=unit, phone=OTHER_PHONE)

    assert enqueue([first.pk, second.pk]) == 2
    assert published == [(first.pk, None), (second.pk, None)]
    assert reload(first).enqueued_at == reload(second).enqueued_at == NOON


# --- sms_send: the outcomes of one attempt ----------------------------------------------------------


def test_a_message_is_sent_through_the_backend(unit):
    message = queue_at(NOON, unit)
    backend = ScriptedBackend("biz-42")

    result = send_at(NOON + timedelta(seconds=5), message, backend)

    assert backend.sent == [message.pk]
    message = reload(message)
    assert result == message
    assert (message.status, message.provider, message.provider_message_id) == (SmsStatus.SENT, "scripted", "biz-42")
    assert (message.attempts, message.last_error) == (1, "")
    assert message.sending_started_at == message.sent_at == NOON + timedelta(seconds=5)


def test_the_quick_start_database_backend_records_the_message_as_sent(unit, settings, caplog):
    settings.SMS_BACKEND = "database"
    message = queue_at(NOON, unit)

    with frozen(NOON), caplog.at_level(logging.INFO, logger="notices.sms"):
        result = sms_send(message_id=message.pk)  # the configured backend

    assert (result.status, result.provider, result.provider_message_id) == (
        SmsStatus.SENT,
        "database",
        f"db-{message.pk}",
    )
    assert "138****8000" in caplog.text and PHONE not in caplog.text


def test_running_the_send_twice_sends_once(unit):
    message = queue_at(NOON, unit)
    backend = ScriptedBackend()

    first = send_at(NOON, message, backend)
    second = send_at(NOON + timedelta(minutes=2), message, backend)

    assert first.status == SmsStatus.SENT
    assert second is None
    assert backend.sent == [message.pk]
    assert reload(message).attempts == 1


def test_a_second_run_while_the_first_is_with_the_provider_does_not_send(unit):
    message = queue_at(NOON, unit)
    inner_results = []

    class ReentrantBackend(ScriptedBackend):
        def send(self, msg):
            inner_results.append(sms_send(message_id=msg.pk, backend=self))  # the second run
            return super().send(msg)

    backend = ReentrantBackend()
    result = send_at(NOON, message, backend)

    assert inner_results == [None]
    assert backend.sent == [message.pk]
    assert result.status == SmsStatus.SENT


@pytest.mark.parametrize("status", [SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.FAILED])
def test_a_message_that_is_not_waiting_is_not_sent(unit, status):
    message = queue_at(NOON, unit)
    SmsMessage.objects.filter(pk=message.pk).update(status=status, sending_started_at=NOON)
    backend = ScriptedBackend()

    assert send_at(NOON + timedelta(hours=1), message, backend) is None
    assert backend.sent == []
    assert reload(message).status == status


def test_a_message_due_later_is_not_sent_before_its_time(unit, django_capture_on_commit_callbacks, published):
    message = queue_at(NOON, unit, send_after=NOON + timedelta(minutes=3))
    backend = ScriptedBackend()

    with frozen(NOON + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        early = sms_send(message_id=message.pk, backend=backend)

    assert backend.sent == []
    assert (early.status, reload(message).attempts) == (SmsStatus.QUEUED, 0)
    assert published == [(message.pk, 120.0)]  # handed over again for its time
    assert send_at(NOON + timedelta(minutes=3), message, backend).status == SmsStatus.SENT
    assert backend.sent == [message.pk]


def test_a_permanent_error_fails_the_message_with_the_reason(unit, caplog):
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(PermanentError("isv.MOBILE_NUMBER_ILLEGAL: 手机号码格式错误"))

    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        result = send_at(NOON, message, backend)

    assert (result.status, result.last_error) == (SmsStatus.FAILED, "isv.MOBILE_NUMBER_ILLEGAL: 手机号码格式错误")
    assert (result.failed_at, result.attempts) == (NOON, 1)
    assert "failed for good" in caplog.text
    assert send_at(NOON + timedelta(hours=1), message, backend) is None  # not tried again
    assert backend.sent == [message.pk]


def test_retry_delay_doubles_from_the_base_up_to_the_cap(settings):
    settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_MAX_SECONDS = 30, 3600

    assert [retry_delay(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip


def test_transient_errors_retry_with_exponential_backoff_then_fail_with_the_reason(
    unit, settings, django_capture_on_commit_callbacks, published
):
    settings.SMS_MAX_ATTEMPTS, settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_MAX_SECONDS = 5, 30, 100
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(*[TransientError("网关超时")] * 10)
    when = NOON

    for attempt, delay in enumerate([30, 60, 100, 100], start=1):
        with frozen(when), django_capture_on_commit_callbacks(execute=True):
            result = sms_send(message_id=message.pk, backend=backend)
        assert (result.status, result.attempts, result.last_error) == (SmsStatus.QUEUED, attempt, "网关超时")
        assert result.send_after == when + timedelta(seconds=delay)
        assert published[-1] == (message.pk, float(delay))
        # Not before its time.
        assert send_at(when + timedelta(seconds=delay - 1), message, backend).attempts == attempt
        when += timedelta(seconds=delay)

    result = send_at(when, message, backend)

    assert (result.status, result.attempts, result.failed_at) == (SmsStatus.FAILED, 5, when)
    assert result.last_error == "重试5次仍失败：网关超时"
    assert len(backend.sent) == 5


def test_after_a_transient_error_the_provider_is_asked_before_the_message_is_sent_again(unit):
    """A timeout may come after the provider took the message: the next attempt asks first."""
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(TransientError("读取超时"), found="biz-taken")

    assert send_at(NOON, message, backend).status == SmsStatus.QUEUED
    result = send_at(NOON + timedelta(seconds=30), message, backend)

    assert backend.asked == [message.pk]
    assert backend.sent == [message.pk]  # not a second time
    assert (result.status, result.provider_message_id) == (SmsStatus.SENT, "biz-taken")


def test_after_a_transient_error_and_a_deferral_the_provider_is_still_asked_first(unit):
    """The retry of a timed-out message falls in the quiet hours and is deferred to the morning; in the
    morning it must still ask the provider before sending, or the citizen gets it twice."""
    message = queue_at(at(23, 20, 59, 50), unit)
    backend = ScriptedBackend(TransientError("读取超时"), found="biz-taken")
    assert send_at(at(23, 20, 59, 50), message, backend).send_after == at(23, 21, 0, 20)
    assert send_at(at(23, 21, 0, 20), message, backend).status == SmsStatus.DEFERRED

    result = send_at(at(24, 8), message, backend)

    assert backend.sent == [message.pk]  # not a second time
    assert (result.status, result.provider_message_id) == (SmsStatus.SENT, "biz-taken")


def test_an_unexpected_exception_from_a_backend_is_retried_like_a_transient_error(unit, caplog):
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(ValueError("SDK: unexpected response"))

    with caplog.at_level(logging.ERROR, logger="notices.sms"):
        result = send_at(NOON, message, backend)

    assert (result.status, result.last_error) == (SmsStatus.QUEUED, "SDK: unexpected response")
    assert result.send_after == NOON + timedelta(seconds=30)
    assert "unexpected error from the scripted backend" in caplog.text
    assert send_at(NOON + timedelta(seconds=30), message, backend).status == SmsStatus.SENT


def test_provider_throttling_defers_the_message_and_it_is_sent_later(unit, settings):
    settings.SMS_THROTTLED_RETRY_SECONDS = 45
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(Throttled("触发号码天级流控", retry_after=90), Throttled("触发分钟级流控"))

    first = send_at(NOON, message, backend)
    assert (first.status, first.send_after) == (SmsStatus.DEFERRED, NOON + timedelta(seconds=90))
    assert first.last_error == "短信平台限流：触发号码天级流控"

    second = send_at(NOON + timedelta(seconds=90), message, backend)
    assert (second.status, second.send_after) == (SmsStatus.DEFERRED, NOON + timedelta(seconds=135))

    assert send_at(NOON + timedelta(seconds=135), message, backend).status == SmsStatus.SENT
    assert len(backend.sent) == 3


def test_provider_throttling_does_not_use_up_the_attempts_of_transient_errors(unit, settings):
    """Throttling is "try again later" (a deferral), not a failed attempt: a message the provider throttled
    a few times still gets its retries and its first backoff step when a transient error comes."""
    settings.SMS_MAX_ATTEMPTS, settings.SMS_THROTTLED_RETRY_SECONDS, settings.SMS_RETRY_BASE_SECONDS = 3, 60, 30
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(*[Throttled("流控")] * 3, TransientError("超时"))
    when = NOON
    for _ in range(3):
        assert send_at(when, message, backend).status == SmsStatus.DEFERRED
        when += timedelta(seconds=60)

    result = send_at(when, message, backend)

    assert (result.status, result.last_error) == (SmsStatus.QUEUED, "超时")
    assert result.send_after == when + timedelta(seconds=30)
    assert send_at(when + timedelta(seconds=30), message, backend).status == SmsStatus.SENT


# --- quiet hours (21:00–08:00 local) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "morning"),
    [
        (at(23, 22, 30), at(24, 8)),
        (at(23, 21, 0, 0), at(24, 8)),
        (at(23, 23, 59, 59), at(24, 8)),
        (at(24, 0, 0, 0), at(24, 8)),
        (at(24, 3, 15), at(24, 8)),
        (at(24, 7, 59, 59), at(24, 8)),
    ],
)
def test_a_message_due_in_the_quiet_hours_waits_until_eight(unit, now, morning):
    message = queue_at(now, unit)
    backend = ScriptedBackend()

    deferred = send_at(now, message, backend)

    assert backend.sent == []
    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, morning)
    assert deferred.last_error == "夜间免打扰时段，早上发送"
    assert deferred.attempts == 0
    # Never dropped: at eight it goes.
    assert send_at(morning - timedelta(seconds=1), message, backend).status == SmsStatus.DEFERRED
    assert send_at(morning, message, backend).status == SmsStatus.SENT
    assert backend.sent == [message.pk]


@pytest.mark.parametrize("now", [at(23, 8, 0, 0), at(23, 20, 59, 59)])
def test_a_message_outside_the_quiet_hours_goes_at_once(unit, now):
    message = queue_at(now, unit)

    assert send_at(now, message, ScriptedBackend()).status == SmsStatus.SENT


def test_an_urgent_message_ignores_the_quiet_hours(unit):
    message = queue_at(at(23, 23, 30), unit, urgent=True)

    assert send_at(at(23, 23, 30), message, ScriptedBackend()).status == SmsStatus.SENT


def test_quiet_hours_follow_the_setting(unit, settings):
    settings.SMS_QUIET_HOURS = (22, 7)
    late, later = queue_at(at(23, 21, 30), unit), queue_at(at(23, 21, 30), unit, phone=OTHER_PHONE)

    assert send_at(at(23, 21, 30), late, ScriptedBackend()).status == SmsStatus.SENT
    deferred = send_at(at(23, 22, 0), later, ScriptedBackend())
    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(24, 7))


# --- per-phone limits (1 a minute, 5 an hour, 10 a calendar day) ---------------------------------------


def test_a_second_message_within_a_minute_waits_until_a_minute_after_the_first_was_handed_over(unit):
    first = queue_at(at(23, 9, 50), unit)  # queued early, handed to the provider at 10:00:00
    second = queue_at(at(23, 9, 50), unit)
    backend = ScriptedBackend()
    assert send_at(at(23, 10, 0, 0), first, backend).status == SmsStatus.SENT

    deferred = send_at(at(23, 10, 0, 20), second, backend)

    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(23, 10, 1, 0))
    assert deferred.last_error == "同一号码每分钟最多1条"
    assert send_at(at(23, 10, 0, 59), second, backend).status == SmsStatus.DEFERRED
    assert send_at(at(23, 10, 1, 0), second, backend).status == SmsStatus.SENT
    assert backend.sent == [first.pk, second.pk]


def test_a_message_still_with_the_provider_counts_against_the_limit(unit):
    first, second = queue_at(at(23, 10), unit), queue_at(at(23, 10), unit)
    with pytest.raises(WorkerKilled):
        send_at(at(23, 10), first, ScriptedBackend(WorkerKilled()))
    assert reload(first).status == SmsStatus.SENDING

    deferred = send_at(at(23, 10, 0, 30), second, ScriptedBackend())

    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(23, 10, 1))


def test_limits_are_per_phone(unit):
    sent_at(at(23, 10), unit, phone=PHONE)

    assert sent_at(at(23, 10, 0, 10), unit, phone=OTHER_PHONE).status == SmsStatus.SENT


def test_the_sixth_within_an_hour_waits_until_an_hour_after_the_earliest_of_the_last_five(unit):
    sent_at(at(23, 9, 0), unit)  # more than an hour before the sixth: does not count
    for minute in (10, 20, 30, 40):
        sent_at(at(23, 10, minute), unit)
    sent_at(at(23, 10, 45), unit)
    sixth = queue_at(at(23, 10, 50), unit)
    backend = ScriptedBackend()

    deferred = send_at(at(23, 10, 50), sixth, backend)

    # The last five: 10:10, 10:20, 10:30, 10:40, 10:45; the earliest of them + 1 hour.
    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(23, 11, 10))
    assert deferred.last_error == "同一号码每小时最多5条"
    assert send_at(at(23, 11, 9, 59), sixth, backend).status == SmsStatus.DEFERRED
    assert send_at(at(23, 11, 10), sixth, backend).status == SmsStatus.SENT


def ten_sent_on_the_23rd(unit) -> None:
    """Ten messages to PHONE on the 23rd, within the minute and hour limits."""
    for moment in [at(23, 9, m) for m in range(5)] + [at(23, 10, 5 + m) for m in range(5)]:
        sent_at(moment, unit)


def test_the_eleventh_of_a_day_waits_for_the_next_day_and_its_morning(unit):
    ten_sent_on_the_23rd(unit)
    eleventh = queue_at(at(23, 12), unit)
    backend = ScriptedBackend()

    deferred = send_at(at(23, 12), eleventh, backend)

    # 00:00 of the 24th, which is in the quiet hours: 08:00.
    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(24, 8))
    assert deferred.last_error == "同一号码每天最多10条"
    assert send_at(at(23, 20), eleventh, backend).status == SmsStatus.DEFERRED
    assert send_at(at(24, 8), eleventh, backend).status == SmsStatus.SENT
    assert backend.sent == [eleventh.pk]


def test_an_urgent_eleventh_of_a_day_ignores_the_quiet_hours_but_not_the_limit(unit):
    ten_sent_on_the_23rd(unit)
    eleventh = queue_at(at(23, 12), unit, urgent=True)
    backend = ScriptedBackend()

    deferred = send_at(at(23, 12), eleventh, backend)

    assert (deferred.status, deferred.send_after) == (SmsStatus.DEFERRED, at(24, 0))
    assert send_at(at(24, 0), eleventh, backend).status == SmsStatus.SENT


def test_yesterdays_messages_do_not_count_against_today(unit):
    ten_sent_on_the_23rd(unit)

    assert sent_at(at(24, 8), unit).status == SmsStatus.SENT


def test_a_limit_that_ends_in_the_quiet_hours_waits_until_the_morning(unit):
    sent_at(at(23, 20, 59, 30), unit)
    normal, urgent = queue_at(at(23, 20, 59, 40), unit), queue_at(at(23, 20, 59, 40), unit, urgent=True)

    deferred = send_at(at(23, 20, 59, 40), normal, ScriptedBackend())
    deferred_urgent = send_at(at(23, 20, 59, 40), urgent, ScriptedBackend())

    assert (deferred.send_after, deferred.last_error) == (at(24, 8), "同一号码每分钟最多1条")
    assert deferred_urgent.send_after == at(23, 21, 0, 30)


def test_limits_follow_the_setting(unit, settings):
    settings.SMS_PHONE_LIMITS = {"minute": 2, "hour": 5, "day": 10}
    sent_at(at(23, 10, 0, 0), unit)
    sent_at(at(23, 10, 0, 10), unit)  # a second within the minute is allowed now
    third = queue_at(at(23, 10, 0, 20), unit)

    deferred = send_at(at(23, 10, 0, 20), third, ScriptedBackend())

    assert (deferred.send_after, deferred.last_error) == (at(23, 10, 1, 0), "同一号码每分钟最多2条")


def test_a_queue_of_messages_to_one_phone_drains_one_a_minute_and_none_is_dropped(unit):
    messages = [queue_at(at(23, 10), unit, key=f"burst:{n}") for n in range(3)]
    backend = ScriptedBackend()

    for minute in range(3):
        for message in messages:
            send_at(at(23, 10, minute), message, backend)

    assert [reload(m).status for m in messages] == [SmsStatus.SENT] * 3
    assert [reload(m).sending_started_at for m in messages] == [at(23, 10, m) for m in range(3)]
    assert sorted(backend.sent) == sorted(m.pk for m in messages)


# --- two runs at once (real commits, two connections) --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_message_locked_by_another_run_is_skipped_and_sent_once(org):
    backend = ScriptedBackend()
    locked, release = threading.Event(), threading.Event()
    with frozen(NOON):
        message = make_sms(unit=org["east_station"])

        def other_run_holds_the_row():
            try:
                with transaction.atomic():
                    SmsMessage.objects.select_for_update().get(pk=message.pk)
                    locked.set()
                    release.wait(10)
            finally:
                connection.close()

        holder = threading.Thread(target=other_run_holds_the_row)
        holder.start()
        try:
            assert locked.wait(10)
            assert sms_send(message_id=message.pk, backend=backend) is None
            assert backend.sent == []
        finally:
            release.set()
            holder.join(10)

        assert sms_send(message_id=message.pk, backend=backend).status == SmsStatus.SENT
        assert sms_send(message_id=message.pk, backend=backend) is None
    assert backend.sent == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_once(org):
    class SlowBackend(ScriptedBackend):
        def send(self, msg):
            time.sleep(0.3)  # the other run arrives while this one is with the provider
            return super().send(msg)

    backend = SlowBackend()
    start = threading.Barrier(2)
    results, errors = [], []
    with frozen(NOON):
        message = make_sms(unit=org["east_station"])

        def run():
            try:
                start.wait(10)
                results.append(sms_send(message_id=message.pk, backend=backend))
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        runs = [threading.Thread(target=run) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(20)

    assert errors == []
    assert backend.sent == [message.pk]
    assert sorted(r.status if r else "none" for r in results) == ["none", SmsStatus.SENT]
    assert reload(message).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_messages_to_one_phone_sent_at_the_same_moment_respect_the_minute_limit(org):
    backend = ScriptedBackend()
    start = threading.Barrier(2)
    results, errors = [], []
    with frozen(NOON):
        messages = [make_sms(unit=org["east_station"]) for _ in range(2)]

        def run(message):
            try:
                start.wait(10)
                results.append(sms_send(message_id=message.pk, backend=backend))
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        runs = [threading.Thread(target=run, args=(m,)) for m in messages]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(20)

    assert errors == []
    assert len(backend.sent) == 1
    assert sorted((r.status, r.send_after) for r in results) == [
        (SmsStatus.DEFERRED, NOON + timedelta(minutes=1)),
        (SmsStatus.SENT, NOON),
    ]


# --- the sweeper -------------------------------------------------------------------------------------


def stuck_in_sending(unit, when: datetime) -> SmsMessage:
    """A message whose worker was killed while the provider had it."""
    message = queue_at(when, unit)
    with pytest.raises(WorkerKilled):
        send_at(when, message, ScriptedBackend(WorkerKilled()))
    message = reload(message)
    assert (message.status, message.sending_started_at) == (SmsStatus.SENDING, when)
    return message


def sweep_at(when: datetime, backend: Backend) -> dict[str, int]:
    with frozen(when):
        return sms_sweep(backend=backend)


def test_a_message_stuck_in_sending_past_the_timeout_is_queued_again_and_published(unit, settings, published):
    settings.SMS_SENDING_TIMEOUT = settings.SMS_REQUEUE_AFTER = 300
    message = stuck_in_sending(unit, at(23, 10))
    backend = ScriptedBackend()

    assert sweep_at(at(23, 10, 5, 0), backend)["recovered"] == 0  # exactly the timeout: not yet
    assert backend.asked == [] and reload(message).status == SmsStatus.SENDING

    counts = sweep_at(at(23, 10, 5, 1), backend)

    assert counts == {"recovered": 1, "found_sent": 0, "due": 1, "published": 1}
    assert backend.asked == [message.pk]
    recovered = reload(message)
    assert (recovered.status, recovered.send_after) == (SmsStatus.QUEUED, at(23, 10, 5, 1))
    assert recovered.last_error == "发送中断（进程退出），重新发送"
    assert published == [(message.pk, None)]
    sent = send_at(at(23, 10, 5, 2), message, backend)
    assert (sent.status, sent.attempts) == (SmsStatus.SENT, 2)


def test_a_stuck_message_the_provider_already_took_is_marked_sent_not_sent_again(unit, published):
    message = stuck_in_sending(unit, at(23, 10))
    backend = ScriptedBackend(found="biz-already")

    counts = sweep_at(at(23, 10, 10), backend)

    assert (counts["recovered"], counts["found_sent"], counts["published"]) == (0, 1, 0)
    message = reload(message)
    assert (message.status, message.provider_message_id, message.sent_at) == (
        SmsStatus.SENT, "biz-already", at(23, 10, 10),
    )  # fmt: skip
    assert published == []
    assert send_at(at(23, 10, 11), message, backend) is None
    assert backend.sent == []


def test_a_stuck_message_waits_when_the_provider_cannot_be_asked(unit, caplog):
    message = stuck_in_sending(unit, at(23, 10))

    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        counts = sweep_at(at(23, 10, 10), ScriptedBackend(found=TransientError("查询接口超时")))

    assert (counts["recovered"], counts["found_sent"]) == (0, 0)
    assert reload(message).status == SmsStatus.SENDING
    assert "cannot ask the provider" in caplog.text
    assert sweep_at(at(23, 10, 11), ScriptedBackend())["recovered"] == 1


def test_a_message_that_keeps_killing_its_worker_stops_after_the_attempt_cap(unit, settings):
    """DESIGN.md: "an attempt cap kept in the database (so a task that kills its worker cannot loop
    forever)". A message whose sending kills the worker each time is recovered by the sweeper and sent
    again; after SMS_MAX_ATTEMPTS sends it must be failed, not sent again and again."""
    settings.SMS_MAX_ATTEMPTS, settings.SMS_SENDING_TIMEOUT = 3, 300
    message = queue_at(at(23, 10), unit)
    killer = ScriptedBackend(*[WorkerKilled() for _ in range(10)])
    when = at(23, 10)

    for _ in range(6):
        with contextlib.suppress(WorkerKilled):
            send_at(when, message, killer)
        when += timedelta(seconds=301)
        sweep_at(when, killer)

    assert len(killer.sent) == 3
    message = reload(message)
    assert message.status == SmsStatus.FAILED
    assert message.last_error


def test_the_sweeper_publishes_due_messages_never_handed_over_and_not_fresh_ones_twice(unit, settings, published):
    settings.SMS_REQUEUE_AFTER = 300
    message = queue_at(at(23, 10), unit)  # the test's transaction never commits: never published
    backend = ScriptedBackend()

    assert sweep_at(at(23, 10), backend)["published"] == 1
    assert reload(message).enqueued_at == at(23, 10)
    assert sweep_at(at(23, 10, 1), backend)["published"] == 0  # handed over a minute ago
    assert sweep_at(at(23, 10, 5, 0), backend)["published"] == 0
    assert published == [(message.pk, None)]

    assert sweep_at(at(23, 10, 5, 1), backend)["published"] == 1  # lost on the way: handed over again
    assert published == [(message.pk, None), (message.pk, None)]
    assert backend.sent == []  # the sweeper itself sends nothing


def test_the_sweeper_leaves_what_is_not_due_and_takes_due_deferred_messages(unit, published):
    later = queue_at(at(23, 10), unit, send_after=at(23, 11))
    night = queue_at(at(23, 22), unit, phone=OTHER_PHONE)
    assert send_at(at(23, 22), night, ScriptedBackend()).status == SmsStatus.DEFERRED

    assert sweep_at(at(23, 23), ScriptedBackend())["due"] == 1  # only ``later``
    assert published == [(later.pk, None)]

    # In the morning ``night`` is due; ``later`` (never sent: no worker here) is handed over again.
    assert sweep_at(at(24, 8), ScriptedBackend())["published"] == 2
    assert sorted(published[1:]) == sorted([(later.pk, None), (night.pk, None)])


def test_the_sweeper_with_the_broker_down_publishes_nothing_and_tries_again(unit, broker_down):
    message = queue_at(at(23, 10), unit)

    counts = sweep_at(at(23, 10), ScriptedBackend())

    assert (counts["due"], counts["published"]) == (1, 0)
    assert reload(message).enqueued_at is None
    broker_down.side_effect = None
    assert sweep_at(at(23, 10, 1), ScriptedBackend())["published"] == 1


# --- sms_retry -----------------------------------------------------------------------------------------


@pytest.fixture
def staff(org):
    def make(role, unit_name):
        return StaffFactory(role=role, unit=org[unit_name], full_name=f"{unit_name}-{role}").user

    return make


def failed_message(unit, when=NOON) -> SmsMessage:
    message = queue_at(when, unit)
    result = send_at(when, message, ScriptedBackend(PermanentError("模板未审核")))
    assert result.status == SmsStatus.FAILED
    return result


@pytest.mark.parametrize(
    ("role", "unit_name"),
    [(Role.STATION_SUPERVISOR, "east_station"), (Role.BUREAU_SUPERVISOR, "east"), (Role.ADMIN, "city")],
)
def test_a_supervisor_in_scope_sends_a_failed_message_again(
    unit, staff, role, unit_name, django_capture_on_commit_callbacks, published
):
    user = staff(role, unit_name)
    message = failed_message(unit)

    with frozen(NOON + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        retried = sms_retry(user=user, message_id=message.pk)

    retried = reload(retried)
    assert (retried.status, retried.attempts) == (SmsStatus.QUEUED, 0)
    assert retried.send_after == NOON + timedelta(hours=1)
    assert retried.last_error == f"{unit_name}-{role} 手动重发"
    assert published == [(message.pk, None)]
    assert send_at(NOON + timedelta(hours=1), message, ScriptedBackend()).status == SmsStatus.SENT


@pytest.mark.parametrize(
    ("role", "unit_name"),
    [
        (Role.OFFICER, "east_station"),
        (Role.AUXILIARY, "east_station"),
        (Role.STATION_SUPERVISOR, "west_station"),
        (Role.BUREAU_SUPERVISOR, "west"),
    ],
)
def test_counter_staff_and_supervisors_of_other_units_cannot_retry(
    unit, staff, role, unit_name, django_capture_on_commit_callbacks
):
    user = staff(role, unit_name)
    message = failed_message(unit)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        sms_retry(user=user, message_id=message.pk)

    after = reload(message)
    assert (after.status, after.attempts, after.last_error) == (SmsStatus.FAILED, 1, "模板未审核")
    assert callbacks == []


def test_a_deferred_message_can_be_retried_and_still_obeys_the_quiet_hours(unit, staff):
    user = staff(Role.STATION_SUPERVISOR, "east_station")
    message = queue_at(at(23, 22), unit)
    assert send_at(at(23, 22), message, ScriptedBackend()).status == SmsStatus.DEFERRED

    with frozen(at(23, 22, 5)):
        assert sms_retry(user=user, message_id=message.pk).status == SmsStatus.QUEUED
    again = send_at(at(23, 22, 5), message, ScriptedBackend())

    assert (again.status, again.send_after) == (SmsStatus.DEFERRED, at(24, 8))


@pytest.mark.parametrize("status", [SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.DELIVERED])
def test_only_failed_or_deferred_messages_can_be_retried(unit, staff, status):
    user = staff(Role.STATION_SUPERVISOR, "east_station")
    message = queue_at(NOON, unit)
    SmsMessage.objects.filter(pk=message.pk).update(status=status, attempts=1)

    with pytest.raises(Conflict):
        sms_retry(user=user, message_id=message.pk)

    assert (reload(message).status, reload(message).attempts) == (status, 1)


def test_a_retry_gives_the_message_its_attempts_back(unit, staff, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    user = staff(Role.STATION_SUPERVISOR, "east_station")
    message = queue_at(NOON, unit)
    backend = ScriptedBackend(*[TransientError("超时")] * 3)
    send_at(NOON, message, backend)
    assert send_at(NOON + timedelta(seconds=30), message, backend).status == SmsStatus.FAILED

    with frozen(NOON + timedelta(hours=1)):
        sms_retry(user=user, message_id=message.pk)
    result = send_at(NOON + timedelta(hours=1), message, backend)

    assert (result.status, result.attempts) == (SmsStatus.QUEUED, 1)  # retried, not failed at once
    assert send_at(NOON + timedelta(hours=2), message, backend).status == SmsStatus.SENT


# --- sms_receipt ---------------------------------------------------------------------------------------


def test_a_delivery_receipt_is_applied_by_the_providers_id(unit):
    message = send_at(NOON, queue_at(NOON, unit), ScriptedBackend("biz-1"))

    result = sms_receipt(provider="scripted", provider_message_id="biz-1", delivered=True, at=at(23, 12, 0, 7))

    assert result == message
    message = reload(message)
    assert (message.status, message.delivered_at) == (SmsStatus.DELIVERED, at(23, 12, 0, 7))


def test_a_failure_receipt_fails_the_message_with_the_providers_reason(unit):
    message = send_at(NOON, queue_at(NOON, unit), ScriptedBackend("biz-1"))

    sms_receipt(provider="scripted", provider_message_id="biz-1", delivered=False, error="MK:0001 空号", at=NOON)

    message = reload(message)
    assert (message.status, message.failed_at, message.last_error) == (SmsStatus.FAILED, NOON, "未送达：MK:0001 空号")


def test_a_receipt_is_matched_by_provider_and_id_together(unit, caplog):
    message = send_at(NOON, queue_at(NOON, unit), ScriptedBackend("biz-1"))

    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        assert sms_receipt(provider="tencent", provider_message_id="biz-1", delivered=True) is None

    assert reload(message).status == SmsStatus.SENT


def test_a_receipt_that_comes_before_the_send_calls_answer_is_found_by_key(unit):
    message = queue_at(NOON, unit)

    class ReceiptFirstBackend(ScriptedBackend):
        def send(self, msg):
            receipt = sms_receipt(
                provider="scripted", provider_message_id="biz-7", idempotency_key=msg.idempotency_key, delivered=True
            )
            assert receipt is not None and receipt.pk == msg.pk
            return "biz-7"

    result = send_at(NOON, message, ReceiptFirstBackend())

    assert (result.status, result.provider_message_id) == (SmsStatus.DELIVERED, "biz-7")  # not back to "sent"


def test_a_failure_receipt_before_the_send_calls_answer_is_not_overwritten(unit):
    message = queue_at(NOON, unit)

    class FailureFirstBackend(ScriptedBackend):
        def send(self, msg):
            sms_receipt(provider="scripted", idempotency_key=msg.idempotency_key, delivered=False, error="停机")
            return "biz-8"

    result = send_at(NOON, message, FailureFirstBackend())

    assert (result.status, result.last_error) == (SmsStatus.FAILED, "未送达：停机")


def test_a_receipt_for_an_unknown_message_is_logged_and_ignored(unit, caplog):
    message = send_at(NOON, queue_at(NOON, unit), ScriptedBackend("biz-1"))

    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        result = sms_receipt(provider="scripted", provider_message_id="biz-404", idempotency_key="nope", delivered=True)

    assert result is None
    assert "unknown message" in caplog.text and "biz-404" in caplog.text
    assert reload(message).status == SmsStatus.SENT


def test_a_later_failure_receipt_does_not_undo_a_delivery(unit):
    message = send_at(NOON, queue_at(NOON, unit), ScriptedBackend("biz-1"))
    sms_receipt(provider="scripted", provider_message_id="biz-1", delivered=True, at=at(23, 12, 0, 7))

    sms_receipt(provider="scripted", provider_message_id="biz-1", delivered=False, error="超时未回执", at=at(23, 13))
    sms_receipt(provider="scripted", provider_message_id="biz-1", delivered=True, at=at(23, 14))  # repeated

    message = reload(message)
    assert (message.status, message.delivered_at, message.failed_at, message.last_error) == (
        SmsStatus.DELIVERED, at(23, 12, 0, 7), None, "",
    )  # fmt: skip


# --- the Celery tasks ----------------------------------------------------------------------------------


@pytest.fixture
def counting_backend(settings):
    settings.SMS_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.sent = []
    yield CountingBackend
    CountingBackend.sent = []


def test_the_send_task_sends_through_the_configured_backend_once(unit, counting_backend):
    message = queue_at(NOON, unit)

    with frozen(NOON):
        assert send_sms.run(message.pk) == SmsStatus.SENT
        assert send_sms.apply(args=(message.pk,)).get() is None  # a second run (a redelivery)

    assert counting_backend.sent == [message.pk]
    assert reload(message).provider_message_id == f"counting-{message.pk}"


def test_the_send_task_reports_a_deferral(unit, counting_backend):
    message = queue_at(at(23, 22), unit)

    with frozen(at(23, 22)):
        assert send_sms.apply(args=(message.pk,)).get() == SmsStatus.DEFERRED

    assert counting_backend.sent == []


def test_the_sweep_task_runs_the_sweeper(unit, counting_backend, published):
    stuck = stuck_in_sending(unit, at(23, 10))
    waiting = queue_at(at(23, 10), unit, phone=OTHER_PHONE)

    with frozen(at(23, 10, 10)):
        counts = sweep_sms.apply().get()

    assert counts == {"recovered": 1, "found_sent": 0, "due": 2, "published": 2}
    assert sorted(published) == sorted([(stuck.pk, None), (waiting.pk, None)])


def test_the_tasks_are_acknowledged_late_and_redelivered_when_a_worker_dies():
    for task in (send_sms, sweep_sms):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
