"""An officer completes a case on its page and finds the completion SMS in the page's SMS history: the
phone masked, the message waiting to be sent (no Celery worker runs here; the live server's commit
hands it to the broker) or sent.

The live server runs in a thread of this process, so ``time_machine`` moves its clock too: the case is
completed on a Tuesday morning, outside the SMS quiet hours."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from hukou.models import CaseStatus
from hukou.services import Action, case_transition
from hukou.tests.factories import RESIDENCE_PERMIT_1Y, make_case, make_service_type
from notices.models import Purpose, SmsMessage
from windows.models import Role, Unit
from windows.tests.factories import PASSWORD, ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
HOURS = "工作日 9:00-12:00、13:30-17:00"


def test_the_officer_completes_a_case_and_sees_the_completion_sms(page, org, sign_in):
    permit = make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")
    station = org["east_station"]
    Unit.objects.filter(pk=station.pk).update(hours=HOURS)
    officer = StaffFactory(username="li-jing", full_name="李静", unit=station, role=Role.OFFICER).user
    window = ServiceWindowFactory(station=station, number=3)

    with time_machine.travel(TUESDAY, tick=True):
        case = make_case(actor=officer, service_type=permit, provided_names=["居民身份证", "居住证明"], window=window,
                         phone="13912345678")  # fmt: skip
        case = case_transition(case=case, actor=officer, action=Action.ACCEPT)

        sign_in(page, "li-jing", PASSWORD)
        page.goto(f"/cases/{case.number}/")
        expect(page.get_by_test_id("case-status")).to_have_text("已受理")
        expect(page.get_by_test_id("no-sms")).to_have_text("尚未给申请人发过短信。")

        page.get_by_role("button", name=re.compile("^办结")).click()
        expect(page.get_by_test_id("case-status")).to_have_text("已办结")

    history = page.get_by_test_id("sms-history")
    expect(history).to_be_visible()
    rows = history.get_by_test_id("sms")
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("sms-purpose")).to_have_text("办结通知")
    expect(rows.get_by_test_id("sms-phone")).to_have_text("139****5678")
    expect(rows.get_by_test_id("sms-status")).to_have_text(re.compile("^(待发送|已发送)$"))
    expect(rows).to_contain_text(f"请于11月24日起{HOURS}携带受理回执和申请人本人的居民身份证到3号窗口领取")
    expect(history).not_to_contain_text("13912345678")

    message = SmsMessage.objects.get()
    assert message.purpose == Purpose.COMPLETION and message.reference == case.number
    assert message.idempotency_key == f"case:{case.pk}:completion"
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
