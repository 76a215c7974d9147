"""三长接待: a station chief records a leader's stint at the window from the keyboard, and the days served
update in place."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.models import DayPart, LeaderRole, ReceptionRecord
from compliance.services.receptions import leader_create
from windows.models import Role
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser


def test_a_station_chief_records_a_stint_with_the_keyboard(page, org, sign_in):
    station = org["east_station"]
    chief = StaffFactory(username="chief", unit=station, role=Role.STATION_SUPERVISOR, full_name="李所长").user
    window = ServiceWindowFactory(station=station, number=1, name="综合受理")
    leader = leader_create(actor=chief, name="李建国", role=LeaderRole.STATION_CHIEF, unit=station)

    sign_in(page, chief.username, PASSWORD)
    page.goto("/compliance/receptions/")
    expect(page.get_by_role("heading", name="三长接待")).to_be_visible()
    expect(page.get_by_test_id(f"served-{leader.pk}")).to_have_text("0")
    expect(page.get_by_test_id(f"status-{leader.pk}")).to_have_text("尚差 3 天")
    page.evaluate("window.stillTheSamePage = true")

    leader_select = page.get_by_label("接待领导")
    leader_select.focus()
    page.keyboard.press("ArrowDown")  # the first (only) leader
    expect(leader_select).to_have_value(str(leader.pk))
    page.keyboard.press("Tab")
    expect(page.get_by_label("窗口")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("窗口")).to_have_value(str(window.pk))
    page.keyboard.press("Tab")
    expect(page.get_by_label("日期")).to_be_focused()  # today, already filled in
    page.get_by_label("半天").focus()  # the checked radio of the group, as Tab reaches it
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("全天")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("接待群众（人次）")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    expect(page.get_by_label("情况记录")).to_be_focused()
    page.keyboard.type("解答户口迁移政策")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="已登记李建国")).to_contain_text("（全天）")
    expect(page.get_by_test_id(f"served-{leader.pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"status-{leader.pk}")).to_have_text("尚差 2 天")
    expect(page.get_by_test_id("records")).to_contain_text("解答户口迁移政策")
    expect(page.get_by_label("接待领导")).to_be_focused()  # ready for the next stint
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped the figures, no page load

    record = ReceptionRecord.objects.get()
    assert (record.leader_id, record.window_id, record.date, record.part) == (
        leader.pk, window.pk, timezone.localdate(), DayPart.WHOLE
    )  # fmt: skip
    assert (record.citizens_served, record.problems_solved, record.recorded_by_id) == (12, 3, chief.pk)
