from functools import partial

import django_filters
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from hukou import selectors
from hukou.models import OPEN_STATUSES, RUNNING_STATUSES, Case, CaseStatus, Category, HandlingMode, ServiceType
from windows.access import scope_filter
from windows.models import Role, ServiceWindow, Staff
from windows.selectors import window_list


class ServiceTypeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索：事项名称、说明或材料名称中包含的文字")
    category = django_filters.ChoiceFilter(choices=Category.choices)
    handling_mode = django_filters.ChoiceFilter(choices=HandlingMode.choices)

    class Meta:
        model = ServiceType
        fields = ["q", "category", "handling_mode"]

    def search(self, queryset, name, value):
        return selectors.service_type_search(queryset, value)


def _service_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every service type by code under its current name, grouped by category; retired codes stay
    (old cases keep them)."""
    names: dict[str, tuple[str, str]] = {}
    rows = ServiceType.objects.order_by("code", "-is_current", "-version").values_list("code", "name", "category")
    for code, name, category in rows:
        names.setdefault(code, (name, category))
    return [
        (label, sorted(((code, name) for code, (name, cat) in names.items() if cat == value), key=lambda c: c[1]))
        for value, label in Category.choices
        if any(cat == value for _name, cat in names.values())
    ]


class LazyChoices(BaseChoiceIterator):
    """Choices read from the database only when a form needs them: to check a value given or to
    draw the select. A filter left empty costs no query."""

    def __init__(self, load):
        self.load = load
        self.loaded = None

    def __iter__(self):
        if self.loaded is None:
            self.loaded = list(self.load())
        return iter(self.loaded)

    def __len__(self) -> int:
        return len(list(iter(self)))


STAGES = [("open", _("在办")), ("running", _("计时中（已受理未办结）")), ("closed", _("已结束"))]
STAGE_STATUSES = {
    "open": OPEN_STATUSES,
    "running": RUNNING_STATUSES,
    "closed": [s for s in CaseStatus.values if s not in OPEN_STATUSES],
}
CASE_HANDLER_ROLES = [Role.OFFICER, Role.AUXILIARY, Role.STATION_SUPERVISOR]


def _officer_choices(user) -> list[tuple[str, str]]:
    """Who may receive cases in the user's scope, by username: counter staff and station supervisors."""
    if user is None:
        return []
    staff = (
        Staff.objects.filter(scope_filter(user, "unit"), role__in=CASE_HANDLER_ROLES)
        .select_related("user")
        .order_by("unit__path", "user__username")
    )
    return [(s.user.username, s.display_name) for s in staff]


class CaseFilter(django_filters.FilterSet):
    """The officers' case list and the cases API: the same filters for both. Scope is the caller's
    (pass ``selectors.case_list(user=...)`` as the queryset); the officer and window choices are
    limited to the requesting user's units when a request is given."""

    q = django_filters.CharFilter(method="search", label=_("搜索"), help_text=_("办件编号、申请人姓名或完整身份证号"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("状态"))
    service_type = django_filters.ChoiceFilter(field_name="service_type__code", choices=(), label=_("业务事项"))
    stage = django_filters.ChoiceFilter(choices=STAGES, method="filter_stage", label=_("办理阶段"))
    accepted = django_filters.DateFromToRangeFilter(field_name="accepted_on", label=_("受理日期"))
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label=_("登记日期"))
    due = django_filters.DateFromToRangeFilter(field_name="due_on", label=_("承诺办结日期"))
    officer = django_filters.ChoiceFilter(field_name="officer__username", choices=(), label=_("受理人"))
    window = django_filters.ModelChoiceFilter(queryset=ServiceWindow.objects.none(), label=_("窗口"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("逾期"), help_text=_("已受理、未办结且已过承诺办结日期")
    )

    class Meta:
        model = Case
        fields = ["q", "status", "stage", "service_type", "accepted", "created", "due", "officer", "window", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.filters["window"].queryset = window_list(user=user).order_by("station__path", "number")
        self.filters["service_type"].extra["choices"] = LazyChoices(_service_type_choices)
        self.filters["officer"].extra["choices"] = LazyChoices(partial(_officer_choices, user))
        for name in ("window", "officer", "service_type"):
            # A form field built earlier (e.g. by the schema generator) would keep the old choices.
            self.filters[name].__dict__.pop("_field", None)

    def search(self, queryset, name, value):
        return selectors.case_search(queryset, value)

    def filter_stage(self, queryset, name, value):
        return queryset.filter(status__in=STAGE_STATUSES[value])

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
