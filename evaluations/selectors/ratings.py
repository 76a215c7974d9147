"""Reads of ratings (好差评): the staff list and API, scoped to the user, and the case a rating link
names (public: the token is the permission)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from evaluations.models import BAD_LEVELS, Evaluation, Level
from evaluations.services.ratings import LINK_INVALID, RatingTicket, rating_token_read
from hukou.models import Case
from windows.access import scope_filter, staff_of
from windows.models import COUNTER_ROLES


def evaluation_list(*, user) -> QuerySet[Evaluation]:
    """The ratings the user may see, newest first, with what a row shows loaded in the same query:
    counter staff (officers, auxiliaries) the ratings of their own cases; station supervisors their
    station's; bureau supervisors and admins everything below their unit. Nobody else anything."""
    evaluations = Evaluation.objects.filter(scope_filter(user, "station"))
    staff = staff_of(user)
    if staff is not None and staff.role in COUNTER_ROLES:
        evaluations = evaluations.filter(officer=user)
    return evaluations.select_related(
        "case", "case__service_type", "station", "window", "officer", "rectification"
    ).order_by("-created_at", "-id")


def evaluation_get(*, user, pk: int) -> Evaluation:
    """One rating; ``Evaluation.DoesNotExist`` alike for a missing one and one outside the user's view."""
    return evaluation_list(user=user).get(pk=pk)


@dataclass(frozen=True)
class LevelShare:
    level: int
    label: str
    count: int
    share: float  # 0..100, one decimal

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


@dataclass(frozen=True)
class RatingSummary:
    total: int
    levels: tuple[LevelShare, ...]  # best first

    @property
    def bad(self) -> int:
        return sum(share.count for share in self.levels if share.is_bad)

    @property
    def satisfied_share(self) -> float:
        """非常满意 + 满意 + 基本满意, as a share of all (the 满意率 of the bulletins)."""
        if not self.total:
            return 0.0
        return round(100 * (self.total - self.bad) / self.total, 1)


def evaluation_summary(evaluations: QuerySet[Evaluation]) -> RatingSummary:
    """The count and share of each level of ``evaluations`` (a filtered list), in one aggregate query."""
    counts = evaluations.order_by().aggregate(
        total=Count("pk"), **{f"level_{level}": Count("pk", filter=Q(level=level)) for level in Level.values}
    )
    total = counts["total"]
    levels = tuple(
        LevelShare(
            level=level,
            label=str(label),
            count=counts[f"level_{level}"],
            share=round(100 * counts[f"level_{level}"] / total, 1) if total else 0.0,
        )
        for level, label in sorted(Level.choices, reverse=True)
    )
    return RatingSummary(total=total, levels=levels)


@dataclass(frozen=True)
class RatingTarget:
    """What a rating link shows: the case (no personal data is shown from it) and the link's channel."""

    case: Case
    channel: str

    @property
    def rated(self) -> bool:
        return Evaluation.objects.filter(case_id=self.case.pk).exists()


def rating_target_get(*, token: str) -> RatingTarget:
    """The completed case a rating link names, with its service and station loaded. ``ValidationError``
    on ``token`` for a tampered, expired or unknown link (see ``rating_token_read``)."""
    ticket: RatingTicket = rating_token_read(token)
    case = (
        Case.objects.filter(pk=ticket.case_id, completed_at__isnull=False)
        .select_related("service_type", "station")
        .first()
    )
    if case is None:
        raise ValidationError({"token": [ValidationError(LINK_INVALID, code="invalid")]})
    return RatingTarget(case=case, channel=ticket.channel)


def case_for_rating(*, number: str) -> Case | None:
    """The completed (or collected) case with this number, for a rating offered from the status lookup."""
    return Case.objects.filter(number=number, completed_at__isnull=False).only("pk", "number").first()


def evaluation_of_case(*, case: Case) -> Evaluation | None:
    """The rating of a case, if it has one (public pages: the citizen's own rating link)."""
    return Evaluation.objects.filter(case_id=case.pk).first()
