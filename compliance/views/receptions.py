"""The 三长接待 page: the month's leaders in the user's scope against their quotas, the month's stints,
the form that records one (htmx swaps the figures and the list in place; without htmx, POST-redirect-GET),
the leaders and, for the city, the quotas. Thin: every write is one service call, every read a selector."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance.figures import month_start
from compliance.forms.receptions import LeaderForm, QuotaForm, ReceptionForm
from compliance.permissions import supervisors_only
from compliance.selectors import receptions as selectors
from compliance.services import receptions as services
from compliance.views.months import asked_month, month_context, month_url, parse_month
from windows.access import scope_root
from windows.forms import add_service_errors

TEMPLATE = "compliance/receptions/page.html"
PAGE_SIZE = 100


def page_url(month: date) -> str:
    return month_url(reverse("compliance:receptions"), month)


def _current_month() -> date:
    return month_start(timezone.localdate())


def _posted_month(request: HttpRequest) -> date:
    return parse_month(request.POST.get("month")) or _current_month()


def _work_context(request: HttpRequest, month: date) -> dict:
    """What the htmx part of the page shows: the figures, the form's choices and the month's stints."""
    root = scope_root(request.user)
    records = selectors.records_in_month(request.user, month)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page.object_list:
        record.may_delete = services.may_delete(request.user, record)
    return {"root": root, "summary": selectors.reception_summary(root, month), "page": page}


def _page_context(request: HttpRequest, month: date, **extra) -> dict:
    lines = selectors.quota_lines()
    context = {
        **month_context(month, last=_current_month()),
        "quota_lines": lines,
        "may_set_quotas": services.may_set_quotas(request.user),
        "leaders": selectors.leaders_for_user(request.user),
        "form": ReceptionForm(user=request.user),
        "leader_form": LeaderForm(user=request.user),
        **_work_context(request, month),
    }
    if context["may_set_quotas"]:
        context["quota_form"] = QuotaForm(lines=lines)
    context.update(extra)
    return context


@supervisors_only
@require_GET
def reception_page(request: HttpRequest) -> HttpResponse:
    month, month_error = asked_month(request, _current_month())
    context = _page_context(request, month, month_error=month_error)
    return render(request, TEMPLATE, context, status=400 if month_error else 200)


@supervisors_only
@require_POST
def reception_create(request: HttpRequest) -> HttpResponse:
    """Record a stint. htmx: the figures, the form and the list again (a fresh form after a save, the
    errors on it otherwise); without htmx: back to the month of the stint, or the page with the errors."""
    form = ReceptionForm(request.POST, user=request.user)
    month = _posted_month(request)
    record = None
    if form.is_valid():
        try:
            record = services.reception_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    if record is not None:
        text = _("已登记%(name)s %(date)s的接待（%(part)s）。") % {
            "name": record.leader.name,
            "date": record.date.strftime("%Y-%m-%d"),
            "part": record.get_part_display(),
        }
        shown, month = month, month_start(record.date)
        if not request.htmx:
            messages.success(request, text)
            return redirect(page_url(month))
        if month != shown:  # a stint of another month than the one on screen: open that month
            messages.success(request, text)
            return HttpResponse(status=204, headers={"HX-Redirect": page_url(month)})
        context = {**_page_context(request, month), "saved": text, "focus_form": True}
        return render(request, f"{TEMPLATE}#work", context)
    template = f"{TEMPLATE}#work" if request.htmx else TEMPLATE
    return render(request, template, _page_context(request, month, form=form), status=400)


@supervisors_only
@require_POST
def reception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_user(request.user, pk)
    month = month_start(record.date)
    try:
        services.reception_delete(actor=request.user, record=record)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已删除%(name)s %(date)s的接待记录。") % {
            "name": record.leader.name, "date": record.date.strftime("%Y-%m-%d")})  # fmt: skip
    return redirect(page_url(month))


@supervisors_only
@require_POST
def leader_create(request: HttpRequest) -> HttpResponse:
    form = LeaderForm(request.POST, user=request.user)
    month = _posted_month(request)
    if form.is_valid():
        try:
            leader = services.leader_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已添加接待领导%(name)s。") % {"name": leader.name})
            return redirect(page_url(month))
    return render(request, TEMPLATE, _page_context(request, month, leader_form=form, leader_form_open=True),
                  status=400)  # fmt: skip


@supervisors_only
@require_POST
def leader_active(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader leaves office (kept with their records, no longer counted) or returns to it."""
    leader = selectors.leader_get_for_user(request.user, pk)
    month = _posted_month(request)
    active = request.POST.get("active") == "1"
    try:
        services.leader_update(actor=request.user, leader=leader, active=active)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        done = _("已将%(name)s设为在任。") if active else _("已将%(name)s设为离任。")
        messages.success(request, done % {"name": leader.name})
    return redirect(page_url(month))


@supervisors_only
@require_POST
def quotas_update(request: HttpRequest) -> HttpResponse:
    if not services.may_set_quotas(request.user):
        raise PermissionDenied(services.QUOTA_NOT_ALLOWED)
    month = _posted_month(request)
    form = QuotaForm(request.POST, lines=selectors.quota_lines())
    if form.is_valid():
        try:
            services.quotas_set(actor=request.user, days_by_role=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("三长接待定额已保存。"))
            return redirect(page_url(month))
    return render(request, TEMPLATE, _page_context(request, month, quota_form=form), status=400)


urlpatterns = [
    path("receptions/", reception_page, name="receptions"),
    path("receptions/records/", reception_create, name="reception_create"),
    path("receptions/records/<int:pk>/delete/", reception_delete, name="reception_delete"),
    path("receptions/leaders/", leader_create, name="leader_create"),
    path("receptions/leaders/<int:pk>/active/", leader_active, name="leader_active"),
    path("receptions/quotas/", quotas_update, name="reception_quotas"),
]
