"""The cases API: scoped to the user's unit, every response checked against the OpenAPI schema."""

import pytest
from rest_framework.authtoken.models import Token

from hukou.models import Case, CaseStatus
from hukou.services import case_transition
from hukou.tests.factories import ID_NUMBERS, items_by_name, make_case
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def call(user, method, url, body=None, **params):
        client.force_login(user)
        if method == "get":
            response = client.get(url, params)
        else:
            response = client.post(url, body or {}, content_type="application/json")
        assert_matches_schema(response)
        client.logout()
        return response

    return call


def create_body(service_type, *names, **overrides):
    items = items_by_name(service_type)
    body = {
        "service_type": service_type.code,
        "applicant_name": "李四",
        "id_number": ID_NUMBERS[0],
        "phone": "13912345678",
        "window": 1,
        "provided": [items[n].pk for n in names],
        "facts": {"childbearing_age_woman": False},
    }
    body.update(overrides)
    return body


def test_create_then_notify_then_accept_through_the_api(api, staff, permit):
    officer = staff["officer"]
    response = api(officer, "post", "/api/cases/", create_body(permit, "居民身份证"))
    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "draft"
    assert case["id_number"] == "110105********002X"
    assert case["phone"] == "139****5678"
    assert case["window"] == 1
    assert case["decision"]["decision"] == "notify"
    number = case["number"]

    response = api(officer, "post", f"/api/cases/{number}/transitions/", {"action": "notify", "version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_materials"
    assert response.json()["documents"][0]["kind"] == "one_time_notice"

    items = items_by_name(permit)
    body = {"provided": [items["居住证明"].pk], "version": 2}
    response = api(officer, "post", f"/api/cases/{number}/materials/", body)
    assert response.json()["decision"]["decision"] == "accept"
    response = api(officer, "post", f"/api/cases/{number}/transitions/", {"action": "accept", "version": 3})
    assert response.status_code == 200
    assert response.json()["status"] == "accepted" and response.json()["due_on"]

    events = api(officer, "get", f"/api/cases/{number}/events/").json()
    assert [e["action"] for e in events] == ["create", "notify", "materials", "accept"]
    assert events[-1]["from_status"] == "awaiting_materials" and events[-1]["to_status"] == "accepted"


def test_bad_input_on_create_is_a_400_naming_each_field(api, staff, permit):
    body = create_body(permit, id_number="110105194912310021", phone="12345", applicant_name="", window=9)
    response = api(staff["officer"], "post", "/api/cases/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"applicant_name"}
    body = create_body(permit, id_number="110105194912310021", phone="12345", window=None)
    response = api(staff["officer"], "post", "/api/cases/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"id_number", "phone"}
    assert "校验位" in response.json()["errors"]["id_number"][0]
    assert not Case.objects.exists()


def test_a_window_of_another_station_is_a_400(api, staff, permit):
    response = api(staff["officer"], "post", "/api/cases/", create_body(permit, window=7))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["window"]


def test_another_units_case_is_a_404_everywhere(api, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit)
    for user in (staff["other_officer"], staff["other_district"]):
        assert api(user, "get", f"/api/cases/{case.number}/").status_code == 404
        assert api(user, "get", f"/api/cases/{case.number}/events/").status_code == 404
        body = {"action": "withdraw", "version": case.version}
        assert api(user, "post", f"/api/cases/{case.number}/transitions/", body).status_code == 404
        assert api(user, "get", "/api/cases/").json()["count"] == 0
    assert api(staff["district"], "get", f"/api/cases/{case.number}/").status_code == 200
    assert api(staff["city"], "get", "/api/cases/").json()["count"] == 1


def test_a_move_the_role_may_not_make_is_a_403_saying_why(api, staff, permit):
    case = make_case(actor=staff["auxiliary"], service_type=permit)
    response = api(staff["auxiliary"], "post", f"/api/cases/{case.number}/transitions/",
                   {"action": "reject", "legal_basis": "x", "version": case.version})  # fmt: skip
    assert response.status_code == 403
    assert "不具有执法资格" in response.json()["detail"]


def test_a_move_the_state_does_not_allow_is_a_409_saying_why(api, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit)
    response = api(staff["officer"], "post", f"/api/cases/{case.number}/transitions/",
                   {"action": "collect", "version": case.version})  # fmt: skip
    assert response.status_code == 409
    assert response.json()["detail"] == "办件当前状态为“草稿”，不能执行“领取”。"


def test_a_stale_version_is_a_409(api, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit)
    body = {"action": "withdraw", "version": case.version}
    assert api(staff["officer2"], "post", f"/api/cases/{case.number}/transitions/", body).status_code == 200
    response = api(staff["officer"], "post", f"/api/cases/{case.number}/transitions/", body)
    assert response.status_code == 409
    assert "修改，请刷新后重试" in response.json()["detail"]


def test_a_missing_legal_basis_is_a_400(api, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit)
    response = api(staff["officer"], "post", f"/api/cases/{case.number}/transitions/",
                   {"action": "reject", "note": "不符合迁入条件", "version": case.version})  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["legal_basis"]


def test_filters_and_search_by_id_number_hash(api, staff, permit, mixed):
    make_case(actor=staff["officer"], service_type=permit, id_number=ID_NUMBERS[0], applicant_name="王五")
    make_case(actor=staff["officer"], service_type=mixed, id_number=ID_NUMBERS[2], applicant_name="赵六")
    officer = staff["officer"]

    def numbers(**params):
        response = api(officer, "get", "/api/cases/", **params)
        assert response.status_code == 200, response.json()
        return [c["applicant_name"] for c in response.json()["results"]]

    assert numbers(q=ID_NUMBERS[2]) == ["赵六"]
    assert numbers(q="王五") == ["王五"]
    assert numbers(q="440305********0011") == []  # a masked number finds nothing
    assert numbers(service_type=permit.code) == ["王五"]
    assert numbers(status="draft", officer="officer") == ["赵六", "王五"]
    assert numbers(overdue="true") == []
    assert api(officer, "get", "/api/cases/", status="nonsense").status_code == 400


def test_the_list_runs_a_fixed_number_of_queries(client, staff, permit, django_assert_max_num_queries):
    client.force_login(staff["officer"])
    for _ in range(3):
        make_case(actor=staff["officer"], service_type=permit)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/cases/")
    for _ in range(12):
        make_case(actor=staff["officer"], service_type=permit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/cases/").json()["count"] == 15


def test_token_authentication_and_no_access_without_it(client, staff, permit):
    make_case(actor=staff["officer"], service_type=permit)
    assert client.get("/api/cases/").status_code == 403
    token = Token.objects.create(user=staff["officer"])
    response = client.get("/api/cases/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200 and response.json()["count"] == 1
    assert response.json()["results"][0]["status"] == CaseStatus.DRAFT


# --- SMS -----------------------------------------------------------------------------------------


def test_notify_with_send_sms_texts_a_copy_and_without_it_nothing(api, staff, permit):
    from notices.models import Purpose, SmsMessage

    quiet = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    body = {"action": "notify", "version": quiet.version}
    assert api(staff["officer"], "post", f"/api/cases/{quiet.number}/transitions/", body).status_code == 200
    assert not SmsMessage.objects.exists()

    texted = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    body = {"action": "notify", "version": texted.version, "send_sms": True}
    response = api(staff["officer"], "post", f"/api/cases/{texted.number}/transitions/", body)
    assert response.status_code == 200
    message = SmsMessage.objects.get()
    assert message.purpose == Purpose.NOTICE_COPY and message.reference == texted.number


def test_send_sms_must_be_a_boolean(api, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    body = {"action": "notify", "version": case.version, "send_sms": "maybe"}
    response = api(staff["officer"], "post", f"/api/cases/{case.number}/transitions/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["send_sms"]
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_completing_through_the_api_queues_the_sms_or_is_a_400_when_it_cannot(api, staff, permit):
    from notices.models import Purpose, SmsMessage, SmsTemplate

    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证", "居住证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept")
    url = f"/api/cases/{case.number}/transitions/"
    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).update(text="${station}${unknown}")
    response = api(staff["officer"], "post", url, {"action": "complete", "version": case.version})
    assert response.status_code == 400
    assert "本次操作未执行" in response.json()["errors"]["action"][0]
    assert not SmsMessage.objects.exists()

    SmsTemplate.objects.filter(purpose=Purpose.COMPLETION).update(text="${station}：${number}已办结")
    response = api(staff["officer"], "post", url, {"action": "complete", "version": case.version})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert SmsMessage.objects.get().text == f"东关派出所：{case.number}已办结"


def test_the_schema_documents_send_sms_on_the_transition_input():
    from windows.tests.openapi import api_schema

    schema = api_schema()
    body = schema["paths"]["/api/cases/{number}/transitions/"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/CaseTransitionInputRequest"}
    send_sms = schema["components"]["schemas"]["CaseTransitionInputRequest"]["properties"]["send_sms"]
    assert send_sms["type"] == "boolean" and send_sms["default"] is False
    assert "短信发送" in send_sms["description"]
    assert "send_sms" not in schema["components"]["schemas"]["CaseTransitionInputRequest"].get("required", [])
