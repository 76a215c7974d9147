"""The 三长接待 page: who may open it, what it shows, and its forms (POST-redirect-GET and htmx)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from compliance.models import DayPart, Leader, LeaderRole, ReceptionQuota, ReceptionRecord
from compliance.services import receptions as services
from windows.tests.factories import ServiceWindowFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = "/compliance/receptions/"
RECORDS = "/compliance/receptions/records/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def mid_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def leaders(org, staff):
    admin = staff["admin"]
    return {
        "county": services.leader_create(actor=admin, name="赵局长", role=LeaderRole.COUNTY_CHIEF, unit=org["east"]),
        "chief": services.leader_create(
            actor=admin, name="李所长", role=LeaderRole.STATION_CHIEF, unit=org["east_station"]
        ),
        "west_chief": services.leader_create(
            actor=admin, name="周所长", role=LeaderRole.STATION_CHIEF, unit=org["west_station"]
        ),
    }


@pytest.fixture
def west_window(org):
    return ServiceWindowFactory(station=org["west_station"], number=1)


def stint(leader, window, **overrides) -> dict:
    data = {"leader": leader.pk, "window": window.pk, "date": "2026-06-12", "part": DayPart.WHOLE,
            "citizens_served": "9", "problems_solved": "2", "notes": "解答户口迁移", "month": "2026-06"}  # fmt: skip
    return {**data, **overrides}


def test_url_names():
    assert reverse("compliance:receptions") == PAGE
    assert reverse("compliance:reception_create") == RECORDS


@pytest.mark.parametrize("who", ["officer", "auxiliary"])
def test_counter_staff_get_a_403(client, staff, who):
    client.force_login(staff[who])
    assert client.get(PAGE).status_code == 403
    assert client.post(RECORDS, {}).status_code == 403


def test_the_page_shows_the_months_leaders_quota_and_shortfall(client, staff, leaders):
    services.reception_record(
        actor=staff["chief"], leader=leaders["chief"], window=staff["window"], date=date(2026, 6, 3),
        part=DayPart.WHOLE, citizens_served=8, problems_solved=1,
    )  # fmt: skip
    client.force_login(staff["chief"])
    response = client.get(PAGE, {"month": "2026-06"})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert [(m.leader.name, m.quota, m.served) for m in summary.leaders] == [("李所长", Decimal("3"), Decimal("1"))]
    html = response.content.decode()
    assert 'data-testid="served-{}">1<'.format(leaders["chief"].pk) in html
    assert "尚差 2 天" in html
    assert "李所长" in html and "赵局长" in html  # the county chief is offered in the form
    assert "周所长" not in html  # the west station's is not
    assert [r.leader for r in response.context["page"].object_list] == [leaders["chief"]]
    may = client.get(PAGE, {"month": "2026-05"})
    assert [m.served for m in may.context["summary"].leaders] == [Decimal("0")]
    assert client.get(PAGE, {"month": "2026-13"}).status_code == 400


def test_a_stint_is_recorded_and_the_page_redirects(client, staff, leaders):
    client.force_login(staff["chief"])
    response = client.post(RECORDS, stint(leaders["county"], staff["window"]))
    assert response.status_code == 302
    assert response["Location"] == PAGE + "?month=2026-06"
    saved = ReceptionRecord.objects.get()
    assert (saved.leader, saved.role, saved.part, saved.citizens_served, saved.recorded_by) == (
        leaders["county"], LeaderRole.COUNTY_CHIEF, DayPart.WHOLE, 9, staff["chief"]
    )  # fmt: skip
    page = client.get(response["Location"])
    assert "已登记赵局长 2026-06-12的接待（全天）。" in page.content.decode()


def test_htmx_swaps_the_figures_and_a_fresh_form(client, staff, leaders):
    client.force_login(staff["chief"])
    response = client.post(RECORDS, stint(leaders["chief"], staff["window"], part=DayPart.HALF), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="reception-work">')
    assert 'data-testid="served-{}">0.5<'.format(leaders["chief"].pk) in html
    assert "已登记李所长 2026-06-12的接待（半天）。" in html
    assert "autofocus" in html
    # a stint of another month than the one on screen opens that month
    other = client.post(RECORDS, stint(leaders["chief"], staff["window"], date="2026-05-29", month="2026-06"), **HTMX)
    assert (other.status_code, other["HX-Redirect"]) == (204, PAGE + "?month=2026-05")


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, staff, leaders):
    client.force_login(staff["chief"])
    data = stint(leaders["chief"], staff["window"], date="2026-06-20", citizens_served="2", problems_solved="5")
    response = client.post(RECORDS, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"problems_solved": [services.SOLVED_ABOVE_SERVED]}
    htmx = client.post(RECORDS, {**data, "problems_solved": "1"}, **HTMX)
    assert htmx.status_code == 400
    assert services.DATE_IN_FUTURE in htmx.content.decode()
    assert not ReceptionRecord.objects.exists()


def test_another_stations_window_or_leader_is_refused(client, staff, leaders, west_window):
    client.force_login(staff["chief"])
    response = client.post(RECORDS, stint(leaders["west_chief"], west_window))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "leader": [services.LEADER_REQUIRED], "window": [services.WINDOW_REQUIRED]
    }  # fmt: skip
    assert not ReceptionRecord.objects.exists()


def test_a_stint_is_deleted_and_another_units_is_a_404(client, staff, leaders, west_window):
    mine = services.reception_record(actor=staff["chief"], leader=leaders["chief"], window=staff["window"],
                                     date=date(2026, 6, 3), part=DayPart.HALF)  # fmt: skip
    theirs = services.reception_record(actor=staff["other_district"], leader=leaders["west_chief"], window=west_window,
                                       date=date(2026, 6, 3), part=DayPart.HALF)  # fmt: skip
    client.force_login(staff["chief"])
    assert client.post(reverse("compliance:reception_delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("compliance:reception_delete", args=[mine.pk])).status_code == 302
    assert list(ReceptionRecord.objects.all()) == [theirs]


def test_a_leader_is_added_and_refused_where_the_unit_is_wrong(client, org, staff):
    client.force_login(staff["district"])
    url = reverse("compliance:leader_create")
    response = client.post(url, {"name": "吴科长", "role": LeaderRole.REGISTRY_HEAD, "unit": org["east_station"].pk})
    assert response.status_code == 400
    assert response.context["leader_form"].errors == {"unit": [services.DISTRICT_ROLE_UNIT]}
    assert (
        client.post(url, {"name": "吴科长", "role": LeaderRole.REGISTRY_HEAD, "unit": org["west"].pk}).status_code
        == 400
    )
    response = client.post(url, {"name": "吴科长", "role": LeaderRole.REGISTRY_HEAD, "unit": org["east"].pk,
                                 "month": "2026-05"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == PAGE + "?month=2026-05"
    assert list(Leader.objects.values_list("name", "unit")) == [("吴科长", org["east"].pk)]


def test_a_leader_leaves_office_from_the_page(client, staff, leaders):
    client.force_login(staff["chief"])
    url = reverse("compliance:leader_active", args=[leaders["chief"].pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    assert Leader.objects.get(pk=leaders["chief"].pk).active is False
    # the county chief is the district's: a station chief may not change them, nor see them in the list
    assert (
        client.post(reverse("compliance:leader_active", args=[leaders["county"].pk]), {"active": "0"}).status_code
        == 404
    )


def test_the_city_edits_the_quotas_and_a_station_chief_may_not(client, staff):
    data = {"county_chief": "1", "deputy_chief": "1", "registry_head": "2.5", "station_chief": "3", "month": "2026-06"}
    client.force_login(staff["chief"])
    page = client.get(PAGE)
    assert "quota_form" not in page.context and 'data-testid="quota-station_chief">3 天<' in page.content.decode()
    assert client.post(reverse("compliance:reception_quotas"), data).status_code == 403
    assert not ReceptionQuota.objects.exists()
    client.force_login(staff["city"])
    assert client.post(reverse("compliance:reception_quotas"), {**data, "county_chief": "0.3"}).status_code == 400
    assert not ReceptionQuota.objects.exists()
    assert client.post(reverse("compliance:reception_quotas"), data).status_code == 302
    assert dict(ReceptionQuota.objects.values_list("role", "days")) == {
        "county_chief": Decimal("1"), "deputy_chief": Decimal("1"), "registry_head": Decimal("2.5"),
        "station_chief": Decimal("3"),
    }  # fmt: skip


def test_the_page_reads_a_bounded_number_of_queries(client, staff, leaders, django_assert_max_num_queries):
    for day in range(1, 11):
        services.reception_record(actor=staff["chief"], leader=leaders["chief" if day % 2 else "county"],
                                  window=staff["window"], date=date(2026, 6, day), part=DayPart.HALF)  # fmt: skip
    client.force_login(staff["city"])
    with django_assert_max_num_queries(25):
        response = client.get(PAGE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 10  # every record read, within the bound
