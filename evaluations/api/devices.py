"""The counter device's API, for a device app instead of the device page: its current prompt and the
citizen's rating. A device authenticates with its token (``Authorization: Device <token>``), the same
token the device page keeps in its cookie; no user signs in."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import Device, Evaluation, Level, RatingChannel, Reason
from evaluations.selectors import devices as selectors
from evaluations.services import devices as services
from evaluations.views.devices import device_limit
from windows.api_errors import ErrorOutput, error_responses

KEYWORD = "Device"
TOKEN_INVALID = "评价器令牌无效或已失效，请在评价器上重新配对。"  # noqa: S105  (a message / a name, not a secret)
TOKEN_MISSING = "缺少评价器令牌（Authorization: Device <token>）。"  # noqa: S105  (a message / a name, not a secret)

limited = method_decorator(device_limit, name="dispatch")


class DeviceTokenAuthentication(BaseAuthentication):
    """``Authorization: Device <token>``: the device's signed token. A bad token is a 401; the request
    is then no user's, and ``request.auth`` is the paired ``Device``."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_(TOKEN_INVALID))
        try:
            token = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_(TOKEN_INVALID)) from None
        device = selectors.device_for_token(token)
        if device is None:
            raise exceptions.AuthenticationFailed(_(TOKEN_INVALID))
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:
        return KEYWORD


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "evaluations.api.devices.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "评价器令牌：`Device <token>`。令牌在评价器配对后由评价页面取得；重新配对或解除配对后失效。",
        }


class IsPairedDevice(BasePermission):
    message = TOKEN_MISSING

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Device)


UNAUTHORIZED = {401: OpenApiResponse(ErrorOutput, description="评价器令牌缺失、伪造或已失效（重新配对或解除配对后）。")}


class DeviceView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsPairedDevice]

    @property
    def device(self) -> Device:
        return self.request.auth


# --- serializers --------------------------------------------------------------------------------------


class DeviceWindowOutput(serializers.Serializer):
    station = serializers.CharField(source="station.name")
    number = serializers.IntegerField(help_text="窗口号")
    name = serializers.CharField()


class PromptOutput(serializers.Serializer):
    event = serializers.IntegerField(source="event.pk", help_text="评价时提交的业务记录编号")
    action = serializers.CharField(
        source="event.action", help_text="notify / accept / accept_deficient / complete / collect"
    )
    action_label = serializers.CharField()
    service = serializers.CharField(source="service_name")
    officer_name = serializers.CharField()
    officer_police_number = serializers.CharField(source="police_number", allow_blank=True)
    window_number = serializers.IntegerField()
    opened_at = serializers.DateTimeField(source="event.at")
    closes_at = serializers.DateTimeField(help_text="此时仍未评价则本次业务记为未评价")


class DevicePromptOutput(serializers.Serializer):
    window = DeviceWindowOutput()
    prompt = PromptOutput(required=False, help_text="当前待评价的业务；没有时不出现（显示待机画面）")

    def to_representation(self, instance):
        if instance.get("prompt") is None:
            return {"window": DeviceWindowOutput(instance["window"]).data}
        return super().to_representation(instance)


class DeviceRatingInput(serializers.Serializer):
    event = serializers.IntegerField(help_text="prompt.event")
    level = serializers.ChoiceField(choices=Level.choices, help_text="5 非常满意 … 1 非常不满意")
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=Reason.choices),
        required=False,
        default=list,
        help_text="评价原因（可多选），不满意、非常不满意时询问",
    )


class DeviceRatingOutput(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=RatingChannel.choices, help_text="评价渠道：device（窗口评价器）")

    class Meta:
        model = Evaluation
        fields = ["id", "event", "channel", "level", "reasons", "created_at"]


# --- endpoints ----------------------------------------------------------------------------------------


@limited
class DevicePrompt(DeviceView):
    """The device's current prompt: the newest transaction at its window (one-time notice, acceptance,
    completion, collection) within the prompt time, whose case is not rated yet. Polling it keeps the
    device shown online."""

    @extend_schema(responses={200: DevicePromptOutput, **UNAUTHORIZED, **error_responses(403, 429)})
    def get(self, request):
        services.device_seen(device=self.device)
        prompt = selectors.device_prompt(device=self.device)
        return Response(DevicePromptOutput({"window": self.device.window, "prompt": prompt}).data)


@limited
class DeviceRating(DeviceView):
    """The citizen's rating of the prompt on the device. 400 when the prompt has closed (``event``:
    评价已超时) or the input is bad; 409 when the case was rated already."""

    @extend_schema(
        request=DeviceRatingInput,
        responses={201: DeviceRatingOutput, **UNAUTHORIZED, **error_responses(400, 403, 409, 429)},
    )
    def post(self, request):
        data = DeviceRatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.device_rate(
            device=self.device,
            event_id=data.validated_data["event"],
            level=data.validated_data["level"],
            reasons=data.validated_data["reasons"],
        )
        return Response(DeviceRatingOutput(evaluation).data, status=201)


urlpatterns = [
    path("device/prompt/", DevicePrompt.as_view(), name="api-device-prompt"),
    path("device/ratings/", DeviceRating.as_view(), name="api-device-rating"),
]
