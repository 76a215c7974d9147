"""The device-status badge polls every 15 seconds: those polls are not the officer's activity, so they
must not renew the session's 30-minute idle limit (a page left open still signs its user out)."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_badge_poll_does_not_renew_the_session_but_a_page_does(client, staff):
    client.force_login(staff["officer"])
    badge = client.get(reverse("evaluations:device_status"))
    assert badge.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in badge.cookies  # not saved, no new expiry
    page = client.get(reverse("windows:workbench"))
    assert page.status_code == 200
    assert page.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
