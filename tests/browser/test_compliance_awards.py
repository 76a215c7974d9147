"""服务标兵: a station chief confirms the suggested best-service star and changes a quality-service star
with a note."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.figures import month_start, previous_month
from compliance.models import Award, AwardKind, MonthlyFigures
from compliance.services.awards import NOTE_REQUIRED, awards_suggest
from windows.models import Role
from windows.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser


def test_a_station_chief_confirms_the_best_star_and_changes_a_quality_star(page, org, sign_in):
    station = org["east_station"]
    chief = StaffFactory(username="chief", unit=station, role=Role.STATION_SUPERVISOR, full_name="李所长").user
    # The live server runs on the real clock: the month just ended.
    month = previous_month(month_start(timezone.localdate()))
    officers = {}
    for name, ratings, satisfied in [("张伟", 125, 124), ("王芳", 100, 97), ("刘洋", 60, 57), ("赵敏", 40, 36)]:
        officer = StaffFactory(unit=station, role=Role.OFFICER, full_name=name).user
        officers[name] = officer
        MonthlyFigures.objects.create(
            month=month, station=station, unit_path=station.path, officer=officer, completed=ratings + 5,
            completed_on_time=ratings + 5, rated=ratings, ratings=ratings, satisfied=satisfied,
        )  # fmt: skip
    awards_suggest(month=month)

    sign_in(page, chief.username, PASSWORD)
    page.goto("/compliance/awards/")
    expect(page.get_by_role("heading", name="服务标兵")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    best = page.get_by_test_id("slot-best-1")
    expect(best.get_by_test_id("suggested")).to_have_text("张伟")
    expect(best.get_by_test_id("reasons")).to_contain_text("满意率 99.2%（124/125）")
    expect(best.get_by_test_id("reasons")).to_contain_text("有责差评 0")
    expect(best.get_by_label("评定人选")).to_have_value(str(officers["张伟"].pk))
    best.get_by_role("button", name="确认").click()

    best = page.get_by_test_id("slot-best-1")
    expect(best.get_by_test_id("confirmed")).to_have_text("张伟")
    expect(page.get_by_role("status")).to_have_text("已评定东关派出所最佳服务标兵：张伟。")

    second = page.get_by_test_id("slot-quality-2")
    expect(second.get_by_test_id("suggested")).to_have_text("刘洋")
    second.get_by_label("评定人选").select_option(label="赵敏")
    second.get_by_role("button", name="确认").click()
    second = page.get_by_test_id("slot-quality-2")
    expect(second.get_by_role("alert")).to_have_text(NOTE_REQUIRED)
    expect(second.get_by_label("评定人选")).to_have_value(str(officers["赵敏"].pk))  # the choice is kept
    second.get_by_label("评定说明").fill("本月收到群众锦旗一面")
    second.get_by_role("button", name="确认").click()

    second = page.get_by_test_id("slot-quality-2")
    expect(second.get_by_test_id("confirmed")).to_have_text("赵敏")
    expect(second.get_by_test_id("status")).to_contain_text("本月收到群众锦旗一面")
    expect(page.get_by_test_id("slot-best-1").get_by_test_id("confirmed")).to_have_text("张伟")
    expect(second.get_by_role("button", name="更改")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True

    awards = {(a.kind, a.slot): a for a in Award.objects.filter(station=station, month=month)}
    assert (awards[(AwardKind.BEST, 1)].officer, awards[(AwardKind.BEST, 1)].note) == (officers["张伟"], "")
    changed = awards[(AwardKind.QUALITY, 2)]
    assert (changed.suggested, changed.officer, changed.note, changed.confirmed_by) == (
        officers["刘洋"], officers["赵敏"], "本月收到群众锦旗一面", chief
    )  # fmt: skip
    assert awards[(AwardKind.QUALITY, 1)].officer is None
