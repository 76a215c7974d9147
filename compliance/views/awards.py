"""The 服务标兵 page: per station in the user's scope, a month's best-service star and two quality-service
stars with the suggestion and its reasons, and the form that confirms or changes each (htmx swaps the
station's card; without htmx, POST-redirect-GET). Supervisors may ask for an ended month's suggestions
again. Thin: every write is one service call, every read a selector."""

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

from compliance.figures import month_start, previous_month
from compliance.forms.awards import AwardConfirmForm
from compliance.models import Award
from compliance.permissions import supervisors_only
from compliance.selectors import awards as selectors
from compliance.selectors.dashboard import MONTH_INVALID, month_value
from compliance.services import awards as services
from compliance.views.months import asked_month, month_context, month_url, parse_month
from windows.access import scope_root
from windows.forms import add_service_errors

TEMPLATE = "compliance/awards/page.html"
STATIONS_PER_PAGE = 20


def page_url(month: date, page: int | str | None = None) -> str:
    params = {"page": page} if page and str(page) != "1" else {}
    return month_url(reverse("compliance:awards"), month, **params)


def _default_month() -> date:
    """The month just ended: awards are given for a whole month."""
    return previous_month(month_start(timezone.localdate()))


def _confirm_form(award: Award, data=None) -> AwardConfirmForm:
    initial = {"officer": award.officer_id or award.suggested_id, "note": award.note}
    return AwardConfirmForm(data, station=award.station, prefix=f"a{award.pk}", initial=initial)


def _with_forms(cards, bound: dict[int, AwardConfirmForm] | None = None):
    """Each slot of the cards gets its form: the one just posted (with its errors), or a fresh one."""
    bound = bound or {}
    for card in cards:
        for slot in card.slots:
            slot.form = None
            if slot.award is not None and card.may_confirm:
                slot.form = bound.get(slot.award.pk) or _confirm_form(slot.award)
    return cards


def _page_context(request: HttpRequest, month: date, *, bound=None, **extra) -> dict:
    last = _default_month()
    stations = selectors.award_stations(request.user)
    page = Paginator(stations, STATIONS_PER_PAGE).get_page(request.GET.get("page") or request.POST.get("page"))
    cards = selectors.station_awards(request.user, month, list(page.object_list))
    context = {
        **month_context(month, last=last),
        "root": scope_root(request.user),
        "max_month": month_value(last),
        "month_ended": month <= last,
        "may_suggest": services.may_suggest(request.user),
        "cards": _with_forms(cards, bound),
        "page": page,
        "page_number": page.number,
    }
    context.update(extra)
    return context


@supervisors_only
@require_GET
def award_page(request: HttpRequest) -> HttpResponse:
    month, month_error = asked_month(request, _default_month())
    context = _page_context(request, month, month_error=month_error)
    return render(request, TEMPLATE, context, status=400 if month_error else 200)


@supervisors_only
@require_POST
def award_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or change one slot. htmx: the station's card again; otherwise back to the page."""
    award = selectors.award_get_for_user(request.user, pk)
    form = _confirm_form(award, request.POST)
    saved = None
    if form.is_valid():
        try:
            saved = services.award_confirm(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    if saved is not None:
        text = _("已评定%(station)s%(kind)s：%(name)s。") % {
            "station": award.station.name,
            "kind": saved.get_kind_display(),
            "name": selectors.person_name(saved.officer),
        }
        if not request.htmx:
            messages.success(request, text)
            return redirect(page_url(award.month, request.POST.get("page")))
        card = _with_forms([selectors.station_awards_one(request.user, saved)])[0]
        return render(request, f"{TEMPLATE}#station", {"card": card, "saved": text, "month": award.month})
    if request.htmx:
        card = _with_forms([selectors.station_awards_one(request.user, award)], {award.pk: form})[0]
        return render(request, f"{TEMPLATE}#station", {"card": card, "month": award.month}, status=400)
    context = _page_context(request, award.month, bound={award.pk: form})
    return render(request, TEMPLATE, context, status=400)


@supervisors_only
@require_POST
def award_suggest(request: HttpRequest) -> HttpResponse:
    """Suggest an ended month's stars again for the stations in the user's scope (confirmed ones stay)."""
    month = parse_month(request.POST.get("month"))
    if month is None:
        messages.error(request, MONTH_INVALID)
        return redirect(page_url(_default_month()))
    try:
        written = services.awards_resuggest(actor=request.user, month=month)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已按%(year)s年%(month)s月的统计重新生成建议，更新 %(n)s 项；已评定的不变。") % {
            "year": month.year, "month": month.month, "n": written})  # fmt: skip
    return redirect(page_url(month))


urlpatterns = [
    path("awards/", award_page, name="awards"),
    path("awards/suggest/", award_suggest, name="awards_suggest"),
    path("awards/<int:pk>/confirm/", award_confirm, name="award_confirm"),
]
