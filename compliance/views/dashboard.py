"""The monthly compliance dashboard (月考核): a unit's, a window's or an officer's figures for a month, the
level below, rankings, flagged windows and the twelve-month trend; and the rows behind any figure.

Thin: what the page is about and every figure come from :mod:`compliance.selectors.dashboard`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from compliance.figures import FIGURES, next_month, previous_month
from compliance.permissions import NOT_A_SUPERVISOR, may_view
from compliance.selectors import dashboard as selectors
from windows.views import staff_required

ROWS_PAGE_SIZE = 50


def _scope(request: HttpRequest) -> tuple[selectors.Scope, str]:
    """The scope the query parameters name (404 outside the user's), and the month's error if any."""
    if not may_view(request.user):
        raise PermissionDenied(NOT_A_SUPERVISOR)
    month, month_error = selectors.parse_month(request.GET.get("month"))
    scope = selectors.scope_get(
        request.user,
        month=month,
        unit=request.GET.get("unit"),
        window=request.GET.get("window"),
        officer=request.GET.get("officer"),
    )
    return scope, month_error


def _month_links(scope: selectors.Scope) -> dict:
    current = selectors.current_month()
    later = next_month(scope.month)
    return {
        "previous_query": scope.query_for(month=previous_month(scope.month)),
        "next_query": scope.query_for(month=later) if later <= current else "",
        "current_query": scope.query_for(month=current) if scope.month != current else "",
        "max_month": selectors.month_value(current),
    }


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope, month_error = _scope(request)
    view = selectors.month_view(scope)
    trend = selectors.trend_data(scope)
    flags = selectors.coverage_flags(scope)
    receptions = selectors.receptions(scope)
    context = {
        "scope": scope,
        "view": view,
        "month_error": month_error,
        "breadcrumbs": selectors.breadcrumbs(request.user, scope),
        "headline": selectors.headline(view.totals),
        "cards": selectors.figure_cards(view.totals, scope),
        "flags": flags,
        "flagged_ids": {flag.window.pk for flag in flags},
        "receptions": receptions,
        "short_leaders": selectors.leaders_short(receptions),
        "stations": selectors.excerpt(view.stations),
        "officers": selectors.excerpt(view.officers),
        "trend": trend,
        "trend_rows": selectors.trend_table(trend),
        "is_current_month": scope.month == selectors.current_month(),
        **_month_links(scope),
    }
    return render(request, "compliance/dashboard/index.html", context, status=400 if month_error else 200)


@staff_required
@never_cache  # case numbers and citizens' appeals: not kept in the browser's cache of a shared PC
@require_GET
def figure_rows(request: HttpRequest) -> HttpResponse:
    key = request.GET.get("figure", "")
    source = selectors.figure_source(key)  # 404 for an unknown figure
    scope, month_error = _scope(request)
    rows = selectors.drill_rows(key, scope)
    page = Paginator(rows, ROWS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "scope": scope,
        "figure": FIGURES[key],
        "kind": selectors.SOURCE_KIND[source],
        "page": page,
        "query_string": urlencode({"figure": key, **scope.params()}),
        "month_error": month_error,
        "breadcrumbs": selectors.breadcrumbs(request.user, scope),
    }
    return render(request, "compliance/dashboard/rows.html", context, status=400 if month_error else 200)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("rows/", figure_rows, name="figure_rows"),
]
