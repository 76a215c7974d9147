"""The citizens' status lookup (办件进度查询): a case number and one second factor give the public view
of the case, and nothing else.

A wrong number and a wrong factor look the same from outside: the same ``None``, after the same work
(one indexed read; one decryption and one constant-time comparison, of a dummy when no case has that
number; one failure counted). Failures are counted per case number, whether it exists or not: at
``STATUS_LOOKUP_FAILURES_PER_HOUR`` the number is locked for an hour, during which nothing is checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from hmac import compare_digest

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hukou import personal_data
from hukou.models import Case, CaseDocument, CaseEvent, CaseStatus, DocumentKind, ServiceType
from hukou.services.checklist import grouped
from windows.db import execute_prepared
from windows.lockout import FailureLock, plain
from windows.models import ServiceWindow, Unit

NOT_FOUND = "未查到匹配的办件，请核对办件编号和验证信息。"
TOO_MANY_FAILURES = "该办件编号验证失败次数过多，请一小时后再试。"
TOO_MANY_LOOKUPS = "查询过于频繁，请稍后再试。"
NUMBER_REQUIRED = "请输入办件编号。"
NUMBER_TOO_LONG = "办件编号最长40个字符，请核对。"
ID_SUFFIX_INVALID = "请输入身份证号码的后6位（末位可为X）。"
PHONE_SUFFIX_INVALID = "请输入登记手机号码的后4位数字。"
ONE_FACTOR = "请在身份证号后6位和手机号后4位中任填一项（只填一项）。"

NUMBER_MAX_LENGTH = 40  # Case.number
_ID_SUFFIX = re.compile(r"^\d{5}[\dX]$")
_PHONE_SUFFIX = re.compile(r"^\d{4}$")

FAILURE_GROUP = "hukou.status_lookup.failures"

# What the dummy comparison of a missing case compares against (never equal to a real case: no case).
_DUMMY_ID_NUMBER = "000000000000000000"
_DUMMY_PHONE = "00000000000"


class TooManyFailures(Exception):
    """The case number is locked after too many failed lookups; nothing was checked."""


# --- input --------------------------------------------------------------------------------------


def lookup_arguments(data) -> dict[str, str]:
    """The API's JSON body read into ``case_status_lookup``'s arguments; ``ValidationError`` by field."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [ONE_FACTOR]})
    readers = {"number": normalise_number, "id_suffix": normalise_id_suffix, "phone_suffix": normalise_phone_suffix}
    arguments, errors = {}, {}
    for field_name, read in readers.items():
        if field_name not in data and field_name != "number":
            continue
        value = data.get(field_name)
        try:
            arguments[field_name] = read(value if isinstance(value, str) else None)
        except ValidationError as exc:
            errors[field_name] = exc.messages
    if not errors and ("id_suffix" in arguments) == ("phone_suffix" in arguments):
        errors["non_field_errors"] = [ONE_FACTOR]
    if errors:
        raise ValidationError(errors)
    return arguments


def normalise_number(raw: str | None) -> str:
    number = plain(raw).upper()
    if not number:
        raise ValidationError(NUMBER_REQUIRED, code="required")
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValidationError(NUMBER_TOO_LONG, code="max_length")
    return number


def normalise_id_suffix(raw: str | None) -> str:
    """The last 6 characters of an ID number; ``x`` is read as ``X``."""
    suffix = plain(raw).upper()
    if not _ID_SUFFIX.match(suffix):
        raise ValidationError(ID_SUFFIX_INVALID, code="id_suffix")
    return suffix


def normalise_phone_suffix(raw: str | None) -> str:
    suffix = plain(raw)
    if not _PHONE_SUFFIX.match(suffix):
        raise ValidationError(PHONE_SUFFIX_INVALID, code="phone_suffix")
    return suffix


# --- the public view ----------------------------------------------------------------------------


class Stage(models.TextChoices):
    RECEIVED = "received", _("窗口已收件")
    MATERIALS = "materials", _("收到补交的材料")
    NOTICE = "notice", _("一次性告知：请补正材料")
    ACCEPTED = "accepted", _("已受理")
    ACCEPTED_DEFICIENT = "accepted_deficient", _("容缺受理")
    SUPPLEMENTED = "supplemented", _("容缺材料已补齐")
    IN_REVIEW = "in_review", _("进入审批")
    COMPLETED = "completed", _("已办结")
    COLLECTED = "collected", _("已领取")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回申请")
    SUSPENDED = "suspended", _("中止办理")
    RESUMED = "resumed", _("恢复办理")


# Events the citizen sees, by action (see hukou.services.cases.Action); the rest (visits,
# reassignment) stay inside. ``accept`` from 容缺受理 is the supplements arriving.
_ACTION_STAGES = {
    "create": Stage.RECEIVED,
    "materials": Stage.MATERIALS,
    "notify": Stage.NOTICE,
    "accept": Stage.ACCEPTED,
    "accept_deficient": Stage.ACCEPTED_DEFICIENT,
    "submit_review": Stage.IN_REVIEW,
    "approve": Stage.COMPLETED,
    "complete": Stage.COMPLETED,
    "collect": Stage.COLLECTED,
    "reject": Stage.REJECTED,
    "withdraw": Stage.WITHDRAWN,
    "suspend": Stage.SUSPENDED,
    "resume": Stage.RESUMED,
}

# The status in plain words, and what it means for the citizen.
STATUS_TEXT = {
    CaseStatus.DRAFT: (_("已收件，待受理"), _("窗口已收到您的申请，正在审核材料。")),
    CaseStatus.AWAITING_MATERIALS: (
        _("待补正材料"),
        _("材料还不齐全。请按下面一次性告知的清单补齐，连同补正材料通知书带到窗口办理。"),
    ),
    CaseStatus.ACCEPTED: (_("已受理，正在办理"), _("您的申请已受理，将在承诺办结日期前办结。")),
    CaseStatus.ACCEPTED_DEFICIENT: (
        _("容缺受理，正在办理"),
        _("您的申请已先行受理。请在补齐期限前把所缺材料交到窗口。"),
    ),
    CaseStatus.IN_REVIEW: (_("审批中"), _("您的申请已受理，正在审批。")),
    CaseStatus.COMPLETED: (_("已办结，请来领取"), _("已办结，请按下面的地点和时间领取。")),
    CaseStatus.COLLECTED: (_("已领取"), _("本件已办结并领取。")),
    CaseStatus.REJECTED: (_("不予受理"), _("理由和依据见窗口出具的《不予受理告知书》。")),
    CaseStatus.WITHDRAWN: (_("已撤回"), _("本件申请已撤回。")),
    CaseStatus.SUSPENDED: (_("中止办理"), _("本件暂时中止办理，恢复后办理期限相应顺延。")),
}

# The committed date still lies ahead (or waits, while suspended).
_RUNNING = (CaseStatus.ACCEPTED, CaseStatus.ACCEPTED_DEFICIENT, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED)
PICKUP_BRING = (_("受理回执"), _("申请人本人的居民身份证"))
ONE_OF_SUFFIXES = ("（任选其一）", "(任选其一)")


@dataclass(frozen=True)
class MissingItem:
    name: str
    detail: str
    deferrable: bool


@dataclass(frozen=True)
class MissingRequirement:
    """One line of a notice: one material, or a group of which any one will do."""

    label: str
    one_of: bool
    items: tuple[MissingItem, ...]

    @property
    def deferrable(self) -> bool:
        return all(item.deferrable for item in self.items)


@dataclass(frozen=True)
class Pickup:
    """Where, when and with what to collect a completed case's result: the lookup shows it, and the
    completion SMS says it (hukou.services.sms)."""

    station: str
    address: str
    hours: str
    window: int | None
    bring: tuple[str, ...]

    @property
    def window_label(self) -> str:
        """3号窗口, or 户籍窗口 when the case has no window."""
        return _("%(n)s号窗口") % {"n": self.window} if self.window else str(_("户籍窗口"))


@dataclass(frozen=True)
class TimelineEntry:
    stage: str
    title: str
    on: date
    due_on: date | None = None
    supplement_due_on: date | None = None
    missing: tuple[MissingRequirement, ...] = ()
    pickup: Pickup | None = None


@dataclass(frozen=True)
class PublicStatus:
    number: str
    service_name: str
    station_name: str
    station_phone: str
    station_address: str
    station_hours: str
    applicant_name: str  # masked: 张*, 欧阳**
    status: str
    status_label: str
    status_hint: str
    due_on: date | None
    supplement_due_on: date | None
    timeline: tuple[TimelineEntry, ...]

    @property
    def visit_needed(self) -> bool:
        """The citizen has materials to bring to the window."""
        return self.status in (CaseStatus.AWAITING_MATERIALS, CaseStatus.ACCEPTED_DEFICIENT)

    @property
    def pickup(self) -> Pickup | None:
        """Where, when and with what to collect the result, while it waits to be collected."""
        return next((entry.pickup for entry in reversed(self.timeline) if entry.pickup), None)

    @property
    def proof(self) -> str:
        """A signed, timestamped copy of the case number: that this lookup succeeded, for a page of a
        higher app to act on the case (rating it) without the citizen giving the factor again. Made on
        access only; ``status_proof_number`` reads it."""
        return signing.dumps(self.number, salt=PROOF_SALT, compress=False)

    @property
    def tone(self) -> str:
        """For the page's colour: waiting on the citizen, in progress, done, or ended without a result."""
        if self.status in (CaseStatus.AWAITING_MATERIALS, CaseStatus.ACCEPTED_DEFICIENT, CaseStatus.SUSPENDED):
            return "wait"
        if self.status in (CaseStatus.COMPLETED, CaseStatus.COLLECTED):
            return "done"
        if self.status in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
            return "ended"
        return "progress"


PROOF_SALT = "hukou.status.proof"
PROOF_MAX_AGE = 30 * 60


def status_proof_number(proof: str, max_age: int = PROOF_MAX_AGE) -> str | None:
    """The case number a lookup's ``PublicStatus.proof`` was made for, if it is genuine and at most
    ``max_age`` seconds old; ``None`` otherwise (tampered, expired or not a proof at all)."""
    if not isinstance(proof, str) or not proof:
        return None
    try:
        number = signing.loads(proof, salt=PROOF_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError):
        return None
    return number if isinstance(number, str) else None


def missing_requirements(entries: list[dict] | None) -> tuple[MissingRequirement, ...]:
    """A notice's (or a commitment's) stored entries, in order; entries sharing a group form one
    requirement."""
    requirements = []
    for group, members in grouped(entries or [], lambda entry: entry.get("group")):
        items = tuple(MissingItem(e["name"], e.get("detail") or "", bool(e.get("deferrable"))) for e in members)
        label = group
        for suffix in ONE_OF_SUFFIXES:
            label = label.removesuffix(suffix)
        requirements.append(
            MissingRequirement(
                label=(label.strip() or group) if group else items[0].name, one_of=bool(group), items=items
            )
        )
    return tuple(requirements)


def _public_status(case: _LookupCase) -> PublicStatus:
    """One more read: the timeline's events and the notices' missing lists. Neither loads an actor
    or a note."""
    events, lists = _timeline_rows(case.pk)
    notices, commitments = iter(lists[DocumentKind.ONE_TIME_NOTICE]), iter(lists[DocumentKind.COMMITMENT])
    timeline = []
    for action, from_status, at in events:
        stage = _ACTION_STAGES[action]
        if stage == Stage.ACCEPTED and from_status == CaseStatus.ACCEPTED_DEFICIENT:
            stage = Stage.SUPPLEMENTED
        entry = {"stage": stage.value, "title": stage.label, "on": timezone.localdate(at)}
        if stage == Stage.NOTICE:
            entry["missing"] = missing_requirements(next(notices, None))
        elif stage in (Stage.ACCEPTED, Stage.ACCEPTED_DEFICIENT):
            entry["due_on"] = case.due_on
        if stage == Stage.ACCEPTED_DEFICIENT:
            entry["missing"] = missing_requirements(next(commitments, None))
            if case.status == CaseStatus.ACCEPTED_DEFICIENT:
                entry["supplement_due_on"] = case.supplement_due_on
        if stage == Stage.COMPLETED and case.status == CaseStatus.COMPLETED:
            entry["pickup"] = pickup_of(case)
        timeline.append(TimelineEntry(**entry))

    label, hint = STATUS_TEXT[case.status]
    return PublicStatus(
        number=case.number,
        service_name=case.service_type.name,
        station_name=case.station.name,
        station_phone=case.station.phone,
        station_address=case.station.address,
        station_hours=case.station.hours,
        applicant_name=personal_data.mask_name(case.applicant_name),
        status=case.status,
        status_label=label,
        status_hint=hint,
        due_on=case.due_on if case.status in _RUNNING else None,
        supplement_due_on=case.supplement_due_on if case.status == CaseStatus.ACCEPTED_DEFICIENT else None,
        timeline=tuple(timeline),
    )


def pickup_of(case: _LookupCase | Case) -> Pickup:
    """The pickup of a case: the lookup's own read of it, or a ``Case`` (its window is read if not loaded)."""
    station = case.station
    return Pickup(
        station=station.name,
        address=station.address,
        hours=station.hours,
        window=case.window.number if case.window else None,
        bring=PICKUP_BRING,
    )


# --- the lookup ---------------------------------------------------------------------------------


@cache
def _dummy_token() -> str:
    """An encrypted ID number to decrypt when no case has the number, so both failures cost the same."""
    return personal_data.encrypt_id_number(_DUMMY_ID_NUMBER)


def _factor_matches(case: _LookupCase | None, *, id_suffix: str | None, phone_suffix: str | None) -> bool:
    """The same work with or without a case: one decryption (ID factor) and one comparison."""
    if id_suffix is not None:
        token = case.id_number_encrypted if case is not None else _dummy_token()
        expected, given = personal_data.decrypt_id_number(token)[-6:], id_suffix
    else:
        expected, given = (case.phone if case is not None else _DUMMY_PHONE)[-4:], phone_suffix
    matches = compare_digest(expected, given)  # always run, before looking at ``case``
    return matches and case is not None


FAILURES = FailureLock(FAILURE_GROUP, lambda: settings.STATUS_LOOKUP_FAILURES_PER_HOUR)


@dataclass(frozen=True)
class _Named:
    name: str = ""
    phone: str = ""
    address: str = ""
    hours: str = ""
    number: int | None = None


@dataclass(frozen=True)
class _LookupCase:
    """What the lookup reads of a case: the factors, and what the public view shows."""

    pk: int
    number: str
    status: str
    applicant_name: str
    id_number_encrypted: str
    phone: str
    due_on: date | None
    supplement_due_on: date | None
    service_type: _Named
    station: _Named
    window: _Named | None

    @property
    def window_id(self) -> int | None:
        return self.window.number if self.window else None


@cache
def case_sql() -> str:
    """The lookup's read of a case by number (one ``%s``), built once. Table names come from the models."""
    case, service, unit, window = (m._meta.db_table for m in (Case, ServiceType, Unit, ServiceWindow))
    return (
        "SELECT c.id, c.number, c.status, c.applicant_name, c.id_number_encrypted, c.phone, c.due_on, "  # noqa: S608
        "c.supplement_due_on, s.name, u.name, u.phone, u.address, u.hours, w.number "
        f"FROM {case} c JOIN {service} s ON s.id = c.service_type_id JOIN {unit} u ON u.id = c.station_id "
        f"LEFT JOIN {window} w ON w.id = c.window_id WHERE c.number = %s"
    )


@cache
def _timeline_sql() -> str:
    event, document = CaseEvent._meta.db_table, CaseDocument._meta.db_table
    actions = ", ".join(["%s"] * len(_ACTION_STAGES))
    return (
        f"SELECT 0, id, action, from_status, at, NULL FROM {event} WHERE case_id = %s AND action IN ({actions}) "  # noqa: S608
        f"UNION ALL SELECT 1, id, kind, '', issued_at, content FROM {document} WHERE case_id = %s AND kind IN (%s, %s)"
    )


_TIMELINE_KINDS = (DocumentKind.ONE_TIME_NOTICE, DocumentKind.COMMITMENT)
_TIMELINE_TYPES = ("bigint", *["text"] * len(_ACTION_STAGES), "bigint", "text", "text")


def _find_case(number: str) -> _LookupCase | None:
    """One indexed read by number, written as plain SQL: the lookup is the busiest public request, and
    building the equivalent ORM query costs several times what the database spends on it."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, "hukou_status_case", case_sql(), [number], ["text"])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, number, status, name, token, phone, due_on, supplement_due_on, service_name, *station, window_number = row
    return _LookupCase(
        pk, number, status, name, token, phone, _as_date(due_on), _as_date(supplement_due_on), _Named(service_name),
        _Named(station[0], station[1], station[2], station[3]),
        _Named(number=window_number) if window_number is not None else None,
    )  # fmt: skip


def _timeline_rows(case_id: int) -> tuple[list[tuple[str, str, datetime]], dict[str, list]]:
    """The public events (action, from status, when) in order, and the stored lists of the notices and
    commitments (in the order they were issued), in one plain-SQL read."""
    params = [case_id, *_ACTION_STAGES, case_id, *_TIMELINE_KINDS]
    with connection.cursor() as cursor:
        execute_prepared(cursor, "hukou_status_timeline", _timeline_sql(), params, _TIMELINE_TYPES)
        rows = sorted(cursor.fetchall(), key=lambda row: (row[0], _as_datetime(row[4]), row[1]))
    events = [
        (action, from_status, _as_datetime(at)) for source, _id, action, from_status, at, _c in rows if not source
    ]
    lists: dict[str, list] = {kind: [] for kind in _TIMELINE_KINDS}
    for source, _id, kind, _from, _at, content in rows:
        if source:
            content = json.loads(content) if isinstance(content, str) else content
            lists[kind].append(content.get("missing" if kind == DocumentKind.ONE_TIME_NOTICE else "deferred"))
    return events, lists


def _as_datetime(value) -> datetime:
    """An aware datetime from the database: PostgreSQL gives one; SQLite gives text in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite hands back text


def case_status_lookup(
    *, number: str, id_suffix: str | None = None, phone_suffix: str | None = None
) -> PublicStatus | None:
    """The public view of the case with this number, if the factor (the last 6 characters of the
    applicant's ID number, or the last 4 digits of their phone; exactly one) matches it; ``None``
    otherwise, whether the number or the factor was wrong. Raises ``TooManyFailures`` when the number
    is locked, ``ValidationError`` for malformed input."""
    if (id_suffix is None) == (phone_suffix is None):
        raise ValidationError(ONE_FACTOR, code="one_factor")
    number = normalise_number(number)
    id_suffix = normalise_id_suffix(id_suffix) if id_suffix is not None else None
    phone_suffix = normalise_phone_suffix(phone_suffix) if phone_suffix is not None else None
    if FAILURES.locked(number):
        raise TooManyFailures(TOO_MANY_FAILURES)

    case = _find_case(number)
    if not _factor_matches(case, id_suffix=id_suffix, phone_suffix=phone_suffix):
        FAILURES.record_failure(number)
        return None
    return _public_status(case)
