"""The staff's ratings list (/evaluations/ratings/) and the ratings API: scope with two units, the
filters, the summary, and every API answer against the OpenAPI schema."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import RatingChannel
from evaluations.selectors.ratings import evaluation_list, evaluation_summary
from evaluations.tests.factories import completed_case, rate
from evaluations.views import ratings as rating_views
from windows.tests.factories import ServiceWindowFactory
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_ONE = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # a Monday
PAGE = "/evaluations/ratings/"
API = "/api/ratings/"


@pytest.fixture
def ratings(staff, service, time_machine):
    """East station: the officer's very satisfied SMS rating (window 1, Monday) and bad device rating
    (Tuesday); officer2's satisfied online rating (window 2, Wednesday). West station: one very
    dissatisfied rating."""
    time_machine.move_to(DAY_ONE, tick=False)
    window2 = ServiceWindowFactory(station=staff["window"].station, number=2)
    made = {}
    made["good"] = rate(
        completed_case(officer=staff["officer"], window=staff["window"], service_type=service),
        level=5,
        channel=RatingChannel.SMS,
        reasons=["attitude"],
        comment="很好",
    )
    time_machine.move_to(DAY_ONE + timedelta(days=1), tick=False)
    made["bad"] = rate(
        completed_case(officer=staff["officer"], window=staff["window"], service_type=service),
        level=2,
        channel=RatingChannel.DEVICE,
        reasons=["waiting"],
        comment="等太久",
    )
    time_machine.move_to(DAY_ONE + timedelta(days=2), tick=False)
    made["colleague"] = rate(
        completed_case(officer=staff["officer2"], window=window2, service_type=service),
        level=4,
        channel=RatingChannel.ONLINE,
    )
    made["west"] = rate(
        completed_case(officer=staff["other_officer"], service_type=service), level=1, channel=RatingChannel.SMS
    )
    made["window2"] = window2
    return made


def listed(client, user, **params) -> list[int]:
    client.force_login(user)
    response = client.get(PAGE, params)
    assert response.status_code == 200
    return [e.pk for e in response.context["page"].object_list]


def ids(ratings, *names) -> list[int]:
    return [ratings[name].pk for name in names]


# --- scope -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("officer", ["bad", "good"]),
        ("officer2", ["colleague"]),
        ("auxiliary", []),
        ("chief", ["colleague", "bad", "good"]),
        ("district", ["colleague", "bad", "good"]),
        ("other_district", ["west"]),
        ("other_officer", ["west"]),
        ("city", ["west", "colleague", "bad", "good"]),
    ],
)
def test_each_user_sees_their_own_scope_newest_first(client, staff, ratings, who, seen):
    assert listed(client, staff[who]) == ids(ratings, *seen)


def test_the_page_is_for_staff_only(client, django_user_model, ratings):
    assert Client().get(PAGE).status_code == 302  # to the sign-in page
    client.force_login(django_user_model.objects.create_user("citizen", password="x"))
    assert client.get(PAGE).status_code == 403


def test_a_row_shows_the_rating_and_links_the_case_and_the_rectification(client, staff, ratings):
    client.force_login(staff["chief"])
    page = client.get(PAGE).content.decode()
    bad = ratings["bad"]
    assert f'href="{reverse("hukou:case_detail", args=[bad.case.number])}"' in page
    assert f"/evaluations/rectifications/{bad.rectification.pk}/" in page
    for shown in ("等太久", "等候时间", "不满意", "窗口评价器", "短信评价", "网上评价", "1号窗口", "2号窗口"):
        assert shown in page
    assert ratings["west"].case.number not in page
    assert page.count('data-testid="rectification-link"') == 1


def test_the_summary_counts_the_filtered_set_in_one_query(django_assert_num_queries, staff, ratings):
    evaluations = evaluation_list(user=staff["chief"])
    with django_assert_num_queries(1):
        summary = evaluation_summary(evaluations)
    assert summary.total == 3
    assert [(s.level, s.count, s.share) for s in summary.levels] == [
        (5, 1, 33.3), (4, 1, 33.3), (3, 0, 0.0), (2, 1, 33.3), (1, 0, 0.0),
    ]  # fmt: skip
    assert summary.bad == 1 and summary.satisfied_share == 66.7
    empty = evaluation_summary(evaluations.filter(level=3))
    assert empty.total == 0 and empty.satisfied_share == 0.0


def test_the_page_shows_the_summary_of_the_filtered_set(client, staff, ratings):
    client.force_login(staff["chief"])
    response = client.get(PAGE, {"bad": "true"})
    assert response.context["summary"].total == 1
    assert "共 1 条评价" in response.content.decode()


# --- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "seen"),
    [
        ({"level": "5"}, ["good"]),
        ({"bad": "true"}, ["bad"]),
        ({"bad": "false"}, ["colleague", "good"]),
        ({"channel": "online"}, ["colleague"]),
        ({"officer": "officer2"}, ["colleague"]),
        ({"date_after": "2026-11-17"}, ["colleague", "bad"]),
        ({"date_before": "2026-11-17"}, ["bad", "good"]),
        ({"date_after": "2026-11-17", "date_before": "2026-11-17"}, ["bad"]),
    ],
)
def test_filters(client, staff, ratings, params, seen):
    assert listed(client, staff["chief"], **params) == ids(ratings, *seen)


def test_the_window_filter_offers_windows_in_scope_only(client, staff, ratings):
    assert listed(client, staff["chief"], window=ratings["window2"].pk) == ids(ratings, "colleague")
    west_window = ServiceWindowFactory(station=ratings["west"].station, number=1)
    client.force_login(staff["chief"])
    response = client.get(PAGE, {"window": west_window.pk})
    assert "window" in response.context["filter"].errors  # not a choice here: an error, not another unit's data
    assert west_window not in response.context["filter"].form.fields["window"].queryset


def test_fifty_a_page(client, staff, ratings, monkeypatch):
    monkeypatch.setattr(rating_views, "PAGE_SIZE", 2)
    assert listed(client, staff["chief"]) == ids(ratings, "colleague", "bad")
    assert listed(client, staff["chief"], page=2) == ids(ratings, "good")
    assert rating_views.PAGE_SIZE == 2 and "page=2" in client.get(PAGE).content.decode()


def test_htmx_gets_the_results_only(client, staff, ratings):
    client.force_login(staff["chief"])
    response = client.get(PAGE, {"level": "4"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="rating-results"' in page and "<html" not in page


def test_the_list_reads_a_fixed_number_of_queries(client, staff, service, ratings):
    """No query per row: three more ratings (one bad, with its rectification) cost nothing more."""
    client.force_login(staff["city"])
    client.get(PAGE)  # the session settles

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    before = queries()
    for level in (5, 3, 1):
        rate(completed_case(officer=staff["officer2"], service_type=service), level=level, channel=RatingChannel.SMS)
    assert queries() == before <= 12  # of which 3 renew the session


# --- the API --------------------------------------------------------------------------------------


@pytest.fixture
def api(client):
    def call(user, url, **params):
        client.force_login(user)
        response = client.get(url, params)
        assert_matches_schema(response)
        client.logout()
        return response

    return call


def test_the_api_lists_the_users_scope_with_the_pages_filters(api, staff, ratings):
    body = api(staff["chief"], API).json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == ids(ratings, "colleague", "bad", "good")
    bad = next(r for r in body["results"] if r["id"] == ratings["bad"].pk)
    assert bad["level"] == 2 and bad["is_bad"] and bad["rectification"] == ratings["bad"].rectification.pk
    assert bad["channel"] == "device" and bad["window"] == 1 and bad["officer"] == "officer"
    assert api(staff["chief"], API, bad="true").json()["count"] == 1
    assert [r["id"] for r in api(staff["other_district"], API).json()["results"]] == ids(ratings, "west")
    assert [r["id"] for r in api(staff["officer2"], API).json()["results"]] == ids(ratings, "colleague")


def test_the_api_detail_of_another_units_rating_is_a_404(api, staff, ratings):
    response = api(staff["chief"], f"{API}{ratings['good'].pk}/")
    assert response.status_code == 200 and response.json()["case"] == ratings["good"].case.number
    assert api(staff["chief"], f"{API}{ratings['west'].pk}/").status_code == 404
    assert api(staff["other_district"], f"{API}{ratings['good'].pk}/").status_code == 404
    assert api(staff["officer"], f"{API}{ratings['colleague'].pk}/").status_code == 404  # a colleague's


def test_the_api_refuses_bad_filters_and_strangers(api, client, staff, ratings):
    response = api(staff["chief"], API, level="9")
    assert response.status_code == 400 and "level" in response.json()["errors"]
    response = client.get(API)
    assert response.status_code == 403
    assert_matches_schema(response)
