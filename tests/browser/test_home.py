"""The citizens' front page, as it is opened: on a phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_citizen_sees_the_service_tiles_on_a_phone(phone_page):
    page = phone_page
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("户籍业务，少跑腿、一次办")
    tiles = page.get_by_role("navigation", name="群众服务").locator(".nav-item")
    # Only the services this installation has are offered: no dead tiles.
    expect(tiles).to_have_text(["办事指南", "办件进度查询", "“办不成事”反映"])
    for tile in tiles.all():
        box = tile.bounding_box()
        assert box["height"] >= 44, "a tile is too small to tap"
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tiles.first.tap()
    expect(page).to_have_url(re.compile(r"/guide/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("办事指南")
