"""Ratings (好差评): one per case whatever the channel (一事一评), never edited or deleted.

``evaluation_create`` is the one way a rating is stored: the counter device, the SMS link and the
online form all end here. A bad review (不满意, 非常不满意) opens its rectification in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evaluations.models import COMMENT_MAX_LENGTH, Evaluation, Level, RatingChannel, Reason
from evaluations.services import rectifications
from hukou.models import Case, CaseEvent
from notices.phones import PHONE_INVALID, normalise_phone
from windows.errors import Conflict

ALREADY_RATED = "该业务已经评价过了，感谢您的参与。"
LEVEL_REQUIRED = "请选择满意程度。"
REASONS_INVALID = "评价原因只能从所列选项中选择。"
COMMENT_TOO_LONG = f"意见建议最多{COMMENT_MAX_LENGTH}个字。"
CHANNEL_INVALID = "未知的评价渠道。"

# The completion of a case: what an SMS or online rating is about.
COMPLETION_ACTIONS = ("complete", "approve")


def completion_event(case: Case) -> CaseEvent | None:
    return case.events.filter(action__in=COMPLETION_ACTIONS).order_by("-at", "-id").first()


def _clean_input(level, reasons: Iterable[str], comment: str, channel: str) -> tuple[int, list[str], str]:
    errors: dict[str, list[str]] = {}
    if channel not in RatingChannel.values:
        errors["channel"] = [CHANNEL_INVALID]
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level not in Level.values:
        errors["level"] = [LEVEL_REQUIRED]
    reasons = list(dict.fromkeys(reasons or ()))
    if any(reason not in Reason.values for reason in reasons):
        errors["reasons"] = [REASONS_INVALID]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [COMMENT_TOO_LONG]
    if errors:
        raise ValidationError(errors)
    return level, [r for r in Reason.values if r in reasons], comment


def evaluation_create(
    *,
    case: Case,
    channel: str,
    level: int,
    reasons: Iterable[str] = (),
    comment: str = "",
    event: CaseEvent | None = None,
    window=None,
    contact_phone: str = "",
) -> Evaluation:
    """Store the citizen's rating of ``case``. ``event`` is the transaction rated at the counter (the
    device's prompt): its officer and window are the ones rated (``window`` overrides, the device's).
    Without one, the case's completion is rated, by its receiving officer and window.

    Raises ``ValidationError`` for bad input and ``Conflict`` (ALREADY_RATED) when the case has a
    rating already, by any channel."""
    level, reasons, comment = _clean_input(level, reasons, comment, channel)
    if contact_phone:
        try:
            contact_phone = normalise_phone(contact_phone)
        except ValidationError:
            raise ValidationError({"contact_phone": [PHONE_INVALID]}) from None
    if event is None:
        event = completion_event(case)
        officer_id, window_id = case.officer_id, case.window_id
    else:
        officer_id, window_id = event.actor_id, event.window_id
    if window is not None:
        window_id = window.pk
    evaluation = Evaluation(
        case=case,
        event=event,
        station_id=case.station_id,
        window_id=window_id,
        officer_id=officer_id,
        channel=channel,
        level=level,
        reasons=reasons,
        comment=comment,
        contact_phone=contact_phone or case.phone,
    )
    evaluation.full_clean(exclude=["case", "event", "station", "window", "officer"])
    try:
        with transaction.atomic():
            evaluation.save()
            if evaluation.is_bad:
                rectifications.rectification_open(evaluation=evaluation)
    except IntegrityError as exc:
        if Evaluation.objects.filter(case_id=case.pk).exists():
            raise Conflict(ALREADY_RATED) from exc
        raise
    return evaluation
