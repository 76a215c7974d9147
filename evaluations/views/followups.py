"""The follow-up calls page (回访): a station's monthly call list with its progress, the inline form
that records a call, and, for supervisors, building the list and setting the station's rule. Thin:
every write is one service call, every read a selector."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
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
from django.views.decorators.http import require_GET, require_POST

from evaluations.models import CallListEntry, FollowUpRule, Level
from evaluations.selectors import followups as selectors
from evaluations.services import followups as services
from windows.access import staff_of
from windows.errors import Conflict
from windows.forms import add_service_errors
from windows.models import Unit
from windows.views import staff_required

PAGE_SIZE = 100
TEMPLATE = "evaluations/followups/list.html"


# --- forms -----------------------------------------------------------------------------------------


class CallForm(forms.Form):
    """One call, from the row's inline form. The satisfaction select is hidden while 未接通 is picked;
    a value left in it then is dropped rather than refused."""

    reached = forms.TypedChoiceField(
        label=gettext_lazy("是否接通"),
        choices=[("yes", gettext_lazy("已接通")), ("no", gettext_lazy("未接通"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": services.REACHED_REQUIRED},
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("满意度"),
        choices=[("", gettext_lazy("请选择")), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label=gettext_lazy("回访记录"), required=False, max_length=services.NOTES_MAX_LENGTH, strip=True
    )

    def clean(self):
        data = super().clean()
        if data.get("reached") is False:
            data["level"] = None
        return data


class PolicyForm(forms.Form):
    rule = forms.ChoiceField(label=gettext_lazy("回访规则"), choices=FollowUpRule.choices, widget=forms.RadioSelect)
    per_officer = forms.IntegerField(
        label=gettext_lazy("每名民警每月回访户数"), min_value=1, max_value=services.PER_OFFICER_MAX, required=False
    )


# --- what the page is about: a station and a month -------------------------------------------------


def _station(request: HttpRequest, stations: list[Unit], value: str | None) -> Unit | None:
    """The station asked for (by id), which must be one the user may see (404 otherwise); without
    one, the user's own station, or the first of their bureau's."""
    if value:
        try:
            pk = int(value)
        except ValueError:
            raise Http404 from None
        found = next((s for s in stations if s.pk == pk), None)
        if found is None:
            raise Http404
        return found
    staff = staff_of(request.user)
    own = next((s for s in stations if s.pk == staff.unit_id), None)
    return own or (stations[0] if stations else None)


def _list_url(station: Unit | None, month: date) -> str:
    params = {"month": month.strftime(services.MONTH_FORMAT)}
    if station is not None:
        params = {"station": station.pk, **params}
    return f"{reverse('evaluations:follow_up_list')}?{urlencode(params)}"


def _page_context(request: HttpRequest, station: Unit | None, month: date, **extra) -> dict:
    stations = extra.pop("stations", None)
    if stations is None:
        stations = list(selectors.follow_up_stations(user=request.user))
    call_list = selectors.call_list_get(user=request.user, station=station, month=month) if station else None
    context = {
        "stations": stations,
        "station": station,
        "month": month,
        "month_value": month.strftime(services.MONTH_FORMAT),
        "previous_month": services.previous_month(month).strftime(services.MONTH_FORMAT),
        "next_month": services.next_month(month).strftime(services.MONTH_FORMAT),
        "is_current_month": month == services.month_start(timezone.localdate()),
        "call_list": call_list,
        "may_supervise": station is not None and services.may_supervise(request.user, station),
        "may_call": station is not None and services.may_call(request.user, station),
        "page": None,
        "query_string": "",
        "month_error": "",
        "levels": Level.choices,
    }
    if call_list is not None:
        entries = selectors.call_list_entries(user=request.user, call_list=call_list)
        context["page"] = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        context["query_string"] = urlencode({"station": station.pk, "month": context["month_value"]})
        context.update(_progress_context(call_list))
    if context["may_supervise"]:
        policy = services.follow_up_policy_of(station)
        context["policy"] = policy
        context.setdefault("policy_form", PolicyForm(initial={"rule": policy.rule, "per_officer": policy.per_officer}))
    context.update(extra)
    return context


def _progress_context(call_list) -> dict:
    return {
        "progress": selectors.call_list_progress(call_list=call_list),
        "officer_lines": selectors.call_list_officer_lines(call_list=call_list),
    }


# --- pages -----------------------------------------------------------------------------------------


@staff_required
@never_cache  # phone numbers: not kept in the browser's cache of a shared counter PC
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    stations = list(selectors.follow_up_stations(user=request.user))
    station = _station(request, stations, request.GET.get("station"))
    month, month_error = services.month_start(timezone.localdate()), ""
    if request.GET.get("month"):
        asked = services.month_or_none(request.GET["month"])
        if asked is None:
            month_error = services.MONTH_INVALID
        else:
            month = asked
    context = _page_context(request, station, month, stations=stations, month_error=month_error)
    return render(request, TEMPLATE, context, status=400 if month_error else 200)


def _posted_station_and_month(request: HttpRequest) -> tuple[Unit, date]:
    stations = list(selectors.follow_up_stations(user=request.user))
    station = _station(request, stations, request.POST.get("station") or "0")
    month = services.month_or_none(request.POST.get("month", ""))
    if month is None:
        raise Http404
    return station, month


@staff_required
@require_POST
def follow_up_build(request: HttpRequest) -> HttpResponse:
    """Build or refresh the list of a month (supervisors)."""
    station, month = _posted_station_and_month(request)
    try:
        call_list = services.call_list_build(station=station, month=month, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        count = call_list.entries.count()
        messages.success(
            request,
            _("已更新%(station)s %(month)s的回访名单，共 %(count)s 户。")
            % {"station": station.name, "month": month.strftime("%Y-%m"), "count": count},
        )
    return redirect(_list_url(station, month))


@staff_required
@require_POST
def follow_up_policy(request: HttpRequest) -> HttpResponse:
    """Set the station's rule (supervisors); the month's list follows it when next built."""
    station, month = _posted_station_and_month(request)
    if not services.may_supervise(request.user, station):
        raise PermissionDenied(services.POLICY_NOT_ALLOWED)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_policy_set(
                actor=request.user,
                station=station,
                rule=form.cleaned_data["rule"],
                per_officer=form.cleaned_data["per_officer"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("回访规则已保存，重新生成名单后生效。"))
            return redirect(_list_url(station, month))
    return render(request, TEMPLATE, _page_context(request, station, month, policy_form=form), status=400)


def _row(request: HttpRequest, entry: CallListEntry, form: CallForm | None = None, error: str = "", status=200):
    """The entry's rows again, and after a call the progress, swapped in out of band."""
    entry = selectors.entry_get(user=request.user, pk=entry.pk)
    context = {
        "entry": entry,
        "form": form,
        "row_error": error,
        "may_call": services.may_call(request.user, entry.call_list.station),
        "levels": Level.choices,
        "oob": True,
    }
    if status == 200:
        context.update(_progress_context(entry.call_list))
        return render(request, f"{TEMPLATE}#call_saved", context)
    return render(request, f"{TEMPLATE}#entry", context, status=status)


@staff_required
@require_POST
def follow_up_call(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a call from the row's inline form: for htmx the row again (and the progress), otherwise
    back to the list."""
    try:
        entry = selectors.entry_get(user=request.user, pk=pk)
    except CallListEntry.DoesNotExist:
        raise Http404 from None
    call_list = entry.call_list
    back = _list_url(call_list.station, call_list.month)
    form = CallForm(request.POST, prefix=f"e{entry.pk}")
    error, status = "", 400
    if form.is_valid():
        try:
            services.follow_up_record(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            error, status = str(exc), 403
        except Conflict as exc:
            error, status = exc.message, 409
        else:
            if request.htmx:
                return _row(request, entry)
            messages.success(request, _("已记录对%(name)s的回访。") % {"name": entry.case.applicant_name})
            return redirect(back)
    if not request.htmx:
        messages.error(request, error or _("回访未保存：%(errors)s") % {"errors": " ".join(_form_messages(form))})
        return redirect(back)
    if status == 409:  # the entry left the list: the row says so
        context = {"entry_pk": entry.pk, "row_error": error}
        return render(request, f"{TEMPLATE}#entry_gone", context, status=409)
    return _row(request, entry, form=form, error=error, status=status)


def _form_messages(form: forms.Form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]


urlpatterns = [
    path("evaluations/follow-ups/", follow_up_list, name="follow_up_list"),
    path("evaluations/follow-ups/build/", follow_up_build, name="follow_up_build"),
    path("evaluations/follow-ups/policy/", follow_up_policy, name="follow_up_policy"),
    path("evaluations/follow-ups/entries/<int:pk>/calls/", follow_up_call, name="follow_up_call"),
]
