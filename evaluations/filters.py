"""django-filter FilterSets of evaluations: the same filters for a page and its API."""

from functools import partial

import django_filters
from django.utils.translation import gettext_lazy as _

from evaluations.models import BAD_LEVELS, Evaluation, Level, RatingChannel
from hukou.filters import LazyChoices
from windows.access import scope_filter
from windows.models import Role, ServiceWindow, Staff
from windows.selectors import window_list

# Who may be the officer of a rating: whoever may receive or complete cases.
RATED_ROLES = [Role.OFFICER, Role.AUXILIARY, Role.STATION_SUPERVISOR]


def _officer_choices(user) -> list[tuple[str, str]]:
    """The staff in the user's scope that ratings can be about, by username."""
    if user is None:
        return []
    staff = (
        Staff.objects.filter(scope_filter(user, "unit"), role__in=RATED_ROLES)
        .select_related("user")
        .order_by("unit__path", "user__username")
    )
    return [(s.user.username, s.display_name) for s in staff]


class EvaluationFilter(django_filters.FilterSet):
    """The ratings list and the ratings API. Scope is the caller's (pass ``selectors.ratings.
    evaluation_list(user=...)`` as the queryset); the officer and window choices are limited to the
    requesting user's units."""

    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int, label=_("评价等级"))
    bad = django_filters.BooleanFilter(method="filter_bad", label=_("仅看差评"), help_text=_("不满意、非常不满意"))
    channel = django_filters.ChoiceFilter(choices=RatingChannel.choices, label=_("评价渠道"))
    officer = django_filters.ChoiceFilter(field_name="officer__username", choices=(), label=_("办理民警"))
    window = django_filters.ModelChoiceFilter(queryset=ServiceWindow.objects.none(), label=_("窗口"))
    date = django_filters.DateFromToRangeFilter(
        field_name="created_at", label=_("评价日期"), help_text=_("date_after / date_before，含当日")
    )

    class Meta:
        model = Evaluation
        fields = ["level", "bad", "channel", "officer", "window", "date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.filters["window"].queryset = window_list(user=user).order_by("station__path", "number")
        self.filters["officer"].extra["choices"] = LazyChoices(partial(_officer_choices, user))
        for name in ("window", "officer"):
            # A form field built earlier (e.g. by the schema generator) would keep the old choices.
            self.filters[name].__dict__.pop("_field", None)

    def filter_bad(self, queryset, name, value):
        return queryset.filter(level__in=BAD_LEVELS) if value else queryset.exclude(level__in=BAD_LEVELS)
