"""An officer changes their own password and signs in with the new one."""

import re

import pytest
from playwright.sync_api import expect

from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Hukou-Chuangkou-2027!"


def test_officer_changes_password_and_signs_in_with_the_new_one(page, org, sign_in):
    officer = StaffFactory(unit=org["east_station"])
    sign_in(page, officer.user.username, PASSWORD)

    page.get_by_role("link", name="修改密码").click()
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()

    expect(page).to_have_url(re.compile(r"/accounts/password/done/$"))
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    sign_in(page, officer.user.username, PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    sign_in(page, officer.user.username, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/workbench/$"))
