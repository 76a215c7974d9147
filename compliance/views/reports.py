"""The reports page: the frozen monthly bulletins (月考核、月通报) and the 9/19/29 registers of unresolved
appeals (群众诉求未结事项登记表), each as a page of the rows within the user's scope and as Excel and PDF
downloads of exactly those rows. Supervisors only; a city-level supervisor may rebuild a bulletin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from compliance import exports
from compliance.forms.reports import ReportRebuildForm
from compliance.models import MonthlyReport, ReportRowKind
from compliance.permissions import supervisors_only
from compliance.selectors import reports as selectors
from compliance.services import reports as services
from windows.access import scope_root
from windows.forms import add_service_errors


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = exports.attachment(filename)
    return response


# --- the list ------------------------------------------------------------------------------------------


@supervisors_only
@never_cache
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    context = {
        "unit": scope_root(request.user),
        "reports": selectors.report_list(),
        "registers": selectors.register_list(request.user),
    }
    return render(request, "compliance/reports/index.html", context)


# --- a bulletin ----------------------------------------------------------------------------------------


def _report_context(request: HttpRequest, report: MonthlyReport, kind: str, form=None) -> dict:
    counts = dict(selectors.report_rows(request.user, report).values_list("kind").annotate(n=Count("pk")).order_by())
    may_rebuild = services.report_may_rebuild(request.user)
    return {
        "unit": scope_root(request.user),
        "report": report,
        "title": exports.report_title(report),
        "kind": kind,
        "tabs": [(k, selectors.KIND_TITLES[k], counts.get(k, 0)) for k in ReportRowKind.values],
        "columns": selectors.MAIN_COLUMNS,
        "table": selectors.report_tables(request.user, report, selectors.MAIN_COLUMNS, kinds=[kind])[0],
        "may_rebuild": may_rebuild,
        "form": form if form is not None else (ReportRebuildForm() if may_rebuild else None),
    }


@supervisors_only
@never_cache
@require_GET
def report_detail(request: HttpRequest, month: str) -> HttpResponse:
    report = selectors.report_get(selectors.parse_month(month))
    kind = request.GET.get("kind")
    if kind not in ReportRowKind.values:
        kind = ReportRowKind.UNIT
    return render(request, "compliance/reports/report.html", _report_context(request, report, kind))


@supervisors_only
@require_POST
def report_rebuild(request: HttpRequest, month: str) -> HttpResponse:
    report = selectors.report_get(selectors.parse_month(month))
    if not services.report_may_rebuild(request.user):
        raise PermissionDenied(_(services.REBUILD_NOT_ALLOWED))
    form = ReportRebuildForm(request.POST)
    if form.is_valid():
        try:
            report = services.report_rebuild(month=report.month, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(title)s已重新生成，当前为第 %(version)s 版。")
                % {"title": exports.report_title(report), "version": report.version},
            )
            return redirect("compliance:report_detail", month=f"{report.month:%Y-%m}")
    context = _report_context(request, report, ReportRowKind.UNIT, form=form)
    return render(request, "compliance/reports/report.html", context, status=400)


def _report_tables(request: HttpRequest, month: str, columns):
    report = selectors.report_get(selectors.parse_month(month))
    return report, scope_root(request.user), selectors.report_tables(request.user, report, columns)


@supervisors_only
@never_cache
@require_GET
def report_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    """Every column, each a spreadsheet column."""
    report, unit, tables = _report_tables(request, month, selectors.ALL_COLUMNS)
    content = exports.report_workbook(report, unit, tables)
    return _download(content, exports.XLSX_TYPE, exports.report_filename(report, unit, "xlsx"))


@supervisors_only
@never_cache
@require_GET
def report_pdf(request: HttpRequest, month: str) -> HttpResponse:
    """The main columns only: what fits a printed page."""
    report, unit, tables = _report_tables(request, month, selectors.MAIN_COLUMNS)
    content = exports.report_pdf(report, unit, tables, request=request)
    return _download(content, exports.PDF_TYPE, exports.report_filename(report, unit, "pdf"))


# --- a register ----------------------------------------------------------------------------------------


@supervisors_only
@never_cache  # names (masked) and citizens' words: no copy in a shared PC's cache
@require_GET
def register_detail(request: HttpRequest, day: str) -> HttpResponse:
    register = selectors.register_get(selectors.parse_day(day))
    context = {
        "unit": scope_root(request.user),
        "register": register,
        "title": _(exports.REGISTER_TITLE),
        "subtitle": exports.register_subtitle(register),
        "columns": selectors.REGISTER_COLUMNS,
        "rows": selectors.register_table(request.user, register),
    }
    return render(request, "compliance/reports/register.html", context)


def _register_rows(request: HttpRequest, day: str):
    register = selectors.register_get(selectors.parse_day(day))
    return register, scope_root(request.user), list(selectors.register_rows(request.user, register))


@supervisors_only
@never_cache
@require_GET
def register_xlsx(request: HttpRequest, day: str) -> HttpResponse:
    register, unit, rows = _register_rows(request, day)
    content = exports.register_workbook(register, unit, rows)
    return _download(content, exports.XLSX_TYPE, exports.register_filename(register, unit, "xlsx"))


@supervisors_only
@never_cache
@require_GET
def register_pdf(request: HttpRequest, day: str) -> HttpResponse:
    register, unit, rows = _register_rows(request, day)
    content = exports.register_pdf(register, unit, rows, request=request)
    return _download(content, exports.PDF_TYPE, exports.register_filename(register, unit, "pdf"))


MONTH = r"(?P<month>\d{4}-\d{2})"
DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"

urlpatterns = [
    re_path(r"^reports/$", reports, name="reports"),
    re_path(rf"^reports/{MONTH}/$", report_detail, name="report_detail"),
    re_path(rf"^reports/{MONTH}/rebuild/$", report_rebuild, name="report_rebuild"),
    re_path(rf"^reports/{MONTH}/xlsx/$", report_xlsx, name="report_xlsx"),
    re_path(rf"^reports/{MONTH}/pdf/$", report_pdf, name="report_pdf"),
    re_path(rf"^registers/{DAY}/$", register_detail, name="register_detail"),
    re_path(rf"^registers/{DAY}/xlsx/$", register_xlsx, name="register_xlsx"),
    re_path(rf"^registers/{DAY}/pdf/$", register_pdf, name="register_pdf"),
]
