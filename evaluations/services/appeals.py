"""Citizen appeals (群众诉求, "办不成事"反映): taken in from the public form or entered by staff for a
phone call or a visit, handled open → in progress → resolved within working days, and flagged once
when late.

Every change locks the appeal's row, checks who may do it and in which state, checks the version the
actor saw, writes an ``AppealEvent`` and bumps the version, in one transaction. Inbox messages (the
station's supervisors on a new appeal, the handler when assigned, everyone concerned when late) are
rows written in the same transaction.

The register of unresolved appeals (S1 《群众诉求未结事项登记表》) reads ``status``, ``due_on`` and
``resolved_at`` as written here.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.models import Appeal, AppealCategory, AppealEvent, AppealSource, AppealStatus
from hukou.services.cases import next_number
from hukou.services.status import normalise_number
from notices.phones import PHONE_INVALID, normalise_phone
from windows.access import can_act_on_unit, has_role, staff_of
from windows.errors import Conflict
from windows.models import Role, Staff, Unit, person_name
from windows.selectors import station_supervisor_ids
from windows.services import flag_and_notify, notifications_send
from windows.workdays import add_working_days

CONTENT_MIN_LENGTH = 10
CONTENT_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 50  # Appeal.contact_name
CASE_NUMBER_MAX_LENGTH = 40  # Appeal.case_number, Case.number
NOTE_MAX_LENGTH = 500
RESOLUTION_MAX_LENGTH = 2000

NAME_REQUIRED = "请填写联系人姓名。"
NAME_TOO_LONG = f"联系人姓名最多{NAME_MAX_LENGTH}个字。"
CONTENT_TOO_SHORT = f"请把情况写具体一些，至少{CONTENT_MIN_LENGTH}个字。"
CONTENT_TOO_LONG = f"具体情况最多{CONTENT_MAX_LENGTH}个字。"
CATEGORY_INVALID = "请选择反映的类别。"
STATION_INVALID = "请选择派出所。"
CASE_NUMBER_TOO_LONG = f"办件编号最长{CASE_NUMBER_MAX_LENGTH}个字符，请核对。"
SOURCE_INVALID = "未知的反映渠道。"
STAFF_SOURCE_ONLY = "工作人员登记的诉求只能是电话反映或来访反映。"
ONLINE_SOURCE_ONLY = "群众在网上提交的诉求只能是网上反映。"
NOT_YOURS = "无权办理本单位以外的群众诉求。"
ROLE_MAY_NOT = "您的角色（%(role)s）不能执行“%(action)s”。"
MAY_NOT_ENTER = "您不能登记群众诉求。"
ONLY_SUPERVISORS_ASSIGN = "只有所长（户籍负责人）或上级户政管理人员可以分派、改派群众诉求。"
ONLY_HANDLER_RESOLVES = "只有承办人或所长（户籍负责人）、上级户政管理人员可以办结该诉求。"
STATE_MAY_NOT = "该诉求当前状态为“%(status)s”，不能执行“%(action)s”。"
STALE_VERSION = "该诉求已于%(when)s被修改，请刷新后重试。"
ACTION_UNKNOWN = "未知的操作：%(action)s。"
HANDLER_REQUIRED = "请选择承办人。"
HANDLER_INVALID = "承办人须为本所民警或所长（户籍负责人）。"
HANDLER_SAME = "新承办人与原承办人相同。"
RESOLUTION_REQUIRED = "请填写办理结果。"
RESOLUTION_TOO_LONG = f"办理结果最多{RESOLUTION_MAX_LENGTH}个字。"
NOTE_TOO_LONG = f"备注最多{NOTE_MAX_LENGTH}个字。"

NEW_APPEAL_TEXT = "新的群众诉求 %(reference)s（%(category)s，%(source)s）：请于%(due)s前办结。"
ASSIGNED_TEXT = "您被指定为群众诉求 %(reference)s（%(category)s）的承办人，请于%(due)s前办结。"
LATE_TEXT = "群众诉求逾期：%(reference)s（%(category)s）已超过办理期限 %(due)s，请尽快办结。"


class Action:
    """What happens to an appeal. ``submit`` creates it; ``reassign`` changes the handler, not the status."""

    SUBMIT = "submit"
    START = "start"
    REASSIGN = "reassign"
    RESOLVE = "resolve"


ACTION_LABELS = {
    Action.SUBMIT: gettext_lazy("受理"),
    Action.START: gettext_lazy("开始办理"),
    Action.REASSIGN: gettext_lazy("改派承办人"),
    Action.RESOLVE: gettext_lazy("办结"),
}
TRANSITION_ACTIONS = [Action.START, Action.REASSIGN, Action.RESOLVE]

S = AppealStatus
TRANSITIONS: dict[str, dict[str, str]] = {
    S.OPEN: {Action.START: S.IN_PROGRESS},
    S.IN_PROGRESS: {Action.REASSIGN: S.IN_PROGRESS, Action.RESOLVE: S.RESOLVED},
    S.RESOLVED: {},
}

# Who may enter an appeal taken by phone or at the counter (auxiliaries answer the phone too).
ENTRY_ROLES = {Role.OFFICER, Role.AUXILIARY, Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR}
# Who may handle appeals: sworn staff. Officers act on the appeals assigned to them; supervisors on
# every appeal in their scope. Admins run the system, not appeals.
HANDLING_ROLES = {Role.OFFICER, Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR}
SUPERVISOR_ROLES = {Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR}
# Who may be made the handler: the station's sworn counter staff and its supervisors.
HANDLER_ROLES = [Role.OFFICER, Role.STATION_SUPERVISOR]


# --- helpers ----------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def appeal_due_on(today: date) -> date:
    """The date an appeal received ``today`` must be resolved by: working days, never calendar days."""
    return add_working_days(today, settings.EVALUATIONS_APPEAL_DAYS)


def _link(reference: str) -> str:
    return reverse("evaluations:appeal_detail", args=[reference])


# --- intake -----------------------------------------------------------------------------------------


def appeal_clean(
    *, station, category: str, contact_name: str, contact_phone: str, content: str, case_number: str
) -> dict:
    """The submission's values, normalised; ``ValidationError`` listing every bad field."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    if not isinstance(station, Unit) or not station.is_station:
        errors["station"] = [STATION_INVALID]
    if category not in AppealCategory.values:
        errors["category"] = [CATEGORY_INVALID]
    name = " ".join((contact_name or "").split())
    if not name:
        errors["contact_name"] = [NAME_REQUIRED]
    elif len(name) > NAME_MAX_LENGTH:
        errors["contact_name"] = [NAME_TOO_LONG]
    values["contact_name"] = name
    try:
        values["contact_phone"] = normalise_phone(contact_phone)
    except ValidationError:
        errors["contact_phone"] = [PHONE_INVALID]
    content = (content or "").strip()
    if len(content) < CONTENT_MIN_LENGTH:
        errors["content"] = [CONTENT_TOO_SHORT]
    elif len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = [CONTENT_TOO_LONG]
    values["content"] = content
    # Stored as given, normalised (full-width to ASCII, no spaces, upper case): a citizen may not
    # learn from this form whether a case exists, so it is not looked up.
    values["case_number"] = ""
    if (case_number or "").strip():
        try:
            values["case_number"] = normalise_number(case_number)
        except ValidationError:
            errors["case_number"] = [CASE_NUMBER_TOO_LONG]
    if errors:
        raise ValidationError(errors)
    return values


def _check_entry(actor, station: Unit, source: str) -> None:
    """A citizen submits online; staff enter phone calls and visits for stations they may act on."""
    if source not in AppealSource.values:
        raise ValidationError({"source": [SOURCE_INVALID]})
    if actor is None:
        if source != AppealSource.ONLINE:
            raise ValidationError({"source": [ONLINE_SOURCE_ONLY]})
        return
    staff = staff_of(actor)
    if staff is None or not can_act_on_unit(actor, station):
        raise PermissionDenied(NOT_YOURS)
    if staff.role not in ENTRY_ROLES:
        raise PermissionDenied(ROLE_MAY_NOT % {"role": staff.get_role_display(), "action": _("登记群众诉求")})
    if source == AppealSource.ONLINE:
        raise ValidationError({"source": [STAFF_SOURCE_ONLY]})


def _reference(station: Unit, today: date, counter: int) -> str:
    return f"SQ{station.code}{today:%Y%m%d}{counter:04d}"


@transaction.atomic
def appeal_submit(
    *,
    station,
    category: str,
    contact_name: str,
    contact_phone: str,
    content: str,
    case_number: str = "",
    source: str = AppealSource.ONLINE,
    actor=None,
    today: date | None = None,
    decoy: bool = False,
) -> Appeal:
    """Take in an appeal: a citizen's from the public form (``actor`` None, source online), or one
    entered by staff (``actor``, source phone or walk_in) for a station they may act on.

    The reference is ``SQ`` + station code + date + a 4-digit daily counter; the due date is
    ``EVALUATIONS_APPEAL_DAYS`` working days on. The station's supervisors are told in the inbox.

    ``decoy`` (a form whose honeypot was filled): the same checks, then an unsaved appeal with a
    plausible reference and due date, and nothing written at all.

    Raises ``ValidationError`` by field, ``PermissionDenied`` for staff outside the station."""
    today = _today(today)
    values = appeal_clean(
        station=station,
        category=category,
        contact_name=contact_name,
        contact_phone=contact_phone,
        content=content,
        case_number=case_number,
    )
    _check_entry(actor, station, source)
    appeal = Appeal(
        station=station,
        source=source,
        category=category,
        status=AppealStatus.OPEN,
        due_on=appeal_due_on(today),
        received_by=actor,
        **values,
    )
    if decoy:
        appeal.reference = _reference(station, today, secrets.randbelow(9000) + 1000)
        return appeal
    appeal.reference = _reference(station, today, next_number(f"appeal:{station.code}:{today:%Y%m%d}"))
    appeal.full_clean(exclude=["station", "handler", "received_by"])
    appeal.save()
    AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        action=Action.SUBMIT,
        to_status=appeal.status,
        note=str(appeal.get_source_display()),
    )
    text = _(NEW_APPEAL_TEXT) % {
        "reference": appeal.reference,
        "category": appeal.get_category_display(),
        "source": appeal.get_source_display(),
        "due": appeal.due_on.isoformat(),
    }
    supervisors = station_supervisor_ids({station.pk}).get(station.pk, [])
    notifications_send(messages=[(user_id, text, _link(appeal.reference)) for user_id in supervisors])
    return appeal


# --- the workflow -----------------------------------------------------------------------------------


def _may(actor, appeal: Appeal, action: str) -> str:
    """Why the actor may not do ``action`` to this appeal (whatever its state), or "" when they may."""
    staff = staff_of(actor)
    if staff is None or not can_act_on_unit(actor, appeal.station):
        return NOT_YOURS
    if staff.role not in HANDLING_ROLES:
        return ROLE_MAY_NOT % {"role": staff.get_role_display(), "action": ACTION_LABELS[action]}
    if staff.role in SUPERVISOR_ROLES:
        return ""
    if action in (Action.START, Action.REASSIGN):
        return ONLY_SUPERVISORS_ASSIGN
    return "" if appeal.handler_id == actor.pk else ONLY_HANDLER_RESOLVES


def appeal_may(actor, appeal: Appeal, action: str) -> bool:
    """Would the actor be allowed ``action`` on this appeal (role, unit, assignment; not the state)?"""
    return not _may(actor, appeal, action)


def appeal_allowed_actions(actor, appeal: Appeal) -> list[str]:
    """The moves this actor may make on this appeal in its present state, in the table's order."""
    return [action for action in TRANSITIONS[appeal.status] if appeal_may(actor, appeal, action)]


def appeal_handler_choices(appeal: Appeal):
    """Who may be made the handler of this appeal: its station's active officers and supervisors."""
    return (
        Staff.objects.filter(unit_id=appeal.station_id, role__in=HANDLER_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__username")
    )


def _valid_handler(appeal: Appeal, actor, handler) -> bool:
    """The station's officers and supervisors; a bureau supervisor may also take it on themselves."""
    if handler is None or not getattr(handler, "is_active", False):
        return False
    if appeal_handler_choices(appeal).filter(user_id=handler.pk).exists():
        return True
    return handler.pk == actor.pk and has_role(actor, Role.BUREAU_SUPERVISOR)


def _lock(appeal: Appeal, version: int | None) -> Appeal:
    locked = Appeal.objects.select_for_update().select_related("station").get(pk=appeal.pk)
    if version is not None and version != locked.version:
        when = formats.date_format(timezone.localtime(locked.updated_at), "Y-m-d H:i:s")
        raise Conflict(_(STALE_VERSION) % {"when": when})
    return locked


def _clean_text(value: str, limit: int, message: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: [message]})
    return value


def _notify_handler(appeal: Appeal, actor) -> None:
    if appeal.handler_id is None or appeal.handler_id == actor.pk:
        return
    text = _(ASSIGNED_TEXT) % {
        "reference": appeal.reference,
        "category": appeal.get_category_display(),
        "due": appeal.due_on.isoformat(),
    }
    notifications_send(messages=[(appeal.handler_id, text, _link(appeal.reference))])


@transaction.atomic
def appeal_transition(
    *,
    appeal: Appeal,
    actor,
    action: str,
    handler=None,
    note: str = "",
    resolution: str = "",
    version: int | None = None,
) -> Appeal:
    """Move an appeal: ``start`` (assign ``handler``: the actor or a colleague of the station),
    ``reassign`` (another handler, while in progress), ``resolve`` (``resolution`` required).

    Raises ``PermissionDenied`` (unit, role, not the handler), ``Conflict`` (state, stale version) or
    ``ValidationError`` (what the move needs is missing)."""
    if action not in TRANSITION_ACTIONS:
        raise ValidationError({"action": [_(ACTION_UNKNOWN) % {"action": action}]})
    reason = _may(actor, appeal, action)
    if reason:
        raise PermissionDenied(reason)
    appeal = _lock(appeal, version)
    reason = _may(actor, appeal, action)  # the handler may have changed meanwhile
    if reason:
        raise PermissionDenied(reason)
    target = TRANSITIONS[appeal.status].get(action)
    if target is None:
        raise Conflict(STATE_MAY_NOT % {"status": appeal.get_status_display(), "action": ACTION_LABELS[action]})

    note = _clean_text(note, NOTE_MAX_LENGTH, NOTE_TOO_LONG, "note")
    from_status = appeal.status
    fields = ["status", "version", "updated_at"]
    detail = note
    if action in (Action.START, Action.REASSIGN):
        if handler is None:
            raise ValidationError({"handler": [HANDLER_REQUIRED]})
        if not _valid_handler(appeal, actor, handler):
            raise ValidationError({"handler": [HANDLER_INVALID]})
        if action == Action.REASSIGN and handler.pk == appeal.handler_id:
            raise ValidationError({"handler": [HANDLER_SAME]})
        previous = appeal.handler
        appeal.handler = handler
        fields.append("handler")
        names = (
            f"{person_name(previous)} → {person_name(handler)}"
            if previous
            else _("承办人：%(name)s") % {"name": person_name(handler)}
        )
        detail = f"{names}{'；' + note if note else ''}"
    elif action == Action.RESOLVE:
        resolution = (resolution or "").strip()
        if not resolution:
            raise ValidationError({"resolution": [RESOLUTION_REQUIRED]})
        if len(resolution) > RESOLUTION_MAX_LENGTH:
            raise ValidationError({"resolution": [RESOLUTION_TOO_LONG]})
        appeal.resolution = resolution
        appeal.resolved_at = timezone.now()
        fields += ["resolution", "resolved_at"]
        detail = f"{resolution}{'；' + note if note else ''}"

    appeal.status = target
    appeal.version += 1
    appeal.full_clean(exclude=["station", "handler", "received_by"])
    appeal.save(update_fields=fields)
    AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=target,
        note=detail,
    )
    if action in (Action.START, Action.REASSIGN):
        _notify_handler(appeal, actor)
    return appeal


def appeal_start(*, appeal: Appeal, actor, handler=None, note: str = "", version: int | None = None) -> Appeal:
    """Open → in progress, with a handler (the actor when none is chosen)."""
    return appeal_transition(
        appeal=appeal, actor=actor, action=Action.START, handler=handler or actor, note=note, version=version
    )


def appeal_reassign(*, appeal: Appeal, actor, handler, note: str = "", version: int | None = None) -> Appeal:
    """Another handler for an appeal in progress."""
    return appeal_transition(
        appeal=appeal, actor=actor, action=Action.REASSIGN, handler=handler, note=note, version=version
    )


def appeal_resolve(*, appeal: Appeal, actor, resolution: str, note: str = "", version: int | None = None) -> Appeal:
    """In progress → resolved, with what was done (the citizen's progress page shows it)."""
    return appeal_transition(
        appeal=appeal, actor=actor, action=Action.RESOLVE, resolution=resolution, note=note, version=version
    )


# --- deadlines --------------------------------------------------------------------------------------


def late(today: date) -> Q:
    """Unresolved appeals past their due date (the ``appeal_unresolved_idx`` partial index)."""
    return ~Q(status=AppealStatus.RESOLVED) & Q(due_on__lt=today)


def appeals_check_deadlines(*, today: date | None = None) -> dict[str, int]:
    """Flag ``late_on`` (the first day after the due date) once on every unresolved appeal past its
    due date, and tell its handler and the station's supervisors, in one transaction. Rows are
    claimed with SKIP LOCKED, so two workers never flag the same appeal; running it again flags none."""
    today = _today(today)

    def notice(appeal: Appeal) -> tuple[str, str]:
        text = _(LATE_TEXT) % {
            "reference": appeal.reference,
            "category": appeal.get_category_display(),
            "due": appeal.due_on.isoformat(),
        }
        return text, _link(appeal.reference)

    claimed = flag_and_notify(
        Appeal.objects.filter(late(today)).only("reference", "station_id", "handler_id", "category", "due_on"),
        flag="late_on",
        value=lambda appeal: appeal.due_on + timedelta(days=1),
        notice=notice,
        also=lambda appeal: appeal.handler_id,
    )
    return {"appeal_late": len(claimed)}
