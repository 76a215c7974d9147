"""The citizens' status lookup: the page /status/ and POST /api/public/case-status/.

Cases are taken in and moved through the real services; every API response is checked against the
OpenAPI schema."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hukou import personal_data
from hukou.models import CaseDocument, CaseStatus, DocumentKind
from hukou.services import case_record_materials, case_transition
from hukou.services import status as status_lookup
from hukou.tests.factories import ID_NUMBERS, items_by_name, make_case
from windows.models import Role
from windows.services import unit_update
from windows.tests.factories import ServiceWindowFactory, StaffFactory
from windows.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 11, 17, 9, 30, tzinfo=SHANGHAI)  # a working day
API = "/api/public/case-status/"
PAGE = "/status/"
HOURS = "工作日 9:00-12:00、13:30-17:00，周六上午办理"
PHONE = "13912345678"
NOTE = "内部备注：申请人情绪激动"


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=True):
        yield


@pytest.fixture
def station(org):
    return unit_update(unit=org["east_station"], hours=HOURS, address="城东区东关大街1号", phone="0531-86000110")


@pytest.fixture
def officer(station):
    return StaffFactory(
        username="li-jing-7", full_name="李静", police_number="P917301", unit=station, role=Role.OFFICER
    ).user


@pytest.fixture
def window(station):
    return ServiceWindowFactory(station=station, number=3)


@pytest.fixture
def permit_case(officer, window, permit):
    """A residence-permit case, taken in with the ID card only: the one-of proof of residence is missing."""
    return make_case(
        actor=officer, service_type=permit, provided_names=["居民身份证"], window=window, id_number=ID_NUMBERS[1],
        phone=PHONE, applicant_name="欧阳娜娜",
    )  # fmt: skip


def move(case, officer, action, **kwargs):
    return case_transition(case=case, actor=officer, action=action, **kwargs)


def lookup(client, body, **extra):
    response = client.post(API, body, content_type="application/json", **extra)
    assert_matches_schema(response)
    return response


def page_lookup(client, number, *, factor="id", suffix, **extra):
    field = "id_suffix" if factor == "id" else "phone_suffix"
    return client.post(PAGE, {"number": number, "factor": factor, field: suffix}, **extra)


def result_section(response) -> str:
    """The page's answer: ``<section id="lookup-result">`` up to its own closing tag."""
    page = response.content.decode()
    start = page.index('<section id="lookup-result"')
    depth = 0
    for tag in re.finditer(r"<(/?)section\b", page[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[start : start + tag.end()]
    raise AssertionError("the result section is not closed")


def by_id(case, **extra):
    return {"number": case.number, "id_suffix": ID_NUMBERS[1][-6:], **extra}


def stages(body) -> list[str]:
    return [entry["stage"] for entry in body["timeline"]]


# --- the timeline, stage by stage ---------------------------------------------------------------


def test_a_new_case_shows_received_with_the_masked_name(client, permit_case):
    response = lookup(client, by_id(permit_case))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft"
    assert body["status_label"] == "已收件，待受理"
    assert body["service"] == "居住证申领（一年期）"
    assert body["station"] == "东关派出所"
    assert body["applicant"] == "欧阳**"
    assert body["timeline"] == [
        {"stage": "received", "title": "窗口已收件", "on": "2026-11-17", "due_on": None, "supplement_due_on": None,
         "missing": []},
    ]  # fmt: skip


def test_the_notice_stage_carries_exactly_the_notices_missing_list(client, officer, window, mixed):
    case = make_case(actor=officer, service_type=mixed, provided_names=["身份证"], window=window, phone=PHONE)
    move(case, officer, "notify", note=NOTE)
    notice = CaseDocument.objects.get(case=case, kind=DocumentKind.ONE_TIME_NOTICE)

    body = lookup(client, by_id(case)).json()
    assert body["status"] == "awaiting_materials" and body["status_label"] == "待补正材料"
    assert stages(body) == ["received", "notice"]
    missing = body["timeline"][1]["missing"]
    flat = [(item["name"], item["detail"], item["deferrable"]) for entry in missing for item in entry["items"]]
    assert flat == [(e["name"], e["detail"], e["deferrable"]) for e in notice.content["missing"]]
    assert [(entry["label"], entry["one_of"]) for entry in missing] == [
        ("户口簿", False), ("出生证明", True), ("户口簿复印件", False), ("照片或回执", True),
    ]  # fmt: skip
    assert [item["name"] for item in missing[1]["items"]] == ["出生医学证明", "医院出具的出生证明"]

    page = result_section(page_lookup(client, case.number, suffix=ID_NUMBERS[1][-6:]))
    for text in ("待补正材料", "户口簿复印件", "出生医学证明", "医院出具的出生证明", "以下任选其一", "可容缺"):
        assert text in page, text


def test_accepted_shows_the_due_date_and_completion_the_pickup(client, officer, permit_case):
    move(permit_case, officer, "notify")
    items = items_by_name(permit_case.service_type)
    case_record_materials(case=permit_case, actor=officer, provided=[items["居住证明"].pk])
    case = move(permit_case, officer, "accept")

    body = lookup(client, by_id(case)).json()
    assert body["status"] == "accepted" and body["status_label"] == "已受理，正在办理"
    assert body["due_on"] == case.due_on.isoformat() == "2026-12-01"  # 10 working days
    assert stages(body) == ["received", "notice", "materials", "accepted"]
    assert body["timeline"][3]["due_on"] == "2026-12-01"
    page = result_section(page_lookup(client, case.number, suffix=ID_NUMBERS[1][-6:]))
    assert "承诺办结日期" in page and "2026年12月1日" in page

    move(case, officer, "complete")
    body = lookup(client, by_id(case)).json()
    assert body["status"] == "completed" and body["status_label"] == "已办结，请来领取"
    assert body["due_on"] is None
    completed = body["timeline"][-1]
    assert completed["stage"] == "completed"
    assert completed["pickup"] == {
        "station": "东关派出所", "address": "城东区东关大街1号", "hours": HOURS, "window": 3,
        "bring": ["受理回执", "申请人本人的居民身份证"],
    }  # fmt: skip
    page = result_section(page_lookup(client, case.number, suffix=ID_NUMBERS[1][-6:]))
    for text in ("可以领取了", "3号窗口", HOURS, "受理回执", "申请人本人的居民身份证"):
        assert text in page, text

    move(case, officer, "collect")
    body = lookup(client, by_id(case)).json()
    assert body["status"] == "collected"
    assert stages(body)[-2:] == ["completed", "collected"]
    assert "pickup" not in body["timeline"][-2]  # collected: nothing left to pick up


def test_accepted_with_materials_to_follow_shows_them_and_their_deadline(client, officer, window, mixed):
    case = make_case(
        actor=officer, service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"], window=window
    )
    case = move(case, officer, "accept_deficient", commitment_signed=True)
    body = lookup(client, by_id(case)).json()
    assert body["status"] == "accepted_deficient"
    assert body["supplement_due_on"] == case.supplement_due_on.isoformat()
    entry = body["timeline"][-1]
    assert entry["stage"] == "accepted_deficient"
    assert entry["supplement_due_on"] == case.supplement_due_on.isoformat()
    assert [m["label"] for m in entry["missing"]] == ["户口簿复印件", "照片或回执"]


def test_refused_withdrawn_and_suspended_cases_show_the_stage_without_the_reasons(client, officer, permit, window):
    refused = make_case(actor=officer, service_type=permit, window=window)
    move(refused, officer, "reject", legal_basis="《居住证暂行条例》第二条", note=NOTE)
    body = lookup(client, by_id(refused)).json()
    assert body["status"] == "rejected" and stages(body) == ["received", "rejected"]
    assert "不予受理告知书" in body["status_hint"]
    assert NOTE not in str(body) and "第二条" not in str(body)

    withdrawn = make_case(actor=officer, service_type=permit, window=window)
    move(withdrawn, officer, "withdraw", note=NOTE)
    assert stages(lookup(client, by_id(withdrawn)).json()) == ["received", "withdrawn"]

    suspended = make_case(actor=officer, service_type=permit, provided_names=["居民身份证", "居住证明"], window=window)
    move(suspended, officer, "accept")
    suspended = move(suspended, officer, "suspend", note=NOTE)
    body = lookup(client, by_id(suspended)).json()
    assert body["status"] == "suspended" and body["status_label"] == "中止办理"
    assert stages(body) == ["received", "accepted", "suspended"]
    assert NOTE not in str(body)
    move(suspended, officer, "resume")
    assert stages(lookup(client, by_id(suspended)).json())[-1] == "resumed"


def test_the_phone_factor_and_a_lower_case_x(client, officer, permit, window):
    case = make_case(actor=officer, service_type=permit, window=window, id_number=ID_NUMBERS[0], phone=PHONE)
    assert ID_NUMBERS[0].endswith("X")
    assert lookup(client, {"number": case.number, "phone_suffix": "5678"}).status_code == 200
    assert lookup(client, {"number": case.number, "id_suffix": ID_NUMBERS[0][-6:].lower()}).status_code == 200
    assert lookup(client, {"number": f" {case.number.lower()} ", "id_suffix": "31002X"}).status_code == 200
    assert page_lookup(client, case.number, factor="phone", suffix="5678").status_code == 200
    assert "已收件，待受理" in result_section(page_lookup(client, case.number, factor="phone", suffix="5678"))


# --- a wrong number and a wrong factor look the same --------------------------------------------


def test_a_wrong_number_and_a_wrong_factor_give_the_same_answer(client, permit_case):
    other_number = permit_case.number[:-4] + "9999"
    wrong_factor = lookup(client, {"number": permit_case.number, "id_suffix": "000000"})
    wrong_number = lookup(client, {"number": other_number, "id_suffix": ID_NUMBERS[1][-6:]})
    assert wrong_factor.status_code == wrong_number.status_code == 404
    assert wrong_factor.content == wrong_number.content
    assert wrong_factor.json() == {"detail": "未查到匹配的办件，请核对办件编号和验证信息。"}
    assert sorted(wrong_factor.headers.items()) == sorted(wrong_number.headers.items())

    wrong_phone = lookup(client, {"number": permit_case.number, "phone_suffix": "0000"})
    wrong_number_phone = lookup(client, {"number": other_number, "phone_suffix": "5678"})
    assert wrong_phone.content == wrong_number_phone.content == wrong_factor.content

    page_factor = page_lookup(client, permit_case.number, suffix="000000")
    page_number = page_lookup(client, other_number, suffix=ID_NUMBERS[1][-6:])
    assert page_factor.status_code == page_number.status_code == 200
    assert result_section(page_factor) == result_section(page_number)
    assert "未查到匹配的办件，请核对办件编号和验证信息。" in result_section(page_factor)


@pytest.mark.parametrize("factor", ["id_suffix", "phone_suffix"])
def test_a_missing_case_costs_the_same_decryption_and_comparison(monkeypatch, permit_case, factor):
    """No wall clock: both failures run the same steps, a dummy stands in for the missing case."""
    calls = {"decrypt": 0, "compare": 0}
    decrypt, compare = personal_data.decrypt_id_number, status_lookup.compare_digest

    def counting_decrypt(token):
        calls["decrypt"] += 1
        return decrypt(token)

    def counting_compare(a, b):
        calls["compare"] += 1
        return compare(a, b)

    monkeypatch.setattr(personal_data, "decrypt_id_number", counting_decrypt)
    monkeypatch.setattr(status_lookup, "compare_digest", counting_compare)
    wrong = {"id_suffix": "000000"} if factor == "id_suffix" else {"phone_suffix": "0000"}
    expected = {"decrypt": 1 if factor == "id_suffix" else 0, "compare": 1}

    assert status_lookup.case_status_lookup(number=permit_case.number, **wrong) is None
    assert calls == expected
    calls.update(decrypt=0, compare=0)
    assert status_lookup.case_status_lookup(number="S1-20000101-0001", **wrong) is None
    assert calls == expected


def test_a_dummy_that_matches_is_still_no_match(permit_case):
    """The dummy compared for a missing number never turns into a match, whatever was typed."""
    assert status_lookup.case_status_lookup(number="NO-SUCH-CASE", id_suffix="000000") is None
    assert status_lookup.case_status_lookup(number="NO-SUCH-CASE", phone_suffix="0000") is None


# --- nothing personal ---------------------------------------------------------------------------


def test_nothing_personal_leaks(client, officer, permit_case):
    move(permit_case, officer, "notify", note=NOTE)
    api_text = lookup(client, by_id(permit_case)).content.decode()
    page_text = page_lookup(client, permit_case.number, suffix=ID_NUMBERS[1][-6:]).content.decode()
    masked_id = personal_data.mask_id_number(ID_NUMBERS[1])
    for text in (api_text, page_text):
        assert "欧阳**" in text
        for secret in (ID_NUMBERS[1], masked_id, ID_NUMBERS[1][-6:], PHONE, personal_data.mask_phone(PHONE),
                       "欧阳娜娜", "李静", "li-jing-7", "P917301", NOTE):  # fmt: skip
            assert secret not in text, secret


def test_the_page_never_echoes_the_factor_and_takes_only_the_number_from_the_url(client, permit_case):
    response = client.get(PAGE, {"number": permit_case.number, "id_suffix": "31123X", "factor": "phone"})
    page = response.content.decode()
    assert f'value="{permit_case.number}"' in page
    assert "31123X" not in page
    assert 'id="factor-id" checked' in page  # the factor from the URL is ignored

    failed = page_lookup(client, permit_case.number, suffix="98765X").content.decode()
    assert "98765X" not in failed and f'value="{permit_case.number}"' in failed


def test_answers_are_not_cached(client, permit_case):
    for response in (
        page_lookup(client, permit_case.number, suffix=ID_NUMBERS[1][-6:]),
        page_lookup(client, permit_case.number, suffix="000000"),
        lookup(client, by_id(permit_case)),
        lookup(client, by_id(permit_case, id_suffix="000000")),
    ):
        assert "no-store" in response.headers["Cache-Control"]


def test_the_page_needs_the_csrf_token(permit_case):
    strict = Client(enforce_csrf_checks=True)
    data = {"number": permit_case.number, "factor": "id", "id_suffix": ID_NUMBERS[1][-6:]}
    assert strict.post(PAGE, data).status_code == 403
    strict.get(PAGE)
    data["csrfmiddlewaretoken"] = strict.cookies["csrftoken"].value
    response = strict.post(PAGE, data)
    assert response.status_code == 200
    assert "已收件，待受理" in result_section(response)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "S1-1"}, "non_field_errors"),
        ({"number": "S1-1", "id_suffix": "123456", "phone_suffix": "1234"}, "non_field_errors"),
        ({"number": "S1-1", "id_suffix": "12345"}, "id_suffix"),
        ({"number": "S1-1", "id_suffix": "12345Y"}, "id_suffix"),
        ({"number": "S1-1", "phone_suffix": "123"}, "phone_suffix"),
        ({"number": "S1-1", "phone_suffix": "12a4"}, "phone_suffix"),
        ({"number": "S" * 41, "phone_suffix": "1234"}, "number"),
        ({"id_suffix": "123456"}, "number"),
    ],
)
def test_bad_input_is_a_400_that_says_which_field(client, body, field):
    response = lookup(client, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"number=S1-1&id_suffix=123456", "non_field_errors"),  # a form, not JSON
        (b"\xff\xfe", "non_field_errors"),  # not even UTF-8
        (b'["S1-1", "123456"]', "non_field_errors"),  # JSON, but not an object
        (b'{"number": 5, "id_suffix": "123456"}', "number"),
        (b'{"number": "S1-1", "id_suffix": 123456}', "id_suffix"),
    ],
)
def test_a_body_that_is_not_the_json_object_is_a_400(client, body, field):
    response = lookup(client, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_api_takes_only_post(client, permit_case):
    response = client.get(API, {"number": permit_case.number, "id_suffix": ID_NUMBERS[1][-6:]})
    assert response.status_code == 405
    assert response.json()["detail"]


def test_the_page_says_what_is_wrong_with_the_input(client, permit_case):
    page = page_lookup(client, permit_case.number, suffix="12").content.decode()
    assert "请输入身份证号码的后6位（末位可为X）。" in page
    page = page_lookup(client, permit_case.number, factor="phone", suffix="12").content.decode()
    assert "请输入登记手机号码的后4位数字。" in page and 'id="factor-phone" checked' in page


# --- limits -------------------------------------------------------------------------------------


def test_ten_lookups_a_minute_per_address_across_the_page_and_the_api(client, permit_case):
    for _ in range(5):
        assert page_lookup(client, permit_case.number, suffix=ID_NUMBERS[1][-6:]).status_code == 200
        assert lookup(client, by_id(permit_case)).status_code == 200
    page = page_lookup(client, permit_case.number, suffix=ID_NUMBERS[1][-6:])
    assert page.status_code == 429
    assert "请稍后再试" in result_section(page) and "查询过于频繁" in result_section(page)
    assert "已收件" not in page.content.decode()  # not even a right answer gets through
    api = lookup(client, by_id(permit_case))
    assert api.status_code == 429 and api.json() == {"detail": "查询过于频繁，请稍后再试。"}
    assert lookup(client, by_id(permit_case), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(PAGE).status_code == 200  # the form itself is not a lookup


@pytest.mark.parametrize("exists", [True, False])
def test_five_failures_lock_a_number_for_an_hour_even_for_the_right_factor(client, officer, permit, window, exists):
    case = make_case(actor=officer, service_type=permit, window=window)
    number = case.number if exists else case.number[:-4] + "9999"
    start = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert lookup(client, {"number": number, "id_suffix": "000000"}).status_code == 404
        locked = lookup(client, {"number": number, "id_suffix": ID_NUMBERS[1][-6:]})
        assert locked.status_code == 429
        assert locked.json() == {"detail": "该办件编号验证失败次数过多，请一小时后再试。"}
        page = page_lookup(client, number, suffix=ID_NUMBERS[1][-6:])
        assert page.status_code == 429
        assert "请稍后再试" in result_section(page) and "失败次数过多" in result_section(page)
        # Another number is not affected.
        other = make_case(actor=officer, service_type=permit, window=window)
        assert lookup(client, by_id(other)).status_code == 200

    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert lookup(client, {"number": number, "id_suffix": ID_NUMBERS[1][-6:]}).status_code == 429
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert lookup(client, {"number": number, "id_suffix": ID_NUMBERS[1][-6:]}).status_code == (
            200 if exists else 404
        )


def test_a_locked_number_is_not_even_looked_up(permit_case, django_assert_num_queries):
    for _ in range(5):
        assert status_lookup.case_status_lookup(number=permit_case.number, phone_suffix="0000") is None
    with django_assert_num_queries(0), pytest.raises(status_lookup.TooManyFailures):
        status_lookup.case_status_lookup(number=permit_case.number, phone_suffix="5678")


# --- cost ---------------------------------------------------------------------------------------


def test_the_lookup_costs_a_fixed_number_of_queries(officer, permit_case, django_assert_num_queries):
    move(permit_case, officer, "notify")
    items = items_by_name(permit_case.service_type)
    case_record_materials(case=permit_case, actor=officer, provided=[items["居住证明"].pk])
    case = move(move(permit_case, officer, "accept"), officer, "complete")
    with django_assert_num_queries(2):  # the case with its service, station and window; events and notices
        result = status_lookup.case_status_lookup(number=case.number, id_suffix=ID_NUMBERS[1][-6:])
    assert result.status == CaseStatus.COMPLETED and len(result.timeline) == 5
    with django_assert_num_queries(1):
        assert status_lookup.case_status_lookup(number=case.number, id_suffix="000000") is None
    with django_assert_num_queries(1):
        assert status_lookup.case_status_lookup(number="NO-SUCH-CASE", id_suffix="000000") is None


def test_the_page_costs_few_queries(client, permit_case, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        page_lookup(client, permit_case.number, suffix=ID_NUMBERS[1][-6:])


def test_dates_are_the_local_ones(client, officer, permit, window):
    """An event just after midnight in Shanghai is dated that day, not the UTC day before."""
    with time_machine.travel(datetime(2026, 11, 18, 0, 30, tzinfo=SHANGHAI), tick=False):
        case = make_case(actor=officer, service_type=permit, window=window)
        body = lookup(client, by_id(case)).json()
    assert body["timeline"][0]["on"] == date(2026, 11, 18).isoformat()
