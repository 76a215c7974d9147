"""The API of the frozen monthly bulletins and the 9/19/29 registers: reads only, for supervisors, each
bulletin's or register's rows limited to the user's unit and what lies below it."""

from __future__ import annotations

from django.urls import re_path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.figures import COUNT_KEYS, FIGURES, Totals
from compliance.models import AppealRegister, AppealRegisterRow, MonthlyReport, ReportBuild, ReportRow, ReportRowKind
from compliance.permissions import IsSupervisor
from compliance.selectors import reports as selectors
from windows.access import scope_root
from windows.api_errors import error_responses

# --- serializers -----------------------------------------------------------------------------------------


RATE_HELP = "比率（0–1），没有可计算的件数时为 null"


def _figures_fields() -> dict:
    fields = {key: serializers.IntegerField(help_text=str(FIGURES[key].label)) for key in COUNT_KEYS}
    for name in Totals.RATES:
        if name in selectors.RATE_LABELS:
            fields[name] = serializers.FloatField(
                allow_null=True, help_text=f"{selectors.RATE_LABELS[name]}：{RATE_HELP}"
            )
    fields["median_days"] = serializers.IntegerField(allow_null=True, help_text="办结用时中位数（工作日）")
    fields["p90_days"] = serializers.IntegerField(allow_null=True, help_text="办结用时90%分位（工作日）")
    fields["days"] = serializers.ListField(
        child=serializers.IntegerField(), help_text="办结用时分布：第 i 项为用时 i 个工作日的件数，末项为该值及以上"
    )
    return fields


ReportFiguresOutput = type(
    "ReportFiguresOutput",
    (serializers.Serializer,),
    {"__doc__": "A row's frozen figures: the counts, the rates derived from them and the days histogram.",
     **_figures_fields()},
)  # fmt: skip


class ReportBuildOutput(serializers.ModelSerializer):
    built_by = serializers.CharField(
        source="built_by.username", allow_null=True, default=None, help_text="重新生成的人；月末自动生成为 null"
    )

    class Meta:
        model = ReportBuild
        fields = ["version", "built_at", "built_by", "reason"]


class ReportOutput(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="月份，YYYY-MM")
    builds = ReportBuildOutput(many=True, help_text="生成记录，新的在前")

    class Meta:
        model = MonthlyReport
        fields = ["month", "version", "built_at", "builds"]

    def get_month(self, report) -> str:
        return f"{report.month:%Y-%m}"


class ReportRowOutput(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReportRowKind.choices, help_text="unit 单位；window 窗口；officer 民警")
    unit = serializers.CharField(source="unit.code", help_text="单位代码；窗口和民警为其派出所")
    unit_name = serializers.CharField(source="unit.name")
    window = serializers.IntegerField(
        source="window.number", allow_null=True, default=None, help_text="窗口号（仅窗口行）"
    )
    officer = serializers.CharField(
        source="officer.username", allow_null=True, default=None, help_text="民警用户名（仅民警行）"
    )
    figures = ReportFiguresOutput()

    class Meta:
        model = ReportRow
        fields = ["kind", "unit", "unit_name", "window", "officer", "name", "figures"]


class ReportDetailOutput(ReportOutput):
    scope = serializers.SerializerMethodField(help_text="本次读取的范围：当前用户所属单位的代码")
    rows = serializers.SerializerMethodField(help_text="本范围内的通报数据：本单位及下级单位、窗口、民警")

    class Meta(ReportOutput.Meta):
        fields = [*ReportOutput.Meta.fields, "scope", "rows"]

    def get_scope(self, report) -> str:
        return scope_root(self.context["request"].user).code

    @extend_schema_field(ReportRowOutput(many=True))
    def get_rows(self, report):
        return ReportRowOutput(self.context["rows"], many=True).data


class RegisterOutput(serializers.ModelSerializer):
    rows_in_scope = serializers.IntegerField(help_text="本范围内的未结事项数")

    class Meta:
        model = AppealRegister
        fields = ["period_day", "due_on", "built_at", "rows_in_scope"]


RegisterValuesOutput = type(
    "RegisterValuesOutput",
    (serializers.Serializer,),
    {
        "__doc__": "One unresolved appeal as the register froze it (the contact's name masked).",
        **{
            column.key: (
                serializers.IntegerField(help_text=str(column.label))
                if column.key == "days_late"
                else serializers.CharField(allow_blank=True, help_text=str(column.label))
            )
            for column in selectors.REGISTER_COLUMNS
        },
    },
)


class RegisterRowOutput(serializers.ModelSerializer):
    appeal = serializers.CharField(source="appeal.reference", help_text="受理编号")
    station = serializers.CharField(source="station.code", help_text="派出所的单位代码")
    values = RegisterValuesOutput()

    class Meta:
        model = AppealRegisterRow
        fields = ["appeal", "station", "values"]


class RegisterDetailOutput(serializers.ModelSerializer):
    scope = serializers.SerializerMethodField(help_text="本次读取的范围：当前用户所属单位的代码")
    rows = serializers.SerializerMethodField(help_text="生成时本范围内全部未办结的群众诉求")

    class Meta:
        model = AppealRegister
        fields = ["period_day", "due_on", "built_at", "scope", "rows"]

    def get_scope(self, register) -> str:
        return scope_root(self.context["request"].user).code

    @extend_schema_field(RegisterRowOutput(many=True))
    def get_rows(self, register):
        return RegisterRowOutput(self.context["rows"], many=True).data


# --- views ----------------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: ReportOutput, **error_responses(403)}))
class ReportList(generics.ListAPIView):
    """The monthly bulletins (月度通报), newest month first, with their builds. The rows are read one
    bulletin at a time, within your scope."""

    permission_classes = [IsSupervisor]
    serializer_class = ReportOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.report_list()


KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, enum=ReportRowKind.values, required=False, description="只看一类：unit、window、officer"
)


class ReportDetail(APIView):
    """One month's bulletin: the frozen rows of your unit and below (a station supervisor: the station's
    own row, its windows and its officers). 404 when that month has no bulletin."""

    permission_classes = [IsSupervisor]

    @extend_schema(parameters=[KIND_PARAMETER], responses={200: ReportDetailOutput, **error_responses(400, 403, 404)})
    def get(self, request, month: str):
        report = selectors.report_get(selectors.parse_month(month))
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in ReportRowKind.values:
            raise serializers.ValidationError({"kind": [_("只能是 unit、window 或 officer。")]})
        rows = selectors.report_rows(request.user, report, kind).select_related("window", "officer")
        return Response(ReportDetailOutput(report, context={"request": request, "rows": rows}).data)


@extend_schema_view(get=extend_schema(responses={200: RegisterOutput, **error_responses(403)}))
class RegisterList(generics.ListAPIView):
    """The registers of unresolved appeals (群众诉求未结事项登记表), newest first, each with how many of
    its appeals lie within your scope."""

    permission_classes = [IsSupervisor]
    serializer_class = RegisterOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.register_list(self.request.user)


class RegisterDetail(APIView):
    """One register: the appeals of your unit and below that were unresolved when it was built. 404
    when that day has no register."""

    permission_classes = [IsSupervisor]

    @extend_schema(responses={200: RegisterDetailOutput, **error_responses(403, 404)})
    def get(self, request, day: str):
        register = selectors.register_get(selectors.parse_day(day))
        rows = selectors.register_rows(request.user, register).select_related("appeal", "station")
        return Response(RegisterDetailOutput(register, context={"request": request, "rows": rows}).data)


urlpatterns = [
    re_path(r"^reports/$", ReportList.as_view(), name="api-compliance-reports"),
    re_path(r"^reports/(?P<month>\d{4}-\d{2})/$", ReportDetail.as_view(), name="api-compliance-report"),
    re_path(r"^registers/$", RegisterList.as_view(), name="api-compliance-registers"),
    re_path(r"^registers/(?P<day>\d{4}-\d{2}-\d{2})/$", RegisterDetail.as_view(), name="api-compliance-register"),
]
