"""Case documents: the 补正材料通知书 (一次性告知), the 不予受理告知书, the 容缺受理承诺书 and the 受理回执, as a
printable page and as a PDF with the Chinese text embedded, for the issuing unit's staff only."""

import io
import re

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from pypdf import PdfReader

from hukou import documents
from hukou.models import CaseDocument, ChecklistItem, DocumentKind
from hukou.services import case_transition, checklist_decide
from hukou.services.cases import NOTICE_LEGAL_BASIS
from hukou.tests.factories import RESIDENCE_PERMIT_1Y, items_by_name, make_case, make_service_type
from windows.models import Unit

pytestmark = pytest.mark.django_db

NOTE = "工作日上午窗口人少，建议上午前来"
REFUSAL_BASIS = "《中华人民共和国户口登记条例》第十条"
REFUSAL_REASON = "申请人户籍不在本所辖区"


def notify(case, actor, note=NOTE) -> CaseDocument:
    case_transition(case=case, actor=actor, action="notify", note=note)
    return CaseDocument.objects.get(case=case, kind=DocumentKind.ONE_TIME_NOTICE)


def page_of(client, user, document) -> str:
    client.force_login(user)
    response = client.get(reverse("hukou:document", args=[document.number]))
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, testid: str) -> str:
    """The element marked ``data-testid=testid``, up to its closing tag (tables and divs here do not nest)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, testid
    return match.group(2)


def listed_item_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-item-id="(\d+)"', section(page, "missing"))]


def pdf_text(pdf: bytes) -> str:
    """All the text of the PDF, whitespace removed (extraction may break lines anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(pdf: bytes) -> list[tuple[str, set[str]]]:
    """(base font name, the font-file keys of its descriptor) for every font used on every page."""
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            files = {key for key in ("/FontFile", "/FontFile2", "/FontFile3") if descriptor and key in descriptor}
            fonts.append((str(font["/BaseFont"]), files))
    return fonts


# --- the one-time notice ------------------------------------------------------------------------


def test_the_notice_lists_exactly_the_missing_checklist_items(client, staff, mixed):
    handed = ["身份证", "照相回执"]
    facts = {"minor": True, "by_agent": False}
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=handed, facts=facts)
    document = notify(case, staff["officer"])
    items = items_by_name(mixed)
    decision = checklist_decide(service_type=mixed, provided=[items[n].pk for n in handed], facts=facts)

    page = page_of(client, staff["officer"], document)
    expected = [item.pk for item in (*decision.missing_items, *decision.deferrable_missing_items)]
    assert sorted(listed_item_ids(page)) == sorted(expected)
    assert len(re.findall(r"data-requirement=", page)) == len(decision.missing) + len(decision.deferrable_missing)
    missing = section(page, "missing")
    for name in ("户口簿", "户口簿复印件", "监护人身份证", "出生医学证明", "医院出具的出生证明"):
        assert f">{name}<" in missing or f"）{name}<" in missing, name
    # Handed over, not applicable, or a one-of group already satisfied: not asked for.
    for name in ("委托书", "照片", "照相回执"):
        assert name not in missing, name
    assert f">{items['身份证'].name}<" not in missing
    assert "申请人未满16周岁" in missing  # the condition of the guardian's ID card
    assert "可容缺" in missing  # 户口簿复印件 may follow later


def test_a_one_of_group_is_one_requirement(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    page = page_of(client, staff["officer"], notify(case, staff["officer"]))

    missing = section(page, "missing")
    assert len(re.findall(r"data-requirement=", missing)) == 1
    assert "居住或务工就学证明（以下任选其一）" in re.sub(r"<[^>]+>", "", missing)
    assert 'rowspan="5"' in missing  # the number spans the group's line and its four options
    for name in ("房屋租赁合同", "居住证明", "务工经商证明", "就医、就学证明"):
        assert name in missing
    assert "婚育证明" not in page  # its condition was answered no


def test_the_note_is_printed_as_a_note_and_not_as_a_requirement(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    page = page_of(client, staff["officer"], notify(case, staff["officer"]))

    assert NOTE in section(page, "note")
    assert "备注" in section(page, "note")
    assert NOTE not in section(page, "missing")
    assert page.index(section(page, "missing")) < page.index(NOTE)


def test_without_a_note_there_is_no_note(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    page = page_of(client, staff["officer"], notify(case, staff["officer"], note=""))
    assert 'data-testid="note"' not in page


def test_the_notice_has_what_a_补正材料通知书_has(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    content = document.content
    page = page_of(client, staff["officer"], document)

    year, sequence = content["issued_on"][:4], document.number[-5:]
    assert f"（东关派出所）补正字〔{year}〕第{sequence}号" in page
    assert document.number in section(page, "number")
    for text in (
        "补正材料通知书",
        "一次性告知",
        "张三",
        content["phone_masked"],
        content["id_number_masked"],
        "居住证申领（一年期）",
        "经审查，您提交的申请材料不齐全",
        "请补正以下全部材料",
        "不会再要求您提供其他任何材料",
        NOTICE_LEGAL_BASIS,
        "《居住证暂行条例》",
        content["officer_police_number"],
        content["where_when"],
        "（盖章）",
        "申请人签收",
        "申请人（签名）",
    ):
        assert text in page, text
    assert "13800138000" not in page  # the phone is masked
    assert 'onclick="window.print()"' in page and ".toolbar { display: none; }" in page


def test_the_notice_is_rendered_from_its_snapshot_not_the_live_catalog(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    ChecklistItem.objects.filter(service_type=permit, name="居住证明").update(name="改过的名称")
    Unit.objects.filter(pk=case.station_id).update(name="改名派出所")

    page = page_of(client, staff["officer"], document)
    assert "居住证明" in page and "改过的名称" not in page
    assert "东关派出所" in page and "改名派出所" not in page


def test_the_reference_is_derived_from_the_stored_number():
    def reference(number, kind=DocumentKind.ONE_TIME_NOTICE, issued_on="2026-03-05"):
        document = CaseDocument(
            number=number, kind=kind, content={"station_name": "东关派出所", "issued_on": issued_on}
        )
        return documents.document_reference(document)

    assert reference("BZS1202600001") == "（东关派出所）补正字〔2026〕第00001号"
    assert reference("BY370102001202600012", DocumentKind.REFUSAL_NOTICE) == "（东关派出所）不予受理字〔2026〕第00012号"
    assert reference("CNS1202600003", DocumentKind.COMMITMENT) == "（东关派出所）容缺承字〔2026〕第00003号"
    assert reference("odd-number") == "odd-number"
    assert reference("BZS1202600001", issued_on="2027-01-04") == "BZS1202600001"


# --- the refusal notice and the commitment -----------------------------------------------------


def test_the_refusal_notice_states_reason_legal_basis_and_remedies(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    case_transition(case=case, actor=staff["officer"], action="reject", legal_basis=REFUSAL_BASIS, note=REFUSAL_REASON)
    document = CaseDocument.objects.get(case=case, kind=DocumentKind.REFUSAL_NOTICE)
    page = page_of(client, staff["officer"], document)

    assert "不予受理告知书" in page
    assert f"（东关派出所）不予受理字〔{document.content['issued_on'][:4]}〕" in page
    assert REFUSAL_BASIS in section(page, "legal-basis")
    assert REFUSAL_REASON in section(page, "reason")
    assert "依法申请行政复议或者提起行政诉讼" in page
    assert "（盖章）" in page and "申请人（签名）" in page

    pdf = client.get(reverse("hukou:document_pdf", args=[document.number])).content
    text = pdf_text(pdf)
    for expected in ("不予受理告知书", "张三", REFUSAL_BASIS, "行政复议", "行政诉讼"):
        assert expected in text, expected


def test_the_commitment_lists_the_deferred_materials_and_the_deadline(client, staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept_deficient", commitment_signed=True)
    document = CaseDocument.objects.get(case=case, kind=DocumentKind.COMMITMENT)
    page = page_of(client, staff["officer"], document)

    deferred = section(page, "deferred")
    for name in ("户口簿复印件", "照片", "照相回执"):
        assert name in deferred, name
    assert "以下任选其一" in deferred
    assert "出生医学证明" not in deferred
    due = case.supplement_due_on
    assert f"{due.year}年{due.month}月{due.day}日" in section(page, "supplement-due")
    assert section(page, "signed-at").startswith(f"{case.commitment_signed_at.year}年")
    for text in ("容缺受理承诺书", "本人郑重承诺", "由此产生的后果由本人承担", "承诺人（签名）"):
        assert text in page, text


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_is_an_attachment_with_the_chinese_text_embedded(client, staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证", "照相回执"])
    document = notify(case, staff["officer"])
    client.force_login(staff["officer"])
    response = client.get(reverse("hukou:document_pdf", args=[document.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{document.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")

    first_page = re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "补正材料通知书" in first_page and "张三" in first_page
    text = pdf_text(pdf)
    for entry in document.content["missing"]:
        assert entry["name"] in text, entry["name"]
    assert NOTE in text and text.index("备注") < text.index(NOTE)

    fonts = pdf_fonts(pdf)
    cjk = [(name, files) for name, files in fonts if "CJK" in name]
    assert cjk, fonts
    assert all(files & {"/FontFile2", "/FontFile3"} for _, files in cjk)  # embedded, not merely named


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "officer2", "auxiliary", "chief", "district", "city"])
def test_the_issuing_unit_and_the_units_above_see_it(client, staff, permit, who):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    client.force_login(staff[who])
    assert client.get(reverse("hukou:document", args=[document.number])).status_code == 200
    if who in ("officer2", "district"):
        assert client.get(reverse("hukou:document_pdf", args=[document.number])).status_code == 200


@pytest.mark.parametrize("who", ["other_officer", "other_district"])
def test_another_unit_gets_404_for_page_and_pdf(client, staff, permit, who):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    client.force_login(staff[who])
    assert client.get(reverse("hukou:document", args=[document.number])).status_code == 404
    assert client.get(reverse("hukou:document_pdf", args=[document.number])).status_code == 404
    assert client.get(reverse("hukou:document", args=["BZS1202699999"])).status_code == 404


def test_anonymous_is_sent_to_sign_in_and_non_staff_are_refused(client, staff, permit, django_user_model):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    for name in ("hukou:document", "hukou:document_pdf"):
        url = reverse(name, args=[document.number])
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    client.force_login(django_user_model.objects.create_user("citizen", password="x-Pass-2026!"))
    assert client.get(reverse("hukou:document", args=[document.number])).status_code == 403


# --- the acceptance receipt and the lookup QR code ----------------------------------------------

STEPS = [
    "申请人携带材料到窗口提交申请",
    "民警审核材料，出具受理回执",
    "派出所初审后报县级公安机关户政部门审批",
    "审批同意的，通知申请人到窗口领取",
]


@pytest.fixture
def approved(db):
    """The one-year permit with the steps of its process and a supervisor's approval before it is done."""
    return make_service_type(RESIDENCE_PERMIT_1Y, process=STEPS, needs_supervisor_approval=True)


def receipt_of(case) -> CaseDocument:
    return CaseDocument.objects.get(case=case, kind=DocumentKind.RECEIPT)


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def expected_qr(url: str) -> str:
    """The QR code of ``url`` drawn independently of hukou.documents, with the parameters the documents use."""
    return segno.make_qr(url, error="m").svg_inline(border=4, omitsize=True, svgclass="qr", title="扫码查询办理进度")


def test_acceptance_issues_a_receipt_with_the_number_the_due_date_and_what_happens_next(client, staff, approved):
    case = make_case(actor=staff["officer"], service_type=approved, provided_names=["居民身份证", "居住证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept")
    document = receipt_of(case)
    page = page_of(client, staff["officer"], document)

    assert document.number.startswith("SL")
    assert f"（东关派出所）受理字〔{document.content['issued_on'][:4]}〕第{document.number[-5:]}号" in page
    assert section(page, "case-number") == case.number
    assert section(page, "due-on") == chinese_date(case.due_on)
    assert section(page, "accepted-on") == chinese_date(case.accepted_on)
    assert "10个工作日" in section(page, "time-limit")
    received = section(page, "received")
    assert "居民身份证" in received and "居住证明" in received
    assert chinese_date(case.materials_received_on) in received
    next_steps = section(page, "next-steps")
    assert re.findall(r"<li>(.*?)</li>", next_steps) == STEPS
    assert "须经审批" in next_steps
    assert 'data-testid="deferred"' not in page and 'data-testid="supplement"' not in page
    for text in (
        "受理回执",
        "居住证申领（一年期）",
        "张三",
        document.content["phone_masked"],
        "（盖章）",
        "查询办理进度",
    ):
        assert text in page, text
    assert "13800138000" not in page

    client.force_login(staff["officer"])
    text = pdf_text(client.get(reverse("hukou:document_pdf", args=[document.number])).content)
    for expected in ("受理回执", case.number, chinese_date(case.due_on), STEPS[2], "查询办理进度"):
        assert expected in text, expected


def test_a_receipt_without_approval_does_not_mention_it(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证", "居住证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept")
    page = page_of(client, staff["officer"], receipt_of(case))
    assert "审批" not in page


def test_the_deficient_acceptance_receipt_lists_what_is_still_owed_and_by_when(client, staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept_deficient", commitment_signed=True)
    page = page_of(client, staff["officer"], receipt_of(case))

    assert "予以容缺受理" in section(page, "decision")
    deferred = section(page, "deferred")
    for name in ("户口簿复印件", "照片", "照相回执"):
        assert name in deferred, name
    received = section(page, "received")
    for name in ("身份证", "户口簿", "出生医学证明"):
        assert f">{name}<" in received, name
    assert "户口簿复印件" not in received
    assert chinese_date(case.supplement_due_on) in section(page, "supplement")
    assert chinese_date(case.supplement_due_on) in section(page, "key-facts")
    assert section(page, "due-on") == chinese_date(case.due_on)


def test_the_receipt_qr_code_opens_the_lookup_with_the_case_number(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证", "居住证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept")
    page = page_of(client, staff["officer"], receipt_of(case))

    url = f"http://testserver/status/?number={case.number}"
    assert section(page, "lookup-qr").strip() == expected_qr(url)
    assert expected_qr(f"http://testserver/status/?number={case.number}X") != expected_qr(url)  # it encodes the URL
    assert "testserver/status/ 输入办件编号及身份证号后6位" in section(page, "lookup-hint")


def test_the_qr_code_uses_the_public_address_when_one_is_set(client, staff, permit, settings):
    settings.PUBLIC_BASE_URL = "https://hukou.example.gov.cn/"
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证", "居住证明"])
    case = case_transition(case=case, actor=staff["officer"], action="accept")
    page = page_of(client, staff["officer"], receipt_of(case))

    assert section(page, "lookup-qr").strip() == expected_qr(
        f"https://hukou.example.gov.cn/status/?number={case.number}"
    )
    assert "访问 hukou.example.gov.cn/status/ 输入" in page
    assert "testserver" not in section(page, "key-facts")


def test_the_notice_carries_the_same_qr_code(client, staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证"])
    document = notify(case, staff["officer"])
    page = page_of(client, staff["officer"], document)

    assert section(page, "lookup-qr").strip() == expected_qr(f"http://testserver/status/?number={case.number}")
    assert "访问 testserver/status/ 输入办件编号及身份证号后6位" in section(page, "lookup-hint")
    assert f'办件编号：<span class="case-number">{case.number}</span>' in page[page.index('data-testid="lookup"') :]
    text = pdf_text(client.get(reverse("hukou:document_pdf", args=[document.number])).content)
    assert "查询办理进度" in text and "身份证号后6位" in text


def test_the_refusal_and_the_commitment_have_no_qr_code(client, staff, mixed):
    case = make_case(actor=staff["officer"], service_type=mixed, provided_names=["身份证", "户口簿", "出生医学证明"])
    case_transition(case=case, actor=staff["officer"], action="accept_deficient", commitment_signed=True)
    page = page_of(client, staff["officer"], CaseDocument.objects.get(case=case, kind=DocumentKind.COMMITMENT))
    assert "<svg" not in page


def test_a_qr_code_needs_an_address(staff, permit, settings):
    case = make_case(actor=staff["officer"], service_type=permit, provided_names=["居民身份证", "居住证明"])
    document = receipt_of(case_transition(case=case, actor=staff["officer"], action="accept"))
    with pytest.raises(ImproperlyConfigured):
        documents.document_html(document)
    settings.PUBLIC_BASE_URL = "https://hukou.example.gov.cn"
    assert f"https://hukou.example.gov.cn/status/?number={case.number}" == documents.lookup_url(None, case.number)
    assert expected_qr(documents.lookup_url(None, case.number)) in documents.document_html(document)
