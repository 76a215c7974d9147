"""Real processes for the reliability tests: a Celery worker in its own process (so that it can be killed),
a Redis server of the test's own (so that it can be stopped), and the broker the test process publishes to.

The worker reads the test database (its name comes from the running test's settings) and the SMS settings
the test gives it through the environment, as a deployed worker reads its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from config.celery import app

BASE_DIR = Path(settings.BASE_DIR)


def wait_for(predicate, *, timeout: float = 30, every: float = 0.1, what: str = "the condition"):
    """Poll until ``predicate()`` is true; fail the test, saying ``what``, after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The running test's database (pytest-django's ``test_…``), as a URL for another process."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(*, broker_url: str | None = None, **sms) -> dict[str, str]:
    """The environment of a worker process: this test's database and broker, no quiet hours (the tests run
    at any hour), and the SMS settings given as keyword arguments (``SMS_BACKEND="http"``, …)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url or settings.REDIS_URL,
        "SMS_QUIET_START": "0",
        "SMS_QUIET_END": "0",
    }
    env.update({key: str(value) for key, value in sms.items()})
    return env


class Worker:
    """``celery worker`` in a process of its own (solo pool: one message at a time, one process)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log, self.process = env, log, None

    def start(self) -> Worker:
        output = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "--hostname", f"test-{time.time_ns()}@%h"],
            cwd=BASE_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: b" ready." in self.log.read_bytes() or self.process.poll() is not None, timeout=60,
                 what="the worker to start")  # fmt: skip
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited at start:\n{self.log.read_text(errors='replace')[-3000:]}")
        return self

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, nothing written after this instant."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class RedisServer:
    """A Redis of the test's own on a free port, which the test can stop and start again."""

    def __init__(self, directory: Path):
        self.port, self.directory, self.process = free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=10, what="redis-server to answer")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not self.answers(), timeout=10, what="redis-server to stop")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False


def _switch_broker(url: str) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url = url
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@contextmanager
def broker(url: str):
    """The test process publishes its tasks to ``url`` inside the block."""
    previous = app.conf.broker_url
    _switch_broker(url)
    try:
        yield
    finally:
        _switch_broker(previous)


def purge_queue() -> None:
    """Drop tasks that earlier tests left in the broker's queue."""
    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)
