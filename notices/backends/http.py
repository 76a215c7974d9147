"""A city's own SMS gateway, spoken to as a small JSON webhook. This module defines the contract; a gateway
that wants our messages implements it.

Sending: ``POST {SMS_HTTP_URL}`` with ``Authorization: Bearer {SMS_HTTP_TOKEN}`` and the JSON body::

    {"phone": "13800138000", "text": "您在东关派出所办理的…", "template": "completion",
     "params": {"station": "东关派出所", ...}, "reference": "S1-20261121-0001",
     "idempotency_key": "case:S1-20261121-0001:completion"}

``text`` is the message as rendered here, without a signature (the gateway adds its own); ``template``
and ``params`` are there for a gateway that sends by registered templates instead. The answers:

- ``200`` or ``201`` with ``{"message_id": "..."}``: accepted. The gateway must be idempotent: a repeated
  ``idempotency_key`` gets the first ``message_id`` back and sends nothing.
- ``429``, with an optional ``Retry-After`` (seconds, or an HTTP date): the gateway's rate limit.
- ``5xx``: the gateway's trouble; we retry with backoff (so do a timeout and a refused connection).
- any other ``4xx`` with ``{"error": "…"}``: the gateway refuses this message for good (a wrong
  number, a bad token); ``error`` is shown to the supervisors.

Looking up a message: ``GET {SMS_HTTP_URL}/{idempotency_key}`` (URL-encoded) answers ``200
{"message_id": "..."}`` if the gateway took a message with that key, ``404`` if not.

Delivery receipts come back as ``POST /notices/receipts/http/`` (see ``notices.receipts``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notices.backends import Backend, PermanentError, PerThread, Throttled, TransientError

ERROR_LENGTH = 200  # of a gateway's error text kept in the message

_sessions = PerThread()


def _session() -> requests.Session:
    """One session per thread: its connections are reused, and a Session is not shared across threads."""
    return _sessions.get(None, requests.Session)


def retry_after(value: str | None) -> int | None:
    """``Retry-After`` as seconds: a number of seconds, or an HTTP date; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return f"HTTP {response.status_code}: {str(error or response.reason or '')[:ERROR_LENGTH]}"


def raise_for(response: requests.Response) -> None:
    """Raise the ``SendError`` that a non-2xx answer means."""
    status = response.status_code
    if status == 429:
        raise Throttled(_error_text(response), retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        raise TransientError(_error_text(response))
    raise PermanentError(_error_text(response))


def _message_id(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    message_id = body.get("message_id") if isinstance(body, dict) else None
    return str(message_id) if message_id not in (None, "") else None


class HttpBackend(Backend):
    name = "http"

    def __init__(self):
        if not settings.SMS_HTTP_URL:
            raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL.")
        self.url = settings.SMS_HTTP_URL.rstrip("/")
        self.headers = {"Accept": "application/json"}
        if settings.SMS_HTTP_TOKEN:
            self.headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return _session().request(method, url, headers=self.headers, timeout=settings.SMS_TIMEOUT, **kwargs)
        except requests.Timeout as exc:
            raise TransientError(f"短信网关超时：{exc}") from exc
        except requests.RequestException as exc:  # connection refused, reset, DNS…
            raise TransientError(f"短信网关无法连接：{exc}") from exc

    def send(self, message) -> str:
        payload = {
            "phone": message.phone, "text": message.text, "template": message.template.purpose,
            "params": message.params, "reference": message.reference, "idempotency_key": message.idempotency_key,
        }  # fmt: skip
        response = self._request("POST", self.url, json=payload)
        if response.status_code not in (200, 201):
            raise_for(response)
        message_id = _message_id(response)
        if message_id is None:
            # Taken or not, we cannot tell; sending again is safe (the gateway is idempotent by key).
            raise TransientError(f"短信网关的应答没有 message_id（HTTP {response.status_code}）")
        return message_id

    def find_sent(self, message) -> str | None:
        response = self._request("GET", f"{self.url}/{quote(message.idempotency_key, safe='')}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise_for(response)
        return _message_id(response)
