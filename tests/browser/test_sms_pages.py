"""The supervisors' SMS page: a failed message, its phone masked, sent again with htmx in place."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notices.models import SmsMessage, SmsStatus
from notices.tests.factories import make_sms
from windows.models import Role
from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser


def test_a_supervisor_sends_a_failed_message_again(page, org, sign_in):
    chief = StaffFactory(role=Role.STATION_SUPERVISOR, unit=org["east_station"], full_name="周所长")
    message = make_sms(unit=org["east_station"], phone="13812345678", reference="S1-20261121-0001")
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.FAILED, attempts=6, last_error="重试6次仍失败：短信平台超时", failed_at=timezone.now()
    )
    make_sms(unit=org["west_station"], phone="13600003333")  # another district's: never shown

    sign_in(page, chief.user.username, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="短信").click()

    expect(page).to_have_url(re.compile(r"/notices/sms/$"))
    rows = page.get_by_test_id("sms-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.get_by_test_id("sms-phone")).to_have_text("138****5678")
    expect(row.get_by_test_id("sms-status")).to_have_text("发送失败")
    expect(row.get_by_role("link", name="S1-20261121-0001")).to_have_attribute("href", "/cases/S1-20261121-0001/")
    assert "13812345678" not in page.content()
    page.evaluate("window.beforeClick = 'still here'")

    with page.expect_response(lambda r: r.request.method == "POST") as retried:
        row.get_by_role("button", name=re.compile("^重发")).click()

    assert retried.value.request.headers.get("hx-request") == "true"
    expect(row.get_by_test_id("sms-status")).to_have_text("待发送")
    expect(row.get_by_test_id("sms-status")).to_be_focused()
    expect(row.get_by_role("status")).to_contain_text("已重新排队")
    expect(row.get_by_role("button", name=re.compile("^重发"))).to_have_count(0)
    assert page.evaluate("window.beforeClick") == "still here"
    message.refresh_from_db()
    assert message.status in (SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.SENT)
