"""The reports page (月度通报): a city supervisor opens October's bulletin, reads its rows and downloads
the Excel file, which opens with openpyxl."""

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from compliance.services.registers import register_build
from compliance.services.reports import report_build
from compliance.tests.builders import at
from evaluations.services.appeals import appeal_submit
from evaluations.tests.factories import completed_case, rate, same_day_service
from windows.models import Role
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")  # noqa: S108  (outside the repo: screenshots to look at)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def october(org):
    east, west = org["east_station"], org["west_station"]
    window = ServiceWindowFactory(station=east, number=1)
    officer = StaffFactory(role=Role.OFFICER, unit=east, full_name="李警官").user
    colleague = StaffFactory(role=Role.OFFICER, unit=west, full_name="王警官").user
    service = same_day_service()
    with time_machine.travel(at(2026, 10, 20), tick=False):
        for level in (5, 5, 4, 1):
            case = completed_case(officer=officer, window=window, service_type=service)
            rate(case, level=level, reasons=["waiting"] if level < 3 else [])
        completed_case(officer=colleague, service_type=service)
        appeal_submit(
            station=west,
            category="cannot_get_done",
            contact_name="张三丰",
            contact_phone="13912345678",
            content="办理户口迁入时被要求提供清单以外的材料，至今没有办成。",
            today=date(2026, 10, 20),
        )
    with time_machine.travel(at(2026, 11, 1, 1), tick=False):
        report_build(month=date(2026, 10, 1))
    with time_machine.travel(at(2026, 11, 27, 7), tick=False):
        register_build(period_day=date(2026, 11, 29))


def test_a_city_supervisor_opens_octobers_bulletin_and_downloads_the_excel(page, org, october, sign_in):
    chief = StaffFactory(role=Role.BUREAU_SUPERVISOR, unit=org["city"], full_name="赵科长").user
    sign_in(page, chief.username, PASSWORD)
    page.goto("/compliance/reports/")
    expect(page.get_by_role("heading", name="月度通报与登记表")).to_be_visible()
    expect(page.get_by_test_id("register-2026-11-29").get_by_test_id("register-count")).to_have_text("1")
    shot(page, "compliance-reports")

    page.get_by_role("link", name="2026年10月").click()
    expect(page.get_by_role("heading", name="2026年10月 户籍窗口月度通报")).to_be_visible()
    rows = page.get_by_test_id("report-rows").get_by_test_id("row")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("示范市公安局")
    expect(rows.nth(2)).to_contain_text("东关派出所")
    expect(rows.nth(2)).to_contain_text("75.0%")  # 满意率: three of four satisfied
    expect(rows.first.locator("td").nth(3)).to_have_text("100.0%")  # 按时办结率
    expect(page.get_by_role("button", name="重新生成")).to_be_visible()
    shot(page, "compliance-report-units")

    page.get_by_role("link", name="民警").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("report-rows")).to_contain_text("李警官")
    shot(page, "compliance-report-officers")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel").click()
    download = info.value
    assert download.suggested_filename == "2026年10月户籍窗口月度通报-示范市公安局.xlsx"
    book = load_workbook(BytesIO(Path(download.path()).read_bytes()))  # the saved file has no extension
    assert book.sheetnames == ["单位", "窗口", "民警"]
    assert book["单位"]["A1"].value == "名称" and book["单位"]["A2"].value == "示范市公安局"
    assert book["民警"].max_row == 3

    page.goto("/compliance/registers/2026-11-29/")
    expect(page.get_by_test_id("register-rows")).to_contain_text("张**")
    shot(page, "compliance-register")
