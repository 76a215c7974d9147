"""The bulletins and registers as files: an Excel workbook (openpyxl) and a PDF (WeasyPrint, from an HTML
template, its Chinese text embedded with Debian's fonts-noto-cjk, as hukou's documents are made).

Both carry exactly the rows given: the caller passes the rows within the user's scope.
"""

from __future__ import annotations

from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from compliance.models import AppealRegister, MonthlyReport
from compliance.selectors.reports import ALL_COLUMNS, MAIN_COLUMNS, REGISTER_COLUMNS, Column, Table, register_values
from windows.models import Unit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"

REPORT_TITLE = "%(year)s年%(month)s月 户籍窗口月度通报"
REGISTER_TITLE = "群众诉求未结事项登记表"
REGISTER_SUBTITLE = "%(year)s年%(month)s月%(day)s日"

PERCENT_FORMAT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_FONT = Font(bold=True)
THIN = Side(style="thin", color="999999")
HEADER_BORDER = Border(bottom=THIN)
# Column widths in characters: a CJK character counts about two.
NAME_WIDTH = 26
FIGURE_WIDTH = 11
REGISTER_WIDTHS = {"reference": 20, "station": 16, "content": 60, "received_on": 12, "due_on": 12}


def report_title(report: MonthlyReport) -> str:
    return _(REPORT_TITLE) % {"year": report.month.year, "month": report.month.month}


def register_subtitle(register: AppealRegister) -> str:
    day = register.period_day
    return _(REGISTER_SUBTITLE) % {"year": day.year, "month": day.month, "day": day.day}


def report_filename(report: MonthlyReport, unit: Unit, extension: str) -> str:
    return f"{report.month:%Y年%m月}户籍窗口月度通报-{unit.name}.{extension}"


def register_filename(register: AppealRegister, unit: Unit, extension: str) -> str:
    return f"群众诉求未结事项登记表-{register.period_day:%Y%m%d}-{unit.name}.{extension}"


def attachment(filename: str) -> str:
    """A Content-Disposition header that keeps a Chinese file name (RFC 6266 ``filename*``) and gives
    old clients an ASCII one."""
    return content_disposition_header(as_attachment=True, filename=filename)


# --- Excel ----------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def _header(sheet, labels: list[str], widths: list[int]) -> None:
    sheet.append(labels)
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 32


def _number_format(column: Column) -> str:
    return PERCENT_FORMAT if column.kind == "rate" else "0"


def _workbook(title: str, unit: Unit) -> Workbook:
    """An empty workbook (no sheet yet) titled for ``unit``."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = title
    workbook.properties.creator = unit.name
    return workbook


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_workbook(report: MonthlyReport, unit: Unit, tables: list[Table]) -> bytes:
    """One sheet per kind of row (units, windows, officers): a Chinese header row, one line per frozen
    row with every figure, rates as percentages, the header and name column frozen."""
    workbook = _workbook(report_title(report), unit)
    columns: list[Column] = ALL_COLUMNS
    for table in tables:
        sheet = workbook.create_sheet(title=table.title)
        station_column = table.kind != "unit"
        labels = [_("名称")] + ([_("派出所")] if station_column else []) + [str(c.label) for c in columns]
        widths = (
            [NAME_WIDTH]
            + ([18] if station_column else [])
            + [max(FIGURE_WIDTH, min(18, _width(c.label) // 2 + 2)) for c in columns]
        )
        _header(sheet, labels, widths)
        first_figure = 3 if station_column else 2
        for line in table.rows:
            sheet.append([line.row.name] + ([line.row.unit.name] if station_column else []) + line.raw)
            r = sheet.max_row
            if line.depth:
                sheet.cell(row=r, column=1).alignment = Alignment(indent=line.depth)
            elif not station_column:
                sheet.cell(row=r, column=1).font = HEADER_FONT  # the top unit of the scope
            for offset, column in enumerate(columns):
                sheet.cell(row=r, column=first_figure + offset).number_format = _number_format(column)
    if not workbook.sheetnames:
        workbook.create_sheet(title=_("单位"))
    return _save(workbook)


def register_workbook(register: AppealRegister, unit: Unit, rows: list) -> bytes:
    """The register's rows as one sheet: a Chinese header, one line per unresolved appeal."""
    workbook = _workbook(f"{_(REGISTER_TITLE)} {register_subtitle(register)}", unit)
    sheet = workbook.create_sheet(title=register.period_day.strftime("%Y-%m-%d"))
    labels = [_("序号")] + [str(c.label) for c in REGISTER_COLUMNS]
    widths = [6] + [REGISTER_WIDTHS.get(c.key, max(10, _width(c.label) + 2)) for c in REGISTER_COLUMNS]
    _header(sheet, labels, widths)
    content_index = 2 + [c.key for c in REGISTER_COLUMNS].index("content")
    for number, row in enumerate(rows, start=1):
        sheet.append([number] + [row.values.get(c.key) for c in REGISTER_COLUMNS])
        sheet.cell(row=sheet.max_row, column=content_index).alignment = Alignment(wrap_text=True, vertical="top")
    return _save(workbook)


# --- PDF -----------------------------------------------------------------------------------------------


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time that other pages need not pay

    return HTML(string=html).write_pdf()


def report_html(report: MonthlyReport, unit: Unit, tables: list[Table], *, request=None) -> str:
    context = {
        "title": report_title(report),
        "report": report,
        "unit": unit,
        "columns": MAIN_COLUMNS,
        "tables": [table for table in tables if table.rows],
        "printed_at": timezone.localtime(),
    }
    return render_to_string("compliance/reports/report_pdf.html", context, request=request)


def report_pdf(report: MonthlyReport, unit: Unit, tables: list[Table], *, request=None) -> bytes:
    """A4 landscape: the title, the unit, and the main figures of each row in tables by kind."""
    return _pdf(report_html(report, unit, tables, request=request))


def register_html(register: AppealRegister, unit: Unit, rows: list, *, request=None) -> str:
    context = {
        "title": _(REGISTER_TITLE),
        "subtitle": register_subtitle(register),
        "register": register,
        "unit": unit,
        "columns": REGISTER_COLUMNS,
        "rows": register_values(rows),
        "printed_at": timezone.localtime(),
    }
    return render_to_string("compliance/reports/register_pdf.html", context, request=request)


def register_pdf(register: AppealRegister, unit: Unit, rows: list, *, request=None) -> bytes:
    return _pdf(register_html(register, unit, rows, request=request))
