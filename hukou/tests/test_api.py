"""The public catalog API, every response checked against the OpenAPI schema."""

import pytest

from hukou.tests.factories import items_by_name, make_service_type
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db


def check(client, code, provided, facts=None):
    body = {"provided": provided}
    if facts is not None:
        body["facts"] = facts
    response = client.post(f"/api/service-types/{code}/check/", body, content_type="application/json")
    assert_matches_schema(response)
    return response


def test_the_list_is_public_and_filterable(client, permit, mixed):
    response = client.get("/api/service-types/")
    assert_matches_schema(response)
    assert response.status_code == 200
    assert {s["code"] for s in response.json()["results"]} == {permit.code, mixed.code}

    response = client.get("/api/service-types/", {"q": "居住"})
    assert_matches_schema(response)
    assert [s["code"] for s in response.json()["results"]] == [permit.code]

    response = client.get("/api/service-types/", {"category": "certificate"})
    assert [s["code"] for s in response.json()["results"]] == [mixed.code]


def test_only_current_active_versions_are_listed(client, permit):
    inactive = make_service_type()
    inactive.active = False
    inactive.save()
    codes = [s["code"] for s in client.get("/api/service-types/").json()["results"]]
    assert permit.code in codes and inactive.code not in codes


def test_the_detail_has_conditions_and_items_with_ids(client, permit):
    response = client.get(f"/api/service-types/{permit.code}/")
    assert_matches_schema(response)
    data = response.json()
    assert data["conditions"] == [{"key": "childbearing_age_woman", "question": "申请人为育龄妇女"}]
    names = {item["name"]: item for item in data["items"]}
    assert names["婚育证明"]["condition"] == "childbearing_age_woman"
    assert names["居住证明"]["group"] == "居住或务工就学证明（任选其一）"
    assert names["居民身份证"]["condition"] is None
    assert {item["id"] for item in data["items"]} == {i.pk for i in permit.items.all()}


def test_an_unknown_code_is_404(client):
    response = client.get("/api/service-types/no-such/")
    assert_matches_schema(response)
    assert response.status_code == 404
    assert check(client, "no-such", []).status_code == 404


def test_check_answers_the_three_decisions(client, mixed):
    items = items_by_name(mixed)
    ids = lambda *names: [items[n].pk for n in names]  # noqa: E731
    no = {"minor": False, "by_agent": False}

    accept = check(client, mixed.code, ids("身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"), no).json()
    assert accept == {"decision": "accept", "missing": [], "deferrable_missing": [], "unanswered": []}

    deficient = check(client, mixed.code, ids("身份证", "户口簿", "医院出具的出生证明"), no).json()
    assert deficient["decision"] == "accept_deficient"
    assert deficient["missing"] == []
    assert [i["name"] for i in deficient["deferrable_missing"]] == ["户口簿复印件", "照片", "照相回执"]
    assert deficient["deferrable_missing"][1]["group"] == "照片或回执（任选其一）"

    notify = check(client, mixed.code, ids("户口簿"), {"minor": True}).json()
    assert notify["decision"] == "notify"
    assert [i["name"] for i in notify["missing"]] == ["身份证", "监护人身份证", "出生医学证明", "医院出具的出生证明"]
    assert [c["key"] for c in notify["unanswered"]] == ["by_agent"]


def test_the_seed_004_residence_permit_through_the_api(client, permit):
    items = items_by_name(permit)
    body = [items["居民身份证"].pk, items["房屋租赁合同"].pk]
    assert check(client, permit.code, body, {"childbearing_age_woman": False}).json()["decision"] == "accept"
    result = check(client, permit.code, body, {"childbearing_age_woman": True}).json()
    assert result["decision"] == "notify"
    assert [i["name"] for i in result["missing"]] == ["婚育证明"]


def test_an_unknown_item_id_is_a_400_naming_it(client, permit):
    response = check(client, permit.code, [987654])
    assert response.status_code == 400
    assert "987654" in response.json()["errors"]["provided"][0]


def test_an_item_of_another_service_is_a_400_naming_it(client, permit, mixed):
    foreign = mixed.items.first().pk
    response = check(client, permit.code, [foreign])
    assert response.status_code == 400
    assert str(foreign) in response.json()["errors"]["provided"][0]


def test_an_unknown_condition_is_a_400_naming_it(client, permit):
    response = check(client, permit.code, [], {"pregnant": True})
    assert response.status_code == 400
    assert "pregnant" in response.json()["errors"]["facts"][0]


@pytest.mark.parametrize(
    "body",
    [{}, {"provided": "1,2"}, {"provided": ["x"]}, {"provided": [], "facts": {"childbearing_age_woman": "perhaps"}}],
)
def test_malformed_input_is_a_400_with_field_errors(client, permit, body):
    response = client.post(f"/api/service-types/{permit.code}/check/", body, content_type="application/json")
    assert_matches_schema(response)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert all(field.split(".")[0] in ("provided", "facts") for field in response.json()["errors"])


def test_check_needs_no_csrf_token_or_sign_in(permit):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    url = f"/api/service-types/{permit.code}/check/"
    response = strict.post(url, {"provided": []}, content_type="application/json")
    assert response.status_code == 200


def test_public_endpoints_are_rate_limited_with_a_clear_message(client, settings, permit):
    settings.RATELIMIT_PUBLIC = "2/m"
    assert client.get("/api/service-types/").status_code == 200
    assert client.get(f"/api/service-types/{permit.code}/").status_code == 200
    response = check(client, permit.code, [])
    assert response.status_code == 429
    assert response.json() == {"detail": "操作过于频繁，请稍后再试。"}
