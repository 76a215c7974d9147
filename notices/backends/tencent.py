"""Tencent Cloud SMS (API 3.0, sms 2021-01-11) through the official SDK.

Template parameters go as ``TemplateParamSet``, in the order of the template's placeholders (Tencent's
templates number them {1}, {2}…); our idempotency key goes as ``SessionContext``, which Tencent echoes
in its answer and in ``PullSmsSendStatusByPhoneNumber``. The SDK does not retry on its own (no
``retryer`` in the profile): retrying is the outbox's job.

Settings: ``SMS_TENCENT_SECRET_ID``, ``SMS_TENCENT_SECRET_KEY``, ``SMS_TENCENT_SDK_APP_ID``,
``SMS_TENCENT_SIGN_NAME``, ``SMS_TENCENT_REGION``, ``SMS_TENCENT_ENDPOINT`` (a host such as
``sms.tencentcloudapi.com``, over HTTPS; ``http://host:port`` means plain HTTP, for a local fake),
``SMS_TIMEOUT`` (seconds).

How the answers map (the codes are those of the SDK's ``errorcodes`` module):

- ``SendStatusSet[0].Code == "Ok"``: sent; ``SerialNo`` is the provider's message id.
- ``LimitExceeded.*`` and ``RequestLimitExceeded*``: ``Throttled`` (an hour for the hourly limit,
  until tomorrow for the daily ones, 30 s for the 30-second one).
- ``InternalError.*``, network errors, timeouts, a non-200 HTTP answer, an account in arrears: ``TransientError``.
- everything else (a country blacklist, wrong signatures, ``FailedOperation.*``, ``InvalidParameter*``,
  ``UnauthorizedOperation.*``, ``AuthFailure.*``…): ``PermanentError``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from notices.backends import (
    Backend,
    PermanentError,
    PerThread,
    Throttled,
    TransientError,
    seconds_until_tomorrow,
    split_endpoint,
)

OK = "Ok"
PULL_LIMIT = 100  # PullSmsSendStatusByPhoneNumber's maximum; Offset must be 0
CLOCK_SLACK = timedelta(minutes=1)
# Whole-request errors that say "try again": the SDK's own network errors, and an account in arrears
# (it sends again once the account is topped up; after SMS_MAX_ATTEMPTS the message fails for good).
RETRYABLE = {
    "ClientNetworkError", "ServerNetworkError", "FailedOperation.InsufficientBalanceInSmsPackage",
    "UnauthorizedOperation.ServiceSuspendDueToArrears",
}  # fmt: skip
# Named LimitExceeded/InternalError but not worth retrying: the request itself is wrong.
NOT_RETRYABLE = {
    "LimitExceeded.AppCountryOrRegionInBlacklist", "LimitExceeded.PhoneNumberCountLimit",
    "InternalError.SigFieldMissing", "InternalError.SigVerificationFail", "InternalError.RestApiInterfaceNotExist",
}  # fmt: skip
LIMIT_WAITS = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
    "LimitExceeded.DeliveryFrequencyLimit": 60,
}

_clients = PerThread()


def raise_for(code: str, message: str) -> None:
    """Raise the ``SendError`` that a Tencent code means."""
    text = f"{code}: {message}" if message else code
    if code in NOT_RETRYABLE:
        raise PermanentError(text)
    if code.startswith(("LimitExceeded", "RequestLimitExceeded")):
        retry_after = LIMIT_WAITS.get(code)
        if retry_after is None and "DailyLimit" in code:
            retry_after = seconds_until_tomorrow()
        raise Throttled(text, retry_after)
    if code.startswith("InternalError") or code in RETRYABLE:
        raise TransientError(text)
    raise PermanentError(text)


def get_client() -> SmsClient:
    """A client for the current settings, one per thread, so that its HTTP connection is reused."""
    secret_id, secret_key = settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY
    if not (secret_id and secret_key and settings.SMS_TENCENT_SDK_APP_ID and settings.SMS_TENCENT_SIGN_NAME):
        raise ImproperlyConfigured(
            "SMS_BACKEND=tencent needs SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID "
            "and SMS_TENCENT_SIGN_NAME."
        )
    endpoint, plain_http = split_endpoint(settings.SMS_TENCENT_ENDPOINT)
    region, timeout = settings.SMS_TENCENT_REGION, settings.SMS_TIMEOUT

    def build() -> SmsClient:
        scheme = "http" if plain_http else "https"
        http_profile = HttpProfile(protocol=scheme, endpoint=endpoint, reqTimeout=timeout, keepAlive=True)
        profile = ClientProfile(httpProfile=http_profile)  # no retryer: the SDK sends once
        return SmsClient(credential.Credential(secret_id, secret_key), region, profile)

    return _clients.get((secret_id, secret_key, region, endpoint, plain_http, timeout), build)


def e164(phone: str) -> str:
    """A mainland mobile number as Tencent wants it: ``+8613800138000``."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentBackend(Backend):
    name = "tencent"

    def __init__(self):
        self.client = get_client()

    def _call(self, method, request):
        try:
            return method(request)
        except TencentCloudSDKException as exc:
            raise_for(exc.code or "", exc.message or "")

    def send(self, message) -> str:
        template_id = message.template.tencent_template_id
        if not template_id:
            raise PermanentError(f"短信模板“{message.template}”没有填写腾讯云模板ID。")
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [e164(message.phone)]
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = settings.SMS_TENCENT_SIGN_NAME
        request.TemplateId = template_id
        request.TemplateParamSet = [str(message.params.get(name, "")) for name in message.template.parameters]
        request.SessionContext = message.idempotency_key
        response = self._call(self.client.SendSms, request)
        if not response.SendStatusSet:
            raise TransientError(f"腾讯云未返回发送状态（RequestId {response.RequestId}）")
        status = response.SendStatusSet[0]
        if status.Code != OK:
            raise_for(status.Code or "", status.Message or "")
        if not status.SerialNo:
            raise TransientError(f"腾讯云未返回 SerialNo（RequestId {response.RequestId}）")
        return status.SerialNo

    def find_sent(self, message) -> str | None:
        """The ``SerialNo`` of a message that Tencent took with our key, by
        ``PullSmsSendStatusByPhoneNumber`` from when sending started (its records carry
        ``SessionContext``).

        A limit of the API: it lists delivery *reports*, so a message that Tencent accepted but whose
        report has not come back from the carrier yet is not found, and is sent again. Reports usually
        come within seconds; the sweeper asks only after ``SMS_SENDING_TIMEOUT``. Only the last 7 days
        can be pulled."""
        started = message.sending_started_at or timezone.now()
        request = sms_models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int((started - CLOCK_SLACK).timestamp())
        request.Offset = 0
        request.Limit = PULL_LIMIT
        request.PhoneNumber = e164(message.phone)
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        response = self._call(self.client.PullSmsSendStatusByPhoneNumber, request)
        for status in response.PullSmsSendStatusSet or []:
            if status.SessionContext == message.idempotency_key and status.SerialNo:
                return status.SerialNo
        return None
