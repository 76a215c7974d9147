from datetime import date

import pytest
import time_machine

from compliance.services.registers import register_build
from compliance.tests.builders import at
from compliance.tests.test_registers import make_appeals
from compliance.tests.test_reports import build, make_october
from evaluations.tests.factories import same_day_service
from hukou.tests.conftest import staff  # noqa: F401  (the two-units staff of every permission test)
from windows.tests.openapi import assert_matches_schema


@pytest.fixture
def service(db):
    """A same-day service: taken in, accepted and completed at the counter."""
    return same_day_service()


@pytest.fixture
def api(client):
    """Calls the JSON API as ``user`` (signed out if None): a GET with ``params``, or a POST of ``body``;
    every response checked against the OpenAPI schema."""

    def call(user, url, body=None, **params):
        if user is not None:
            client.force_login(user)
        get = body is None
        response = client.get(url, params) if get else client.post(url, body, content_type="application/json")
        assert_matches_schema(response)
        client.logout()
        return response

    return call


# --- October's bulletin and November's register (test_reports, test_reports_pages, test_exports) ---------


@pytest.fixture
def october(staff, service):  # noqa: F811
    return make_october(staff, service)


@pytest.fixture
def appeals(org, staff):  # noqa: F811
    return make_appeals(org, staff)


@pytest.fixture
def report(october):
    return build()


@pytest.fixture
def register(appeals):
    with time_machine.travel(at(2026, 11, 27, 7), tick=False):
        return register_build(period_day=date(2026, 11, 29))
