"""The client's address, for rate limits, lockouts and the security log."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str:
    """REMOTE_ADDR; behind ``TRUSTED_PROXY_COUNT`` reverse proxies (nginx in production), the address
    that the outermost of them saw. Each proxy appends the address it received the request from to
    X-Forwarded-For, so that address is the N-th from the right; whatever a client put in the header
    itself stands further left and is never read. Without proxies the header is ignored altogether,
    or a client could pick its own address and escape every limit."""
    if request is None:
        return ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
