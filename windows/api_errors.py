"""One shape for every API error.

``{"detail": "...", "errors": {"field": ["message", ...]}}`` — ``errors`` only for bad input (400).
A Django ``ValidationError`` raised by a service becomes the same 400 as a serializer's.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from windows.errors import Conflict

INVALID_INPUT = "输入有误，请按提示修改。"

ERROR_DESCRIPTIONS = {
    400: "输入有误：errors 按字段列出原因。",
    403: "未登录，或无权执行此操作。",
    404: "不存在，或不在本单位的范围内。",
    409: "与记录当前的状态或版本冲突：detail 说明原因。",
    429: "请求过于频繁，请稍后再试。",
}


class ErrorOutput(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="仅 400：字段名 → 错误信息列表；与字段无关的错误在 non_field_errors 下。",
    )


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an operation, for ``@extend_schema(responses={200: ..., **error_responses(...)})``."""
    return {code: OpenApiResponse(ErrorOutput, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "与办件当前状态冲突。"
    default_code = "conflict"


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as one level: ``{"provided": {"0": [...]}}`` → ``{"provided.0": [...]}``."""
    flat: dict[str, list[str]] = {}
    items = errors.items() if isinstance(errors, dict) else enumerate(errors)
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) or (isinstance(value, list) and value and not isinstance(value[0], str)):
            flat.update(_flatten(value, name))
        elif value:
            flat[name] = [str(message) for message in value] if isinstance(value, list) else [str(value)]
    return flat


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Ratelimited):
        exc = exceptions.Throttled(detail=_("操作过于频繁，请稍后再试。"))
    elif isinstance(exc, DjangoPermissionDenied):
        # DRF would answer its own generic text; the service's message says why.
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Conflict):
        exc = ConflictError(exc.message)
    elif isinstance(exc, Http404):
        # get_object_or_404's message names the model, in English ("No Unit matches the given query.").
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _(INVALID_INPUT), "errors": _flatten(errors)}
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": response.data}
    return response


def error_response(status: int, detail: str, errors=None) -> JsonResponse:
    """The same shape from a plain Django view (one that skips DRF to stay fast)."""
    body = {"detail": str(detail)}
    if errors:
        body["errors"] = _flatten(errors)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
