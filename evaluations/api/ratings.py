"""The ratings API: the staff's list and detail (scoped like the ratings page), and the citizens'
rating through a rating link (public, rate-limited)."""

from django.urls import path
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.filters import EvaluationFilter
from evaluations.models import COMMENT_MAX_LENGTH, Evaluation, Level, RatingChannel, Reason
from evaluations.selectors import ratings as selectors
from evaluations.services.ratings import evaluation_create_from_token
from evaluations.views.ratings import rating_limit
from hukou.views.guide import public_limit
from windows.api_errors import error_responses


class RatingOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", help_text="办件编号")
    service = serializers.CharField(source="case.service_type.name", help_text="业务事项")
    station = serializers.CharField(source="station.code")
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None, help_text="窗口号")
    officer = serializers.CharField(source="officer.username", help_text="办理民警（用户名）")
    level = serializers.ChoiceField(choices=Level.choices, help_text="5 非常满意 … 1 非常不满意")
    level_label = serializers.CharField(source="get_level_display")
    channel = serializers.ChoiceField(
        choices=RatingChannel.choices,
    )
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=Reason.choices))
    is_bad = serializers.BooleanField(help_text="差评（不满意、非常不满意）")
    rectification = serializers.SerializerMethodField(help_text="差评整改编号；非差评为 null")

    class Meta:
        model = Evaluation
        fields = [
            "id", "case", "service", "station", "window", "officer", "channel", "level", "level_label",
            "reasons", "comment", "is_bad", "rectification", "created_at",
        ]  # fmt: skip

    def get_rectification(self, evaluation) -> int | None:
        rectification = getattr(evaluation, "rectification", None)
        return rectification.pk if rectification is not None else None


class RatingScoped:
    """Every rating endpoint for staff reads through the scoped selector: another unit's rating is a 404."""

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)


@extend_schema_view(get=extend_schema(responses={200: RatingOutput, **error_responses(400, 403)}))
class RatingList(RatingScoped, generics.ListAPIView):
    """Ratings the user may see, newest first: an officer's own, a station's, or everything below a
    bureau; the filters of the ratings page."""

    serializer_class = RatingOutput
    filterset_class = EvaluationFilter


@extend_schema_view(get=extend_schema(responses={200: RatingOutput, **error_responses(403, 404)}))
class RatingDetail(RatingScoped, generics.RetrieveAPIView):
    serializer_class = RatingOutput


class PublicRatingInput(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="评价链接 /rate/<token>/ 中的 token")
    level = serializers.IntegerField(help_text="5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意")
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list, help_text="见 Reason，可多选"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX_LENGTH)
    contact_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text="仅差评：回访电话；空则用办件登记的手机号",
    )


class PublicRatingOutput(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField(source="get_level_display")
    channel = serializers.ChoiceField(
        choices=RatingChannel.choices,
    )
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=Reason.choices))

    class Meta:
        model = Evaluation
        fields = ["level", "level_label", "channel", "reasons", "comment", "created_at"]


@method_decorator(public_limit, name="dispatch")
@method_decorator(rating_limit, name="dispatch")
class PublicRatingCreate(APIView):
    """A citizen's rating through a rating link (the SMS's or the online one). 400 with errors on
    ``token`` for an expired or bad link, on the other fields for bad input; 409 when the case has been
    rated already, by any channel (one rating per case)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=PublicRatingInput, responses={201: PublicRatingOutput, **error_responses(400, 409, 429)})
    def post(self, request):
        data = PublicRatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = evaluation_create_from_token(**data.validated_data)
        return Response(PublicRatingOutput(evaluation).data, status=201)


urlpatterns = [
    path("ratings/", RatingList.as_view(), name="api-rating-list"),
    path("ratings/<int:pk>/", RatingDetail.as_view(), name="api-rating-detail"),
    path("public/ratings/", PublicRatingCreate.as_view(), name="api-public-rating-create"),
]
