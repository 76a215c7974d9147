"""Delivery receipts: the providers tell us whether a message reached the phone.

One endpoint per provider, each in the provider's own format, each calling ``sms_receipt`` once per
report. They are open to the internet (no session, no CSRF token), so each checks a secret first:

- Aliyun (SmsReport, pushed over HTTP in batches) and Tencent (the status callback) post to a URL we
  register with them; the secret is in that URL (``SMS_RECEIPT_TOKEN``). When the token is empty,
  receipts are off and these URLs answer 404.
- The city gateway signs the raw body: ``X-Signature: sha256=<hex HMAC-SHA256 with SMS_HTTP_RECEIPT_SECRET>``.
  Its body is ``{"message_id", "idempotency_key", "status": "delivered"|"failed", "error", "at"}`` (ISO 8601),
  or a list of those.

A wrong secret answers 403 and changes nothing; a body we cannot read answers 400. A report for a
message we do not know is logged by ``sms_receipt`` and ignored, and the batch is still acknowledged,
so the provider does not push it again forever. Reports repeat; applying one twice is harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from notices.backends import SHANGHAI  # the providers' report times are Beijing time without an offset
from notices.services import sms_receipt
from windows.api_errors import error_response

logger = logging.getLogger("notices.sms")

ERROR_LENGTH = 200
RECEIPTS_OFF = "未开启短信回执。"
REFUSED = "回执令牌不正确。"
WRONG_SIGNATURE = "回执签名不正确。"
UNREADABLE = "回执内容无法解析。"


class Unreadable(Exception):
    """The body is not what the provider's format says."""


def receipts_rate(group, request) -> str:
    return settings.RATELIMIT_RECEIPTS


# Public endpoints: a budget per client address (generous: a provider pushes receipts in bursts), so a
# token cannot be guessed at speed. Over it, 429: providers send the batch again later.
receipts_limit = ratelimit(group="notices.receipts", key="ip", rate=receipts_rate, block=True)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _reports(request) -> list[dict]:
    """The body as a list of JSON objects (one object counts as a list of one)."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unreadable from exc
    reports = [body] if isinstance(body, dict) else body
    if not isinstance(reports, list) or not all(isinstance(report, dict) for report in reports):
        raise Unreadable
    return reports


def _local_time(value) -> datetime | None:
    """``"2026-11-23 10:00:05"`` (Beijing time) or ISO 8601, as an aware datetime; ``None`` if unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=SHANGHAI)


def _text(*parts) -> str:
    return " ".join(str(part) for part in parts if part not in (None, ""))[:ERROR_LENGTH]


def _token_check(token: str) -> JsonResponse | None:
    if not settings.SMS_RECEIPT_TOKEN:
        return error_response(404, RECEIPTS_OFF)
    if not _same(token, settings.SMS_RECEIPT_TOKEN):
        logger.warning("SMS receipt with a wrong token; refused")
        return error_response(403, REFUSED)
    return None


def _apply(provider: str, readings: list[tuple[dict, dict | None]]) -> int:
    """Apply each ``(report, sms_receipt's arguments)``; a report without arguments is logged and skipped."""
    applied = 0
    for report, arguments in readings:
        if arguments is None:
            logger.warning("SMS receipt from %s without a message id; skipped: %r", provider, report)
            continue
        if sms_receipt(provider=provider, **arguments) is not None:
            applied += 1
    return applied


def _read_aliyun(report: dict) -> dict | None:
    biz_id, out_id = str(report.get("biz_id") or ""), str(report.get("out_id") or "")
    if not biz_id and not out_id:
        return None
    success = report.get("success")
    delivered = success is True or str(success).lower() in ("true", "1")
    return {
        "delivered": delivered, "provider_message_id": biz_id, "idempotency_key": out_id,
        "error": "" if delivered else _text(report.get("err_code"), report.get("err_msg")),
        "at": _local_time(report.get("report_time")),
    }  # fmt: skip


def _read_tencent(report: dict) -> dict | None:
    # Tencent's callback carries the SerialNo ("sid") but not the SessionContext (its documentation,
    # "短信下发状态通知", lists no such field); so a receipt is matched by sid only.
    sid = str(report.get("sid") or "")
    if not sid:
        return None
    delivered = str(report.get("report_status") or "").upper() == "SUCCESS"
    return {
        "delivered": delivered, "provider_message_id": sid,
        "error": "" if delivered else _text(report.get("errmsg"), report.get("description")),
        "at": _local_time(report.get("user_receive_time")),
    }  # fmt: skip


def _read_http(report: dict) -> dict | None:
    message_id, key = str(report.get("message_id") or ""), str(report.get("idempotency_key") or "")
    status = report.get("status")
    if status not in ("delivered", "failed"):
        raise Unreadable
    if not message_id and not key:
        return None
    delivered = status == "delivered"
    return {
        "delivered": delivered, "provider_message_id": message_id, "idempotency_key": key,
        "error": "" if delivered else _text(report.get("error")), "at": _local_time(report.get("at")),
    }  # fmt: skip


@csrf_exempt
@login_not_required
@receipts_limit
@require_POST
def aliyun(request, token: str):
    """Aliyun's SmsReport: a JSON list of ``{"phone_number", "send_time", "report_time", "success",
    "err_code", "err_msg", "sms_size", "biz_id", "out_id"}``; answered ``{"code": 0, "msg": "成功"}``."""
    refused = _token_check(token)
    if refused is not None:
        return refused
    try:
        reports = _reports(request)
    except Unreadable:
        return error_response(400, UNREADABLE)
    _apply("aliyun", [(report, _read_aliyun(report)) for report in reports])
    return JsonResponse({"code": 0, "msg": "成功"}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@login_not_required
@receipts_limit
@require_POST
def tencent(request, token: str):
    """Tencent's status callback: a JSON list of ``{"user_receive_time", "nationcode", "mobile",
    "report_status": "SUCCESS"|"FAIL", "errmsg", "description", "sid"}``; answered ``{"result": 0, "errmsg": "OK"}``."""
    refused = _token_check(token)
    if refused is not None:
        return refused
    try:
        reports = _reports(request)
    except Unreadable:
        return error_response(400, UNREADABLE)
    _apply("tencent", [(report, _read_tencent(report)) for report in reports])
    return JsonResponse({"result": 0, "errmsg": "OK"})


@csrf_exempt
@login_not_required
@receipts_limit
@require_POST
def http(request):
    """The city gateway's receipts, signed with ``SMS_HTTP_RECEIPT_SECRET``; answered ``{"status": "ok"}``."""
    secret = settings.SMS_HTTP_RECEIPT_SECRET
    if not secret:
        return error_response(404, RECEIPTS_OFF)
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not _same(request.headers.get("X-Signature", ""), expected):
        logger.warning("SMS receipt from the gateway with a wrong signature; refused")
        return error_response(403, WRONG_SIGNATURE)
    try:
        readings = [(report, _read_http(report)) for report in _reports(request)]  # all read before any is applied
    except Unreadable:
        return error_response(400, UNREADABLE)
    _apply("http", readings)
    return JsonResponse({"status": "ok"})
