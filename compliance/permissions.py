"""Who may use the compliance pages and API at all: station and bureau supervisors and admins. Counter
staff (officers, auxiliaries) and anyone without a staff record get a 403. What each may see inside is the
scope of their unit (``windows.access``); what each may change is the services' question."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from windows.access import has_role
from windows.models import Role

VIEWER_ROLES = (Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR, Role.ADMIN)
NOT_A_SUPERVISOR = _("统计与考核页面仅供所长（户籍负责人）、户政管理人员和系统管理员使用。")


def may_view(user) -> bool:
    return has_role(user, *VIEWER_ROLES)


def supervisors_only(view):
    """A page for supervisors and admins only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_view(request.user):
            raise PermissionDenied(NOT_A_SUPERVISOR)
        return view(request, *args, **kwargs)

    return wrapper


class IsSupervisor(BasePermission):
    """An API view for supervisors and admins only."""

    message = NOT_A_SUPERVISOR

    def has_permission(self, request, view) -> bool:
        return may_view(request.user)
