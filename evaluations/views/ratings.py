"""Ratings pages: the citizens' rating link (/rate/<token>/, from the SMS or the status lookup) and
the staff's ratings list. Thin: the rating is one service call, every read a selector."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from evaluations.filters import EvaluationFilter
from evaluations.models import BAD_LEVELS, COMMENT_MAX_LENGTH, Level, RatingChannel, Reason
from evaluations.selectors import ratings as selectors
from evaluations.services.ratings import (
    ALREADY_RATED,
    COMMENT_TOO_LONG,
    LEVEL_REQUIRED,
    REASONS_INVALID,
    evaluation_create_from_token,
    rating_token_make,
)
from hukou.services.status import status_proof_number
from hukou.views.guide import public_limit
from windows.errors import Conflict
from windows.views import staff_required

PAGE_SIZE = 50
PROOF_INVALID = "查询结果已过期，请重新查询办件后再评价。"


def rating_rate(group, request) -> str:
    return settings.RATELIMIT_RATING


# One budget of ratings per client address: this page's POST, the lookup's rating button and
# POST /api/public/ratings/.
rating_limit = ratelimit(group="evaluations.rating", key="ip", rate=rating_rate, method="POST", block=True)


class RatingForm(forms.Form):
    """The citizen's rating; the service checks it again by the same rules and messages."""

    level = forms.TypedChoiceField(
        label=gettext_lazy("满意程度"),
        choices=sorted(Level.choices, reverse=True),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": LEVEL_REQUIRED, "invalid_choice": LEVEL_REQUIRED},
    )
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("评价原因（可多选，选填）"),
        choices=Reason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": REASONS_INVALID},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见建议（选填）"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": COMMENT_TOO_LONG},
    )
    contact_phone = forms.CharField(label=gettext_lazy("其他联系电话（选填）"), required=False, max_length=20)


# --- the citizens' rating link ----------------------------------------------------------------------


def _link_problem(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A clear page for a link that cannot be used: expired (410) or not valid (404)."""
    expired = any(e.code == "expired" for e in error.error_dict.get("token", []))
    context = {
        "expired": expired,
        "message": _(error.message_dict["token"][0]),
        "days": settings.EVALUATIONS_RATING_TOKEN_DAYS,
    }
    return render(request, "evaluations/ratings/link_problem.html", context, status=410 if expired else 404)


def _already_rated(request: HttpRequest, status: int = 200) -> HttpResponse:
    return render(request, "evaluations/ratings/already_rated.html", {"message": _(ALREADY_RATED)}, status=status)


@login_not_required
@never_cache
@public_limit
@rating_limit
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what is rated and the form. POST: the rating (then the thank-you page), or the form again
    with its errors."""
    try:
        target = selectors.rating_target_get(token=token)
    except ValidationError as exc:
        return _link_problem(request, exc)
    if target.rated:
        return _already_rated(request)

    form = RatingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation_create_from_token(
                    token=token,
                    level=data["level"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                    contact_phone=data["contact_phone"],
                )
            except ValidationError as exc:
                if "token" in exc.error_dict:
                    return _link_problem(request, exc)
                form.add_error(None, exc)
            except Conflict:
                return _already_rated(request, status=409)
            else:
                return redirect("evaluations:rate_thanks", token=token)
        status = 400
    context = {
        "token": token,
        "case": target.case,
        "form": form,
        "bad_levels": [int(level) for level in BAD_LEVELS],
        "sms": target.channel == RatingChannel.SMS,
    }
    return render(request, "evaluations/ratings/rate.html", context, status=status)


@login_not_required
@never_cache
@public_limit
@require_GET
def rate_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After the rating (POST-redirect-GET): thanks, and for a bad one that the station will call back."""
    try:
        target = selectors.rating_target_get(token=token)
    except ValidationError as exc:
        return _link_problem(request, exc)
    evaluation = selectors.evaluation_of_case(case=target.case)
    if evaluation is None:
        return redirect("evaluations:rate", token=token)
    return render(request, "evaluations/ratings/thanks.html", {"evaluation": evaluation, "case": target.case})


@login_not_required
@never_cache
@public_limit
@rating_limit
@require_POST
def rate_from_lookup(request: HttpRequest) -> HttpResponse:
    """The status lookup's "评价本次服务" button: its proof (the signed case number of a lookup that
    succeeded, at most 30 minutes old) opens the case's online rating link."""
    number = status_proof_number(request.POST.get("proof", ""))
    case = selectors.case_for_rating(number=number) if number else None
    if case is None:
        return render(request, "evaluations/ratings/link_problem.html", {"message": _(PROOF_INVALID)}, status=400)
    if selectors.evaluation_of_case(case=case) is not None:
        return _already_rated(request)
    return redirect("evaluations:rate", token=rating_token_make(case_id=case.pk, channel=RatingChannel.ONLINE))


# --- the staff's ratings list -------------------------------------------------------------------------


@staff_required
@never_cache  # citizens' comments: not kept in the browser's cache of a shared counter PC
@require_GET
def rating_list(request: HttpRequest) -> HttpResponse:
    evaluations = selectors.evaluation_list(user=request.user)
    filterset = EvaluationFilter(request.GET or None, queryset=evaluations, request=request)
    filtered = filterset.qs
    summary = selectors.evaluation_summary(filtered)
    paginator = Paginator(filtered, PAGE_SIZE)
    paginator.count = summary.total  # counted with the levels already
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "summary": summary,
        "query_string": params.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "levels": sorted(Level.choices, reverse=True),
        "channels": RatingChannel.choices,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "evaluations/ratings/list.html#results", context)
    return render(request, "evaluations/ratings/list.html", context)


urlpatterns = [
    path("rate/lookup/", rate_from_lookup, name="rate_from_lookup"),
    path("rate/<str:token>/", rate, name="rate"),
    path("rate/<str:token>/thanks/", rate_thanks, name="rate_thanks"),
    path("evaluations/ratings/", rating_list, name="rating_list"),
]
