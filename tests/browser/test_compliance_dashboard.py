"""The monthly dashboard (月度统计): a city supervisor drills from the city to a district, a station, a
window and an officer, clicks a count and opens a case behind it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.services.rollups import rollup_refresh
from evaluations.models import Level
from evaluations.tests.factories import completed_case, rate, same_day_service
from windows.models import Role
from windows.tests.factories import (
    PASSWORD,
    CityFactory,
    DistrictFactory,
    ServiceWindowFactory,
    StaffFactory,
    StationFactory,
)

pytestmark = pytest.mark.browser


def test_a_city_supervisor_drills_down_to_a_case(page, sign_in):
    city = CityFactory(code="C1", name="示范市公安局")
    east = DistrictFactory(code="D1", name="城东分局", parent=city)
    station = StationFactory(code="S1", name="东关派出所", parent=east)
    StationFactory(code="S2", name="西湖派出所", parent=DistrictFactory(code="D2", name="城西分局", parent=city))
    window = ServiceWindowFactory(station=station, number=2, name="综合受理")
    officer = StaffFactory(role=Role.OFFICER, unit=station, full_name="李警官").user
    supervisor = StaffFactory(role=Role.BUREAU_SUPERVISOR, unit=city, full_name="张科长").user
    service = same_day_service()
    # The live server runs on the real clock: this month's cases, rolled up now.
    cases = [completed_case(officer=officer, window=window, service_type=service) for _i in range(2)]
    rate(cases[0], level=Level.VERY_SATISFIED)
    rollup_refresh(month=timezone.localdate())

    sign_in(page, supervisor.username, PASSWORD)
    page.get_by_role("link", name="统计").click()
    expect(page.get_by_role("heading", name="示范市公安局 月度统计")).to_be_visible()
    expect(page.get_by_test_id("kpi-satisfied")).to_have_text("100.0%")
    expect(page.get_by_test_id("rate-rated")).to_have_text("50.0%")
    expect(page.locator("[data-chart][data-drawn]")).to_have_count(3)  # the trend charts were drawn

    children = page.get_by_test_id("children")
    children.get_by_role("link", name="城东分局").click()
    expect(page.get_by_role("heading", name="城东分局 月度统计")).to_be_visible()
    page.get_by_test_id("children").get_by_role("link", name="东关派出所").click()
    expect(page.get_by_role("heading", name="东关派出所 月度统计")).to_be_visible()
    page.get_by_test_id("children").get_by_role("link", name="2号窗口 综合受理").click()
    expect(page.get_by_role("heading", name="东关派出所 · 2号窗口 月度统计")).to_be_visible()
    page.get_by_test_id("children").get_by_role("link", name="李警官").click()
    expect(page.get_by_role("heading", name="东关派出所 · 2号窗口 · 李警官 月度统计")).to_be_visible()
    crumbs = page.get_by_role("navigation", name="统计层级").get_by_role("listitem")
    expect(crumbs).to_have_text(["示范市公安局", "城东分局", "东关派出所", "2号窗口", "李警官"])

    # the completed count behind the figure: the two cases
    page.get_by_test_id("card-cases").locator("[data-figure=completed]").first.click()
    expect(page.get_by_role("heading", name="办结")).to_be_visible()
    expect(page.get_by_test_id("rows-count")).to_have_text("2")
    row = page.get_by_test_id(f"row-{cases[0].number}")
    expect(row).to_contain_text("李警官")
    expect(row).to_contain_text(service.name)
    row.get_by_role("link", name=cases[0].number).click()
    expect(page).to_have_url(f"/cases/{cases[0].number}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(service.name)
    expect(page.get_by_role("main")).to_contain_text(cases[0].number)
