"""The 服务标兵 page: the slots with their reasons, confirming and changing (htmx and not), asking for the
suggestions again, and scope."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from compliance.models import Award, AwardKind, MonthlyFigures
from compliance.services import awards as services
from windows.models import Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = date(2026, 5, 1)
PAGE = "/compliance/awards/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def early_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 3, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def officers(org, staff):
    east = org["east_station"]
    made = {"o1": staff["officer"], "o2": staff["officer2"]}
    made["o3"] = StaffFactory(username="o3", unit=east, role=Role.OFFICER, full_name="王三").user
    made["o4"] = StaffFactory(username="o4", unit=east, role=Role.OFFICER, full_name="赵四").user
    counts = {"o1": (125, 124), "o2": (100, 97), "o3": (50, 48), "o4": (40, 30)}
    for key, (ratings, satisfied) in counts.items():
        MonthlyFigures.objects.create(
            month=MAY, station=east, unit_path=east.path, officer=made[key], completed=ratings + 5,
            completed_on_time=ratings + 5, rated=ratings, ratings=ratings, satisfied=satisfied,
        )  # fmt: skip
    services.awards_suggest(month=MAY)
    return made


def slot(station, kind, n=1) -> Award:
    return Award.objects.get(station=station, month=MAY, kind=kind, slot=n)


def confirm_url(award) -> str:
    return reverse("compliance:award_confirm", args=[award.pk])


def test_url_names():
    assert reverse("compliance:awards") == PAGE
    assert reverse("compliance:awards_suggest") == "/compliance/awards/suggest/"


@pytest.mark.parametrize("who", ["officer", "auxiliary"])
def test_counter_staff_get_a_403(client, staff, who):
    client.force_login(staff[who])
    assert client.get(PAGE).status_code == 403


def test_the_page_shows_the_suggestions_with_their_reasons(client, org, staff, officers):
    client.force_login(staff["chief"])
    response = client.get(PAGE)  # the month just ended by default
    assert response.status_code == 200
    assert response.context["month"] == MAY
    html = response.content.decode()
    assert "满意率 99.2%（124/125）" in html
    assert "评价覆盖率 96.2%" in html and "按时办结率 100%" in html and "有责差评 0" in html
    cards = response.context["cards"]
    assert [c.station for c in cards] == [org["east_station"]]  # not the west station
    assert [s.award.suggested for s in cards[0].slots] == [officers["o1"], officers["o2"], officers["o3"]]
    assert client.get(PAGE, {"month": "2026-5x"}).status_code == 400
    future = client.get(PAGE, {"month": "2026-06"})
    assert "2026年6月尚未结束" in future.content.decode()


def test_the_chief_confirms_the_suggestion(client, org, staff, officers):
    best = slot(org["east_station"], AwardKind.BEST)
    client.force_login(staff["chief"])
    response = client.post(confirm_url(best), {f"a{best.pk}-officer": officers["o1"].pk, f"a{best.pk}-note": ""})
    assert response.status_code == 302 and response["Location"] == PAGE + "?month=2026-05"
    best.refresh_from_db()
    assert (best.officer, best.confirmed_by) == (officers["o1"], staff["chief"])


def test_a_change_without_a_note_is_refused_and_with_one_saved_htmx(client, org, staff, officers):
    quality = slot(org["east_station"], AwardKind.QUALITY, 2)
    client.force_login(staff["chief"])
    data = {f"a{quality.pk}-officer": officers["o4"].pk, f"a{quality.pk}-note": ""}
    response = client.post(confirm_url(quality), data, **HTMX)
    assert response.status_code == 400
    assert services.NOTE_REQUIRED in response.content.decode()
    assert not Award.objects.get(pk=quality.pk).is_confirmed
    plain = client.post(confirm_url(quality), data)
    assert plain.status_code == 400 and services.NOTE_REQUIRED in plain.content.decode()
    response = client.post(confirm_url(quality), {**data, f"a{quality.pk}-note": "本月获群众书面表扬"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<section class="card aw-card" id="station-{org["east_station"].pk}"')
    assert "已评定东关派出所优质服务标兵：赵四。" in html
    quality.refresh_from_db()
    assert (quality.officer, quality.note) == (officers["o4"], "本月获群众书面表扬")


def test_another_stations_award_is_a_404(client, org, staff, officers):
    west_officer = staff["other_officer"]
    west = slot(org["west_station"], AwardKind.BEST)
    client.force_login(staff["chief"])
    response = client.post(confirm_url(west), {f"a{west.pk}-officer": west_officer.pk, f"a{west.pk}-note": "说明"})
    assert response.status_code == 404
    assert not Award.objects.get(pk=west.pk).is_confirmed


def test_an_officer_of_another_station_is_not_a_choice(client, org, staff, officers):
    best = slot(org["east_station"], AwardKind.BEST)
    client.force_login(staff["district"])
    data = {f"a{best.pk}-officer": staff["other_officer"].pk, f"a{best.pk}-note": "说明"}
    response = client.post(confirm_url(best), data)
    assert response.status_code == 400
    assert services.OFFICER_NOT_OF_STATION in response.content.decode()


def test_the_suggestions_are_asked_for_again_and_confirmed_ones_stay(client, org, staff, officers):
    best = slot(org["east_station"], AwardKind.BEST)
    services.award_confirm(actor=staff["chief"], award=best, officer=officers["o1"], note="")
    MonthlyFigures.objects.filter(officer=officers["o4"]).update(satisfied=40)  # o4 now 100%
    client.force_login(staff["chief"])
    response = client.post(reverse("compliance:awards_suggest"), {"month": "2026-05"})
    assert response.status_code == 302
    assert slot(org["east_station"], AwardKind.BEST).suggested == officers["o1"]
    assert slot(org["east_station"], AwardKind.QUALITY, 1).suggested == officers["o4"]
    page = client.get(response["Location"])
    assert "更新 2 项" in page.content.decode()
    refused = client.post(reverse("compliance:awards_suggest"), {"month": "2026-06"})
    assert "该月尚未结束" in client.get(refused["Location"]).content.decode()
