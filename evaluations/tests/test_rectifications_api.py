"""The rectification API: scoped reads, one command per endpoint, errors in the project's one shape,
every response checked against the OpenAPI schema."""

import pytest
from django.utils import timezone

from evaluations.models import Evaluation, Level, RatingReview, RectificationStatus
from evaluations.services import rectifications as services
from evaluations.services.rectifications import rectification_contact
from evaluations.tests.factories import completed_case, rate
from windows.api_errors import INVALID_INPUT
from windows.models import Role
from windows.tests.factories import StaffFactory
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def call(user, method, url, body=None, **params):
        client.force_login(user)
        if method == "get":
            response = client.get(url, params)
        else:
            response = client.post(url, body or {}, content_type="application/json")
        assert_matches_schema(response)
        client.logout()
        return response

    return call


@pytest.fixture
def west_chief(org):
    return StaffFactory(username="west-chief", unit=org["west_station"], role=Role.STATION_SUPERVISOR).user


@pytest.fixture
def rectification(staff, service):
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    return rate(case, level=Level.VERY_DISSATISFIED, reasons=["waiting"]).rectification


def url(rectification, step=""):
    return f"/api/rectifications/{rectification.pk}/{step + '/' if step else ''}"


def test_list_and_detail_are_scoped(api, staff, service, rectification, west_chief):
    other = rate(completed_case(officer=staff["other_officer"], service_type=service), level=2).rectification
    response = api(staff["chief"], "get", "/api/rectifications/")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [rectification.pk]
    row = response.json()["results"][0]
    assert row["status"] == "open" and row["may_act"] is True and "review" not in row
    assert row["evaluation"]["contact_phone"] == "13800138000"
    assert row["evaluation"]["case"] == rectification.evaluation.case.number
    assert row["evaluation"]["channel"] == "device"

    assert [r["id"] for r in api(west_chief, "get", "/api/rectifications/").json()["results"]] == [other.pk]
    assert api(west_chief, "get", url(rectification)).status_code == 404
    assert api(staff["other_district"], "get", url(rectification)).status_code == 404

    seen_by_officer = api(staff["officer"], "get", url(rectification)).json()
    assert seen_by_officer["may_act"] is False and seen_by_officer["evaluation"]["contact_phone"] == "138****8000"
    assert api(staff["officer2"], "get", url(rectification)).status_code == 404


def test_list_filters_by_status_and_late(api, staff, rectification):
    assert api(staff["chief"], "get", "/api/rectifications/", status="closed").json()["count"] == 0
    assert api(staff["chief"], "get", "/api/rectifications/", status="open").json()["count"] == 1
    assert api(staff["chief"], "get", "/api/rectifications/", late="true").json()["count"] == 0
    assert api(staff["chief"], "get", "/api/rectifications/", late="false").json()["count"] == 1
    response = api(staff["chief"], "get", "/api/rectifications/", status="lost")
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_contact_and_close(api, staff, rectification):
    response = api(staff["chief"], "post", url(rectification, "contact"), {"contact_note": "已联系", "version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "contacted" and response.json()["contacted_by"] == "chief"
    body = {
        "finding": "等候时间过长",
        "action_taken": "增开窗口",
        "callback_level": 4,
        "callback_at": timezone.now().isoformat(),
        "version": 2,
    }
    response = api(staff["district"], "post", url(rectification, "close"), body)
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["callback_level"], data["closed_by"]) == ("closed", 4, "district")


def test_errors_in_the_one_shape(api, staff, rectification):
    response = api(
        staff["chief"], "post", url(rectification, "close"), {"finding": "", "action_taken": "", "version": 1}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": services.STATE_MAY_NOT % {"status": "待核实", "action": "整改办结"}}

    response = api(staff["chief"], "post", url(rectification, "contact"), {"contact_note": " ", "version": 1})
    assert response.status_code == 400
    assert response.json() == {"detail": INVALID_INPUT, "errors": {"contact_note": [services.CONTACT_NOTE_REQUIRED]}}

    response = api(staff["chief"], "post", url(rectification, "contact"), {"contact_note": "已联系"})
    assert response.status_code == 400 and "version" in response.json()["errors"]

    response = api(staff["chief"], "post", url(rectification, "contact"), {"contact_note": "已联系", "version": 7})
    assert response.status_code == 409 and response.json()["detail"] == services.STALE_VERSION

    response = api(staff["officer"], "post", url(rectification, "contact"), {"contact_note": "已联系", "version": 1})
    assert response.status_code == 403 and response.json()["detail"] == services.NOT_YOURS

    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN and rectification.version == 1

    rectification_contact(rectification=rectification, actor=staff["chief"], contact_note="已联系")
    body = {"finding": "查明", "action_taken": "整改", "version": 2}
    response = api(staff["chief"], "post", url(rectification, "close"), body)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "callback_level": [services.CALLBACK_LEVEL_REQUIRED],
        "callback_at": [services.CALLBACK_AT_REQUIRED],
    }


def test_reassign(api, staff, org, rectification):
    StaffFactory(username="deputy", unit=org["east_station"], role=Role.STATION_SUPERVISOR)
    response = api(staff["chief"], "post", url(rectification, "reassign"), {"assignee": "officer", "version": 1})
    assert response.status_code == 400 and response.json()["errors"] == {"assignee": [services.ASSIGNEE_INVALID]}
    response = api(staff["chief"], "post", url(rectification, "reassign"), {"assignee": "deputy", "version": 1})
    assert response.status_code == 200 and response.json()["assignee"] == "deputy"
    response = api(staff["officer"], "post", url(rectification, "reassign"), {"assignee": "chief", "version": 2})
    assert response.status_code == 403


def test_review_request_and_decision_leave_the_rating_unchanged(api, staff, rectification):
    before = Evaluation.objects.filter(pk=rectification.evaluation_id).values().get()
    body = {"ground": "mistaken", "reason": "群众误点"}
    assert api(staff["officer"], "post", url(rectification, "review"), body).status_code == 403
    assert (
        api(
            staff["district"], "post", url(rectification, "review/decision"), {"outcome": "upheld", "note": "有效"}
        ).status_code
        == 409
    )

    response = api(staff["chief"], "post", url(rectification, "review"), body)
    assert response.status_code == 201
    assert response.json()["review"]["outcome"] == "pending" and response.json()["review"]["requested_by"] == "chief"
    response = api(staff["chief"], "post", url(rectification, "review"), body)
    assert response.status_code == 409 and response.json()["detail"] == services.REVIEW_EXISTS

    decision = {"outcome": "excluded", "note": "经核实系误评"}
    assert api(staff["chief"], "post", url(rectification, "review/decision"), decision).status_code == 403
    response = api(staff["district"], "post", url(rectification, "review/decision"), {"outcome": "pending", "note": ""})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"outcome"}
    response = api(staff["district"], "post", url(rectification, "review/decision"), decision)
    assert response.status_code == 200
    review = response.json()["review"]
    assert (review["outcome"], review["decided_by"]) == ("excluded", "district")
    assert RatingReview.objects.count() == 1
    assert Evaluation.objects.filter(pk=rectification.evaluation_id).values().get() == before


def test_anonymous_callers_get_403(client, rectification):
    response = client.get("/api/rectifications/")
    assert_matches_schema(response)
    assert response.status_code == 403
