"""Checks that the database and Redis answer, for /healthz."""

import redis
from django.conf import settings
from django.db import DatabaseError, connections

OK = "ok"
DOWN = "unavailable"
NOT_CONFIGURED = "not configured"


def database_status(handler=None, alias: str = "default") -> str:
    # Looked up at each call (a default argument is bound once, at import), so that another set of
    # connections put in ``windows.health.connections`` is the one checked.
    handler = connections if handler is None else handler
    try:
        with handler[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return DOWN
    return OK


def redis_status(url: str | None = None) -> str:
    url = settings.REDIS_URL if url is None else url
    if not url:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return DOWN
    finally:
        client.close()
    return OK
