"""The follow-up calls API (回访): read a station's monthly call lists with their entries and calls, and
record a call. Scoped to the user's unit: another unit's list is not listed, its entry is a 404."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import CallList, FollowUpCall, Level
from evaluations.selectors import followups as selectors
from evaluations.services import followups as services
from windows.api_errors import error_responses
from windows.models import person_name


class CallListFilter(django_filters.FilterSet):
    station = django_filters.CharFilter(field_name="station__code", label="派出所单位代码，如 S1")
    month = django_filters.CharFilter(method="filter_month", label="月份，格式 YYYY-MM，如 2026-05")

    class Meta:
        model = CallList
        fields = ["station", "month"]

    def filter_month(self, queryset, name, value):
        month = services.month_or_none(value)
        if month is None:
            raise serializers.ValidationError({"month": [services.MONTH_INVALID]})
        return queryset.filter(month=month)


class FollowUpCallOutput(serializers.ModelSerializer):
    called_by = serializers.CharField(source="called_by.username")
    called_by_name = serializers.SerializerMethodField()
    level = serializers.ChoiceField(
        choices=Level.choices, allow_null=True, help_text="满意度（5 最好）；未接通时为 null"
    )

    class Meta:
        model = FollowUpCall
        fields = ["id", "called_by", "called_by_name", "called_at", "reached", "level", "notes"]

    def get_called_by_name(self, call) -> str:
        return person_name(call.called_by)


class CallListEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number", help_text="办件编号")
    service = serializers.CharField(source="case.service_type.name")
    applicant_name = serializers.CharField(source="case.applicant_name")
    phone = serializers.CharField(source="case.phone", help_text="完整手机号，仅本单位工作人员可见")
    officer = serializers.CharField(source="officer.username", help_text="办理民警")
    completed_at = serializers.DateTimeField(source="case.completed_at")
    latest_call = FollowUpCallOutput(required=False, help_text="最近一次回访，即该群众的回访状态；仅在回访过时出现")
    calls = FollowUpCallOutput(many=True, source="calls_latest_first", help_text="全部回访记录，最近的在前")

    def to_representation(self, entry):
        calls = entry.calls_latest_first  # loaded by the selector, latest first
        entry.latest_call = calls[0] if calls else None
        data = super().to_representation(entry)
        if data.get("latest_call") is None:
            data.pop("latest_call", None)
        return data


class ProgressOutput(serializers.Serializer):
    entries = serializers.IntegerField()
    called = serializers.IntegerField(help_text="至少拨打过一次的户数")
    reached = serializers.IntegerField(help_text="最近一次回访已接通的户数")
    satisfied = serializers.IntegerField(help_text="已接通且满意度不是不满意、非常不满意的户数")


class CallListOutput(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code")
    station_name = serializers.CharField(source="station.name")
    progress = serializers.SerializerMethodField()
    entries = CallListEntryOutput(many=True, source="entries_for_output")

    class Meta:
        model = CallList
        fields = ["id", "station", "station_name", "month", "rule", "per_officer", "created_at", "progress", "entries"]

    @extend_schema_field(ProgressOutput)
    def get_progress(self, call_list):
        # From the entries loaded already (their state annotated), not one more query per list.
        return ProgressOutput(selectors.progress_of(call_list.entries_for_output)).data


class FollowUpCallInput(serializers.Serializer):
    reached = serializers.BooleanField(help_text="是否接通")
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, allow_null=True, default=None, help_text="接通时必填；未接通时不填"
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.NOTES_MAX_LENGTH)
    called_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="默认为现在")


@extend_schema_view(get=extend_schema(responses={200: CallListOutput, **error_responses(400, 403)}))
class CallListList(generics.ListAPIView):
    """The monthly follow-up call lists of your unit's stations, newest month first, each with its
    progress and every entry with its calls (the latest call is the entry's state)."""

    serializer_class = CallListOutput
    filterset_class = CallListFilter

    def get_queryset(self):
        entries = selectors.entry_list(user=self.request.user).order_by("id")
        return (
            selectors.call_list_list(user=self.request.user)
            .prefetch_related(Prefetch("entries", queryset=entries, to_attr="entries_for_output"))
            .order_by("-month", "station__path")
        )


class FollowUpCallCreate(APIView):
    """Record a call to the citizen of a list entry: staff of the entry's station and the supervisors
    above it. ``level`` is required when reached and refused when not; ``called_at`` is never in the
    future. A citizen not reached may be called again: each call is kept, the latest is the state."""

    @extend_schema(
        request=FollowUpCallInput, responses={201: FollowUpCallOutput, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        entry = get_object_or_404(selectors.entry_list(user=request.user), pk=pk)
        data = FollowUpCallInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.follow_up_record(actor=request.user, entry=entry, **data.validated_data)
        return Response(FollowUpCallOutput(call).data, status=201)


urlpatterns = [
    path("follow-ups/lists/", CallListList.as_view(), name="api-follow-up-list"),
    path("follow-ups/entries/<int:pk>/calls/", FollowUpCallCreate.as_view(), name="api-follow-up-call"),
]
