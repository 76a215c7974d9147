"""The frozen monthly bulletin (月考核、月通报): built once when a month has ended, from the rollups, one row
per unit, window and officer; unchanged by later corrections; rebuilt only on purpose, with a reason, by
a city-level supervisor; and the job that builds it by the 3rd."""

import logging
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.figures import Period
from compliance.models import MonthlyFigures, MonthlyReport, ReportBuild, ReportRow
from compliance.selectors.figures import cells
from compliance.services import awards
from compliance.services import reports as services
from compliance.services.reports import (
    REASON_REQUIRED,
    REBUILD_NOT_ALLOWED,
    report_build,
    report_rebuild,
)
from compliance.services.rollups import rollup_refresh
from compliance.tasks import build_monthly_reports
from compliance.tests.builders import at
from evaluations.models import Level, ReviewOutcome
from evaluations.services.rectifications import rating_review_decide, rating_review_request
from evaluations.tests.factories import completed_case, rate

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = date(2026, 10, 1)
SEPTEMBER = date(2026, 9, 1)


def make_october(staff, service) -> dict:
    """October 2026: two cases done at S1's window 1 (rated 非常满意 and 非常不满意), one at S2 (not yet
    rated), and one at S1 late in the evening of the 31st."""
    with time_machine.travel(at(2026, 10, 20), tick=False):
        good = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
        rate(good, level=Level.VERY_SATISFIED)
        bad_case = completed_case(officer=staff["officer2"], window=staff["window"], service_type=service)
        bad = rate(bad_case, level=Level.VERY_DISSATISFIED, reasons=["waiting"])
        west = completed_case(officer=staff["other_officer"], service_type=service)
    with time_machine.travel(at(2026, 10, 31, 23, 50), tick=False):
        completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    return {"good": good, "bad": bad, "west": west}


def build(month=OCTOBER, now=None):
    with time_machine.travel(now or at(2026, 11, 1, 1, 10), tick=False):
        return report_build(month=month)


def rows(report, kind=None) -> dict[str, dict]:
    qs = ReportRow.objects.filter(report=report)
    if kind:
        qs = qs.filter(kind=kind)
    return {row.name: row.figures for row in qs}


def test_a_month_that_has_ended_is_frozen_per_unit_window_and_officer(org, staff, october):
    report = build()
    assert (report.month, report.version) == (OCTOBER, 1)
    assert set(rows(report, "unit")) == {"示范市公安局", "城东分局", "城西分局", "东关派出所", "西湖派出所"}
    city = rows(report, "unit")["示范市公安局"]
    assert (city["completed"], city["ratings"], city["satisfied"], city["bad"], city["rated"]) == (4, 2, 1, 1, 2)
    assert city["satisfaction"] == 0.5 and city["coverage"] == 0.5 and city["on_time_rate"] == 1.0
    assert city["median_days"] == 0 and city["days"] == [4]
    assert rows(report, "unit")["城东分局"]["completed"] == 3
    assert rows(report, "unit")["东关派出所"]["completed"] == 3
    assert rows(report, "unit")["西湖派出所"]["completed"] == 1
    assert rows(report, "unit")["城西分局"]["coverage"] == 0.0

    [window] = ReportRow.objects.filter(report=report, kind="window")
    assert (window.name, window.unit, window.unit_path, window.window) == (
        "1号窗口（综合受理）", org["east_station"], org["east_station"].path, staff["window"],
    )  # fmt: skip
    assert (window.figures["completed"], window.figures["ratings"]) == (3, 2)

    officers = {row.officer: row for row in ReportRow.objects.filter(report=report, kind="officer")}
    assert set(officers) == {staff["officer"], staff["officer2"], staff["other_officer"]}
    mine = officers[staff["officer"]]
    assert (mine.name, mine.unit, mine.unit_path) == (
        staff["officer"].get_full_name(), org["east_station"], org["east_station"].path,
    )  # fmt: skip
    assert (mine.figures["completed"], mine.figures["satisfied"]) == (2, 1)
    assert officers[staff["other_officer"]].unit == org["west_station"]

    [log] = ReportBuild.objects.filter(report=report)
    assert (log.version, log.built_by, log.reason) == (1, None, "")


def test_the_rows_are_the_rollup_cells_summed(org, staff, october):
    """Every unit row equals the totals the dashboard's selector reads for that unit."""
    report = build()
    unit_rows = list(ReportRow.objects.filter(report=report, kind="unit").select_related("unit"))
    assert len(unit_rows) == 5
    summed = {
        row.unit.code: sum(c["completed"] for c in cells(OCTOBER, row.unit).values("completed")) for row in unit_rows
    }
    assert {row.unit.code: row.figures["completed"] for row in unit_rows} == summed
    assert summed["C1"] == 4


def test_a_month_not_over_is_refused_and_a_built_month_is_built_once(staff, october):
    with pytest.raises(ValidationError) as refused:
        build(month=date(2026, 11, 1), now=at(2026, 11, 30, 23, 59))
    assert refused.value.messages == ["2026-11尚未结束，不能生成月度通报。"]
    assert not MonthlyReport.objects.exists()

    first = build()
    before = rows(first)
    assert build(now=at(2026, 11, 2, 1, 10)) is None
    assert rows(first) == before
    assert ReportBuild.objects.count() == 1 and MonthlyReport.objects.get().version == 1


def test_a_later_correction_moves_the_rollup_but_not_the_closed_bulletin(org, staff, october):
    report = build()
    frozen = rows(report)
    # November: the S2 case of October is rated at last, and the S1 bad rating is excluded on review.
    with time_machine.travel(at(2026, 11, 5), tick=False):
        rate(october["west"], level=Level.SATISFIED)
        review = rating_review_request(
            evaluation=october["bad"], actor=staff["chief"], ground="malicious", reason="与办件无关的恶意评价"
        )
        rating_review_decide(review=review, actor=staff["district"], outcome=ReviewOutcome.EXCLUDED, note="核实属实")
        rollup_refresh(month=OCTOBER)

    east = MonthlyFigures.objects.filter(month=OCTOBER, station=org["east_station"])
    west = MonthlyFigures.objects.filter(month=OCTOBER, station=org["west_station"])
    assert sum(c.ratings for c in east) == 1 and sum(c.bad for c in east) == 0  # the rollup moved
    assert sum(c.rated for c in west) == 1
    assert rows(report) == frozen  # the bulletin did not
    assert build(now=at(2026, 11, 5, 12)) is None
    assert rows(MonthlyReport.objects.get()) == frozen


def test_a_rebuild_takes_todays_data_and_logs_who_and_why(org, staff, october, caplog):
    report = build()
    with time_machine.travel(at(2026, 11, 5), tick=False):
        rate(october["west"], level=Level.SATISFIED)
    with time_machine.travel(at(2026, 11, 6, 9), tick=False), caplog.at_level(logging.WARNING, "compliance.reports"):
        rebuilt = report_rebuild(month=OCTOBER, actor=staff["city"], reason="  西湖派出所补录10月评价  ")
    assert rebuilt.pk == report.pk and rebuilt.version == 2 and rebuilt.built_at == at(2026, 11, 6, 9)
    assert rows(rebuilt, "unit")["西湖派出所"]["rated"] == 1
    assert rows(rebuilt, "unit")["示范市公安局"]["coverage"] == 0.75
    assert ReportRow.objects.filter(report=rebuilt).count() == 5 + 1 + 3  # replaced, not added to
    latest = ReportBuild.objects.filter(report=rebuilt).first()
    assert (latest.version, latest.built_by, latest.reason) == (2, staff["city"], "西湖派出所补录10月评价")
    assert ReportBuild.objects.filter(report=rebuilt).count() == 2
    assert "monthly report 2026-10 rebuilt as version 2 by city" in caplog.text
    assert "西湖派出所补录10月评价" in caplog.text

    report_rebuild(month=OCTOBER, actor=staff["admin"], reason="再次核对")
    assert MonthlyReport.objects.get().version == 3


@pytest.mark.parametrize("who", ["chief", "district", "officer", "other_district"])
def test_a_rebuild_is_refused_below_the_city(staff, october, who):
    report = build()
    with pytest.raises(PermissionDenied) as refused:
        report_rebuild(month=OCTOBER, actor=staff[who], reason="重新统计")
    assert str(refused.value) == REBUILD_NOT_ALLOWED
    assert MonthlyReport.objects.get().version == 1 and ReportBuild.objects.filter(report=report).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_rebuild_needs_a_reason(staff, october, reason):
    build()
    with pytest.raises(ValidationError) as refused:
        report_rebuild(month=OCTOBER, actor=staff["city"], reason=reason)
    assert refused.value.message_dict == {"reason": [REASON_REQUIRED]}
    assert MonthlyReport.objects.get().version == 1


def test_a_rebuild_reason_has_a_limit_and_a_missing_bulletin_is_not_rebuilt(staff, october):
    build()
    with pytest.raises(ValidationError) as refused:
        report_rebuild(month=OCTOBER, actor=staff["city"], reason="长" * 301)
    assert refused.value.message_dict == {"reason": [services.REASON_TOO_LONG]}
    with pytest.raises(MonthlyReport.DoesNotExist):
        report_rebuild(month=SEPTEMBER, actor=staff["city"], reason="九月")


def test_a_month_without_activity_still_lists_every_unit(org, staff):
    report = build(month=SEPTEMBER, now=at(2026, 10, 1, 1, 10))
    assert set(rows(report, "unit")) == {"示范市公安局", "城东分局", "城西分局", "东关派出所", "西湖派出所"}
    assert rows(report, "unit")["东关派出所"]["completed"] == 0
    assert rows(report, "unit")["东关派出所"]["on_time_rate"] is None
    assert set(rows(report, "window")) == {"1号窗口（综合受理）"}  # an open window, silent all month
    assert rows(report, "officer") == {}
    assert Period.of(SEPTEMBER, at(2026, 10, 1)).is_closed


# --- the job -------------------------------------------------------------------------------------------


@pytest.fixture
def suggested(monkeypatch):
    """The months the awards were suggested for, through the real awards_suggest."""
    calls = []
    original = awards.awards_suggest

    def spy(*, month):
        calls.append(month)
        return original(month=month)

    monkeypatch.setattr(awards, "awards_suggest", spy)
    return calls


def test_the_job_builds_the_month_just_ended_on_the_first_and_not_again(staff, october, suggested):
    with time_machine.travel(at(2026, 10, 31, 23, 59), tick=False):
        assert build_monthly_reports() == "2026-09 built"  # October is not over: September's
    with time_machine.travel(at(2026, 11, 1, 1, 10), tick=False):
        assert build_monthly_reports() == "2026-10 built"
    report = MonthlyReport.objects.get(month=OCTOBER)
    assert rows(report, "unit")["示范市公安局"]["completed"] == 4
    for day in (2, 3):
        with time_machine.travel(at(2026, 11, day, 1, 10), tick=False):
            assert build_monthly_reports() == "2026-10 exists"
    assert MonthlyReport.objects.get(month=OCTOBER).version == 1
    assert ReportBuild.objects.filter(report__month=OCTOBER).count() == 1
    assert suggested == [SEPTEMBER, OCTOBER, OCTOBER, OCTOBER]


def test_a_missed_first_is_made_up_by_the_third(staff, october, suggested):
    with time_machine.travel(at(2026, 11, 3, 1, 10), tick=False):
        assert build_monthly_reports() == "2026-10 built"
    assert MonthlyReport.objects.get().built_at == at(2026, 11, 3, 1, 10)
    assert suggested == [OCTOBER]
