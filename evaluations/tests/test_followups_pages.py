"""The follow-up calls page: the list with its progress, the inline call form (htmx and plain), the
supervisors' build button and policy form, and scope: another station's list or entry is a 404."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from evaluations.models import CallList, CallListEntry, FollowUpCall, FollowUpPolicy, FollowUpRule, Level
from evaluations.services.followups import (
    BUILD_NOT_ALLOWED,
    LEVEL_REQUIRED,
    PER_OFFICER_INVALID,
    REACHED_REQUIRED,
    call_list_build,
    follow_up_policy_set,
)
from evaluations.tests.factories import completed_case

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/evaluations/follow-ups/"
NOW = datetime(2026, 6, 3, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def june(time_machine):
    time_machine.move_to(NOW, tick=False)


def done(officer, day, service, phone):
    with time_machine.travel(datetime(2026, 5, day, 10, tzinfo=SHANGHAI), tick=False):
        return completed_case(officer=officer, service_type=service, phone=phone, applicant_name=f"群众{day}")


@pytest.fixture
def lists(org, staff, service):
    """May's lists: two citizens at the east station (the officer's and officer2's), one at the west."""
    east = [done(staff["officer"], 3, service, "13700000001"), done(staff["officer2"], 4, service, "13700000002")]
    west = done(staff["other_officer"], 5, service, "13700000003")
    return {
        "east": call_list_build(station=org["east_station"], month=date(2026, 5, 1)),
        "west": call_list_build(station=org["west_station"], month=date(2026, 5, 1)),
        "east_cases": east,
        "west_case": west,
    }


def test_the_url_name():
    assert reverse("evaluations:follow_up_list") == URL


def test_the_officer_sees_the_list_with_full_phones_and_case_links(client, staff, lists):
    client.force_login(staff["officer"])
    response = client.get(URL, {"month": "2026-05"})
    assert response.status_code == 200
    html = response.content.decode()
    for case in lists["east_cases"]:
        assert case.number in html and case.phone in html
        assert reverse("hukou:case_detail", args=[case.number]) in html
    assert lists["west_case"].number not in html and lists["west_case"].phone not in html
    assert 'data-testid="progress-entries">2<' in html
    assert "生成名单" not in html and "更新名单" not in html and "保存规则" not in html  # not a supervisor
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_default_month_is_this_month(client, staff, lists):
    client.force_login(staff["officer"])
    response = client.get(URL)
    assert response.context["month"] == date(2026, 6, 1)
    assert response.context["call_list"] is None
    assert "2026年6月的回访名单尚未生成" in response.content.decode()


def test_a_bad_month_is_said_not_a_500(client, staff, lists):
    client.force_login(staff["officer"])
    response = client.get(URL, {"month": "2026-13"})
    assert response.status_code == 400
    assert "月份格式应为" in response.content.decode()


def test_another_stations_list_and_entry_are_404(client, staff, org, lists):
    client.force_login(staff["officer"])
    assert client.get(URL, {"station": org["west_station"].pk, "month": "2026-05"}).status_code == 404
    assert client.get(URL, {"station": "x"}).status_code == 404
    west_entry = CallListEntry.objects.get(call_list=lists["west"])
    url = reverse("evaluations:follow_up_call", args=[west_entry.pk])
    response = client.post(url, {f"e{west_entry.pk}-reached": "yes", f"e{west_entry.pk}-level": "5"})
    assert response.status_code == 404
    client.force_login(staff["other_officer"])
    response = client.get(URL, {"month": "2026-05"})
    assert lists["west_case"].number in response.content.decode()
    assert lists["east_cases"][0].number not in response.content.decode()
    assert not FollowUpCall.objects.exists()


def test_a_bureau_supervisor_picks_among_their_stations(client, staff, org, lists):
    client.force_login(staff["city"])
    response = client.get(URL, {"month": "2026-05"})
    assert [s.pk for s in response.context["stations"]] == [org["east_station"].pk, org["west_station"].pk]
    assert response.context["station"] == org["east_station"]  # the first of the bureau's
    response = client.get(URL, {"station": org["west_station"].pk, "month": "2026-05"})
    assert lists["west_case"].number in response.content.decode()
    assert 'name="station"' in response.content.decode()
    client.force_login(staff["district"])
    assert client.get(URL, {"station": org["west_station"].pk}).status_code == 404


def entry_of(case):
    return CallListEntry.objects.get(case=case)


def test_recording_a_call_with_htmx_swaps_the_row_and_the_progress(client, staff, lists):
    entry = entry_of(lists["east_cases"][0])
    client.force_login(staff["auxiliary"])
    url = reverse("evaluations:follow_up_call", args=[entry.pk])
    body = {f"e{entry.pk}-reached": "yes", f"e{entry.pk}-level": str(Level.SATISFIED), f"e{entry.pk}-notes": "满意"}
    response = client.post(url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="entry-{entry.pk}"' in html and "已接通" in html
    assert 'id="follow-up-progress"' in html and 'hx-swap-oob="true"' in html
    assert 'data-testid="progress-reached">1<' in html
    assert 'data-testid="progress-satisfied">100%<' in html
    call = FollowUpCall.objects.get()
    assert (call.entry, call.called_by, call.reached, call.level, call.notes) == (
        entry, staff["auxiliary"], True, Level.SATISFIED, "满意",
    )  # fmt: skip


def test_a_refused_call_shows_the_reason_in_the_row(client, staff, lists):
    entry = entry_of(lists["east_cases"][0])
    client.force_login(staff["officer"])
    url = reverse("evaluations:follow_up_call", args=[entry.pk])
    response = client.post(url, {f"e{entry.pk}-reached": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert LEVEL_REQUIRED in response.content.decode()
    response = client.post(url, {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and REACHED_REQUIRED in response.content.decode()
    assert not FollowUpCall.objects.exists()


def test_not_reached_drops_a_level_left_in_the_hidden_select(client, staff, lists):
    entry = entry_of(lists["east_cases"][0])
    client.force_login(staff["officer"])
    url = reverse("evaluations:follow_up_call", args=[entry.pk])
    response = client.post(url, {f"e{entry.pk}-reached": "no", f"e{entry.pk}-level": "4"})
    assert response.status_code == 302 and response["Location"].startswith(URL)
    call = FollowUpCall.objects.get()
    assert (call.reached, call.level) == (False, None)


def test_an_admin_sees_the_list_but_may_not_call(client, staff, lists):
    entry = entry_of(lists["east_cases"][0])
    client.force_login(staff["admin"])
    response = client.get(URL, {"month": "2026-05", "station": entry.call_list.station_id})
    assert response.status_code == 200 and "记录回访" not in response.content.decode()
    url = reverse("evaluations:follow_up_call", args=[entry.pk])
    response = client.post(url, {f"e{entry.pk}-reached": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not FollowUpCall.objects.exists()


def test_a_citizen_account_gets_a_403(client, lists, django_user_model):
    client.force_login(django_user_model.objects.create_user("citizen", password="x"))
    assert client.get(URL).status_code == 403


def test_the_chief_builds_the_list_and_an_officer_may_not(client, staff, org, service):
    done(staff["officer"], 3, service, "13700000001")
    form = {"station": org["east_station"].pk, "month": "2026-05"}
    client.force_login(staff["officer"])
    assert client.post(reverse("evaluations:follow_up_build"), form).status_code == 403
    assert not CallList.objects.exists()
    client.force_login(staff["other_district"])
    assert client.post(reverse("evaluations:follow_up_build"), form).status_code == 404
    client.force_login(staff["chief"])
    response = client.post(reverse("evaluations:follow_up_build"), form, follow=True)
    assert response.status_code == 200
    assert "共 1 户" in response.content.decode()
    assert CallList.objects.get().created_by == staff["chief"]
    assert "更新名单" in response.content.decode()


def test_building_a_future_month_is_a_message(client, staff, org):
    client.force_login(staff["chief"])
    form = {"station": org["east_station"].pk, "month": "2026-08"}
    response = client.post(reverse("evaluations:follow_up_build"), form, follow=True)
    assert "该月份尚未开始" in response.content.decode()
    assert not CallList.objects.exists()
    assert BUILD_NOT_ALLOWED not in response.content.decode()


def test_the_policy_form(client, staff, org):
    url = reverse("evaluations:follow_up_policy")
    form = {"station": org["east_station"].pk, "month": "2026-06", "rule": FollowUpRule.PER_OFFICER}
    client.force_login(staff["officer"])
    assert client.post(url, {**form, "per_officer": "3"}).status_code == 403
    client.force_login(staff["chief"])
    response = client.post(url, {**form, "per_officer": ""})
    assert response.status_code == 400 and PER_OFFICER_INVALID in response.content.decode()
    assert not FollowUpPolicy.objects.exists()
    response = client.post(url, {**form, "per_officer": "4"})
    assert response.status_code == 302
    policy = FollowUpPolicy.objects.get()
    assert (policy.rule, policy.per_officer) == (FollowUpRule.PER_OFFICER, 4)


def test_per_officer_lines_show_the_shortfall(client, staff, org, service):
    for day in (1, 2, 3, 4):
        done(staff["officer"], day, service, f"1370000010{day}")
    done(staff["officer2"], 5, service, "13700000201")
    follow_up_policy_set(actor=staff["chief"], station=org["east_station"], rule="per_officer", per_officer=3)
    call_list = call_list_build(station=org["east_station"], month=date(2026, 5, 1))
    entry = CallListEntry.objects.filter(call_list=call_list, officer=staff["officer2"]).get()
    client.force_login(staff["officer2"])
    url = reverse("evaluations:follow_up_call", args=[entry.pk])
    client.post(url, {f"e{entry.pk}-reached": "yes", f"e{entry.pk}-level": "5"})
    response = client.get(URL, {"month": "2026-05"})
    html = response.content.decode()
    officer_name = staff["officer"].get_full_name()
    officer2_name = staff["officer2"].get_full_name()
    assert f"民警 {officer_name}：应回访 3 户，已回访 0 户" in html
    assert f"民警 {officer2_name}：应回访 1 户，已回访 1 户" in html
    assert html.count('class="is-short"') == 1


def test_the_page_query_count_does_not_grow_with_the_list(client, staff, org, service, django_assert_max_num_queries):
    for day in range(1, 13):
        done(staff["officer"], day, service, f"137000003{day:02d}")
    call_list = call_list_build(station=org["east_station"], month=date(2026, 5, 1))
    from evaluations.services.followups import follow_up_record

    for entry in CallListEntry.objects.filter(call_list=call_list)[:6]:
        follow_up_record(actor=staff["officer"], entry=entry, reached=True, level=4)
    client.force_login(staff["officer"])
    with django_assert_max_num_queries(16):
        response = client.get(URL, {"month": "2026-05"})
    assert response.status_code == 200
    assert response.content.decode().count('class="fu-entry') == 12
