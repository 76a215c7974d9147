"""Citizen appeals (群众诉求, "办不成事"反映): the citizens' form and progress lookup (public, on a phone),
and the staff's list, entry of a phone call or a visit, and the appeal page with its moves.

Thin: every write is one service call, every read a selector; who may do what is asked of the
service's own rules (``appeal_allowed_actions``), never restated here.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from evaluations.models import Appeal, AppealCategory, AppealSource
from evaluations.selectors import appeals as selectors
from evaluations.services import appeals as services
from evaluations.services.appeals import ACTION_LABELS, Action
from notices.phones import mask_phone
from windows.errors import Conflict
from windows.forms import add_service_errors
from windows.views import staff_required

PAGE_SIZE = 25
SUBMITTED = "evaluations.appeal_submitted"  # the session key of the last submission, for the done page
HONEYPOT = "website"

# --- limits: one budget per client address for the form and POST /api/public/appeals/, another for
# the progress page and POST /api/public/appeals/progress/. ----------------------------------------

APPEALS_GROUP = "evaluations.appeals"
PROGRESS_GROUP = "evaluations.appeal_progress"


def appeals_rate(group, request) -> str:
    return settings.RATELIMIT_APPEALS


def progress_rate(group, request) -> str:
    # The same budget a case's status lookup has: lookups are cheap, submissions are not.
    return getattr(settings, "RATELIMIT_STATUS_LOOKUP", "10/m")


def over_appeal_limit(request: HttpRequest) -> bool:
    """Count one submission from this address; True when it is over ``RATELIMIT_APPEALS``."""
    return is_ratelimited(request, group=APPEALS_GROUP, key="ip", rate=appeals_rate, increment=True)


def over_progress_limit(request: HttpRequest) -> bool:
    """Count one progress lookup from this address; True when it is over the limit."""
    return is_ratelimited(request, group=PROGRESS_GROUP, key="ip", rate=progress_rate, increment=True)


# --- forms --------------------------------------------------------------------------------------------


class StationChoiceField(forms.ChoiceField):
    """A station by id, from the stations given, grouped by district in the select."""

    def __init__(self, *args, stations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stations = {str(s.pk): s for s in stations}
        groups = selectors.stations_by_district(stations)
        # For the select: (district or "" when there is only one, [(value, name)]).
        self.groups = [(district if len(groups) > 1 else "", [(str(s.pk), s.name) for s in members])
                       for district, members in groups]  # fmt: skip
        self.choices = [("", gettext_lazy("请选择")), *((str(s.pk), s.name) for s in stations)]

    def clean(self, value):
        return self.stations[super().clean(value)]


class AppealForm(forms.Form):
    """The citizens' form. The service's own checks (``appeal_clean``) run in ``clean``, so every
    error is shown by its field before anything counts against the limit."""

    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=100)
    contact_phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)
    station = StationChoiceField(label=gettext_lazy("派出所"))
    category = forms.ChoiceField(
        label=gettext_lazy("类别"), choices=[("", gettext_lazy("请选择")), *AppealCategory.choices]
    )
    content = forms.CharField(label=gettext_lazy("具体情况"), max_length=services.CONTENT_MAX_LENGTH * 2)
    case_number = forms.CharField(label=gettext_lazy("相关办件编号"), required=False, max_length=100)
    # The honeypot: hidden from people and screen readers; a bot fills it in.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"] = StationChoiceField(label=gettext_lazy("派出所"), stations=stations)
        self.fields["station"].error_messages["required"] = _(services.STATION_INVALID)
        self.fields["category"].error_messages["required"] = _(services.CATEGORY_INVALID)
        self.fields["category"].error_messages["invalid_choice"] = _(services.CATEGORY_INVALID)
        self.fields["contact_name"].error_messages["required"] = _(services.NAME_REQUIRED)
        self.fields["content"].error_messages["required"] = _(services.CONTENT_TOO_SHORT)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data.update(
                services.appeal_clean(
                    station=data["station"],
                    category=data["category"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    content=data["content"],
                    case_number=data.get("case_number", ""),
                )
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data

    def submission(self) -> dict:
        """``appeal_submit``'s arguments from the cleaned form."""
        names = ("station", "category", "contact_name", "contact_phone", "content", "case_number")
        return {name: self.cleaned_data[name] for name in names}


class StaffAppealForm(AppealForm):
    """Staff entering an appeal taken by phone or at the counter."""

    source = forms.ChoiceField(
        label=gettext_lazy("反映渠道"),
        choices=[(AppealSource.PHONE, AppealSource.PHONE.label), (AppealSource.WALK_IN, AppealSource.WALK_IN.label)],
        initial=AppealSource.PHONE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields[HONEYPOT]

    def submission(self) -> dict:
        return {**super().submission(), "source": self.cleaned_data["source"]}


class ProgressForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("受理编号"), max_length=100)
    phone_suffix = forms.CharField(label=gettext_lazy("手机号后4位"), max_length=20)

    def clean(self):
        data = super().clean()
        try:
            data.update(selectors.progress_arguments(self.data))
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in services.TRANSITION_ACTIONS])
    handler = forms.CharField(required=False, max_length=150)
    note = forms.CharField(required=False, max_length=services.NOTE_MAX_LENGTH * 2)
    resolution = forms.CharField(required=False, max_length=services.RESOLUTION_MAX_LENGTH * 2)
    version = forms.IntegerField(min_value=1)


# --- the citizens' pages --------------------------------------------------------------------------


def _new_context(form: AppealForm, **extra) -> dict:
    return {
        "form": form,
        "content_min": services.CONTENT_MIN_LENGTH,
        "content_max": services.CONTENT_MAX_LENGTH,
        "appeal_days": settings.EVALUATIONS_APPEAL_DAYS,
        **extra,
    }


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    """The public form. A valid submission counts against the address's limit (over it: a 429 page
    with the form kept), then is saved; one with the honeypot filled gets the same answer and saves
    nothing. POST-redirect-GET to the page with the reference."""
    stations = list(selectors.public_stations())
    if request.method == "GET":
        form = AppealForm(stations=stations)
        return render(request, "evaluations/appeals/new.html", _new_context(form))
    form = AppealForm(request.POST, stations=stations)
    if not form.is_valid():
        return render(request, "evaluations/appeals/new.html", _new_context(form))
    if over_appeal_limit(request):
        context = _new_context(form, limited=True, message=_("提交过于频繁，请稍后再试。您填写的内容仍保留在下面。"))
        return render(request, "evaluations/appeals/new.html", context, status=429)
    try:
        appeal = services.appeal_submit(**form.submission(), decoy=bool(form.cleaned_data[HONEYPOT].strip()))
    except ValidationError as exc:  # the form ran the same checks: only a race could get here
        add_service_errors(form, exc)
        return render(request, "evaluations/appeals/new.html", _new_context(form))
    request.session[SUBMITTED] = {
        "reference": appeal.reference,
        "due_on": appeal.due_on.isoformat(),
        "station": appeal.station.name,
        "phone": mask_phone(appeal.contact_phone),
    }
    return redirect("evaluations:appeal_done")


@login_not_required
@never_cache
@require_GET
def appeal_done(request: HttpRequest) -> HttpResponse:
    """The reference, large, the due date and how to check progress (from this browser's session)."""
    submitted = request.session.get(SUBMITTED)
    if not submitted:
        return redirect("evaluations:appeal_new")
    context = {**submitted, "due_on": date.fromisoformat(submitted["due_on"])}
    context["progress_url"] = (
        f"{reverse('evaluations:appeal_progress')}?{urlencode({'reference': submitted['reference']})}"
    )
    return render(request, "evaluations/appeals/done.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def appeal_progress(request: HttpRequest) -> HttpResponse:
    """GET: the form, the reference filled in from ``?reference=``. POST: the answer on this page; a
    wrong reference and wrong digits get the same one."""
    template = "evaluations/appeals/progress.html"
    if request.method == "GET":
        try:
            reference = selectors.normalise_reference(request.GET.get("reference", ""))
        except ValidationError:
            reference = ""
        return render(request, template, {"form": ProgressForm(initial={"reference": reference})})
    form = ProgressForm(request.POST)
    context = {"form": form, "answered": True}
    if over_progress_limit(request):
        context.update(locked=True, message=_(selectors.TOO_MANY_LOOKUPS))
        return render(request, template, context, status=429)
    if not form.is_valid():
        context["answered"] = False
        return render(request, template, context)
    try:
        result = selectors.appeal_progress_lookup(
            reference=form.cleaned_data["reference"], phone_suffix=form.cleaned_data["phone_suffix"]
        )
    except selectors.TooManyFailures:
        context.update(locked=True, message=_(selectors.TOO_MANY_FAILURES))
        return render(request, template, context, status=429)
    if result is None:
        context["message"] = _(selectors.NOT_FOUND)
    context["result"] = result
    return render(request, template, context)


# --- the staff's pages ------------------------------------------------------------------------------


def _get_appeal(request: HttpRequest, reference: str) -> Appeal:
    try:
        return selectors.appeal_get(user=request.user, reference=reference)
    except Appeal.DoesNotExist:
        raise Http404 from None


@staff_required
@never_cache  # personal data: not kept in the browser's cache of a shared counter PC
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.AppealFilter(request.GET or None, queryset=selectors.appeal_list(user=request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    today = timezone.localdate()
    context = {
        "filter": filterset,
        "page": page,
        "rows": [(appeal, selectors.is_late(appeal, today)) for appeal in page.object_list],
        "query_string": params.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "may_enter": selectors.entry_stations(user=request.user).exists(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "evaluations/appeals/list.html#results", context)
    return render(request, "evaluations/appeals/list.html", context)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def appeal_create(request: HttpRequest) -> HttpResponse:
    """Staff enter an appeal taken by phone or at the counter, for a station they may act on."""
    stations = list(selectors.entry_stations(user=request.user))
    if not stations:
        raise PermissionDenied(_(services.MAY_NOT_ENTER))
    template = "evaluations/appeals/create.html"
    if request.method == "GET":
        initial = {"station": str(stations[0].pk)} if len(stations) == 1 else {}
        form = StaffAppealForm(stations=stations, initial=initial)
        return render(request, template, _new_context(form))
    form = StaffAppealForm(request.POST, stations=stations)
    if not form.is_valid():
        return render(request, template, _new_context(form))
    try:
        appeal = services.appeal_submit(**form.submission(), actor=request.user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, template, _new_context(form))
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return render(request, template, _new_context(form), status=403)
    messages.success(
        request,
        _("已登记群众诉求 %(reference)s，办理期限 %(due)s。") % {"reference": appeal.reference, "due": appeal.due_on},
    )
    return redirect("evaluations:appeal_detail", reference=appeal.reference)


def _detail_context(request: HttpRequest, appeal: Appeal, **extra) -> dict:
    allowed = services.appeal_allowed_actions(request.user, appeal)
    handlers = []
    if Action.START in allowed or Action.REASSIGN in allowed:
        handlers = selectors.handler_options(appeal=appeal, actor=request.user)
    context = {
        "appeal": appeal,
        "late": selectors.is_late(appeal),
        "timeline": [
            (event, ACTION_LABELS.get(event.action, event.action)) for event in selectors.appeal_timeline(appeal)
        ],
        "handlers": handlers,
    }
    failed = extra.pop("failed", {})
    # Each move's form, with what was typed and the errors when it was the one that failed.
    context["moves"] = [
        {
            "action": action,
            "errors": failed["errors"] if failed.get("action") == action else {},
            "data": failed["data"] if failed.get("action") == action else {},
        }
        for action in allowed
    ]
    context.update(extra)
    return context


def _render_detail(request: HttpRequest, appeal: Appeal, status: int = 200, **extra) -> HttpResponse:
    return render(request, "evaluations/appeals/detail.html", _detail_context(request, appeal, **extra), status=status)


@staff_required
@never_cache
@require_GET
def appeal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _get_appeal(request, reference))


@staff_required
@require_POST
def appeal_move(request: HttpRequest, reference: str) -> HttpResponse:
    """One move from the appeal page, carrying the version the user saw."""
    appeal = _get_appeal(request, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容不完整，请刷新页面后重试。"))
        return _render_detail(request, appeal, status=400)
    data = form.cleaned_data
    try:
        handler = selectors.handler_by_username(appeal=appeal, actor=request.user, username=data["handler"])
        appeal = services.appeal_transition(
            appeal=appeal,
            actor=request.user,
            action=data["action"],
            handler=handler,
            note=data["note"],
            resolution=data["resolution"],
            version=data["version"],
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"action": exc.messages}
        messages.error(request, _("未能执行“%(action)s”，请按提示修改。") % {"action": ACTION_LABELS[data["action"]]})
        failed = {"action": data["action"], "errors": errors, "data": request.POST}
        return _render_detail(request, appeal, status=400, failed=failed)
    except (PermissionDenied, Conflict) as exc:
        fresh = _get_appeal(request, reference)
        messages.error(request, exc.message if isinstance(exc, Conflict) else str(exc))
        if isinstance(exc, Conflict):
            messages.info(request, _("下面是该诉求现在的状态，没有做任何改动。"))
        return _render_detail(request, fresh, status=409 if isinstance(exc, Conflict) else 403)
    messages.success(
        request,
        _("%(reference)s：%(action)s完成，当前状态：%(status)s。")
        % {
            "reference": appeal.reference,
            "action": ACTION_LABELS[data["action"]],
            "status": appeal.get_status_display(),
        },
    )
    return redirect("evaluations:appeal_detail", reference=appeal.reference)


urlpatterns = [
    # the citizens' pages
    path("appeals/", appeal_new, name="appeal_new"),
    path("appeals/done/", appeal_done, name="appeal_done"),
    path("appeals/progress/", appeal_progress, name="appeal_progress"),
    # the staff's pages
    path("evaluations/appeals/", appeal_list, name="appeal_list"),
    path("evaluations/appeals/new/", appeal_create, name="appeal_create"),
    path("evaluations/appeals/<str:reference>/", appeal_detail, name="appeal_detail"),
    path("evaluations/appeals/<str:reference>/move/", appeal_move, name="appeal_move"),
]
