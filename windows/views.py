from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from windows import health, selectors, services
from windows.access import has_role, staff_of
from windows.models import Role
from windows.workdays import years_missing_schedule


def staff_required(view):
    """Signed in (the middleware sees to that) and with a staff record; anyone else gets a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if staff_of(request.user) is None:
            raise PermissionDenied(_("此页面仅供户籍窗口工作人员使用。"))
        return view(request, *args, **kwargs)

    return wrapper


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Staff go to their 工作台; everyone else gets the citizens' front page."""
    if staff_of(request.user) is not None:
        return redirect("windows:workbench")
    return render(request, "home.html")


@staff_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    context = {
        "notifications": selectors.notification_list(user=request.user)[:10],
        "unread_count": selectors.notification_unread_count(user=request.user),
        "windows": selectors.window_list(user=request.user) if staff.unit.is_station else [],
        "missing_schedule_years": (
            years_missing_schedule(timezone.localdate()) if has_role(request.user, Role.ADMIN) else []
        ),
    }
    return render(request, "windows/workbench.html", context)


@staff_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    context = {
        "notifications": selectors.notification_list(user=request.user)[:100],
        "unread_count": selectors.notification_unread_count(user=request.user),
    }
    return render(request, "windows/notifications.html", context)


@staff_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, notification_id=pk)
    return _inbox_response(request)


@staff_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return _inbox_response(request)


def _inbox_response(request: HttpRequest) -> HttpResponse:
    """After marking read: the refreshed inbox for htmx, the inbox page otherwise."""
    if request.htmx:
        context = {
            "notifications": selectors.notification_list(user=request.user)[:100],
            "unread_count": selectors.notification_unread_count(user=request.user),
        }
        return render(request, "windows/notifications.html#inbox", context)
    return redirect("windows:notifications")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and Redis status for load balancers and monitoring: 200 when both answer."""
    database = health.database_status()
    redis_state = health.redis_status()
    healthy = database == health.OK and redis_state in (health.OK, health.NOT_CONFIGURED)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "redis": redis_state},
        status=200 if healthy else 503,
    )


@login_not_required
def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    """Answer for a request over a rate limit (django-ratelimit's RATELIMIT_VIEW)."""
    message = _("操作过于频繁，请稍后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "errors/429.html", {"message": message}, status=429)


def login_rate(group, request) -> str:
    return settings.RATELIMIT_LOGIN
