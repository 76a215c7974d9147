"""The window an officer is serving at (their 窗口), kept per session.

The intake page remembers the window a case was taken in at; a move made later from the case page
is recorded at that window too, and the counter devices and the officer's page read it from here.
"""

from __future__ import annotations

from django.http import HttpRequest

from windows.access import staff_of
from windows.models import ServiceWindow

SESSION_KEY = "windows.current_window"


def current_window_id(request: HttpRequest) -> int | None:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def current_window(request: HttpRequest) -> ServiceWindow | None:
    """The window remembered for this session, if it still belongs to the user's own station."""
    window_id = current_window_id(request)
    staff = staff_of(request.user)
    if window_id is None or staff is None:
        return None
    return ServiceWindow.objects.filter(pk=window_id, station_id=staff.unit_id).select_related("station").first()


def remember_window(request: HttpRequest, window: ServiceWindow | None) -> None:
    if window is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = window.pk
