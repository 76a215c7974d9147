"""The 三长接待 API: list the stints at the windows of your scope (by month) and record one. For
supervisors and admins; counter staff get a 403. Leaders and windows outside your scope are refused
like missing ones."""

from __future__ import annotations

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response

from compliance.figures import next_month
from compliance.models import DayPart, Leader, LeaderRole, ReceptionRecord
from compliance.permissions import IsSupervisor
from compliance.selectors import receptions as selectors
from compliance.selectors.dashboard import MONTH_INVALID
from compliance.services import receptions as services
from compliance.views.months import parse_month
from windows.api_errors import error_responses
from windows.models import ServiceWindow


class MonthStationFilter(django_filters.FilterSet):
    """``month`` (YYYY-MM) over the model's date field ``month_field`` (a 400 on ``month`` when it is not
    a month), ``station`` by the station's unit code."""

    month_field = "month"

    month = django_filters.CharFilter(method="filter_month", label="月份，格式 YYYY-MM，如 2026-05")
    station = django_filters.CharFilter(field_name="station__code", label="派出所单位代码，如 S1")

    def filter_month(self, queryset, name, value):
        month = parse_month(value)
        if month is None:
            raise serializers.ValidationError({"month": [MONTH_INVALID]})
        return queryset.filter(**{f"{self.month_field}__gte": month, f"{self.month_field}__lt": next_month(month)})


class ReceptionFilter(MonthStationFilter):
    month_field = "date"

    class Meta:
        model = ReceptionRecord
        fields = ["month", "station"]


class ReceptionOutput(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.name")
    role = serializers.ChoiceField(choices=LeaderRole.choices, help_text="接待时的职务")
    station = serializers.CharField(source="station.code", help_text="派出所单位代码")
    station_name = serializers.CharField(source="station.name")
    window_number = serializers.IntegerField(source="window.number", help_text="窗口号")
    part = serializers.ChoiceField(choices=DayPart.choices, help_text="half 半天；whole 全天")
    days = serializers.DecimalField(max_digits=3, decimal_places=1, help_text="折合天数：半天 0.5，全天 1")
    recorded_by = serializers.CharField(source="recorded_by.username", help_text="登记人（用户名）")

    class Meta:
        model = ReceptionRecord
        fields = [
            "id", "leader", "leader_name", "role", "station", "station_name", "window", "window_number", "date",
            "part", "days", "citizens_served", "problems_solved", "notes", "recorded_by", "created_at",
        ]  # fmt: skip


class ReceptionInput(serializers.Serializer):
    leader = serializers.PrimaryKeyRelatedField(
        queryset=Leader.objects.none(),
        help_text="接待领导的编号",
        error_messages={"does_not_exist": services.LEADER_REQUIRED, "incorrect_type": services.LEADER_REQUIRED},
    )
    window = serializers.PrimaryKeyRelatedField(
        queryset=ServiceWindow.objects.none(),
        help_text="窗口编号（须在您的范围内）",
        error_messages={"does_not_exist": services.WINDOW_REQUIRED, "incorrect_type": services.WINDOW_REQUIRED},
    )
    date = serializers.DateField(help_text="接待日期，不晚于今天")
    part = serializers.ChoiceField(choices=DayPart.choices, help_text="half 半天；whole 全天")
    citizens_served = serializers.IntegerField(min_value=0, default=0, help_text="接待群众（人次）")
    problems_solved = serializers.IntegerField(min_value=0, default=0, help_text="解决问题（件），不多于接待人次")
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.NOTES_MAX_LENGTH, help_text="情况记录"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["leader"].queryset = selectors.leader_choices(user)
            self.fields["window"].queryset = selectors.window_choices(user)


@extend_schema_view(
    get=extend_schema(responses={200: ReceptionOutput(many=True), **error_responses(400, 403)}),
)
class ReceptionListCreate(generics.ListAPIView):
    """GET: the 三长接待 stints at the windows of your scope, newest first (``month`` narrows them to a
    month). POST: record one stint; the window must lie within the leader's unit, the day not in the
    future, one stint per leader a day."""

    serializer_class = ReceptionOutput
    filterset_class = ReceptionFilter
    permission_classes = [IsSupervisor]

    def get_queryset(self):
        return selectors.records_for_user(self.request.user).order_by("-date", "-id")

    @extend_schema(request=ReceptionInput, responses={201: ReceptionOutput, **error_responses(400, 403)})
    def post(self, request):
        data = ReceptionInput(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        record = services.reception_record(actor=request.user, **data.validated_data)
        return Response(ReceptionOutput(record).data, status=201)


urlpatterns = [
    path("receptions/", ReceptionListCreate.as_view(), name="api-compliance-receptions"),
]
