from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from windows import selectors, services
from windows.access import staff_of
from windows.api_errors import error_responses
from windows.filters import NotificationFilter, UnitFilter
from windows.models import Notification, Staff, Unit

NOT_STAFF = _("此账号不是工作人员。")


class UnitOutput(serializers.ModelSerializer):
    # A city bureau has no parent: null.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, label=_("上级单位代码"))

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "address", "phone"]


class StaffOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    unit = UnitOutput()
    has_enforcement_qualification = serializers.BooleanField()

    class Meta:
        model = Staff
        fields = ["username", "name", "role", "police_number", "is_sworn", "has_enforcement_qualification", "unit"]


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "text", "link", "created_at", "read_at"]


class MeView(APIView):
    """The signed-in staff member, their role and unit."""

    @extend_schema(responses={200: StaffOutput, **error_responses(403)})
    def get(self, request):
        staff = staff_of(request.user)
        if staff is None:
            raise exceptions.PermissionDenied(NOT_STAFF)
        return Response(StaffOutput(staff).data)


@extend_schema_view(get=extend_schema(responses={200: UnitOutput, **error_responses(400, 403, 404)}))
class UnitList(generics.ListAPIView):
    """Units the user may see: their own and everything below it."""

    serializer_class = UnitOutput
    filterset_class = UnitFilter

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


@extend_schema_view(get=extend_schema(responses={200: UnitOutput, **error_responses(403, 404)}))
class UnitDetail(generics.RetrieveAPIView):
    serializer_class = UnitOutput
    lookup_field = "code"

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


@extend_schema_view(get=extend_schema(responses={200: NotificationOutput, **error_responses(403, 404)}))
class NotificationList(generics.ListAPIView):
    """The signed-in user's inbox, newest first."""

    serializer_class = NotificationOutput
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


class NotificationRead(APIView):
    """Mark one of your notifications read."""

    @extend_schema(request=None, responses={200: NotificationOutput, **error_responses(403, 404)})
    def post(self, request, pk: int):
        notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationOutput(notification).data)
