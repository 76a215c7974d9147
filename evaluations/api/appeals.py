"""The appeals API (群众诉求): the citizens' submission and progress lookup (public, rate-limited), and
the staff's list, detail, entry and moves (scoped to the user's unit: another unit's appeal is a 404)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import Appeal, AppealCategory, AppealEvent, AppealSource, AppealStatus
from evaluations.selectors import appeals as selectors
from evaluations.services import appeals as services
from evaluations.services.appeals import ACTION_LABELS, TRANSITION_ACTIONS
from evaluations.views.appeals import over_appeal_limit, over_progress_limit
from notices.phones import mask_phone
from windows.api_errors import error_responses
from windows.models import Unit

TOO_MANY_SUBMISSIONS = "提交过于频繁，请稍后再试。"


# --- serializers ------------------------------------------------------------------------------------


# Staff enter what came by phone or in person; the public form is the online channel.
ENTRY_SOURCES = [c for c in AppealSource.choices if c[0] != AppealSource.ONLINE]


class AppealSubmitInput(serializers.Serializer):
    station = serializers.CharField(max_length=32, help_text="派出所的单位代码")
    category = serializers.ChoiceField(choices=AppealCategory.choices, help_text="类别")
    contact_name = serializers.CharField(max_length=100)
    contact_phone = serializers.CharField(max_length=20, help_text="11位中国大陆手机号码")
    content = serializers.CharField(max_length=services.CONTENT_MAX_LENGTH * 2, help_text="具体情况，10–2000字")
    case_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    website = serializers.CharField(required=False, allow_blank=True, default="", help_text="留空")


class AppealEntryInput(AppealSubmitInput):
    """Staff entry: as the citizens' form, by phone or at the counter."""

    source = serializers.ChoiceField(choices=ENTRY_SOURCES, help_text="phone 电话反映；walk_in 来访反映")
    website = None


class AppealSubmitted(serializers.Serializer):
    reference = serializers.CharField(help_text="受理编号，查询进度时使用")
    due_on = serializers.DateField(help_text="办理期限")


class AppealProgressInput(serializers.Serializer):
    """The lookup's input, for the schema; ``selectors.progress_arguments`` reads it."""

    reference = serializers.CharField(max_length=100, help_text="受理编号")
    phone_suffix = serializers.CharField(max_length=20, help_text="反映时所留手机号码的后4位")


class ProgressStepOutput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=[("received", "受理"), ("in_progress", "处理中"), ("resolved", "已办结")])
    title = serializers.CharField()
    on = serializers.DateField()
    text = serializers.CharField(allow_blank=True, help_text="已办结时：办理结果")


class AppealProgressOutput(serializers.Serializer):
    reference = serializers.CharField()
    station = serializers.CharField()
    station_phone = serializers.CharField(allow_blank=True)
    category = serializers.CharField(help_text="类别（文字）")
    status = serializers.ChoiceField(
        choices=AppealStatus.choices,
    )
    status_label = serializers.CharField()
    status_hint = serializers.CharField()
    due_on = serializers.DateField()
    resolution = serializers.CharField(allow_blank=True)
    timeline = ProgressStepOutput(many=True)


class AppealListOutput(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code")
    station_name = serializers.CharField(source="station.name")
    contact_phone = serializers.SerializerMethodField(help_text="脱敏显示")
    handler = serializers.CharField(source="handler.username", allow_null=True, default=None)
    received_by = serializers.CharField(source="received_by.username", allow_null=True, default=None)
    late = serializers.SerializerMethodField(help_text="未办结且已过办理期限")
    source = serializers.ChoiceField(choices=AppealSource.choices, help_text="反映渠道")
    category = serializers.ChoiceField(choices=AppealCategory.choices, help_text="类别")
    status = serializers.ChoiceField(choices=AppealStatus.choices, help_text="状态")

    class Meta:
        model = Appeal
        fields = [
            "reference", "station", "station_name", "source", "category", "contact_name", "contact_phone",
            "case_number", "status", "due_on", "handler", "received_by", "resolved_at", "late_on", "late",
            "version", "created_at",
        ]  # fmt: skip

    def get_contact_phone(self, appeal) -> str:
        return mask_phone(appeal.contact_phone)

    def get_late(self, appeal) -> bool:
        return selectors.is_late(appeal)


class AppealEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    from_status = serializers.CharField(help_text="变更前状态；空为无状态变化")
    to_status = serializers.CharField(help_text="变更后状态；空为无状态变化")

    class Meta:
        model = AppealEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]


class AppealOutput(AppealListOutput):
    """One appeal for staff: the phone whole (they call the citizen back), the content, the timeline."""

    contact_phone = serializers.CharField()
    events = serializers.SerializerMethodField()

    class Meta(AppealListOutput.Meta):
        fields = [*AppealListOutput.Meta.fields, "content", "resolution", "events"]

    @extend_schema_field(AppealEventOutput(many=True))
    def get_events(self, appeal) -> list[dict]:
        return AppealEventOutput(selectors.appeal_timeline(appeal), many=True).data


class AppealTransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, str(ACTION_LABELS[a])) for a in TRANSITION_ACTIONS])
    handler = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="承办人用户名（start、reassign 时必填）"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, default="", help_text="办结时必填")
    version = serializers.IntegerField(help_text="读取诉求时的版本号；已被他人修改则返回 409")


# --- the citizens' endpoints ------------------------------------------------------------------------


def _station(code: str) -> Unit:
    station = Unit.objects.stations().filter(code=code).first()
    if station is None:
        raise ValidationError({"station": [services.STATION_INVALID]})
    return station


class PublicAppealSubmit(APIView):
    """Submit an appeal (“办不成事”反映) as a citizen. Rate-limited per client address, together with
    the /appeals/ page. Answers the reference and the due date."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=AppealSubmitInput, responses={201: AppealSubmitted, **error_responses(400, 429)})
    def post(self, request):
        data = AppealSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        decoy = bool(values.pop("website").strip())
        values["station"] = _station(values["station"])
        services.appeal_clean(**values)  # every field error before counting
        if over_appeal_limit(request._request):
            raise exceptions.Throttled(detail=TOO_MANY_SUBMISSIONS)
        appeal = services.appeal_submit(**values, decoy=decoy)
        return Response(AppealSubmitted(appeal).data, status=201)


class PublicAppealProgress(APIView):
    """A citizen's appeal by reference and the last 4 digits of the phone given. A wrong reference
    and wrong digits get the same 404. Rate-limited per client address (with the /appeals/progress/
    page) and per reference (after 5 failures in an hour it is locked for an hour: 429)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=AppealProgressInput, responses={200: AppealProgressOutput, **error_responses(400, 404, 429)})
    def post(self, request):
        if over_progress_limit(request._request):
            raise exceptions.Throttled(detail=selectors.TOO_MANY_LOOKUPS)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            result = selectors.appeal_progress_lookup(**selectors.progress_arguments(data))
        except selectors.TooManyFailures:
            raise exceptions.Throttled(detail=selectors.TOO_MANY_FAILURES) from None
        if result is None:
            raise exceptions.NotFound(selectors.NOT_FOUND)
        return Response(AppealProgressOutput(result).data)


# --- the staff's endpoints --------------------------------------------------------------------------


class AppealScoped:
    """Every staff endpoint reads through the scoped selector: another unit's appeal is a 404."""

    def get_queryset(self):
        return selectors.appeal_list(user=self.request.user)

    def get_appeal(self) -> Appeal:
        return get_object_or_404(selectors.appeal_list(user=self.request.user), reference=self.kwargs["reference"])


@extend_schema_view(
    get=extend_schema(responses={200: AppealListOutput, **error_responses(400, 403)}),
    post=extend_schema(request=AppealEntryInput, responses={201: AppealOutput, **error_responses(400, 403)}),
)
class AppealListCreate(AppealScoped, generics.ListAPIView):
    """Appeals of your unit (filters as on the list page); POST enters one taken by phone or at the counter."""

    serializer_class = AppealListOutput
    filterset_class = selectors.AppealFilter

    def post(self, request):
        data = AppealEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        stations = selectors.entry_stations(user=request.user)
        if not stations.exists():
            raise PermissionDenied(services.MAY_NOT_ENTER)
        station = stations.filter(code=values["station"]).first()
        if station is None:
            raise ValidationError({"station": [services.STATION_INVALID]})
        values["station"] = station
        appeal = services.appeal_submit(**values, actor=request.user)
        return Response(AppealOutput(selectors.appeal_get(user=request.user, reference=appeal.reference)).data, 201)


@extend_schema_view(get=extend_schema(responses={200: AppealOutput, **error_responses(403, 404)}))
class AppealDetail(AppealScoped, generics.RetrieveAPIView):
    serializer_class = AppealOutput
    lookup_field = "reference"


class AppealTransition(AppealScoped, APIView):
    """Move an appeal: start (handler: the username of the station's officer or supervisor who will
    handle it), reassign (another handler, while in progress), resolve (resolution required). 403 when
    you may not (officers act only on the appeals assigned to them); 409 when the state does not allow
    it or the version is stale."""

    @extend_schema(request=AppealTransitionInput, responses={200: AppealOutput, **error_responses(400, 403, 404, 409)})
    def post(self, request, reference: str):
        appeal = self.get_appeal()
        data = AppealTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["handler"] = selectors.handler_by_username(appeal=appeal, actor=request.user, username=values["handler"])
        appeal = services.appeal_transition(appeal=appeal, actor=request.user, **values)
        return Response(AppealOutput(selectors.appeal_get(user=request.user, reference=appeal.reference)).data)


urlpatterns = [
    path("public/appeals/", PublicAppealSubmit.as_view(), name="api-appeal-submit"),
    path("public/appeals/progress/", PublicAppealProgress.as_view(), name="api-appeal-progress"),
    path("appeals/", AppealListCreate.as_view(), name="api-appeal-list"),
    path("appeals/<str:reference>/", AppealDetail.as_view(), name="api-appeal-detail"),
    path("appeals/<str:reference>/transitions/", AppealTransition.as_view(), name="api-appeal-transition"),
]
