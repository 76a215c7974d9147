"""Fixtures for the whole suite. The suite needs a real PostgreSQL and a real Redis: it stops at
once, saying how to start them, when either does not answer."""

import socket
from urllib.parse import urlparse

import pytest

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": (
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
        "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
}


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    from django.conf import settings

    database = settings.DATABASES["default"]
    checks = [("Redis", settings.REDIS_URL, 6379)]
    if database["ENGINE"].endswith("postgresql"):
        checks.insert(
            0, ("PostgreSQL", f"//{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}", 5432)
        )
    else:
        pytest.exit("The suite runs on PostgreSQL: set DATABASE_URL=postgres://... (see README).", returncode=2)
    down = [(name, url) for name, url, port in checks if not url or not _answers(url, port)]
    if down:
        lines = [
            f"{name} does not answer at {url or '(not configured)'}. Start it with:\n    {START_HINTS[name]}"
            for name, url in down
        ]
        pytest.exit("\n".join(lines), returncode=3)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and lockouts of one test never leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def org(db):
    """Two districts of one city, each with a station: the two-units set-up every permission test uses."""
    from windows.tests.factories import CityFactory, DistrictFactory, StationFactory

    city = CityFactory(code="C1", name="示范市公安局")
    east = DistrictFactory(code="D1", name="城东分局", parent=city)
    west = DistrictFactory(code="D2", name="城西分局", parent=city)
    return {
        "city": city,
        "east": east,
        "west": west,
        "east_station": StationFactory(code="S1", name="东关派出所", parent=east),
        "west_station": StationFactory(code="S2", name="西湖派出所", parent=west),
    }
