"""The 服务标兵 API: a month's slots of the stations in your scope with the suggestion and its reasons,
every response checked against the OpenAPI schema."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from compliance.models import Award, AwardKind, MonthlyFigures
from compliance.services import awards as services

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
AWARDS = "/api/compliance/awards/"


@pytest.fixture(autouse=True)
def early_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 3, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def get(api):
    return lambda user, **params: api(user, AWARDS, **params)


def test_url_name():
    assert reverse("api-compliance-awards") == AWARDS


def test_counter_staff_get_a_403(get, staff):
    assert get(staff["officer"]).status_code == 403


def test_the_awards_of_your_scope(get, org, staff):
    east = org["east_station"]
    MonthlyFigures.objects.create(
        month=date(2026, 5, 1), station=east, unit_path=east.path, officer=staff["officer"], completed=130,
        completed_on_time=130, rated=125, ratings=125, satisfied=124,
    )  # fmt: skip
    services.awards_suggest(month=date(2026, 5, 1))
    response = get(staff["chief"], month="2026-05")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(a["station"], a["kind"], a["slot"]) for a in results] == [
        ("S1", AwardKind.BEST, 1), ("S1", AwardKind.QUALITY, 1), ("S1", AwardKind.QUALITY, 2)
    ]  # fmt: skip
    best = results[0]
    assert (best["suggested"], best["confirmed"], best["officer"]) == ("officer", False, None)
    assert best["reasons"]["satisfied"] == 124 and best["reasons"]["bad"] == 0
    assert best["reasons_text"].startswith("满意率 99.2%（124/125）、评价覆盖率 96.2%")
    assert results[1]["reasons"] == {} and results[1]["suggested"] is None
    city = get(staff["city"], month="2026-05").json()
    assert {a["station"] for a in city["results"]} == {"S1", "S2"}
    assert get(staff["chief"], month="2026-04").json()["count"] == 0
    assert get(staff["chief"], month="x").status_code == 400


def test_a_confirmed_award_shows_who_and_why(get, org, staff):
    east = org["east_station"]
    MonthlyFigures.objects.create(
        month=date(2026, 5, 1), station=east, unit_path=east.path, officer=staff["officer"], ratings=10, satisfied=10
    )
    services.awards_suggest(month=date(2026, 5, 1))
    best = Award.objects.get(station=east, kind=AwardKind.BEST)
    services.award_confirm(actor=staff["chief"], award=best, officer=staff["officer2"], note="群众来信表扬")
    result = get(staff["district"], month="2026-05", station="S1").json()["results"][0]
    assert result["id"] == best.pk
    assert (result["officer"], result["officer_name"], result["note"], result["confirmed"], result["confirmed_by"]) == (
        "officer2", staff["officer2"].get_full_name(), "群众来信表扬", True, "chief"
    )  # fmt: skip
