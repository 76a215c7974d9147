"""Bad-review rectification (差评整改): the station supervisor opens it from the inbox, records the
contact with the citizen, then closes it with the call back."""

import re

import pytest
from playwright.sync_api import expect

from evaluations.models import Level, Rectification, RectificationStatus
from evaluations.tests.factories import completed_case, rate, same_day_service
from windows.models import Role
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser


def test_the_supervisor_contacts_the_citizen_then_closes_with_the_call_back(page, org, sign_in):
    station = org["east_station"]
    chief = StaffFactory(username="chief", unit=station, role=Role.STATION_SUPERVISOR, full_name="李所长").user
    officer = StaffFactory(username="officer", unit=station, role=Role.OFFICER, full_name="王警官").user
    window = ServiceWindowFactory(station=station, number=1)
    case = completed_case(officer=officer, window=window, service_type=same_day_service())
    rectification = rate(case, level=Level.DISSATISFIED, reasons=["attitude"], comment="态度生硬").rectification

    sign_in(page, chief.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    page.get_by_role("link", name=re.compile(rf"收到差评（不满意），办件{case.number}")).first.click()

    expect(page).to_have_url(re.compile(rf"/evaluations/rectifications/{rectification.pk}/$"))
    expect(page.get_by_test_id("rectification-status")).to_have_text("待核实")
    expect(page.get_by_test_id("rating-comment")).to_have_text("态度生硬")
    expect(page.get_by_test_id("contact-phone")).to_have_text("13800138000")

    page.get_by_label("核实情况").fill("调阅录像，电话联系群众并致歉。")
    page.get_by_role("button", name=re.compile("记录核实联系")).click()

    expect(page.get_by_role("status")).to_contain_text("已记录核实联系情况")
    expect(page.get_by_test_id("rectification-status")).to_have_text("整改中")
    expect(page.get_by_test_id("timeline")).to_contain_text("调阅录像，电话联系群众并致歉。")

    page.get_by_label("查明情况").fill("民警解释政策时语气生硬。")
    page.get_by_label("整改措施").fill("批评教育，组织窗口服务规范培训。")
    page.get_by_role("button", name=re.compile("整改办结")).click()
    # The citizen left a phone: the call back's satisfaction is required, and what was typed stays.
    expect(page.get_by_text("群众留有联系电话，须回访并记录回访满意度。")).to_be_visible()
    expect(page.get_by_label("查明情况")).to_have_value("民警解释政策时语气生硬。")
    page.get_by_label("回访满意度").select_option(label="满意")
    page.get_by_role("button", name=re.compile("整改办结")).click()

    expect(page.get_by_role("status")).to_contain_text("差评整改已办结")
    expect(page.get_by_test_id("rectification-status")).to_have_text("已办结")
    expect(page.get_by_test_id("callback-level")).to_have_text("满意")
    expect(page.get_by_test_id("read-only")).to_have_text("差评整改已办结。")
    expect(page.get_by_role("button", name=re.compile("整改办结|记录核实联系"))).to_have_count(0)

    page.get_by_role("link", name="差评整改", exact=True).first.click()
    row = page.get_by_test_id("rectification-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "closed")

    rectification = Rectification.objects.get(pk=rectification.pk)
    assert rectification.status == RectificationStatus.CLOSED
    assert (rectification.contacted_by, rectification.closed_by) == (chief, chief)
    assert rectification.callback_level == Level.SATISFIED and rectification.callback_at is not None
