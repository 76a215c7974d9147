"""The 三长接待 API: the scoped list of stints and recording one, every response checked against the
OpenAPI schema."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from compliance.models import DayPart, LeaderRole, ReceptionRecord
from compliance.services import receptions as services
from windows.tests.factories import ServiceWindowFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEPTIONS = "/api/compliance/receptions/"


@pytest.fixture(autouse=True)
def mid_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def leaders(org, staff):
    admin = staff["admin"]
    return {
        "chief": services.leader_create(
            actor=admin, name="李所长", role=LeaderRole.STATION_CHIEF, unit=org["east_station"]
        ),
        "west_chief": services.leader_create(
            actor=admin, name="周所长", role=LeaderRole.STATION_CHIEF, unit=org["west_station"]
        ),
    }


@pytest.fixture
def stints(org, staff, leaders):
    west_window = ServiceWindowFactory(station=org["west_station"], number=1)
    make = services.reception_record
    return {
        "june": make(actor=staff["chief"], leader=leaders["chief"], window=staff["window"], date=date(2026, 6, 2),
                     part=DayPart.WHOLE, citizens_served=6, problems_solved=2, notes="咨询"),
        "may": make(actor=staff["chief"], leader=leaders["chief"], window=staff["window"], date=date(2026, 5, 20),
                    part=DayPart.HALF),
        "west": make(actor=staff["other_district"], leader=leaders["west_chief"], window=west_window,
                     date=date(2026, 6, 2), part=DayPart.HALF),
        "west_window": west_window,
    }  # fmt: skip


def test_url_names():
    assert reverse("api-compliance-receptions") == RECEPTIONS


def test_the_stints_of_your_scope_by_month(api, org, staff, stints):
    response = api(staff["chief"], RECEPTIONS, month="2026-06")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": stints["june"].pk, "leader": stints["june"].leader_id, "leader_name": "李所长", "role": "station_chief",
        "station": "S1", "station_name": "东关派出所", "window": staff["window"].pk, "window_number": 1,
        "date": "2026-06-02", "part": "whole", "days": "1.0", "citizens_served": 6, "problems_solved": 2,
        "notes": "咨询", "recorded_by": "chief", "created_at": body["results"][0]["created_at"],
    }  # fmt: skip
    everything = api(staff["chief"], RECEPTIONS).json()
    assert [r["id"] for r in everything["results"]] == [stints["june"].pk, stints["may"].pk]
    city = api(staff["city"], RECEPTIONS, month="2026-06").json()
    assert {r["id"] for r in city["results"]} == {stints["june"].pk, stints["west"].pk}
    assert api(staff["city"], RECEPTIONS, station="S2").json()["count"] == 1


def test_a_bad_month_is_a_400_and_counter_staff_a_403(api, staff, stints):
    response = api(staff["chief"], RECEPTIONS, month="June")
    assert response.status_code == 400
    assert response.json()["errors"] == {"month": ["月份格式应为“年-月”，如 2026-05。"]}
    assert api(staff["officer"], RECEPTIONS).status_code == 403
    assert api(staff["officer"], RECEPTIONS, {}).status_code == 403


def test_a_stint_is_recorded(api, staff, leaders):
    body = {"leader": leaders["chief"].pk, "window": staff["window"].pk, "date": "2026-06-15", "part": "half",
            "citizens_served": 3, "problems_solved": 1}  # fmt: skip
    response = api(staff["chief"], RECEPTIONS, body)
    assert response.status_code == 201
    assert (response.json()["days"], response.json()["role"], response.json()["notes"]) == ("0.5", "station_chief", "")
    saved = ReceptionRecord.objects.get()
    assert (saved.recorded_by, saved.citizens_served) == (staff["chief"], 3)


def test_bad_input_is_a_400_with_field_errors(api, staff, leaders, stints):
    body = {"leader": leaders["chief"].pk, "window": staff["window"].pk, "date": "2026-06-16", "part": "half",
            "citizens_served": 1, "problems_solved": 2}  # fmt: skip
    response = api(staff["chief"], RECEPTIONS, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "date": [services.DATE_IN_FUTURE], "problems_solved": [services.SOLVED_ABOVE_SERVED]
    }  # fmt: skip
    again = api(staff["chief"], RECEPTIONS, {**body, "date": "2026-06-02", "problems_solved": 0})
    assert again.status_code == 400 and again.json()["errors"] == {"date": [services.ONCE_A_DAY]}
    elsewhere = {"window": stints["west_window"].pk, "leader": leaders["west_chief"].pk, "problems_solved": 0}
    west = api(staff["chief"], RECEPTIONS, {**body, **elsewhere, "date": "2026-06-03"})
    assert west.status_code == 400
    assert west.json()["errors"] == {"leader": [services.LEADER_REQUIRED], "window": [services.WINDOW_REQUIRED]}
    missing = api(staff["chief"], RECEPTIONS, {"part": "night", "citizens_served": -1})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"leader", "window", "date", "part", "citizens_served"}
    assert ReceptionRecord.objects.count() == 3
