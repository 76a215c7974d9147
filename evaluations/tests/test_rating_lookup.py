"""Rating from the status lookup: the lookup's proof opens the case's online rating link."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import resolve

from evaluations.models import Evaluation, RatingChannel
from evaluations.services.ratings import ALREADY_RATED, rating_token_read
from evaluations.tests.factories import accepted_case, completed_case, rate
from evaluations.views.ratings import PROOF_INVALID
from hukou.services.status import case_status_lookup

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOOKED_UP_AT = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
URL = "/rate/lookup/"


@pytest.fixture
def case(staff, service, time_machine):
    time_machine.move_to(LOOKED_UP_AT, tick=False)
    return completed_case(officer=staff["officer"], service_type=service, phone="13912345678")


def proof_of(case) -> str:
    return case_status_lookup(number=case.number, phone_suffix=case.phone[-4:]).proof


def test_a_lookup_proof_opens_the_online_rating(client, case):
    response = client.post(URL, {"proof": proof_of(case)})
    assert response.status_code == 302
    match = resolve(response.url)
    assert match.view_name == "evaluations:rate"
    ticket = rating_token_read(match.kwargs["token"])
    assert (ticket.case_id, ticket.channel) == (case.pk, RatingChannel.ONLINE)

    assert client.post(response.url, {"level": 3}).status_code == 302
    assert Evaluation.objects.get(case=case).channel == RatingChannel.ONLINE


def test_the_proof_lasts_thirty_minutes(client, case, time_machine):
    proof = proof_of(case)
    time_machine.move_to(LOOKED_UP_AT + timedelta(minutes=30), tick=False)
    assert client.post(URL, {"proof": proof}).status_code == 302
    time_machine.move_to(LOOKED_UP_AT + timedelta(minutes=30, seconds=1), tick=False)
    response = client.post(URL, {"proof": proof})
    assert response.status_code == 400
    assert PROOF_INVALID in response.content.decode()


@pytest.mark.parametrize("proof", ["", "nonsense", "tampered"])
def test_a_bad_proof_is_refused(client, case, proof):
    if proof == "tampered":
        good = proof_of(case)
        proof = good[:-1] + ("A" if good[-1] != "A" else "B")
    response = client.post(URL, {"proof": proof})
    assert response.status_code == 400
    assert PROOF_INVALID in response.content.decode()


def test_a_case_not_completed_cannot_be_rated(client, staff, service):
    case = accepted_case(officer=staff["officer"], service_type=service, phone="13912345678")
    response = client.post(URL, {"proof": proof_of(case)})
    assert response.status_code == 400


def test_a_rated_case_says_so(client, case):
    rate(case, level=5, channel=RatingChannel.DEVICE)
    response = client.post(URL, {"proof": proof_of(case)})
    assert response.status_code == 200
    assert ALREADY_RATED in response.content.decode()


def test_post_only_with_csrf(case):
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL).status_code == 405
    assert client.post(URL, {"proof": proof_of(case)}).status_code == 403


def test_the_lookup_offers_the_rating_for_a_completed_case(client, staff, service, case):
    response = client.post("/status/", {"number": case.number, "factor": "phone", "phone_suffix": "5678"})
    page = response.content.decode()
    assert 'action="/rate/lookup/"' in page and "评价本次服务" in page
    assert 'name="proof"' in page

    open_case = accepted_case(officer=staff["officer"], service_type=service, phone="13912345678")
    response = client.post("/status/", {"number": open_case.number, "factor": "phone", "phone_suffix": "5678"})
    assert "评价本次服务" not in response.content.decode()
