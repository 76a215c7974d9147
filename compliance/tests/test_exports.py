"""The downloads: the bulletin and the register as Excel (opened again with openpyxl, cell by cell) and
as PDF (its text extracted with pypdf: the Chinese title and the names are embedded text), each of
exactly the rows within the user's scope."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from compliance.selectors.reports import ALL_COLUMNS, MAIN_COLUMNS, REGISTER_COLUMNS

pytestmark = pytest.mark.django_db

REPORT = "/compliance/reports/2026-10/"
REGISTER = "/compliance/registers/2026-11-29/"


def download(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response


def workbook(response):
    return load_workbook(BytesIO(response.content))


def pdf_text(response) -> str:
    reader = PdfReader(BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def filename(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    return unquote(disposition.split("''", 1)[1])


def values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- the bulletin --------------------------------------------------------------------------------------


def test_the_bulletin_workbook_has_a_chinese_header_and_a_line_per_row(client, staff, report):
    response = download(client, staff["city"], REPORT + "xlsx/")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert filename(response) == "2026年10月户籍窗口月度通报-示范市公安局.xlsx"
    book = workbook(response)
    assert book.sheetnames == ["单位", "窗口", "民警"]

    units = book["单位"]
    header = values(units)[0]
    assert header[:4] == ["名称", "收件", "受理", "办结"]
    assert header == ["名称", *[str(c.label) for c in ALL_COLUMNS]]
    assert "按时办结率" in header and "满意率" in header and "评价覆盖率" in header
    assert [row[0] for row in values(units)[1:]] == ["示范市公安局", "城东分局", "东关派出所", "城西分局", "西湖派出所"]
    assert units.freeze_panes == "B2"
    assert units.column_dimensions["A"].width == 26
    assert units["A3"].alignment.indent == 1 and units["A4"].alignment.indent == 2

    city = dict(zip(header, values(units)[1], strict=True))
    assert (city["收件"], city["办结"], city["评价"], city["差评"]) == (4, 4, 2, 1)
    assert city["满意率"] == 0.5 and city["评价覆盖率"] == 0.5 and city["按时办结率"] == 1
    satisfaction = units.cell(row=2, column=header.index("满意率") + 1)
    assert satisfaction.number_format == "0.0%"
    assert units.cell(row=2, column=header.index("办结") + 1).number_format == "0"
    west = dict(zip(header, values(units)[5], strict=True))
    assert west["满意率"] is None and west["评价覆盖率"] == 0  # nothing to rate by: an empty cell

    windows = values(book["窗口"])
    assert windows[0][:3] == ["名称", "派出所", "收件"]
    assert windows[1][:2] == ["1号窗口（综合受理）", "东关派出所"] and len(windows) == 2
    officers = values(book["民警"])
    assert sorted(row[1] for row in officers[1:]) == ["东关派出所", "东关派出所", "西湖派出所"]
    assert staff["officer"].get_full_name() in [row[0] for row in officers]


def test_the_bulletin_pdf_has_the_title_the_unit_and_the_rows_as_text(client, staff, report):
    response = download(client, staff["city"], REPORT + "pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert filename(response) == "2026年10月户籍窗口月度通报-示范市公安局.pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = pdf_text(response)
    assert "2026年10月 户籍窗口月度通报" in text
    for name in ("示范市公安局", "城东分局", "东关派出所", "西湖派出所", "1号窗口（综合受理）"):
        assert name in text
    for column in MAIN_COLUMNS[:3]:
        assert str(column.label) in text
    assert "50.0%" in text  # the city's satisfaction


def test_a_station_supervisor_downloads_only_their_stations_rows(client, staff, report):
    book = workbook(download(client, staff["chief"], REPORT + "xlsx/"))
    assert [row[0] for row in values(book["单位"])[1:]] == ["东关派出所"]
    assert [row[1] for row in values(book["窗口"])[1:]] == ["东关派出所"]
    assert {row[1] for row in values(book["民警"])[1:]} == {"东关派出所"}
    everything = str([values(sheet) for sheet in book])
    assert "西湖派出所" not in everything and "示范市公安局" not in everything

    response = download(client, staff["chief"], REPORT + "pdf/")
    assert filename(response) == "2026年10月户籍窗口月度通报-东关派出所.pdf"
    text = pdf_text(response)
    assert "东关派出所" in text and "2026年10月 户籍窗口月度通报" in text
    assert "西湖派出所" not in text and "城东分局" not in text


def test_a_district_supervisor_downloads_their_district(client, staff, report):
    book = workbook(download(client, staff["other_district"], REPORT + "xlsx/"))
    assert [row[0] for row in values(book["单位"])[1:]] == ["城西分局", "西湖派出所"]
    assert values(book["窗口"])[1:] == []


# --- the register --------------------------------------------------------------------------------------


def test_the_register_workbook_and_pdf(client, staff, register, appeals):
    response = download(client, staff["city"], REGISTER + "xlsx/")
    assert filename(response) == "群众诉求未结事项登记表-20261129-示范市公安局.xlsx"
    sheet = workbook(response).active
    rows = values(sheet)
    assert rows[0] == ["序号", *[str(c.label) for c in REGISTER_COLUMNS]]
    assert rows[0][:6] == ["序号", "受理编号", "反映单位", "反映渠道", "类别", "联系人"]
    assert [row[1] for row in rows[1:]] == [
        appeals["old"].reference, appeals["taken"].reference, appeals["elsewhere"].reference,
    ]  # fmt: skip
    assert rows[1][:6] == [1, appeals["old"].reference, "东关派出所", "网上反映", "办不成事", "王**"]
    assert rows[1][-1] == 23 and rows[3][-1] == 0
    assert sheet.freeze_panes == "B2"
    assert "王小明" not in str(rows) and "欧阳娜娜" not in str(rows)

    response = download(client, staff["city"], REGISTER + "pdf/")
    text = pdf_text(response)
    assert "群众诉求未结事项登记表" in text and "2026年11月29日" in text and "报送日期 2026-11-27" in text
    assert appeals["old"].reference in text and "西湖派出所" in text and "欧阳**" in text


def test_a_station_supervisor_downloads_only_their_stations_appeals(client, staff, register, appeals):
    rows = values(workbook(download(client, staff["chief"], REGISTER + "xlsx/")).active)
    assert [row[1] for row in rows[1:]] == [appeals["old"].reference, appeals["taken"].reference]
    text = pdf_text(download(client, staff["chief"], REGISTER + "pdf/"))
    assert appeals["old"].reference in text and appeals["elsewhere"].reference not in text
    assert "西湖派出所" not in text
