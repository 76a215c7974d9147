"""The rating invitation job: the SMS with the rating link, once per case, after the counter device
had its chance, for cases of any station."""

import threading
from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.urls import resolve

from evaluations.models import RatingChannel, RatingInvitation
from evaluations.services.ratings import rating_token_read, ratings_invite_due
from evaluations.tasks import invite_ratings
from evaluations.tests.factories import completed_case, rate
from hukou.models import Case
from notices.models import Purpose, SmsMessage

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPLETED_AT = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
BASE = "https://hukou.example.gov.cn"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PUBLIC_BASE_URL = BASE + "/"
    settings.EVALUATIONS_PROMPT_SECONDS = 120


@pytest.fixture
def completed(staff, service, time_machine):
    time_machine.move_to(COMPLETED_AT, tick=False)
    return completed_case(officer=staff["officer"], window=staff["window"], service_type=service)


def invitations() -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(purpose=Purpose.RATING_INVITATION))


def test_a_case_is_invited_once_after_the_device_had_its_chance(completed, time_machine):
    time_machine.move_to(COMPLETED_AT + timedelta(seconds=60), tick=False)
    assert ratings_invite_due() == []  # the counter device may still be asking
    assert not RatingInvitation.objects.exists()

    time_machine.move_to(COMPLETED_AT + timedelta(seconds=121), tick=False)
    assert ratings_invite_due() == [completed.pk]
    assert ratings_invite_due() == []  # run twice: invited once
    assert invite_ratings() == 0  # the beat task calls the same job

    (sms,) = invitations()
    invitation = RatingInvitation.objects.get()
    assert (invitation.case_id, invitation.sms_id) == (completed.pk, sms.pk)
    assert sms.idempotency_key == f"evaluations:rating-invitation:{completed.pk}"
    assert (sms.phone, sms.reference, sms.unit_id) == (completed.phone, completed.number, completed.station_id)
    assert sms.params["station"] == completed.station.name
    assert sms.params["service"] == completed.service_type.name
    link = sms.params["link"]
    assert link.startswith(f"{BASE}/rate/") and link in sms.text
    match = resolve(urlparse(link).path)
    assert match.view_name == "evaluations:rate"
    ticket = rating_token_read(match.kwargs["token"])
    assert (ticket.case_id, ticket.channel) == (completed.pk, RatingChannel.SMS)
    assert len(link) < 80  # it goes into a text message


def test_rated_and_old_cases_are_not_invited(staff, service, completed, time_machine):
    rated = completed_case(officer=staff["officer"], service_type=service)
    rate(rated, level=5, channel=RatingChannel.DEVICE)
    time_machine.move_to(COMPLETED_AT + timedelta(days=1, seconds=1), tick=False)
    assert ratings_invite_due() == []  # ``completed`` finished more than a day ago; ``rated`` has its rating
    assert invitations() == []


def test_cases_of_every_station_are_invited_in_batches(staff, service, completed, time_machine):
    west = completed_case(officer=staff["other_officer"], service_type=service)
    time_machine.move_to(COMPLETED_AT + timedelta(minutes=5), tick=False)
    assert ratings_invite_due(batch=1) == [completed.pk]  # oldest first, one per run
    assert ratings_invite_due(batch=1) == [west.pk]
    sms = SmsMessage.objects.get(reference=west.number, purpose=Purpose.RATING_INVITATION)
    assert sms.unit_id == west.station_id


def test_no_public_address_sends_nothing(settings, completed, time_machine):
    settings.PUBLIC_BASE_URL = ""
    time_machine.move_to(COMPLETED_AT + timedelta(minutes=5), tick=False)
    assert ratings_invite_due() == []
    assert not RatingInvitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_case_another_worker_holds_is_passed_by(completed, time_machine):
    """Two workers at once: the case the first one has locked is skipped (SKIP LOCKED), not waited for
    nor invited twice."""
    time_machine.move_to(COMPLETED_AT + timedelta(minutes=5), tick=False)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=completed.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert ratings_invite_due() == []
    finally:
        release.set()
        thread.join()
    assert ratings_invite_due() == [completed.pk]
    assert len(invitations()) == 1
