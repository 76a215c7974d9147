from celery import shared_task
from django.core import management


@shared_task(name="windows.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete ended sessions from the database (daily, from the beat schedule)."""
    management.call_command("clearsessions")
