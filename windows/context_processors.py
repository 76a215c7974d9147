from functools import partial

from windows import selectors
from windows.access import staff_of


def staff(request):
    """For the layouts: the signed-in user's staff record (or None) and, computed only when a
    template shows it, their unread notification count."""
    user = getattr(request, "user", None)
    record = staff_of(user)
    if record is None:
        return {"staff": None}
    return {"staff": record, "unread_count": partial(selectors.notification_unread_count, user=user)}
