"""The counter rating device (评价器): pairing, its token, the prompt, ratings from the device, its online
status and its API. Permission tests use users of the east and the west units."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signing import dumps
from django.urls import reverse

from evaluations.models import Device, Evaluation, RatingChannel, Rectification
from evaluations.selectors.devices import DeviceState, device_for_token, device_prompt, device_state
from evaluations.services import devices as services
from evaluations.services.ratings import ALREADY_RATED
from evaluations.tests.factories import accepted_case, completed_case, rate
from evaluations.views.devices import PENDING_COOKIE, TOKEN_COOKIE, WINDOW_NOT_OFFERED
from hukou.models import CaseEvent
from hukou.services import case_transition
from windows import desk
from windows.tests.factories import ServiceWindowFactory
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 17, 9, 30, tzinfo=SHANGHAI)  # a Tuesday

DEVICE = reverse("evaluations:device")
PROMPT = reverse("evaluations:device_prompt")
REASONS = reverse("evaluations:device_reasons")
RATE = reverse("evaluations:device_rate")
LIST = reverse("evaluations:device_list")
STATUS = reverse("evaluations:device_status")


@pytest.fixture
def now(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return MORNING


@pytest.fixture
def west_window(org):
    return ServiceWindowFactory(station=org["west_station"], number=1)


def paired(window, by) -> Device:
    """A device registered and paired with ``window`` through the services."""
    device = services.device_register()
    return services.device_pair(actor=by, code=device.pairing_code, window=window)


def as_device(client, device):
    client.cookies[TOKEN_COOKIE] = services.device_token(device)
    return client


def pending_code(response) -> tuple[int, str]:
    device = Device.objects.get(pairing_code=response.context["code"])
    return device.pk, device.pairing_code


# --- registration -------------------------------------------------------------------------------------


def test_an_unpaired_tablet_sees_a_code_that_stays_on_reload_and_is_renewed_once_expired(client, now, time_machine):
    first = client.get(DEVICE)
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("max-age=0")
    code = first.context["code"]
    assert len(code) == 6 and code.isdigit()
    assert first.context["screen"] == "pairing"
    assert code in first.content.decode()
    assert PENDING_COOKIE in first.cookies and first.cookies[PENDING_COOKIE]["httponly"]

    again = client.get(DEVICE)
    assert again.context["code"] == code
    assert Device.objects.count() == 1

    # the poll with the code on screen: nothing to swap
    assert client.get(DEVICE, {"code": code}, headers={"HX-Request": "true"}).status_code == 204

    time_machine.move_to(now + timedelta(minutes=11), tick=False)
    renewed = client.get(DEVICE, {"code": code}, headers={"HX-Request": "true"})
    assert renewed.status_code == 200
    assert renewed.context["code"] != code
    assert Device.objects.count() == 1  # the same row, a new code


def test_new_devices_clear_out_unpaired_ones_expired_more_than_a_day_ago(now, time_machine):
    old = services.device_register(now=now - timedelta(days=2))
    recent = services.device_register(now=now - timedelta(hours=20))
    services.device_register(now=now)
    assert not Device.objects.filter(pk=old.pk).exists()
    assert Device.objects.filter(pk=recent.pk).exists()


def test_a_client_without_cookies_cannot_make_devices_without_limit(client, now):
    for _attempt in range(20):
        client.cookies.clear()
        assert client.get(DEVICE).status_code == 200
    client.cookies.clear()
    assert client.get(DEVICE).status_code == 429
    assert Device.objects.count() == 20


# --- pairing ------------------------------------------------------------------------------------------


def test_the_station_supervisor_pairs_with_the_right_code_and_the_tablet_claims_its_token_once(client, staff, now):
    tablet = client.get(DEVICE)
    device_id, code = pending_code(tablet)
    pending_cookie = client.cookies[PENDING_COOKIE].value

    client.force_login(staff["chief"])
    response = client.post(LIST, {"code": code, "window": staff["window"].pk})
    assert response.status_code == 302
    device = Device.objects.get(pk=device_id)
    assert (device.window, device.station, device.paired_by) == (
        staff["window"],
        staff["window"].station,
        staff["chief"],
    )
    assert device.token_nonce
    client.logout()

    # the tablet's next poll finds it paired: the token cookie, and the window's idle screen
    client.cookies[PENDING_COOKIE] = pending_cookie
    claimed = client.get(DEVICE, {"code": code}, headers={"HX-Request": "true"})
    assert claimed.status_code == 200 and claimed.context["screen"] == "idle"
    token = claimed.cookies[TOKEN_COOKIE]
    assert token["httponly"] and token["samesite"] == "Lax" and int(token["max-age"]) > 365 * 24 * 3600
    assert device_for_token(token.value) == device
    assert claimed.cookies[PENDING_COOKIE].value == ""  # the pending cookie is cleared

    # the pending cookie cannot claim a second token (a copy of it is worthless)
    thief = type(client)()
    thief.cookies[PENDING_COOKIE] = pending_cookie
    second = thief.get(DEVICE)
    assert second.context["screen"] == "pairing"
    assert TOKEN_COOKIE not in second.cookies or not second.cookies[TOKEN_COOKIE].value


def test_a_wrong_or_expired_code_is_a_form_error(client, staff, now, time_machine):
    device = services.device_register()
    client.force_login(staff["chief"])
    wrong = "000000" if device.pairing_code != "000000" else "111111"
    response = client.post(LIST, {"code": wrong, "window": staff["window"].pk})
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": [services.CODE_WRONG]}
    assert services.CODE_WRONG in response.content.decode()

    response = client.post(LIST, {"code": "12ab", "window": staff["window"].pk})
    assert response.context["form"].errors == {"code": [services.CODE_WRONG]}

    time_machine.move_to(now + timedelta(minutes=10, seconds=1), tick=False)
    response = client.post(LIST, {"code": device.pairing_code, "window": staff["window"].pk})
    assert response.context["form"].errors == {"code": [services.CODE_EXPIRED]}
    assert not Device.objects.filter(window__isnull=False).exists()


def test_another_units_supervisor_is_not_offered_the_window_and_the_service_refuses(client, staff, west_window, now):
    device = services.device_register()
    client.force_login(staff["other_district"])
    page = client.get(LIST)
    assert list(page.context["form"].fields["window"].queryset) == [west_window]
    assert [row.window for row in page.context["rows"]] == [west_window]

    response = client.post(LIST, {"code": device.pairing_code, "window": staff["window"].pk})
    assert response.context["form"].errors == {"window": [WINDOW_NOT_OFFERED]}
    with pytest.raises(PermissionDenied):
        services.device_pair(actor=staff["other_district"], code=device.pairing_code, window=staff["window"])
    # the east district's supervisor may pair the east window; the west window is not theirs
    with pytest.raises(PermissionDenied):
        services.device_pair(actor=staff["district"], code=device.pairing_code, window=west_window)
    services.device_pair(actor=staff["district"], code=device.pairing_code, window=staff["window"])
    assert Device.objects.get(pk=device.pk).window == staff["window"]


def test_an_officer_sees_the_stations_list_read_only_and_cannot_pair(client, staff, west_window, now):
    device = paired(staff["window"], staff["chief"])
    pending = services.device_register()
    client.force_login(staff["officer"])
    page = client.get(LIST)
    assert page.status_code == 200
    assert page.context["may_pair"] is False
    body = page.content.decode()
    assert "配对码" not in body.split("窗口与评价器")[0]  # no pairing form
    assert "evaluations/devices/" + str(staff["window"].pk) + "/unpair/" not in body  # no unpair button
    assert [(row.window, row.device) for row in page.context["rows"]] == [(staff["window"], device)]

    assert client.post(LIST, {"code": pending.pairing_code, "window": staff["window"].pk}).status_code == 403
    assert client.post(reverse("evaluations:device_unpair", args=[staff["window"].pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.device_pair(actor=staff["officer"], code=pending.pairing_code, window=staff["window"])
    assert Device.objects.get(pk=device.pk).window == staff["window"]

    client.force_login(staff["other_officer"])
    assert [row.window for row in client.get(LIST).context["rows"]] == [west_window]


def test_pairing_a_window_again_unpairs_its_old_device(staff, now):
    old = paired(staff["window"], staff["chief"])
    old_token = services.device_token(old)
    new = paired(staff["window"], staff["chief"])
    old.refresh_from_db()
    assert not old.is_paired and old.station is None
    assert new.window == staff["window"]
    assert device_for_token(old_token) is None
    assert device_for_token(services.device_token(new)) == new


def test_unpairing_from_the_page(client, staff, west_window, now):
    device = paired(staff["window"], staff["chief"])
    token = services.device_token(device)
    url = reverse("evaluations:device_unpair", args=[staff["window"].pk])

    client.force_login(staff["other_district"])
    assert client.post(url).status_code == 404
    assert device_for_token(token) == device

    client.force_login(staff["chief"])
    response = client.post(url, follow=True)
    assert "已解除配对" in response.content.decode()
    assert device_for_token(token) is None
    assert not Device.objects.get(pk=device.pk).is_paired
    with pytest.raises(ValidationError):
        services.device_unpair(actor=staff["chief"], window=staff["window"])


# --- the token ----------------------------------------------------------------------------------------


def test_a_forged_or_stale_token_puts_the_tablet_back_at_its_pairing_screen(client, staff, now):
    device = paired(staff["window"], staff["chief"])
    token = services.device_token(device)
    assert device_for_token(token) == device

    forged = dumps([device.pk, device.token_nonce], salt="something else")
    assert device_for_token(forged) is None
    assert device_for_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert device_for_token("") is None and device_for_token(None) is None
    assert device_for_token(dumps(["x", "y"], salt=services.TOKEN_SALT)) is None

    client.cookies[TOKEN_COOKIE] = forged
    response = client.get(DEVICE)
    assert response.context["screen"] == "pairing"
    assert response.cookies[TOKEN_COOKIE].value == ""  # cleared

    # an old nonce: the device was paired again since
    services.device_pair(actor=staff["chief"], code=services.device_register().pairing_code, window=staff["window"])
    assert device_for_token(token) is None


def test_a_token_of_an_unpaired_device_does_not_work_and_the_tablet_reuses_its_row(client, staff, now):
    device = paired(staff["window"], staff["chief"])
    token = services.device_token(device)
    Device.objects.filter(pk=device.pk).update(window=None, station=None)  # unpaired, same nonce
    assert device_for_token(token) is None

    client.cookies[TOKEN_COOKIE] = token
    response = client.get(PROMPT, {"shown": "idle"}, headers={"HX-Request": "true"})
    assert response.context["screen"] == "pairing"
    assert Device.objects.get(pk=device.pk).pairing_code == response.context["code"]
    assert Device.objects.count() == 1


# --- the prompt ---------------------------------------------------------------------------------------


def test_the_prompt_is_the_newest_event_at_this_window_only(staff, service, now):
    device = paired(staff["window"], staff["chief"])
    window2 = ServiceWindowFactory(station=staff["window"].station, number=2)
    assert device_prompt(device=device) is None

    elsewhere = accepted_case(officer=staff["officer"], window=window2, service_type=service)
    assert device_prompt(device=device) is None

    case = accepted_case(officer=staff["officer"], window=staff["window"], service_type=service)
    prompt = device_prompt(device=device)
    assert prompt.event.case == case and prompt.event.action == "accept"
    # the case page's window wins over the case's own: completed at window 2, it prompts there
    case_transition(case=elsewhere, actor=staff["officer"], action="complete", window=staff["window"])
    prompt = device_prompt(device=device)
    assert prompt.event.case == elsewhere and prompt.event.action == "complete"
    assert prompt.service_name == service.name
    assert prompt.window_number == 1
    assert prompt.police_number == staff["officer"].staff.police_number


@pytest.mark.parametrize("action", ["notify", "accept", "accept_deficient", "complete", "collect"])
def test_these_actions_prompt(staff, service, now, action):
    device = paired(staff["window"], staff["chief"])
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    CaseEvent.objects.filter(case=case).delete()
    event = CaseEvent.objects.create(case=case, actor=staff["officer"], action=action, window=staff["window"])
    assert device_prompt(device=device).event == event


@pytest.mark.parametrize("action", ["create", "materials", "visit", "submit_review", "reject", "suspend", "reassign"])
def test_other_actions_do_not_prompt(staff, service, now, action):
    device = paired(staff["window"], staff["chief"])
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    CaseEvent.objects.filter(case=case).delete()
    CaseEvent.objects.create(case=case, actor=staff["officer"], action=action, window=staff["window"])
    assert device_prompt(device=device) is None


def test_a_prompt_closes_after_120_seconds(client, staff, service, now, time_machine):
    device = paired(staff["window"], staff["chief"])
    completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    time_machine.move_to(now + timedelta(seconds=119), tick=False)
    prompt = device_prompt(device=device)
    assert prompt is not None and prompt.seconds_left() == 1
    time_machine.move_to(now + timedelta(seconds=120), tick=False)
    assert device_prompt(device=device) is None
    response = as_device(client, device).get(PROMPT, {"shown": prompt.key}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.context["screen"] == "idle"


def test_no_prompt_for_a_rated_case(staff, service, now):
    device = paired(staff["window"], staff["chief"])
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    rate(case, level=5, channel=RatingChannel.SMS)
    assert device_prompt(device=device) is None


def test_the_poll_answers_204_while_the_screen_is_current(client, staff, service, now, django_assert_max_num_queries):
    device = paired(staff["window"], staff["chief"])
    as_device(client, device)
    hx = {"HX-Request": "true"}
    with django_assert_max_num_queries(3):  # the device, its last-seen time, the prompt
        assert client.get(PROMPT, {"shown": "idle"}, headers=hx).status_code == 204

    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    response = client.get(PROMPT, {"shown": "idle"}, headers=hx)
    assert response.status_code == 200 and response.context["screen"] == "prompt"
    body = response.content.decode()
    for text in (service.name, staff["officer"].staff.display_name, staff["officer"].staff.police_number, "1号"):
        assert text in body
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in body
    assert case.applicant_name not in body  # the citizen's name is not shown on the counter screen
    key = response.context["prompt"].key
    assert client.get(PROMPT, {"shown": key}, headers=hx).status_code == 204
    # the reasons step sends the same key: a poll does not disturb it
    reasons = client.get(REASONS, {"event": response.context["prompt"].event.pk, "level": 2}, headers=hx)
    assert reasons.context["screen"] == "reasons" and f'"shown": "{key}"' in reasons.content.decode()


def test_the_device_page_is_public_never_cached_and_shows_the_idle_screen(client, staff, now):
    device = paired(staff["window"], staff["chief"])
    response = as_device(client, device).get(DEVICE)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert "东关派出所" in body and "1号窗口" in body and "请在业务办理完毕后对我们的服务进行评价" in body


# --- rating from the device ----------------------------------------------------------------------------


def test_a_tap_stores_the_rating_against_case_window_and_officer(client, staff, service, now):
    device = paired(staff["window"], staff["chief"])
    window2 = ServiceWindowFactory(station=staff["window"].station, number=2)
    # taken in at window 2 by officer2, completed by the officer serving at window 1
    case = accepted_case(officer=staff["officer2"], window=window2, service_type=service)
    case_transition(case=case, actor=staff["officer"], action="complete", window=staff["window"])
    event = device_prompt(device=device).event

    response = as_device(client, device).post(RATE, {"event": event.pk, "level": 4}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.context["screen"] == "done" and response.context["title"] == "感谢您的评价！"
    evaluation = Evaluation.objects.get()
    assert (evaluation.case, evaluation.window, evaluation.officer, evaluation.channel, evaluation.level) == (
        case, staff["window"], staff["officer"], RatingChannel.DEVICE, 4,
    )  # fmt: skip
    assert evaluation.event == event
    assert device_prompt(device=device) is None

    again = client.post(RATE, {"event": event.pk, "level": 1})
    assert again.status_code == 409
    assert ALREADY_RATED in again.content.decode()
    assert Evaluation.objects.count() == 1 and not Rectification.objects.exists()


def test_a_bad_level_goes_through_the_reasons_step(client, staff, service, now):
    device = paired(staff["window"], staff["chief"])
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    event = device_prompt(device=device).event
    as_device(client, device)
    step = client.get(REASONS, {"event": event.pk, "level": 1}, headers={"HX-Request": "true"})
    assert step.context["screen"] == "reasons"
    body = step.content.decode()
    for label in ("服务态度", "办事效率", "材料要求", "等候时间", "窗口环境", "其他"):
        assert label in body
    assert not Evaluation.objects.exists()  # choosing is not rating yet

    # a good level has no reasons step: the current screen comes back
    assert client.get(REASONS, {"event": event.pk, "level": 5}).context["screen"] == "prompt"

    response = client.post(RATE, {"event": event.pk, "level": 1, "reasons": ["waiting", "attitude"]})
    assert response.status_code == 200
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.level == 1 and evaluation.reasons == ["attitude", "waiting"]
    assert evaluation.rectification.assignee == staff["chief"]


def test_a_closed_or_foreign_prompt_is_not_rated(client, staff, service, west_window, now, time_machine):
    device = paired(staff["window"], staff["chief"])
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    event = device_prompt(device=device).event
    west = paired(west_window, staff["other_district"])

    response = as_device(client, west).post(RATE, {"event": event.pk, "level": 5}, headers={"HX-Request": "true"})
    assert response.context["title"] == services.PROMPT_CLOSED

    time_machine.move_to(now + timedelta(seconds=121), tick=False)
    response = as_device(client, device).post(RATE, {"event": event.pk, "level": 5})
    assert response.status_code == 400
    assert services.PROMPT_CLOSED in response.content.decode()
    assert not Evaluation.objects.filter(case=case).exists()


def test_bad_input_is_refused_without_a_rating(client, staff, service, now):
    device = paired(staff["window"], staff["chief"])
    completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    event = device_prompt(device=device).event
    as_device(client, device)
    assert client.post(RATE, {"event": event.pk, "level": 9}).status_code == 400
    assert client.post(RATE, {"event": event.pk, "level": 2, "reasons": ["bribe"]}).status_code == 400
    assert client.post(RATE, {"event": "x", "level": 5}).status_code == 400
    assert not Evaluation.objects.exists()


def test_a_rating_needs_the_csrf_token_and_a_device_token(staff, service, now):
    from django.test import Client

    device = paired(staff["window"], staff["chief"])
    completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    event = device_prompt(device=device).event
    strict = as_device(Client(enforce_csrf_checks=True), device)
    assert strict.post(RATE, {"event": event.pk, "level": 5}).status_code == 403

    anonymous = Client()
    response = anonymous.post(RATE, {"event": event.pk, "level": 5})
    assert response.context["screen"] == "pairing"
    assert not Evaluation.objects.exists()


# --- online status -------------------------------------------------------------------------------------


def test_each_poll_marks_the_device_seen_at_most_every_few_seconds(client, staff, now, time_machine):
    device = paired(staff["window"], staff["chief"])
    assert device_state(device) == DeviceState.OFFLINE
    as_device(client, device).get(PROMPT, {"shown": "idle"})
    device.refresh_from_db()
    assert device.last_seen_at == now and device_state(device) == DeviceState.ONLINE

    time_machine.move_to(now + timedelta(seconds=3), tick=False)
    assert services.device_seen(device=Device.objects.get(pk=device.pk)) is False  # too soon: no write
    time_machine.move_to(now + timedelta(seconds=6), tick=False)
    assert services.device_seen(device=Device.objects.get(pk=device.pk)) is True

    time_machine.move_to(now + timedelta(seconds=6 + 16), tick=False)
    device.refresh_from_db()
    assert device_state(device) == DeviceState.OFFLINE
    assert device_state(None) == DeviceState.UNPAIRED


def test_the_officers_badge_shows_the_device_of_the_window_they_serve_at(client, staff, west_window, now):
    client.force_login(staff["officer"])
    assert client.get(STATUS).content == b""  # no window chosen yet

    session = client.session
    session[desk.SESSION_KEY] = staff["window"].pk
    session.save()
    assert "评价器 未配对" in client.get(STATUS).content.decode()

    device = paired(staff["window"], staff["chief"])
    assert "评价器 离线" in client.get(STATUS).content.decode()
    services.device_seen(device=device)
    assert "评价器 在线" in client.get(STATUS).content.decode()

    # another station's window in the session counts for nothing
    client.force_login(staff["other_officer"])
    session = client.session
    session[desk.SESSION_KEY] = staff["window"].pk
    session.save()
    assert client.get(STATUS).content == b""


def test_the_officer_layout_loads_the_badge(client, staff):
    client.force_login(staff["officer"])
    body = client.get(reverse("windows:workbench")).content.decode()
    assert f'hx-get="{STATUS}"' in body and "load, every 15s" in body
    client.force_login(staff["district"])  # not at a counter: no badge
    assert STATUS not in client.get(reverse("windows:workbench")).content.decode()


# --- the API --------------------------------------------------------------------------------------------


@pytest.fixture
def device_api(client):
    def call(method, url, token=None, body=None):
        headers = {"Authorization": f"Device {token}"} if token is not None else {}
        if method == "get":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, body or {}, content_type="application/json", headers=headers)
        assert_matches_schema(response)
        return response

    return call


PROMPT_API = reverse("api-device-prompt")
RATINGS_API = reverse("api-device-rating")


def test_the_api_prompt_and_rating(device_api, staff, service, now):
    device = paired(staff["window"], staff["chief"])
    token = services.device_token(device)
    idle = device_api("get", PROMPT_API, token)
    assert idle.status_code == 200
    assert idle.json() == {"window": {"station": "东关派出所", "number": 1, "name": staff["window"].name}}
    assert Device.objects.get(pk=device.pk).last_seen_at == now

    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    prompt = device_api("get", PROMPT_API, token).json()["prompt"]
    assert prompt["service"] == service.name and prompt["action"] == "complete"
    assert prompt["officer_police_number"] == staff["officer"].staff.police_number
    assert prompt["window_number"] == 1

    created = device_api("post", RATINGS_API, token, {"event": prompt["event"], "level": 2, "reasons": ["attitude"]})
    assert created.status_code == 201
    assert created.json()["level"] == 2 and created.json()["channel"] == "device"
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.window, evaluation.officer, evaluation.channel) == (staff["window"], staff["officer"], "device")

    again = device_api("post", RATINGS_API, token, {"event": prompt["event"], "level": 5})
    assert again.status_code == 409 and again.json()["detail"] == ALREADY_RATED


def test_the_api_refuses_bad_input_and_closed_prompts(device_api, staff, service, now, time_machine):
    device = paired(staff["window"], staff["chief"])
    token = services.device_token(device)
    completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    event = device_prompt(device=device).event.pk

    bad = device_api("post", RATINGS_API, token, {"event": event, "level": 7, "reasons": ["bribe"]})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"level", "reasons.0"}

    time_machine.move_to(now + timedelta(seconds=121), tick=False)
    closed = device_api("post", RATINGS_API, token, {"event": event, "level": 5})
    assert closed.status_code == 400 and closed.json()["errors"] == {"event": [services.PROMPT_CLOSED]}
    assert not Evaluation.objects.exists()


def test_the_api_needs_a_valid_device_token(device_api, client, staff, now):
    device = paired(staff["window"], staff["chief"])
    old_token = services.device_token(device)
    assert device_api("get", PROMPT_API).status_code == 401
    assert device_api("get", PROMPT_API, "not-a-token").status_code == 401
    forged = dumps([device.pk, device.token_nonce], salt="forged")
    assert device_api("get", PROMPT_API, forged).status_code == 401

    # a signed-in officer is no device
    client.force_login(staff["officer"])
    assert device_api("get", PROMPT_API).status_code == 401
    assert device_api("post", RATINGS_API, None, {"event": 1, "level": 5}).status_code == 401
    client.logout()

    services.device_unpair(actor=staff["chief"], window=staff["window"])
    response = device_api("get", PROMPT_API, old_token)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Device"
