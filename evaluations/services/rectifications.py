"""Rectification of bad reviews (差评整改) and the appeal review of a disputed rating (申诉复核).

A bad review opens a rectification (``rectification_open``, in the rating's transaction). The station's
supervisors, or a bureau supervisor above the station, then record the verification call (contact) and
close it with what was found, what was done and the citizen's satisfaction on the call back. Every move
goes through ``_move``: it checks the actor, locks the row, checks the version the actor saw and the
state, and bumps the version.

The appeal review never touches the rating: a station supervisor puts the rating under review with a
ground and reasons, a bureau supervisor above the station decides; the decision lives on the review.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.models import (
    Evaluation,
    Level,
    RatingReview,
    Rectification,
    RectificationStatus,
    ReviewGround,
    ReviewOutcome,
)
from evaluations.selectors.rectifications import contact_late, rectify_late
from windows.access import can_act_on_unit, staff_of
from windows.errors import Conflict
from windows.models import Role, Staff
from windows.selectors import station_supervisor_ids
from windows.services import flag_and_notify, notifications_send
from windows.workdays import add_working_days

# --- the workflow -------------------------------------------------------------------------------


class Action:
    CONTACT = "contact"
    CLOSE = "close"
    REASSIGN = "reassign"


ACTION_LABELS = {
    Action.CONTACT: gettext_lazy("核实联系"),
    Action.CLOSE: gettext_lazy("整改办结"),
    Action.REASSIGN: gettext_lazy("改派"),
}

S = RectificationStatus
# {from_status: {action: to_status}}; reassigning keeps the status.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.OPEN: {Action.CONTACT: S.CONTACTED, Action.REASSIGN: S.OPEN},
    S.CONTACTED: {Action.CLOSE: S.CLOSED, Action.REASSIGN: S.CONTACTED},
    S.CLOSED: {},
}

# Who acts on a rectification: the station's supervisors and the bureau supervisors above the station.
ACTING_ROLES = {Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR}

NOT_YOURS = "只有本所所长（户籍负责人）或上级户政管理人员可以办理差评整改。"
STATE_MAY_NOT = "差评整改当前状态为“%(status)s”，不能执行“%(action)s”。"
STALE_VERSION = "该差评整改已被他人修改，请刷新后重试。"
CONTACT_NOTE_REQUIRED = "请填写核实情况：核查经过和与群众联系的结果。"
FINDING_REQUIRED = "请填写查明情况。"
ACTION_TAKEN_REQUIRED = "请填写整改措施。"
CALLBACK_LEVEL_REQUIRED = "群众留有联系电话，须回访并记录回访满意度。"
CALLBACK_LEVEL_INVALID = "请从五个等级中选择回访满意度。"
CALLBACK_AT_REQUIRED = "请填写回访时间。"
WHEN_IN_FUTURE = "时间不能晚于现在。"
WHEN_BEFORE_RATING = "时间不能早于群众评价的时间。"
CALLBACK_BEFORE_CONTACT = "回访时间不能早于核实联系的时间。"
ASSIGNEE_INVALID = "只能改派给本所的所长或户籍负责人。"
TEXT_MAX_LENGTH = 2000
CLOCK_TOLERANCE = timedelta(minutes=5)
TEXT_TOO_LONG = f"最多{TEXT_MAX_LENGTH}个字。"


def _link(rectification_id: int) -> str:
    return reverse("evaluations:rectification_detail", args=[rectification_id])


def rectification_open(*, evaluation: Evaluation, today: date | None = None) -> Rectification:
    """Open the rectification of a bad review, assigned to the station's supervisor, with its two
    working-day limits, and tell the station's supervisors. Runs in the rating's transaction."""
    today = today or timezone.localdate(evaluation.created_at)
    supervisors = station_supervisor_ids({evaluation.station_id}).get(evaluation.station_id, [])
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        station_id=evaluation.station_id,
        assignee_id=supervisors[0] if supervisors else None,
        opened_on=today,
        contact_due_on=add_working_days(today, settings.EVALUATIONS_CONTACT_DAYS),
        rectify_due_on=add_working_days(today, settings.EVALUATIONS_RECTIFY_DAYS),
    )
    text = _("收到差评（%(level)s），办件%(number)s：请于%(due)s前核实并联系群众。") % {
        "level": evaluation.get_level_display(),
        "number": evaluation.case.number,
        "due": rectification.contact_due_on.isoformat(),
    }
    notifications_send(messages=[(user_id, text, _link(rectification.pk)) for user_id in supervisors])
    return rectification


def rectification_may_act(actor, rectification: Rectification) -> bool:
    """May the actor do the rectification's work (contact, close, reassign)? A supervisor of the
    station, or a bureau supervisor above it. The officer rated reads it only."""
    staff = staff_of(actor)
    return staff is not None and staff.role in ACTING_ROLES and can_act_on_unit(actor, rectification.station)


def rectification_allowed_actions(actor, rectification: Rectification) -> list[str]:
    """The moves this actor may make on the rectification in its present state."""
    if not rectification_may_act(actor, rectification):
        return []
    return list(TRANSITIONS[rectification.status])


def _lock(rectification: Rectification, version: int | None) -> Rectification:
    locked = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("evaluation__case", "station")
        .get(pk=rectification.pk)
    )
    if version is not None and version != locked.version:
        raise Conflict(STALE_VERSION)
    return locked


def _move(rectification: Rectification, actor, action: str, version: int | None) -> tuple[Rectification, str]:
    """Check the actor, lock the row, check the version and the move; the locked row and its target."""
    if not rectification_may_act(actor, rectification):
        raise PermissionDenied(NOT_YOURS)
    locked = _lock(rectification, version)
    target = TRANSITIONS[locked.status].get(action)
    if target is None:
        raise Conflict(STATE_MAY_NOT % {"status": locked.get_status_display(), "action": ACTION_LABELS[action]})
    return locked, target


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_text(errors: dict, field: str, value: str, missing: str) -> None:
    if not value:
        errors[field] = [missing]
    elif len(value) > TEXT_MAX_LENGTH:
        errors[field] = [TEXT_TOO_LONG]


def _check_when(errors: dict, field: str, when: datetime, not_before: datetime, before_message: str) -> None:
    # Times are entered to the minute: the minute of ``not_before`` counts, and a clock a little fast.
    if when > timezone.now() + CLOCK_TOLERANCE:
        errors[field] = [WHEN_IN_FUTURE]
    elif when < not_before.replace(second=0, microsecond=0):
        errors[field] = [before_message]


def _save(rectification: Rectification, fields: list[str]) -> None:
    rectification.version += 1
    rectification.full_clean(exclude=["evaluation", "station", "assignee", "contacted_by", "closed_by"])
    rectification.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def rectification_contact(
    *,
    rectification: Rectification,
    actor,
    contact_note: str,
    contacted_at: datetime | None = None,
    version: int | None = None,
) -> Rectification:
    """Record the verification and the call to the citizen (待核实 → 整改中): who, when, and what
    they found (核实情况). Raises PermissionDenied, Conflict (state, stale version) or ValidationError."""
    rectification, target = _move(rectification, actor, Action.CONTACT, version)
    contact_note = _text(contact_note)
    contacted_at = contacted_at or timezone.now()
    errors: dict[str, list[str]] = {}
    _check_text(errors, "contact_note", contact_note, CONTACT_NOTE_REQUIRED)
    _check_when(errors, "contacted_at", contacted_at, rectification.evaluation.created_at, WHEN_BEFORE_RATING)
    if errors:
        raise ValidationError(errors)
    rectification.status = target
    rectification.contact_note = contact_note
    rectification.contacted_at = contacted_at
    rectification.contacted_by = actor
    _save(rectification, ["status", "contact_note", "contacted_at", "contacted_by"])
    return rectification


@transaction.atomic
def rectification_close(
    *,
    rectification: Rectification,
    actor,
    finding: str,
    action_taken: str,
    callback_level: int | None = None,
    callback_at: datetime | None = None,
    version: int | None = None,
) -> Rectification:
    """Close the rectification (整改中 → 已办结) with what was found (查明情况), what was done (整改措施)
    and, whenever the citizen left a phone (实名差评回访率 100%), their satisfaction on the call back
    and when it was made. Only after the contact is recorded."""
    rectification, target = _move(rectification, actor, Action.CLOSE, version)
    finding, action_taken = _text(finding), _text(action_taken)
    errors: dict[str, list[str]] = {}
    _check_text(errors, "finding", finding, FINDING_REQUIRED)
    _check_text(errors, "action_taken", action_taken, ACTION_TAKEN_REQUIRED)
    # 实名差评回访率 100%: a citizen who left a phone is called back; a call back given is recorded whole.
    given = callback_level not in (None, "") or callback_at is not None
    if rectification.evaluation.contact_phone or given:
        try:
            callback_level = int(callback_level) if callback_level not in (None, "") else None
        except (TypeError, ValueError):
            callback_level = 0
        if callback_level is None:
            errors["callback_level"] = [CALLBACK_LEVEL_REQUIRED]
        elif callback_level not in Level.values:
            errors["callback_level"] = [CALLBACK_LEVEL_INVALID]
        if callback_at is None:
            errors["callback_at"] = [CALLBACK_AT_REQUIRED]
        else:
            not_before = rectification.contacted_at or rectification.evaluation.created_at
            _check_when(errors, "callback_at", callback_at, not_before, CALLBACK_BEFORE_CONTACT)
    else:
        callback_level = None
    if errors:
        raise ValidationError(errors)
    rectification.status = target
    rectification.finding = finding
    rectification.action_taken = action_taken
    rectification.callback_level = callback_level
    rectification.callback_at = callback_at
    rectification.closed_at = timezone.now()
    rectification.closed_by = actor
    _save(
        rectification,
        ["status", "finding", "action_taken", "callback_level", "callback_at", "closed_at", "closed_by"],
    )
    return rectification


def reassign_candidates(rectification: Rectification) -> QuerySet[Staff]:
    """Whom the rectification may be given to: the station's active supervisors."""
    return (
        Staff.objects.filter(unit_id=rectification.station_id, role=Role.STATION_SUPERVISOR, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
    )


@transaction.atomic
def rectification_reassign(
    *, rectification: Rectification, actor, assignee, version: int | None = None
) -> Rectification:
    """Give the rectification to another supervisor of the station, and tell them."""
    rectification, _target = _move(rectification, actor, Action.REASSIGN, version)
    assignee_id = getattr(assignee, "pk", assignee)
    if assignee_id is None or not reassign_candidates(rectification).filter(user_id=assignee_id).exists():
        raise ValidationError({"assignee": [ASSIGNEE_INVALID]})
    if assignee_id == rectification.assignee_id:
        return rectification
    rectification.assignee_id = assignee_id
    _save(rectification, ["assignee"])
    text = _("差评整改改派给您：办件%(number)s，请于%(due)s前整改完毕。") % {
        "number": rectification.evaluation.case.number,
        "due": rectification.rectify_due_on.isoformat(),
    }
    notifications_send(messages=[(assignee_id, text, _link(rectification.pk))])
    return rectification


# --- the appeal review of a rating (申诉复核) -------------------------------------------------------

REVIEW_REQUEST_NOT_YOURS = "只有本所所长（户籍负责人）可以提出申诉复核。"
REVIEW_DECIDE_NOT_YOURS = "只有派出所上级的户政管理人员可以作出复核决定。"
REVIEW_EXISTS = "该评价已提出过申诉复核，每条评价只能申诉一次。"
REVIEW_DECIDED = "该申诉复核已作出决定，不能再次决定。"
GROUND_INVALID = "请选择申诉理由类别：误评或恶意评价。"
REVIEW_REASON_REQUIRED = "请写明申诉理由。"
OUTCOME_INVALID = "请选择复核结果：评价有效，或认定误评、恶意评价。"
DECISION_NOTE_REQUIRED = "请填写复核意见。"
NO_REVIEW = "该评价没有申诉复核。"
DECISION_OUTCOMES = (ReviewOutcome.UPHELD, ReviewOutcome.EXCLUDED)


def review_may_request(actor, evaluation: Evaluation) -> bool:
    staff = staff_of(actor)
    return staff is not None and staff.role == Role.STATION_SUPERVISOR and can_act_on_unit(actor, evaluation.station)


def review_may_decide(actor, review: RatingReview) -> bool:
    staff = staff_of(actor)
    return (
        staff is not None and staff.role == Role.BUREAU_SUPERVISOR and can_act_on_unit(actor, review.evaluation.station)
    )


def _bureau_supervisors_above(station) -> list[int]:
    """The bureau supervisors of the nearest unit above the station that has any."""
    parts = [part for part in station.path.split("/") if part]
    prefixes = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts))]
    rows = Staff.objects.filter(role=Role.BUREAU_SUPERVISOR, user__is_active=True, unit__path__in=prefixes)
    by_path: dict[str, list[int]] = defaultdict(list)
    for path, user_id in rows.order_by("created_at", "id").values_list("unit__path", "user_id"):
        by_path[path].append(user_id)
    for prefix in reversed(prefixes):
        if by_path.get(prefix):
            return by_path[prefix]
    return []


def _review_link(evaluation: Evaluation) -> str:
    rectification_id = Rectification.objects.filter(evaluation=evaluation).values_list("pk", flat=True).first()
    return _link(rectification_id) if rectification_id else ""


@transaction.atomic
def rating_review_request(*, evaluation: Evaluation, actor, ground: str, reason: str) -> RatingReview:
    """Put a rating under appeal review (申诉复核) on the officer's word that it is mistaken or
    malicious: a station supervisor of the rated station, once per rating. The rating stays as given.
    Tells the bureau supervisors above the station, who decide."""
    if not review_may_request(actor, evaluation):
        raise PermissionDenied(REVIEW_REQUEST_NOT_YOURS)
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    if ground not in ReviewGround.values:
        errors["ground"] = [GROUND_INVALID]
    _check_text(errors, "reason", reason, REVIEW_REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    if RatingReview.objects.filter(evaluation=evaluation).exists():
        raise Conflict(REVIEW_EXISTS)
    review = RatingReview(evaluation=evaluation, ground=ground, reason=reason, requested_by=actor)
    review.full_clean(exclude=["evaluation", "requested_by", "decided_by"])
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a second request at the same moment
        raise Conflict(REVIEW_EXISTS) from exc
    text = _("申诉复核待决定：办件%(number)s的评价（%(level)s），理由：%(ground)s。") % {
        "number": evaluation.case.number,
        "level": evaluation.get_level_display(),
        "ground": review.get_ground_display(),
    }
    link = _review_link(evaluation)
    notifications_send(messages=[(user_id, text, link) for user_id in _bureau_supervisors_above(evaluation.station)])
    return review


@transaction.atomic
def rating_review_decide(*, review: RatingReview, actor, outcome: str, note: str) -> RatingReview:
    """Decide an appeal review: the rating is upheld, or excluded from the assessment as mistaken or
    malicious. A bureau supervisor above the station, once. Tells who asked for it."""
    if not review_may_decide(actor, review):
        raise PermissionDenied(REVIEW_DECIDE_NOT_YOURS)
    review = RatingReview.objects.select_for_update(of=("self",)).select_related("evaluation__case").get(pk=review.pk)
    if review.outcome != ReviewOutcome.PENDING:
        raise Conflict(REVIEW_DECIDED)
    note = _text(note)
    errors: dict[str, list[str]] = {}
    if outcome not in DECISION_OUTCOMES:
        errors["outcome"] = [OUTCOME_INVALID]
    _check_text(errors, "note", note, DECISION_NOTE_REQUIRED)
    if errors:
        raise ValidationError(errors)
    review.outcome = outcome
    review.decision_note = note
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.full_clean(exclude=["evaluation", "requested_by", "decided_by"])
    review.save(update_fields=["outcome", "decision_note", "decided_by", "decided_at"])
    text = _("申诉复核已决定：办件%(number)s的评价，%(outcome)s。") % {
        "number": review.evaluation.case.number,
        "outcome": review.get_outcome_display(),
    }
    notifications_send(messages=[(review.requested_by_id, text, _review_link(review.evaluation))])
    return review


# --- deadlines ----------------------------------------------------------------------------------

CONTACT_LATE_TEXT = "差评核实逾期：办件{number}的差评应于{due}前核实并联系群众，至今未办。"
RECTIFY_LATE_TEXT = "差评整改逾期：办件{number}的差评整改应于{due}前办结，至今未办结。"


def rectifications_check_deadlines(*, today: date | None = None) -> dict[str, int]:
    """Flag late rectifications, once each, and tell the assignee and the station's supervisors in the
    same transaction. Rows are claimed with SKIP LOCKED: two workers never flag the same one."""
    today = today or timezone.localdate()
    return {
        "rectification_contact_late": _flag(
            contact_late(today), "contact_late_on", "contact_due_on", CONTACT_LATE_TEXT
        ),
        "rectification_late": _flag(rectify_late(today), "rectify_late_on", "rectify_due_on", RECTIFY_LATE_TEXT),
    }


def _flag(condition, flag: str, due_field: str, text: str) -> int:
    """Flag the rectifications matching ``condition``, the first day their limit had passed, and tell
    their assignee and the station's supervisors."""

    def notice(rectification: Rectification) -> tuple[str, str]:
        due = getattr(rectification, due_field).isoformat()
        return text.format(number=rectification.evaluation.case.number, due=due), _link(rectification.pk)

    rows = (
        Rectification.objects.filter(condition)
        .select_related("evaluation__case")
        .only("station_id", "assignee_id", due_field, "evaluation__case__number")
    )
    claimed = flag_and_notify(
        rows,
        flag=flag,
        value=lambda rectification: getattr(rectification, due_field) + timedelta(days=1),
        notice=notice,
        also=lambda rectification: rectification.assignee_id,
    )
    return len(claimed)
