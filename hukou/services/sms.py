"""The text messages a case sends the citizen: their parameters are built here, in one place, and each
is handed to ``notices`` inside the transaction of the change that causes it (the outbox: the row is
written with the change; its sending is enqueued when the transaction commits).

- 办结通知 (completion): the case is completed; where, from when and with what to collect it, in the
  words of the status lookup's pickup.
- 容缺补交提醒 (supplement reminder): two working days before a 容缺 deadline, from the deadline job.
- 告知单 (notice copy): a copy of a one-time notice, when the officer ticks 短信发送.

Each message has an idempotency key unique per case and purpose (and per deadline, per notice), so a
repeated call queues nothing more. A case without a mobile number gets no message. A message that
cannot be written (no template for its purpose, or a template asking for a parameter this module does
not give) raises a ``ValidationError`` on ``action``: the change that causes it does not happen, so a
case is never completed without its SMS and the officer is told why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hukou.models import Case, CaseDocument
from hukou.services import status
from notices.models import Purpose, SmsMessage
from notices.phones import normalise_phone
from notices.services import sms_enqueue
from windows.workdays import add_working_days, is_working_day

SMS_NOT_QUEUED = "“%(purpose)s”短信无法生成（%(reason)s），本次操作未执行。请联系系统管理员检查短信模板后重试。"


def month_day(day: date) -> str:
    """11月23日: how a date reads in a text message."""
    return _("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


def pickup_from(today: date) -> date:
    """The first day the result can be collected: today if it is a working day, else the next one."""
    return today if is_working_day(today) else add_working_days(today, 1)


def missing_text(entries: list[dict] | None) -> str:
    """The stored missing (or deferred) items of a notice or commitment as one line: 身份证、照片或照相回执
    (a group of which any one will do is written as its items joined with 或)."""
    return "、".join(
        "或".join(item.name for item in requirement.items) if requirement.one_of else requirement.label
        for requirement in status.missing_requirements(entries)
    )


# --- parameters ---------------------------------------------------------------------------------


def completion_params(case: Case, *, today: date) -> dict[str, str]:
    """The completion notice's parameters: the pickup the status lookup shows, from the first working day."""
    pickup = status.pickup_of(case)
    return {
        "station": pickup.station,
        "service": case.service_type.name,
        "date": month_day(pickup_from(today)),
        "hours": pickup.hours,
        "bring": "和".join(str(thing) for thing in pickup.bring),
        "window": pickup.window_label,
        "number": case.number,
    }


def supplement_reminder_params(case: Case, *, deferred: list[dict] | None) -> dict[str, str]:
    """The 容缺 reminder's parameters; ``deferred``: the commitment's stored list of deferred materials."""
    return {
        "station": case.station.name,
        "service": case.service_type.name,
        "number": case.number,
        "due": month_day(case.supplement_due_on),
        "missing": missing_text(deferred),
    }


def notice_copy_params(case: Case, *, notice: CaseDocument) -> dict[str, str]:
    """The notice copy's parameters: exactly the notice's missing list."""
    return {
        "station": case.station.name,
        "service": case.service_type.name,
        "number": case.number,
        "missing": missing_text(notice.content.get("missing")),
    }


# --- queueing -----------------------------------------------------------------------------------


def case_sms_completion(*, case: Case, today: date) -> SmsMessage | None:
    """Queue the completion notice of a case just completed (in the caller's transaction)."""
    return _queue(case, Purpose.COMPLETION, completion_params(case, today=today), key=f"case:{case.pk}:completion")


def case_sms_supplement_reminder(*, case: Case, deferred: list[dict] | None) -> SmsMessage | None:
    """Queue the reminder of a 容缺 case's deadline (the deadline job, in its claiming transaction). One
    per deadline: a deadline moved by a suspension gets its own reminder."""
    return _queue(
        case,
        Purpose.SUPPLEMENT_REMINDER,
        supplement_reminder_params(case, deferred=deferred),
        key=f"case:{case.pk}:supplement_reminder:{case.supplement_due_on.isoformat()}",
    )


def case_sms_notice_copy(*, case: Case, notice: CaseDocument) -> SmsMessage | None:
    """Queue a copy of a one-time notice just issued (in the caller's transaction)."""
    return _queue(
        case,
        Purpose.NOTICE_COPY,
        notice_copy_params(case, notice=notice),
        key=f"case:{case.pk}:notice_copy:{notice.pk}",
    )


def sms_phone(case: Case) -> str | None:
    """The mobile number to text, or ``None`` when the case has none (the intake checks numbers by the
    same rules, so one that fails them was never a mobile number: there is nobody to text)."""
    try:
        return normalise_phone(case.phone) if case.phone else None
    except ValidationError:
        return None


def _queue(case: Case, purpose: Purpose, params: Mapping[str, str], *, key: str) -> SmsMessage | None:
    phone = sms_phone(case)
    if phone is None:
        return None
    try:
        return sms_enqueue(
            purpose=purpose,
            phone=phone,
            params=dict(params),
            unit=case.station,
            reference=case.number,
            idempotency_key=key,
        )
    except ValidationError as exc:
        reason = "；".join(message.rstrip("。") for message in exc.messages)
        raise ValidationError(
            {"action": [_(SMS_NOT_QUEUED) % {"purpose": Purpose(purpose).label, "reason": reason}]}
        ) from exc
