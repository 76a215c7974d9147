from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from windows import selectors, services
from windows.access import staff_of
from windows.filters import NotificationFilter, UnitFilter
from windows.models import Notification, Staff, Unit


class UnitOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

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

    @extend_schema(responses=StaffOutput)
    def get(self, request):
        staff = staff_of(request.user)
        if staff is None:
            return Response({"detail": "此账号不是工作人员。"}, status=status.HTTP_403_FORBIDDEN)
        return Response(StaffOutput(staff).data)


class UnitList(generics.ListAPIView):
    """Units the user may see: their own and everything below it."""

    serializer_class = UnitOutput
    filterset_class = UnitFilter

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


class UnitDetail(generics.RetrieveAPIView):
    serializer_class = UnitOutput
    lookup_field = "code"

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


class NotificationList(generics.ListAPIView):
    """The signed-in user's inbox, newest first."""

    serializer_class = NotificationOutput
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


class NotificationRead(APIView):
    """Mark one of your notifications read."""

    @extend_schema(request=None, responses=NotificationOutput)
    def post(self, request, pk: int):
        notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationOutput(notification).data)
