"""A fake SMS provider: a real HTTP server on 127.0.0.1 that speaks enough of three APIs for the
backends to be tested over the wire, as in production.

- Aliyun (RPC style, dispatched on the ``x-acs-action`` header): ``SendSms`` and ``QuerySendDetails``,
  parameters in the query string, JSON answers.
- Tencent Cloud (API 3.0, dispatched on the ``X-TC-Action`` header): ``SendSms`` and
  ``PullSmsSendStatusByPhoneNumber``, JSON bodies wrapped in ``{"Response": ...}``.
- The city gateway's webhook contract (see ``notices.backends.http``): ``POST /http/messages`` and
  ``GET /http/messages/<idempotency_key>``.

Signatures and credentials are not checked. Usage::

    with FakeProvider() as fake:
        fake.script(["throttle", "error", "timeout", "ok"])  # answers to the next send requests, then "ok"
        fake.delay = 2.0      # an accepted send is recorded first, then answered this many seconds later
        fake.sent             # the SMS that reached a phone: dicts with phone, key, provider_id, api, ...
        fake.received         # every send request, whatever was answered: dicts with api, phone, key, answer, ...
        fake.requests         # how many send requests came in
        fake.sent_count_by_key()

Script answers: ``"ok"``; ``"throttle"`` (the provider's rate limit, saying how long it lasts: Aliyun's
minute limit, the gateway's 429 with ``Retry-After: 1``); ``"busy"`` (a rate limit that names no wait:
Aliyun's ``Throttling.User``, a bare 429; Tencent answers as for "throttle"); ``"error"`` (a server error);
``"timeout"`` (no answer for ``fake.timeout_seconds``, 30 by default, then a server error; nothing is
sent; the client gives up after its ``SMS_TIMEOUT``, so keep that short); ``"reject"``
(the provider refuses the message for good: an illegal number, or a 400 from the gateway).

Standalone: ``python -m notices.tests.fake_provider --port 8765`` serves until it is killed.

This module uses the standard library only, so that it runs without Django.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import sys
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANSWERS = ("ok", "throttle", "busy", "error", "timeout", "reject")
HTTP_PATH = "/http/messages"


def _local_phone(phone: str) -> str:
    """``+8613800138000`` and ``8613800138000`` as ``13800138000``; anything else as it came."""
    phone = phone.strip()
    if phone.startswith("+86"):
        return phone[3:]
    if phone.startswith("86") and len(phone) == 13:
        return phone[2:]
    return phone


class FakeProvider:
    """The server and what it has seen. Thread-safe; one instance per test (or per benchmark)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.delay = 0.0
        self.timeout_seconds = 30.0  # how long a "timeout" answer is held: longer than any SMS_TIMEOUT in tests
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeProvider:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-sms", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that sleep for "timeout" or ``delay``
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return self.url + HTTP_PATH

    @property
    def aliyun_endpoint(self) -> str:
        return self.url

    @property
    def tencent_endpoint(self) -> str:
        return self.url

    # --- the test's controls and observations ------------------------------------------------

    def script(self, answers: list[str]) -> None:
        """The answers to the next send requests, in order; after them, "ok"."""
        unknown = [answer for answer in answers if answer not in ANSWERS]
        if unknown:
            raise ValueError(f"unknown answers {unknown}; known: {ANSWERS}")
        with self._lock:
            self._script.extend(answers)

    def reset(self) -> None:
        with self._lock:
            self._script: collections.deque[str] = collections.deque()
            self.sent: list[dict] = []
            self.received: list[dict] = []
            self.requests = 0
            self._http_ids: dict[str, str] = {}

    def sent_count_by_key(self) -> collections.Counter:
        with self._lock:
            return collections.Counter(sms["key"] for sms in self.sent)

    # --- used by the handler -----------------------------------------------------------------

    def _next_answer(self, request: dict) -> str:
        """Count a send request, record it, and take the scripted answer for it."""
        with self._lock:
            self.requests += 1
            answer = self._script.popleft() if self._script else "ok"
            self.received.append({**request, "answer": answer})
            return answer

    def _deliver(self, request: dict, provider_id: str) -> dict:
        sms = {**request, "provider_id": provider_id, "at": time.time()}
        with self._lock:
            self.sent.append(sms)
        return sms

    def _deliver_once(self, request: dict) -> tuple[str, bool]:
        """The gateway contract: the first message id of the key, and whether this request sent it."""
        with self._lock:
            known = self._http_ids.get(request["key"])
            if known is not None:
                return known, False
            provider_id = f"gw-{next(self._ids)}"
            self._http_ids[request["key"]] = provider_id
            self.sent.append({**request, "provider_id": provider_id, "at": time.time()})
            return provider_id, True

    def _new_id(self, api: str) -> str:
        number = next(self._ids)
        if api == "aliyun":
            return f"{900000000000000 + number}^0"
        return f"2433:{uuid.uuid4().int % 10**28:028d}{number}"

    def _sent_to(self, api: str, phone: str) -> list[dict]:
        with self._lock:
            return [sms for sms in self.sent if sms["api"] == api and sms["phone"] == phone]

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # bursts of thousands of connections

    def handle_error(self, request, client_address):
        # A client that gave up ("timeout") has closed its end: that is the point, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProvider  # set on the subclass made by FakeProvider.start
    protocol_version = "HTTP/1.1"  # keep-alive: the SDKs reuse their connections
    disable_nagle_algorithm = True  # headers and body go out in two writes; without this each answer waits 40 ms
    server_version = "FakeSms/1.0"

    def log_message(self, format, *args):
        pass  # quiet: thousands of requests in a benchmark

    # --- plumbing ----------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        # Exactly "application/json": the Tencent SDK looks for errors only under that content type.
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self._body()
        if self.headers.get("x-acs-action"):
            self._aliyun(self.headers["x-acs-action"], body)
        elif self.headers.get("X-TC-Action"):
            self._tencent(self.headers["X-TC-Action"], body)
        elif urlsplit(self.path).path.rstrip("/") == HTTP_PATH:
            self._http_send(body)
        else:
            self._answer(404, {"error": f"no such API: POST {self.path}"})

    def do_GET(self):
        path = urlsplit(self.path).path
        if path.startswith(HTTP_PATH + "/"):
            self._http_find(unquote(path[len(HTTP_PATH) + 1 :]))
        else:
            self._answer(404, {"error": f"no such API: GET {self.path}"})

    # --- Aliyun ------------------------------------------------------------------------------

    def _aliyun(self, action: str, body: bytes) -> None:
        params = {name: values[-1] for name, values in parse_qs(urlsplit(self.path).query).items()}
        params.update({name: values[-1] for name, values in parse_qs(body.decode()).items()})
        request_id = str(uuid.uuid4()).upper()
        if action == "SendSms":
            self._aliyun_send(params, request_id)
        elif action == "QuerySendDetails":
            self._aliyun_query(params, request_id)
        else:
            self._answer(404, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id})

    def _aliyun_send(self, params: dict, request_id: str) -> None:
        try:
            template_params = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            template_params = params.get("TemplateParam")
        request = {
            "api": "aliyun", "phone": _local_phone(params.get("PhoneNumbers", "")), "key": params.get("OutId", ""),
            "template": params.get("TemplateCode", ""), "params": template_params,
            "sign_name": params.get("SignName", ""),
        }  # fmt: skip
        answer = self.fake._next_answer(request)
        if answer == "throttle":
            return self._answer(
                200,
                {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": request_id},
            )
        if answer == "busy":
            return self._answer(
                400,
                {
                    "Code": "Throttling.User",
                    "Message": "Request was denied due to user flow control.",
                    "RequestId": request_id,
                },
            )
        if answer == "error":
            return self._answer(
                500, {"Code": "InternalError", "Message": "The request processing has failed.", "RequestId": request_id}
            )
        if answer == "timeout":
            self.fake._sleep(self.fake.timeout_seconds)
            return self._answer(503, {"Code": "ServiceUnavailable", "Message": "timeout", "RequestId": request_id})
        if answer == "reject":
            return self._answer(
                200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id}
            )
        # Aliyun's SendSms is not idempotent: every accepted request reaches the phone.
        sms = self.fake._deliver(request, self.fake._new_id("aliyun"))
        self.fake._sleep(self.fake.delay)
        self._answer(200, {"Code": "OK", "Message": "OK", "BizId": sms["provider_id"], "RequestId": request_id})

    def _aliyun_query(self, params: dict, request_id: str) -> None:
        phone = _local_phone(params.get("PhoneNumber", ""))
        send_date = params.get("SendDate", "")
        if not phone or not send_date:
            return self._answer(200, {"Code": "isv.INVALID_PARAMETERS", "Message": "参数异常", "RequestId": request_id})
        page_size = max(1, min(50, int(params.get("PageSize") or 10)))
        page = max(1, int(params.get("CurrentPage") or 1))
        records = [
            sms
            for sms in self.fake._sent_to("aliyun", phone)
            if datetime.fromtimestamp(sms["at"], SHANGHAI).strftime("%Y%m%d") == send_date
            and (not params.get("BizId") or sms["provider_id"] == params["BizId"])
        ]
        chunk = records[(page - 1) * page_size : page * page_size]
        details = [
            {
                "PhoneNum": sms["phone"], "SendStatus": 3, "ErrCode": "DELIVERED", "TemplateCode": sms["template"],
                "Content": json.dumps(sms["params"], ensure_ascii=False), "OutId": sms["key"],
                "SendDate": datetime.fromtimestamp(sms["at"], SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": datetime.fromtimestamp(sms["at"], SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for sms in chunk
        ]  # fmt: skip
        self._answer(
            200,
            {
                "Code": "OK", "Message": "OK", "RequestId": request_id, "TotalCount": len(records),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
            },
        )  # fmt: skip

    # --- Tencent -----------------------------------------------------------------------------

    def _tencent(self, action: str, body: bytes) -> None:
        request_id = str(uuid.uuid4())
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self._tencent_error("InvalidParameter", "body is not JSON", request_id)
        if action == "SendSms":
            self._tencent_send(params, request_id)
        elif action == "PullSmsSendStatusByPhoneNumber":
            self._tencent_pull(params, request_id)
        else:
            self._tencent_error("InvalidAction", f"{action} not found", request_id)

    def _tencent_error(self, code: str, message: str, request_id: str) -> None:
        self._answer(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})

    def _tencent_send(self, params: dict, request_id: str) -> None:
        phones = params.get("PhoneNumberSet") or [""]
        request = {
            "api": "tencent", "phone": _local_phone(phones[0]), "key": params.get("SessionContext", ""),
            "template": params.get("TemplateId", ""), "params": params.get("TemplateParamSet") or [],
            "sign_name": params.get("SignName", ""), "app_id": params.get("SmsSdkAppId", ""),
        }  # fmt: skip
        answer = self.fake._next_answer(request)
        if answer == "error":
            return self._tencent_error("InternalError.SendAndRecvFail", "接口超时或后短信收发包超时", request_id)
        if answer == "timeout":
            self.fake._sleep(self.fake.timeout_seconds)
            return self._tencent_error("InternalError.Timeout", "请求下发短信超时", request_id)
        status = {"PhoneNumber": phones[0], "SessionContext": request["key"], "Fee": 0, "IsoCode": "CN"}
        if answer in ("throttle", "busy"):
            status.update(
                Code="LimitExceeded.PhoneNumberOneHourLimit", Message="单个手机号1小时内下发短信条数超过设定的上限"
            )
            status["SerialNo"] = ""
        elif answer == "reject":
            status.update(Code="InvalidParameterValue.IncorrectPhoneNumber", Message="手机号格式错误", SerialNo="")
        else:
            # Tencent's SendSms is not idempotent either: SessionContext is only echoed back.
            sms = self.fake._deliver(request, self.fake._new_id("tencent"))
            status.update(Code="Ok", Message="send success", SerialNo=sms["provider_id"], Fee=1)
            self.fake._sleep(self.fake.delay)
        self._answer(200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}})

    def _tencent_pull(self, params: dict, request_id: str) -> None:
        phone = _local_phone(params.get("PhoneNumber", ""))
        begin = params.get("BeginTime")
        if not phone or begin is None:
            return self._tencent_error("MissingParameter", "PhoneNumber and BeginTime are required", request_id)
        end = params.get("EndTime")
        limit = max(1, min(100, int(params.get("Limit") or 100)))
        records = [
            sms
            for sms in self.fake._sent_to("tencent", phone)
            if sms["at"] >= int(begin) and (end is None or sms["at"] <= int(end))
        ][:limit]
        statuses = [
            {
                "UserReceiveTime": int(sms["at"]), "CountryCode": "86", "SubscriberNumber": sms["phone"],
                "PhoneNumber": "+86" + sms["phone"], "SerialNo": sms["provider_id"], "ReportStatus": "SUCCESS",
                "Description": "DELIVRD", "SessionContext": sms["key"],
            }
            for sms in records
        ]  # fmt: skip
        self._answer(200, {"Response": {"PullSmsSendStatusSet": statuses, "RequestId": request_id}})

    # --- the gateway contract ----------------------------------------------------------------

    def _http_send(self, body: bytes) -> None:
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            return self._answer(400, {"error": "body is not a JSON object"})
        request = {
            "api": "http", "phone": _local_phone(str(payload.get("phone", ""))),
            "key": str(payload.get("idempotency_key", "")), "template": payload.get("template", ""),
            "params": payload.get("params") or {}, "text": payload.get("text", ""),
            "reference": payload.get("reference", ""), "authorization": self.headers.get("Authorization", ""),
        }  # fmt: skip
        answer = self.fake._next_answer(request)
        if answer == "throttle":
            return self._answer(429, {"error": "too many requests"}, {"Retry-After": "1"})
        if answer == "busy":
            return self._answer(429, {"error": "too many requests"})
        if answer == "error":
            return self._answer(500, {"error": "internal error"})
        if answer == "timeout":
            self.fake._sleep(self.fake.timeout_seconds)
            return self._answer(504, {"error": "upstream timeout"})
        if answer == "reject" or not request["key"] or not request["phone"]:
            return self._answer(400, {"error": "号码无效"})
        provider_id, first = self.fake._deliver_once(request)
        if first:
            self.fake._sleep(self.fake.delay)
        self._answer(201 if first else 200, {"message_id": provider_id})

    def _http_find(self, key: str) -> None:
        with self.fake._lock:
            provider_id = self.fake._http_ids.get(key)
        if provider_id is None:
            return self._answer(404, {"error": "not found"})
        self._answer(200, {"message_id": provider_id})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake SMS provider (Aliyun, Tencent, webhook) for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    fake = FakeProvider(args.host, args.port).start()
    print(fake.url, flush=True)
    print(f"  SMS_ALIYUN_ENDPOINT={fake.aliyun_endpoint}", flush=True)
    print(f"  SMS_TENCENT_ENDPOINT={fake.tencent_endpoint}", flush=True)
    print(f"  SMS_HTTP_URL={fake.http_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
