"""Ratings (好差评): one per case whatever the channel (一事一评), never edited or deleted.

``evaluation_create`` is the one way a rating is stored: the counter device, the SMS link and the
online form all end here. A bad review (不满意, 非常不满意) opens its rectification in the same
transaction.

The SMS and online channels go through a rating link, ``/rate/<token>/``: the token names the case and
the channel, is signed and timestamped (valid ``EVALUATIONS_RATING_TOKEN_DAYS`` days) and is used once,
since a rated case takes no second rating. ``ratings_invite_due`` (beat, every minute) sends the SMS
link of each case completed lately that the counter device did not get rated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from evaluations.models import (
    BAD_LEVELS,
    COMMENT_MAX_LENGTH,
    Evaluation,
    Level,
    RatingChannel,
    RatingInvitation,
    Reason,
)
from evaluations.services import rectifications
from hukou.models import Case, CaseEvent
from hukou.services.cases import Action
from notices.models import Purpose
from notices.phones import PHONE_INVALID, normalise_phone
from notices.services import sms_enqueue
from windows.errors import Conflict

logger = logging.getLogger("evaluations.ratings")

ALREADY_RATED = "该业务已经评价过了，感谢您的参与。"
LEVEL_REQUIRED = "请选择满意程度。"
REASONS_INVALID = "评价原因只能从所列选项中选择。"
COMMENT_TOO_LONG = f"意见建议最多{COMMENT_MAX_LENGTH}个字。"
CHANNEL_INVALID = "未知的评价渠道。"

# The completion of a case: what an SMS or online rating is about.
COMPLETION_ACTIONS = (Action.COMPLETE, Action.APPROVE)


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


# --- rating links (/rate/<token>/) ------------------------------------------------------------------

LINK_INVALID = "评价链接无效，请核对短信中的链接是否完整。"
LINK_EXPIRED = "评价链接已过有效期。"
LINK_SALT = "evaluations.rating-link"
# The signature is cut to this many characters (96 bits): the link goes into an SMS.
TOKEN_SIGNATURE_LENGTH = 16
LINK_SEP = "."
# The channel a link was made for, as one letter in the token.
TOKEN_CHANNELS = {"s": RatingChannel.SMS, "o": RatingChannel.ONLINE}
_CHANNEL_LETTERS = {channel: letter for letter, channel in TOKEN_CHANNELS.items()}


class _LinkSigner(signing.TimestampSigner):
    """Django's TimestampSigner with a shorter signature, so that the whole link fits an SMS."""

    def signature(self, value, key=None):
        return super().signature(value, key)[:TOKEN_SIGNATURE_LENGTH]


def _signer() -> _LinkSigner:
    return _LinkSigner(salt=LINK_SALT, sep=LINK_SEP)


@dataclass(frozen=True)
class RatingTicket:
    """What a valid rating link names: the case and the channel it came through."""

    case_id: int
    channel: str


def rating_token_make(*, case_id: int, channel: str) -> str:
    """The token of the rating link of a case, for the SMS (``sms``) or online (``online``) channel:
    the channel's letter and the case id (base 62), timestamped and signed, e.g. ``s4c.1vZk3a.xxxxxxxxxxxxxxxx``."""
    return _signer().sign(_CHANNEL_LETTERS[channel] + signing.b62_encode(case_id))


def rating_token_read(token: str) -> RatingTicket:
    """The case and channel of a token; ``ValidationError`` on ``token`` when it was tampered with
    (code ``invalid``) or is older than ``EVALUATIONS_RATING_TOKEN_DAYS`` (code ``expired``)."""
    max_age = timedelta(days=settings.EVALUATIONS_RATING_TOKEN_DAYS)
    try:
        value = _signer().unsign(token or "", max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError({"token": [ValidationError(LINK_EXPIRED, code="expired")]}) from None
    except (signing.BadSignature, ValueError):
        raise ValidationError({"token": [ValidationError(LINK_INVALID, code="invalid")]}) from None
    channel = TOKEN_CHANNELS.get(value[:1])
    try:
        case_id = signing.b62_decode(value[1:]) if value[1:] else 0
    except ValueError:
        case_id = 0
    if channel is None or case_id <= 0:
        raise ValidationError({"token": [ValidationError(LINK_INVALID, code="invalid")]})
    return RatingTicket(case_id=case_id, channel=channel)


NO_BASE_URL = "Rating invitations need the portal's public address: set PUBLIC_BASE_URL."


def rating_url(token: str) -> str:
    """The absolute address of a rating link, at ``PUBLIC_BASE_URL`` (what goes into the SMS)."""
    if not settings.PUBLIC_BASE_URL:
        raise ImproperlyConfigured(NO_BASE_URL)
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("evaluations:rate", args=[token])


def evaluation_create_from_token(
    *, token: str, level, reasons: Iterable[str] = (), comment: str = "", contact_phone: str = ""
) -> Evaluation:
    """The citizen's rating through a rating link (SMS or online): the token names the case and the
    channel. ``contact_phone`` counts for a bad rating only (where the call back goes; blank: the
    case's phone). ``ValidationError`` for bad input or a bad token (on ``token``), ``Conflict``
    (ALREADY_RATED) when the case has a rating by any channel."""
    errors: dict[str, list] = {}
    ticket = None
    try:
        ticket = rating_token_read(token)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    case = None
    if ticket is not None:
        case = Case.objects.filter(pk=ticket.case_id, completed_at__isnull=False).first()
        if case is None:
            errors["token"] = [ValidationError(LINK_INVALID, code="invalid")]
    try:
        level, reasons, comment = _clean_input(level, reasons, comment, ticket.channel if ticket else "online")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return evaluation_create(
        case=case,
        channel=ticket.channel,
        level=level,
        reasons=reasons,
        comment=comment,
        contact_phone=(contact_phone or "").strip() if level in BAD_LEVELS else "",
    )


# --- rating invitations (the SMS after completion) --------------------------------------------------

INVITATION_BATCH = 200
INVITATION_WINDOW = timedelta(days=1)


def invitation_candidates(now: datetime) -> QuerySet[Case]:
    """Cases completed more than EVALUATIONS_PROMPT_SECONDS ago (the counter device had its chance)
    and within the last day, neither rated nor invited (``case_completed_idx``), oldest first."""
    prompt = timedelta(seconds=settings.EVALUATIONS_PROMPT_SECONDS)
    return (
        Case.objects.filter(completed_at__gt=now - INVITATION_WINDOW, completed_at__lte=now - prompt)
        .filter(
            ~Exists(Evaluation.objects.filter(case_id=OuterRef("pk"))),
            ~Exists(RatingInvitation.objects.filter(case_id=OuterRef("pk"))),
        )
        .order_by("completed_at", "id")
    )


def ratings_invite_due(*, now: datetime | None = None, batch: int = INVITATION_BATCH) -> list[int]:
    """Invite the citizens of lately completed cases to rate them, by SMS; returns the ids of the
    cases invited. Each case in its own transaction: its row is claimed (SKIP LOCKED, so a second
    worker passes it by), the ``RatingInvitation`` written and the SMS queued together; the unique
    invitation per case and the SMS's idempotency key make a repeat harmless. A case without a mobile
    number is marked invited without an SMS; an SMS that cannot be written leaves the case for the
    next run."""
    now = now or timezone.now()
    if not settings.PUBLIC_BASE_URL:
        logger.error("Rating invitations: PUBLIC_BASE_URL is not set; no invitation is sent")
        return []
    invited = []
    for case_id in invitation_candidates(now).values_list("pk", flat=True)[:batch]:
        try:
            with transaction.atomic():
                if _invite(case_id, now):
                    invited.append(case_id)
        except ValidationError:
            logger.exception("Rating invitation of case %s cannot be queued; it stays due for the next run", case_id)
    return invited


def _invite(case_id: int, now: datetime) -> bool:
    case = (
        invitation_candidates(now)
        .filter(pk=case_id)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("service_type", "station")
        .only("number", "phone", "station__name", "service_type__name")
        .first()
    )
    if case is None:  # another worker has it, or it was rated or invited meanwhile
        return False
    invitation = RatingInvitation.objects.create(case=case, created_at=now)
    try:
        phone = normalise_phone(case.phone)
    except ValidationError:
        return False  # no mobile number: nothing to send, and nothing to try again
    token = rating_token_make(case_id=case.pk, channel=RatingChannel.SMS)
    invitation.sms = sms_enqueue(
        purpose=Purpose.RATING_INVITATION,
        phone=phone,
        params={"station": case.station.name, "service": case.service_type.name, "link": rating_url(token)},
        unit=case.station,
        idempotency_key=f"evaluations:rating-invitation:{case.pk}",
        reference=case.number,
    )
    invitation.save(update_fields=["sms"])
    return True
