"""POST /api/public/ratings/: a citizen's rating through a rating link, every answer checked against
the OpenAPI schema."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evaluations.models import Evaluation, RatingChannel
from evaluations.services.ratings import ALREADY_RATED, LEVEL_REQUIRED, LINK_EXPIRED, LINK_INVALID, rating_token_make
from evaluations.tests.factories import completed_case, rate
from notices.phones import PHONE_INVALID
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT_AT = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
URL = "/api/public/ratings/"


@pytest.fixture
def case(staff, service, time_machine):
    time_machine.move_to(SENT_AT, tick=False)
    return completed_case(officer=staff["officer"], window=staff["window"], service_type=service, phone="13912345678")


@pytest.fixture
def token(case):
    return rating_token_make(case_id=case.pk, channel=RatingChannel.SMS)


@pytest.fixture
def post(client):
    def call(body):
        response = client.post(URL, body, content_type="application/json")
        assert_matches_schema(response)
        return response

    return call


def test_a_rating_is_created(post, case, token):
    response = post({"token": token, "level": 2, "reasons": ["waiting"], "comment": "排队久", "contact_phone": ""})
    assert response.status_code == 201
    assert response.json()["level"] == 2 and response.json()["channel"] == "sms"
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.reasons, evaluation.contact_phone) == ("sms", ["waiting"], case.phone)
    assert evaluation.rectification.is_open


def test_an_online_link_rates_online(post, case):
    response = post({"token": rating_token_make(case_id=case.pk, channel=RatingChannel.ONLINE), "level": 5})
    assert response.status_code == 201
    assert Evaluation.objects.get(case=case).channel == RatingChannel.ONLINE


def test_a_bad_or_expired_token_is_a_400_on_token(post, case, token, time_machine):
    response = post({"token": token[:-1] + ("A" if token[-1] != "A" else "B"), "level": 5})
    assert response.status_code == 400
    assert response.json()["errors"] == {"token": [LINK_INVALID]}

    time_machine.move_to(SENT_AT + timedelta(days=7, seconds=1), tick=False)
    response = post({"token": token, "level": 5})
    assert response.status_code == 400
    assert response.json()["errors"] == {"token": [LINK_EXPIRED]}
    assert not Evaluation.objects.exists()


def test_bad_input_is_a_400_with_field_errors(post, token):
    response = post({"token": token, "level": 7, "contact_phone": "123"})
    assert response.status_code == 400
    assert response.json()["errors"]["level"] == [LEVEL_REQUIRED]
    response = post({"token": token, "level": 1, "contact_phone": "123"})
    assert response.json()["errors"] == {"contact_phone": [PHONE_INVALID]}
    response = post({"level": 5})
    assert response.status_code == 400 and "token" in response.json()["errors"]
    response = post({"token": token, "level": 5, "reasons": "attitude"})
    assert response.status_code == 400 and "reasons" in response.json()["errors"]
    assert not Evaluation.objects.exists()


def test_an_already_rated_case_is_a_409(post, case, token):
    rate(case, level=4, channel=RatingChannel.DEVICE)
    response = post({"token": token, "level": 1})
    assert response.status_code == 409
    assert response.json()["detail"] == ALREADY_RATED
    assert Evaluation.objects.get().channel == RatingChannel.DEVICE


def test_ratings_are_rate_limited_per_address(post, settings, token):
    settings.RATELIMIT_RATING = "2/m"
    assert post({"token": "x", "level": 5}).status_code == 400
    assert post({"token": "x", "level": 5}).status_code == 400
    response = post({"token": token, "level": 5})
    assert response.status_code == 429
    assert not Evaluation.objects.exists()


def test_no_session_is_needed_nor_a_csrf_token(case, token):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, {"token": token, "level": 4}, content_type="application/json")
    assert response.status_code == 201
