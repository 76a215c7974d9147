"""The quick start (``make run``): DEBUG on, SQLite unless DATABASE_URL is set, Redis optional."""

from .base import *  # noqa: F403
from .base import REDIS_URL, SILENCED_SYSTEM_CHECKS, env

DEBUG = env.bool("DEBUG", default=True)

if not REDIS_URL:
    # Without Redis the rate-limit counters live in each process's memory: fine for one
    # developer, which is why production requires REDIS_URL.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003", "django_ratelimit.W001"]

# The address citizens reach the quick start at: rating links in SMS (shown on /notices/outbox/) and the
# QR codes of printed documents point here.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
