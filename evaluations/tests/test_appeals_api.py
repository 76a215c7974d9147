"""The appeals API: public submission and progress lookup, the staff's scoped list, detail, entry and
moves; every response checked against the OpenAPI schema."""

import re

import pytest
from django.test import Client

from evaluations.models import Appeal, AppealStatus
from evaluations.services import appeals as services
from evaluations.services.appeals import appeal_submit
from windows.models import Notification
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

CONTENT = "身份证换领在窗口排了两个小时队，工作人员态度也不好。"


def body(**overrides):
    data = {
        "station": "S1",
        "category": "attitude",
        "contact_name": "王小明",
        "contact_phone": "+86 139-1234-5678",
        "content": CONTENT,
    }
    data.update(overrides)
    return data


def post(client, url, data, **extra):
    response = client.post(url, data, content_type="application/json", **extra)
    assert_matches_schema(response)
    return response


@pytest.fixture
def api(client):
    def call(user, method, url, data=None, **params):
        client.force_login(user)
        response = client.get(url, params) if method == "get" else post(client, url, data or {})
        assert_matches_schema(response)
        client.logout()
        return response

    return call


def make_appeal(station, **overrides):
    values = {"category": "efficiency", "contact_name": "李四", "contact_phone": "13800001234", "content": CONTENT}
    values.update(overrides)
    return appeal_submit(station=station, **values)


# --- public -----------------------------------------------------------------------------------------


def test_a_citizen_submits_without_an_account_or_a_csrf_token(org, staff, time_machine):
    time_machine.move_to("2026-09-30 10:00:00+08:00")
    response = post(Client(enforce_csrf_checks=True), "/api/public/appeals/", body())
    assert response.status_code == 201
    assert response.json() == {"reference": "SQS1202609300001", "due_on": "2026-10-13"}
    appeal = Appeal.objects.get()
    assert appeal.contact_phone == "13912345678" and appeal.source == "online"


def test_bad_input_is_a_400_by_field_and_saves_nothing(client, org):
    response = post(client, "/api/public/appeals/", body(contact_phone="123", content="短", category="x"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"category"}  # the serializer's check comes first
    response = post(client, "/api/public/appeals/", body(contact_phone="123", content="短"))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "contact_phone": ["请输入11位中国大陆手机号码。"],
        "content": [services.CONTENT_TOO_SHORT],
    }
    response = post(client, "/api/public/appeals/", body(station="D1"))  # a district is no station
    assert response.status_code == 400 and response.json()["errors"] == {"station": [services.STATION_INVALID]}
    assert not Appeal.objects.exists()


def test_the_honeypot_gets_a_201_and_saves_nothing(client, org, staff):
    response = post(client, "/api/public/appeals/", body(website="http://spam.example"))
    assert response.status_code == 201
    assert re.fullmatch(r"SQS1\d{8}\d{4}", response.json()["reference"])
    assert not Appeal.objects.exists() and not Notification.objects.exists()


def test_submissions_are_rate_limited_per_address(client, org, settings):
    settings.RATELIMIT_APPEALS = "1/h"
    assert post(client, "/api/public/appeals/", body()).status_code == 201
    response = post(client, "/api/public/appeals/", body())
    assert response.status_code == 429 and response.json() == {"detail": "提交过于频繁，请稍后再试。"}
    assert Appeal.objects.count() == 1
    assert post(client, "/api/public/appeals/", body(), REMOTE_ADDR="10.1.2.3").status_code == 201


def test_progress_answers_the_same_404_for_a_wrong_reference_or_phone(client, org, staff):
    appeal = make_appeal(org["east_station"])
    url = "/api/public/appeals/progress/"
    wrong_reference = post(client, url, {"reference": "SQS1209901010001", "phone_suffix": "1234"})
    wrong_phone = post(client, url, {"reference": appeal.reference, "phone_suffix": "9999"})
    assert wrong_reference.status_code == wrong_phone.status_code == 404
    assert wrong_reference.json() == wrong_phone.json()
    right = post(client, url, {"reference": appeal.reference.lower(), "phone_suffix": "1234"})
    assert right.status_code == 200
    data = right.json()
    assert data["reference"] == appeal.reference and data["status"] == "open" and data["station"] == "东关派出所"
    assert [step["stage"] for step in data["timeline"]] == ["received"]
    bad = post(client, url, {"reference": "", "phone_suffix": "12a4"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"reference", "phone_suffix"}


def test_progress_is_rate_limited(client, org, settings):
    settings.RATELIMIT_STATUS_LOOKUP = "1/m"
    appeal = make_appeal(org["east_station"])
    url = "/api/public/appeals/progress/"
    assert post(client, url, {"reference": appeal.reference, "phone_suffix": "1234"}).status_code == 200
    assert post(client, url, {"reference": appeal.reference, "phone_suffix": "1234"}).status_code == 429


# --- staff ------------------------------------------------------------------------------------------


def test_the_list_and_detail_are_scoped_to_the_unit(api, org, staff):
    east = make_appeal(org["east_station"])
    west = make_appeal(org["west_station"], category="other")
    listed = api(staff["officer"], "get", "/api/appeals/").json()
    assert [row["reference"] for row in listed["results"]] == [east.reference]
    assert listed["results"][0]["contact_phone"] == "138****1234"
    listed = api(staff["other_district"], "get", "/api/appeals/").json()
    assert [row["reference"] for row in listed["results"]] == [west.reference]
    both = api(staff["city"], "get", "/api/appeals/", category="other").json()
    assert [row["reference"] for row in both["results"]] == [west.reference]
    assert api(staff["officer"], "get", f"/api/appeals/{west.reference}/").status_code == 404
    detail = api(staff["officer"], "get", f"/api/appeals/{east.reference}/").json()
    assert detail["contact_phone"] == "13800001234" and detail["events"][0]["action"] == "submit"
    assert api(staff["officer"], "get", "/api/appeals/", status="nonsense").status_code == 400


def test_the_api_needs_a_signed_in_user(client, org):
    response = client.get("/api/appeals/")
    assert_matches_schema(response)
    assert response.status_code == 403


def test_staff_entry(api, org, staff):
    entry = body(station="S1", source="phone")
    response = api(staff["officer"], "post", "/api/appeals/", entry)
    assert response.status_code == 201
    data = response.json()
    assert data["source"] == "phone" and data["received_by"] == "officer" and data["status"] == "open"
    refused = api(staff["other_officer"], "post", "/api/appeals/", entry)  # another station
    assert refused.status_code == 400 and refused.json()["errors"] == {"station": [services.STATION_INVALID]}
    online = api(staff["officer"], "post", "/api/appeals/", {**entry, "source": "online"})
    assert online.status_code == 400
    assert api(staff["admin"], "post", "/api/appeals/", entry).status_code == 403  # no station to enter for
    assert Appeal.objects.count() == 1


def test_transitions(api, org, staff):
    appeal = make_appeal(org["east_station"])
    url = f"/api/appeals/{appeal.reference}/transitions/"
    refused = api(staff["officer"], "post", url, {"action": "start", "handler": "officer", "version": 1})
    assert refused.status_code == 403 and refused.json()["detail"] == services.ONLY_SUPERVISORS_ASSIGN
    assert api(staff["other_district"], "post", url, {"action": "start", "version": 1}).status_code == 404
    unknown = api(staff["chief"], "post", url, {"action": "start", "handler": "other-officer", "version": 1})
    assert unknown.status_code == 400 and unknown.json()["errors"] == {"handler": [services.HANDLER_INVALID]}
    early = api(staff["chief"], "post", url, {"action": "resolve", "resolution": "已办结", "version": 1})
    assert early.status_code == 409
    started = api(staff["chief"], "post", url, {"action": "start", "handler": "officer", "version": 1})
    assert started.status_code == 200
    assert started.json()["status"] == "in_progress" and started.json()["handler"] == "officer"
    stale = api(staff["officer"], "post", url, {"action": "resolve", "resolution": "已办结", "version": 1})
    assert stale.status_code == 409
    empty = api(staff["officer"], "post", url, {"action": "resolve", "version": 2})
    assert empty.status_code == 400 and empty.json()["errors"] == {"resolution": [services.RESOLUTION_REQUIRED]}
    done = api(staff["officer"], "post", url, {"action": "resolve", "resolution": "已办结", "version": 2})
    assert done.status_code == 200 and done.json()["status"] == AppealStatus.RESOLVED
    assert [e["action"] for e in done.json()["events"]] == ["submit", "start", "resolve"]
    bad = api(staff["chief"], "post", url, {"action": "reopen", "version": 3})
    assert bad.status_code == 400 and "action" in bad.json()["errors"]
