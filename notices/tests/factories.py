"""Outbox messages, queued through the same service the portal uses."""

import itertools

from notices.models import Purpose
from notices.services import sms_enqueue

_keys = itertools.count(1)

COMPLETION_PARAMS = {
    "station": "东关派出所", "service": "居住证办理", "date": "11月23日", "hours": "工作日9:00-17:00",
    "bring": "受理回执和身份证", "window": "3号窗口", "number": "S1-20261121-0001",
}  # fmt: skip


def make_sms(*, unit, phone="13800138000", purpose=Purpose.COMPLETION, params=None, key=None, **kwargs):
    """A queued message (the send task is enqueued when the test's transaction would commit)."""
    return sms_enqueue(
        purpose=purpose, phone=phone, params=params or COMPLETION_PARAMS, unit=unit,
        idempotency_key=key or f"test:{next(_keys)}", reference=kwargs.pop("reference", "S1-20261121-0001"),
        **kwargs,
    )  # fmt: skip
