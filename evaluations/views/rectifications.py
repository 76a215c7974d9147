"""The supervisors' pages of bad-review rectification (差评整改) and the appeal review (申诉复核): the
list, the rectification page with the form of each next step, and the workbench panel. Thin: every
write is one service call, every read a selector; who may do what is asked of the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from evaluations.models import Level, Rectification, RectificationStatus, ReviewGround, ReviewOutcome
from evaluations.selectors import rectifications as selectors
from evaluations.services import rectifications as services
from notices.phones import mask_phone
from windows.errors import Conflict
from windows.forms import add_service_errors
from windows.views import staff_required
from windows.workdays import working_days_between

PAGE_SIZE = 25
TIME_FORMAT = "%Y-%m-%dT%H:%M"


# --- forms: the shape of the input; what it must hold is the service's word ----------------------


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=TIME_FORMAT)


class _VersionedForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ContactForm(_VersionedForm):
    contacted_at = forms.DateTimeField(label=gettext_lazy("联系时间"), required=False, widget=LocalDateTimeInput)
    contact_note = forms.CharField(label=gettext_lazy("核实情况"), required=False, widget=forms.Textarea)


class CloseForm(_VersionedForm):
    finding = forms.CharField(label=gettext_lazy("查明情况"), required=False, widget=forms.Textarea)
    action_taken = forms.CharField(label=gettext_lazy("整改措施"), required=False, widget=forms.Textarea)
    callback_level = forms.TypedChoiceField(
        label=gettext_lazy("回访满意度"),
        choices=[("", "—"), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    callback_at = forms.DateTimeField(label=gettext_lazy("回访时间"), required=False, widget=LocalDateTimeInput)


class ReassignForm(_VersionedForm):
    assignee = forms.IntegerField(label=gettext_lazy("改派给"), required=False)


class ReviewRequestForm(forms.Form):
    ground = forms.ChoiceField(
        label=gettext_lazy("申诉理由类别"), choices=[("", "—"), *ReviewGround.choices], required=False
    )
    reason = forms.CharField(label=gettext_lazy("申诉理由"), required=False, widget=forms.Textarea)


class ReviewDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("复核结果"),
        choices=[("", "—"), *((o.value, o.label) for o in services.DECISION_OUTCOMES)],
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("复核意见"), required=False, widget=forms.Textarea)


FORMS = {
    "contact": ContactForm,
    "close": CloseForm,
    "reassign": ReassignForm,
    "review": ReviewRequestForm,
    "decision": ReviewDecisionForm,
}


# --- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A limit as the page shows it: the date, whether it still runs, and the working days left
    (negative: working days late)."""

    label: str
    due_on: date
    running: bool
    days_left: int
    flagged_on: date | None

    @property
    def late(self) -> bool:
        return self.running and self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left


def deadline(label: str, due_on: date, running: bool, today: date, flagged_on: date | None = None) -> Deadline:
    days = working_days_between(today, due_on) if due_on >= today else -working_days_between(due_on, today)
    if due_on < today and days == 0:
        days = -1  # passed over days off only: late all the same
    return Deadline(label, due_on, running, days, flagged_on)


def _get(request: HttpRequest, pk: int) -> Rectification:
    try:
        return selectors.rectification_get(user=request.user, pk=pk)
    except Rectification.DoesNotExist:
        raise Http404 from None


def _context(request: HttpRequest, rectification: Rectification, bound: dict | None = None) -> dict:
    user = request.user
    evaluation = rectification.evaluation
    review = getattr(evaluation, "review", None)
    allowed = services.rectification_allowed_actions(user, rectification)
    may_act = services.rectification_may_act(user, rectification)
    today = timezone.localdate()
    now = timezone.localtime().strftime(TIME_FORMAT)
    version = {"version": rectification.version}
    candidates = list(services.reassign_candidates(rectification)) if "reassign" in allowed else []
    shown = {
        "contact": "contact" in allowed,
        "close": "close" in allowed,
        "reassign": len(candidates) > 1 or (candidates and candidates[0].user_id != rectification.assignee_id),
        "review": review is None and services.review_may_request(user, evaluation),
        "decision": (
            review is not None and review.outcome == ReviewOutcome.PENDING and services.review_may_decide(user, review)
        ),
    }
    initial = {
        "contact": {**version, "contacted_at": now},
        "close": {**version, "callback_at": now},
        "reassign": {**version, "assignee": rectification.assignee_id},
        "review": {},
        "decision": {},
    }
    bound = bound or {}
    forms_shown = {key: bound.get(key) or FORMS[key](initial=initial[key]) for key, visible in shown.items() if visible}
    return {
        "rectification": rectification,
        "evaluation": evaluation,
        "case": evaluation.case,
        "review": review,
        "may_act": may_act,
        "contact_phone": (evaluation.contact_phone if may_act else mask_phone(evaluation.contact_phone)),
        "deadlines": [
            deadline(
                _("核实联系期限"),
                rectification.contact_due_on,
                rectification.status == RectificationStatus.OPEN,
                today,
                rectification.contact_late_on,
            ),
            deadline(
                _("整改期限"),
                rectification.rectify_due_on,
                rectification.is_open,
                today,
                rectification.rectify_late_on,
            ),
        ],
        "timeline": selectors.rectification_timeline(rectification),
        "forms": forms_shown,
        "candidates": candidates,
        "levels": Level.choices,
        "needs_callback": bool(evaluation.contact_phone),
    }


def _render(request: HttpRequest, rectification: Rectification, status: int = 200, **bound) -> HttpResponse:
    return render(
        request, "evaluations/rectifications/detail.html", _context(request, rectification, bound), status=status
    )


@staff_required
@never_cache  # the citizen's phone: not kept in the browser's cache of a shared PC
@require_GET
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _get(request, pk))


def _submit(request: HttpRequest, pk: int, key: str, run: Callable[[Rectification, dict], str]) -> HttpResponse:
    """One step from the page: the form's shape checked, one service call, then back to the page
    (POST-redirect-GET); refused input is shown on the step's form, a refused move at the top."""
    rectification = _get(request, pk)
    form = FORMS[key](request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请按提示修改。"))
        return _render(request, rectification, **{key: form})
    try:
        done = run(rectification, form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        messages.error(request, _("未能保存，请按提示补充。"))
        return _render(request, rectification, **{key: form})
    except Conflict as exc:
        messages.error(request, exc.message)
        messages.info(request, _("下面是现在的情况，没有做任何改动。"))
        return _render(request, _get(request, pk), status=409)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _render(request, rectification, status=403)
    messages.success(request, done)
    return redirect("evaluations:rectification_detail", pk=pk)


@staff_required
@require_POST
def rectification_contact(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rectification, data):
        services.rectification_contact(
            rectification=rectification,
            actor=request.user,
            contact_note=data["contact_note"],
            contacted_at=data["contacted_at"],
            version=data["version"],
        )
        return _("已记录核实联系情况，请在整改期限内整改并回访。")

    return _submit(request, pk, "contact", run)


@staff_required
@require_POST
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rectification, data):
        services.rectification_close(
            rectification=rectification,
            actor=request.user,
            finding=data["finding"],
            action_taken=data["action_taken"],
            callback_level=data["callback_level"],
            callback_at=data["callback_at"],
            version=data["version"],
        )
        return _("差评整改已办结。")

    return _submit(request, pk, "close", run)


@staff_required
@require_POST
def rectification_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rectification, data):
        services.rectification_reassign(
            rectification=rectification, actor=request.user, assignee=data["assignee"], version=data["version"]
        )
        return _("已改派。")

    return _submit(request, pk, "reassign", run)


@staff_required
@require_POST
def rectification_review_request(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rectification, data):
        services.rating_review_request(
            evaluation=rectification.evaluation, actor=request.user, ground=data["ground"], reason=data["reason"]
        )
        return _("已提出申诉复核，等待上级户政管理人员决定。评价本身保持不变。")

    return _submit(request, pk, "review", run)


@staff_required
@require_POST
def rectification_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rectification, data):
        review = getattr(rectification.evaluation, "review", None)
        if review is None:
            raise Conflict(services.NO_REVIEW)
        services.rating_review_decide(review=review, actor=request.user, outcome=data["outcome"], note=data["note"])
        return _("已作出复核决定。")

    return _submit(request, pk, "decision", run)


# --- the list -------------------------------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    rectifications = selectors.rectification_list(user=request.user)
    filterset = selectors.RectificationFilter(request.GET or None, queryset=rectifications)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query_string": params.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "today": timezone.localdate(),
        "statuses": RectificationStatus.choices,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "evaluations/rectifications/list.html#results", context)
    return render(request, "evaluations/rectifications/list.html", context)


# --- the workbench panel --------------------------------------------------------------------------


@staff_required
@require_GET
def workbench_rectifications(request: HttpRequest) -> HttpResponse:
    """The 工作台's part for supervisors: late rectifications and those due today. Nothing at all for
    a user who has none (the panel then disappears)."""
    today = timezone.localdate()
    rows = selectors.rectification_attention(user=request.user, today=today)
    if not rows["late"] and not rows["due_today"]:
        return HttpResponse("")
    context = {"late": rows["late"], "due_today": rows["due_today"], "today": today}
    return render(request, "evaluations/rectifications/workbench_panel.html", context)


urlpatterns = [
    path("evaluations/rectifications/", rectification_list, name="rectification_list"),
    path("evaluations/rectifications/panel/", workbench_rectifications, name="workbench_rectifications"),
    path("evaluations/rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path("evaluations/rectifications/<int:pk>/contact/", rectification_contact, name="rectification_contact"),
    path("evaluations/rectifications/<int:pk>/close/", rectification_close, name="rectification_close"),
    path("evaluations/rectifications/<int:pk>/reassign/", rectification_reassign, name="rectification_reassign"),
    path("evaluations/rectifications/<int:pk>/review/", rectification_review_request, name="rectification_review"),
    path(
        "evaluations/rectifications/<int:pk>/review/decision/",
        rectification_review_decide,
        name="rectification_review_decision",
    ),
]
