"""Reads of the SMS outbox, scoped to the user's unit."""

from django.db.models import QuerySet

from notices.models import SmsMessage, SmsStatus
from windows.access import scope_filter

ATTENTION = (SmsStatus.FAILED, SmsStatus.DEFERRED)


def sms_get(*, user, message_id: int) -> SmsMessage:
    """One message within the user's scope; ``DoesNotExist`` whether it is missing or another unit's."""
    return SmsMessage.objects.select_related("unit").get(scope_filter(user, "unit"), pk=message_id)


def sms_for_reference(*, user, reference: str) -> QuerySet[SmsMessage]:
    """The messages sent about one record (a case's number), newest first, within the user's scope."""
    return SmsMessage.objects.filter(scope_filter(user, "unit"), reference=reference).order_by("-created_at", "-id")


def sms_needing_attention(*, user, status: str | None = None) -> QuerySet[SmsMessage]:
    """Failed and deferred messages of the user's units, newest first (the supervisors' page)."""
    statuses = [status] if status in ATTENTION else list(ATTENTION)
    return (
        SmsMessage.objects.filter(scope_filter(user, "unit"), status__in=statuses)
        .select_related("unit")
        .order_by("-created_at", "-id")
    )


def sms_outbox(*, user) -> QuerySet[SmsMessage]:
    """Every message of the user's units, newest first (the development outbox page)."""
    return SmsMessage.objects.filter(scope_filter(user, "unit")).select_related("unit").order_by("-created_at", "-id")
