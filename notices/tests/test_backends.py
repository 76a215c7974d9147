"""The provider backends over real HTTP, against the fake provider (a local server speaking the Aliyun,
Tencent and gateway APIs): what each answer of the provider becomes, and what the provider received."""

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from notices.backends import PermanentError, Throttled, TransientError, get_backend
from notices.backends import aliyun as aliyun_module
from notices.backends import http as http_module
from notices.backends import tencent as tencent_module
from notices.models import Purpose, SmsMessage, SmsStatus, SmsTemplate
from notices.services import sms_send
from notices.tests.factories import make_sms
from notices.tests.fake_provider import FakeProvider

pytestmark = [
    # The SDKs' own use of datetime.utcnow() and utcfromtimestamp().
    pytest.mark.filterwarnings("ignore::DeprecationWarning:alibabacloud_tea_openapi.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:tencentcloud.*"),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLIENT_TIMEOUT = 0.5  # SMS_TIMEOUT in these tests; the fake's "timeout" holds its answer far longer


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        provider.timeout_seconds = 10
        yield provider


@pytest.fixture
def provider_settings(settings, fake):
    settings.SMS_TIMEOUT = CLIENT_TIMEOUT
    settings.SMS_ALIYUN_ENDPOINT = fake.aliyun_endpoint
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "test-id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "test-secret"
    settings.SMS_ALIYUN_SIGN_NAME = "示范市公安局"
    settings.SMS_TENCENT_ENDPOINT = fake.tencent_endpoint
    settings.SMS_TENCENT_SECRET_ID = "test-id"
    settings.SMS_TENCENT_SECRET_KEY = "test-key"
    settings.SMS_TENCENT_SDK_APP_ID = "1400000001"
    settings.SMS_TENCENT_SIGN_NAME = "示范市公安局"
    settings.SMS_HTTP_URL = fake.http_url
    settings.SMS_HTTP_TOKEN = "gateway-token"
    return settings


@pytest.fixture
def message(org):
    """A completion notice whose template is registered at both providers, claimed for sending just now."""
    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).update(
        aliyun_template_code="SMS_465900001", tencent_template_id="2000001"
    )
    queued = make_sms(unit=org["east_station"], key="case:S1-20261121-0001:completion")
    return claim(queued)


def claim(message, at=None):
    """Mark the message as being sent, as ``sms_send`` does before it calls the backend."""
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.SENDING, sending_started_at=at or timezone.now(), attempts=1
    )
    return SmsMessage.objects.select_related("template").get(pk=message.pk)


def closed_port() -> int:
    """A local port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Aliyun ---------------------------------------------------------------------------------------


def test_aliyun_sends_with_our_key_as_out_id(provider_settings, fake, message):
    provider_id = get_backend("aliyun").send(message)

    assert fake.requests == 1
    [sms] = fake.sent
    assert provider_id == sms["provider_id"]
    assert sms["api"] == "aliyun"
    assert sms["phone"] == "13800138000"
    assert sms["key"] == "case:S1-20261121-0001:completion"
    assert sms["template"] == "SMS_465900001"
    assert sms["sign_name"] == "示范市公安局"
    assert sms["params"] == message.params
    assert sms["params"]["station"] == "东关派出所"


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ("throttle", Throttled, "isv.BUSINESS_LIMIT_CONTROL"),
        ("error", TransientError, "InternalError"),
        ("timeout", TransientError, "timed out"),
        ("reject", PermanentError, "isv.MOBILE_NUMBER_ILLEGAL"),
    ],
)
def test_aliyun_answers_become_send_errors(provider_settings, fake, message, answer, error, words):
    fake.script([answer])
    started = time.monotonic()
    with pytest.raises(error) as raised:
        get_backend("aliyun").send(message)

    assert type(raised.value) is error
    assert words in str(raised.value)
    assert time.monotonic() - started < CLIENT_TIMEOUT + 2  # our timeout, not the provider's 10 s, and no SDK retries
    assert fake.requests == 1
    assert fake.sent == []
    [request] = fake.received
    assert request["key"] == message.idempotency_key
    assert (request["template"], request["answer"]) == ("SMS_465900001", answer)


def test_aliyun_minute_limit_asks_to_wait_a_minute(provider_settings, fake, message):
    fake.script(["throttle"])  # 触发分钟级流控
    with pytest.raises(Throttled) as raised:
        get_backend("aliyun").send(message)
    assert raised.value.retry_after == 60


def test_aliyun_unreachable_is_transient(provider_settings, message):
    provider_settings.SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(TransientError):
        get_backend("aliyun").send(message)


def test_aliyun_without_a_template_code_is_refused_before_calling(provider_settings, fake, message):
    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).update(aliyun_template_code="")
    message.template.refresh_from_db()
    with pytest.raises(PermanentError, match="阿里云模板代码"):
        get_backend("aliyun").send(message)
    assert fake.requests == 0


def test_aliyun_finds_a_message_it_took_by_out_id(provider_settings, fake, message, org):
    backend = get_backend("aliyun")
    backend.send(message)
    other = claim(make_sms(unit=org["east_station"], key="case:S1-20261121-0002:completion"))

    # QuerySendDetails has OutId but no BizId: the id found stands in for it.
    assert backend.find_sent(message) == f"OutId:{message.idempotency_key}"
    assert backend.find_sent(other) is None  # same phone, same day, another key


def test_aliyun_looks_on_the_day_sending_started(provider_settings, fake, message):
    backend = get_backend("aliyun")
    backend.send(message)
    # Two days back: the send date and the day after it (for a send started just before midnight) are
    # both before today, whatever the hour the test runs at.
    earlier = claim(message, at=timezone.now() - timedelta(days=2))
    assert backend.find_sent(earlier) is None  # the record is dated today


def test_aliyun_find_sent_pages_through_the_day(provider_settings, fake, message, org):
    backend = get_backend("aliyun")
    for n in range(60):  # more than one page of 50
        backend.send(claim(make_sms(unit=org["east_station"], key=f"filler:{n}")))
    backend.send(message)
    assert backend.find_sent(message) == f"OutId:{message.idempotency_key}"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", Throttled),
        ("isv.DAY_LIMIT_CONTROL", Throttled),
        ("Throttling.User", Throttled),
        ("isp.SYSTEM_ERROR", TransientError),
        ("isv.AMOUNT_NOT_ENOUGH", TransientError),
        ("isv.MOBILE_NUMBER_ILLEGAL", PermanentError),
        ("isv.SMS_TEMPLATE_ILLEGAL", PermanentError),
        ("isv.SMS_SIGNATURE_ILLEGAL", PermanentError),
        ("InvalidAccessKeyId.NotFound", PermanentError),
    ],
)
def test_aliyun_codes(code, error):
    with pytest.raises(error) as raised:
        aliyun_module.raise_for(code, "…")
    assert type(raised.value) is error


@time_machine.travel(datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI), tick=False)
def test_aliyun_daily_limit_waits_until_midnight():
    with pytest.raises(Throttled) as raised:
        aliyun_module.raise_for("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
    assert raised.value.retry_after == 2 * 3600 + 1


def test_aliyun_server_errors_are_transient_whatever_the_code():
    with pytest.raises(TransientError):
        aliyun_module.raise_for("SomethingNew", "…", status=503)


def test_aliyun_needs_credentials(settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("aliyun")


@time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_through_the_outbox_an_aliyun_message_is_sent_then_throttled_and_deferred(provider_settings, fake, org):
    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).update(aliyun_template_code="SMS_465900001")
    first = make_sms(unit=org["east_station"])
    sent = sms_send(message_id=first.pk, backend=get_backend("aliyun"))
    assert sent.status == SmsStatus.SENT
    assert sent.provider == "aliyun"
    assert sent.provider_message_id == fake.sent[0]["provider_id"]

    fake.script(["throttle"])
    second = make_sms(unit=org["east_station"], phone="13900139000")
    deferred = sms_send(message_id=second.pk, backend=get_backend("aliyun"))
    assert deferred.status == SmsStatus.DEFERRED
    assert deferred.send_after == timezone.now() + timedelta(seconds=60)
    assert "限流" in deferred.last_error
    assert fake.sent_count_by_key() == {first.idempotency_key: 1}


# --- Tencent --------------------------------------------------------------------------------------


def test_tencent_sends_params_in_template_order_with_our_key_as_session_context(provider_settings, fake, message):
    provider_id = get_backend("tencent").send(message)

    [sms] = fake.sent
    assert provider_id == sms["provider_id"]
    assert sms["api"] == "tencent"
    assert sms["phone"] == "13800138000"  # sent as +8613800138000
    assert sms["key"] == message.idempotency_key
    assert sms["template"] == "2000001"
    assert sms["app_id"] == "1400000001"
    assert sms["params"] == [message.params[name] for name in message.template.parameters]
    assert sms["params"][0] == "东关派出所"  # ${station} comes first in the text


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ("throttle", Throttled, "LimitExceeded.PhoneNumberOneHourLimit"),
        ("error", TransientError, "InternalError"),
        ("timeout", TransientError, "ClientNetworkError"),
        ("reject", PermanentError, "InvalidParameterValue.IncorrectPhoneNumber"),
    ],
)
def test_tencent_answers_become_send_errors(provider_settings, fake, message, answer, error, words):
    fake.script([answer])
    started = time.monotonic()
    with pytest.raises(error) as raised:
        get_backend("tencent").send(message)

    assert type(raised.value) is error
    assert words in str(raised.value)
    assert time.monotonic() - started < CLIENT_TIMEOUT + 2
    assert fake.sent == []
    [request] = fake.received
    assert (request["key"], request["template"]) == (message.idempotency_key, "2000001")


def test_tencent_hourly_limit_asks_to_wait_an_hour(provider_settings, fake, message):
    fake.script(["throttle"])
    with pytest.raises(Throttled) as raised:
        get_backend("tencent").send(message)
    assert raised.value.retry_after == 3600


def test_tencent_finds_a_message_by_session_context(provider_settings, fake, message, org):
    backend = get_backend("tencent")
    provider_id = backend.send(message)
    other = claim(make_sms(unit=org["east_station"], key="case:S1-20261121-0002:completion"))

    assert backend.find_sent(message) == provider_id
    assert backend.find_sent(other) is None


def test_tencent_looks_from_when_sending_started(provider_settings, fake, message):
    backend = get_backend("tencent")
    backend.send(message)
    later = claim(message, at=timezone.now() + timedelta(hours=1))
    assert backend.find_sent(later) is None


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", Throttled),
        ("RequestLimitExceeded", Throttled),
        ("InternalError.Timeout", TransientError),
        ("ClientNetworkError", TransientError),
        ("UnauthorizedOperation.ServiceSuspendDueToArrears", TransientError),
        ("LimitExceeded.AppCountryOrRegionInBlacklist", PermanentError),
        ("FailedOperation.TemplateIncorrectOrUnapproved", PermanentError),
        ("InvalidParameterValue.IncorrectPhoneNumber", PermanentError),
        ("AuthFailure.SecretIdNotFound", PermanentError),
    ],
)
def test_tencent_codes(code, error):
    with pytest.raises(error) as raised:
        tencent_module.raise_for(code, "…")
    assert type(raised.value) is error


# --- the city gateway (http) ----------------------------------------------------------------------


def test_http_posts_the_contract(provider_settings, fake, message):
    provider_id = get_backend("http").send(message)

    [request] = fake.received
    assert request["authorization"] == "Bearer gateway-token"
    assert request["key"] == message.idempotency_key
    assert request["phone"] == "13800138000"
    assert request["text"] == message.text
    assert request["template"] == "completion"
    assert request["params"] == message.params
    assert request["reference"] == "S1-20261121-0001"
    assert fake.sent[0]["provider_id"] == provider_id


def test_http_a_repeated_key_is_answered_with_the_first_id_and_not_sent_again(provider_settings, fake, message):
    backend = get_backend("http")
    first, second = backend.send(message), backend.send(message)
    assert first == second
    assert fake.requests == 2
    assert fake.sent_count_by_key() == {message.idempotency_key: 1}


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ("throttle", Throttled, "HTTP 429"),
        ("error", TransientError, "HTTP 500"),
        ("timeout", TransientError, "超时"),
        ("reject", PermanentError, "号码无效"),
    ],
)
def test_http_answers_become_send_errors(provider_settings, fake, message, answer, error, words):
    fake.script([answer])
    started = time.monotonic()
    with pytest.raises(error) as raised:
        get_backend("http").send(message)

    assert type(raised.value) is error
    assert words in str(raised.value)
    assert time.monotonic() - started < CLIENT_TIMEOUT + 2
    assert fake.sent == []
    assert [request["key"] for request in fake.received] == [message.idempotency_key]


def test_http_throttling_passes_on_retry_after(provider_settings, fake, message):
    fake.script(["throttle"])  # 429 with Retry-After: 1
    with pytest.raises(Throttled) as raised:
        get_backend("http").send(message)
    assert raised.value.retry_after == 1


def test_http_unreachable_is_transient(provider_settings, message):
    provider_settings.SMS_HTTP_URL = f"http://127.0.0.1:{closed_port()}/messages"
    with pytest.raises(TransientError, match="无法连接"):
        get_backend("http").send(message)


def test_http_finds_a_message_by_its_key(provider_settings, fake, message):
    backend = get_backend("http")
    assert backend.find_sent(message) is None  # 404
    provider_id = backend.send(message)
    assert backend.find_sent(message) == provider_id


def test_http_find_sent_of_a_failing_gateway_raises(provider_settings, message):
    provider_settings.SMS_HTTP_URL = f"http://127.0.0.1:{closed_port()}/messages"
    with pytest.raises(TransientError):
        get_backend("http").find_sent(message)


def test_http_retry_after_as_a_date():
    in_two_minutes = datetime.now(UTC) + timedelta(minutes=2)
    assert 110 <= http_module.retry_after(format_datetime(in_two_minutes, usegmt=True)) <= 120
    assert http_module.retry_after("7") == 7
    assert http_module.retry_after("soon") is None
    assert http_module.retry_after(None) is None


def test_http_needs_a_url(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("http")
