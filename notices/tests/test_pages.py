"""The SMS pages without a browser: the supervisors' page of failed and deferred messages and its retry,
the development outbox; scope by unit, roles, CSRF, masked phones, query counts."""

import pytest
from django.test import Client
from django.utils import timezone

from notices.models import SmsMessage, SmsStatus
from notices.tests.factories import make_sms
from windows.models import Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ATTENTION = "/notices/sms/"
OUTBOX = "/notices/outbox/"
HTMX = {"HX-Request": "true"}
PHONE = "13812345678"
MASKED = "138****5678"
# The session (read, renewed: 3), the user, their staff record and unit, the layout's unread count, and
# the page's two: the count and the rows with their units.
PAGE_QUERIES = 10


def retry_url(message) -> str:
    return f"/notices/sms/{message.pk}/retry/"


def signed_in(client, staff):
    client.force_login(staff.user)
    return client


def failed(unit, phone=PHONE, **kwargs) -> SmsMessage:
    message = make_sms(unit=unit, phone=phone, **kwargs)
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.FAILED, attempts=6, last_error="号码为空号", failed_at=timezone.now()
    )
    message.refresh_from_db()
    return message


def deferred(unit, phone=PHONE, **kwargs) -> SmsMessage:
    message = make_sms(unit=unit, phone=phone, **kwargs)
    later = timezone.now() + timezone.timedelta(hours=10)
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.DEFERRED, send_after=later, last_error="夜间免打扰时段，早上发送"
    )
    message.refresh_from_db()
    return message


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def people(org):
    return {
        "chief": StaffFactory(unit=org["east_station"], role=Role.STATION_SUPERVISOR),
        "district": StaffFactory(unit=org["east"], role=Role.BUREAU_SUPERVISOR),
        "admin": StaffFactory(unit=org["city"], role=Role.ADMIN),
        "officer": StaffFactory(unit=org["east_station"], role=Role.OFFICER),
        "auxiliary": StaffFactory(unit=org["east_station"], role=Role.AUXILIARY),
        "west_district": StaffFactory(unit=org["west"], role=Role.BUREAU_SUPERVISOR),
        "west_chief": StaffFactory(unit=org["west_station"], role=Role.STATION_SUPERVISOR),
    }


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["chief", "district", "admin"])
def test_supervisors_and_admins_see_the_failed_and_deferred_messages_of_their_units(client, org, people, who):
    lost = failed(org["east_station"], reference="S1-20261121-0007")
    waiting = deferred(org["east_station"], phone="13900001111")
    make_sms(unit=org["east_station"], phone="13700002222")  # queued: not for this page

    response = signed_in(client, people[who]).get(ATTENTION)

    assert response.status_code == 200
    page = text(response)
    assert page.count('data-testid="sms-row"') == 2
    for message in (lost, waiting):
        assert f'id="sms-{message.pk}"' in page
    assert "137****2222" not in page
    assert "号码为空号" in page and "夜间免打扰时段" in page
    assert 'href="/cases/S1-20261121-0007/"' in page
    assert "东关派出所" in page
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["officer", "auxiliary"])
def test_counter_staff_may_not_open_the_page(client, org, people, who):
    failed(org["east_station"])
    response = signed_in(client, people[who]).get(ATTENTION)
    assert response.status_code == 403
    assert MASKED not in text(response)


def test_signed_out_visitors_are_sent_to_sign_in(client, org):
    failed(org["east_station"])
    response = client.get(ATTENTION)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_supervisor_of_the_other_district_sees_nothing_of_this_one(client, org, people):
    failed(org["east_station"])
    deferred(org["east_station"])
    west = failed(org["west_station"], phone="13600003333")

    for who in ("west_district", "west_chief"):
        page = text(signed_in(Client(), people[who]).get(ATTENTION))
        assert page.count('data-testid="sms-row"') == 1, who
        assert f'id="sms-{west.pk}"' in page and "136****3333" in page
        assert MASKED not in page and "东关派出所" not in page


def test_the_station_chief_does_not_see_the_district_above(client, org, people):
    failed(org["east"], phone="13511112222")  # sent for the district itself
    page = text(signed_in(client, people["chief"]).get(ATTENTION))
    assert "135****2222" not in page
    page = text(signed_in(Client(), people["district"]).get(ATTENTION))
    assert "135****2222" in page


def test_the_status_filter(client, org, people):
    lost = failed(org["east_station"])
    waiting = deferred(org["east_station"])
    client = signed_in(client, people["chief"])

    only_failed = text(client.get(ATTENTION, {"status": "failed"}))
    assert f'id="sms-{lost.pk}"' in only_failed and f'id="sms-{waiting.pk}"' not in only_failed
    only_deferred = text(client.get(ATTENTION, {"status": "deferred"}))
    assert f'id="sms-{waiting.pk}"' in only_deferred and f'id="sms-{lost.pk}"' not in only_deferred
    assert "起发送" in only_deferred  # when a deferred message will go
    # anything else is both, never another status
    both = text(client.get(ATTENTION, {"status": "sent"}))
    assert f'id="sms-{lost.pk}"' in both and f'id="sms-{waiting.pk}"' in both


def test_newest_first_and_fifty_a_page(client, org, people):
    messages = [failed(org["east_station"], phone=f"138000{n:05d}") for n in range(51)]
    client = signed_in(client, people["chief"])

    first = text(client.get(ATTENTION))
    assert first.count('data-testid="sms-row"') == 50
    assert first.index(f'id="sms-{messages[-1].pk}"') < first.index(f'id="sms-{messages[-2].pk}"')
    assert f'id="sms-{messages[0].pk}"' not in first
    assert "?page=2" in first

    second = text(client.get(ATTENTION, {"page": 2}))
    assert second.count('data-testid="sms-row"') == 1 and f'id="sms-{messages[0].pk}"' in second


def test_phones_are_masked_and_never_shown_whole(client, org, people):
    lost = failed(org["east_station"], phone="13812345678")
    waiting = deferred(org["east_station"], phone="15987654321")
    client = signed_in(client, people["chief"])

    page = text(client.get(ATTENTION))
    assert "138****5678" in page and "159****4321" in page
    assert "13812345678" not in page and "15987654321" not in page

    for message in (lost, waiting):
        row = text(client.post(retry_url(message), headers=HTMX))
        assert message.phone_masked in row and message.phone not in row
    assert "13812345678" not in text(client.get(ATTENTION)) + text(client.get(OUTBOX))


def test_the_page_query_count_does_not_grow_with_the_rows(client, org, people, django_assert_max_num_queries):
    client = signed_in(client, people["district"])
    failed(org["east_station"])
    client.get(ATTENTION)  # the session, warm
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(ATTENTION)
    for n in range(30):
        (failed if n % 2 else deferred)(org["east_station"], phone=f"139000{n:05d}", reference=f"S1-2026-{n:04d}")
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(ATTENTION)
    assert text(response).count('data-testid="sms-row"') == 31


# --- retry ---------------------------------------------------------------------------------------


def test_retry_with_htmx_swaps_the_row_for_its_new_state(client, org, people, django_capture_on_commit_callbacks):
    message = failed(org["east_station"])
    client = signed_in(client, people["chief"])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(retry_url(message), headers=HTMX)

    assert response.status_code == 200
    row = text(response)
    assert row.lstrip().startswith(f'<tr id="sms-{message.pk}"')
    assert "待发送" in row and "已重新排队" in row
    assert 'hx-post="/notices/sms/' not in row  # nothing more to retry
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED and message.attempts == 0
    assert len(callbacks) == 1  # the send task is enqueued once the retry commits


def test_retry_without_javascript_redirects_back_with_a_message(client, org, people):
    message = deferred(org["east_station"])
    client = signed_in(client, people["district"])

    response = client.post(retry_url(message), {"next": f"{ATTENTION}?status=deferred&page=1"})

    assert response.status_code == 302 and response["Location"] == f"{ATTENTION}?status=deferred&page=1"
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    page = text(client.get(response["Location"]))
    assert "已重新排队" in page and MASKED in page
    assert f'id="sms-{message.pk}"' not in page  # queued now: off the page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/notices/sms/", "/cases/", ""])
def test_retry_goes_back_only_to_the_page_itself(client, org, people, next_url):
    message = failed(org["east_station"])
    response = signed_in(client, people["chief"]).post(retry_url(message), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == ATTENTION


def test_a_sent_message_cannot_be_retried(client, org, people):
    message = make_sms(unit=org["east_station"], phone=PHONE)
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.SENT, provider_message_id="db-1")
    client = signed_in(client, people["chief"])

    htmx = client.post(retry_url(message), headers=HTMX)
    assert htmx.status_code == 409
    row = text(htmx)
    assert f'<tr id="sms-{message.pk}"' in row and "已发送，不能重发" in row and 'role="alert"' in row

    plain = client.post(retry_url(message), follow=True)
    assert plain.redirect_chain == [(ATTENTION, 302)]
    assert "这条短信已发送，不能重发。" in text(plain)
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_retry_of_another_units_message_is_a_404(client, org, people):
    message = failed(org["west_station"])
    client = signed_in(client, people["district"])

    assert client.post(retry_url(message)).status_code == 404
    htmx = client.post(retry_url(message), headers=HTMX)
    assert htmx.status_code == 404 and htmx["HX-Refresh"] == "true"
    assert client.post("/notices/sms/999999/retry/").status_code == 404
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED


def test_counter_staff_may_not_retry(client, org, people):
    message = failed(org["east_station"])
    assert signed_in(client, people["officer"]).post(retry_url(message)).status_code == 403
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED


def test_retry_needs_the_csrf_token(org, people):
    message = failed(org["east_station"])
    client = signed_in(Client(enforce_csrf_checks=True), people["chief"])

    assert client.post(retry_url(message), headers=HTMX).status_code == 403
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED

    page = client.get(ATTENTION)
    token = page.cookies["csrftoken"].value
    response = client.post(retry_url(message), headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED


def test_retry_answers_only_posts(client, org, people):
    message = failed(org["east_station"])
    assert signed_in(client, people["chief"]).get(retry_url(message)).status_code == 405


# --- the development outbox ----------------------------------------------------------------------


def test_the_outbox_shows_every_message_of_the_units_as_the_citizen_reads_it(client, org, people, settings):
    settings.SMS_BACKEND = "database"
    mine = make_sms(unit=org["east_station"], phone=PHONE)
    failed(org["east_station"], phone="13900001111")
    make_sms(unit=org["west_station"], phone="13600003333")

    response = signed_in(client, people["officer"]).get(OUTBOX)

    assert response.status_code == 200
    page = text(response)
    assert page.count('data-testid="sms-row"') == 2
    assert mine.text in page and MASKED in page and PHONE not in page
    assert "不会离开本机" in page
    assert "136****3333" not in page
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("backend", ["aliyun", "tencent", "http"])
def test_the_outbox_is_a_404_unless_the_database_backend_is_configured(client, org, people, settings, backend):
    settings.SMS_BACKEND = backend
    make_sms(unit=org["east_station"], phone=PHONE)
    client = signed_in(client, people["chief"])
    assert client.get(OUTBOX).status_code == 404
    assert 'href="/notices/outbox/"' not in text(client.get(ATTENTION))


def test_the_outbox_needs_a_staff_record(client, org, settings, django_user_model):
    settings.SMS_BACKEND = "database"
    make_sms(unit=org["east_station"], phone=PHONE)
    client.force_login(django_user_model.objects.create_user("citizen"))
    assert client.get(OUTBOX).status_code == 403


# --- the navigation ------------------------------------------------------------------------------


def test_the_nav_offers_the_sms_page_to_supervisors_and_the_outbox_to_others(client, org, people, settings):
    settings.SMS_BACKEND = "database"
    chief = text(signed_in(client, people["chief"]).get("/workbench/"))
    assert 'href="/notices/sms/"' in chief
    officer = text(signed_in(Client(), people["officer"]).get("/workbench/"))
    assert 'href="/notices/sms/"' not in officer and 'href="/notices/outbox/"' in officer

    settings.SMS_BACKEND = "aliyun"
    officer = text(signed_in(Client(), people["officer"]).get("/workbench/"))
    assert "/notices/" not in officer
