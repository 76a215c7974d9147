"""Checks API responses against the OpenAPI schema that drf-spectacular generates from the code.

``assert_matches_schema(response)`` fails when the response's status code is not documented for its
operation, or when its body does not match the documented schema.
"""

import json
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.generators import SchemaGenerator
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse


@cache
def api_schema() -> dict:
    """The schema as plain JSON data (drf-spectacular leaves lazy translations in it)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(api_schema())


def _describe(error: Exception) -> str:
    lines = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    if cause is not None:
        lines.append(f"  caused by {type(cause).__name__}: {cause}")
        lines.extend(f"    - {schema_error.message}" for schema_error in getattr(cause, "schema_errors", ()))
    return "\n".join(lines)


def assert_matches_schema(response) -> None:
    """``response`` is a Django test client response of an API call."""
    errors = list(
        _openapi().iter_response_errors(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
    )
    if errors:
        request = response.wsgi_request
        raise AssertionError(
            f"{request.method} {request.get_full_path()} answered {response.status_code} "
            f"{response.content[:500]!r}, which the OpenAPI schema does not allow:\n"
            + "\n".join(_describe(error) for error in errors)
        )
