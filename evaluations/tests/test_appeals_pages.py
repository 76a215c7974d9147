"""The appeal pages: the citizens' form and progress lookup (public, rate-limited, CSRF, honeypot), and
the staff's list, entry and appeal page (scoped to the unit, moves shown only to those who may)."""

import re
from datetime import date

import pytest
from django.test import Client

from evaluations.models import Appeal, AppealStatus
from evaluations.services import appeals as services
from evaluations.services.appeals import appeal_resolve, appeal_start, appeal_submit
from windows.models import Notification

pytestmark = pytest.mark.django_db

NEW, DONE, PROGRESS = "/appeals/", "/appeals/done/", "/appeals/progress/"
LIST, CREATE = "/evaluations/appeals/", "/evaluations/appeals/new/"
CONTENT = "窗口说我的材料不全，但办事指南上没有要求这份证明，白跑了一趟。"


def form_data(station, **overrides):
    data = {
        "contact_name": "王小明",
        "contact_phone": "13912345678",
        "station": str(station.pk),
        "category": "extra_materials",
        "content": CONTENT,
        "case_number": "",
        "website": "",
    }
    data.update(overrides)
    return data


def make_appeal(station, **overrides):
    values = {"category": "attitude", "contact_name": "李四", "contact_phone": "13800001234", "content": CONTENT}
    values.update(overrides)
    return appeal_submit(station=station, **values)


def section(response, testid: str) -> str:
    """The element with this data-testid, as HTML (up to its closing tag's line)."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    return match.group(0) if match else ""


# --- the citizens' form -----------------------------------------------------------------------------


def test_the_form_is_public_never_cached_and_lists_stations_by_district(client, org):
    response = client.get(NEW)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    assert '<optgroup label="城东分局">' in html and '<optgroup label="城西分局">' in html
    assert "东关派出所" in html and "西湖派出所" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # the honeypot: present, hidden from people and from screen readers, out of the tab order
    assert re.search(r'<div class="appeal-hp" aria-hidden="true">.*?name="website"[^>]*tabindex="-1"', html, re.S)


def test_a_submission_is_saved_and_redirected_to_its_reference(client, org, staff, time_machine):
    time_machine.move_to("2026-09-30 10:00:00+08:00")
    response = client.post(NEW, form_data(org["east_station"]))
    assert response.status_code == 302 and response["Location"] == DONE
    appeal = Appeal.objects.get()
    assert appeal.reference == "SQS1202609300001" and appeal.source == "online" and appeal.received_by is None
    done = client.get(DONE)
    assert done.status_code == 200
    assert appeal.reference in section(done, "appeal-reference")
    assert 'datetime="2026-10-13"' in section(done, "appeal-due")
    assert f"{PROGRESS}?reference={appeal.reference}" in section(done, "progress-link")
    assert "139****5678" in done.content.decode()
    assert client.get(DONE).status_code == 200  # a reload shows it again
    assert Client().get(DONE)["Location"] == NEW  # another browser sees nothing


def test_the_honeypot_answers_like_a_success_and_saves_nothing(client, org, staff, time_machine):
    time_machine.move_to("2026-09-30 10:00:00+08:00")
    response = client.post(NEW, form_data(org["east_station"], website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == DONE
    done = client.get(DONE)
    assert re.search(r"SQS120260930\d{4}", section(done, "appeal-reference"))
    assert 'datetime="2026-10-13"' in section(done, "appeal-due")
    assert not Appeal.objects.exists() and not Notification.objects.exists()


def test_bad_input_is_shown_by_its_field_and_nothing_is_saved(client, org):
    response = client.post(NEW, form_data(org["east_station"], contact_phone="1234", content="太慢"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入11位中国大陆手机号码。" in html and services.CONTENT_TOO_SHORT in html
    assert 'value="王小明"' in html  # what was typed stays
    assert not Appeal.objects.exists()
    response = client.post(NEW, {**form_data(org["east_station"], category=""), "station": "999999"})
    assert response.status_code == 200 and not Appeal.objects.exists()
    assert services.CATEGORY_INVALID in section(response, "appeal-form")
    assert 'id="id_station" name="station" required aria-invalid="true"' in response.content.decode()


def test_the_form_needs_its_csrf_token(org):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(NEW, form_data(org["east_station"])).status_code == 403
    assert not Appeal.objects.exists()


def test_the_rate_limit_answers_429_with_the_form_kept(client, org, staff, settings):
    settings.RATELIMIT_APPEALS = "2/h"
    station = org["east_station"]
    for _ in range(2):
        assert client.post(NEW, form_data(station)).status_code == 302
    response = client.post(NEW, form_data(station, contact_name="赵六"))
    assert response.status_code == 429
    assert "请稍后再试" in section(response, "appeal-limited")
    assert 'value="赵六"' in response.content.decode() and CONTENT in response.content.decode()
    assert Appeal.objects.count() == 2
    # the API shares the budget; another address has its own
    api = client.post("/api/public/appeals/", {"station": "S1", "category": "other", "contact_name": "王",
                                               "contact_phone": "13912345678", "content": CONTENT},
                      content_type="application/json")  # fmt: skip
    assert api.status_code == 429
    assert client.post(NEW, form_data(station), REMOTE_ADDR="10.9.8.7").status_code == 302


# --- the citizens' progress page --------------------------------------------------------------------


def test_progress_with_wrong_reference_wrong_phone_and_right_ones(client, org, staff):
    appeal = make_appeal(org["east_station"])
    page = client.get(f"{PROGRESS}?reference={appeal.reference.lower()}")
    assert page.status_code == 200 and f'value="{appeal.reference}"' in page.content.decode()
    wrong_reference = client.post(PROGRESS, {"reference": "SQS1209901010001", "phone_suffix": "1234"})
    wrong_phone = client.post(PROGRESS, {"reference": appeal.reference, "phone_suffix": "4321"})
    assert wrong_reference.status_code == wrong_phone.status_code == 200
    assert section(wrong_reference, "progress-message") == section(wrong_phone, "progress-message") != ""
    assert appeal.reference not in section(wrong_phone, "progress-result")
    right = client.post(PROGRESS, {"reference": appeal.reference, "phone_suffix": "1234"})
    assert "已受理，待处理" in section(right, "appeal-status")
    assert "受理" in section(right, "timeline") and "李四" not in right.content.decode()

    appeal = appeal_start(appeal=appeal, actor=staff["chief"], handler=staff["officer"], note="内部：先查监控")
    appeal_resolve(appeal=appeal, actor=staff["officer"], resolution="经核实已批评教育当事民警。")
    right = client.post(PROGRESS, {"reference": appeal.reference, "phone_suffix": "1234"})
    timeline = section(right, "timeline")
    assert "处理中" in timeline and "已办结" in timeline and "经核实已批评教育当事民警。" in timeline
    assert "已办结" in section(right, "appeal-status")
    assert "先查监控" not in right.content.decode()


def test_progress_is_rate_limited_per_address(client, org, settings):
    settings.RATELIMIT_STATUS_LOOKUP = "2/m"
    appeal = make_appeal(org["east_station"])
    for _ in range(2):
        assert client.post(PROGRESS, {"reference": appeal.reference, "phone_suffix": "1234"}).status_code == 200
    limited = client.post(PROGRESS, {"reference": appeal.reference, "phone_suffix": "1234"})
    assert limited.status_code == 429 and "查询过于频繁" in section(limited, "progress-message")
    assert "已受理" not in section(limited, "progress-result")


# --- the staff's pages ------------------------------------------------------------------------------


def test_staff_pages_need_a_staff_member(client, org, staff):
    assert client.get(LIST)["Location"].startswith("/accounts/login/")
    from django.contrib.auth import get_user_model

    citizen = get_user_model().objects.create_user("citizen", password="x-Y-z-12345")
    client.force_login(citizen)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_the_list_is_scoped_filtered_and_marks_late_ones(client, org, staff, django_assert_max_num_queries):
    late = make_appeal(org["east_station"], today=date(2020, 1, 6))
    fresh = make_appeal(org["east_station"], category="suggestion")
    west = make_appeal(org["west_station"])
    client.force_login(staff["officer"])
    page = client.get(LIST)
    html = page.content.decode()
    assert late.reference in html and fresh.reference in html and west.reference not in html
    rows = re.findall(r'<tr data-testid="appeal-row"( class="is-late")?>\s*<td><a[^>]*>(\w+)</a>', html)
    assert sorted(rows) == sorted([("", fresh.reference), (' class="is-late"', late.reference)])
    only_late = client.get(LIST, {"late": "true"}).content.decode()
    assert late.reference in only_late and fresh.reference not in only_late
    by_category = client.get(LIST, {"category": "suggestion", "status": "open"}).content.decode()
    assert fresh.reference in by_category and late.reference not in by_category
    assert 'hx-target="#appeal-results"' in html
    partial = client.get(LIST, {"source": "online"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="appeal-results"')
    client.force_login(staff["other_officer"])
    html = client.get(LIST).content.decode()
    assert west.reference in html and late.reference not in html
    with django_assert_max_num_queries(12):
        client.get(LIST)


def test_staff_enter_a_phone_appeal_for_their_own_station(client, org, staff):
    client.force_login(staff["officer"])
    page = client.get(CREATE).content.decode()
    assert "东关派出所" in page and "西湖派出所" not in page and 'name="website"' not in page
    refused = client.post(CREATE, {**form_data(org["west_station"]), "source": "phone"})
    assert refused.status_code == 200 and not Appeal.objects.exists()
    response = client.post(CREATE, {**form_data(org["east_station"]), "source": "walk_in"})
    appeal = Appeal.objects.get()
    assert response["Location"] == f"{LIST}{appeal.reference}/"
    assert (appeal.source, appeal.received_by, appeal.station) == ("walk_in", staff["officer"], org["east_station"])
    client.force_login(staff["admin"])
    assert client.get(CREATE).status_code == 403


def test_the_appeal_page_is_scoped_and_shows_moves_only_to_those_who_may(client, org, staff):
    appeal = make_appeal(org["east_station"])
    url = f"{LIST}{appeal.reference}/"
    client.force_login(staff["other_officer"])
    assert client.get(url).status_code == 404
    client.force_login(staff["other_district"])
    assert client.get(url).status_code == 404
    client.force_login(staff["officer"])
    page = client.get(url)
    assert page.status_code == 200 and "13800001234" in page.content.decode()
    assert 'data-testid="move-' not in page.content.decode()
    client.force_login(staff["chief"])
    page = client.get(url).content.decode()
    assert 'data-testid="move-start"' in page and 'data-testid="move-resolve"' not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_moves_from_the_appeal_page(client, org, staff):
    appeal = make_appeal(org["east_station"])
    move = f"{LIST}{appeal.reference}/move/"
    client.force_login(staff["chief"])
    response = client.post(move, {"action": "start", "handler": "officer", "version": "1"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.handler == staff["officer"]

    client.force_login(staff["officer2"])  # not the handler
    refused = client.post(move, {"action": "resolve", "resolution": "我来办结", "version": "2"})
    assert refused.status_code == 403 and services.ONLY_HANDLER_RESOLVES in refused.content.decode()

    client.force_login(staff["officer"])
    page = client.get(f"{LIST}{appeal.reference}/").content.decode()
    assert 'data-testid="move-resolve"' in page and 'data-testid="move-reassign"' not in page
    empty = client.post(move, {"action": "resolve", "resolution": " ", "note": "备注留着", "version": "2"})
    assert empty.status_code == 400
    assert (
        services.RESOLUTION_REQUIRED in section(empty, "move-resolve") and 'value="备注留着"' in empty.content.decode()
    )
    stale = client.post(move, {"action": "resolve", "resolution": "已办结", "version": "1"})
    assert stale.status_code == 409 and "请刷新后重试" in stale.content.decode()
    done = client.post(move, {"action": "resolve", "resolution": "已办结，已电话告知群众。", "version": "2"})
    assert done.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.RESOLVED and appeal.resolution == "已办结，已电话告知群众。"
    again = client.post(move, {"action": "resolve", "resolution": "再办一次", "version": "3"})
    assert again.status_code == 409
    client.force_login(staff["other_officer"])
    assert client.post(move, {"action": "resolve", "resolution": "x", "version": "3"}).status_code == 404
