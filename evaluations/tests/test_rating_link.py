"""The rating link /rate/<token>/: the token (expiry, tampering, single use) and the citizens' page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from evaluations.models import Evaluation, RatingChannel, Rectification
from evaluations.services.ratings import (
    ALREADY_RATED,
    COMMENT_TOO_LONG,
    LEVEL_REQUIRED,
    LINK_EXPIRED,
    LINK_INVALID,
    rating_token_make,
    rating_token_read,
)
from evaluations.tests.factories import accepted_case, completed_case, rate
from notices.phones import PHONE_INVALID

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT_AT = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def case(staff, service, time_machine):
    time_machine.move_to(SENT_AT, tick=False)
    return completed_case(officer=staff["officer"], window=staff["window"], service_type=service, phone="13912345678")


@pytest.fixture
def sms_link(case):
    return f"/rate/{rating_token_make(case_id=case.pk, channel=RatingChannel.SMS)}/"


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


# --- the token --------------------------------------------------------------------------------------


def test_a_token_names_the_case_and_the_channel_and_is_short():
    for channel in (RatingChannel.SMS, RatingChannel.ONLINE):
        token = rating_token_make(case_id=123456, channel=channel)
        ticket = rating_token_read(token)
        assert (ticket.case_id, ticket.channel) == (123456, channel)
        assert len(token) <= 32


@pytest.mark.parametrize("token", ["", "abc", "s1.2.3", "x1.1vZk3a.aaaaaaaaaaaaaaaa"])
def test_garbage_is_an_invalid_token(token):
    with pytest.raises(ValidationError) as refused:
        rating_token_read(token)
    assert refused.value.message_dict == {"token": [LINK_INVALID]}


def test_a_tampered_token_is_refused():
    token = rating_token_make(case_id=7, channel=RatingChannel.SMS)
    for bad in (tampered(token), "o" + token[1:], token.replace("s7", "s8", 1)):
        with pytest.raises(ValidationError) as refused:
            rating_token_read(bad)
        assert refused.value.error_dict["token"][0].code == "invalid"


def test_a_token_is_valid_seven_days(client, case, sms_link, time_machine):
    time_machine.move_to(SENT_AT + timedelta(days=7), tick=False)
    assert client.get(sms_link).status_code == 200
    time_machine.move_to(SENT_AT + timedelta(days=7, seconds=1), tick=False)
    response = client.get(sms_link)
    assert response.status_code == 410
    assert LINK_EXPIRED in response.content.decode()
    response = client.post(sms_link, {"level": 5})
    assert response.status_code == 410
    assert not Evaluation.objects.exists()


def test_a_tampered_link_gets_a_clear_page(client, case, sms_link):
    response = client.get(tampered(sms_link.rstrip("/")) + "/")
    assert response.status_code == 404
    assert LINK_INVALID in response.content.decode()
    assert client.post("/rate/nonsense/", {"level": 5}).status_code == 404
    assert not Evaluation.objects.exists()


def test_a_link_of_a_case_not_completed_is_invalid(client, staff, service):
    case = accepted_case(officer=staff["officer"], service_type=service)
    response = client.get(f"/rate/{rating_token_make(case_id=case.pk, channel=RatingChannel.SMS)}/")
    assert response.status_code == 404
    assert LINK_INVALID in response.content.decode()


def test_a_case_rated_at_the_counter_refuses_the_sms_link(client, case, sms_link):
    rate(case, level=4, channel=RatingChannel.DEVICE)
    response = client.get(sms_link)
    assert response.status_code == 200
    assert ALREADY_RATED in response.content.decode()
    assert 'name="level"' not in response.content.decode()
    client.post(sms_link, {"level": 1})
    assert Evaluation.objects.get().channel == RatingChannel.DEVICE
    assert not Rectification.objects.exists()


def test_the_link_is_used_once(client, case, sms_link):
    assert client.post(sms_link, {"level": 5}).status_code == 302
    response = client.post(sms_link, {"level": 1})
    assert ALREADY_RATED in response.content.decode()
    assert Evaluation.objects.get().level == 5


# --- the page -----------------------------------------------------------------------------------------


def test_the_page_shows_what_is_rated_and_nothing_personal(client, case, sms_link):
    response = client.get(sms_link)
    assert response.status_code == 200
    assert response.templates[0].name == "evaluations/ratings/rate.html"
    page = response.content.decode()
    for shown in (case.service_type.name, case.station.name, "2026年11月17日", "非常满意", "非常不满意", "服务态度"):
        assert shown in page
    for hidden in (case.applicant_name, case.phone, case.phone[-4:], case.number):
        assert hidden not in page
    assert "我们将通过您办理业务时登记的手机号码回访" in page
    assert "csrfmiddlewaretoken" in page
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control or "no-cache" in cache_control


def test_a_rating_is_stored_then_thanked(client, case, sms_link):
    body = {
        "level": 4,
        "reasons": ["attitude", "efficiency"],
        "comment": "  民警很耐心  ",
        "contact_phone": "13700000000",
    }
    response = client.post(sms_link, body)
    assert response.status_code == 302
    assert response.url == sms_link + "thanks/"
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.level) == (RatingChannel.SMS, 4)
    assert evaluation.reasons == ["attitude", "efficiency"]
    assert evaluation.comment == "民警很耐心"
    assert evaluation.contact_phone == case.phone  # a good rating is not called back: the number given is ignored
    assert (evaluation.officer, evaluation.window) == (case.officer, case.window)
    thanks = client.get(response.url)
    assert thanks.status_code == 200
    assert "感谢您的评价" in thanks.content.decode() and "满意" in thanks.content.decode()


def test_a_bad_rating_keeps_the_call_back_number_given(client, case, sms_link):
    response = client.post(sms_link, {"level": 1, "contact_phone": "137 0000 0000"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.contact_phone == "13700000000"
    assert evaluation.rectification.is_open
    assert "回访" in client.get(response.url).content.decode()


def test_a_bad_rating_without_a_number_is_called_back_on_the_cases(client, case, sms_link):
    client.post(sms_link, {"level": 2, "reasons": ["waiting"]})
    assert Evaluation.objects.get(case=case).contact_phone == "13912345678"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "level", LEVEL_REQUIRED),
        ({"level": 9}, "level", LEVEL_REQUIRED),
        ({"level": 4, "comment": "好" * 501}, "comment", COMMENT_TOO_LONG),
        ({"level": 2, "contact_phone": "12345"}, "contact_phone", PHONE_INVALID),
        ({"level": 4, "reasons": ["bribery"]}, "reasons", "评价原因只能从所列选项中选择。"),
    ],
)
def test_bad_input_is_shown_on_the_form(client, case, sms_link, body, field, message):
    response = client.post(sms_link, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert message in response.context["form"].errors[field]
    assert not Evaluation.objects.exists()
    assert not Rectification.objects.exists()


def test_an_unknown_case_is_an_invalid_link(client, db):
    response = client.get(f"/rate/{rating_token_make(case_id=999999, channel=RatingChannel.ONLINE)}/")
    assert response.status_code == 404


def test_posting_ratings_is_rate_limited(client, settings, case, sms_link):
    settings.RATELIMIT_RATING = "2/m"
    assert client.post(sms_link, {"level": 99}).status_code == 400
    assert client.post(sms_link, {"level": 99}).status_code == 400
    assert client.post(sms_link, {"level": 5}).status_code == 429
    assert not Evaluation.objects.exists()
    assert client.get(sms_link).status_code == 200  # reading the page is not a rating


def test_the_thanks_page_of_an_unrated_case_goes_back_to_the_form(client, case, sms_link):
    response = client.get(sms_link + "thanks/")
    assert response.status_code == 302 and response.url == sms_link
