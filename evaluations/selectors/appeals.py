"""Reads of citizen appeals (群众诉求): the staff's, scoped to their unit (another unit's appeal is simply
not found), and the citizens' progress lookup by reference and the last 4 digits of the phone.

The FilterSet of the staff list and the API lives here too (evaluations has no shared filters module
for this area): the page and the API filter alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from hmac import compare_digest

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Appeal, AppealCategory, AppealEvent, AppealSource, AppealStatus
from evaluations.services.appeals import HANDLER_INVALID, Action, appeal_handler_choices, late
from windows.access import scope_filter, staff_of
from windows.lockout import FailureLock, plain
from windows.models import COUNTER_ROLES, Role, Unit

# --- staff ------------------------------------------------------------------------------------------


def appeal_list(*, user) -> QuerySet[Appeal]:
    """The appeals the user may see (their station, or every station below their bureau), newest first,
    with what a list row shows loaded in the same query."""
    return (
        Appeal.objects.filter(scope_filter(user, "station"))
        .select_related("station", "handler", "received_by")
        .order_by("-created_at", "-id")
    )


def appeal_get(*, user, reference: str) -> Appeal:
    """One appeal by reference; ``Appeal.DoesNotExist`` alike for a missing one and another unit's."""
    return appeal_list(user=user).get(reference=reference)


def appeal_timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    return appeal.events.select_related("actor").order_by("at", "id")


def handler_options(*, appeal: Appeal, actor) -> list[tuple[str, str, str]]:
    """Whom the actor may make the handler, as (username, name, role): the station's officers and
    supervisors, and a bureau supervisor themselves."""
    options = [
        (s.user.get_username(), s.display_name, str(s.get_role_display())) for s in appeal_handler_choices(appeal)
    ]
    me = staff_of(actor)
    if me is not None and me.role == Role.BUREAU_SUPERVISOR:
        options.insert(0, (actor.get_username(), me.display_name, str(me.get_role_display())))
    return options


def handler_by_username(*, appeal: Appeal, actor, username: str):
    """The user a form or the API names as handler (None when none is named); ``ValidationError``
    when nobody the actor may choose has that username."""
    username = (username or "").strip()
    if not username:
        return None
    if username == actor.get_username():
        return actor
    staff = appeal_handler_choices(appeal).filter(user__username=username).first()
    if staff is None:
        raise ValidationError({"handler": [HANDLER_INVALID]})
    return staff.user


def entry_stations(*, user) -> QuerySet[Unit]:
    """The stations for which the user may enter an appeal taken by phone or at the counter: their own
    station, or (a bureau supervisor) every station below their bureau."""
    staff = staff_of(user)
    if staff is None or staff.role == Role.ADMIN:
        return Unit.objects.none()
    if staff.role in COUNTER_ROLES or staff.role == Role.STATION_SUPERVISOR:
        return Unit.objects.filter(pk=staff.unit_id).stations()
    return Unit.objects.subtree_of(staff.unit).stations().select_related("parent").order_by("path")


def public_stations() -> QuerySet[Unit]:
    """Every station, for the citizens' form, by district."""
    return Unit.objects.stations().select_related("parent").order_by("path")


def stations_by_district(stations) -> list[tuple[str, list[Unit]]]:
    """The stations grouped under their district's name, in order."""
    groups: list[tuple[str, list[Unit]]] = []
    for station in stations:
        district = station.parent.name if station.parent_id else ""
        if not groups or groups[-1][0] != district:
            groups.append((district, []))
        groups[-1][1].append(station)
    return groups


def is_late(appeal: Appeal, today: date | None = None) -> bool:
    """Past its due date and not resolved (the deadline job flags ``late_on`` within minutes)."""
    return appeal.is_open and appeal.due_on < (today or timezone.localdate())


class AppealFilter(django_filters.FilterSet):
    """The staff list of appeals and ``GET /api/appeals/``: the same filters for both. Scope is the
    caller's (pass ``appeal_list(user=...)`` as the queryset)."""

    q = django_filters.CharFilter(method="search", label=_("搜索"), help_text=_("受理编号或联系人"))
    status = django_filters.ChoiceFilter(choices=AppealStatus.choices, label=_("状态"))
    category = django_filters.ChoiceFilter(choices=AppealCategory.choices, label=_("类别"))
    source = django_filters.ChoiceFilter(choices=AppealSource.choices, label=_("反映渠道"))
    late = django_filters.BooleanFilter(method="filter_late", label=_("仅看逾期"), help_text=_("未办结且已过办理期限"))

    class Meta:
        model = Appeal
        fields = ["q", "status", "category", "source", "late"]

    def search(self, queryset, name, value):
        value = value.strip()[:50]
        if not value:
            return queryset
        return queryset.filter(Q(reference__icontains=value) | Q(contact_name__icontains=value))

    def filter_late(self, queryset, name, value):
        condition = late(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


# --- the citizens' progress lookup ------------------------------------------------------------------

REFERENCE_REQUIRED = "请输入受理编号。"
REFERENCE_TOO_LONG = "受理编号最长32个字符，请核对。"
PHONE_SUFFIX_INVALID = "请输入反映时所留手机号码的后4位数字。"
NOT_FOUND = "未查到匹配的诉求，请核对受理编号和手机号后4位。"
TOO_MANY_FAILURES = "该受理编号验证失败次数过多，请一小时后再试。"
TOO_MANY_LOOKUPS = "查询过于频繁，请稍后再试。"

REFERENCE_MAX_LENGTH = 32  # Appeal.reference
FAILURES_PER_HOUR = 5
FAILURES = FailureLock("evaluations.appeal_progress.failures", lambda: FAILURES_PER_HOUR)
_PHONE_SUFFIX = re.compile(r"^\d{4}$")
_DUMMY_PHONE = "00000000000"


class TooManyFailures(Exception):
    """The reference is locked after too many failed lookups; nothing was checked."""


def normalise_reference(raw: str | None) -> str:
    reference = plain(raw).upper()
    if not reference:
        raise ValidationError(REFERENCE_REQUIRED, code="required")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ValidationError(REFERENCE_TOO_LONG, code="max_length")
    return reference


def normalise_phone_suffix(raw: str | None) -> str:
    suffix = plain(raw)
    if not _PHONE_SUFFIX.match(suffix):
        raise ValidationError(PHONE_SUFFIX_INVALID, code="phone_suffix")
    return suffix


def progress_arguments(data) -> dict[str, str]:
    """Raw input (a form's or the API's) read into ``appeal_progress_lookup``'s arguments; a
    ``ValidationError`` by field."""
    arguments, errors = {}, {}
    for field, read in (("reference", normalise_reference), ("phone_suffix", normalise_phone_suffix)):
        value = data.get(field) if hasattr(data, "get") else None
        try:
            arguments[field] = read(value if isinstance(value, str) else None)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return arguments


class Stage:
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


STAGE_TITLES = {
    Stage.RECEIVED: _("受理"),
    Stage.IN_PROGRESS: _("处理中"),
    Stage.RESOLVED: _("已办结"),
}
# The events a citizen sees; reassigning the handler stays inside.
_ACTION_STAGES = {Action.SUBMIT: Stage.RECEIVED, Action.START: Stage.IN_PROGRESS, Action.RESOLVE: Stage.RESOLVED}

STATUS_TEXT = {
    AppealStatus.OPEN: (_("已受理，待处理"), _("您反映的问题已受理，将在办理期限内处理并答复。")),
    AppealStatus.IN_PROGRESS: (_("处理中"), _("您反映的问题正在处理，承办民警可能会与您电话联系核实情况。")),
    AppealStatus.RESOLVED: (_("已办结"), _("您反映的问题已办结，处理结果见下方。")),
}


@dataclass(frozen=True)
class ProgressStep:
    stage: str
    title: str
    on: date
    text: str = ""  # the resolution, on the resolved step


@dataclass(frozen=True)
class PublicProgress:
    reference: str
    station: str
    station_phone: str
    category: str
    status: str
    status_label: str
    status_hint: str
    due_on: date
    resolution: str
    timeline: tuple[ProgressStep, ...]


def appeal_progress_lookup(*, reference: str, phone_suffix: str) -> PublicProgress | None:
    """The public view of the appeal with this reference if the last 4 digits of its contact phone
    match; ``None`` otherwise, whether the reference or the digits were wrong (the same work either
    way: one indexed read, one constant-time comparison, one failure counted). Raises
    ``TooManyFailures`` when the reference is locked after ``FAILURES_PER_HOUR`` failures,
    ``ValidationError`` for malformed input."""
    reference = normalise_reference(reference)
    phone_suffix = normalise_phone_suffix(phone_suffix)
    if FAILURES.locked(reference):
        raise TooManyFailures(TOO_MANY_FAILURES)
    appeal = Appeal.objects.select_related("station").filter(reference=reference).first()
    expected = (appeal.contact_phone if appeal is not None else _DUMMY_PHONE)[-4:]
    matches = compare_digest(expected, phone_suffix)
    if not matches or appeal is None:
        FAILURES.record_failure(reference)
        return None
    return public_progress(appeal)


def public_progress(appeal: Appeal) -> PublicProgress:
    """What a citizen may see of their appeal: no handler, no internal notes."""
    steps = []
    events = appeal.events.filter(action__in=list(_ACTION_STAGES)).order_by("at", "id").values_list("action", "at")
    for action, at in events:
        stage = _ACTION_STAGES[action]
        text = appeal.resolution if stage == Stage.RESOLVED else ""
        steps.append(ProgressStep(stage, str(STAGE_TITLES[stage]), timezone.localdate(at), text))
    label, hint = STATUS_TEXT[appeal.status]
    return PublicProgress(
        reference=appeal.reference,
        station=appeal.station.name,
        station_phone=appeal.station.phone,
        category=str(appeal.get_category_display()),
        status=appeal.status,
        status_label=str(label),
        status_hint=str(hint),
        due_on=appeal.due_on,
        resolution=appeal.resolution if appeal.status == AppealStatus.RESOLVED else "",
        timeline=tuple(steps),
    )
