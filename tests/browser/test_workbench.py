"""The admins' workbench: the warning about a year without an entered holiday schedule."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from windows.models import Role
from windows.tests.factories import PASSWORD, StaffFactory
from windows.workdays import years_missing_schedule

pytestmark = pytest.mark.browser


def test_admin_is_warned_of_a_year_without_a_holiday_schedule(page, org, sign_in):
    admin = StaffFactory(role=Role.ADMIN, unit=org["city"], full_name="王强")
    # The live server runs on the real clock, so the years are those of today.
    years = years_missing_schedule(timezone.localdate())

    sign_in(page, admin.user.username, PASSWORD)

    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.get_by_test_id("whoami")).to_have_text("王强 · 系统管理员")
    warnings = page.get_by_test_id("calendar-warning")
    expect(warnings).to_have_count(len(years))
    for year, warning in zip(years, warnings.all(), strict=True):
        expect(warning).to_contain_text(f"尚未录入{year}年的法定节假日与调休安排")
    if years:
        warnings.first.get_by_role("link", name="前往录入").click()
        expect(page).to_have_url(re.compile(r"/windows/holiday/$"))
        expect(page.locator("#changelist")).to_be_visible()
