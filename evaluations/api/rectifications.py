"""The API of bad-review rectification (差评整改) and the appeal review of a rating (申诉复核): scoped
reads, and one small view per command. Errors come out in the project's one shape."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import Evaluation, RatingChannel, RatingReview, Reason, Rectification, ReviewGround
from evaluations.selectors import rectifications as selectors
from evaluations.services import rectifications as services
from notices.phones import mask_phone
from windows.api_errors import error_responses
from windows.errors import Conflict

LEVEL_HELP = "满意度 1–5：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意"


class RectificationEvaluationOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", help_text="办件编号")
    channel = serializers.ChoiceField(choices=RatingChannel.choices)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=Reason.choices))
    officer = serializers.CharField(source="officer.username", help_text="被评价民警")
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None, help_text="窗口号")
    contact_phone = serializers.SerializerMethodField(help_text="只对可以办理该整改的管理人员完整显示，其他人脱敏")

    class Meta:
        model = Evaluation
        fields = ["id", "case", "level", "channel", "reasons", "comment", "officer", "window", "contact_phone",
                  "created_at"]  # fmt: skip

    def get_contact_phone(self, evaluation) -> str:
        if self.context.get("may_act"):
            return evaluation.contact_phone
        return mask_phone(evaluation.contact_phone)


class RectificationReviewOutput(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = RatingReview
        fields = ["ground", "reason", "requested_by", "requested_at", "outcome", "decided_by", "decided_at",
                  "decision_note"]  # fmt: skip


class RectificationOutput(serializers.ModelSerializer):
    evaluation = serializers.SerializerMethodField()
    review = RectificationReviewOutput(
        source="evaluation.review", required=False, help_text="申诉复核；没有提出过则不出现"
    )
    station = serializers.CharField(source="station.code")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    contacted_by = serializers.CharField(source="contacted_by.username", allow_null=True, default=None)
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True, default=None)
    callback_level = serializers.IntegerField(allow_null=True, help_text=f"回访{LEVEL_HELP}")
    may_act = serializers.SerializerMethodField(help_text="当前用户能否办理（核实联系、办结、改派）")

    class Meta:
        model = Rectification
        fields = [
            "id", "status", "evaluation", "review", "station", "assignee", "opened_on", "contact_due_on",
            "rectify_due_on", "contacted_at", "contacted_by", "contact_note", "finding", "action_taken",
            "callback_level", "callback_at", "closed_at", "closed_by", "contact_late_on", "rectify_late_on",
            "version", "may_act",
        ]  # fmt: skip

    def to_representation(self, rectification):
        data = super().to_representation(rectification)
        if data.get("review") is None:
            data.pop("review", None)
        return data

    def _may_act(self, rectification) -> bool:
        return services.rectification_may_act(self.context["request"].user, rectification)

    @extend_schema_field(RectificationEvaluationOutput)
    def get_evaluation(self, rectification):
        context = {**self.context, "may_act": self._may_act(rectification)}
        return RectificationEvaluationOutput(rectification.evaluation, context=context).data

    def get_may_act(self, rectification) -> bool:
        return self._may_act(rectification)


# --- input ----------------------------------------------------------------------------------------


class RectificationContactInput(serializers.Serializer):
    contact_note = serializers.CharField(allow_blank=True, help_text="核实情况：核查经过和与群众联系的结果（必填）")
    contacted_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="联系时间；不填为现在"
    )
    version = serializers.IntegerField(help_text="读取整改时的版本号；已被他人修改则返回 409")


class RectificationCloseInput(serializers.Serializer):
    finding = serializers.CharField(allow_blank=True, help_text="查明情况（必填）")
    action_taken = serializers.CharField(allow_blank=True, help_text="整改措施（必填）")
    callback_level = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=f"回访{LEVEL_HELP}；群众留有电话时必填"
    )
    callback_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="回访时间；群众留有电话时必填"
    )
    version = serializers.IntegerField(help_text="读取整改时的版本号；已被他人修改则返回 409")


class RectificationReassignInput(serializers.Serializer):
    assignee = serializers.CharField(help_text="本所所长（户籍负责人）的用户名")
    version = serializers.IntegerField(help_text="读取整改时的版本号；已被他人修改则返回 409")


class RectificationReviewInput(serializers.Serializer):
    ground = serializers.ChoiceField(choices=ReviewGround.choices, help_text="mistaken 误评、malicious 恶意评价")
    reason = serializers.CharField(allow_blank=True, help_text="申诉理由（必填）")


class RectificationReviewDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(o.value, o.label) for o in services.DECISION_OUTCOMES],
        help_text="upheld 评价有效；excluded 认定误评或恶意评价，不计入考核",
    )
    note = serializers.CharField(allow_blank=True, help_text="复核意见（必填）")


# --- views ----------------------------------------------------------------------------------------


class RectificationScoped:
    """Every rectification endpoint reads through the scoped selector: another unit's is a 404."""

    def get_queryset(self):
        return selectors.rectification_list(user=self.request.user)

    def get_rectification(self) -> Rectification:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def fresh(self, rectification: Rectification) -> Response:
        """The rectification again as it is now, with what the output shows loaded."""
        again = selectors.rectification_get(user=self.request.user, pk=rectification.pk)
        return Response(RectificationOutput(again, context={"request": self.request}).data)


@extend_schema_view(get=extend_schema(responses={200: RectificationOutput, **error_responses(400, 403)}))
class RectificationList(RectificationScoped, generics.ListAPIView):
    """Rectifications of your scope, open ones first by their next limit. ``late=true``: only those
    past a limit (not contacted in time, or not closed in time)."""

    serializer_class = RectificationOutput
    filterset_class = selectors.RectificationFilter


@extend_schema_view(get=extend_schema(responses={200: RectificationOutput, **error_responses(403, 404)}))
class RectificationDetail(RectificationScoped, generics.RetrieveAPIView):
    """One rectification with its rating and, if any, its appeal review."""

    serializer_class = RectificationOutput

    def get_object(self):
        return self.get_rectification()


class RectificationContact(RectificationScoped, APIView):
    """Record the verification and the call to the citizen (open → contacted). 403 unless you are a
    supervisor of the station or a bureau supervisor above it; 409 for a wrong state or a stale version."""

    @extend_schema(
        request=RectificationContactInput, responses={200: RectificationOutput, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        rectification = self.get_rectification()
        data = RectificationContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        rectification = services.rectification_contact(
            rectification=rectification, actor=request.user, **data.validated_data
        )
        return self.fresh(rectification)


class RectificationClose(RectificationScoped, APIView):
    """Close the rectification (contacted → closed) with the finding and what was done; the call back's
    satisfaction and time are required whenever the citizen left a phone."""

    @extend_schema(
        request=RectificationCloseInput, responses={200: RectificationOutput, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        rectification = self.get_rectification()
        data = RectificationCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        rectification = services.rectification_close(
            rectification=rectification, actor=request.user, **data.validated_data
        )
        return self.fresh(rectification)


class RectificationReassign(RectificationScoped, APIView):
    """Give the rectification to another supervisor of the station."""

    @extend_schema(
        request=RectificationReassignInput,
        responses={200: RectificationOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        rectification = self.get_rectification()
        data = RectificationReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = (
            services.reassign_candidates(rectification)
            .filter(user__username=data.validated_data["assignee"])
            .values_list("user_id", flat=True)
            .first()
        )
        rectification = services.rectification_reassign(
            rectification=rectification, actor=request.user, assignee=assignee, version=data.validated_data["version"]
        )
        return self.fresh(rectification)


class RectificationReviewRequest(RectificationScoped, APIView):
    """Put the rated service under appeal review (申诉复核): a station supervisor, once per rating. The
    rating itself is never changed."""

    @extend_schema(
        request=RectificationReviewInput,
        responses={201: RectificationOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        rectification = self.get_rectification()
        data = RectificationReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.rating_review_request(evaluation=rectification.evaluation, actor=request.user, **data.validated_data)
        response = self.fresh(rectification)
        response.status_code = 201
        return response


class RectificationReviewDecision(RectificationScoped, APIView):
    """Decide the appeal review: a bureau supervisor above the station, once."""

    @extend_schema(
        request=RectificationReviewDecisionInput,
        responses={200: RectificationOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        rectification = self.get_rectification()
        data = RectificationReviewDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = getattr(rectification.evaluation, "review", None)
        if review is None:
            raise Conflict(services.NO_REVIEW)
        services.rating_review_decide(review=review, actor=request.user, **data.validated_data)
        return self.fresh(rectification)


urlpatterns = [
    path("rectifications/", RectificationList.as_view(), name="api-rectification-list"),
    path("rectifications/<int:pk>/", RectificationDetail.as_view(), name="api-rectification-detail"),
    path("rectifications/<int:pk>/contact/", RectificationContact.as_view(), name="api-rectification-contact"),
    path("rectifications/<int:pk>/close/", RectificationClose.as_view(), name="api-rectification-close"),
    path("rectifications/<int:pk>/reassign/", RectificationReassign.as_view(), name="api-rectification-reassign"),
    path("rectifications/<int:pk>/review/", RectificationReviewRequest.as_view(), name="api-rectification-review"),
    path(
        "rectifications/<int:pk>/review/decision/",
        RectificationReviewDecision.as_view(),
        name="api-rectification-review-decision",
    ),
]
