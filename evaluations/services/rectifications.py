"""Rectification of bad reviews (差评整改) and the appeal review of a disputed rating (申诉复核)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import Evaluation, Rectification
from windows.models import Role, Staff
from windows.services import notifications_send
from windows.workdays import add_working_days


def station_supervisors(station_id: int) -> list[int]:
    """The user ids of the station's supervisors (所长, 教导员), first appointed first."""
    return list(
        Staff.objects.filter(unit_id=station_id, role=Role.STATION_SUPERVISOR, user__is_active=True)
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


def rectification_open(*, evaluation: Evaluation, today: date | None = None) -> Rectification:
    """Open the rectification of a bad review, assigned to the station's supervisor, with its two
    working-day limits, and tell the station's supervisors. Runs in the rating's transaction."""
    today = today or timezone.localdate(evaluation.created_at)
    supervisors = station_supervisors(evaluation.station_id)
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        station_id=evaluation.station_id,
        assignee_id=supervisors[0] if supervisors else None,
        opened_on=today,
        contact_due_on=add_working_days(today, settings.EVALUATIONS_CONTACT_DAYS),
        rectify_due_on=add_working_days(today, settings.EVALUATIONS_RECTIFY_DAYS),
    )
    text = _("收到差评（%(level)s），办件%(number)s：请于%(due)s前核实并联系群众。") % {
        "level": evaluation.get_level_display(),
        "number": evaluation.case.number,
        "due": rectification.contact_due_on.isoformat(),
    }
    link = reverse("evaluations:rectification_detail", args=[rectification.pk])
    notifications_send(messages=[(user_id, text, link) for user_id in supervisors])
    return rectification
