from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from hukou import selectors
from hukou.forms import SelfCheckForm
from hukou.models import Category, ServiceType
from hukou.services import checklist_decide
from hukou.services.checklist import requirements_of


def public_rate(group, request) -> str:
    return settings.RATELIMIT_PUBLIC


# One budget per client address for all of the public catalog: pages, self-check and API.
public_limit = ratelimit(group="hukou.public", key="ip", rate=public_rate, block=True)


@login_not_required
@public_limit
@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH]
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    service_types = selectors.service_type_list(query=query, category=category)
    by_category = [(label, [s for s in service_types if s.category == value]) for value, label in Category.choices]
    context = {
        "query": query,
        "category": category,
        "categories": Category.choices,
        "by_category": [(label, items) for label, items in by_category if items],
        "count": len(service_types),
    }
    if request.htmx:
        return render(request, "hukou/guide_list.html#results", context)
    return render(request, "hukou/guide_list.html", context)


@login_not_required
@public_limit
@require_GET
def guide_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The public guide of one service type, with the material self-check. The self-check form is
    a GET of this page: htmx asks for the result fragment on every change, and without JavaScript
    the submit button reloads the page with the result."""
    try:
        service_type = selectors.service_type_get(code=code)
    except ServiceType.DoesNotExist:
        raise Http404 from None
    checking = "check" in request.GET
    form = SelfCheckForm(request.GET if checking else None, service_type=service_type)
    result = None
    if checking and form.is_valid():
        result = checklist_decide(
            service_type=service_type,
            provided=form.cleaned_data["provided"],
            facts=form.facts(),
            items=service_type.items.all(),
        )
    context = {
        "service_type": service_type,
        "requirements": requirements_of(service_type.items.all()),
        "form": form,
        "checking": checking,
        "result": result,
        "provided": set(form.cleaned_data["provided"]) if checking and form.is_valid() else set(),
    }
    if request.htmx and checking:
        return render(request, "hukou/guide_detail.html#check_result", context)
    return render(request, "hukou/guide_detail.html", context)
