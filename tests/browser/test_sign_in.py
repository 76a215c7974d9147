"""Signing in and out through the login form, and the lockout after five wrong passwords."""

import re

import pytest
from playwright.sync_api import expect

from windows.models import Role, WindowKind
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser


def test_officer_signs_in_to_the_workbench_and_signs_out(page, org, sign_in):
    station = org["east_station"]
    officer = StaffFactory(role=Role.OFFICER, unit=station, full_name="李明")
    ServiceWindowFactory(station=station, number=1, name="综合受理", kind=WindowKind.GENERAL)
    ServiceWindowFactory(station=station, number=2, name="优先办理", kind=WindowKind.PRIORITY, is_open=False)
    ServiceWindowFactory(station=org["west_station"], number=1, name="西湖综合受理")

    page.goto("/accounts/login/")
    expect(page.get_by_label("用户名", exact=True)).to_be_focused()
    sign_in(page, officer.user.username, PASSWORD)

    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.get_by_test_id("whoami")).to_have_text("李明 · 户籍民警")
    expect(page.get_by_test_id("unit-name")).to_have_text("东关派出所")
    me = page.get_by_role("region", name="我的信息")
    expect(me).to_contain_text("李明")
    expect(me).to_contain_text("户籍民警")
    expect(me).to_contain_text("东关派出所")
    windows = page.get_by_test_id("window")
    expect(windows).to_have_count(2)
    expect(windows.nth(0)).to_contain_text("1号窗口")
    expect(windows.nth(0)).to_contain_text("综合受理")
    expect(windows.nth(0)).to_contain_text("开放")
    expect(windows.nth(1)).to_contain_text("2号窗口")
    expect(windows.nth(1)).to_contain_text("老弱病残孕优先窗口")
    expect(windows.nth(1)).to_contain_text("关闭")
    expect(page.get_by_text("西湖综合受理")).to_have_count(0)

    page.get_by_role("button", name="退出").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/workbench/$"))


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page, org, sign_in):
    officer = StaffFactory(unit=org["east_station"])
    username = officer.user.username

    for _ in range(4):
        sign_in(page, username, "Wrong-Pass-2026!")
        expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("用户名")
        expect(page.get_by_text("账号已锁定")).to_have_count(0)

    with page.expect_response(lambda r: r.request.method == "POST") as fifth:
        sign_in(page, username, "Wrong-Pass-2026!")
    assert fifth.value.status == 429
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()

    with page.expect_response(lambda r: r.request.method == "POST") as sixth:
        sign_in(page, username, PASSWORD)
    assert sixth.value.status == 429
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/workbench/$"))
