"""SMS backends: one class per provider, chosen by ``SMS_BACKEND``.

A backend hands one message to its provider and says how that went: it returns the provider's message
id, or raises ``Throttled`` (the provider's rate limit: try again later), ``TransientError`` (a timeout,
a server error: retry with backoff) or ``PermanentError`` (the provider refused this message: a wrong
number, a template that is not approved; retrying will not help).

Our idempotency key goes with every message (Aliyun's ``OutId``, Tencent's ``SessionContext``, the
webhook's ``idempotency_key``), because a provider's send call is not idempotent: ``find_sent`` asks the
provider whether a message with that key was already accepted, before a message that a crash left in
``sending`` is sent again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

BACKENDS = {
    "database": "notices.backends.database.DatabaseBackend",
    "aliyun": "notices.backends.aliyun.AliyunBackend",
    "tencent": "notices.backends.tencent.TencentBackend",
    "http": "notices.backends.http.HttpBackend",
}


SHANGHAI = ZoneInfo("Asia/Shanghai")  # the providers' calendar and clock (daily limits, report times)


class SendError(Exception):
    """The provider did not take the message; ``str(exc)`` says why, in the provider's words."""


class TransientError(SendError):
    """Worth retrying: a timeout, a connection refused, a server error."""


class Throttled(SendError):
    """The provider's rate limit: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SendError):
    """The provider refused this message; sending it again would be refused again."""


class Backend:
    """The interface; ``name`` is stored on each message sent through the backend."""

    name = ""

    def send(self, message) -> str:
        """Hand ``message`` (an ``SmsMessage``) to the provider; return the provider's message id."""
        raise NotImplementedError

    def find_sent(self, message) -> str | None:
        """The provider's id of a message it already accepted with ``message.idempotency_key``, or
        ``None`` if it has none (then the message is sent again)."""
        return None


# --- what the provider backends share ----------------------------------------------------------


def seconds_until_tomorrow() -> int:
    """Until the providers' next day (a daily limit lifts at midnight, Beijing time)."""
    now = timezone.now().astimezone(SHANGHAI)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((tomorrow - now).total_seconds()) + 1


def split_endpoint(value: str) -> tuple[str, bool]:
    """``(host[:port], plain_http)`` from an endpoint setting: a bare host is reached over HTTPS,
    ``http://host:port`` over plain HTTP (a provider fake on loopback)."""
    value = value.strip().rstrip("/")
    if "://" in value:
        parts = urlsplit(value)
        return parts.netloc, parts.scheme == "http"
    return value, False


class PerThread:
    """One client per thread (SDK clients and sessions are not shared across threads), built again when
    the configuration it was built for changes."""

    def __init__(self):
        self._local = threading.local()

    def get(self, config, build: Callable[[], object]):
        cached = getattr(self._local, "value", None)
        if cached is None or cached[0] != config:
            cached = self._local.value = (config, build())
        return cached[1]


def get_backend(name: str | None = None) -> Backend:
    """The configured backend (``SMS_BACKEND``: a name from ``BACKENDS`` or a dotted path)."""
    name = name or settings.SMS_BACKEND
    try:
        backend_class = import_string(BACKENDS.get(name, name))
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND={name!r}: {exc}") from exc
    return backend_class()
