"""A citizen on a phone reads the service guide and checks their materials before coming in."""

import re

import pytest
from playwright.sync_api import expect

from hukou.tests.factories import RESIDENCE_PERMIT_1Y, make_service_type

pytestmark = pytest.mark.browser


def test_the_self_check_turns_from_missing_to_complete_as_items_are_ticked(phone_page):
    make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")
    page = phone_page
    page.goto("/guide/")

    page.get_by_role("searchbox").fill("居住证")
    page.get_by_role("link", name=re.compile("居住证申领（一年期）")).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证申领（一年期）")
    page.evaluate("window.__samePage = true")
    result = page.get_by_test_id("check-result")

    page.get_by_role("radiogroup", name="申请人为育龄妇女？").get_by_label("否").check()
    expect(result).to_contain_text("还缺")
    expect(result).to_contain_text("居民身份证")
    expect(result).to_contain_text("居住或务工就学证明（任选其一）")

    page.get_by_role("checkbox", name=re.compile("^居民身份证")).tap()
    expect(result).to_contain_text("还缺")
    expect(result).not_to_contain_text("居民身份证")

    page.get_by_role("checkbox", name=re.compile("^居住证明")).tap()
    expect(result).to_contain_text("材料齐全")

    # A woman of childbearing age also needs the 婚育证明.
    page.get_by_role("radiogroup", name="申请人为育龄妇女？").get_by_label("是").check()
    expect(result).to_contain_text("还缺")
    expect(result).to_contain_text("婚育证明")

    # All of it happened without a page load, and the page fits the phone.
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
