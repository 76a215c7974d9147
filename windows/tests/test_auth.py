"""Sign-in: lockout after 5 failures for 30 minutes, session limits, the security log, the
login rate limit, and pages being closed unless opened on purpose."""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def officer(org):
    return StaffFactory(unit=org["east_station"], username="officer.east")


def test_sign_in_lands_on_the_workbench_and_rotates_the_session_key(client, officer):
    client.get(LOGIN)
    client.session.save()
    anonymous_key = client.session.session_key

    response = sign_in(client, "officer.east")

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session.session_key != anonymous_key
    assert client.get(reverse("home")).url == reverse("windows:workbench")


def test_wrong_password_shows_a_form_error_not_a_500(client, officer):
    response = sign_in(client, "officer.east", "wrong-password")

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode() or response.context["form"].errors


def test_five_failures_lock_the_username_for_30_minutes(client, officer, org):
    other = StaffFactory(unit=org["west_station"], username="officer.west")
    for _ in range(4):
        assert sign_in(client, "officer.east", "wrong-password").status_code == 200
    fifth = sign_in(client, "officer.east", "wrong-password")
    assert fifth.status_code == 429

    # Locked: even the right password is refused, with the lockout page.
    locked = sign_in(client, "officer.east")
    assert locked.status_code == 429
    assert "账号已锁定" in locked.content.decode()
    # Only that username: a colleague at the same address still signs in.
    assert sign_in(client, other.user.username).status_code == 302
    client.logout()

    # 29 minutes later, still locked; after 30 minutes the lock has expired.
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert sign_in(client, "officer.east").status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert sign_in(client, "officer.east").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client, officer):
    for _ in range(4):
        sign_in(client, "officer.east", "wrong-password")
    assert sign_in(client, "officer.east").status_code == 302
    client.logout()

    assert not AccessAttempt.objects.filter(username="officer.east").exists()
    assert sign_in(client, "officer.east", "wrong-password").status_code == 200


def test_sign_in_failure_lockout_and_sign_out_are_logged(client, officer, caplog):
    caplog.set_level(logging.INFO, logger="hukou.security")
    sign_in(client, "officer.east")
    client.post(reverse("logout"))
    for _ in range(5):
        sign_in(client, "officer.east", "wrong-password")

    messages = [r.getMessage() for r in caplog.records if r.name == "hukou.security"]
    assert any(m.startswith("sign-in: user=officer.east") for m in messages)
    assert any(m.startswith("sign-out: user=officer.east") for m in messages)
    assert sum(m.startswith("failed sign-in: user=officer.east") for m in messages) == 5
    assert any(m.startswith("lockout: user=officer.east") for m in messages)


def test_session_ends_after_30_minutes_idle(client, officer):
    sign_in(client, "officer.east")
    assert client.get("/workbench/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        assert client.get("/workbench/").status_code == 200  # activity renews the idle limit
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        assert client.get("/workbench/").status_code == 200  # 25 minutes after the last request
    with time_machine.travel(timezone.now() + timedelta(minutes=80)):
        response = client.get("/workbench/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_session_ends_8_hours_after_sign_in_however_active(client, officer):
    start = timezone.now()
    sign_in(client, "officer.east")
    # A request every 20 minutes keeps the session from idling out...
    for minutes in range(20, 8 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/workbench/").status_code == 200, minutes
    # ...but 8 hours after sign-in it ends all the same.
    with time_machine.travel(start + timedelta(hours=8, minutes=5)):
        response = client.get("/workbench/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_password_change_applies_django_validators(client, officer):
    sign_in(client, "officer.east")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-Strong-Pass-9", "new_password2": "Another-Strong-Pass-9"},
    )
    assert response.status_code == 302
    officer.user.refresh_from_db()
    assert officer.user.check_password("Another-Strong-Pass-9")


def test_login_posts_are_rate_limited_per_address(client, settings, org):
    settings.RATELIMIT_LOGIN = "3/m"
    for _ in range(3):
        assert sign_in(client, "nobody", "x").status_code == 200
    response = sign_in(client, "nobody", "x")
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    # Another address is not affected.
    assert sign_in(client, "nobody", "x", REMOTE_ADDR="10.0.0.9").status_code == 200


@pytest.mark.parametrize("url", ["/workbench/", "/inbox/", "/accounts/password/"])
def test_staff_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


def test_a_signed_in_user_without_staff_record_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("not-staff", password=PASSWORD)
    client.force_login(user)
    assert client.get("/workbench/").status_code == 403
    assert client.get("/inbox/").status_code == 403


@pytest.mark.parametrize("url", ["/", LOGIN, "/healthz", "/api/schema/", "/api/docs/"])
def test_public_pages_are_open_on_purpose(client, url):
    assert client.get(url).status_code == 200


def test_behind_a_proxy_limits_count_per_forwarded_client(client, settings, org):
    settings.RATELIMIT_LOGIN = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(2):
        sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="1.2.3.4", **nginx)
    assert sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="1.2.3.4", **nginx).status_code == 429
    # Another citizen behind the same proxy is not limited by the first one's requests...
    assert sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="5.6.7.8", **nginx).status_code == 200
    # ...and a client cannot escape by sending its own X-Forwarded-For: the proxy appends the real one.
    spoofed = sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4", **nginx)
    assert spoofed.status_code == 429


def test_without_proxies_a_forwarded_header_is_ignored(client, settings, org):
    settings.RATELIMIT_LOGIN = "2/m"
    for address in ("1.1.1.1", "2.2.2.2"):
        sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR=address)
    assert sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 429
