"""Records every sign-in, failed sign-in, lockout and sign-out in the "hukou.security" log, and
stamps the session with its sign-in time for the 8-hour limit."""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from windows.http import client_ip
from windows.middleware import SIGNED_IN_AT

security_log = logging.getLogger("hukou.security")


def _client_ip(request) -> str:
    return client_ip(request) or "-"


@receiver(user_logged_in, dispatch_uid="windows_log_sign_in")
def log_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
    security_log.info("sign-in: user=%s ip=%s", user.get_username(), _client_ip(request))


@receiver(user_logged_out, dispatch_uid="windows_log_sign_out")
def log_sign_out(sender, request, user, **kwargs):
    security_log.info("sign-out: user=%s ip=%s", user.get_username() if user else "-", _client_ip(request))


@receiver(user_login_failed, dispatch_uid="windows_log_sign_in_failure")
def log_sign_in_failure(sender, credentials, request=None, **kwargs):
    security_log.warning("failed sign-in: user=%s ip=%s", credentials.get("username", "-"), _client_ip(request))


@receiver(user_locked_out, dispatch_uid="windows_log_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs):
    security_log.warning("lockout: user=%s ip=%s", username, ip_address)
