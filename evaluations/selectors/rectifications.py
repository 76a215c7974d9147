"""Reads of the bad-review rectifications (差评整改), scoped to the user.

Supervisors and admins see the rectifications of their scope (their station, or everything below
their bureau); counter staff see only those of ratings of their own work, read-only. Anything else is
not found, which the pages and the API answer with a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import django_filters
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.models import Rectification, RectificationStatus, ReviewOutcome
from windows.access import scope_filter, staff_of
from windows.models import COUNTER_ROLES, person_name

S = RectificationStatus


# --- deadlines: which rectifications stand where (the deadline job, the list, the workbench) ----------


def contact_late(today: date) -> Q:
    """Not contacted yet, and the contact limit has passed."""
    return Q(status=S.OPEN, contact_due_on__lt=today)


def rectify_late(today: date) -> Q:
    """Not closed, and the rectification limit has passed."""
    return ~Q(status=S.CLOSED) & Q(rectify_due_on__lt=today)


def late(today: date) -> Q:
    return contact_late(today) | rectify_late(today)


def due_today(today: date) -> Q:
    """Whose next limit is today: contact for the open ones, closing for those being rectified."""
    return Q(status=S.OPEN, contact_due_on=today) | (~Q(status=S.CLOSED) & Q(rectify_due_on=today))


# --- lists and records ----------------------------------------------------------------------------


def rectification_list(*, user) -> QuerySet[Rectification]:
    """The rectifications the user may see, open ones first by their next limit, then the closed
    ones latest first; what a row and the page show is loaded in the same query."""
    staff = staff_of(user)
    if staff is None:
        return Rectification.objects.none()
    rectifications = Rectification.objects.filter(scope_filter(user, "station"))
    if staff.role in COUNTER_ROLES:
        rectifications = rectifications.filter(evaluation__officer=user)
    return (
        rectifications.select_related(
            "station",
            "assignee",
            "evaluation__case",
            "evaluation__officer",
            "evaluation__window",
            "evaluation__review__requested_by",
            "evaluation__review__decided_by",
            "contacted_by",
            "closed_by",
        )
        .annotate(
            closed_rank=Case(When(status=S.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()),
            next_due_on=Case(
                When(status=S.OPEN, then=F("contact_due_on")),
                When(status=S.CONTACTED, then=F("rectify_due_on")),
                default=None,
            ),
        )
        .order_by("closed_rank", F("next_due_on").asc(nulls_last=True), F("closed_at").desc(nulls_last=True), "id")
    )


def rectification_get(*, user, pk: int) -> Rectification:
    """One rectification; ``Rectification.DoesNotExist`` alike for a missing one and another unit's."""
    return rectification_list(user=user).get(pk=pk)


class RectificationFilter(django_filters.FilterSet):
    """The list's filters, on the page and in the API."""

    status = django_filters.ChoiceFilter(choices=RectificationStatus.choices, label=gettext_lazy("状态"))
    late = django_filters.BooleanFilter(
        method="filter_late", label=gettext_lazy("仅看逾期：核实联系或整改已超过期限且未完成")
    )

    class Meta:
        model = Rectification
        fields = ["status", "late"]

    def filter_late(self, queryset, name, value):
        if value is None:
            return queryset
        condition = late(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


def rectification_attention(*, user, today: date, limit: int = 8) -> dict[str, list[Rectification]]:
    """The workbench panel's rows for a supervisor: late ones and those due today (none for others)."""
    staff = staff_of(user)
    if staff is None or not staff.is_supervisor:
        return {"late": [], "due_today": []}
    visible = rectification_list(user=user)
    return {
        "late": list(visible.filter(late(today))[:limit]),
        "due_today": list(visible.filter(due_today(today)).exclude(late(today))[:limit]),
    }


# --- the timeline of what was done ----------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    who: str = ""
    note: str = ""
    late: bool = False


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def rectification_timeline(rectification: Rectification) -> list[TimelineEntry]:
    """What was done, oldest first: the rating, the contact, the appeal review, the close, and the
    days each limit was found passed. Built from the rows themselves (the review loaded beside)."""
    evaluation = rectification.evaluation
    entries = [
        TimelineEntry(
            evaluation.created_at,
            "rated",
            _("群众评价“%(level)s”，开始整改") % {"level": evaluation.get_level_display()},
            note="、".join(evaluation.reason_labels()),
        )
    ]
    if rectification.contact_late_on:
        entries.append(
            TimelineEntry(_start_of(rectification.contact_late_on), "contact_late", _("核实联系逾期"), late=True)
        )
    if rectification.contacted_at:
        entries.append(
            TimelineEntry(
                rectification.contacted_at,
                "contacted",
                _("核实联系"),
                person_name(rectification.contacted_by),
                rectification.contact_note,
            )
        )
    review = getattr(evaluation, "review", None)
    if review is not None:
        entries.append(
            TimelineEntry(
                review.requested_at,
                "review_requested",
                _("提出申诉复核（%(ground)s）") % {"ground": review.get_ground_display()},
                person_name(review.requested_by),
                review.reason,
            )
        )
        if review.outcome != ReviewOutcome.PENDING and review.decided_at:
            entries.append(
                TimelineEntry(
                    review.decided_at,
                    "review_decided",
                    _("复核决定：%(outcome)s") % {"outcome": review.get_outcome_display()},
                    person_name(review.decided_by),
                    review.decision_note,
                )
            )
    if rectification.rectify_late_on:
        entries.append(
            TimelineEntry(_start_of(rectification.rectify_late_on), "rectify_late", _("整改逾期"), late=True)
        )
    if rectification.closed_at:
        note = _("查明情况：%(finding)s\n整改措施：%(action)s") % {
            "finding": rectification.finding,
            "action": rectification.action_taken,
        }
        if rectification.callback_level:
            note += "\n" + _("回访满意度：%(level)s（%(at)s）") % {
                "level": rectification.get_callback_level_display(),
                "at": timezone.localtime(rectification.callback_at).strftime("%Y-%m-%d %H:%M"),
            }
        entries.append(
            TimelineEntry(rectification.closed_at, "closed", _("整改办结"), person_name(rectification.closed_by), note)
        )
    # Times entered by hand are to the minute: within a minute, the order things are done in.
    ranked = sorted(enumerate(entries), key=lambda pair: (pair[1].at.replace(second=0, microsecond=0), pair[0]))
    return [entry for _n, entry in ranked]
