"""The counter rating device (评价器): registration, pairing by a supervisor, its token, its heartbeat
and the ratings it takes.

A tablet that opens the device page unpaired gets a ``Device`` row with a six-digit pairing code
(``device_register``). A supervisor enters the code and picks a window (``device_pair``): the row gets
the window and a fresh ``token_nonce``; the tablet, still holding the code it showed, then claims its
token once (``device_claim``). The token is signed over the device id and the nonce, so pairing again or
unpairing (a new nonce) makes every earlier token worthless.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from evaluations.models import Device, Evaluation, RatingChannel
from evaluations.services.ratings import evaluation_create
from hukou.models import CaseEvent
from hukou.services.cases import Action
from windows.access import can_act_on_unit, staff_of
from windows.models import SUPERVISOR_ROLES, ServiceWindow

TOKEN_SALT = "evaluations.device.token"  # noqa: S105  (a message / a name, not a secret)
CODE_DIGITS = 6
# The device page polls every second; its last-seen time is written at most this often.
SEEN_EVERY = timedelta(seconds=5)
# Unpaired devices whose code expired this long ago are deleted when a new device registers.
UNPAIRED_KEPT = timedelta(days=1)
# The transactions the device asks the citizen to rate (hukou's case actions done at the counter).
PROMPT_ACTIONS = (Action.NOTIFY, Action.ACCEPT, Action.ACCEPT_DEFICIENT, Action.COMPLETE, Action.COLLECT)

CODE_REQUIRED = "请输入评价器屏幕上显示的6位配对码。"
CODE_WRONG = "配对码不正确，请核对评价器屏幕上显示的6位数字。"
CODE_EXPIRED = "配对码已过期，请刷新评价器页面，使用屏幕上的新配对码。"
PAIR_NOT_ALLOWED = "只有派出所所长（户籍负责人）或上级户政管理人员可以配对或解除配对评价器。"
NO_DEVICE = "该窗口没有配对的评价器。"
PROMPT_CLOSED = "评价已超时。"


# --- who may pair -------------------------------------------------------------------------------


def device_may_manage(user, station) -> bool:
    """Station supervisors their own station, bureau supervisors the stations below them."""
    staff = staff_of(user)
    return staff is not None and staff.role in SUPERVISOR_ROLES and can_act_on_unit(user, station)


def _require_manage(actor, station) -> None:
    if not device_may_manage(actor, station):
        raise PermissionDenied(PAIR_NOT_ALLOWED)


# --- the token ------------------------------------------------------------------------------------


def device_token(device: Device) -> str:
    """The signed token a paired device holds (its cookie, or ``Authorization: Device <token>``)."""
    return signing.dumps([device.pk, device.token_nonce], salt=TOKEN_SALT)


def device_token_payload(token: str) -> tuple[int, str] | None:
    """The (device id, nonce) a token names when its signature checks; None otherwise."""
    try:
        value = signing.loads(token or "", salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def _new_nonce() -> str:
    return secrets.token_hex(16)


# --- registration and pairing -----------------------------------------------------------------------


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _save_with_new_code(device: Device, now: datetime, fields: list[str] | None = None) -> Device:
    """Give the device a fresh code (unique among all devices) valid for the configured minutes."""
    device.code_expires_at = now + timedelta(minutes=settings.EVALUATIONS_PAIRING_CODE_MINUTES)
    for _attempt in range(20):
        device.pairing_code = _new_code()
        if Device.objects.filter(pairing_code=device.pairing_code).exists():
            continue
        try:
            with transaction.atomic():
                device.full_clean(exclude=["window", "station", "paired_by"])
                device.save(update_fields=fields)
            return device
        except (IntegrityError, ValidationError):  # taken meanwhile by another device
            continue
    raise RuntimeError("no free pairing code")  # a million codes; only a flood of devices gets here


@transaction.atomic
def device_register(*, pending_id: int | None = None, now: datetime | None = None) -> Device:
    """The unpaired device a tablet shows the pairing code of.

    ``pending_id`` is the device this tablet showed a code for before (its signed cookie): still
    unpaired, it is reused, with a new code once the old one expired. Otherwise a new device is made,
    after the unpaired devices whose code expired more than a day ago are deleted."""
    now = now or timezone.now()
    if pending_id is not None:
        device = Device.objects.select_for_update().filter(pk=pending_id, window__isnull=True).first()
        if device is not None:
            if device.pairing_code and device.code_expires_at and device.code_expires_at > now:
                return device
            return _save_with_new_code(device, now, fields=["pairing_code", "code_expires_at"])
    cutoff = now - UNPAIRED_KEPT
    Device.objects.filter(window__isnull=True, created_at__lt=cutoff).filter(
        Q(code_expires_at__lt=cutoff) | Q(code_expires_at__isnull=True)
    ).delete()
    return _save_with_new_code(Device(created_at=now), now)


def _unpair(device: Device) -> None:
    device.window = None
    device.station = None
    device.paired_at = None
    device.paired_by = None
    device.pairing_code = None
    device.code_expires_at = None
    device.token_nonce = _new_nonce()  # every token it held stops working
    device.save(
        update_fields=["window", "station", "paired_at", "paired_by", "pairing_code", "code_expires_at", "token_nonce"]
    )


@transaction.atomic
def device_pair(*, actor, code: str, window: ServiceWindow, now: datetime | None = None) -> Device:
    """Pair the unpaired device showing ``code`` with ``window``. A device the window had before is
    unpaired (its token stops working). The code stays on the row until the tablet claims its token."""
    now = now or timezone.now()
    _require_manage(actor, window.station)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [CODE_REQUIRED]})
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise ValidationError({"code": [CODE_WRONG]})
    device = Device.objects.select_for_update().filter(pairing_code=code, window__isnull=True).first()
    if device is None:
        raise ValidationError({"code": [CODE_WRONG]})
    if device.code_expires_at is None or device.code_expires_at <= now:
        raise ValidationError({"code": [CODE_EXPIRED]})
    previous = Device.objects.select_for_update().filter(window=window).first()
    if previous is not None:
        _unpair(previous)
    device.window = window
    device.station = window.station
    device.paired_at = now
    device.paired_by = actor
    device.token_nonce = _new_nonce()
    device.last_seen_at = None
    device.full_clean(exclude=["window", "station", "paired_by"])
    device.save()
    return device


@transaction.atomic
def device_claim(*, device_id: int, code: str) -> Device | None:
    """The tablet that showed ``code`` takes the token of its now paired device, once: the code is
    cleared. None while the device is not paired (or the code is not this device's)."""
    if not code:
        return None
    device = (
        Device.objects.select_for_update()
        .filter(pk=device_id, window__isnull=False, pairing_code=code)
        .select_related("window__station")
        .first()
    )
    if device is None:
        return None
    device.pairing_code = None
    device.code_expires_at = None
    device.save(update_fields=["pairing_code", "code_expires_at"])
    return device


@transaction.atomic
def device_unpair(*, actor, window: ServiceWindow) -> Device:
    """Unpair the window's device: it goes back to its pairing screen at its next poll."""
    _require_manage(actor, window.station)
    device = Device.objects.select_for_update().filter(window=window).first()
    if device is None:
        raise ValidationError({"window": [NO_DEVICE]})
    _unpair(device)
    return device


# --- at the counter ---------------------------------------------------------------------------------


def device_seen(*, device: Device, now: datetime | None = None) -> bool:
    """Record that the device polled: one conditional UPDATE, at most every ``SEEN_EVERY``."""
    now = now or timezone.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return False
    updated = (
        Device.objects.filter(pk=device.pk, window__isnull=False)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - SEEN_EVERY))
        .update(last_seen_at=now)
    )
    if updated:
        device.last_seen_at = now
    return bool(updated)


def prompt_closes_at(event: CaseEvent) -> datetime:
    return event.at + timedelta(seconds=settings.EVALUATIONS_PROMPT_SECONDS)


def open_prompts(*, window_id: int, now: datetime) -> QuerySet[CaseEvent]:
    """The transactions at a window whose prompt is open now: a prompting action within the last
    EVALUATIONS_PROMPT_SECONDS (the ``(window, -at)`` index)."""
    return CaseEvent.objects.filter(
        window_id=window_id,
        action__in=PROMPT_ACTIONS,
        at__gt=now - timedelta(seconds=settings.EVALUATIONS_PROMPT_SECONDS),
        at__lte=now,
    )


@transaction.atomic
def device_rate(
    *, device: Device, event_id, level, reasons: Iterable[str] = (), now: datetime | None = None
) -> Evaluation:
    """The citizen's rating from the device: of a transaction at its window, while its prompt is open.

    Raises ``ValidationError`` (``event``: PROMPT_CLOSED for another window's, a closed or an unknown
    prompt; bad level or reasons) and ``Conflict`` (ALREADY_RATED) when the case has a rating already."""
    now = now or timezone.now()
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        raise ValidationError({"event": [PROMPT_CLOSED]}) from None
    event = (
        open_prompts(window_id=device.window_id, now=now).filter(pk=event_id).select_related("case").first()
        if device.window_id is not None
        else None
    )
    if event is None:
        raise ValidationError({"event": [PROMPT_CLOSED]})
    return evaluation_create(
        case=event.case,
        channel=RatingChannel.DEVICE,
        level=level,
        reasons=reasons,
        event=event,
        window=device.window,
    )
