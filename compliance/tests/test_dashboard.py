"""The monthly dashboard page and the rows behind its figures: a month built through the real services,
rolled up, then read as a supervisor reads it; scope, permissions, bad input and query counts."""

from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance.figures import FIGURES, Totals
from compliance.models import LeaderRole
from compliance.selectors import dashboard as selectors
from compliance.services.receptions import leader_create, reception_record
from compliance.services.rollups import rollup_refresh
from evaluations.models import CallListEntry, Level
from evaluations.services.appeals import appeal_submit
from evaluations.services.followups import call_list_build, follow_up_record
from evaluations.tests.factories import completed_case, rate, same_day_service
from hukou.services import Action, case_transition
from hukou.tests.factories import make_case, make_service_type
from windows.models import Role
from windows.tests.factories import ServiceWindowFactory, StaffFactory, StationFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = date(2026, 5, 1)
APRIL = date(2026, 4, 1)
DASHBOARD = "/compliance/"
ROWS = "/compliance/rows/"
COMPLETE = ["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"]


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def june(time_machine):
    """Now: a Wednesday in June; the month shown is May, closed."""
    time_machine.move_to(at(6, 10), tick=False)


def done(officer, window, when, service, level=None, **overrides):
    """A case completed at ``window`` on ``when``, rated ``level`` (None: not rated) the same day."""
    with time_machine.travel(when, tick=False):
        case = completed_case(officer=officer, window=window, service_type=service, **overrides)
        if level is not None:
            rate(case, level=level)
    return case


def build_may(org, staff) -> dict:
    """May 2026 at two stations, through the services: S1 has windows 1 (officer) and 2 (officer2), S2
    window 1 (other_officer). Then the month is rolled up."""
    officer, officer2, other = staff["officer"], staff["officer2"], staff["other_officer"]
    w1 = staff["window"]
    w2 = ServiceWindowFactory(station=org["east_station"], number=2, name="优先窗口")
    w3 = ServiceWindowFactory(station=org["west_station"], number=1)
    same_day = same_day_service()
    mixed = make_service_type(name="出生登记测试")  # 5 working days committed, deferrable materials
    cases = {
        "a": done(officer, w1, at(5, 6), same_day, Level.VERY_SATISFIED, phone="13700000001"),
        "b": done(officer, w1, at(5, 6, 11), same_day, Level.VERY_SATISFIED, phone="13700000002"),
        "c": done(officer, w1, at(5, 7), same_day, Level.DISSATISFIED, phone="13700000003"),
        "d": done(officer2, w2, at(5, 7, 11), same_day, Level.SATISFIED, phone="13700000004"),
        "e": done(officer2, w2, at(5, 8), same_day, None, phone="13700000005"),
        "f": done(other, w3, at(5, 8, 11), same_day, Level.VERY_DISSATISFIED, phone="13700000006"),
    }
    move = {"note": "原因说明", "legal_basis": "《户口登记条例》第十条", "commitment_signed": True}
    with time_machine.travel(at(5, 11), tick=False):  # accepted, never completed: overdue at the month's end
        case = make_case(actor=officer, service_type=mixed, provided_names=COMPLETE, window=w1)
        cases["overdue"] = case_transition(case=case, actor=officer, action=Action.ACCEPT, window=w1, **move)
    with time_machine.travel(at(5, 12), tick=False):  # one-time notice of what is missing
        case = make_case(actor=officer, service_type=mixed, provided_names=COMPLETE[1:], window=w1)
        cases["notice"] = case_transition(case=case, actor=officer, action=Action.NOTIFY, window=w1, **move)
    with time_machine.travel(at(5, 13), tick=False):  # 容缺受理
        case = make_case(actor=officer2, service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"])
        cases["deficient"] = case_transition(case=case, actor=officer2, action=Action.ACCEPT_DEFICIENT, **move)
    with time_machine.travel(at(5, 14), tick=False):
        appeal = appeal_submit(
            station=org["east_station"],
            category="other",
            contact_name="王芳",
            contact_phone="13700000009",
            content="窗口排队时间太长，希望增加窗口。",
        )
    with time_machine.travel(at(6, 2), tick=False):
        call_list = call_list_build(station=org["east_station"], month=MAY)
        entry = CallListEntry.objects.filter(call_list=call_list).order_by("case__number").first()
        follow_up_record(actor=officer, entry=entry, reached=True, level=Level.SATISFIED)
    rollup_refresh(month=MAY)
    return {"cases": cases, "windows": (w1, w2, w3), "appeal": appeal, "call_list": call_list}


@pytest.fixture
def may(org, staff):
    return build_may(org, staff)


def page(client, user, **params):
    client.force_login(user)
    return client.get(DASHBOARD, params)


def rows(client, user, **params):
    client.force_login(user)
    return client.get(ROWS, params)


# --- the figures -------------------------------------------------------------------------------------


def test_url_names():
    assert reverse("compliance:dashboard") == DASHBOARD
    assert reverse("compliance:figure_rows") == ROWS


def test_the_city_figures_of_a_month(client, staff, may):
    response = page(client, staff["city"], month="2026-05")
    assert response.status_code == 200
    totals = response.context["view"].totals
    # six same-day cases completed, the overdue and the deficient ones accepted, the notice one not
    assert (totals["received"], totals["accepted"], totals["completed"]) == (9, 8, 6)
    assert (totals["completed_on_time"], totals["completed_late"]) == (6, 0)
    # the case accepted on 11 May (due 18 May) and the 容缺 one (due 20 May): open at the month's end
    assert totals["overdue"] == 2
    assert (totals["rated"], totals["ratings"], totals["satisfied"], totals["bad"]) == (5, 5, 3, 2)
    assert (totals["notices"], totals["deficient"], totals["appeals"], totals["appeals_open"]) == (1, 1, 1, 1)
    assert (totals["calls_planned"], totals["calls_made"]) == (5, 1)
    assert totals.median_days == 0 and totals.p90_days == 0
    html = response.content.decode()
    # rates with what they divide, each count a link to its rows
    assert 'data-testid="rate-satisfied">60.0%<' in html
    assert 'data-testid="rate-rated">83.3%<' in html
    assert 'data-testid="rate-completed_on_time">100.0%<' in html
    assert f'href="{ROWS}?figure=satisfied&amp;unit=C1&amp;month=2026-05"' in html
    assert f'href="{ROWS}?figure=ratings&amp;unit=C1&amp;month=2026-05"' in html
    assert "2026年5月" in html and "已结束的月份" in html


def test_every_count_on_the_page_links_to_its_rows(client, staff, may):
    html = page(client, staff["city"], month="2026-05").content.decode()
    for key in FIGURES:
        assert f"{ROWS}?figure={key}&amp;unit=C1&amp;month=2026-05" in html, key


@pytest.mark.parametrize(
    "scope",
    [
        {"unit": "C1"},
        {"unit": "D1"},
        {"unit": "S1"},
        {"unit": "S1", "window": "w1"},
        {"unit": "S1", "window": "w2"},
        {"unit": "S1", "officer": "officer"},
        {"unit": "S1", "window": "w1", "officer": "officer"},
        {"unit": "C1", "officer": "other_officer"},
    ],
)
def test_each_figure_has_as_many_rows_as_it_counts(client, staff, may, scope):
    windows = dict(zip(("w1", "w2", "w3"), may["windows"], strict=True))
    params = {"unit": scope["unit"], "month": "2026-05"}
    if "window" in scope:
        params["window"] = windows[scope["window"]].pk
    if "officer" in scope:
        params["officer"] = staff[scope["officer"]].pk
    totals = page(client, staff["city"], **params).context["view"].totals
    assert totals["completed"] > 0
    for key in FIGURES:
        response = rows(client, staff["city"], figure=key, **params)
        assert response.status_code == 200, key
        assert response.context["page"].paginator.count == totals[key], key


def test_the_rows_of_a_figure_by_source(client, staff, may):
    cases = may["cases"]
    response = rows(client, staff["chief"], figure="bad", month="2026-05")
    html = response.content.decode()
    assert response.context["page"].paginator.count == 1
    assert f'href="/cases/{cases["c"].number}/"' in html and "不满意" in html
    overdue = rows(client, staff["chief"], figure="overdue", month="2026-05")
    numbers = [case.number for case in overdue.context["page"].object_list]
    assert numbers == [cases["overdue"].number, cases["deficient"].number]  # by due date
    notices = rows(client, staff["chief"], figure="notices", month="2026-05").content.decode()
    assert cases["notice"].documents.get().number in notices
    appeals = rows(client, staff["chief"], figure="appeals_open", month="2026-05").content.decode()
    assert f'href="/evaluations/appeals/{may["appeal"].reference}/"' in appeals
    calls = rows(client, staff["chief"], figure="calls_planned", month="2026-05")
    assert [entry.called for entry in calls.context["page"].object_list].count(True) == 1
    assert "统计口径：" in calls.content.decode()


def test_an_unknown_figure_is_a_404(client, staff, may):
    assert rows(client, staff["city"], figure="nonsense", month="2026-05").status_code == 404
    assert rows(client, staff["city"], month="2026-05").status_code == 404


# --- the level below, rankings, breadcrumbs -------------------------------------------------------------


def test_the_level_below_each_level(client, staff, may, org):
    w1, w2, _w3 = may["windows"]
    city = page(client, staff["city"], month="2026-05").context["view"]
    assert [(line.name, line.totals["completed"]) for line in city.children] == [("城东分局", 5), ("城西分局", 1)]
    assert [line.query for line in city.children] == ["unit=D1&month=2026-05", "unit=D2&month=2026-05"]
    district = page(client, staff["city"], unit="D1", month="2026-05").context["view"]
    assert [(line.name, line.totals["received"]) for line in district.children] == [("东关派出所", 8)]
    station = page(client, staff["city"], unit="S1", month="2026-05").context["view"]
    assert station.children_kind == "window"
    assert [(line.window_id, line.totals["completed"]) for line in station.children] == [(w1.pk, 3), (w2.pk, 2)]
    window = page(client, staff["city"], unit="S1", window=w1.pk, month="2026-05").context["view"]
    assert window.children_kind == "officer"
    assert [(line.officer_id, line.totals["completed"]) for line in window.children] == [(staff["officer"].pk, 3)]
    assert window.children[0].query == f"unit=S1&window={w1.pk}&officer={staff['officer'].pk}&month=2026-05"
    officer = page(client, staff["city"], unit="S1", window=w1.pk, officer=staff["officer"].pk, month="2026-05")
    assert officer.context["view"].children == [] and officer.context["view"].totals["completed"] == 3


def test_stations_and_officers_are_ranked_by_satisfaction_then_on_time(client, staff, may):
    view = page(client, staff["city"], month="2026-05").context["view"]
    # S1: 3 satisfied of 4 ratings; S2: 0 of 1
    assert [(line.name, line.rank, line.satisfaction) for line in view.stations] == [
        ("东关派出所", 1, "75.0%"),
        ("西湖派出所", 2, "0.0%"),
    ]
    names = {staff[k].pk: staff[k].staff.display_name for k in ("officer", "officer2", "other_officer")}
    # officer2 1 of 1, officer 2 of 3, other_officer 0 of 1
    assert [(names[line.officer_id], line.rank) for line in view.officers] == [
        (names[staff["officer2"].pk], 1),
        (names[staff["officer"].pk], 2),
        (names[staff["other_officer"].pk], 3),
    ]
    html = page(client, staff["city"], month="2026-05").content.decode()
    assert 'data-testid="station-ranking"' in html and 'data-testid="officer-ranking"' in html


def test_breadcrumbs_from_the_top_of_the_users_scope(client, staff, may):
    w1 = may["windows"][0]
    response = page(client, staff["city"], unit="S1", window=w1.pk, officer=staff["officer"].pk, month="2026-05")
    labels = [label for label, _query in response.context["breadcrumbs"]]
    assert labels == ["示范市公安局", "城东分局", "东关派出所", "1号窗口", staff["officer"].staff.display_name]
    chief = page(client, staff["chief"], window=w1.pk, month="2026-05")
    assert [label for label, _query in chief.context["breadcrumbs"]] == ["东关派出所", "1号窗口"]


# --- rating coverage that drops ----------------------------------------------------------------------


@override_settings(COMPLIANCE_COVERAGE_MIN_CASES=3, COMPLIANCE_COVERAGE_DROP=0.2)
def test_a_window_whose_rating_coverage_drops_is_flagged(client, staff, may):
    _w1, w2, _w3 = may["windows"]
    service = same_day_service()
    # April at window 2: four completed, all rated (100%); May: two completed, one rated (50%) — too few
    for day in (7, 8, 9, 10):
        done(staff["officer2"], w2, at(4, day), service, Level.SATISFIED)
    rollup_refresh(month=APRIL)
    assert page(client, staff["chief"], month="2026-05").context["flags"] == []
    # two more unrated in May: 1 of 4 (25%), 75 points down, four completed
    for day in (18, 19):
        done(staff["officer2"], w2, at(5, day), service)
    rollup_refresh(month=MAY)
    response = page(client, staff["chief"], month="2026-05")
    [flag] = response.context["flags"]
    assert (flag.window, flag.completed) == (w2, 4)
    assert flag.message == "评价覆盖率下降：本月 25%，上月 100%"
    html = response.content.decode()
    assert 'data-testid="coverage-flag"' in html and "评价覆盖率下降：本月 25%，上月 100%" in html
    assert html.count("覆盖率下降</span>") == 1  # the window's row in the table is marked too
    # the district and the city see it too; window 1 (no April figures) is not flagged
    assert [f.window for f in page(client, staff["city"], month="2026-05").context["flags"]] == [w2]


@override_settings(COMPLIANCE_COVERAGE_MIN_CASES=1, COMPLIANCE_COVERAGE_DROP=0.2)
def test_a_drop_just_under_the_threshold_is_not_flagged(client, staff, org):
    w1 = staff["window"]
    service = same_day_service()
    for day in range(1, 21):  # April: 19 of 20 rated, 95%
        done(staff["officer"], w1, at(4, day), service, Level.SATISFIED if day > 1 else None)
    for day in range(4, 24):  # May: 16 of 20 rated (80%): 15 points down; at 15 of 20 (75%): 20 points
        done(staff["officer"], w1, at(5, day), service, Level.SATISFIED if day > 7 else None)
    rollup_refresh(month=APRIL)
    rollup_refresh(month=MAY)
    scope = selectors.Scope(unit=org["east_station"], month=MAY)
    assert selectors.coverage_flags(scope) == []
    done(staff["officer"], w1, at(5, 25), service)  # 16 of 21: 76.2%, 18.8 points down
    done(staff["officer"], w1, at(5, 26), service)  # 16 of 22: 72.7%, 22.3 points down
    rollup_refresh(month=MAY)
    [flag] = selectors.coverage_flags(scope)
    assert flag.message == "评价覆盖率下降：本月 73%，上月 95%"


def test_exactly_the_threshold_is_flagged(org, staff):
    """95% → 75% is 20 points in exact arithmetic (0.95 − 0.75 is 0.19999… in floating point)."""
    w1 = staff["window"]
    service = same_day_service()
    for day in range(1, 21):
        done(staff["officer"], w1, at(4, day), service, None if day == 1 else Level.SATISFIED)
    for day in range(4, 24):
        done(staff["officer"], w1, at(5, day), service, None if day < 9 else Level.SATISFIED)
    rollup_refresh(month=APRIL)
    rollup_refresh(month=MAY)
    with override_settings(COMPLIANCE_COVERAGE_MIN_CASES=20, COMPLIANCE_COVERAGE_DROP=0.2):
        [flag] = selectors.coverage_flags(selectors.Scope(unit=org["east_station"], month=MAY))
    assert (flag.previous, flag.current) == (Fraction(19, 20), Fraction(3, 4))
    with override_settings(COMPLIANCE_COVERAGE_MIN_CASES=21):  # too few completed this month
        assert selectors.coverage_flags(selectors.Scope(unit=org["east_station"], month=MAY)) == []


# --- trend, 三长接待 -------------------------------------------------------------------------------------


def test_the_trend_covers_twelve_months_up_to_the_month_shown(client, staff, may):
    response = page(client, staff["city"], month="2026-05")
    trend = response.context["trend"]
    assert trend["months"][0] == "2025-06" and trend["months"][-1] == "2026-05" and len(trend["months"]) == 12
    assert trend["completed"][-1] == 6 and trend["completed"][:-1] == [0] * 11
    assert trend["satisfaction"][-1] == 60.0 and trend["satisfaction"][0] is None
    html = response.content.decode()
    assert '<script id="compliance-trend" type="application/json">' in html
    assert 'src="/static/vendor/echarts/echarts.min.js" defer' in html
    assert 'src="/static/js/compliance-charts.js" defer' in html
    # no inline script but the JSON data
    assert html.count("<script") == html.count("<script src=") + 1


def serve(actor, leader, window, *days):
    for day, part in days:
        reception_record(
            actor=actor, leader=leader, window=window, date=day, part=part, citizens_served=3, problems_solved=1
        )


def test_reception_days_against_the_quota_on_a_units_page_only(client, staff, org, may):
    city, window = staff["city"], staff["window"]
    chief = leader_create(actor=city, name="周所长", role=LeaderRole.STATION_CHIEF, unit=org["east_station"])
    head = leader_create(actor=city, name="吴科长", role=LeaderRole.REGISTRY_HEAD, unit=org["east"])
    serve(city, chief, window, (date(2026, 5, 6), "whole"), (date(2026, 5, 7), "half"))
    serve(city, head, window, (date(2026, 5, 8), "whole"), (date(2026, 5, 11), "whole"))
    serve(city, head, window, (date(2026, 6, 1), "whole"))  # another month
    response = page(client, staff["chief"], month="2026-05")
    html = response.content.decode()
    assert 'data-testid="reception-days">1.5 / 3<' in html
    assert 'data-testid="reception-met">0 / 1<' in html and "周所长" in html and "吴科长" not in html
    assert 'href="/compliance/receptions/?month=2026-05"' in html  # the records behind the figures
    city = page(client, staff["city"], month="2026-05")
    assert 'data-testid="reception-days">3.5 / 5<' in city.content.decode()
    assert [m.leader.name for m in city.context["short_leaders"]] == ["周所长"]
    window = page(client, staff["chief"], window=staff["window"].pk, month="2026-05")
    assert window.context["receptions"] is None and 'data-testid="card-receptions"' not in window.content.decode()


# --- who may see what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "auxiliary", "other_officer"])
def test_counter_staff_are_refused(client, staff, role):
    assert page(client, staff[role]).status_code == 403
    assert rows(client, staff[role], figure="received").status_code == 403


def test_a_user_without_a_staff_record_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="citizen", password="x-Pass-2026!")
    assert page(client, user).status_code == 403


@pytest.mark.parametrize("role", ["chief", "district", "city", "admin"])
def test_supervisors_see_their_own_unit_by_default(client, staff, may, role):
    response = page(client, staff[role])
    assert response.status_code == 200
    assert response.context["scope"].unit == staff[role].staff.unit
    assert response.context["scope"].month == date(2026, 6, 1)


def test_a_station_supervisor_sees_only_their_station(client, staff, org, may):
    _w1, _w2, w3 = may["windows"]
    chief = staff["chief"]
    assert page(client, chief, unit="S1", month="2026-05").status_code == 200
    for code in ("S2", "D1", "C1", "nowhere"):
        assert page(client, chief, unit=code).status_code == 404, code
        assert rows(client, chief, figure="received", unit=code).status_code == 404, code
    assert page(client, chief, window=w3.pk).status_code == 404  # a window of another station
    assert rows(client, chief, figure="received", window=w3.pk).status_code == 404
    assert page(client, chief, window="abc").status_code == 404
    assert page(client, chief, officer=staff["other_officer"].pk).status_code == 404
    assert page(client, chief, officer="x").status_code == 404


def test_a_district_supervisor_sees_their_district_only(client, staff, may):
    district = staff["other_district"]  # 城西分局
    assert page(client, district, unit="S2", month="2026-05").status_code == 200
    assert page(client, district, unit="S1").status_code == 404
    assert page(client, district, unit="C1").status_code == 404
    totals = page(client, district, month="2026-05").context["view"].totals
    assert (totals["completed"], totals["bad"]) == (1, 1)


def test_a_window_needs_a_station(client, staff, may):
    w1 = may["windows"][0]
    assert page(client, staff["city"], unit="D1", window=w1.pk).status_code == 404
    assert page(client, staff["city"], unit="S1", window=w1.pk).status_code == 200


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13", "月份格式应为“年-月”，如 2026-05。"),
        ("May", "月份格式应为“年-月”，如 2026-05。"),
        ("2026-07", "不能查看未来的月份。"),
        ("1999-12", "月份不能早于 2000 年 1 月。"),
        ("0001-01", "月份不能早于 2000 年 1 月。"),
    ],
)
def test_a_bad_month_says_so_and_shows_the_current_month(client, staff, may, value, message):
    response = page(client, staff["city"], month=value)
    assert response.status_code == 400
    assert response.context["scope"].month == date(2026, 6, 1)
    assert message in response.content.decode()
    drill = rows(client, staff["city"], figure="received", month=value)
    assert drill.status_code == 400 and message in drill.content.decode()


def test_the_current_month_reads_overdue_now(client, staff, may):
    response = page(client, staff["city"])
    assert response.context["is_current_month"] and "本月截至目前" in response.content.decode()
    assert 'rel="next"' not in response.content.decode()


# --- speed ---------------------------------------------------------------------------------------------


# Every staff page: session, user, staff record, their unit; the layout's unread count (twice when
# there are unread notifications); the session saved (savepoint, update, release).
PAGE_OVERHEAD = 9


def test_the_city_page_reads_the_months_cells_once(client, staff, may, org):
    leader_create(actor=staff["city"], name="周所长", role=LeaderRole.STATION_CHIEF, unit=org["east_station"])
    client.force_login(staff["city"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD, {"month": "2026-05"}).status_code == 200
    figures = [q["sql"] for q in queries.captured_queries if "compliance_monthlyfigures" in q["sql"]]
    # the month's cells; the trend (sums, histograms); the coverage of this month and the one before
    assert len(figures) == 4
    assert sum(""""month" = '2026-05-01'::date""" in sql for sql in figures) == 1
    # and besides: the units below, the officers' names, 三长接待 (quotas, leaders, their records)
    assert len(queries) <= PAGE_OVERHEAD + 4 + 2 + 3


def test_the_station_and_window_pages_are_as_cheap(client, staff, may, django_assert_max_num_queries):
    client.force_login(staff["chief"])
    # cells, windows, names, trend (2), coverage, quotas, leaders
    with django_assert_max_num_queries(PAGE_OVERHEAD + 8):
        assert client.get(DASHBOARD, {"month": "2026-05"}).status_code == 200
    # the window, cells, names, trend (2), coverage
    with django_assert_max_num_queries(PAGE_OVERHEAD + 6):
        assert client.get(DASHBOARD, {"month": "2026-05", "window": staff["window"].pk}).status_code == 200


def test_more_stations_and_officers_cost_no_more_queries(client, staff, may, org, django_assert_num_queries):
    client.force_login(staff["city"])
    with CaptureQueriesContext(connection) as before:
        client.get(DASHBOARD, {"month": "2026-05"})
    service = same_day_service()
    for n in range(3):
        station = StationFactory(parent=org["west"])
        window = ServiceWindowFactory(station=station, number=1)
        for _i in range(2):
            officer = StaffFactory(role=Role.OFFICER, unit=station).user
            done(officer, window, at(5, 20 + n), service, Level.SATISFIED)
    rollup_refresh(month=MAY)
    with django_assert_num_queries(len(before)):
        response = client.get(DASHBOARD, {"month": "2026-05"})
    assert len(response.context["view"].stations) == 5 and len(response.context["view"].officers) == 9


@pytest.mark.parametrize("figure", ["received", "notices", "ratings", "appeals", "calls_planned"])
def test_the_rows_page_does_not_query_per_row(client, staff, may, figure, django_assert_max_num_queries):
    client.force_login(staff["city"])
    response = client.get(ROWS, {"figure": figure, "month": "2026-05"})
    assert response.status_code == 200 and len(response.context["page"].object_list) >= 1
    with django_assert_max_num_queries(10):
        client.get(ROWS, {"figure": figure, "month": "2026-05"})


def test_officers_names_on_the_page(client, staff, may):
    html = page(client, staff["city"], month="2026-05").content.decode()
    for key in ("officer", "officer2", "other_officer"):
        assert staff[key].staff.display_name in html


def test_a_user_name_without_a_staff_record(django_user_model):
    user = django_user_model.objects.create_user(username="gone", first_name="", last_name="")
    assert selectors.user_name(user) == "gone"


def test_percent_never_rounds_up_to_all():
    assert selectors.percent(None) == "—"
    assert selectors.percent(0.9999) == "99.9%"
    assert selectors.percent(1) == "100.0%"
    assert selectors.percent(0.0001) == "0.1%"
    assert selectors.percent(0) == "0.0%"
    assert selectors.percent(5 / 6) == "83.3%"


def test_an_officer_who_moved_on_still_has_their_figures_here(client, staff, may, org):
    """An officer found by the cells they left under the unit, though on another station's staff now."""
    from windows.models import Staff

    Staff.objects.filter(user=staff["officer2"]).update(unit=org["west_station"])
    response = page(client, staff["chief"], officer=staff["officer2"].pk, month="2026-05")
    assert response.status_code == 200
    assert response.context["view"].totals["completed"] == 2  # cases d and e at window 2
    newcomer = StaffFactory(role=Role.OFFICER, unit=org["west_station"])
    assert page(client, staff["chief"], officer=newcomer.user.pk).status_code == 404


def test_a_long_ranking_shows_its_top_and_bottom():
    lines = [selectors.Line("officer", f"民警{i}", Totals(), "", officer_id=i, rank=i) for i in range(1, 41)]
    cut = selectors.excerpt(lines)
    assert [line.rank for line in cut.head] == list(range(1, 21))
    assert [line.rank for line in cut.tail] == list(range(31, 41))
    assert cut.hidden == 10
    whole = selectors.excerpt(lines[:31])
    assert (len(whole.head), whole.tail, whole.hidden) == (31, [], 0)
