"""Reliability with real parts: a Celery worker in its own process on the real Redis broker, the provider
a real HTTP server (the fake provider) reached through the real backends.

- A worker killed while the provider holds the send: after a restart, the sweeper asks the provider and
  records the message as sent, and the citizen gets it once.
- Provider throttling: the message is deferred and sent later, once.
- A burst: every message sent once, none lost.
(Redis unreachable when a case completes: hukou/tests/test_completion_sms.py.)
"""

import time

import pytest

from notices.models import SmsMessage, SmsStatus, SmsTemplate
from notices.tasks import sweep_sms
from notices.tests.factories import make_sms
from notices.tests.fake_provider import FakeProvider
from notices.tests.workers import Worker, purge_queue, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


def provider_env(fake, backend: str, **extra) -> dict[str, str]:
    settings_of = {
        "aliyun": {"SMS_ALIYUN_ENDPOINT": fake.aliyun_endpoint, "SMS_ALIYUN_ACCESS_KEY_ID": "test-id",
                   "SMS_ALIYUN_ACCESS_KEY_SECRET": "test-secret", "SMS_ALIYUN_SIGN_NAME": "示范市公安局"},
        "http": {"SMS_HTTP_URL": fake.http_url, "SMS_HTTP_TOKEN": "test-token"},
    }  # fmt: skip
    return worker_env(SMS_BACKEND=backend, SMS_TIMEOUT=5, **settings_of[backend], **extra)


@pytest.fixture(autouse=True)
def registered_templates(db):
    """The templates' codes at the providers, as an admin enters them once they are approved there."""
    SmsTemplate.objects.update(aliyun_template_code="SMS_100001", tencent_template_id="100001")


def status_of(message) -> str:
    return SmsMessage.objects.values_list("status", flat=True).get(pk=message.pk)


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(env, name="worker"):
        worker = Worker(env, tmp_path / f"{name}-{len(started)}.log").start()
        started.append(worker)
        return worker

    purge_queue()
    yield start
    for worker in started:
        worker.stop()


@pytest.mark.parametrize("backend", ["aliyun", "http"])
def test_a_worker_killed_mid_send_sends_it_exactly_once_after_restart(org, fake, workers, backend):
    env = provider_env(fake, backend, SMS_SENDING_TIMEOUT=1)
    fake.delay = 60  # the provider takes the message, then holds its answer: the worker dies waiting
    message = make_sms(unit=org["east_station"])  # committed: its send task is on the broker now

    first = workers(env)
    wait_for(lambda: fake.requests == 1, what="the worker to reach the provider")
    first.kill()
    assert status_of(message) == SmsStatus.SENDING
    assert fake.sent_count_by_key()[message.idempotency_key] == 1

    fake.delay = 0
    second = workers(env)
    time.sleep(1.2)  # past SMS_SENDING_TIMEOUT: the sweeper treats the message as left by a crash
    sweep_sms.delay()
    wait_for(lambda: status_of(message) == SmsStatus.SENT, what=f"the message to be sent\n{second.output()[-2000:]}")

    message.refresh_from_db()
    assert fake.sent_count_by_key()[message.idempotency_key] == 1  # the citizen got it once
    # The provider's own id (Aliyun's query answer carries our OutId but not its BizId: a stand-in until
    # the delivery receipt brings the BizId).
    expected = fake.sent[0]["provider_id"] if backend == "http" else f"OutId:{message.idempotency_key}"
    assert message.provider_message_id == expected
    assert message.attempts == 1


@pytest.mark.parametrize("backend", ["aliyun", "http"])
def test_provider_throttling_defers_the_message_and_sends_it_later_once(org, fake, workers, backend):
    fake.script(["busy"])  # a limit that names no wait: SMS_THROTTLED_RETRY_SECONDS
    workers(provider_env(fake, backend, SMS_THROTTLED_RETRY_SECONDS=1))
    message = make_sms(unit=org["east_station"])

    wait_for(lambda: status_of(message) == SmsStatus.SENT, timeout=60, what="the throttled message to be sent")
    message.refresh_from_db()
    assert fake.requests == 2  # throttled once, then taken
    assert fake.sent_count_by_key() == {message.idempotency_key: 1}
    assert message.attempts == 1  # throttling is "later", not a failed attempt


def test_a_burst_is_sent_once_each_none_lost(org, fake, workers):
    """The benchmark (bench/sms_burst.py) sends 10,000; here a few hundred, through two workers."""
    env = provider_env(fake, "http")
    count = 300
    messages = [
        make_sms(unit=org["east_station"], phone=f"139{n:08d}", key=f"burst:{n}", urgent=True) for n in range(count)
    ]
    workers(env)
    workers(env)
    wait_for(lambda: SmsMessage.objects.filter(status=SmsStatus.SENT).count() == count, timeout=120,
             what="every message of the burst to be sent")  # fmt: skip
    sent = fake.sent_count_by_key()
    assert len(sent) == count
    assert set(sent.values()) == {1}
    assert {m.idempotency_key for m in messages} == set(sent)
