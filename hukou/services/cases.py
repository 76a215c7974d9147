"""Cases: intake, the lifecycle state machine, materials, visits (跑动次数), documents and the ID number.

Every change goes through a function here that locks the case row, checks who may do it and in
which state, checks the version the actor saw, writes a ``CaseEvent`` in the same transaction and
bumps the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hukou import personal_data
from hukou.models import (
    IN_PERSON_CHANNELS,
    Case,
    CaseDocument,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    Channel,
    DocumentKind,
    IdNumberAccess,
    Sequence,
    ServiceType,
)
from hukou.services import sms
from hukou.services.checklist import ChecklistDecision, Decision, checklist_decide
from windows.access import can_act_on_unit, staff_of
from windows.errors import Conflict
from windows.models import Role, ServiceWindow, person_name
from windows.workdays import add_working_days, working_days_between


class Action:
    """What can be done to a case. ``create``, ``materials``, ``visit`` and ``reassign`` are events
    without a change of status; the rest are transitions."""

    ACCEPT = "accept"
    ACCEPT_DEFICIENT = "accept_deficient"
    NOTIFY = "notify"
    SUBMIT_REVIEW = "submit_review"
    APPROVE = "approve"
    COMPLETE = "complete"
    COLLECT = "collect"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    SUSPEND = "suspend"
    RESUME = "resume"
    CREATE = "create"
    MATERIALS = "materials"
    VISIT = "visit"
    REASSIGN = "reassign"


TRANSITION_ACTIONS = [
    Action.ACCEPT, Action.ACCEPT_DEFICIENT, Action.NOTIFY, Action.SUBMIT_REVIEW, Action.APPROVE, Action.COMPLETE,
    Action.COLLECT, Action.REJECT, Action.WITHDRAW, Action.SUSPEND, Action.RESUME,
]  # fmt: skip

ACTION_LABELS = {
    Action.ACCEPT: gettext_lazy("受理"),
    Action.ACCEPT_DEFICIENT: gettext_lazy("容缺受理"),
    Action.NOTIFY: gettext_lazy("一次性告知"),
    Action.SUBMIT_REVIEW: gettext_lazy("提交审批"),
    Action.APPROVE: gettext_lazy("审批通过"),
    Action.COMPLETE: gettext_lazy("办结"),
    Action.COLLECT: gettext_lazy("领取"),
    Action.REJECT: gettext_lazy("不予受理"),
    Action.WITHDRAW: gettext_lazy("撤回"),
    Action.SUSPEND: gettext_lazy("中止"),
    Action.RESUME: gettext_lazy("恢复办理"),
    Action.CREATE: gettext_lazy("登记"),
    Action.MATERIALS: gettext_lazy("收取材料"),
    Action.VISIT: gettext_lazy("群众到窗口"),
    Action.REASSIGN: gettext_lazy("改派"),
}

S = CaseStatus
RESUME_TO_PREVIOUS = "previous"  # resume returns to the status the case had before it was suspended
TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {
        Action.NOTIFY: S.AWAITING_MATERIALS,
        Action.ACCEPT: S.ACCEPTED,
        Action.ACCEPT_DEFICIENT: S.ACCEPTED_DEFICIENT,
        Action.REJECT: S.REJECTED,
        Action.WITHDRAW: S.WITHDRAWN,
    },
    # One notice lists everything missing, once (一次性告知): no second notice. A lost one is reprinted.
    S.AWAITING_MATERIALS: {
        Action.ACCEPT: S.ACCEPTED,
        Action.ACCEPT_DEFICIENT: S.ACCEPTED_DEFICIENT,
        Action.REJECT: S.REJECTED,
        Action.WITHDRAW: S.WITHDRAWN,
    },
    S.ACCEPTED_DEFICIENT: {
        Action.ACCEPT: S.ACCEPTED,  # the deferred materials have arrived
        Action.REJECT: S.REJECTED,
        Action.WITHDRAW: S.WITHDRAWN,
        Action.SUSPEND: S.SUSPENDED,
    },
    S.ACCEPTED: {
        Action.SUBMIT_REVIEW: S.IN_REVIEW,
        Action.COMPLETE: S.COMPLETED,
        Action.REJECT: S.REJECTED,
        Action.WITHDRAW: S.WITHDRAWN,
        Action.SUSPEND: S.SUSPENDED,
    },
    S.IN_REVIEW: {
        Action.APPROVE: S.COMPLETED,
        Action.REJECT: S.REJECTED,
        Action.WITHDRAW: S.WITHDRAWN,
        Action.SUSPEND: S.SUSPENDED,
    },
    S.SUSPENDED: {Action.RESUME: RESUME_TO_PREVIOUS, Action.WITHDRAW: S.WITHDRAWN},
    S.COMPLETED: {Action.COLLECT: S.COLLECTED},
    S.COLLECTED: {},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}

_COUNTER_WORK = {
    Action.NOTIFY, Action.ACCEPT, Action.ACCEPT_DEFICIENT, Action.SUBMIT_REVIEW, Action.COMPLETE, Action.COLLECT,
    Action.REJECT, Action.WITHDRAW, Action.SUSPEND, Action.RESUME,
}  # fmt: skip
# Who may do what. Auxiliary staff have no enforcement qualification: they create drafts and
# record materials, nothing else (S1 item 10). Admins run the system, not cases.
ROLE_ACTIONS: dict[str, set[str]] = {
    Role.AUXILIARY: {Action.CREATE, Action.MATERIALS, Action.VISIT},
    Role.OFFICER: {Action.CREATE, Action.MATERIALS, Action.VISIT, *_COUNTER_WORK},
    Role.STATION_SUPERVISOR: {
        Action.CREATE,
        Action.MATERIALS,
        Action.VISIT,
        *_COUNTER_WORK,
        Action.APPROVE,
        Action.REASSIGN,
    },
    Role.BUREAU_SUPERVISOR: {Action.APPROVE, Action.REJECT, Action.REASSIGN},
    Role.ADMIN: set(),
}
# In review the decision is the supervisor's: an officer may not reject over it.
SUPERVISOR_ONLY = {(S.IN_REVIEW, Action.REJECT), (S.IN_REVIEW, Action.APPROVE)}

NOT_YOURS = "无权办理本单位以外的办件。"
ROLE_MAY_NOT = "您的角色（%(role)s）不能执行“%(action)s”。"
NEEDS_QUALIFICATION = "不具有执法资格的人员不能执行“%(action)s”。"
STATE_MAY_NOT = "办件当前状态为“%(status)s”，不能执行“%(action)s”。"
STALE_VERSION = "该办件已被%(who)s于%(when)s修改，请刷新后重试。"
NOT_COMPLETE = "材料不齐全，不能受理：还缺 %(missing)s。"
NOTHING_MISSING = "材料已齐全，无需一次性告知，请直接受理。"
NOT_DEFICIENT_ONLY = "只有可容缺的材料缺少时才能容缺受理。"
COMMITMENT_REQUIRED = "容缺受理须由申请人签署承诺书。"
SUPPLEMENT_AFTER_DUE = "容缺材料补齐期限不能晚于承诺办结日期（%(due)s）。"
SUPPLEMENT_IN_PAST = "容缺材料补齐期限不能早于今天。"
LEGAL_BASIS_REQUIRED = "不予受理须写明法律依据。"
REASON_REQUIRED = "请填写原因。"
REFUSAL_REASON_REQUIRED = "不予受理须写明理由。"
NEEDS_APPROVAL = "本事项受理后须经审批，请提交审批。"
NO_APPROVAL_NEEDED = "本事项无需审批，可直接办结。"
WINDOW_NOT_HERE = "窗口不属于本派出所。"
SERVICE_NOT_PUBLISHED = "没有这个业务事项，或该事项已停用。"
INTAKE_ONLY_AT_STATION = "只有派出所的工作人员可以登记办件。"
REVEAL_NOT_ALLOWED = "只有受理人或负责人可以查看完整身份证号。"
REASSIGN_TARGET = "只能改派给本所具有执法资格的民警。"

NOTICE_LEGAL_BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（四）项：申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的全部内容。"  # noqa: E501


# --- helpers ----------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def next_number(key: str) -> int:
    """The next value of a named counter, safe under concurrency (row lock)."""
    Sequence.objects.get_or_create(key=key)
    sequence = Sequence.objects.select_for_update().get(key=key)
    sequence.value = F("value") + 1
    sequence.save(update_fields=["value"])
    sequence.refresh_from_db(fields=["value"])
    return sequence.value


def _require(actor, case: Case | None, action: str, station=None) -> None:
    """Raise PermissionDenied unless the actor may do ``action`` here."""
    staff = staff_of(actor)
    station = station if station is not None else case.station
    if staff is None or not can_act_on_unit(actor, station):
        raise PermissionDenied(NOT_YOURS)
    label = ACTION_LABELS[action]
    if action not in ROLE_ACTIONS.get(staff.role, set()):
        if not staff.has_enforcement_qualification and action in _COUNTER_WORK | {Action.APPROVE}:
            raise PermissionDenied(NEEDS_QUALIFICATION % {"action": label})
        raise PermissionDenied(ROLE_MAY_NOT % {"role": staff.get_role_display(), "action": label})
    if action in _COUNTER_WORK | {Action.APPROVE} and not staff.has_enforcement_qualification:
        raise PermissionDenied(NEEDS_QUALIFICATION % {"action": label})
    if case is not None and (case.status, action) in SUPERVISOR_ONLY and not staff.is_supervisor:
        raise PermissionDenied(ROLE_MAY_NOT % {"role": staff.get_role_display(), "action": label})


def case_may(actor, case: Case | None, action: str, station=None) -> bool:
    """Would the actor be allowed ``action`` on this case (or, with ``station``, at that station)?
    Role, unit, 执法资格 and the supervisor-only moves; not the state or the materials."""
    try:
        _require(actor, case, action, station=station)
    except PermissionDenied:
        return False
    return True


def case_allowed_actions(actor, case: Case) -> list[str]:
    """The moves this actor may try on this case in its present state, in the table's order (the
    materials may still stand in the way of accepting or notifying)."""
    needs_approval = case.service_type.needs_supervisor_approval
    return [
        action
        for action in TRANSITIONS[case.status]
        if case_may(actor, case, action)
        and not (action == Action.COMPLETE and needs_approval)
        and not (action == Action.SUBMIT_REVIEW and not needs_approval)
    ]


def case_may_reveal(actor, case: Case) -> bool:
    """The receiving officer, or a supervisor over the station, may see the full ID number."""
    staff = staff_of(actor)
    if staff is None or not can_act_on_unit(actor, case.station):
        return False
    return case.officer_id == actor.pk or staff.is_supervisor


def supplement_default(service_type: ServiceType, today: date) -> date:
    """The 容缺 deadline offered: the service's days to supply, in working days, never after the
    committed due date (for a same-day service the case waits for the supplements)."""
    default = add_working_days(today, max(service_type.supplement_days, 1))
    if service_type.time_limit_days:
        default = min(default, add_working_days(today, service_type.time_limit_days))
    return default


def _lock(case: Case, version: int | None) -> Case:
    locked = Case.objects.select_for_update().select_related("service_type", "station").get(pk=case.pk)
    if version is not None and version != locked.version:
        who = locked.updated_by
        raise Conflict(
            STALE_VERSION
            % {
                "who": person_name(who) if who else _("他人"),
                "when": formats.date_format(timezone.localtime(locked.updated_at), "Y-m-d H:i:s"),
            }
        )
    return locked


def _event(case: Case, actor, action: str, from_status: str = "", note: str = "", window=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=case.status if from_status or action == Action.CREATE else "",
        note=note,
        window=window or case.window,
    )


def _touch(case: Case, actor, fields: Iterable[str]) -> None:
    case.version += 1
    case.updated_by = actor
    case.full_clean(exclude=["service_type", "station", "window", "officer", "updated_by"])
    case.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _count_visit(case: Case, today: date, actor=None) -> bool:
    """The citizen came to the window today: one trip per day at most (跑动次数). What a bureau
    supervisor does from their office is no visit."""
    if case.channel not in IN_PERSON_CHANNELS or case.last_visit_on == today:
        return False
    staff = staff_of(actor) if actor is not None else None
    if staff is not None and staff.role == Role.BUREAU_SUPERVISOR:
        return False
    case.trips += 1
    case.last_visit_on = today
    return True


def case_decision(case: Case) -> ChecklistDecision:
    """The catalog's decision on the materials received so far, by the version the case was taken under."""
    provided = [m.item_id for m in case.materials.all()]
    return checklist_decide(service_type=case.service_type, provided=provided, facts=case.facts)


def _missing_names(decision: ChecklistDecision) -> str:
    return "、".join(r.label for r in (*decision.missing, *decision.deferrable_missing))


def _receive(case: Case, actor, provided: Iterable[int], today: date) -> list[str]:
    """Record newly received materials; returns their names."""
    have = set(case.materials.values_list("item_id", flat=True))
    items = {item.pk: item for item in case.service_type.items.all()}
    new = [pk for pk in dict.fromkeys(provided) if pk not in have]
    unknown = [pk for pk in new if pk not in items]
    if unknown:
        raise ValidationError(
            {"provided": [_("不属于该事项材料清单的材料编号：%(ids)s。") % {"ids": ", ".join(map(str, unknown))}]}
        )
    CaseMaterial.objects.bulk_create(
        CaseMaterial(case=case, item_id=pk, received_on=today, recorded_by=actor) for pk in new
    )
    if new and case.materials_received_on is None:
        case.materials_received_on = today
    return [items[pk].name for pk in new]


# --- intake -----------------------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    actor,
    service_type: ServiceType | str,
    applicant_name: str,
    id_number: str,
    phone: str,
    channel: str = Channel.WINDOW,
    window: ServiceWindow | None = None,
    priority: bool = False,
    facts: Mapping[str, bool] | None = None,
    provided: Iterable[int] = (),
    today: date | None = None,
) -> Case:
    """Take in a case at the actor's station as a draft, with the materials handed over. All bad
    input is reported at once, by field."""
    today = _today(today)
    staff = staff_of(actor)
    if staff is None or not staff.unit.is_station:
        raise PermissionDenied(INTAKE_ONLY_AT_STATION)
    station = staff.unit
    _require(actor, None, Action.CREATE, station=station)

    errors: dict[str, list[str]] = {}
    if isinstance(service_type, str):
        service_type = ServiceType.objects.published().filter(code=service_type).first()
    elif service_type is not None and not (service_type.is_current and service_type.active):
        service_type = None
    if service_type is None:
        errors["service_type"] = [SERVICE_NOT_PUBLISHED]
    try:
        id_number = personal_data.validate_id_number(id_number, today=today)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    try:
        phone = personal_data.normalise_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if not (applicant_name or "").strip():
        errors["applicant_name"] = [_("请填写申请人姓名。")]
    if channel not in Channel.values:
        errors["channel"] = [_("未知的办理渠道。")]
    if window is not None and window.station_id != station.pk:
        errors["window"] = [WINDOW_NOT_HERE]
    facts = dict(facts or {})
    provided = list(provided)
    if service_type is not None:
        try:
            checklist_decide(service_type=service_type, provided=provided, facts=facts)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    number = f"{station.code}-{today:%Y%m%d}-{next_number(f'case:{station.code}:{today:%Y%m%d}'):04d}"
    case = Case(
        number=number,
        service_type=service_type,
        station=station,
        window=window,
        officer=actor,
        applicant_name=applicant_name.strip(),
        id_number_encrypted=personal_data.encrypt_id_number(id_number.value),
        id_number_hash=personal_data.hash_id_number(id_number.value),
        id_number_masked=id_number.masked,
        phone=phone,
        channel=channel,
        priority=priority,
        facts=facts,
        status=CaseStatus.DRAFT,
        updated_by=actor,
    )
    _count_visit(case, today, actor)
    case.full_clean(exclude=["service_type", "station", "window", "officer", "updated_by"])
    case.save()
    received = _receive(case, actor, provided, today)
    if received:
        case.save(update_fields=["materials_received_on"])
    _event(case, actor, Action.CREATE, note="、".join(received), window=window)
    return case


@transaction.atomic
def case_record_materials(
    *, case: Case, actor, provided: Iterable[int], version: int | None = None, today: date | None = None
) -> Case:
    """Record materials the citizen handed over (a visit when they came in person)."""
    today = _today(today)
    _require(actor, case, Action.MATERIALS)
    case = _lock(case, version)
    if not case.is_open:
        raise Conflict(STATE_MAY_NOT % {"status": case.get_status_display(), "action": ACTION_LABELS[Action.MATERIALS]})
    received = _receive(case, actor, provided, today)
    visited = _count_visit(case, today, actor)
    _touch(case, actor, ["materials_received_on", "trips", "last_visit_on"])
    if received:
        _event(case, actor, Action.MATERIALS, note="、".join(received))
    elif visited:
        _event(case, actor, Action.VISIT)
    return case


@transaction.atomic
def case_record_visit(*, case: Case, actor, version: int | None = None, today: date | None = None) -> Case:
    """The citizen came back to the window for this case: the case continues, the trip is counted."""
    today = _today(today)
    _require(actor, case, Action.VISIT)
    case = _lock(case, version)
    if _count_visit(case, today, actor):
        _touch(case, actor, ["trips", "last_visit_on"])
        _event(case, actor, Action.VISIT)
    return case


# --- the state machine ------------------------------------------------------------------------


@transaction.atomic
def case_transition(
    *,
    case: Case,
    actor,
    action: str,
    note: str = "",
    legal_basis: str = "",
    version: int | None = None,
    supplement_due_on: date | None = None,
    commitment_signed: bool = False,
    send_sms: bool = False,
    window: ServiceWindow | None = None,
    today: date | None = None,
) -> Case:
    """Move a case. Raises PermissionDenied (role, unit, qualification), Conflict (state, stale
    version) or ValidationError (what the move needs is missing).

    ``window`` is where the actor serves now: the event is recorded there, and that window's counter
    device reacts to it. Without one, or with another station's, the event is the case's window's.

    Completing a case queues its completion SMS, and a one-time notice with ``send_sms`` a copy of the
    notice by SMS, in this transaction (hukou.services.sms); an SMS that cannot be written stops the move."""
    today = _today(today)
    if action not in TRANSITION_ACTIONS:
        raise ValidationError({"action": [_("未知的操作：%(action)s。") % {"action": action}]})
    _require(actor, case, action)
    case = _lock(case, version)
    _require(actor, case, action)  # the supervisor-only moves depend on the locked status
    target = TRANSITIONS[case.status].get(action)
    if target is None:
        raise Conflict(STATE_MAY_NOT % {"status": case.get_status_display(), "action": ACTION_LABELS[action]})
    if target == RESUME_TO_PREVIOUS:
        target = case.status_before_suspension
    from_status = case.status
    note = (note or "").strip()
    fields = {"status"}
    counts_visit = False
    notice = None

    if action == Action.NOTIFY:
        decision = case_decision(case)
        if decision.decision == Decision.ACCEPT:
            raise ValidationError({"action": [NOTHING_MISSING]})
        notice = _issue_one_time_notice(case, actor, decision, note, today)
        counts_visit = True
    elif action in (Action.ACCEPT, Action.ACCEPT_DEFICIENT) and from_status != S.ACCEPTED_DEFICIENT:
        decision = case_decision(case)
        if action == Action.ACCEPT and decision.decision != Decision.ACCEPT:
            raise ValidationError({"action": [NOT_COMPLETE % {"missing": _missing_names(decision)}]})
        if action == Action.ACCEPT_DEFICIENT:
            if decision.decision != Decision.ACCEPT_DEFICIENT:
                raise ValidationError({"action": [NOT_DEFICIENT_ONLY]})
            if not commitment_signed:
                raise ValidationError({"commitment_signed": [COMMITMENT_REQUIRED]})
        _accept(case, action, decision, supplement_due_on, today)
        if action == Action.ACCEPT_DEFICIENT:
            case.commitment_signed_at = timezone.now()
            _issue_commitment(case, actor, decision, today)
        _issue_receipt(case, actor, decision, today)
        fields |= {"accepted_on", "due_on", "supplement_due_on", "commitment_signed_at"}
        counts_visit = True
    elif action == Action.ACCEPT:  # 容缺 supplements in: the case runs on as accepted
        decision = case_decision(case)
        if decision.decision != Decision.ACCEPT:
            raise ValidationError({"action": [NOT_COMPLETE % {"missing": _missing_names(decision)}]})
    elif action == Action.SUBMIT_REVIEW and not case.service_type.needs_supervisor_approval:
        raise ValidationError({"action": [NO_APPROVAL_NEEDED]})
    elif action == Action.COMPLETE:
        if case.service_type.needs_supervisor_approval:
            raise ValidationError({"action": [NEEDS_APPROVAL]})
        case.completed_at = timezone.now()
        fields.add("completed_at")
    elif action == Action.APPROVE:
        case.completed_at = timezone.now()
        fields.add("completed_at")
    elif action == Action.COLLECT:
        case.collected_at = timezone.now()
        fields.add("collected_at")
        counts_visit = True
    elif action == Action.REJECT:
        legal_basis = (legal_basis or "").strip()
        missing = {"legal_basis": [LEGAL_BASIS_REQUIRED]} if not legal_basis else {}
        if not note:
            missing["note"] = [REFUSAL_REASON_REQUIRED]
        if missing:
            raise ValidationError(missing)
        _issue_refusal_notice(case, actor, legal_basis, note, today)
        counts_visit = from_status in (S.DRAFT, S.AWAITING_MATERIALS)
    elif action == Action.SUSPEND:
        if not note:
            raise ValidationError({"note": [REASON_REQUIRED]})
        case.status_before_suspension = from_status
        case.suspended_on = today
        fields |= {"status_before_suspension", "suspended_on"}
    elif action == Action.RESUME:
        _extend_for_suspension(case, today)
        case.status_before_suspension = ""
        case.suspended_on = None
        fields |= {"due_on", "supplement_due_on", "supplement_reminded_on", "status_before_suspension", "suspended_on"}

    case.status = target
    if counts_visit and _count_visit(case, today, actor):
        fields |= {"trips", "last_visit_on"}
    _touch(case, actor, fields)
    detail = note if action != Action.REJECT else f"{legal_basis}{'；' + note if note else ''}"
    here = window if window is not None and window.station_id == case.station_id else None
    _event(case, actor, action, from_status=from_status, note=detail, window=here)
    if target == S.COMPLETED:
        sms.case_sms_completion(case=case, today=today)
    elif notice is not None and send_sms:
        sms.case_sms_notice_copy(case=case, notice=notice)
    return case


def _accept(case: Case, action: str, decision: ChecklistDecision, supplement_due_on: date | None, today: date) -> None:
    service = case.service_type
    case.accepted_on = today
    case.due_on = add_working_days(today, service.time_limit_days) if service.time_limit_days else today
    if action != Action.ACCEPT_DEFICIENT:
        return
    default = supplement_default(service, today)
    if not service.time_limit_days:
        # A same-day service accepted with materials to follow finishes when they arrive.
        case.due_on = max(default, supplement_due_on or default)
    supplement_due_on = supplement_due_on or default
    if supplement_due_on < today:
        raise ValidationError({"supplement_due_on": [SUPPLEMENT_IN_PAST]})
    if supplement_due_on > case.due_on:
        raise ValidationError({"supplement_due_on": [SUPPLEMENT_AFTER_DUE % {"due": case.due_on.isoformat()}]})
    case.supplement_due_on = supplement_due_on


def _extend_for_suspension(case: Case, today: date) -> None:
    """The clock stopped while suspended: move the deadlines by the working days it lasted."""
    stopped = working_days_between(case.suspended_on, today) if case.suspended_on else 0
    if stopped <= 0:
        return
    if case.due_on:
        case.due_on = add_working_days(case.due_on, stopped)
    if case.supplement_due_on:
        case.supplement_due_on = add_working_days(case.supplement_due_on, stopped)
        case.supplement_reminded_on = None  # a new deadline gets its own reminder


# --- documents --------------------------------------------------------------------------------

DOCUMENT_PREFIX = {
    DocumentKind.ONE_TIME_NOTICE: "BZ",
    DocumentKind.REFUSAL_NOTICE: "BY",
    DocumentKind.COMMITMENT: "CN",
    DocumentKind.RECEIPT: "SL",
}


def _document(case: Case, actor, kind: str, content: dict, today: date) -> CaseDocument:
    prefix = DOCUMENT_PREFIX[kind]
    sequence = next_number(f"doc:{prefix}:{case.station.code}:{today.year}")
    staff = staff_of(actor)
    station = case.station
    base = {
        "case_number": case.number,
        "applicant_name": case.applicant_name,
        "id_number_masked": case.id_number_masked,
        "phone_masked": personal_data.mask_phone(case.phone),
        "service_name": case.service_type.name,
        "service_code": case.service_type.code,
        "service_version": case.service_type.version,
        "received_on": case.materials_received_on.isoformat() if case.materials_received_on else None,
        "issued_on": today.isoformat(),
        "officer_name": staff.display_name if staff else actor.get_username(),
        "officer_police_number": staff.police_number if staff else "",
        "station_name": station.name,
        "station_address": station.address,
        "station_phone": station.phone,
        "station_hours": station.hours,
        "where_when": case.service_type.where_when,
    }
    return CaseDocument.objects.create(
        case=case,
        kind=kind,
        number=f"{prefix}{station.code}{today.year}{sequence:05d}",
        issued_by=actor,
        content={**base, **content},
    )


def _item_entries(requirements) -> list[dict]:
    return [
        {
            "id": item.pk,
            "name": item.name,
            "detail": item.detail,
            "condition": item.condition.question if item.condition else None,
            "group": item.group or None,
            "deferrable": item.deferrable,
        }
        for requirement in requirements
        for item in requirement.items
    ]


def _issue_one_time_notice(case: Case, actor, decision: ChecklistDecision, note: str, today: date) -> CaseDocument:
    """The 补正材料通知书: exactly the missing checklist items, everything at once. The officer's note
    is printed as a note; it cannot add a requirement."""
    return _document(
        case,
        actor,
        DocumentKind.ONE_TIME_NOTICE,
        {
            "missing": _item_entries((*decision.missing, *decision.deferrable_missing)),
            "legal_basis": NOTICE_LEGAL_BASIS,
            "service_legal_basis": case.service_type.legal_basis,
            "note": note,
        },
        today,
    )


def _issue_refusal_notice(case: Case, actor, legal_basis: str, reason: str, today: date) -> CaseDocument:
    return _document(case, actor, DocumentKind.REFUSAL_NOTICE, {"legal_basis": legal_basis, "reason": reason}, today)


def _issue_commitment(case: Case, actor, decision: ChecklistDecision, today: date) -> CaseDocument:
    return _document(
        case,
        actor,
        DocumentKind.COMMITMENT,
        {
            "deferred": _item_entries(decision.deferrable_missing),
            "supplement_due_on": case.supplement_due_on.isoformat(),
            "due_on": case.due_on.isoformat(),
            "signed_at": timezone.localtime(case.commitment_signed_at).isoformat(),
        },
        today,
    )


def _issue_receipt(case: Case, actor, decision: ChecklistDecision, today: date) -> CaseDocument:
    """The 受理回执: what was accepted, by when it will be done, what happens next, how to look it up."""
    service = case.service_type
    return _document(
        case,
        actor,
        DocumentKind.RECEIPT,
        {
            "accepted_on": case.accepted_on.isoformat(),
            "due_on": case.due_on.isoformat(),
            "time_limit_days": service.time_limit_days,
            "needs_approval": service.needs_supervisor_approval,
            "process": list(service.process),
            "received": [
                {"name": m.item.name, "received_on": m.received_on.isoformat()}
                for m in case.materials.select_related("item").order_by("item__order")
            ],
            "deferred": _item_entries(decision.deferrable_missing),
            "supplement_due_on": case.supplement_due_on.isoformat() if case.supplement_due_on else None,
        },
        today,
    )


# --- people -----------------------------------------------------------------------------------


@transaction.atomic
def case_reveal_id_number(*, case: Case, actor) -> str:
    """The full ID number, for the receiving officer or a supervisor; every reveal is logged."""
    if not case_may_reveal(actor, case):
        raise PermissionDenied(REVEAL_NOT_ALLOWED if can_act_on_unit(actor, case.station) else NOT_YOURS)
    IdNumberAccess.objects.create(case=case, user=actor)
    return personal_data.decrypt_id_number(case.id_number_encrypted)


@transaction.atomic
def case_reassign(*, case: Case, actor, officer, version: int | None = None, note: str = "") -> Case:
    """A supervisor hands the case to another sworn officer of the same station."""
    _require(actor, case, Action.REASSIGN)
    case = _lock(case, version)
    target = staff_of(officer)
    if target is None or target.unit_id != case.station_id or not target.has_enforcement_qualification:
        raise ValidationError({"officer": [REASSIGN_TARGET]})
    previous = case.officer
    case.officer = officer
    case.version += 1
    case.updated_by = actor
    case.save(update_fields=["officer", "version", "updated_by", "updated_at"])
    names = f"{person_name(previous)} → {person_name(officer)}"
    _event(case, actor, Action.REASSIGN, note=f"{names}{'；' + note if note else ''}")
    return case
