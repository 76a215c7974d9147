"""A citizen on a phone scans the QR code of their notice and looks up their case."""

import re

import pytest
from playwright.sync_api import expect

from hukou.services import case_transition
from hukou.tests.factories import ID_NUMBERS, RESIDENCE_PERMIT_1Y, make_case, make_service_type
from windows.models import Role
from windows.services import unit_update
from windows.tests.factories import ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_from_the_qr_link_to_the_missing_list(phone_page, org):
    station = unit_update(unit=org["east_station"], hours="工作日 9:00-12:00、13:30-17:00")
    officer = StaffFactory(username="li-jing", full_name="李静", unit=station, role=Role.OFFICER).user
    window = ServiceWindowFactory(station=station, number=2)
    permit = make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")
    case = make_case(
        actor=officer, service_type=permit, provided_names=["居民身份证"], window=window, applicant_name="王小明"
    )
    case_transition(case=case, actor=officer, action="notify", note="租赁合同请带原件")

    page = phone_page
    page.goto(f"/status/?number={case.number}")  # what the notice's QR code opens
    expect(page.get_by_role("heading", level=1)).to_have_text("办件进度查询")
    expect(page.get_by_label("办件编号")).to_have_value(case.number)
    assert fits_the_phone(page)

    # The ID tab is the default; the phone field shows only on its own tab.
    expect(page.get_by_label("办理时登记的手机号后4位")).to_be_hidden()
    page.get_by_label("申请人身份证号后6位").fill(ID_NUMBERS[1][-6:].lower())
    page.get_by_role("button", name="查询").tap()

    expect(page.get_by_test_id("case-status")).to_have_text("待补正材料")
    result = page.get_by_test_id("lookup-result")
    expect(result).to_contain_text("居住证申领（一年期）")
    expect(result).to_contain_text("王**")
    missing = page.get_by_test_id("missing")
    expect(missing).to_contain_text("居住或务工就学证明")
    expect(missing).to_contain_text("以下任选其一")
    for name in ("房屋租赁合同", "居住证明", "务工经商证明", "就医、就学证明"):
        expect(missing).to_contain_text(name)
    expect(result).not_to_contain_text("租赁合同请带原件")  # the officer's note stays inside
    expect(page).to_have_url(re.compile(r"/status/$"))  # nothing personal in the URL
    assert fits_the_phone(page)


def test_the_phone_tab_and_a_wrong_factor(phone_page, org):
    station = org["east_station"]
    officer = StaffFactory(username="li-jing", unit=station, role=Role.OFFICER).user
    permit = make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")
    case = make_case(actor=officer, service_type=permit, phone="13912345678")

    page = phone_page
    page.goto(f"/status/?number={case.number}")
    page.get_by_text("手机号后4位", exact=True).tap()
    expect(page.get_by_label("申请人身份证号后6位")).to_be_hidden()
    page.get_by_label("办理时登记的手机号后4位").fill("0000")
    page.get_by_role("button", name="查询").tap()
    expect(page.get_by_test_id("lookup-message")).to_have_text("未查到匹配的办件，请核对办件编号和验证信息。")
    # The phone tab stays chosen and the number stays filled in; the digits typed are gone.
    expect(page.get_by_label("办件编号")).to_have_value(case.number)
    expect(page.get_by_label("办理时登记的手机号后4位")).to_have_value("")

    page.get_by_label("办理时登记的手机号后4位").fill("5678")
    page.get_by_role("button", name="查询").tap()
    expect(page.get_by_test_id("case-status")).to_have_text("已收件，待受理")
    assert fits_the_phone(page)
