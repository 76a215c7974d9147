"""The deadline job: early warnings, overdue cases, overdue 容缺 supplements, and applications that
count as accepted because nobody decided on them within 5 working days (行政许可法 第三十二条); and
the citizens' SMS reminder two working days before a 容缺 deadline.

Each kind is one indexed query for the cases not flagged yet; flagging sets a date on the case and
notifies the receiving officer and the station's supervisors (the reminder: queues the citizen's SMS)
in the same transaction, so running the job twice notifies once, and two workers never flag the same
case (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from hukou.models import Case, CaseDocument, DocumentKind
from hukou.selectors import due_soon, overdue, supplements_due_soon, supplements_overdue, undecided
from hukou.services.sms import case_sms_supplement_reminder
from windows.services import flag_and_notify

logger = logging.getLogger("hukou.deadlines")

WARN_TEXT = "临期预警：办件 {number}（{service}）将于 {due} 到期，请抓紧办理。"
OVERDUE_TEXT = "超期：办件 {number}（{service}）已超过承诺办结日期 {due}。"
SUPPLEMENT_TEXT = "容缺材料逾期：办件 {number}（{service}）的补齐期限 {due} 已过，请督促申请人补齐。"
DEEMED_TEXT = "视为受理：办件 {number}（{service}）收到材料已超过5个工作日未作决定，依法自 {due} 起视为受理。"


# What flagging reads of a case: enough to write the message and find its recipients.
CLAIMED_FIELDS = ["number", "station_id", "officer_id", "service_type_id", "due_on", "supplement_due_on",
                  "materials_received_on"]  # fmt: skip


@dataclass(frozen=True)
class Kind:
    """One kind of deadline: which cases (a selector's condition), the flag that marks them done, the
    date the flag records, and the message."""

    report_field: str
    condition: Callable[[date], Q]
    flag: str
    flagged_value: Callable[[Case, datetime], date | datetime]
    text: str
    shown_date: Callable[[Case], date]


KINDS = (
    Kind("warned", due_soon, "warned_at", lambda c, now: now, WARN_TEXT, lambda c: c.due_on),
    Kind("overdue", overdue, "overdue_on", lambda c, now: c.due_on + timedelta(days=1), OVERDUE_TEXT,
         lambda c: c.due_on),
    Kind("supplements_overdue", supplements_overdue, "supplement_overdue_on",
         lambda c, now: c.supplement_due_on + timedelta(days=1), SUPPLEMENT_TEXT, lambda c: c.supplement_due_on),
    Kind("deemed_accepted", undecided, "deemed_accepted_on", lambda c, now: c.materials_received_on, DEEMED_TEXT,
         lambda c: c.materials_received_on),
)  # fmt: skip


@dataclass
class DeadlineReport:
    warned: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    supplements_overdue: list[str] = field(default_factory=list)
    deemed_accepted: list[str] = field(default_factory=list)
    supplement_reminders: list[str] = field(default_factory=list)


def deadlines_scan(*, today: date | None = None) -> DeadlineReport:
    """Flag and notify, each kind once per case. Safe to run as often as you like."""
    today = today or timezone.localdate()
    now = timezone.now()
    report = DeadlineReport()
    for kind in KINDS:
        setattr(report, kind.report_field, _flag(kind, today, now))
    report.supplement_reminders = _remind_supplements(today)
    return report


def _unflagged(condition: Q, flag: str, fields: list[str], related: tuple[str, ...]) -> QuerySet[Case]:
    """The cases matching ``condition`` without ``flag`` set, locked for flagging (SKIP LOCKED: a second
    worker takes none of them), reading only ``fields`` and the related rows' names, in no order."""
    return (
        Case.objects.filter(condition, **{f"{flag}__isnull": True})
        .select_for_update(skip_locked=True, of=("self",))
        .select_related(*related)
        .only(*fields, *(f"{name}__name" for name in related))
        .order_by()
    )


def claimable(kind: Kind, today: date) -> QuerySet[Case]:
    """The cases of this kind not flagged yet, with what the staff message needs."""
    return _unflagged(kind.condition(today), kind.flag, CLAIMED_FIELDS, ("service_type",))


def _flag(kind: Kind, today: date, now: datetime) -> list[str]:
    """Claim the matching cases (one query), set the kind's flag on each, and tell the receiving officer
    and the station's supervisors."""

    def notice(case: Case) -> tuple[str, str]:
        words = kind.text.format(
            number=case.number, service=case.service_type.name, due=kind.shown_date(case).isoformat()
        )
        return words, reverse("hukou:case_detail", args=[case.number])

    claimed = flag_and_notify(
        claimable(kind, today),
        flag=kind.flag,
        value=lambda case: kind.flagged_value(case, now),
        notice=notice,
        also=lambda case: case.officer_id,
    )
    return [case.number for case in claimed]


# --- the 容缺 reminder SMS ---------------------------------------------------------------------------

# What the reminder reads of a case: its SMS's parameters, phone and unit.
REMINDER_FIELDS = ["number", "phone", "station_id", "service_type_id", "supplement_due_on"]


def reminders_claimable(today: date) -> QuerySet[Case]:
    """The 容缺 cases whose deadline is within two working days and not reminded yet, locked as
    ``claimable``'s, with what the SMS says loaded."""
    return _unflagged(
        supplements_due_soon(today), "supplement_reminded_on", REMINDER_FIELDS, ("service_type", "station")
    )


def _remind_supplements(today: date) -> list[str]:
    """Claim the cases (one query), record the reminder on them (one UPDATE), read their commitments'
    deferred materials (one query) and queue each citizen's SMS, all in one transaction. An SMS that
    cannot be written leaves every claimed case unreminded, for the next run, and is logged; the
    other kinds have run already."""
    try:
        with transaction.atomic():
            claimed = list(reminders_claimable(today))
            if not claimed:
                return []
            pks = [case.pk for case in claimed]
            Case.objects.filter(pk__in=pks).update(supplement_reminded_on=today)
            deferred = _deferred_materials(pks)
            reminded = [
                case.number
                for case in claimed
                if case_sms_supplement_reminder(case=case, deferred=deferred.get(case.pk)) is not None
            ]
    except ValidationError:
        logger.exception("Deadline job: the 容缺 reminders cannot be queued; they stay due for the next run")
        return []
    return reminded


def _deferred_materials(case_ids: list[int]) -> dict[int, list | None]:
    """Each case's deferred materials, as its (latest) 容缺 commitment recorded them."""
    rows = (
        CaseDocument.objects.filter(case_id__in=case_ids, kind=DocumentKind.COMMITMENT)
        .order_by("issued_at", "id")
        .values_list("case_id", "content")
    )
    return {case_id: content.get("deferred") for case_id, content in rows}
