"""The SMS pages: the supervisors' page of failed and deferred messages, with retry, and the development
outbox (the database backend's record of what would have been sent). Thin: reads through the selectors,
the retry through ``sms_retry``; phones are shown masked."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from notices import selectors
from notices.models import SmsMessage, SmsStatus
from notices.services import SUPERVISOR_ROLES, sms_retry
from windows.access import has_role
from windows.errors import Conflict
from windows.views import staff_required

PAGE_SIZE = 50
# The status filter of the supervisors' page: "" is both.
STATUS_FILTERS = [
    ("", gettext_lazy("全部")),
    (SmsStatus.FAILED, SmsStatus.FAILED.label),
    (SmsStatus.DEFERRED, SmsStatus.DEFERRED.label),
]


def may_attend(user) -> bool:
    """Who sees the supervisors' page and may send a message again."""
    return has_role(user, *SUPERVISOR_ROLES)


def outbox_enabled() -> bool:
    """The development outbox exists only with the database backend, where nothing leaves the machine."""
    return settings.SMS_BACKEND == "database"


def _supervisor(request: HttpRequest) -> None:
    if not may_attend(request.user):
        raise PermissionDenied(_("只有所长、户政管理人员可以查看短信发送情况。"))


# --- the supervisors' page -----------------------------------------------------------------------


@staff_required
@never_cache  # phones and names of citizens in the texts: not kept in a shared PC's browser cache
@require_GET
def attention(request: HttpRequest) -> HttpResponse:
    """Failed and deferred messages of the user's units, newest first, by status."""
    _supervisor(request)
    status = request.GET.get("status", "")
    if status not in selectors.ATTENTION:
        status = ""
    rows = selectors.sms_needing_attention(user=request.user, status=status or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "query_string": urlencode({"status": status}) if status else "",
        "filters": [(value, label, value == status) for value, label in STATUS_FILTERS],
        "outbox_enabled": outbox_enabled(),
    }
    return render(request, "notices/attention.html", context)


@staff_required
@never_cache
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed or deferred message again. htmx gets the row in its new state (or, with a 409, as
    it is now and why not); a plain form post goes back to the page with a message."""
    _supervisor(request)
    # Scope first, through the selector: another unit's message is not found, whatever its state.
    try:
        selectors.sms_get(user=request.user, message_id=pk)
    except SmsMessage.DoesNotExist:
        return _refused(request, Http404())
    try:
        message = sms_retry(user=request.user, message_id=pk)
    except SmsMessage.DoesNotExist:
        return _refused(request, Http404())
    except PermissionDenied as exc:
        return _refused(request, exc)
    except Conflict as exc:
        if request.htmx:
            current = selectors.sms_get(user=request.user, message_id=pk)
            return render(request, "notices/attention.html#row", {"m": current, "error": exc.message}, status=409)
        messages.error(request, exc.message)
        return redirect(_back(request))
    if request.htmx:
        return render(request, "notices/attention.html#row", {"m": message, "retried": True})
    messages.success(request, _("已重新排队：发往 %(phone)s 的短信将尽快发送。") % {"phone": message.phone_masked})
    return redirect(_back(request))


def _refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A 404 or 403. htmx is told to reload the page, which then shows how things stand."""
    if not request.htmx:
        raise exc
    response = HttpResponse(status=404 if isinstance(exc, Http404) else 403)
    response["HX-Refresh"] = "true"
    return response


def _back(request: HttpRequest) -> str:
    """The page the form was posted from (its filter and page kept), if it is the supervisors' page."""
    home = reverse("notices:attention")
    back = request.POST.get("next", "")
    if urlsplit(back).path == home and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return home


# --- the development outbox ----------------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """Every message of the user's units as the citizen would receive it; only with the database backend."""
    if not outbox_enabled():
        raise Http404
    page = Paginator(selectors.sms_outbox(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/outbox.html", {"page": page, "may_attend": may_attend(request.user)})
