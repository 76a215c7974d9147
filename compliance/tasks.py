"""Compliance's scheduled work: thin wrappers over the services."""

from celery import shared_task
from django.utils import timezone

from compliance.figures import previous_month
from compliance.services import awards, registers, reports, rollups


@shared_task(name="compliance.tasks.refresh_rollups")
def refresh_rollups() -> dict[str, int]:
    """Fold what changed since the last run into the monthly rollups (beat: every 5 minutes)."""
    return rollups.rollup_catch_up()


@shared_task(name="compliance.tasks.build_monthly_reports")
def build_monthly_reports() -> str:
    """Build the month just ended's bulletin if it is missing, then suggest its 服务标兵 (beat: 01:10 on
    the 1st to the 3rd, so the bulletin is there by the 3rd even when a run is missed)."""
    month = previous_month(timezone.localdate())
    report = reports.report_build(month=month)
    awards.awards_suggest(month=month)
    return f"{month:%Y-%m} {'built' if report else 'exists'}"


@shared_task(name="compliance.tasks.build_appeal_register")
def build_appeal_register() -> list[str]:
    """Build each 群众诉求未结事项登记表 due by today and not built yet (beat: 07:00 daily)."""
    return [register.period_day.isoformat() for register in registers.registers_build_due()]
