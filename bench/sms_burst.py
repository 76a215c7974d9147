"""A burst of SMS through the whole outbox: N messages queued the way a completing case queues one
(``sms_enqueue``: a row, then a task on Redis) while no worker runs, then sent by real Celery workers
(prefork) through the ``http`` backend to the fake provider (a real HTTP server on loopback), and checked:
every message sent once, none lost. Queueing and sending are timed apart.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/sms_burst.py [--count 10000] [--concurrency 4]

The messages go to distinct phones (a phone's own limits would defer them, by design) and the workers run
without quiet hours, so that the figure is the same at any hour. The burst's rows are deleted afterwards.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
os.environ["SMS_QUIET_START"] = os.environ["SMS_QUIET_END"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from config.celery import app  # noqa: E402
from notices.models import Purpose, SmsMessage, SmsStatus  # noqa: E402
from notices.services import sms_enqueue  # noqa: E402
from notices.tests.factories import COMPLETION_PARAMS  # noqa: E402
from notices.tests.fake_provider import FakeProvider  # noqa: E402
from windows.models import Unit, UnitKind  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=10_000)
parser.add_argument("--concurrency", type=int, default=4, help="worker processes (prefork pool)")
args = parser.parse_args()

station = Unit.objects.filter(kind=UnitKind.STATION).order_by("code").first()
assert station is not None, "no station: run seed_demo on the benchmark database first"
with app.connection_for_write() as connection:
    app.control.purge(connection=connection)
SmsMessage.objects.filter(idempotency_key__startswith="burst:").delete()

with FakeProvider() as fake, tempfile.TemporaryDirectory() as folder:
    env = {**os.environ, "SMS_BACKEND": "http", "SMS_HTTP_URL": fake.http_url, "SMS_HTTP_TOKEN": "bench",
           "SMS_QUIET_START": "0", "SMS_QUIET_END": "0"}  # fmt: skip
    # 1. The burst arrives while no worker runs: rows in the outbox, tasks on Redis.
    started = time.perf_counter()
    for n in range(args.count):
        sms_enqueue(
            purpose=Purpose.COMPLETION, phone=f"139{n:08d}", params=COMPLETION_PARAMS, unit=station,
            idempotency_key=f"burst:{n}", reference=f"BURST-{n}",
        )  # fmt: skip
    queued = time.perf_counter() - started
    burst = SmsMessage.objects.filter(idempotency_key__startswith="burst:")

    # 2. The workers start and drain it (their start-up, a few seconds, is counted).
    log = Path(folder) / "worker.log"
    started = time.perf_counter()
    worker = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency",
         str(args.concurrency), "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30 * 60
        while burst.filter(status=SmsStatus.SENT).count() < args.count and time.monotonic() < deadline:
            time.sleep(0.5)
        drained = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    sent = burst.filter(status=SmsStatus.SENT).count()
    by_key = fake.sent_count_by_key()
    burst_keys = {key: times for key, times in by_key.items() if key.startswith("burst:")}
    print(f"{args.count} messages, {args.concurrency} worker processes, http backend to the fake provider")
    print(f"queued (rows + tasks on Redis, no worker running): {queued:.1f} s  ({args.count / queued:.0f} messages/s)")
    print(f"sent by the workers: {drained:.1f} s from their start  ({sent / drained:.0f} messages/s)")
    print(f"rows sent: {sent}; provider: {len(burst_keys)} distinct messages, "
          f"{sum(burst_keys.values())} delivered, {fake.requests} requests; "
          f"sent twice: {sum(1 for times in burst_keys.values() if times > 1)}; "
          f"lost: {args.count - len(burst_keys)}")  # fmt: skip
    assert sent == args.count and len(burst_keys) == args.count and set(burst_keys.values()) == {1}
SmsMessage.objects.filter(idempotency_key__startswith="burst:").delete()
print(f"(database {settings.DATABASES['default']['NAME']}; burst rows deleted)")
