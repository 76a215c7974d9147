"""Compliance's scheduled work: thin wrappers over the services."""

from celery import shared_task

from compliance.services import rollups


@shared_task(name="compliance.tasks.refresh_rollups")
def refresh_rollups() -> dict[str, int]:
    """Fold what changed since the last run into the monthly rollups (beat: every 5 minutes)."""
    return rollups.rollup_catch_up()
