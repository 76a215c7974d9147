"""Every write of the SMS outbox.

A message is queued inside the transaction of its cause (``sms_enqueue``) and handed to Celery when that
transaction commits. ``sms_send`` sends one message: it claims the row (``queued``/``deferred`` →
``sending``, under a row lock, so two runs of the task send it once), checks the phone's limits and the
quiet hours (which defer, never drop), calls the backend outside any transaction, and records what came
of it. ``sms_sweep`` (beat, every minute) hands Celery whatever is due and was not handed over, or was
lost, and recovers messages that a crash left in ``sending``: the provider is asked first whether it
already took the message, so that nothing is sent twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from notices.backends import Backend, PermanentError, SendError, Throttled, get_backend
from notices.models import COUNTED, DEFAULT_TEXTS, WAITING, Purpose, SmsMessage, SmsStatus, SmsTemplate
from notices.phones import normalise_phone
from windows.access import can_act_on_unit, has_role
from windows.errors import Conflict
from windows.models import Role, Unit, person_name

logger = logging.getLogger("notices.sms")

ERROR_LIMIT = 500  # SmsMessage.last_error
SUPERVISOR_ROLES = (Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR, Role.ADMIN)

# Waits longer than this are left to the sweeper rather than to a Celery countdown (a broker's visibility
# timeout redelivers long-delayed tasks; the sweeper runs every minute anyway).
COUNTDOWN_LIMIT = timedelta(minutes=5)


# --- templates ----------------------------------------------------------------------------------


def sms_templates_ensure(*, using: str = "default") -> int:
    """Create the template of every purpose that has none, with the shipped text; returns how many.
    Edited templates are left as they are."""
    created = 0
    for purpose, text in DEFAULT_TEXTS.items():
        created += SmsTemplate.objects.using(using).get_or_create(purpose=purpose, defaults={"text": text})[1]
    return created


# --- queueing -----------------------------------------------------------------------------------


def sms_enqueue(
    *,
    purpose: Purpose,
    phone: str,
    params: dict,
    unit: Unit,
    idempotency_key: str,
    reference: str = "",
    send_after: datetime | None = None,
    urgent: bool = False,
) -> SmsMessage:
    """Write one message to the outbox and send it once the caller's transaction commits.

    Idempotent: a second call with the same ``idempotency_key`` returns the first message and queues
    nothing. Raises ``ValidationError`` for a phone that is not a mainland mobile number or parameters
    that the purpose's template needs and did not get."""
    phone = normalise_phone(phone)
    template = SmsTemplate.objects.filter(purpose=purpose).first()
    if template is None:
        sms_templates_ensure()
        template = SmsTemplate.objects.get(purpose=purpose)
    params = {name: str(value) for name, value in params.items()}
    text = template.render(params)
    # get_or_create by the key: a repeated call (or a concurrent one) gets the first message.
    message, created = SmsMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "phone": phone, "purpose": purpose, "template": template, "params": params, "text": text,
            "reference": reference, "unit": unit, "urgent": urgent, "send_after": send_after or timezone.now(),
        },
    )  # fmt: skip
    if created:
        enqueue_on_commit([message.pk], at=message.send_after)
    return message


def enqueue_on_commit(message_ids: list[int], *, at: datetime | None = None) -> None:
    """Hand the messages to Celery once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(message_ids, at=at), robust=True)


def enqueue(message_ids: list[int], *, at: datetime | None = None) -> int:
    """Publish a send task for each message; returns how many were published. A broker that cannot be
    reached is logged, not raised: the rows wait, and the sweeper hands them over when it is back."""
    from notices.tasks import send_sms  # the tasks module imports this one

    now = timezone.now()
    countdown = max(0.0, (at - now).total_seconds()) if at else 0.0
    if timedelta(seconds=countdown) > COUNTDOWN_LIMIT:
        return 0  # the sweeper takes it when it is due
    published = []
    try:
        for pk in message_ids:
            send_sms.apply_async((pk,), countdown=countdown or None)
            published.append(pk)
    except Exception:  # kombu raises several kinds of connection errors
        logger.warning("SMS: the task queue cannot be reached; %d message(s) wait for the sweeper",
                       len(message_ids) - len(published), exc_info=True)  # fmt: skip
    if published:
        SmsMessage.objects.filter(pk__in=published).update(enqueued_at=now)
    return len(published)


# --- sending ------------------------------------------------------------------------------------


def sms_send(*, message_id: int, backend: Backend | None = None, now: datetime | None = None) -> SmsMessage | None:
    """Send one message if it is waiting and due; ``None`` if another run has it or it is done."""
    backend = backend or get_backend()
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id, status__in=WAITING).first()
        )
        if message is None:
            return None
        if message.send_after > now:  # came early: hand it over again for its time
            enqueue_on_commit([message.pk], at=message.send_after)
            return message
        _lock_phone(message.phone)
        later, reason = not_before(message, now)
        if later is not None:
            message.status, message.send_after, message.last_error = SmsStatus.DEFERRED, later, reason
            message.save(update_fields=["status", "send_after", "last_error", "updated_at"])
            enqueue_on_commit([message.pk], at=later)
            return message
        # The message was handed to a provider before (and a timeout, say, left it unknown whether the
        # provider took it): ask before sending it again. Asking when nothing was taken costs nothing.
        ask_first = message.sending_started_at is not None
        message.status, message.sending_started_at, message.provider = SmsStatus.SENDING, now, backend.name
        message.attempts += 1
        message.save(update_fields=["status", "sending_started_at", "provider", "attempts", "updated_at"])

    try:
        provider_id = (backend.find_sent(message) if ask_first else None) or backend.send(message)
    except Throttled as exc:
        retry_after = timedelta(seconds=exc.retry_after or settings.SMS_THROTTLED_RETRY_SECONDS)
        # "Later", not a failure: the attempt does not count against SMS_MAX_ATTEMPTS.
        return _after_attempt(
            message, SmsStatus.DEFERRED, error=f"短信平台限流：{exc}", send_after=now + retry_after,
            attempts=message.attempts - 1,
        )  # fmt: skip
    except PermanentError as exc:
        return _after_attempt(message, SmsStatus.FAILED, error=str(exc))
    except Exception as exc:  # TransientError, and anything a provider's SDK raises that we did not foresee
        if not isinstance(exc, SendError):
            logger.exception("SMS %s: unexpected error from the %s backend", message.pk, backend.name)
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            return _after_attempt(message, SmsStatus.FAILED, error=f"重试{message.attempts}次仍失败：{exc}")
        return _after_attempt(message, SmsStatus.QUEUED, error=str(exc), send_after=now + retry_delay(message.attempts))
    return _after_attempt(message, SmsStatus.SENT, provider_message_id=provider_id)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed attempt: base, 2×base, 4×base… up to a cap."""
    seconds = settings.SMS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.SMS_RETRY_MAX_SECONDS))


def _after_attempt(
    message: SmsMessage,
    status: SmsStatus,
    *,
    error: str = "",
    send_after=None,
    provider_message_id: str = "",
    attempts: int | None = None,
) -> SmsMessage:
    """Record an attempt's outcome, if the message is still the one this run claimed (a delivery receipt
    may have come first; it wins)."""
    now = timezone.now()
    changes = {"status": status, "last_error": error[:ERROR_LIMIT], "updated_at": now}
    if status == SmsStatus.SENT:
        changes.update(sent_at=now, provider_message_id=provider_message_id)
    elif status == SmsStatus.FAILED:
        changes["failed_at"] = now
    if send_after is not None:
        changes["send_after"] = send_after
    if attempts is not None:
        changes["attempts"] = attempts
    with transaction.atomic():
        updated = SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(**changes)
        if updated and status in WAITING:
            enqueue_on_commit([message.pk], at=send_after)
    if status == SmsStatus.FAILED:
        logger.warning("SMS %s failed for good: %s", message.pk, error)
    if updated:
        for name, value in changes.items():
            setattr(message, name, value)
    else:
        message.refresh_from_db()  # the receipt's state
    return message


def _lock_phone(phone: str) -> None:
    """Serialise the limit check of one phone across workers, until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sms-phone:{phone}"])


def not_before(message: SmsMessage, now: datetime) -> tuple[datetime | None, str]:
    """When the message may go, if not now, and why: the phone's limits (per minute, per hour, per
    calendar day) and, unless it is urgent, the quiet hours."""
    limits = settings.SMS_PHONE_LIMITS
    local_now = timezone.localtime(now)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = min(day_start, now - timedelta(hours=1))
    recent = sorted(
        SmsMessage.objects.filter(phone=message.phone, status__in=COUNTED, sending_started_at__gte=since)
        .exclude(pk=message.pk)
        .values_list("sending_started_at", flat=True)
    )
    candidates = []
    for key, window, label in (("minute", timedelta(minutes=1), "每分钟"), ("hour", timedelta(hours=1), "每小时")):
        in_window = [at for at in recent if at > now - window]
        if limits[key] and len(in_window) >= limits[key]:
            candidates.append((in_window[-limits[key]] + window, f"同一号码{label}最多{limits[key]}条"))
    today = [at for at in recent if at >= day_start]
    if limits["day"] and len(today) >= limits["day"]:
        candidates.append((day_start + timedelta(days=1), f"同一号码每天最多{limits['day']}条"))
    at, reason = max(candidates, default=(now, ""))
    if not message.urgent:
        quiet_end = after_quiet_hours(at)
        if quiet_end != at:
            at, reason = quiet_end, reason or "夜间免打扰时段，早上发送"
    return (at, reason) if at > now else (None, "")


def after_quiet_hours(at: datetime) -> datetime:
    """``at``, or the end of the quiet hours (local time) if it falls inside them. ``SMS_QUIET_HOURS`` is
    (start hour, end hour), overnight when start > end; equal hours mean no quiet hours."""
    start, end = settings.SMS_QUIET_HOURS
    local = timezone.localtime(at)
    quiet = (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)
    if start == end or not quiet:
        return at
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    return morning if morning > local else morning + timedelta(days=1)


# --- the sweeper --------------------------------------------------------------------------------


def sms_sweep(*, backend: Backend | None = None, now: datetime | None = None) -> dict[str, int]:
    """Recover what a crash left in ``sending``, then hand Celery every due message that was never handed
    over or was lost on the way. Safe to run as often as you like."""
    backend = backend or get_backend()
    now = now or timezone.now()
    recovered = sent = 0
    stuck_before = now - timedelta(seconds=settings.SMS_SENDING_TIMEOUT)
    stuck = SmsMessage.objects.filter(status=SmsStatus.SENDING, sending_started_at__lt=stuck_before)
    for pk in stuck.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            message = (
                SmsMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=SmsStatus.SENDING, sending_started_at__lt=stuck_before)
                .first()
            )
            if message is None:
                continue
            try:
                provider_id = backend.find_sent(message)
            except Exception as exc:  # a provider that cannot answer now must not stop the sweep
                logger.warning("SMS %s: cannot ask the provider whether it was sent (%s); next sweep", pk, exc)
                continue
            if provider_id:
                message.status, message.provider_message_id, message.sent_at = SmsStatus.SENT, provider_id, now
                message.save(update_fields=["status", "provider_message_id", "sent_at", "updated_at"])
                sent += 1
            elif message.attempts >= settings.SMS_MAX_ATTEMPTS:
                # Its sending killed the worker every time: stop, or it loops for ever.
                message.status, message.failed_at = SmsStatus.FAILED, now
                message.last_error = f"发送{message.attempts}次均中断（进程退出），不再重试"
                message.save(update_fields=["status", "failed_at", "last_error", "updated_at"])
                logger.warning("SMS %s failed for good: %s", pk, message.last_error)
            else:
                message.status, message.send_after = SmsStatus.QUEUED, now
                message.last_error = "发送中断（进程退出），重新发送"
                message.save(update_fields=["status", "send_after", "last_error", "updated_at"])
                recovered += 1
    lost_before = now - timedelta(seconds=settings.SMS_REQUEUE_AFTER)
    due = SmsMessage.objects.due(now).exclude(enqueued_at__gte=lost_before).order_by("send_after")
    ids = list(due.values_list("pk", flat=True)[: settings.SMS_SWEEP_BATCH])
    published = enqueue(ids) if ids else 0
    return {"recovered": recovered, "found_sent": sent, "due": len(ids), "published": published}


# --- staff actions and receipts -----------------------------------------------------------------


def sms_retry(*, user, message_id: int) -> SmsMessage:
    """A supervisor sends a failed or deferred message again, now (the limits and quiet hours still
    apply when it is sent)."""
    if not has_role(user, *SUPERVISOR_ROLES):
        raise PermissionDenied("只有所长、户政管理人员可以重发短信。")
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().select_related("unit").get(pk=message_id)
        if not can_act_on_unit(user, message.unit):
            raise PermissionDenied("这条短信不属于您的单位。")
        if message.status not in (SmsStatus.FAILED, SmsStatus.DEFERRED):
            raise Conflict(f"这条短信{message.get_status_display()}，不能重发。")
        message.status, message.send_after, message.attempts = SmsStatus.QUEUED, timezone.now(), 0
        message.last_error = f"{person_name(user)} 手动重发"[:ERROR_LIMIT]
        message.save(update_fields=["status", "send_after", "attempts", "last_error", "updated_at"])
        enqueue_on_commit([message.pk])
    return message


def sms_receipt(
    *, provider: str, delivered: bool, provider_message_id: str = "", idempotency_key: str = "", error: str = "",
    at: datetime | None = None,
) -> SmsMessage | None:  # fmt: skip
    """Apply a delivery receipt: the message is ``delivered``, or ``failed`` with the provider's reason.
    Found by the provider's id or by our idempotency key (a receipt can come before the send call's
    answer); an unknown message is logged and ignored (``None``)."""
    with transaction.atomic():
        messages = SmsMessage.objects.select_for_update()
        message = None
        if provider_message_id:
            message = messages.filter(provider=provider, provider_message_id=provider_message_id).first()
        if message is None and idempotency_key:
            message = messages.filter(idempotency_key=idempotency_key).first()
        if message is None:
            logger.warning("SMS receipt from %s for an unknown message %r / %r; ignored",
                           provider, provider_message_id, idempotency_key)  # fmt: skip
            return None
        if message.status == SmsStatus.DELIVERED:
            return message  # receipts repeat; a later failure report does not undo a delivery
        message.provider = message.provider or provider
        # The receipt's id is the provider's own (a message recovered after a crash may hold a stand-in).
        message.provider_message_id = provider_message_id or message.provider_message_id
        if delivered:
            message.status, message.delivered_at = SmsStatus.DELIVERED, at or timezone.now()
        else:
            message.status, message.failed_at = SmsStatus.FAILED, at or timezone.now()
            message.last_error = f"未送达：{error}"[:ERROR_LIMIT]
        message.save()
    return message
