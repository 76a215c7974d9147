"""A citizen reports a problem (“办不成事”反映) from a phone and follows it; the station's chief handles it."""

import re

import pytest
from playwright.sync_api import expect

from windows.models import Role
from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser

RESOLUTION = "经核实，窗口多要了一份材料。已当面向您致歉，并于当日为您办结迁入。"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def check_progress(page, reference: str) -> None:
    page.goto("/appeals/progress/")
    page.get_by_label("受理编号").fill(reference)
    page.get_by_label("手机号码后4位").fill("5678")
    page.get_by_role("button", name="查询").tap()


def test_a_citizen_reports_and_the_chief_resolves(phone_page, page, sign_in, org):
    east = org["east_station"]
    StaffFactory(username="chief", full_name="张所长", unit=east, role=Role.STATION_SUPERVISOR)
    StaffFactory(username="officer", full_name="李民警", unit=east, role=Role.OFFICER)

    # The citizen, on a phone.
    citizen = phone_page
    citizen.set_viewport_size({"width": 360, "height": 740})  # the narrowest phone the pages are made for
    citizen.goto("/appeals/")
    expect(citizen.get_by_role("heading", level=1)).to_have_text("“办不成事”反映")
    assert fits_the_phone(citizen)
    citizen.get_by_label("联系人").fill("王小明")
    citizen.get_by_label("手机号码", exact=True).fill("139 1234 5678")
    citizen.get_by_label("派出所").select_option(label="东关派出所")
    citizen.get_by_label("类别").select_option(label="随意增加材料或环节")
    citizen.get_by_label("具体情况").fill("办理户口迁入时被要求提供办事指南以外的证明，跑了两趟。")
    citizen.get_by_role("button", name="提交").tap()

    expect(citizen).to_have_url(re.compile(r"/appeals/done/$"))
    reference = citizen.get_by_test_id("appeal-reference").inner_text().strip()
    assert re.fullmatch(r"SQS1\d{12}", reference)
    expect(citizen.get_by_test_id("appeal-due")).to_be_visible()
    assert fits_the_phone(citizen)
    citizen.get_by_test_id("progress-link").tap()
    expect(citizen.get_by_label("受理编号")).to_have_value(reference)
    citizen.get_by_label("手机号码后4位").fill("5678")
    citizen.get_by_role("button", name="查询").tap()
    expect(citizen.get_by_test_id("appeal-status")).to_have_text("已受理，待处理")
    expect(citizen.get_by_test_id("timeline")).to_contain_text("受理")
    assert fits_the_phone(citizen)

    # The station's chief, at a desk: sees it in the list, starts it with an officer, then resolves it.
    sign_in(page, "chief", PASSWORD)
    page.goto("/evaluations/appeals/")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("待处理")
    page.get_by_label("承办人", exact=True).select_option(label="李民警（户籍民警）")
    page.get_by_role("button", name="开始办理").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("处理中")
    expect(page.get_by_test_id("appeal-handler")).to_have_text("李民警")
    page.get_by_label("办理结果（群众查询时可见）").fill(RESOLUTION)
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已办结")
    expect(page.get_by_test_id("appeal-resolution")).to_have_text(RESOLUTION)

    # The citizen looks again.
    check_progress(citizen, reference)
    expect(citizen.get_by_test_id("appeal-status")).to_have_text("已办结")
    expect(citizen.get_by_test_id("appeal-resolution")).to_contain_text(RESOLUTION)
    timeline = citizen.get_by_test_id("timeline")
    for title in ("受理", "处理中", "已办结"):
        expect(timeline).to_contain_text(title)
    expect(citizen.get_by_test_id("progress-result")).not_to_contain_text("李民警")
    assert fits_the_phone(citizen)
