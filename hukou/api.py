"""The public catalog API: read the service types and check a set of materials against one."""

from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hukou import selectors
from hukou.filters import ServiceTypeFilter
from hukou.models import ChecklistItem, Condition, ServiceType
from hukou.services import checklist_decide
from hukou.services.checklist import Decision
from hukou.views.guide import public_limit
from windows.api_errors import error_responses

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
        return get_object_or_404(
            ServiceType.objects.published().prefetch_related("conditions", "items__condition"),
            code=self.kwargs["code"],
        )


@public
class ServiceTypeCheck(APIView):
    """Check materials against a service type: accept, accept_deficient (容缺受理) or notify (一次性告知)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=CheckInput, responses={200: CheckOutput, **error_responses(400, 404, 429)})
    def post(self, request, code: str):
        service_type = get_object_or_404(ServiceType.objects.published(), code=code)
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = checklist_decide(
            service_type=service_type, provided=data.validated_data["provided"], facts=data.validated_data["facts"]
        )
        return Response(CheckOutput(result).data)
