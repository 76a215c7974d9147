"""Aliyun SMS (短信服务, dysmsapi 2017-05-25) through the official SDK.

``SendSms`` is not idempotent, so every message carries our idempotency key as ``OutId``; ``find_sent``
looks for it with ``QuerySendDetails``. The SDK's own retries are off: retrying is the outbox's job,
which knows about the attempt cap and the phone's limits.

Settings: ``SMS_ALIYUN_ACCESS_KEY_ID``, ``SMS_ALIYUN_ACCESS_KEY_SECRET``, ``SMS_ALIYUN_SIGN_NAME``,
``SMS_ALIYUN_ENDPOINT`` (a host such as ``dysmsapi.aliyuncs.com``, spoken to over HTTPS; ``http://host:port``
means plain HTTP, for a local fake), ``SMS_TIMEOUT`` (seconds).

How the provider's answers map (Aliyun's codes, as its API error-code list names them):

- ``Code == "OK"``: sent; ``BizId`` is the provider's message id.
- rate limits (``isv.BUSINESS_LIMIT_CONTROL``, ``isv.DAY_LIMIT_CONTROL``, ``isv.MONTH_LIMIT_CONTROL``,
  ``Throttling*``): ``Throttled``, with the wait the limit implies (a minute, an hour, until tomorrow).
- network errors, timeouts, HTTP 5xx, ``isp.SYSTEM_ERROR`` and a few codes that say "try again"
  (an account out of credit among them: it sends again once the account is topped up, and fails for
  good after ``SMS_MAX_ATTEMPTS``): ``TransientError``.
- everything else the provider refuses (an illegal number, a template or signature that is not
  approved, wrong credentials): ``PermanentError``.
"""

from __future__ import annotations

import json
from datetime import timedelta

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from Tea.exceptions import UnretryableException

from notices.backends import (
    SHANGHAI,
    Backend,
    PermanentError,
    PerThread,
    Throttled,
    TransientError,
    seconds_until_tomorrow,
    split_endpoint,
)

OK = "OK"
PAGE_SIZE = 50  # QuerySendDetails' maximum
DAY_SLACK = (timedelta(0), timedelta(minutes=10))  # the provider may date a send started at 23:59 the next day
MAX_PAGES = 20  # a phone gets at most SMS_PHONE_LIMITS["day"] messages a day; this is far beyond

THROTTLING = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"}
RETRYABLE = {
    "isp.SYSTEM_ERROR", "InternalError", "ServiceUnavailable", "SignatureNonceUsed", "isv.OUT_OF_SERVICE",
    "isv.AMOUNT_NOT_ENOUGH", "isp.GATEWAY_ERROR",
}  # fmt: skip
# The messages of isv.BUSINESS_LIMIT_CONTROL say which limit was hit: 触发分钟级流控 / 小时级 / 天级.
LIMIT_WAITS = {"分钟级": 60, "小时级": 3600}

_clients = PerThread()


def _retry_after(code: str, message: str) -> int | None:
    """Seconds until the provider's limit lets this phone (or this account) send again, if known."""
    for marker, seconds in LIMIT_WAITS.items():
        if marker in message:
            return seconds
    if code == "isv.DAY_LIMIT_CONTROL" or "天级" in message:
        return seconds_until_tomorrow()
    return None


def raise_for(code: str, message: str, status: int | None = None, *, throttled: bool = False) -> None:
    """Raise the ``SendError`` that an Aliyun code (and HTTP status, if it came as one) means."""
    text = f"{code}: {message}" if message else code
    if throttled or code in THROTTLING or code.startswith("Throttling"):
        raise Throttled(text, _retry_after(code, message))
    if code in RETRYABLE or (status is not None and status >= 500):
        raise TransientError(text)
    raise PermanentError(text)


def _timeout_ms() -> int:
    return max(1, int(settings.SMS_TIMEOUT * 1000))


def get_client() -> Client:
    """A client for the current settings, one per thread (creating one is cheap; the SDK pools
    connections by host on its own)."""
    key_id, secret = settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET
    if not key_id or not secret or not settings.SMS_ALIYUN_SIGN_NAME:
        raise ImproperlyConfigured(
            "SMS_BACKEND=aliyun needs SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET and SMS_ALIYUN_SIGN_NAME."
        )
    endpoint, plain_http = split_endpoint(settings.SMS_ALIYUN_ENDPOINT)
    config = Config(
        access_key_id=key_id, access_key_secret=secret, endpoint=endpoint, protocol="HTTP" if plain_http else "HTTPS",
        read_timeout=_timeout_ms(), connect_timeout=_timeout_ms(),
    )  # fmt: skip
    return _clients.get((key_id, secret, endpoint, plain_http, _timeout_ms()), lambda: Client(config))


class AliyunBackend(Backend):
    name = "aliyun"

    def __init__(self):
        self.client = get_client()

    def _runtime(self) -> RuntimeOptions:
        return RuntimeOptions(autoretry=False, read_timeout=_timeout_ms(), connect_timeout=_timeout_ms())

    def _call(self, method, request):
        """Call the SDK; its errors become ``SendError``s."""
        try:
            return method(request, self._runtime()).body
        except AlibabaCloudException as exc:  # the provider answered with an HTTP error
            throttled = isinstance(exc, ThrottlingException)
            raise_for(exc.code or "", exc.message or "", exc.status_code, throttled=throttled)
        except UnretryableException as exc:  # how the SDK wraps network errors, timeouts, unreadable answers
            raise TransientError(f"阿里云短信接口无应答：{exc}") from exc

    def send(self, message) -> str:
        template_code = message.template.aliyun_template_code
        if not template_code:
            raise PermanentError(f"短信模板“{message.template}”没有填写阿里云模板代码。")
        request = dysms_models.SendSmsRequest(
            phone_numbers=message.phone, sign_name=settings.SMS_ALIYUN_SIGN_NAME, template_code=template_code,
            template_param=json.dumps(message.params, ensure_ascii=False), out_id=message.idempotency_key,
        )  # fmt: skip
        body = self._call(self.client.send_sms_with_options, request)
        if body.code != OK:
            raise_for(body.code or "", body.message or "")
        if not body.biz_id:
            raise TransientError(f"阿里云未返回 BizId（RequestId {body.request_id}）")
        return body.biz_id

    def find_sent(self, message) -> str | None:
        """Whether Aliyun took a message with our key (``OutId``), by ``QuerySendDetails`` for the phone
        on the day sending started (and the next day, when sending started just before midnight).

        Aliyun's detail records carry ``OutId`` but not ``BizId``, so the id returned is ``OutId:<key>``,
        a stand-in: delivery receipts carry ``out_id`` too and are matched by it. Only the last 30 days
        can be queried."""
        started = message.sending_started_at or timezone.now()
        days = sorted({(started + slack).astimezone(SHANGHAI).strftime("%Y%m%d") for slack in DAY_SLACK})
        for day in days:
            if self._find_on(message, day):
                return f"OutId:{message.idempotency_key}"
        return None

    def _find_on(self, message, day: str) -> bool:
        for page in range(1, MAX_PAGES + 1):
            request = dysms_models.QuerySendDetailsRequest(
                phone_number=message.phone, send_date=day, page_size=PAGE_SIZE, current_page=page
            )
            body = self._call(self.client.query_send_details_with_options, request)
            if body.code != OK:
                raise_for(body.code or "", body.message or "")
            records = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            if any(record.out_id == message.idempotency_key for record in records):
                return True
            if not records or page * PAGE_SIZE >= int(body.total_count or 0):
                return False
        return False
