"""Delivery receipts over the URLs the providers post to: the secret is checked, each report updates its
message, and nothing else changes."""

import hashlib
import hmac
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notices.models import SmsMessage, SmsStatus
from notices.tests.factories import make_sms

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN = "receipt-token-5f2c"
SECRET = "gateway-receipt-secret"


@pytest.fixture(autouse=True)
def receipt_settings(settings):
    settings.SMS_RECEIPT_TOKEN = TOKEN
    settings.SMS_HTTP_RECEIPT_SECRET = SECRET
    return settings


def sent(org, provider: str, provider_id: str, **kwargs) -> SmsMessage:
    """A message the provider has taken, marked by hand as the send task would."""
    message = make_sms(unit=org["east_station"], **kwargs)
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.SENT, provider=provider, provider_message_id=provider_id, attempts=1,
        sending_started_at=timezone.now(), sent_at=timezone.now(),
    )  # fmt: skip
    return SmsMessage.objects.get(pk=message.pk)


def post_json(client, url: str, body, **headers):
    return client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json", headers=headers)


def aliyun_report(biz_id="900000000000001^0", out_id="", success=True, **fields):
    report = {
        "phone_number": "13800138000", "send_time": "2026-11-23 10:00:01", "report_time": "2026-11-23 10:00:05",
        "success": success, "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "空号", "sms_size": "1", "biz_id": biz_id, "out_id": out_id,
    }  # fmt: skip
    report.update(fields)
    return report


def tencent_report(sid="2433:100", status="SUCCESS", **fields):
    report = {
        "user_receive_time": "2026-11-23 10:00:07", "nationcode": "86", "mobile": "13800138000",
        "report_status": status, "errmsg": "DELIVRD" if status == "SUCCESS" else "MI:0013",
        "description": "用户短信送达成功" if status == "SUCCESS" else "用户停机", "sid": sid,
    }  # fmt: skip
    report.update(fields)
    return report


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_http(client, body, signature=None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"X-Signature": signature if signature is not None else signed(raw)}
    return client.post(reverse("notice_receipts:http"), data=raw, content_type="application/json", headers=headers)


def aliyun_url(token=TOKEN):
    return reverse("notice_receipts:aliyun", args=[token])


def tencent_url(token=TOKEN):
    return reverse("notice_receipts:tencent", args=[token])


# --- Aliyun ---------------------------------------------------------------------------------------


def test_aliyun_delivered(client, org):
    message = sent(org, "aliyun", "900000000000001^0")
    response = post_json(client, aliyun_url(), [aliyun_report()])

    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "成功"}
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 23, 10, 0, 5, tzinfo=SHANGHAI)


def test_aliyun_failed_keeps_the_reason(client, org):
    message = sent(org, "aliyun", "900000000000001^0")
    post_json(client, aliyun_url(), [aliyun_report(success=False)])

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "MK:0001" in message.last_error and "空号" in message.last_error
    assert message.failed_at == datetime(2026, 11, 23, 10, 0, 5, tzinfo=SHANGHAI)


def test_aliyun_a_receipt_before_the_send_answer_is_matched_by_out_id(client, org):
    message = make_sms(unit=org["east_station"], key="case:S1-1:completion")
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.SENDING, provider="aliyun")
    post_json(client, aliyun_url(), [aliyun_report(biz_id="900000000000777^0", out_id="case:S1-1:completion")])

    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.provider_message_id == "900000000000777^0"


def test_aliyun_a_batch_updates_each_message(client, org):
    first = sent(org, "aliyun", "1^0")
    second = sent(org, "aliyun", "2^0", phone="13900139000")
    post_json(client, aliyun_url(), [aliyun_report(biz_id="1^0"), aliyun_report(biz_id="2^0", success=False)])

    assert SmsMessage.objects.get(pk=first.pk).status == SmsStatus.DELIVERED
    assert SmsMessage.objects.get(pk=second.pk).status == SmsStatus.FAILED


def test_aliyun_wrong_token_is_refused_and_changes_nothing(client, org):
    message = sent(org, "aliyun", "900000000000001^0")
    response = post_json(client, aliyun_url("guessed-token"), [aliyun_report()])

    assert response.status_code == 403
    assert response.json()["detail"] == "回执令牌不正确。"
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_guessing_tokens_is_cut_off_per_address(client, org, settings):
    settings.RATELIMIT_RECEIPTS = "3/m"
    answers = [post_json(client, aliyun_url(f"guess-{n}"), [aliyun_report()]).status_code for n in range(4)]
    assert answers == [403, 403, 403, 429]
    # The real provider, from its own address, is not held up by someone else's guessing.
    body = json.dumps([aliyun_report()])
    response = client.post(aliyun_url(), data=body, content_type="application/json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200


def test_receipts_are_off_without_a_token(client, org, receipt_settings):
    receipt_settings.SMS_RECEIPT_TOKEN = ""
    message = sent(org, "aliyun", "900000000000001^0")

    assert post_json(client, aliyun_url("anything"), [aliyun_report()]).status_code == 404
    assert post_json(client, tencent_url("anything"), [tencent_report()]).status_code == 404
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_aliyun_unknown_id_is_logged_and_acknowledged(client, org, caplog):
    message = sent(org, "aliyun", "900000000000001^0")
    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        response = post_json(client, aliyun_url(), [aliyun_report(biz_id="404^0", out_id="nobody:1")])

    assert response.status_code == 200  # so that Aliyun does not push it again and again
    assert any("unknown message" in record.getMessage() and "404^0" in record.getMessage() for record in caplog.records)
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_aliyun_repeated_receipt_is_harmless(client, org):
    message = sent(org, "aliyun", "900000000000001^0")
    post_json(client, aliyun_url(), [aliyun_report()])
    again = post_json(client, aliyun_url(), [aliyun_report(report_time="2026-11-23 10:09:00")])
    late_failure = post_json(client, aliyun_url(), [aliyun_report(success=False)])

    assert again.status_code == late_failure.status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 23, 10, 0, 5, tzinfo=SHANGHAI)  # the first report's
    assert message.last_error == ""


@pytest.mark.parametrize("body", [b"not json", b'{"a": 1', b"[1, 2]", b'"text"'])
def test_aliyun_unreadable_body(client, org, body):
    message = sent(org, "aliyun", "900000000000001^0")
    response = client.post(aliyun_url(), data=body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_receipts_take_posts_only(client):
    assert client.get(aliyun_url()).status_code == 405
    assert client.get(reverse("notice_receipts:http")).status_code == 405


def test_receipts_need_neither_a_session_nor_a_csrf_token(org):
    message = sent(org, "aliyun", "900000000000001^0")
    response = post_json(Client(enforce_csrf_checks=True), aliyun_url(), [aliyun_report()])

    assert response.status_code == 200  # not a redirect to the sign-in page, not a CSRF failure
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


# --- Tencent --------------------------------------------------------------------------------------


def test_tencent_delivered(client, org):
    message = sent(org, "tencent", "2433:100")
    response = post_json(client, tencent_url(), [tencent_report()])

    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 23, 10, 0, 7, tzinfo=SHANGHAI)


def test_tencent_failed_keeps_the_reason(client, org):
    message = sent(org, "tencent", "2433:100")
    post_json(client, tencent_url(), [tencent_report(status="FAIL")])

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "MI:0013" in message.last_error and "用户停机" in message.last_error


def test_tencent_matches_by_provider_and_serial_number(client, org):
    aliyun_message = sent(org, "aliyun", "2433:100")  # the same id at another provider is another message
    post_json(client, tencent_url(), [tencent_report(sid="2433:100")])

    aliyun_message.refresh_from_db()
    assert aliyun_message.status == SmsStatus.SENT


def test_tencent_wrong_token_is_refused(client, org):
    message = sent(org, "tencent", "2433:100")
    response = post_json(client, tencent_url(TOKEN + "x"), [tencent_report()])

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_tencent_unknown_id_is_logged_and_acknowledged(client, org, caplog):
    with caplog.at_level(logging.WARNING, logger="notices.sms"):
        response = post_json(client, tencent_url(), [tencent_report(sid="2433:999")])
    assert response.json() == {"result": 0, "errmsg": "OK"}
    assert any("unknown message" in record.getMessage() for record in caplog.records)


# --- the city gateway -----------------------------------------------------------------------------


def test_http_delivered(client, org):
    message = sent(org, "http", "gw-1")
    response = post_http(client, {"message_id": "gw-1", "status": "delivered", "at": "2026-11-23T10:00:09+08:00"})

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 23, 10, 0, 9, tzinfo=SHANGHAI)


def test_http_failed_by_idempotency_key(client, org):
    message = sent(org, "http", "gw-1", key="case:S1-2:completion")
    post_http(client, {"idempotency_key": "case:S1-2:completion", "status": "failed", "error": "用户已停机"})

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "用户已停机" in message.last_error


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", signed(b"another body"), signed(b"{}", secret="guessed-secret")],
)
def test_http_wrong_signature_is_refused_and_changes_nothing(client, org, signature):
    message = sent(org, "http", "gw-1")
    response = post_http(client, {"message_id": "gw-1", "status": "delivered"}, signature=signature)

    assert response.status_code == 403
    assert response.json()["detail"] == "回执签名不正确。"
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_http_signature_is_over_the_raw_body(client, org):
    """The same JSON spelled differently is a different body: the signature of the other one fails."""
    message = sent(org, "http", "gw-1")
    raw = b'{"message_id": "gw-1", "status": "delivered"}'
    respaced = b'{"message_id":"gw-1","status":"delivered"}'
    url = reverse("notice_receipts:http")

    refused = client.post(url, data=respaced, content_type="application/json", headers={"X-Signature": signed(raw)})
    assert refused.status_code == 403
    taken = client.post(url, data=respaced, content_type="application/json", headers={"X-Signature": signed(respaced)})
    assert taken.status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def test_http_unknown_status_is_unreadable_and_nothing_is_applied(client, org):
    first = sent(org, "http", "gw-1")
    response = post_http(
        client, [{"message_id": "gw-1", "status": "delivered"}, {"message_id": "gw-2", "status": "lost"}]
    )

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.status == SmsStatus.SENT


def test_http_receipts_are_off_without_a_secret(client, org, receipt_settings):
    receipt_settings.SMS_HTTP_RECEIPT_SECRET = ""
    response = post_http(client, {"message_id": "gw-1", "status": "delivered"}, signature=signed(b"x", secret=""))
    assert response.status_code == 404


def test_http_repeated_receipt_is_harmless(client, org):
    message = sent(org, "http", "gw-1")
    body = {"message_id": "gw-1", "status": "delivered", "at": "2026-11-23T10:00:09+08:00"}
    assert post_http(client, body).status_code == 200
    assert post_http(client, body).status_code == 200

    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED
    assert message.delivered_at == datetime(2026, 11, 23, 10, 0, 9, tzinfo=SHANGHAI)
