"""The follow-up calls API: the lists (scoped, filtered) and recording a call, every response checked
against the OpenAPI schema."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from evaluations.models import CallListEntry, FollowUpCall, Level
from evaluations.services.followups import (
    CALL_NOT_ALLOWED,
    CALLED_IN_FUTURE,
    LEVEL_NOT_REACHED,
    LEVEL_REQUIRED,
    call_list_build,
    follow_up_record,
)
from evaluations.tests.factories import completed_case
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
LISTS = "/api/follow-ups/lists/"


@pytest.fixture(autouse=True)
def june(time_machine):
    time_machine.move_to(datetime(2026, 6, 3, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def api(client):
    def call(user, method, url, body=None, **params):
        if user is not None:
            client.force_login(user)
        if method == "get":
            response = client.get(url, params)
        else:
            response = client.post(url, body or {}, content_type="application/json")
        assert_matches_schema(response)
        client.logout()
        return response

    return call


def done(officer, month, day, service, phone):
    with time_machine.travel(datetime(2026, month, day, 10, tzinfo=SHANGHAI), tick=False):
        return completed_case(officer=officer, service_type=service, phone=phone)


@pytest.fixture
def lists(org, staff, service):
    east_may = done(staff["officer"], 5, 3, service, "13700000001")
    east_april = done(staff["officer"], 4, 3, service, "13700000002")
    west_may = done(staff["other_officer"], 5, 4, service, "13700000003")
    return {
        "east_may": call_list_build(station=org["east_station"], month=date(2026, 5, 1)),
        "east_april": call_list_build(station=org["east_station"], month=date(2026, 4, 1)),
        "west_may": call_list_build(station=org["west_station"], month=date(2026, 5, 1)),
        "cases": {"east_may": east_may, "east_april": east_april, "west_may": west_may},
    }


def calls_url(entry) -> str:
    return f"/api/follow-ups/entries/{entry.pk}/calls/"


def test_url_names():
    assert reverse("api-follow-up-list") == LISTS
    assert reverse("api-follow-up-call", args=[7]) == "/api/follow-ups/entries/7/calls/"


def test_the_lists_of_your_unit_with_entries_and_calls(api, staff, lists):
    entry = CallListEntry.objects.get(call_list=lists["east_may"])
    follow_up_record(actor=staff["officer"], entry=entry, reached=False, notes="未接")
    follow_up_record(actor=staff["officer"], entry=entry, reached=True, level=Level.VERY_SATISFIED)
    response = api(staff["officer"], "get", LISTS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["station"], r["month"]) for r in results] == [("S1", "2026-05-01"), ("S1", "2026-04-01")]
    may = results[0]
    assert may["rule"] == "all" and may["progress"] == {"entries": 1, "called": 1, "reached": 1, "satisfied": 1}
    (row,) = may["entries"]
    case = lists["cases"]["east_may"]
    assert (row["case"], row["phone"], row["officer"]) == (case.number, case.phone, "officer")
    assert row["latest_call"]["reached"] is True and row["latest_call"]["level"] == 5
    assert [c["reached"] for c in row["calls"]] == [True, False]
    assert "latest_call" not in results[1]["entries"][0]  # not called yet


def test_filters_by_station_and_month(api, staff, lists):
    response = api(staff["city"], "get", LISTS, month="2026-05")
    assert sorted(r["station"] for r in response.json()["results"]) == ["S1", "S2"]
    response = api(staff["city"], "get", LISTS, month="2026-05", station="S2")
    (only,) = response.json()["results"]
    assert only["entries"][0]["case"] == lists["cases"]["west_may"].number
    response = api(staff["officer"], "get", LISTS, station="S2")
    assert response.json()["results"] == []  # another unit's: not listed
    response = api(staff["officer"], "get", LISTS, month="May")
    assert response.status_code == 400 and "month" in response.json()["errors"]


def test_the_lists_need_a_sign_in(api, lists):
    assert api(None, "get", LISTS).status_code == 403


def test_recording_a_call(api, staff, lists):
    entry = CallListEntry.objects.get(call_list=lists["east_may"])
    response = api(staff["auxiliary"], "post", calls_url(entry), {"reached": True, "level": 4, "notes": "满意"})
    assert response.status_code == 201
    body = response.json()
    assert (body["called_by"], body["reached"], body["level"], body["notes"]) == ("auxiliary", True, 4, "满意")
    assert FollowUpCall.objects.get().entry == entry


def test_bad_calls_are_400_with_field_errors(api, staff, lists):
    entry = CallListEntry.objects.get(call_list=lists["east_may"])
    officer = staff["officer"]
    response = api(officer, "post", calls_url(entry), {"reached": True})
    assert response.status_code == 400 and response.json()["errors"] == {"level": [LEVEL_REQUIRED]}
    response = api(officer, "post", calls_url(entry), {"reached": False, "level": 3})
    assert response.json()["errors"] == {"level": [LEVEL_NOT_REACHED]}
    body = {"reached": False, "called_at": "2026-06-03T11:00:00+08:00"}
    response = api(officer, "post", calls_url(entry), body)
    assert response.json()["errors"] == {"called_at": [CALLED_IN_FUTURE]}
    response = api(officer, "post", calls_url(entry), {"level": 9})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"reached", "level"}
    assert not FollowUpCall.objects.exists()


def test_another_units_entry_is_404_and_an_admin_is_403(api, staff, lists):
    west_entry = CallListEntry.objects.get(call_list=lists["west_may"])
    east_entry = CallListEntry.objects.get(call_list=lists["east_may"])
    body = {"reached": True, "level": 5}
    assert api(staff["officer"], "post", calls_url(west_entry), body).status_code == 404
    assert api(staff["other_district"], "post", calls_url(east_entry), body).status_code == 404
    assert api(staff["officer"], "post", "/api/follow-ups/entries/999999/calls/", body).status_code == 404
    response = api(staff["admin"], "post", calls_url(east_entry), body)
    assert response.status_code == 403 and response.json()["detail"] == CALL_NOT_ALLOWED
    assert api(None, "post", calls_url(east_entry), body).status_code == 403
    assert not FollowUpCall.objects.exists()
    assert api(staff["other_officer"], "post", calls_url(west_entry), body).status_code == 201
