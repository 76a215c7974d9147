"""The deadline job: early warnings, overdue cases, overdue 容缺 supplements, and applications that
count as accepted because nobody decided on them within 5 working days (行政许可法 第三十二条).

Each kind is one indexed query for the cases not flagged yet; flagging sets a date on the case and
notifies the receiving officer and the station's supervisors in the same transaction, so running the
job twice notifies once, and two workers never flag the same case (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from hukou.models import Case
from hukou.selectors import due_soon, overdue, supplements_overdue, undecided
from windows.models import Role, Staff
from windows.services import notifications_send

WARN_TEXT = "临期预警：办件 {number}（{service}）将于 {due} 到期，请抓紧办理。"
OVERDUE_TEXT = "超期：办件 {number}（{service}）已超过承诺办结日期 {due}。"
SUPPLEMENT_TEXT = "容缺材料逾期：办件 {number}（{service}）的补齐期限 {due} 已过，请督促申请人补齐。"
DEEMED_TEXT = "视为受理：办件 {number}（{service}）收到材料已超过5个工作日未作决定，依法自 {due} 起视为受理。"


# What flagging reads of a case: enough to write the message and find its recipients.
CLAIMED_FIELDS = ["number", "station_id", "officer_id", "service_type_id", "due_on", "supplement_due_on",
                  "materials_received_on"]  # fmt: skip


@dataclass
class DeadlineReport:
    warned: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    supplements_overdue: list[str] = field(default_factory=list)
    deemed_accepted: list[str] = field(default_factory=list)


def deadlines_scan(*, today: date | None = None) -> DeadlineReport:
    """Flag and notify, each kind once per case. Safe to run as often as you like."""
    today = today or timezone.localdate()
    now = timezone.now()
    report = DeadlineReport()
    report.warned = _flag(
        Case.objects.filter(due_soon(today), warned_at__isnull=True), "warned_at", lambda c: now,
        WARN_TEXT, lambda c: c.due_on,
    )  # fmt: skip
    report.overdue = _flag(
        Case.objects.filter(overdue(today), overdue_on__isnull=True), "overdue_on",
        lambda c: c.due_on + timedelta(days=1), OVERDUE_TEXT, lambda c: c.due_on,
    )  # fmt: skip
    report.supplements_overdue = _flag(
        Case.objects.filter(supplements_overdue(today), supplement_overdue_on__isnull=True), "supplement_overdue_on",
        lambda c: c.supplement_due_on + timedelta(days=1), SUPPLEMENT_TEXT, lambda c: c.supplement_due_on,
    )  # fmt: skip
    report.deemed_accepted = _flag(
        Case.objects.filter(undecided(today), deemed_accepted_on__isnull=True), "deemed_accepted_on",
        lambda c: c.materials_received_on, DEEMED_TEXT, lambda c: c.materials_received_on,
    )  # fmt: skip
    return report


def _flag(cases: QuerySet[Case], field_name: str, value, text: str, shown_date) -> list[str]:
    """Claim the matching cases (one query, SKIP LOCKED), set ``field_name`` on each, and notify."""
    with transaction.atomic():
        claimed = list(
            cases.select_for_update(skip_locked=True, of=("self",))
            .select_related("service_type")
            .only(*CLAIMED_FIELDS, "service_type__name")
        )
        if not claimed:
            return []
        # One UPDATE per distinct value (a handful of dates), not one per case.
        by_value = defaultdict(list)
        for case in claimed:
            by_value[value(case)].append(case.pk)
        for flagged, pks in by_value.items():
            Case.objects.filter(pk__in=pks).update(**{field_name: flagged})
        supervisors = _station_supervisors({case.station_id for case in claimed})
        messages = []
        for case in claimed:
            words = text.format(number=case.number, service=case.service_type.name, due=shown_date(case).isoformat())
            link = reverse("hukou:case_detail", args=[case.number])
            for user_id in {case.officer_id, *supervisors.get(case.station_id, [])}:
                messages.append((user_id, words, link))
        notifications_send(messages=messages)
    return [case.number for case in claimed]


def _station_supervisors(station_ids: set[int]) -> dict[int, list]:
    supervisors: dict[int, list] = {}
    rows = Staff.objects.filter(unit_id__in=station_ids, role=Role.STATION_SUPERVISOR, user__is_active=True)
    for unit_id, user_id in rows.values_list("unit_id", "user_id"):
        supervisors.setdefault(unit_id, []).append(user_id)
    return supervisors
