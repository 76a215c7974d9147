"""The follow-up calls page (回访): an officer records a call from the list's inline form."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import FollowUpCall, Level
from evaluations.services.followups import call_list_build
from evaluations.tests.factories import completed_case, same_day_service
from windows.models import Role
from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser


def test_an_officer_records_a_reached_call_and_the_progress_updates(page, org, sign_in):
    station = org["east_station"]
    officer = StaffFactory(role=Role.OFFICER, unit=station, full_name="李警官").user
    service = same_day_service()
    # The live server runs on the real clock: this month's list, of cases completed now.
    first = completed_case(officer=officer, service_type=service, phone="13700000001", applicant_name="王芳")
    completed_case(officer=officer, service_type=service, phone="13700000002", applicant_name="赵强")
    call_list_build(station=station, month=timezone.localdate())

    sign_in(page, officer.username, PASSWORD)
    page.goto("/evaluations/follow-ups/")
    expect(page.get_by_role("heading", name="回访")).to_be_visible()
    expect(page.get_by_test_id("progress-entries")).to_have_text("2")
    expect(page.get_by_test_id("progress-reached")).to_have_text("0")
    expect(page.get_by_test_id("progress-satisfied")).to_have_text("—")

    page.evaluate("window.stillTheSamePage = true")
    row = page.get_by_test_id(f"entry-{first.number}")
    expect(row).to_contain_text("王芳")
    expect(row).to_contain_text("13700000001")  # the full phone, for the officer who calls
    expect(row.get_by_test_id("latest-call")).to_have_text("未回访")
    row.get_by_label("已接通").check()
    row.get_by_label("满意度").select_option(label="满意")
    notes = row.get_by_label("回访记录")
    notes.fill("对办理速度满意")
    notes.press("Enter")  # from the keyboard: Enter saves the row's form

    expect(row.get_by_test_id("latest-call")).to_contain_text("已接通")
    expect(row.get_by_test_id("latest-call")).to_contain_text("满意")
    expect(page.get_by_test_id("progress-called")).to_have_text("1")
    expect(page.get_by_test_id("progress-reached")).to_have_text("1")
    expect(page.get_by_test_id("progress-satisfied")).to_have_text("100%")
    assert page.evaluate("window.stillTheSamePage") is True  # no page load: htmx swapped the row

    call = FollowUpCall.objects.get()
    assert (call.entry.case_id, call.called_by_id, call.reached, call.level, call.notes) == (
        first.pk, officer.pk, True, Level.SATISFIED, "对办理速度满意",
    )  # fmt: skip
