"""The monthly bulletin (月考核、月通报): when a month has ended, its figures are frozen as rows, one per
unit (the city, each district, each station), per window and per officer at a station.

A closed month never changes by itself: a later correction to a case moves the rollups (the dashboard)
but not the bulletin. Building it again is an explicit action of a city-level supervisor, with a reason,
logged in ``ReportBuild`` and in the log.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.figures import Period, Totals, month_start
from compliance.models import MonthlyReport, ReportBuild, ReportRow, ReportRowKind
from compliance.selectors.figures import CELL_FIELDS, ancestor_paths, cells, group_totals, person_name
from compliance.services.rollups import rollup_refresh
from windows.access import staff_of
from windows.models import Role, ServiceWindow, Unit, UnitKind

logger = logging.getLogger("compliance.reports")

MONTH_NOT_ENDED = "%(month)s尚未结束，不能生成月度通报。"
REASON_REQUIRED = "请填写重新生成的原因。"
REASON_MAX_LENGTH = 300  # ReportBuild.reason
REASON_TOO_LONG = f"重新生成的原因最多{REASON_MAX_LENGTH}个字。"
REBUILD_NOT_ALLOWED = "只有市局户政管理人员或系统管理员可以重新生成月度通报。"
WINDOW_NAME = "%(number)s号窗口（%(name)s）"

# Who may rebuild: the bulletin is city-wide, so a supervisor or admin whose scope is the whole city.
REBUILD_ROLES = {Role.BUREAU_SUPERVISOR, Role.ADMIN}


def report_may_rebuild(user) -> bool:
    staff = staff_of(user)
    return bool(staff and staff.role in REBUILD_ROLES and staff.unit.kind == UnitKind.CITY)


def _check_ended(month: date, now: datetime) -> None:
    if not Period.of(month, now).is_closed:
        raise ValidationError(_(MONTH_NOT_ENDED) % {"month": f"{month:%Y-%m}"})


def _report_rows(report: MonthlyReport) -> list[ReportRow]:
    """The month's rollup cells summed per unit, per window and per officer at a station."""
    rows = list(cells(report.month).values(*CELL_FIELDS))
    units = list(Unit.objects.order_by("path"))
    stations = {u.pk: u for u in units if u.kind == UnitKind.STATION}

    def row(kind: str, unit: Unit, name: str, totals: Totals, **fields) -> ReportRow:
        return ReportRow(
            report=report, kind=kind, unit=unit, unit_path=unit.path, name=name, figures=totals.as_dict(), **fields
        )

    by_unit: dict[str, Totals] = defaultdict(Totals)
    for path, station_totals in group_totals(rows, lambda r: r["unit_path"]).items():
        for ancestor in ancestor_paths(path):
            by_unit[ancestor].add(station_totals.counts, station_totals.days)
    result = [row(ReportRowKind.UNIT, unit, unit.name, by_unit.get(unit.path, Totals())) for unit in units]

    by_window = group_totals(rows, lambda r: (r["station_id"], r["window_id"]) if r["window_id"] else None)
    # Every open window appears, with zeros when nothing happened at it (a silent window is news too).
    windows = ServiceWindow.objects.filter(station_id__in=stations).order_by("station__path", "number")
    for window in windows:
        key = (window.station_id, window.pk)
        if key not in by_window and not window.is_open:
            continue
        name = _(WINDOW_NAME) % {"number": window.number, "name": window.name}
        result.append(
            row(ReportRowKind.WINDOW, stations[window.station_id], name, by_window.get(key, Totals()), window=window)
        )

    by_officer = group_totals(rows, lambda r: (r["station_id"], r["officer_id"]) if r["officer_id"] else None)
    officers = get_user_model().objects.in_bulk({officer for _station, officer in by_officer})
    for (station_id, officer_id), totals in sorted(by_officer.items()):
        if station_id in stations:
            name = person_name(officers[officer_id])
            result.append(row(ReportRowKind.OFFICER, stations[station_id], name, totals, officer_id=officer_id))
    return result


def _freeze(report: MonthlyReport) -> int:
    """Copy the month's rollups (just refreshed by the caller) into the report's rows, replacing any."""
    report.rows.all().delete()
    rows = _report_rows(report)
    ReportRow.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def report_build(*, month: date, now: datetime | None = None) -> MonthlyReport | None:
    """The bulletin of a month that has ended, built once: None when it exists already (a closed
    month's bulletin never changes by itself). Raises ``ValidationError`` for a month not yet over."""
    now = now or timezone.now()
    month = month_start(month)
    _check_ended(month, now)
    if MonthlyReport.objects.filter(month=month).exists():
        return None
    with transaction.atomic():
        # rollup_refresh takes the rollup lock: two builds of the same month queue here, and the
        # second finds the first's report.
        rollup_refresh(month=month, now=now)
        if MonthlyReport.objects.filter(month=month).exists():
            return None
        report = MonthlyReport(month=month, built_at=now, version=1)
        report.full_clean()
        report.save()
        count = _freeze(report)
        ReportBuild.objects.create(report=report, version=1, built_at=now, built_by=None)
    logger.info("monthly report %s built: %d rows", f"{month:%Y-%m}", count)
    return report


def report_rebuild(*, month: date, actor, reason: str, now: datetime | None = None) -> MonthlyReport:
    """Build an existing bulletin again from today's data: a city-level bureau supervisor or admin,
    with a reason. The rows are replaced, the version goes up by one and the build is logged.

    Raises ``PermissionDenied`` (not allowed), ``ValidationError`` (no reason, or too long) and
    ``MonthlyReport.DoesNotExist`` (no bulletin of that month)."""
    now = now or timezone.now()
    month = month_start(month)
    if not report_may_rebuild(actor):
        raise PermissionDenied(_(REBUILD_NOT_ALLOWED))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_(REASON_REQUIRED)]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [_(REASON_TOO_LONG)]})
    _check_ended(month, now)
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(month=month)
        rollup_refresh(month=month, now=now)  # the month's cells from today's raw tables
        count = _freeze(report)
        report.version += 1
        report.built_at = now
        report.save(update_fields=["version", "built_at"])
        ReportBuild.objects.create(report=report, version=report.version, built_at=now, built_by=actor, reason=reason)
    logger.warning(
        "monthly report %s rebuilt as version %d by %s (%d rows): %s",
        f"{month:%Y-%m}",
        report.version,
        actor.get_username(),
        count,
        reason,
    )
    return report
