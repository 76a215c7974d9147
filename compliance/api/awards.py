"""The 服务标兵 API: a month's best-service and quality-service stars of the stations in your scope, with
the suggestion, its reasons and who was confirmed. For supervisors and admins."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers

from compliance.api.receptions import MonthStationFilter
from compliance.models import Award, AwardKind
from compliance.permissions import IsSupervisor
from compliance.selectors import awards as selectors
from windows.api_errors import error_responses


class AwardFilter(MonthStationFilter):
    class Meta:
        model = Award
        fields = ["month", "station"]


class AwardReasonsOutput(serializers.Serializer):
    """The month's figures behind a suggestion; empty when there is no suggestion."""

    rank = serializers.IntegerField(required=False, help_text="在本所民警中的名次")
    satisfaction = serializers.FloatField(required=False, allow_null=True, help_text="满意率（0–1）")
    satisfied = serializers.IntegerField(required=False, help_text="非常满意与满意的评价数")
    ratings = serializers.IntegerField(required=False, help_text="评价数")
    coverage = serializers.FloatField(required=False, allow_null=True, help_text="评价覆盖率（0–1）")
    rated = serializers.IntegerField(required=False, help_text="已评价的办结件数")
    on_time_rate = serializers.FloatField(required=False, allow_null=True, help_text="按时办结率（0–1）")
    completed_on_time = serializers.IntegerField(required=False)
    completed = serializers.IntegerField(required=False, help_text="办结件数")
    bad = serializers.IntegerField(required=False, help_text="有责差评数（复核认定不计入的除外）")


class AwardOutput(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code", help_text="派出所单位代码")
    station_name = serializers.CharField(source="station.name")
    kind = serializers.ChoiceField(choices=AwardKind.choices, help_text="best 最佳服务标兵；quality 优质服务标兵")
    suggested = serializers.CharField(source="suggested.username", allow_null=True, default=None)
    suggested_name = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    reasons_text = serializers.SerializerMethodField(help_text="建议理由（文字）")
    officer = serializers.CharField(
        source="officer.username", allow_null=True, default=None, help_text="评定人选；未评定为 null"
    )
    officer_name = serializers.SerializerMethodField()
    confirmed = serializers.BooleanField(source="is_confirmed")
    confirmed_by = serializers.CharField(source="confirmed_by.username", allow_null=True, default=None)

    class Meta:
        model = Award
        fields = [
            "id", "station", "station_name", "month", "kind", "slot", "suggested", "suggested_name", "reasons",
            "reasons_text", "officer", "officer_name", "note", "confirmed", "confirmed_by", "confirmed_at",
        ]  # fmt: skip

    def get_suggested_name(self, award) -> str:
        return selectors.person_name(award.suggested)

    def get_officer_name(self, award) -> str:
        return selectors.person_name(award.officer)

    @extend_schema_field(AwardReasonsOutput)
    def get_reasons(self, award) -> dict:
        return AwardReasonsOutput(award.reasons).data if award.reasons else {}

    def get_reasons_text(self, award) -> str:
        return selectors.reason_text(award.reasons or {})


@extend_schema_view(get=extend_schema(responses={200: AwardOutput(many=True), **error_responses(400, 403)}))
class AwardList(generics.ListAPIView):
    """The 服务标兵 slots of the stations in your scope (``month`` narrows them to a month), newest month
    first, then by station, kind and slot."""

    serializer_class = AwardOutput
    filterset_class = AwardFilter
    permission_classes = [IsSupervisor]

    def get_queryset(self):
        return selectors.awards_for_user(self.request.user).order_by("-month", "unit_path", "kind", "slot")


urlpatterns = [
    path("awards/", AwardList.as_view(), name="api-compliance-awards"),
]
