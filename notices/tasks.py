"""Thin tasks over notices.services. Both are safe to run twice (acks_late redelivers after a crash)."""

from celery import shared_task

from notices.services import sms_send, sms_sweep


@shared_task(name="notices.tasks.send_sms")
def send_sms(message_id: int) -> str | None:
    """Send one outbox message (enqueued when its cause commits, or by the sweeper)."""
    message = sms_send(message_id=message_id)
    return message.status if message is not None else None


@shared_task(name="notices.tasks.sweep_sms")
def sweep_sms() -> dict[str, int]:
    """Beat, every minute: recover messages stuck in sending, hand over what is due and was lost."""
    return sms_sweep()
