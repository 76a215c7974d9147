"""The public service guide and its self-check, without a browser."""

import pytest

from hukou.tests.factories import items_by_name

pytestmark = pytest.mark.django_db


def test_the_guide_lists_services_by_category_without_sign_in(client, permit, mixed):
    response = client.get("/guide/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "居住证申领（一年期）" in page and "出生登记测试" in page
    assert page.index("居住登记与居住证") < page.index("证明与变更")  # categories in the catalog's order
    assert "10个工作日" in page


def test_the_guide_search_is_a_chinese_substring_of_names_and_materials(client, permit, mixed):
    by_name = client.get("/guide/", {"q": "居住证"}).content.decode()
    assert "居住证申领（一年期）" in by_name and "出生登记测试" not in by_name

    by_material = client.get("/guide/", {"q": "监护人"}).content.decode()
    assert "出生登记测试" in by_material and "居住证申领（一年期）" not in by_material

    nothing = client.get("/guide/", {"q": "护照"}).content.decode()
    assert "没有找到相关事项" in nothing


def test_the_guide_search_answers_htmx_with_the_results_only(client, permit):
    response = client.get("/guide/", {"q": "居住"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="guide-results"')
    assert "<html" not in page


def test_a_category_filter_and_a_bad_category_is_ignored(client, permit, mixed):
    only_residence = client.get("/guide/", {"category": "residence"}).content.decode()
    assert "居住证申领（一年期）" in only_residence and "出生登记测试" not in only_residence
    assert client.get("/guide/", {"category": "nonsense"}).status_code == 200


def test_the_detail_page_shows_the_materials_marked(client, permit):
    response = client.get("/guide/residence-permit-1y/")
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("居民身份证", "婚育证明", "申请人为育龄妇女时提供", "任选其一", "居住或务工就学证明（任选其一）",
                 "免费", "《居住证暂行条例》", "10个工作日"):  # fmt: skip
        assert text in page, text


def test_an_unknown_or_inactive_service_is_404(client, permit):
    assert client.get("/guide/no-such-thing/").status_code == 404
    permit.active = False
    permit.save()
    assert client.get("/guide/residence-permit-1y/").status_code == 404


def check(client, service_type, names=(), htmx=True, **facts):
    items = items_by_name(service_type)
    params = {"check": "1", "provided": [items[n].pk for n in names]}
    params.update({f"fact_{k}": v for k, v in facts.items()})
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(f"/guide/{service_type.code}/", params, headers=headers)


def test_the_self_check_answers_missing_then_complete(client, permit):
    missing = check(client, permit, ["居民身份证"], childbearing_age_woman="no").content.decode()
    assert "还缺" in missing and "居住或务工就学证明（任选其一）" in missing
    assert missing.lstrip().startswith('<div id="check-result"')

    complete = check(client, permit, ["居民身份证", "居住证明"], childbearing_age_woman="no").content.decode()
    assert "材料齐全" in complete

    woman = check(client, permit, ["居民身份证", "居住证明"], childbearing_age_woman="yes").content.decode()
    assert "还缺" in woman and "婚育证明" in woman


def test_the_self_check_says_what_to_bring_later_for_accept_deficient(client, mixed):
    page = check(client, mixed, ["身份证", "户口簿", "出生医学证明"], minor="no", by_agent="no").content.decode()
    assert "可容缺受理" in page
    assert "户口簿复印件" in page and "照片或回执（任选其一）" in page


def test_the_self_check_works_without_javascript(client, permit):
    response = check(client, permit, ["居民身份证", "居住证明"], htmx=False, childbearing_age_woman="no")
    page = response.content.decode()
    assert "<html" in page and "材料齐全" in page
    assert "checked" in page


def test_bad_self_check_input_gets_a_message_not_a_500(client, permit, mixed):
    foreign = mixed.items.first().pk
    for params in ({"provided": "abc"}, {"provided": str(foreign)}, {"fact_childbearing_age_woman": "maybe"}):
        response = client.get(f"/guide/{permit.code}/", {"check": "1", **params}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "无法检查" in response.content.decode()


def test_the_guide_pages_are_rate_limited(client, settings, permit):
    settings.RATELIMIT_PUBLIC = "3/m"
    for _ in range(3):
        assert client.get("/guide/").status_code == 200
    response = client.get(f"/guide/{permit.code}/")
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()


def test_the_detail_page_costs_a_fixed_number_of_queries(client, permit, mixed, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        check(client, mixed, ["身份证"], minor="yes")
