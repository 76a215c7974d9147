"""The organisation and inbox API: sign-in, scope, filters, the error shape, and every response
checked against the OpenAPI schema."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate as validate_openapi_spec
from rest_framework.authtoken.models import Token

from windows import services
from windows.api import NOT_STAFF
from windows.api_errors import INVALID_INPUT
from windows.models import Notification, Role, Unit
from windows.tests.factories import CityFactory, StaffFactory, StationFactory
from windows.tests.openapi import api_schema, assert_matches_schema

User = get_user_model()

NOT_SIGNED_IN = "身份认证信息未提供。"
NOT_FOUND = "未找到。"


def api_get(client, url, **extra):
    response = client.get(url, **extra)
    assert_matches_schema(response)
    return response


def api_post(client, url, **extra):
    response = client.post(url, **extra)
    assert_matches_schema(response)
    return response


def codes(response) -> list[str]:
    return [unit["code"] for unit in response.json()["results"]]


@pytest.fixture
def inboxes(east_officer, west_officer):
    """Two notifications for the east officer (one already read), one for the west officer."""
    older = services.notification_send(recipient=east_officer.user, text="旧通知")
    services.notification_mark_read(user=east_officer.user, notification_id=older.pk)
    return {
        "east_read": older,
        "east_unread": services.notification_send(recipient=east_officer.user, text="新通知", link="/cases/1/"),
        "west_unread": services.notification_send(recipient=west_officer.user, text="西湖的通知"),
    }


# --- signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/me/"),
        ("get", "/api/units/"),
        ("get", "/api/units/S1/"),
        ("get", "/api/notifications/"),
        ("post", "/api/notifications/1/read/"),
    ],
)
def test_every_endpoint_refuses_a_request_without_credentials(client, org, method, url):
    response = getattr(client, method)(url)

    assert_matches_schema(response)
    # SessionAuthentication comes first in DEFAULT_AUTHENTICATION_CLASSES and sends no
    # WWW-Authenticate challenge, so DRF answers 403 rather than 401.
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert response.json() == {"detail": NOT_SIGNED_IN}


def test_a_token_signs_in(client, east_officer):
    token = Token.objects.create(user=east_officer.user)

    response = api_get(client, "/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["username"] == "east-officer"


def test_a_wrong_token_is_refused(client, east_officer):
    Token.objects.create(user=east_officer.user)

    response = api_get(client, "/api/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_a_token_of_a_deactivated_user_is_refused(client, east_officer):
    token = Token.objects.create(user=east_officer.user)
    User.objects.filter(pk=east_officer.user.pk).update(is_active=False)

    response = api_get(client, "/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403


def test_a_session_post_needs_the_csrf_token(east_officer, inboxes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(east_officer.user)
    url = f"/api/notifications/{inboxes['east_unread'].pk}/read/"

    response = api_post(client, url)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Notification.objects.get(pk=inboxes["east_unread"].pk).read_at is None


def test_a_token_post_needs_no_csrf_token(east_officer, inboxes):
    client = Client(enforce_csrf_checks=True)
    token = Token.objects.create(user=east_officer.user)

    response = api_post(
        client, f"/api/notifications/{inboxes['east_unread'].pk}/read/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200


# --- /api/me/ ---------------------------------------------------------------------------------


def test_me_describes_the_staff_member_and_their_unit(client, east_officer):
    client.force_login(east_officer.user)

    response = api_get(client, "/api/me/")

    assert response.status_code == 200
    assert response.json() == {
        "username": "east-officer",
        "name": east_officer.user.first_name,
        "role": "officer",
        "police_number": east_officer.police_number,
        "is_sworn": True,
        "has_enforcement_qualification": True,
        "unit": {"code": "S1", "name": "东关派出所", "kind": "station", "parent": "D1", "address": "", "phone": ""},
    }


def test_me_of_an_auxiliary_has_no_enforcement_qualification(client, org):
    auxiliary = StaffFactory(unit=org["west_station"], role=Role.AUXILIARY)
    client.force_login(auxiliary.user)

    body = api_get(client, "/api/me/").json()

    assert (body["role"], body["police_number"], body["is_sworn"], body["has_enforcement_qualification"]) == (
        "auxiliary",
        None,
        False,
        False,
    )
    assert body["unit"]["code"] == "S2"


def test_me_of_a_city_supervisor_has_a_unit_without_parent(client, org):
    supervisor = StaffFactory(unit=org["city"], role=Role.BUREAU_SUPERVISOR)
    client.force_login(supervisor.user)

    response = api_get(client, "/api/me/")

    assert response.json()["unit"]["code"] == "C1"
    assert response.json()["unit"]["parent"] is None


def test_me_refuses_an_account_without_staff_record(client, org):
    client.force_login(User.objects.create_superuser("root", password="x-Long-Password-1"))

    response = api_get(client, "/api/me/")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_STAFF}


# --- /api/units/ ------------------------------------------------------------------------------


def test_an_officer_lists_only_their_station(client, east_officer, west_officer):
    client.force_login(east_officer.user)
    assert codes(api_get(client, "/api/units/")) == ["S1"]

    client.force_login(west_officer.user)
    assert codes(api_get(client, "/api/units/")) == ["S2"]


def test_a_district_supervisor_lists_their_district_only(client, org):
    client.force_login(StaffFactory(unit=org["east"], role=Role.BUREAU_SUPERVISOR).user)

    response = api_get(client, "/api/units/")

    assert response.json()["count"] == 2
    assert codes(response) == ["D1", "S1"]


def test_a_city_supervisor_lists_every_unit_and_filters_them(client, org):
    client.force_login(StaffFactory(unit=org["city"], role=Role.BUREAU_SUPERVISOR).user)

    assert codes(api_get(client, "/api/units/")) == ["C1", "D1", "S1", "D2", "S2"]
    assert codes(api_get(client, "/api/units/?kind=station")) == ["S1", "S2"]
    assert codes(api_get(client, "/api/units/?kind=district")) == ["D1", "D2"]
    assert codes(api_get(client, "/api/units/?parent=D2")) == ["S2"]
    assert codes(api_get(client, "/api/units/?parent=C1&kind=district")) == ["D1", "D2"]


def test_filtering_by_a_unit_outside_the_scope_finds_nothing(client, east_officer):
    client.force_login(east_officer.user)

    response = api_get(client, "/api/units/?parent=D2")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_bad_filter_value_is_a_400_with_field_errors(client, east_officer):
    client.force_login(east_officer.user)

    response = api_get(client, "/api/units/?kind=bogus")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == INVALID_INPUT
    assert list(body["errors"]) == ["kind"]
    assert "bogus" in body["errors"]["kind"][0]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(client, east_officer):
    client.force_login(east_officer.user)

    response = api_get(client, "/api/units/?page=9")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_the_unit_list_runs_the_same_queries_for_many_units(client, org):
    """No query per unit (the parent's code comes with the unit)."""
    client.force_login(StaffFactory(unit=org["city"], role=Role.BUREAU_SUPERVISOR).user)

    with CaptureQueriesContext(connection) as few:
        assert api_get(client, "/api/units/").json()["count"] == 5
    for _ in range(20):
        StationFactory(parent=org["west"])
    with CaptureQueriesContext(connection) as many:
        assert api_get(client, "/api/units/").json()["count"] == 25

    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # session, user, staff, scope root, count, page, and the session save (a savepoint around an UPDATE)
    assert len(few) <= 9, [q["sql"] for q in few.captured_queries]


def test_unit_detail_within_scope(client, org):
    client.force_login(StaffFactory(unit=org["east"], role=Role.BUREAU_SUPERVISOR).user)

    response = api_get(client, "/api/units/S1/")

    assert response.status_code == 200
    assert response.json() == {
        "code": "S1",
        "name": "东关派出所",
        "kind": "station",
        "parent": "D1",
        "address": "",
        "phone": "",
    }


def test_unit_detail_of_a_city_has_a_null_parent(client, org):
    client.force_login(StaffFactory(unit=org["city"], role=Role.BUREAU_SUPERVISOR).user)

    response = api_get(client, "/api/units/C1/")

    assert response.status_code == 200
    assert response.json()["parent"] is None


@pytest.mark.parametrize("code", ["S2", "D2", "C1", "D1"])
def test_unit_detail_outside_scope_is_the_same_404_as_a_missing_unit(client, east_officer, code):
    client.force_login(east_officer.user)

    outside = api_get(client, f"/api/units/{code}/")
    missing = api_get(client, "/api/units/NOPE/")

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"detail": NOT_FOUND}


def test_a_unit_of_another_city_is_not_found_even_for_a_city_supervisor(client, org):
    other_city = CityFactory(code="C2")
    client.force_login(StaffFactory(unit=org["city"], role=Role.BUREAU_SUPERVISOR).user)

    assert api_get(client, f"/api/units/{other_city.code}/").status_code == 404
    assert "C2" not in codes(api_get(client, "/api/units/"))
    assert Unit.objects.filter(code="C2").exists()


# --- /api/notifications/ ----------------------------------------------------------------------


def test_the_inbox_lists_own_notifications_newest_first(client, east_officer, inboxes):
    client.force_login(east_officer.user)

    response = api_get(client, "/api/notifications/")

    results = response.json()["results"]
    assert [n["id"] for n in results] == [inboxes["east_unread"].pk, inboxes["east_read"].pk]
    assert results[0]["read_at"] is None
    assert results[1]["read_at"] is not None
    assert results[0]["link"] == "/cases/1/"


def test_the_inbox_filters_unread(client, east_officer, inboxes):
    client.force_login(east_officer.user)

    unread = api_get(client, "/api/notifications/?unread=true").json()["results"]
    read = api_get(client, "/api/notifications/?unread=false").json()["results"]

    assert [n["id"] for n in unread] == [inboxes["east_unread"].pk]
    assert [n["id"] for n in read] == [inboxes["east_read"].pk]


def test_an_account_without_staff_record_has_an_empty_inbox(client, org):
    user = User.objects.create_user("citizen", password="x-Long-Password-1")
    services.notification_send(recipient=user, text="不该看到")
    client.force_login(user)

    response = api_get(client, "/api/notifications/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_marking_own_notification_read(client, east_officer, inboxes):
    client.force_login(east_officer.user)
    url = f"/api/notifications/{inboxes['east_unread'].pk}/read/"

    first = api_post(client, url)
    second = api_post(client, url)

    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == inboxes["east_unread"].pk
    assert first.json()["read_at"] is not None
    # Marking again keeps the first reading time.
    assert second.json()["read_at"] == first.json()["read_at"]
    assert api_get(client, "/api/notifications/?unread=true").json()["count"] == 0


def test_marking_another_users_notification_is_a_404_and_changes_nothing(client, east_officer, inboxes):
    client.force_login(east_officer.user)

    other = api_post(client, f"/api/notifications/{inboxes['west_unread'].pk}/read/")
    missing = api_post(client, "/api/notifications/999999999/read/")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": NOT_FOUND}
    assert Notification.objects.get(pk=inboxes["west_unread"].pk).read_at is None


def test_the_notification_list_does_not_accept_a_post(client, east_officer):
    client.force_login(east_officer.user)

    response = client.post("/api/notifications/")

    assert response.status_code == 405
    assert set(response.json()) == {"detail"}


# --- the schema -------------------------------------------------------------------------------


def test_the_generated_schema_is_valid_openapi():
    validate_openapi_spec(api_schema())


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn raises on any warning of drf-spectacular (an unresolvable field, a guessed type).
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


WINDOWS_PATHS = [
    "/api/me/",
    "/api/units/",
    "/api/units/{code}/",
    "/api/notifications/",
    "/api/notifications/{id}/read/",
]


def test_the_served_schema_is_public_and_valid(client, db):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    validate_openapi_spec(schema)
    assert set(schema["paths"]) >= set(WINDOWS_PATHS)


def test_the_api_docs_are_public(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content


@pytest.mark.parametrize("path", WINDOWS_PATHS)
def test_every_operation_documents_its_errors_in_the_error_shape(path):
    for method, operation in api_schema()["paths"][path].items():
        errors = {code: response for code, response in operation["responses"].items() if code >= "400"}
        assert "403" in errors, f"{method.upper()} {path} does not document 403"
        for code, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOutput"}, f"{method.upper()} {path} {code}"


def test_the_schema_check_catches_a_body_that_breaks_the_schema(client, east_officer):
    client.force_login(east_officer.user)
    response = client.get("/api/me/")
    response.content = b'{"username": 7, "unit": {"code": "S1"}}'

    with pytest.raises(AssertionError, match="schema does not allow"):
        assert_matches_schema(response)


def test_the_schema_check_catches_an_undocumented_operation(client, east_officer):
    client.force_login(east_officer.user)
    response = client.post("/api/notifications/")  # the list has no POST operation

    with pytest.raises(AssertionError, match="OperationNotFound"):
        assert_matches_schema(response)


def test_the_schema_check_catches_an_undocumented_status(client, east_officer):
    client.force_login(east_officer.user)
    response = client.get("/api/me/")
    response.status_code = 409

    with pytest.raises(AssertionError, match="ResponseNotFound"):
        assert_matches_schema(response)
