"""A citizen on a phone opens the rating link of their SMS, taps 满意 and submits."""

import re

import pytest
from playwright.sync_api import expect

from evaluations.models import Evaluation, RatingChannel
from evaluations.services.ratings import rating_token_make
from evaluations.tests.factories import completed_case, same_day_service
from windows.models import Role
from windows.tests.factories import ServiceWindowFactory, StaffFactory

pytestmark = pytest.mark.browser


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_from_the_sms_link_to_the_thank_you_page(phone_page, org):
    station = org["east_station"]
    officer = StaffFactory(username="li-jing", full_name="李静", unit=station, role=Role.OFFICER).user
    window = ServiceWindowFactory(station=station, number=2)
    case = completed_case(officer=officer, window=window, service_type=same_day_service(), applicant_name="王小明")
    link = f"/rate/{rating_token_make(case_id=case.pk, channel=RatingChannel.SMS)}/"

    page = phone_page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("请评价本次服务")
    subject = page.get_by_test_id("rate-subject")
    expect(subject).to_contain_text("户口簿补领")
    expect(subject).to_contain_text(station.name)
    expect(page.locator("body")).not_to_contain_text("王小明")
    assert fits_the_phone(page)

    # Submitting without a level keeps the citizen on the form, told what is missing.
    page.get_by_role("button", name="提交评价").tap()
    expect(page.get_by_role("alert").first).to_contain_text("请选择满意程度。")

    # The call-back number shows for a bad level only.
    callback = page.get_by_test_id("callback")
    page.get_by_text("不满意", exact=True).tap()
    expect(callback).to_be_visible()
    expect(callback).to_contain_text("我们将通过您办理业务时登记的手机号码回访")
    page.get_by_text("满意", exact=True).tap()
    expect(page.get_by_label("满意", exact=True)).to_be_checked()
    expect(callback).to_be_hidden()

    page.get_by_text("办事效率").tap()
    page.get_by_role("button", name="提交评价").tap()
    expect(page.get_by_test_id("rate-thanks")).to_contain_text("感谢您的评价")
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    assert fits_the_phone(page)

    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.level, evaluation.channel, evaluation.reasons) == (4, RatingChannel.SMS, ["efficiency"])
    assert (evaluation.officer, evaluation.window) == (officer, window)

    # The link is used: opening it again says so.
    page.goto(link)
    expect(page.get_by_test_id("rate-used")).to_contain_text("该业务已经评价过了")
