"""The citizens' status lookup page (办件进度查询), opened from the home page or a receipt's QR code."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from hukou.forms import StatusLookupForm
from hukou.services import status as status_lookup
from hukou.views.guide import public_limit

TEMPLATE = "hukou/status_lookup.html"


def lookup_rate(group, request) -> str:
    return settings.RATELIMIT_STATUS_LOOKUP


# One budget of lookups per client address, shared by this page and POST /api/public/case-status/.
# It does not block by itself: both answer a 429 of their own (``over_lookup_limit``), the page with
# the form still there.
lookup_limit = ratelimit(group="hukou.status_lookup", key="ip", rate=lookup_rate, method="POST", block=False)


def over_lookup_limit(request: HttpRequest) -> bool:
    return request.method == "POST" and getattr(request, "limited", False)


@login_not_required
@never_cache
@public_limit
@lookup_limit
@require_http_methods(["GET", "POST"])
def case_status(request: HttpRequest) -> HttpResponse:
    """GET: the form, the number filled in from ``?number=`` (the QR code's link) and nothing else
    from the URL. POST: the answer, on this page, never in a URL; the factor typed is not echoed."""
    if request.method == "GET":
        try:
            number = status_lookup.normalise_number(request.GET.get("number", ""))
        except ValidationError:
            number = ""
        form = StatusLookupForm(initial={"number": number})
        return render(request, TEMPLATE, {"form": form, "number": number})

    form = StatusLookupForm(request.POST)
    context = {"form": form, "number": request.POST.get("number", "")[:60], "answered": False}
    status = 200
    if over_lookup_limit(request):
        context.update(answered=True, locked=True, message=_(status_lookup.TOO_MANY_LOOKUPS))
        form = StatusLookupForm(initial={"number": context["number"]})
        return render(request, TEMPLATE, {**context, "form": form}, status=429)
    if form.is_valid():
        context["number"] = form.cleaned_data["number"]
        context["answered"] = True
        try:
            context["result"] = status_lookup.case_status_lookup(**form.lookup_arguments())
        except status_lookup.TooManyFailures:
            context["message"] = _(status_lookup.TOO_MANY_FAILURES)
            context["locked"] = True
            status = 429
        else:
            if context["result"] is None:
                context["message"] = _(status_lookup.NOT_FOUND)
    return render(request, TEMPLATE, context, status=status)
