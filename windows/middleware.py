"""Who may reach a page at all, and for how long a session lasts."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

SIGNED_IN_AT = "signed_in_at"
security_log = logging.getLogger("hukou.security")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view is marked ``@login_not_required``.

    The API is left to DRF, which denies by default on its own (``IsAuthenticated``) and also knows
    token authentication, which this middleware cannot see.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionLifetimeMiddleware:
    """Ends a signed-in session 8 hours after sign-in, however active it has been. The idle limit
    (30 minutes) is Django's own: SESSION_COOKIE_AGE, renewed by every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is None or time.time() - signed_in_at > settings.SESSION_ABSOLUTE_LIFETIME:
                username = user.get_username()
                logout(request)
                security_log.info("session ended after the absolute lifetime: user=%s", username)
                messages.info(request, _("登录已超过8小时，请重新登录。"))
                response = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(response.url)
                return response
        return self.get_response(request)


def background(view):
    """Mark a view that pages poll on their own (a status badge): its requests are not the user's
    activity, so they do not renew the session's idle limit."""
    view.background = True
    return view


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a background poll that changed nothing in the session does not save it,
    so a page left open still signs its user out after 30 idle minutes."""

    def process_response(self, request, response):
        match = getattr(request, "resolver_match", None)
        if match is not None and getattr(match.func, "background", False) and not request.session.modified:
            return response
        return super().process_response(request, response)
