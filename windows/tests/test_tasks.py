"""The Celery wiring, end to end: a real worker on the real Redis broker runs the beat job."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from windows import tasks


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_reliability_settings_are_on():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_url.startswith("redis://")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_clears_expired_sessions():
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(days=1))

    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        tasks.clear_expired_sessions.delay()
        deadline = time.monotonic() + 20
        while Session.objects.filter(session_key=expired.session_key).exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()
