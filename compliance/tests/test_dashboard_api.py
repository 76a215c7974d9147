"""GET /api/compliance/figures/: the dashboard's figures as JSON, scoped like the page, every response
checked against the OpenAPI schema."""

import pytest
from django.urls import reverse

from compliance.figures import COUNT_KEYS, Totals
from compliance.permissions import NOT_A_SUPERVISOR
from compliance.selectors.dashboard import MONTH_IN_FUTURE, MONTH_INVALID
from compliance.tests.test_dashboard import at, build_may

pytestmark = pytest.mark.django_db
FIGURES = "/api/compliance/figures/"


@pytest.fixture(autouse=True)
def june(time_machine):
    time_machine.move_to(at(6, 10), tick=False)


@pytest.fixture
def may(org, staff):
    return build_may(org, staff)


@pytest.fixture
def api(api):
    return lambda user, **params: api(user, FIGURES, **params)


def test_url_name():
    assert reverse("api-compliance-figures") == FIGURES


def test_a_citys_month_with_its_districts_and_officers(api, staff, may):
    response = api(staff["city"], month="2026-05")
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["closed"]) == ("2026-05", True)
    assert "window" not in body and "officer" not in body
    assert body["unit"] == {"code": "C1", "name": "示范市公安局", "kind": "city"}
    totals = body["totals"]
    assert set(totals["counts"]) == set(COUNT_KEYS)
    assert (totals["counts"]["received"], totals["counts"]["completed"], totals["counts"]["bad"]) == (9, 6, 2)
    assert totals["satisfaction"] == 0.6 and totals["on_time_rate"] == 1.0
    assert totals["coverage"] == pytest.approx(5 / 6)
    assert (totals["median_days"], totals["p90_days"]) == (0, 0)
    assert totals["appeals_in_time_rate"] == 0.0
    assert [(c["kind"], c["unit"], c["name"], c["totals"]["counts"]["completed"]) for c in body["children"]] == [
        ("unit", "D1", "城东分局", 5),
        ("unit", "D2", "城西分局", 1),
    ]
    assert [o["officer"] for o in body["officers"]] == [
        staff["officer2"].pk,
        staff["officer"].pk,
        staff["other_officer"].pk,
    ]
    assert [o["rank"] for o in body["officers"]] == [1, 2, 3]


def test_the_same_figures_as_the_page(api, client, staff, may):
    body = api(staff["city"], unit="S1", month="2026-05").json()
    client.force_login(staff["city"])
    page = client.get("/compliance/", {"unit": "S1", "month": "2026-05"}).context["view"].totals
    assert body["totals"]["counts"] == page.counts
    assert {name: body["totals"][name] for name in Totals.RATES} == {name: getattr(page, name) for name in Totals.RATES}


def test_a_stations_windows_a_windows_officers_and_an_officer(api, staff, may):
    w1, w2, _w3 = may["windows"]
    station = api(staff["chief"], month="2026-05").json()
    assert [(c["kind"], c["window"], c["rank"]) for c in station["children"]] == [
        ("window", w1.pk, None),
        ("window", w2.pk, None),
    ]
    window = api(staff["chief"], window=w1.pk, month="2026-05").json()
    assert window["window"] == {"id": w1.pk, "number": 1, "name": w1.name}
    assert [(c["kind"], c["officer"]) for c in window["children"]] == [("officer", staff["officer"].pk)]
    assert window["totals"]["counts"]["completed"] == 3 and window["totals"]["counts"]["appeals"] == 0
    officer = api(staff["chief"], officer=staff["officer2"].pk, month="2026-05").json()
    assert officer["officer"] == {"id": staff["officer2"].pk, "name": staff["officer2"].staff.display_name}
    assert officer["children"] == [] and officer["officers"] == []
    assert officer["totals"]["counts"]["completed"] == 2 and officer["totals"]["satisfaction"] == 1.0


def test_the_current_month_by_default(api, staff, may):
    body = api(staff["chief"]).json()
    assert (body["month"], body["closed"]) == ("2026-06", False)
    assert body["totals"]["counts"]["completed"] == 0 and body["totals"]["on_time_rate"] is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-5-x", MONTH_INVALID), ("2026-13", MONTH_INVALID), ("2026-07", MONTH_IN_FUTURE)],
)
def test_a_bad_month_is_a_400_with_the_field(api, staff, value, message):
    response = api(staff["city"], month=value)
    assert response.status_code == 400
    assert response.json()["errors"] == {"month": [str(message)]}


def test_bad_ids_are_400s(api, staff):
    response = api(staff["city"], unit="S1", window="abc", officer="0")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"window", "officer"}


def test_a_station_supervisor_sees_only_their_station(api, staff, may):
    _w1, _w2, w3 = may["windows"]
    assert api(staff["chief"], unit="S2").status_code == 404
    assert api(staff["chief"], unit="C1").status_code == 404
    assert api(staff["chief"], window=w3.pk).status_code == 404
    assert api(staff["chief"], officer=staff["other_officer"].pk).status_code == 404
    assert api(staff["other_district"], unit="S1").status_code == 404
    assert api(staff["other_district"], unit="S2", month="2026-05").json()["totals"]["counts"]["completed"] == 1


@pytest.mark.parametrize("role", ["officer", "auxiliary"])
def test_counter_staff_are_refused(api, staff, role):
    response = api(staff[role])
    assert response.status_code == 403
    assert response.json()["detail"] == str(NOT_A_SUPERVISOR)


def test_signed_out_is_refused(api):
    assert api(None).status_code == 403


def test_the_month_param_of_an_earlier_month(api, staff, may):
    body = api(staff["admin"], unit="D2", month="2026-04").json()
    assert (body["month"], body["unit"]["code"], body["totals"]["counts"]["received"]) == ("2026-04", "D2", 0)
