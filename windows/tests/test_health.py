"""/healthz against the real PostgreSQL and Redis, and against ports where nothing listens."""

import pytest
from django.conf import settings as django_settings
from django.db.utils import ConnectionHandler

from windows import health

CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def unreachable_database(django_db_blocker):
    """A set of connections whose default database is the test one moved to a port where nothing listens."""
    default = {**django_settings.DATABASES["default"], "HOST": "127.0.0.1", "PORT": 1, "CONN_MAX_AGE": 0}
    handler = ConnectionHandler({"default": default})
    yield handler
    with django_db_blocker.unblock():
        handler.close_all()


def test_healthy_when_postgres_and_redis_answer(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_unavailable_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = CLOSED_REDIS

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


def test_healthy_without_redis_configured(client, db, settings):
    """The quick start runs without Redis; that is not a failure."""
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_redis_status_of_the_real_redis_and_of_a_closed_port():
    assert health.redis_status() == health.OK
    assert health.redis_status(CLOSED_REDIS) == health.DOWN


def test_database_status_of_the_real_database(db):
    assert health.database_status() == health.OK


def test_database_status_of_an_unreachable_database(unreachable_database, django_db_blocker):
    with django_db_blocker.unblock():
        assert health.database_status(unreachable_database) == health.DOWN


def test_unavailable_when_the_database_does_not_answer(client, db, monkeypatch, unreachable_database):
    monkeypatch.setattr(health, "connections", unreachable_database)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "ok"}


def test_unavailable_when_both_are_down(client, db, settings, monkeypatch, unreachable_database):
    settings.REDIS_URL = CLOSED_REDIS
    monkeypatch.setattr(health, "connections", unreachable_database)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "unavailable"}


def test_healthz_needs_no_sign_in_and_is_get_only(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
