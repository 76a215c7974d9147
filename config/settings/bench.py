"""Benchmarks only (bench/README.md): the portal as in production but over plain HTTP on loopback,
without rate limits, plus the yardstick view of bench/urls.py. Never deploy this."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
ROOT_URLCONF = "bench.urls"
RATELIMIT_ENABLE = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
