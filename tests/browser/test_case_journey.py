"""An officer at the counter, on the real pages: a residence-permit case taken in with materials
missing, the one-time notice issued and printed, the citizen back the next working day with the
rest, then accepted, completed and collected: two trips, and the timeline says so in order.

The live server runs in a thread of this process, so ``time_machine`` moves its clock too: the
return visit happens on another day and counts as the second trip."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from hukou.models import Case, CaseStatus
from hukou.tests.factories import ID_NUMBERS, RESIDENCE_PERMIT_1Y, make_service_type
from windows.models import Role
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday and the Wednesday after it, both working days.
FIRST_VISIT = datetime(2026, 11, 17, 9, 30, tzinfo=SHANGHAI)
RETURN_VISIT = FIRST_VISIT + timedelta(days=1, hours=1)


def test_materials_missing_notice_return_accept_complete_collect(page, org, sign_in):
    make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")
    station = org["east_station"]
    StaffFactory(username="li-jing", full_name="李静", unit=station, role=Role.OFFICER)
    ServiceWindowFactory(station=station, number=2)

    with time_machine.travel(FIRST_VISIT, tick=True):
        sign_in(page, "li-jing", PASSWORD)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="办件").click()
        page.get_by_role("link", name="登记办件").click()

        # The service picker has the focus: type, and Enter takes the first match.
        picker = page.get_by_role("searchbox", name="业务事项")
        expect(picker).to_be_focused()
        picker.press_sequentially("居住证")
        expect(page.get_by_test_id("service-results").locator(".service-option").first).to_contain_text(
            "居住证申领（一年期）"
        )
        picker.press("Enter")
        expect(page.get_by_test_id("service-name")).to_have_text("居住证申领（一年期）")

        # The applicant, from the keyboard; the ID number is checked on leaving the field.
        expect(page.get_by_label("申请人姓名")).to_be_focused()
        page.keyboard.type("王小明")
        page.keyboard.press("Tab")
        page.keyboard.type(ID_NUMBERS[1].lower())
        page.keyboard.press("Tab")
        expect(page.get_by_test_id("id-feedback")).to_have_text("号码校验通过")
        page.keyboard.type("13912345678")
        page.get_by_label("窗口").select_option(label="2号窗口")

        # The decision follows the answers and the ticks.
        page.get_by_role("radiogroup", name="申请人为育龄妇女？").get_by_label("否").check()
        decision = page.get_by_test_id("decision")
        expect(decision).to_contain_text("还缺 2 项")
        page.get_by_role("checkbox", name=re.compile("^居民身份证")).check()
        expect(decision).to_contain_text("还缺 1 项")
        expect(decision).to_contain_text("居住或务工就学证明（任选其一）")
        expect(page.get_by_role("button", name=re.compile("^受理"))).to_be_disabled()

        # Issue the one-time notice with its access key.
        page.get_by_label("告知备注").fill("租赁合同请带原件")
        page.wait_for_load_state("load")
        page.keyboard.press("Alt+n")
        expect(page).to_have_url(re.compile(r"/cases/S1-20261117-\d{4}/$"))
        expect(page.get_by_test_id("case-status")).to_have_text("待补正材料")
        expect(page.get_by_test_id("trips")).to_contain_text("1 次")
        documents = page.get_by_test_id("document")
        expect(documents).to_have_count(1)
        expect(documents).to_contain_text("补正材料通知书（一次性告知）")

        print_links = documents.get_by_role("link", name="打印")
        if print_links.count():  # the printable notice, where this installation has it
            with page.context.expect_page() as opened:
                print_links.click()
            notice = opened.value
            notice.wait_for_load_state()
            expect(notice.locator("body")).to_contain_text("房屋租赁合同")
            expect(notice.locator("body")).to_contain_text("租赁合同请带原件")
            notice.close()

    number = Case.objects.get().number

    with time_machine.travel(RETURN_VISIT, tick=True):
        # A new day: the officer signs in again and finds the case by the applicant's name.
        sign_in(page, "li-jing", PASSWORD)
        page.goto("/cases/")
        page.get_by_role("searchbox").fill("王小明")
        page.get_by_role("searchbox").press("Enter")
        page.get_by_role("link", name=number).click()
        expect(page.get_by_test_id("case-number")).to_have_text(number)

        # The citizen brought the residence certificate: tick it, the decision turns, record it.
        page.get_by_role("checkbox", name=re.compile("^居住证明")).check()
        expect(page.get_by_test_id("decision")).to_contain_text("材料齐全")
        page.get_by_role("button", name=re.compile("^群众补交材料")).click()
        expect(page.get_by_test_id("trips")).to_contain_text("2 次")
        expect(page.get_by_test_id("material-received")).to_have_count(2)

        page.wait_for_load_state("load")  # the access keys are the page script's: let it run first
        page.keyboard.press("Alt+a")  # 受理
        expect(page.get_by_test_id("case-status")).to_have_text("已受理")
        expect(page.get_by_test_id("due-on")).to_contain_text("2026-12-02")  # 10 working days on
        page.get_by_role("button", name=re.compile("^办结")).click()
        expect(page.get_by_test_id("case-status")).to_have_text("已办结")
        page.get_by_role("button", name=re.compile("^领取")).click()
        expect(page.get_by_test_id("case-status")).to_have_text("已领取")

    expect(page.get_by_test_id("trips")).to_contain_text("2 次")
    events = page.get_by_test_id("event")
    expect(events).to_have_count(6)
    expected = [
        ("2026-11-17", "登记", "→ 草稿"),
        ("2026-11-17", "一次性告知", "草稿 → 待补正材料"),
        ("2026-11-18", "收取材料", "居住证明"),
        ("2026-11-18", "受理", "待补正材料 → 已受理"),
        ("2026-11-18", "办结", "已受理 → 已办结"),
        ("2026-11-18", "领取", "已办结 → 已领取"),
    ]
    for event, (day, action, detail) in zip(events.all(), expected, strict=True):
        expect(event.locator("time")).to_contain_text(day)
        expect(event.locator(".event-action")).to_have_text(action)
        expect(event).to_contain_text(detail)
    expect(page.get_by_test_id("no-actions")).to_contain_text("办件已结束")

    case = Case.objects.get()
    assert case.status == CaseStatus.COLLECTED and case.trips == 2
