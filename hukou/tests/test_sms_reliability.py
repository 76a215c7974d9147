"""Redis unreachable when a case completes: the case completes, its SMS waits in the outbox, and once Redis
is back the sweeper hands it to a real worker, which sends it once to the provider (the fake provider, a
real HTTP server, through the real ``http`` backend)."""

import time

import pytest

from hukou.models import CaseStatus
from hukou.services import case_record_materials, case_transition
from hukou.tests.factories import items_by_name, make_case
from notices.models import Purpose, SmsMessage, SmsStatus
from notices.tasks import sweep_sms
from notices.tests.fake_provider import FakeProvider
from notices.tests.workers import RedisServer, Worker, broker, purge_queue, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_redis_down_at_completion_the_case_completes_and_the_sweeper_sends_the_sms_once_redis_is_back(
    staff, permit, tmp_path
):
    officer, window = staff["officer"], staff["window"]
    case = make_case(actor=officer, service_type=permit, provided_names=["居民身份证"], window=window,
                     phone="13912345678")  # fmt: skip
    case = case_transition(case=case, actor=officer, action="notify")
    case_record_materials(case=case, actor=officer, provided=[items_by_name(permit)["居住证明"].pk])
    case = case_transition(case=case, actor=officer, action="accept")

    redis = RedisServer(tmp_path).start()
    try:
        with broker(redis.url), FakeProvider() as fake:
            redis.stop()  # the broker is gone when the officer completes the case
            started = time.monotonic()
            case = case_transition(case=case, actor=officer, action="complete")
            assert time.monotonic() - started < 15  # the officer is not kept waiting for long

            case.refresh_from_db()
            assert case.status == CaseStatus.COMPLETED
            message = SmsMessage.objects.get(reference=case.number, purpose=Purpose.COMPLETION)
            assert message.status == SmsStatus.QUEUED and message.enqueued_at is None  # waiting in the outbox

            redis.start()
            purge_queue()
            env = worker_env(broker_url=redis.url, SMS_BACKEND="http", SMS_HTTP_URL=fake.http_url,
                             SMS_HTTP_TOKEN="test-token", SMS_TIMEOUT=5)  # fmt: skip
            worker = Worker(env, tmp_path / "worker.log").start()
            try:
                sweep_sms.delay()  # what beat does every minute
                wait_for(
                    lambda: SmsMessage.objects.get(pk=message.pk).status == SmsStatus.SENT,
                    timeout=60, what=f"the SMS to be sent\n{worker.output()[-2000:]}",
                )  # fmt: skip
                sweep_sms.delay()  # a second sweep finds nothing more to send
                time.sleep(2)
            finally:
                worker.stop()
            assert fake.sent_count_by_key() == {message.idempotency_key: 1}
            assert fake.sent[0]["phone"] == "13912345678"
    finally:
        if redis.answers():
            redis.stop()
