"""Evaluations' scheduled work: thin wrappers over the services."""

from celery import shared_task

from evaluations.services import appeals, followups, ratings, rectifications


@shared_task(name="evaluations.tasks.invite_ratings")
def invite_ratings() -> int:
    """Queue the rating invitation SMS of cases completed lately and not invited yet (beat: every minute)."""
    return len(ratings.ratings_invite_due())


@shared_task(name="evaluations.tasks.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Flag late rectifications and appeals and tell the inbox, once each (beat: every 15 minutes)."""
    return {**rectifications.rectifications_check_deadlines(), **appeals.appeals_check_deadlines()}


@shared_task(name="evaluations.tasks.build_call_lists")
def build_call_lists() -> int:
    """Draw every station's follow-up call list for the month just ended (beat: the 1st, early morning)."""
    return len(followups.call_lists_build_all())
