"""The counter rating device (评价器): the tablet's own page (public, paired by a code, then holding a
signed token cookie), the supervisors' pairing page, and the officer's device-status badge.

The tablet's screen is one element (``#screen``) that htmx replaces: the pairing code, the idle screen,
the prompt, the reasons step and the thank-you screen. Each screen polls with what it shows; when the
server's answer would be the same, it says 204 and nothing on the screen moves."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from evaluations.models import BAD_LEVELS, Device, Level, Reason
from evaluations.selectors import devices as selectors
from evaluations.services import devices as services
from evaluations.services.ratings import ALREADY_RATED
from windows import desk
from windows.errors import Conflict
from windows.forms import add_service_errors
from windows.middleware import background
from windows.models import ServiceWindow
from windows.views import rate_limited, staff_required

DEVICE_TEMPLATE = "evaluations/devices/device.html"
LIST_TEMPLATE = "evaluations/devices/list.html"

TOKEN_COOKIE = "evaluations_device"  # noqa: S105  (a message / a name, not a secret)
PENDING_COOKIE = "evaluations_device_pending"
PENDING_SALT = "evaluations.device.pending"
COOKIE_PATH = "/device/"
TOKEN_MAX_AGE = 5 * 365 * 24 * 60 * 60  # a device stays paired until a supervisor says otherwise
PENDING_MAX_AGE = int(services.UNPAIRED_KEPT.total_seconds())
# New devices (the pairing screen opened without a pending one) per client address, on top of
# RATELIMIT_DEVICE: a station pairs a handful of tablets, not hundreds.
NEW_DEVICES_RATE = "20/h"
DONE_SECONDS = 5  # the thank-you screen, then the idle screen

WINDOW_NOT_OFFERED = "请选择本单位的窗口。"


def device_rate_limit(group, request) -> str:
    return settings.RATELIMIT_DEVICE


# One budget per client address for the device pages and the device API.
device_limit = ratelimit(group="evaluations.device", key="ip", rate=device_rate_limit, block=True)

# The five buttons, best first: colour class and the mouth of a simple face (an SVG path).
FACES = {
    Level.VERY_SATISFIED: "M18 36 Q32 54 46 36",
    Level.SATISFIED: "M20 39 Q32 49 44 39",
    Level.FAIRLY_SATISFIED: "M21 43 L43 43",
    Level.DISSATISFIED: "M20 47 Q32 38 44 47",
    Level.VERY_DISSATISFIED: "M18 50 Q32 34 46 50",
}


def _levels() -> list[dict]:
    return [
        {"value": level.value, "label": level.label, "mouth": FACES[level], "bad": level in BAD_LEVELS}
        for level in sorted(Level, key=lambda level: -level.value)
    ]


# --- cookies ----------------------------------------------------------------------------------------


def _cookie_options() -> dict:
    return {"path": COOKIE_PATH, "httponly": True, "samesite": "Lax", "secure": settings.SESSION_COOKIE_SECURE}


def _set_token(response: HttpResponse, device: Device) -> None:
    response.set_cookie(TOKEN_COOKIE, services.device_token(device), max_age=TOKEN_MAX_AGE, **_cookie_options())


def _pending(request: HttpRequest) -> tuple[int, str] | None:
    """The device this tablet showed a code for, and the code: (id, code), from the signed cookie."""
    value = request.get_signed_cookie(PENDING_COOKIE, default=None, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    if not value or ":" not in value:
        return None
    device_id, _sep, code = value.partition(":")
    return (int(device_id), code) if device_id.isdigit() else None


def _token_device(request: HttpRequest) -> Device | None:
    return selectors.device_for_token(request.COOKIES.get(TOKEN_COOKIE))


# --- the tablet's screens -----------------------------------------------------------------------------


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = f"{DEVICE_TEMPLATE}#screen" if request.htmx else DEVICE_TEMPLATE
    return render(request, template, context, status=status)


def _paired_screen(
    request: HttpRequest, device: Device, prompt=None, *, screen: str = "", status: int = 200, **extra
) -> HttpResponse:
    """The idle screen, the prompt or its reasons step for a paired device."""
    if not screen:
        screen = "prompt" if prompt is not None else "idle"
    context = {"screen": screen, "device": device, "window": device.window, "prompt": prompt, **extra}
    if prompt is not None:
        total = settings.EVALUATIONS_PROMPT_SECONDS
        left = prompt.seconds_left()
        context.update(levels=_levels(), seconds_left=left, left_fraction=f"{left / total:.3f}" if total else "0")
    return _render(request, context, status=status)


def _done_screen(request: HttpRequest, device: Device, title: str, text: str = "", *, ok: bool = True, status=200):
    context = {
        "screen": "done",
        "device": device,
        "window": device.window,
        "title": title,
        "text": text,
        "ok": ok,
        "done_seconds": DONE_SECONDS,
    }
    return _render(request, context, status=status if not request.htmx else 200)


def _unpaired(request: HttpRequest) -> HttpResponse:
    """No valid token: claim the token if a supervisor paired the code this tablet shows; otherwise
    show the pairing code (the same one on a reload, a new one once it expired)."""
    stale_token = request.COOKIES.get(TOKEN_COOKIE)
    pending = _pending(request)
    if pending is not None:
        device = services.device_claim(device_id=pending[0], code=pending[1])
        if device is not None:
            services.device_seen(device=device)
            response = _paired_screen(request, device, selectors.device_prompt(device=device))
            _set_token(response, device)
            response.delete_cookie(PENDING_COOKIE, path=COOKIE_PATH, samesite="Lax")
            return response
    pending_id = pending[0] if pending else None
    if pending_id is None and stale_token:
        # A token whose device was unpaired since: the tablet's own row, reused.
        payload = services.device_token_payload(stale_token)
        pending_id = payload[0] if payload else None
    if pending_id is None and is_ratelimited(
        request, group="evaluations.device-new", key="ip", rate=NEW_DEVICES_RATE, increment=True
    ):
        return rate_limited(request)
    device = services.device_register(pending_id=pending_id)
    if request.htmx and request.GET.get("code") == device.pairing_code and not stale_token:
        response = HttpResponse(status=204)  # the code on screen is still the one to enter
    else:
        context = {
            "screen": "pairing",
            "device": device,
            "code": device.pairing_code,
            "code_minutes": settings.EVALUATIONS_PAIRING_CODE_MINUTES,
        }
        response = _render(request, context)
    if stale_token:
        response.delete_cookie(TOKEN_COOKIE, path=COOKIE_PATH, samesite="Lax")
    if pending != (device.pk, device.pairing_code):
        response.set_signed_cookie(
            PENDING_COOKIE,
            f"{device.pk}:{device.pairing_code}",
            salt=PENDING_SALT,
            max_age=PENDING_MAX_AGE,
            **_cookie_options(),
        )
    return response


@login_not_required
@never_cache
@device_limit
@require_GET
def device_page(request: HttpRequest) -> HttpResponse:
    """The tablet facing the citizen: the pairing code until a supervisor pairs it, then the window's
    idle screen and prompts. The pairing screen polls this URL every 2 s."""
    device = _token_device(request)
    if device is None:
        return _unpaired(request)
    services.device_seen(device=device)
    return _paired_screen(request, device, selectors.device_prompt(device=device))


@login_not_required
@never_cache
@device_limit
@require_GET
def device_prompt(request: HttpRequest) -> HttpResponse:
    """The poll (every second): 204 when the prompt on screen (``shown``) is still the current one."""
    device = _token_device(request)
    if device is None:
        return _unpaired(request)
    services.device_seen(device=device)
    event_id = selectors.device_prompt_event_id(device=device)
    if request.GET.get("shown") == selectors.prompt_key(event_id):
        return HttpResponse(status=204)
    return _paired_screen(request, device, selectors.device_prompt(device=device, event_id=event_id))


@login_not_required
@never_cache
@device_limit
@require_GET
def device_reasons(request: HttpRequest) -> HttpResponse:
    """The second step after a bad level: the reasons to tick, then submit. No write."""
    device = _token_device(request)
    if device is None:
        return _unpaired(request)
    prompt = selectors.device_prompt(device=device)
    level = request.GET.get("level", "")
    if prompt is None or request.GET.get("event") != str(prompt.event.pk) or level not in {str(b) for b in BAD_LEVELS}:
        return _paired_screen(request, device, prompt)  # closed or changed meanwhile: what is current
    return _paired_screen(
        request,
        device,
        prompt,
        screen="reasons",
        level=int(level),
        level_label=Level(int(level)).label,
        reasons=Reason.choices,
    )


@login_not_required
@never_cache
@device_limit
@require_POST
def device_rate(request: HttpRequest) -> HttpResponse:
    """The citizen's tap (or the reasons step's submit): the rating, then the thank-you screen."""
    device = _token_device(request)
    if device is None:
        return _unpaired(request)
    try:
        services.device_rate(
            device=device,
            event_id=request.POST.get("event"),
            level=request.POST.get("level"),
            reasons=request.POST.getlist("reasons"),
        )
    except ValidationError as exc:
        if "event" in exc.message_dict:
            return _done_screen(
                request, device, _(services.PROMPT_CLOSED), _("本次业务未评价，感谢您的配合。"), ok=False, status=400
            )
        prompt = selectors.device_prompt(device=device)
        error = " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
        return _paired_screen(request, device, prompt, error=error, status=200 if request.htmx else 400)
    except Conflict:
        return _done_screen(request, device, _("感谢您的评价！"), _(ALREADY_RATED), status=409)
    return _done_screen(request, device, _("感谢您的评价！"), _("您的评价将帮助我们改进服务。"))


# --- the supervisors' page -----------------------------------------------------------------------------


class DevicePairForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("配对码"),
        max_length=12,
        error_messages={"required": services.CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}", "class": "mono"}
        ),
    )
    window = forms.ModelChoiceField(
        label=gettext_lazy("窗口"),
        queryset=ServiceWindow.objects.none(),
        error_messages={"required": WINDOW_NOT_OFFERED, "invalid_choice": WINDOW_NOT_OFFERED},
    )

    def __init__(self, *args, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = windows


@staff_required
@require_http_methods(["GET", "POST"])
def device_list(request: HttpRequest) -> HttpResponse:
    """The windows in scope with their devices; supervisors pair a code with a window here."""
    windows = selectors.device_manageable_windows(user=request.user)
    may_pair = windows.exists()
    form = DevicePairForm(request.POST if request.method == "POST" else None, windows=windows)
    if request.method == "POST":
        if not may_pair:
            raise PermissionDenied(services.PAIR_NOT_ALLOWED)
        if form.is_valid():
            window = form.cleaned_data["window"]
            replaced = getattr(window, "device", None) is not None
            try:
                services.device_pair(actor=request.user, code=form.cleaned_data["code"], window=window)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                text = _("评价器已配对到%(window)s。") % {"window": window}
                if replaced:
                    text += _("该窗口原来的评价器已解除配对。")
                messages.success(request, text)
                return redirect("evaluations:device_list")
    context = {
        "rows": selectors.device_window_list(user=request.user),
        "form": form,
        "may_pair": may_pair,
        "online_seconds": settings.EVALUATIONS_DEVICE_ONLINE_SECONDS,
        "several_stations": len({w.station_id for w in windows}) > 1,
    }
    return render(request, LIST_TEMPLATE, context)


@staff_required
@require_POST
def device_unpair(request: HttpRequest, window_id: int) -> HttpResponse:
    try:
        window = selectors.device_window_get(user=request.user, window_id=window_id)
    except ServiceWindow.DoesNotExist:
        raise Http404 from None
    try:
        services.device_unpair(actor=request.user, window=window)
    except ValidationError:
        messages.error(request, _(services.NO_DEVICE))
    else:
        messages.success(request, _("%(window)s的评价器已解除配对。") % {"window": window})
    return redirect("evaluations:device_list")


@background
@staff_required
@never_cache
@require_GET
def device_status(request: HttpRequest) -> HttpResponse:
    """The badge in the officer's top bar: the device of the window they serve at (nothing without one)."""
    window = desk.current_window(request)
    if window is None:
        return HttpResponse("")
    state = selectors.window_device_state(window)
    context = {"window": window, "state": state, "label": selectors.STATE_LABELS[state]}
    return render(request, "evaluations/devices/_badge.html", context)


urlpatterns = [
    path("device/", device_page, name="device"),
    path("device/prompt/", device_prompt, name="device_prompt"),
    path("device/reasons/", device_reasons, name="device_reasons"),
    path("device/rate/", device_rate, name="device_rate"),
    path("evaluations/devices/", device_list, name="device_list"),
    path("evaluations/devices/status/", device_status, name="device_status"),
    path("evaluations/devices/<int:window_id>/unpair/", device_unpair, name="device_unpair"),
]
