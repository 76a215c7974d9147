"""The public catalog API: read the service types and check a set of materials against one."""

import dataclasses
import json

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hukou import personal_data, selectors
from hukou.filters import CaseFilter, ServiceTypeFilter
from hukou.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    Channel,
    ChecklistItem,
    Condition,
    ServiceType,
)
from hukou.services import case_create, case_decision, case_record_materials, case_transition, checklist_decide
from hukou.services import cases as case_services
from hukou.services import status as status_lookup
from hukou.services.cases import ACTION_LABELS, TRANSITION_ACTIONS
from hukou.services.checklist import Decision
from hukou.views.guide import public_limit
from hukou.views.status import lookup_limit, over_lookup_limit
from windows.access import staff_of
from windows.api_errors import INVALID_INPUT, error_response, error_responses
from windows.selectors import window_list

public = method_decorator(public_limit, name="dispatch")


class ConditionOutput(serializers.ModelSerializer):
    class Meta:
        model = Condition
        fields = ["key", "question"]


class ChecklistItemOutput(serializers.ModelSerializer):
    condition = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    group = serializers.CharField(allow_blank=True, help_text="同组材料任选其一；空为单独一项。")

    class Meta:
        model = ChecklistItem
        fields = ["id", "name", "detail", "condition", "group", "deferrable"]


class ServiceTypeSummaryOutput(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["code", "name", "category", "time_limit_days", "fee_yuan", "handling_mode"]


class ServiceTypeOutput(serializers.ModelSerializer):
    conditions = ConditionOutput(many=True)
    items = ChecklistItemOutput(many=True)

    class Meta:
        model = ServiceType
        fields = [
            "code", "version", "name", "category", "description", "time_limit_days", "statutory_limit_days",
            "fee_yuan", "fee_basis", "legal_basis", "handling_mode", "needs_supervisor_approval",
            "supplement_days", "where_when", "process", "conditions", "items",
        ]  # fmt: skip


class CheckInput(serializers.Serializer):
    provided = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    facts = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)


class CheckOutput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    missing = ChecklistItemOutput(many=True, source="missing_items")
    deferrable_missing = ChecklistItemOutput(many=True, source="deferrable_missing_items")
    unanswered = ConditionOutput(many=True, help_text="未回答的适用条件：其材料已按需要计入。")


@public
@extend_schema_view(get=extend_schema(responses={200: ServiceTypeSummaryOutput, **error_responses(400, 429)}))
class ServiceTypeList(generics.ListAPIView):
    """The published service types (the current version of each)."""

    permission_classes = [AllowAny]
    serializer_class = ServiceTypeSummaryOutput
    filterset_class = ServiceTypeFilter

    def get_queryset(self):
        return selectors.service_type_list()


@public
@extend_schema_view(get=extend_schema(responses={200: ServiceTypeOutput, **error_responses(404, 429)}))
class ServiceTypeDetail(generics.RetrieveAPIView):
    """One service type with its conditions and checklist items (their ids are what /check/ takes)."""

    permission_classes = [AllowAny]
    serializer_class = ServiceTypeOutput

    def get_object(self):
        return _published_service_type(self.kwargs["code"])


def _published_service_type(code: str) -> ServiceType:
    try:
        return selectors.service_type_get(code=code)
    except ServiceType.DoesNotExist:
        raise Http404 from None


@public
class ServiceTypeCheck(APIView):
    """Check materials against a service type: accept, accept_deficient (容缺受理) or notify (一次性告知)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=CheckInput, responses={200: CheckOutput, **error_responses(400, 404, 429)})
    def post(self, request, code: str):
        service_type = _published_service_type(code)
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = checklist_decide(
            service_type=service_type,
            provided=data.validated_data["provided"],
            facts=data.validated_data["facts"],
            items=service_type.items.all(),
        )
        return Response(CheckOutput(result).data)


# --- cases (staff only, scoped to the user's unit) ---------------------------------------------


class CaseServiceTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["code", "name", "version"]


class CaseMaterialOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="item.name")

    class Meta:
        model = CaseMaterial
        fields = ["item", "name", "received_on"]


class CaseDocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = CaseDocument
        fields = ["number", "kind", "issued_at"]


class CaseListOutput(serializers.ModelSerializer):
    service_type = CaseServiceTypeOutput()
    station = serializers.CharField(source="station.code")
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None)
    officer = serializers.CharField(source="officer.username")
    id_number = serializers.CharField(source="id_number_masked", help_text="脱敏显示，如 370802********123X")
    phone = serializers.SerializerMethodField(help_text="脱敏显示")

    class Meta:
        model = Case
        fields = [
            "number", "service_type", "station", "window", "officer", "applicant_name", "id_number", "phone",
            "channel", "priority", "status", "accepted_on", "due_on", "supplement_due_on", "completed_at",
            "collected_at", "trips", "version", "created_at",
        ]  # fmt: skip

    def get_phone(self, case) -> str:
        return personal_data.mask_phone(case.phone)


class CaseDecisionOutput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    missing = ChecklistItemOutput(many=True, source="missing_items")
    deferrable_missing = ChecklistItemOutput(many=True, source="deferrable_missing_items")


class CaseOutput(CaseListOutput):
    facts = serializers.DictField(child=serializers.BooleanField())
    materials = CaseMaterialOutput(many=True)
    documents = CaseDocumentOutput(many=True)
    decision = serializers.SerializerMethodField()

    class Meta(CaseListOutput.Meta):
        fields = [*CaseListOutput.Meta.fields, "facts", "materials", "documents", "decision"]

    @extend_schema_field(CaseDecisionOutput)
    def get_decision(self, case):
        return CaseDecisionOutput(case_decision(case)).data


class CaseEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = CaseEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]


class CaseCreateInput(serializers.Serializer):
    service_type = serializers.CharField(help_text="业务事项编码，如 residence-permit-1y")
    applicant_name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(max_length=20)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WINDOW)
    window = serializers.IntegerField(required=False, allow_null=True, help_text="本所窗口号")
    priority = serializers.BooleanField(default=False)
    provided = serializers.ListField(child=serializers.IntegerField(), default=list)
    facts = serializers.DictField(child=serializers.BooleanField(), default=dict)


class CaseTransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, str(ACTION_LABELS[a])) for a in TRANSITION_ACTIONS])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="", help_text="不予受理时必填")
    version = serializers.IntegerField(help_text="读取办件时的版本号；已被他人修改则返回 409")
    supplement_due_on = serializers.DateField(required=False, allow_null=True, default=None)
    commitment_signed = serializers.BooleanField(default=False, help_text="容缺受理时须为 true（承诺书已签署）")
    send_sms = serializers.BooleanField(
        default=False,
        help_text="一次性告知（notify）时可选：为 true 则同时把告知单所列材料以短信发给申请人（“短信发送”）。"
        "其他操作忽略此项；办结短信总是发送。",
    )


class CaseMaterialsInput(serializers.Serializer):
    provided = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    version = serializers.IntegerField()


class CaseScoped:
    """Every case endpoint reads through the scoped selector: another unit's case is a 404."""

    def get_queryset(self):
        return selectors.case_list(user=self.request.user)

    def get_case(self) -> Case:
        return get_object_or_404(selectors.case_list(user=self.request.user), number=self.kwargs["number"])


@extend_schema_view(
    get=extend_schema(responses={200: CaseListOutput, **error_responses(400, 403)}),
    post=extend_schema(request=CaseCreateInput, responses={201: CaseOutput, **error_responses(400, 403)}),
)
class CaseListCreate(CaseScoped, generics.ListAPIView):
    """Cases of your unit (filters as on the case list); POST takes in a new case as a draft."""

    serializer_class = CaseListOutput
    filterset_class = CaseFilter

    def post(self, request):
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        window_number = values.pop("window", None)
        window = None
        if window_number is not None:
            staff = staff_of(request.user)
            window = window_list(user=request.user).filter(number=window_number, station=staff and staff.unit).first()
            if window is None:
                raise ValidationError({"window": [case_services.WINDOW_NOT_HERE]})
        case = case_create(actor=request.user, window=window, **values)
        return Response(CaseOutput(_for_output(request.user, case)).data, status=201)


def _for_output(user, case: Case) -> Case:
    """The case again, with what CaseOutput shows loaded."""
    return selectors.case_list(user=user).prefetch_related("materials__item", "documents").get(pk=case.pk)


@extend_schema_view(get=extend_schema(responses={200: CaseOutput, **error_responses(403, 404)}))
class CaseDetail(CaseScoped, generics.RetrieveAPIView):
    serializer_class = CaseOutput
    lookup_field = "number"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("materials__item", "documents")


class CaseTransition(CaseScoped, APIView):
    """Move a case: accept, accept_deficient (容缺), notify (一次性告知; send_sms for a copy by SMS),
    submit_review, approve, complete, collect, reject (legal_basis required), withdraw, suspend (note
    required), resume. Completing a case (complete, approve) queues the citizen's completion SMS; when
    an SMS cannot be written the move is not made (400). 403 when your role may not; 409 when the case's
    state does not allow it or the version is stale."""

    @extend_schema(request=CaseTransitionInput, responses={200: CaseOutput, **error_responses(400, 403, 404, 409)})
    def post(self, request, number: str):
        case = self.get_case()
        data = CaseTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_transition(case=case, actor=request.user, **data.validated_data)
        return Response(CaseOutput(_for_output(request.user, case)).data)


class CaseMaterials(CaseScoped, APIView):
    """Record materials the citizen handed over (counts their visit)."""

    @extend_schema(request=CaseMaterialsInput, responses={200: CaseOutput, **error_responses(400, 403, 404, 409)})
    def post(self, request, number: str):
        case = self.get_case()
        data = CaseMaterialsInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_record_materials(case=case, actor=request.user, **data.validated_data)
        return Response(CaseOutput(_for_output(request.user, case)).data)


@extend_schema_view(get=extend_schema(responses={200: CaseEventOutput(many=True), **error_responses(403, 404)}))
class CaseEvents(CaseScoped, generics.ListAPIView):
    """The case's timeline, oldest first."""

    serializer_class = CaseEventOutput
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no case to look up
            return CaseEvent.objects.none()
        return self.get_case().events.select_related("actor")


# --- the citizens' status lookup (public) -------------------------------------------------------


class CaseStatusInput(serializers.Serializer):
    """The lookup's input, for the schema; ``status_lookup.lookup_arguments`` reads it (the same rules
    without a serializer's cost on the busiest public endpoint)."""

    number = serializers.CharField(max_length=60, help_text="办件编号，见受理回执或补正材料通知书")
    id_suffix = serializers.CharField(
        required=False, max_length=20, help_text="申请人身份证号后6位（末位 x 按 X 处理）；与 phone_suffix 二选一"
    )
    phone_suffix = serializers.CharField(
        required=False, max_length=20, help_text="办理时登记的手机号后4位；与 id_suffix 二选一"
    )


class MissingItemOutput(serializers.Serializer):
    name = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    deferrable = serializers.BooleanField(help_text="可容缺：其他材料齐全时可先受理，限期补交")


class MissingRequirementOutput(serializers.Serializer):
    label = serializers.CharField()
    one_of = serializers.BooleanField(help_text="为 true 时 items 任选其一")
    items = MissingItemOutput(many=True)


class PickupOutput(serializers.Serializer):
    station = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    hours = serializers.CharField(allow_blank=True, help_text="办公时间")
    window = serializers.IntegerField(allow_null=True, help_text="窗口号")
    bring = serializers.ListField(child=serializers.CharField(), help_text="领取时请携带")


class TimelineEntryOutput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=status_lookup.Stage.choices)
    title = serializers.CharField()
    on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True, help_text="受理时：承诺办结日期")
    supplement_due_on = serializers.DateField(allow_null=True, help_text="容缺受理时：材料补齐期限")
    missing = MissingRequirementOutput(many=True, help_text="一次性告知的全部补正材料；容缺受理时为待补材料")
    pickup = PickupOutput(required=False, help_text="仅在已办结待领取时出现：领取地点、时间和须携带的证件")

    def to_representation(self, entry):
        data = super().to_representation(entry)
        if data.get("pickup") is None:
            data.pop("pickup", None)
        return data


class CaseStatusOutput(serializers.Serializer):
    number = serializers.CharField()
    service = serializers.CharField(source="service_name")
    station = serializers.CharField(source="station_name")
    station_phone = serializers.CharField(allow_blank=True, help_text="派出所咨询电话")
    station_address = serializers.CharField(allow_blank=True)
    station_hours = serializers.CharField(allow_blank=True, help_text="办公时间")
    applicant = serializers.CharField(source="applicant_name", help_text="脱敏姓名，如 张*、欧阳**")
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    status_hint = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    supplement_due_on = serializers.DateField(allow_null=True)
    timeline = TimelineEntryOutput(many=True)


@csrf_exempt  # reads no cookie and no session: a forged cross-site request gains nothing
@login_not_required
@public_limit
@lookup_limit
@never_cache
def case_status_lookup(request: HttpRequest) -> JsonResponse:
    """``POST /api/public/case-status/``, a plain Django view: the busiest public endpoint, where DRF's
    request handling would cost more than the lookup itself. Documented (and also served) by
    ``CaseStatusLookup``; answers errors in the API's one shape."""
    if request.method != "POST":
        return error_response(405, _("只接受 POST 请求。"))
    if over_lookup_limit(request):
        return error_response(429, _(status_lookup.TOO_MANY_LOOKUPS))
    try:
        data = json.loads(request.body)
    except ValueError:  # also a body that is not UTF-8
        return error_response(400, _(INVALID_INPUT), {"non_field_errors": [_("请求体须为 JSON 对象。")]})
    try:
        result = status_lookup.case_status_lookup(**status_lookup.lookup_arguments(data))
    except ValidationError as exc:
        return error_response(400, _(INVALID_INPUT), exc.message_dict)
    except status_lookup.TooManyFailures:
        return error_response(429, _(status_lookup.TOO_MANY_FAILURES))
    if result is None:
        return error_response(404, _(status_lookup.NOT_FOUND))
    return JsonResponse(status_payload(result), json_dumps_params={"ensure_ascii": False})


class CaseStatusLookup(APIView):
    """The citizens' status lookup: the case number and one second factor (the last 6 characters of the
    applicant's ID number, or the last 4 digits of the phone). A wrong number and a wrong factor get the
    same 404. Limits: per client address (shared with the /status/ page) and per case number (after too
    many failures the number is locked for an hour: 429 without checking).

    The URL serves ``case_status_lookup`` directly; this class describes it in the schema."""

    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(request=CaseStatusInput, responses={200: CaseStatusOutput, **error_responses(400, 404, 429)})
    def post(self, request):
        return case_status_lookup(request._request)


# The schema generator finds an API view by these attributes of the URL's callback.
case_status_lookup.cls, case_status_lookup.initkwargs = CaseStatusLookup, {}


def status_payload(result) -> dict:
    """CaseStatusOutput's shape, built straight from the dataclasses: the lookup is the hottest public
    endpoint and a nested serializer costs more than the lookup itself (the schema tests hold the two
    to the same shape)."""
    data = dataclasses.asdict(result)
    for old, new in (("service_name", "service"), ("station_name", "station"), ("applicant_name", "applicant")):
        data[new] = data.pop(old)
    for entry in data["timeline"]:
        if entry["pickup"] is None:
            del entry["pickup"]
        else:
            entry["pickup"]["bring"] = list(entry["pickup"]["bring"])
        entry["missing"] = [{**req, "items": list(req["items"])} for req in entry["missing"]]
    return data
