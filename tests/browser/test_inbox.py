"""The staff inbox: marking notifications read swaps the inbox in place with htmx."""

import re

import pytest
from playwright.sync_api import expect

from windows.services import notification_send
from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser

UNREAD = re.compile(r"\bunread\b")


def test_marking_notifications_read_updates_the_inbox_without_a_reload(page, org, sign_in):
    officer = StaffFactory(unit=org["east_station"])
    notification_send(recipient=officer.user, text="张*的出生登记材料待核对")
    notification_send(recipient=officer.user, text="本月回访任务已下达", link="/workbench/")
    other = StaffFactory(unit=org["west_station"])
    notification_send(recipient=other.user, text="西湖派出所的通知")

    sign_in(page, officer.user.username, PASSWORD)
    page.goto("/inbox/")
    badge = page.get_by_test_id("unread-count")
    items = page.get_by_test_id("notification")
    birth = items.filter(has_text="张*的出生登记材料待核对")
    follow_up = items.filter(has_text="本月回访任务已下达")
    expect(badge).to_have_text("2")
    expect(items).to_have_count(2)
    expect(birth).to_have_class(UNREAD)
    expect(follow_up).to_have_class(UNREAD)
    inbox_url = page.url
    page.evaluate("window.beforeClick = 'still here'")

    with page.expect_response(lambda r: r.request.method == "POST") as marked:
        birth.get_by_role("button", name="标为已读", exact=True).click()

    assert marked.value.request.headers.get("hx-request") == "true"
    expect(badge).to_have_text("1")
    expect(birth).not_to_have_class(UNREAD)
    expect(birth.get_by_role("button", name="标为已读", exact=True)).to_have_count(0)
    expect(follow_up).to_have_class(UNREAD)
    assert page.url == inbox_url
    assert page.evaluate("window.beforeClick") == "still here"

    page.get_by_role("button", name=re.compile("全部标为已读")).click()

    expect(badge).to_have_count(0)
    expect(follow_up).not_to_have_class(UNREAD)
    expect(page.get_by_role("button", name="标为已读", exact=True)).to_have_count(0)
    assert page.evaluate("window.beforeClick") == "still here"

    page.reload()
    expect(items).to_have_count(2)
    expect(page.locator("[data-testid=notification].unread")).to_have_count(0)
