"""The dashboard's figures as JSON: a unit's (or a station window's, or an officer's) counts, rates and
working days to complete for a month, with the level below and the officers. Supervisors only; scoped
to the user's unit (another unit, window or officer: 404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.text import format_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.figures import COUNT_KEYS, FIGURES, Totals
from compliance.permissions import NOT_A_SUPERVISOR, may_view
from compliance.selectors import dashboard as selectors
from windows.api_errors import error_responses

RATE_HELP = {
    "on_time_rate": "按时办结率：completed_on_time / completed",
    "one_trip_rate": "一次办结率：one_trip / completed",
    "supplement_on_time_rate": "容缺按期补齐率：supplied_on_time / (deficient − supplement_pending)",
    "coverage": "评价覆盖率：rated / completed",
    "satisfaction": "满意率：satisfied / ratings",
    "rectified_in_time_rate": "差评按期整改率：bad_rectified_in_time / bad",
    "appeals_in_time_rate": "诉求按期办结率：appeals_in_time / appeals",
    "calls_rate": "回访完成率：calls_made / calls_planned",
}


class FiguresQuery(serializers.Serializer):
    unit = serializers.CharField(required=False, allow_blank=True, help_text="单位代码；默认本人所属单位")
    month = serializers.CharField(required=False, allow_blank=True, help_text="月份，格式 YYYY-MM；默认本月")
    window = serializers.IntegerField(required=False, min_value=1, help_text="窗口 id（单位须为派出所）")
    officer = serializers.IntegerField(required=False, min_value=1, help_text="民警的用户 id")

    def validate_month(self, value: str):
        month, error = selectors.parse_month(value)
        if error:
            raise serializers.ValidationError(error)
        return month


CountsOutput = type(
    "FigureCountsOutput",
    (serializers.Serializer,),
    {
        key: serializers.IntegerField(help_text=format_lazy("{}：{}", FIGURES[key].label, FIGURES[key].help))
        for key in COUNT_KEYS
    },
)


class TotalsOutput(serializers.Serializer):
    counts = CountsOutput(help_text="每项口径的件数（与下钻列表的条数一致）")
    on_time_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["on_time_rate"])
    one_trip_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["one_trip_rate"])
    supplement_on_time_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["supplement_on_time_rate"])
    coverage = serializers.FloatField(allow_null=True, help_text=RATE_HELP["coverage"])
    satisfaction = serializers.FloatField(allow_null=True, help_text=RATE_HELP["satisfaction"])
    rectified_in_time_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["rectified_in_time_rate"])
    appeals_in_time_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["appeals_in_time_rate"])
    calls_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP["calls_rate"])
    median_days = serializers.IntegerField(allow_null=True, help_text="办结用时中位数（工作日）")
    p90_days = serializers.IntegerField(allow_null=True, help_text="办结用时 90% 分位（工作日）")


class LineOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="unit（下级单位）、window（窗口）或 officer（民警）")
    name = serializers.CharField()
    unit = serializers.CharField(allow_null=True, help_text="下级单位的代码（kind 为 unit 时）")
    window = serializers.IntegerField(allow_null=True, help_text="窗口 id（kind 为 window 时）")
    officer = serializers.IntegerField(allow_null=True, help_text="民警的用户 id（kind 为 officer 时）")
    rank = serializers.IntegerField(
        allow_null=True, help_text="排名（按满意率，其次按时办结率）；下级单位、窗口为 null"
    )
    totals = TotalsOutput()


class UnitBriefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="city 市局、district 分局/县局、station 派出所")


class WindowBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class OfficerBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FiguresOutput(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    closed = serializers.BooleanField(help_text="该月已结束（超期未办结按月末计）；false 时为本月截至目前")
    unit = UnitBriefOutput()
    window = WindowBriefOutput(required=False, help_text="仅在查看某个窗口时出现")
    officer = OfficerBriefOutput(required=False, help_text="仅在查看某位民警时出现")
    totals = TotalsOutput()
    children = LineOutput(many=True, help_text="下一级：市局→分局，分局→派出所，派出所→窗口，窗口→民警")
    officers = LineOutput(many=True, help_text="民警排名（民警本人的数据时为空）")


def totals_data(totals: Totals) -> dict:
    data = {"counts": dict(totals.counts)}
    data.update({name: getattr(totals, name) for name in Totals.RATES})
    return data


def line_data(line: selectors.Line) -> dict:
    return {
        "kind": line.kind,
        "name": line.name,
        "unit": line.code,
        "window": line.window_id,
        "officer": line.officer_id,
        "rank": line.rank,
        "totals": totals_data(line.totals),
    }


class FiguresView(APIView):
    """The figures of a unit for a month (``unit`` your own unit by default, ``month`` this month by
    default), of one of a station's windows (``window``), or of an officer (``officer``). Every count is a
    figure of ``compliance.figures``; the rates are derived from them, null when there is nothing to
    divide by. The counts come from the rollups, refreshed every few minutes."""

    @extend_schema(parameters=[FiguresQuery], responses={200: FiguresOutput, **error_responses(400, 403, 404)})
    def get(self, request):
        if not may_view(request.user):
            raise PermissionDenied(NOT_A_SUPERVISOR)
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scope = selectors.scope_get(
            request.user,
            month=params.get("month") or selectors.current_month(),
            unit=params.get("unit"),
            window=params.get("window"),
            officer=params.get("officer"),
        )
        view = selectors.month_view(scope)
        window, officer = scope.window, scope.officer
        data = {
            "month": scope.month_value,
            "closed": view.period.is_closed,
            "unit": scope.unit,
            "totals": totals_data(view.totals),
            "children": [line_data(line) for line in view.children],
            "officers": [line_data(line) for line in view.officers],
        }
        if window is not None:
            data["window"] = {"id": window.pk, "number": window.number, "name": window.name}
        if officer is not None:
            data["officer"] = {"id": officer.pk, "name": scope.officer_name}
        return Response(FiguresOutput(data).data)


urlpatterns = [
    path("figures/", FiguresView.as_view(), name="api-compliance-figures"),
]
