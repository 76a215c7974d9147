"""《群众诉求未结事项登记表》: on the 9th, 19th and 29th of each month (February: its last day when it has
no 29th), every citizen appeal still unresolved is listed and reported; when that day is not a working
day, the register is due on the working day before it (seed 001). A register is built once, on its
due day, and frozen: what happens to an appeal afterwards does not change it.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.figures import previous_month
from compliance.models import AppealRegister, AppealRegisterRow
from compliance.selectors.figures import person_name
from evaluations.models import Appeal, AppealStatus
from hukou.personal_data import mask_name
from windows.workdays import is_working_day, working_days_between

logger = logging.getLogger("compliance.registers")

PERIOD_DAYS = (9, 19, 29)
CONTENT_MAX = 200  # characters of the appeal's text the register keeps
ELLIPSIS = "…"

# The keys of AppealRegisterRow.values, in the order of the register's columns.
VALUE_KEYS = (
    "reference",
    "station",
    "source",
    "category",
    "contact_name",
    "content",
    "received_on",
    "due_on",
    "status",
    "handler",
    "days_late",
)


def register_period_days(year: int, month: int) -> list[date]:
    """The month's reporting dates: the 9th, 19th and 29th, or the last day of a February without a 29th."""
    last = calendar.monthrange(year, month)[1]
    return [date(year, month, min(day, last)) for day in PERIOD_DAYS]


def register_due_on(period_day: date) -> date:
    """The day the register is due: the period day when it is a working day, else the working day before."""
    day = period_day
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _truncate(text: str, limit: int = CONTENT_MAX) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def appeal_register_values(appeal: Appeal, today: date, days_late: int) -> dict:
    """One appeal as the register shows it: labels resolved, the citizen's name masked, the text cut short."""
    return {
        "reference": appeal.reference,
        "station": appeal.station.name,
        "source": str(appeal.get_source_display()),
        "category": str(appeal.get_category_display()),
        "contact_name": mask_name(appeal.contact_name),
        "content": _truncate(appeal.content),
        "received_on": timezone.localtime(appeal.created_at).date().isoformat(),
        "due_on": appeal.due_on.isoformat(),
        "status": str(appeal.get_status_display()),
        "handler": person_name(appeal.handler),
        "days_late": days_late,
    }


def register_build(*, period_day: date, now: datetime | None = None) -> AppealRegister | None:
    """Freeze every appeal not resolved now into the register of ``period_day``; None when that
    register exists already (it is built once)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if AppealRegister.objects.filter(period_day=period_day).exists():
        return None
    appeals = (
        Appeal.objects.exclude(status=AppealStatus.RESOLVED)
        .select_related("station", "handler")
        .order_by("station__path", "created_at", "pk")
    )
    late: dict[date, int] = {}
    try:
        with transaction.atomic():
            register = AppealRegister.objects.create(
                period_day=period_day, due_on=register_due_on(period_day), built_at=now
            )
            rows = []
            for appeal in appeals:
                if appeal.due_on not in late:
                    late[appeal.due_on] = working_days_between(appeal.due_on, today)
                rows.append(
                    AppealRegisterRow(
                        register=register,
                        appeal=appeal,
                        station=appeal.station,
                        unit_path=appeal.station.path,
                        values=appeal_register_values(appeal, today, late[appeal.due_on]),
                    )
                )
            AppealRegisterRow.objects.bulk_create(rows, batch_size=1000)
    except IntegrityError:
        # another worker built the same register meanwhile: it is built once
        if AppealRegister.objects.filter(period_day=period_day).exists():
            return None
        raise
    logger.info("appeal register %s (due %s) built: %d unresolved", period_day, register.due_on, len(rows))
    return register


def registers_due(today: date) -> list[date]:
    """The period days whose register is due by ``today`` and not built yet: this month's, and the
    previous month's last one if it was missed."""
    last_month = previous_month(today)
    candidates = [register_period_days(last_month.year, last_month.month)[-1]]
    candidates += register_period_days(today.year, today.month)
    built = set(AppealRegister.objects.filter(period_day__in=candidates).values_list("period_day", flat=True))
    return [day for day in candidates if day not in built and register_due_on(day) <= today]


def registers_build_due(*, now: datetime | None = None) -> list[AppealRegister]:
    """The daily job: build every register due and missing."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    built = []
    for period_day in registers_due(today):
        register = register_build(period_day=period_day, now=now)
        if register is not None:
            built.append(register)
    return built
