"""The reports pages and their API: supervisors only, every bulletin's and register's rows within the
user's scope, the rebuild form for city-level supervisors only (CSRF, POST-redirect-GET), 404 for a
month or day without one; every API response checked against the OpenAPI schema."""

from datetime import date

import pytest
import time_machine
from django.test import Client

from compliance.models import MonthlyReport, ReportBuild
from compliance.services.reports import REASON_REQUIRED, REBUILD_NOT_ALLOWED
from compliance.tests.builders import at
from evaluations.models import Level
from evaluations.tests.factories import rate

pytestmark = pytest.mark.django_db

REPORTS = "/compliance/reports/"
REPORT = "/compliance/reports/2026-10/"
REGISTER = "/compliance/registers/2026-11-29/"


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def row_names(response) -> list[str]:
    return [line.row.name for line in response.context["table"].rows]


# --- who may come in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "auxiliary", "other_officer"])
@pytest.mark.parametrize(
    "url",
    [REPORTS, REPORT, REPORT + "xlsx/", REPORT + "pdf/", REGISTER, REGISTER + "xlsx/", REGISTER + "pdf/"],
)
def test_counter_staff_are_refused(client, staff, report, register, who, url):
    assert get(client, staff[who], url).status_code == 403


def test_signed_out_users_go_to_the_sign_in_page(client, report):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/compliance/reports/2026-09/",
        "/compliance/reports/2026-13/",
        "/compliance/reports/2026-09/xlsx/",
        "/compliance/reports/2026-09/pdf/",
        "/compliance/registers/2026-11-19/",
        "/compliance/registers/2026-02-30/",
        "/compliance/registers/2026-11-19/pdf/",
    ],
)
def test_a_month_or_day_without_one_is_404(client, staff, report, register, url):
    assert get(client, staff["city"], url).status_code == 404


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_the_bulletins_with_their_builds_and_the_registers_counted_in_scope(
    client, staff, report, register
):
    with time_machine.travel(at(2026, 11, 6, 9), tick=False):
        from compliance.services.reports import report_rebuild

        report_rebuild(month=date(2026, 10, 1), actor=staff["city"], reason="补录评价")
    response = get(client, staff["city"], REPORTS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "月度通报与登记表" in html and "2026年10月" in html and "第 2 版" in html
    assert "补录评价" in html and "月末自动生成" in html
    assert 'href="/compliance/reports/2026-10/xlsx/"' in html and 'href="/compliance/reports/2026-10/pdf/"' in html
    assert [r.rows_in_scope for r in response.context["registers"]] == [3]
    assert "2026年11月29日" in html and "2026-11-27" in html and "遇休息日提前" in html

    assert [r.rows_in_scope for r in get(client, staff["chief"], REPORTS).context["registers"]] == [2]
    assert [r.rows_in_scope for r in get(client, staff["other_district"], REPORTS).context["registers"]] == [1]


def test_the_list_with_nothing_built_yet(client, staff, org):
    html = get(client, staff["chief"], REPORTS).content.decode()
    assert "还没有月度通报" in html and "还没有登记表" in html


# --- a bulletin ----------------------------------------------------------------------------------------


def test_the_city_sees_every_unit_with_rates_as_percentages(client, staff, report, django_assert_max_num_queries):
    client.force_login(staff["city"])
    with django_assert_max_num_queries(12):
        response = client.get(REPORT)
    assert response.status_code == 200
    assert row_names(response) == ["示范市公安局", "城东分局", "东关派出所", "城西分局", "西湖派出所"]
    city = response.context["table"].rows[0]
    assert [line.depth for line in response.context["table"].rows] == [0, 1, 2, 1, 2]
    html = response.content.decode()
    assert "2026年10月 户籍窗口月度通报" in html
    assert "按时办结率" in html and "满意率" in html
    labels = [str(c.label) for c in response.context["columns"]]
    shown = dict(zip(labels, city.values, strict=True))
    assert (shown["收件"], shown["办结"], shown["满意率"], shown["评价覆盖率"], shown["按时办结率"]) == (
        "4", "4", "50.0%", "50.0%", "100.0%",
    )  # fmt: skip
    assert shown["差评按期整改率"] == "0.0%" and shown["回访完成率"] == "—"
    assert "50.0%" in html and "100.0%" in html


def test_the_windows_and_officers_tabs(client, staff, report):
    windows = get(client, staff["city"], REPORT, kind="window")
    assert row_names(windows) == ["1号窗口（综合受理）"]
    assert "东关派出所" in windows.content.decode()
    officers = get(client, staff["city"], REPORT, kind="officer")
    assert len(row_names(officers)) == 3
    assert [(k, n) for k, _label, n in officers.context["tabs"]] == [("unit", 5), ("window", 1), ("officer", 3)]
    assert row_names(get(client, staff["city"], REPORT, kind="nonsense")) == row_names(
        get(client, staff["city"], REPORT)
    )


def test_a_station_supervisor_sees_only_their_stations_rows(client, staff, report):
    response = get(client, staff["chief"], REPORT)
    assert row_names(response) == ["东关派出所"]
    assert [(k, n) for k, _label, n in response.context["tabs"]] == [("unit", 1), ("window", 1), ("officer", 2)]
    officers = get(client, staff["chief"], REPORT, kind="officer")
    assert {line.row.unit.name for line in officers.context["table"].rows} == {"东关派出所"}
    for kind in ("unit", "window", "officer"):
        html = get(client, staff["chief"], REPORT, kind=kind).content.decode()
        assert "西湖派出所" not in html and "示范市公安局" not in html


def test_a_district_supervisor_sees_their_district(client, staff, report):
    assert row_names(get(client, staff["other_district"], REPORT)) == ["城西分局", "西湖派出所"]
    assert row_names(get(client, staff["other_district"], REPORT, kind="window")) == []
    assert "本范围内没有这一类数据" in get(client, staff["other_district"], REPORT, kind="window").content.decode()


# --- rebuilding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "shown"), [("city", True), ("admin", True), ("district", False), ("chief", False)])
def test_the_rebuild_form_is_shown_only_to_the_city(client, staff, report, who, shown):
    html = get(client, staff[who], REPORT).content.decode()
    assert ('action="/compliance/reports/2026-10/rebuild/"' in html) is shown
    if shown:
        assert 'name="csrfmiddlewaretoken"' in html and "<textarea" in html


def test_a_rebuild_from_the_page_redirects_and_the_new_version_shows(client, staff, october, report):
    with time_machine.travel(at(2026, 11, 5), tick=False):
        rate(october["west"], level=Level.SATISFIED)
    client.force_login(staff["city"])
    response = client.post(REPORT + "rebuild/", {"reason": "西湖派出所补录评价"})
    assert response.status_code == 302 and response["Location"] == REPORT
    page = client.get(REPORT)
    html = page.content.decode()
    assert "已重新生成，当前为第 2 版" in html
    assert page.context["report"].version == 2
    west = next(line for line in page.context["table"].rows if line.row.name == "西湖派出所")
    labels = [str(c.label) for c in page.context["columns"]]
    assert dict(zip(labels, west.values, strict=True))["评价覆盖率"] == "100.0%"
    log = ReportBuild.objects.filter(report=report).first()
    assert (log.version, log.built_by, log.reason) == (2, staff["city"], "西湖派出所补录评价")


def test_a_rebuild_without_a_reason_shows_the_error_and_changes_nothing(client, staff, report):
    client.force_login(staff["city"])
    response = client.post(REPORT + "rebuild/", {"reason": "   "})
    assert response.status_code == 400
    assert REASON_REQUIRED in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert MonthlyReport.objects.get().version == 1 and ReportBuild.objects.count() == 1


@pytest.mark.parametrize("who", ["chief", "district"])
def test_a_rebuild_below_the_city_is_403(client, staff, report, who):
    client.force_login(staff[who])
    response = client.post(REPORT + "rebuild/", {"reason": "重新统计"})
    assert response.status_code == 403
    assert REBUILD_NOT_ALLOWED in response.content.decode()
    assert MonthlyReport.objects.get().version == 1


def test_a_rebuild_needs_the_csrf_token_and_a_post(staff, report):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["city"])
    assert client.post(REPORT + "rebuild/", {"reason": "重新统计"}).status_code == 403
    assert client.get(REPORT + "rebuild/").status_code == 405
    assert MonthlyReport.objects.get().version == 1


# --- a register ----------------------------------------------------------------------------------------


def test_the_register_page_lists_the_scoped_appeals_masked(client, staff, register, appeals):
    response = get(client, staff["city"], REGISTER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "群众诉求未结事项登记表" in html and "2026年11月29日" in html and "2026-11-27" in html
    assert [row[0] for row in response.context["rows"]] == [
        appeals["old"].reference, appeals["taken"].reference, appeals["elsewhere"].reference,
    ]  # fmt: skip
    assert "王**" in html and "欧阳**" in html and "王小明" not in html and "欧阳娜娜" not in html
    assert appeals["done"].reference not in html

    chief = get(client, staff["chief"], REGISTER)
    assert [row[0] for row in chief.context["rows"]] == [appeals["old"].reference, appeals["taken"].reference]
    assert "西湖派出所" not in chief.content.decode()
    west = get(client, staff["other_district"], REGISTER)
    assert [row[0] for row in west.context["rows"]] == [appeals["elsewhere"].reference]


# --- the API -------------------------------------------------------------------------------------------


def test_the_api_lists_the_bulletins(api, staff, report):
    response = api(staff["chief"], "/api/compliance/reports/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["month"], row["version"]) == ("2026-10", 1)
    assert row["builds"] == [{"version": 1, "built_at": row["built_at"], "built_by": None, "reason": ""}]


def test_the_api_bulletin_has_the_rows_in_scope(api, staff, report):
    city = api(staff["city"], "/api/compliance/reports/2026-10/").json()
    assert city["scope"] == "C1" and len(city["rows"]) == 5 + 1 + 3
    first = city["rows"][0]
    assert (first["kind"], first["unit"], first["name"]) == ("unit", "C1", "示范市公安局")
    assert first["figures"]["completed"] == 4 and first["figures"]["satisfaction"] == 0.5

    chief = api(staff["chief"], "/api/compliance/reports/2026-10/").json()
    assert {row["unit"] for row in chief["rows"]} == {"S1"}
    windows = api(staff["chief"], "/api/compliance/reports/2026-10/", kind="window").json()["rows"]
    assert [(row["kind"], row["window"], row["officer"]) for row in windows] == [("window", 1, None)]
    officers = api(staff["chief"], "/api/compliance/reports/2026-10/", kind="officer").json()["rows"]
    assert {row["officer"] for row in officers} == {"officer", "officer2"}


def test_the_api_refuses_bad_input_missing_months_and_counter_staff(api, staff, report):
    bad = api(staff["city"], "/api/compliance/reports/2026-10/", kind="station")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    assert api(staff["city"], "/api/compliance/reports/2026-09/").status_code == 404
    assert api(staff["officer"], "/api/compliance/reports/").status_code == 403
    assert api(staff["officer"], "/api/compliance/reports/2026-10/").status_code == 403
    assert api(staff["officer"], "/api/compliance/registers/").status_code == 403


def test_the_api_register(api, staff, register, appeals):
    listed = api(staff["chief"], "/api/compliance/registers/").json()["results"]
    assert listed == [
        {"period_day": "2026-11-29", "due_on": "2026-11-27", "built_at": listed[0]["built_at"], "rows_in_scope": 2}
    ]
    detail = api(staff["chief"], "/api/compliance/registers/2026-11-29/").json()
    assert detail["scope"] == "S1"
    assert [row["appeal"] for row in detail["rows"]] == [appeals["old"].reference, appeals["taken"].reference]
    values = detail["rows"][0]["values"]
    assert (values["contact_name"], values["days_late"], values["status"]) == ("王**", 23, "待处理")
    assert api(staff["city"], "/api/compliance/registers/2026-11-19/").status_code == 404
    assert api(staff["officer"], "/api/compliance/registers/2026-11-29/").status_code == 403
