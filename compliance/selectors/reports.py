"""Reads of the frozen bulletins and registers, always within the user's scope: a supervisor sees the
rows of their unit and what lies below it (a station supervisor: their station's rows only).

The columns shown (on the page, in the Excel file and in the PDF) are listed here once, with how each
value is formatted; the counts are labelled by :data:`compliance.figures.FIGURES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from compliance.figures import FIGURES, month_or_none
from compliance.models import AppealRegister, AppealRegisterRow, MonthlyReport, ReportBuild, ReportRow, ReportRowKind
from windows.access import scope_root
from windows.models import Unit

# Supervisors and admins read the bulletins and registers; counter staff do not.

DAY_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count | rate (a share, shown as a percentage) | days (working days)
    short: str = ""  # a narrower header for the page's table (the full label is its tooltip)

    @property
    def heading(self) -> str:
        return self.short or self.label

    def display(self, value) -> str:
        if value is None or value == "":
            return "—"
        if self.kind == "rate":
            return f"{value * 100:.1f}%"
        return str(value)


def _count(key: str) -> Column:
    return Column(key, FIGURES[key].label)


RATE_LABELS = {
    "on_time_rate": _("按时办结率"),
    "one_trip_rate": _("一次办结率"),
    "supplement_on_time_rate": _("容缺按期补齐率"),
    "coverage": _("评价覆盖率"),
    "satisfaction": _("满意率"),
    "rectified_in_time_rate": _("差评按期整改率"),
    "appeals_in_time_rate": _("诉求按期办结率"),
    "calls_rate": _("回访完成率"),
}


def _rate(key: str) -> Column:
    return Column(key, RATE_LABELS[key], "rate")


# The main figures: the page's tables and the PDF (one A4 landscape line each).
MAIN_COLUMNS = [
    _count("received"),
    _count("accepted"),
    _count("completed"),
    _rate("on_time_rate"),
    _count("completed_late"),
    _count("overdue"),
    Column("median_days", _("办结用时中位数（工作日）"), "days", _("用时中位数")),
    _rate("one_trip_rate"),
    Column("three_trips", FIGURES["three_trips"].label, short=_("跑动≥3次")),
    _count("notices"),
    _count("deficient"),
    _rate("coverage"),
    _rate("satisfaction"),
    _count("bad"),
    Column("rectified_in_time_rate", RATE_LABELS["rectified_in_time_rate"], "rate", _("按期整改率")),
    _count("appeals"),
    _count("appeals_open"),
    _rate("calls_rate"),
]

# Every figure of a row: the Excel file.
ALL_COLUMNS = [
    _count("received"),
    _count("accepted"),
    _count("completed"),
    _count("completed_on_time"),
    _rate("on_time_rate"),
    _count("completed_late"),
    _count("overdue"),
    Column("median_days", _("办结用时中位数（工作日）"), "days"),
    Column("p90_days", _("办结用时90%分位（工作日）"), "days"),
    _count("one_trip"),
    _rate("one_trip_rate"),
    _count("three_trips"),
    _count("notices"),
    _count("deficient"),
    _count("supplied_on_time"),
    _count("supplement_pending"),
    _rate("supplement_on_time_rate"),
    _count("rated"),
    _rate("coverage"),
    _count("ratings"),
    _count("satisfied"),
    _rate("satisfaction"),
    _count("bad"),
    _count("bad_rectified_in_time"),
    _rate("rectified_in_time_rate"),
    _count("appeals"),
    _count("appeals_in_time"),
    _rate("appeals_in_time_rate"),
    _count("appeals_open"),
    _count("calls_planned"),
    _count("calls_made"),
    _rate("calls_rate"),
]

# The register's columns: AppealRegisterRow.values keys (compliance.services.registers.VALUE_KEYS).
REGISTER_COLUMNS = [
    Column("reference", _("受理编号")),
    Column("station", _("反映单位")),
    Column("source", _("反映渠道")),
    Column("category", _("类别")),
    Column("contact_name", _("联系人")),
    Column("content", _("反映内容")),
    Column("received_on", _("反映日期")),
    Column("due_on", _("办理期限")),
    Column("status", _("状态")),
    Column("handler", _("承办人")),
    Column("days_late", _("逾期（工作日）"), "days", _("逾期工作日")),
]

KIND_TITLES = {
    ReportRowKind.UNIT: _("单位"),
    ReportRowKind.WINDOW: _("窗口"),
    ReportRowKind.OFFICER: _("民警"),
}
KIND_ORDER = {ReportRowKind.UNIT: ("unit_path",), ReportRowKind.WINDOW: ("unit_path", "window__number", "name"),
              ReportRowKind.OFFICER: ("unit_path", "name", "officer_id")}  # fmt: skip


def parse_month(value: str) -> date:
    """``YYYY-MM`` (the URL's) → the month's first day; 404 for anything else."""
    month = month_or_none(value)
    if month is None:
        raise Http404
    return month


def parse_day(value: str) -> date:
    """``YYYY-MM-DD`` (the URL's) → the date; 404 for anything else."""
    try:
        return datetime.strptime(value or "", DAY_FORMAT).date()
    except ValueError:
        raise Http404 from None


def _root(user) -> Unit:
    root = scope_root(user)
    if root is None:
        raise Http404
    return root


# --- bulletins ---------------------------------------------------------------------------------------


def report_list() -> QuerySet[MonthlyReport]:
    """Every bulletin, newest month first, with its builds (the bulletins are city-wide; the rows are scoped)."""
    builds = ReportBuild.objects.select_related("built_by").order_by("-version")
    return MonthlyReport.objects.order_by("-month").prefetch_related(Prefetch("builds", queryset=builds))


def report_get(month: date) -> MonthlyReport:
    report = report_list().filter(month=month).first()
    if report is None:
        raise Http404
    return report


def report_rows(user, report: MonthlyReport, kind: str | None = None) -> QuerySet[ReportRow]:
    """The bulletin's rows within the user's scope: their unit's and those below it."""
    qs = ReportRow.objects.filter(report=report, unit_path__startswith=_root(user).path).select_related("unit")
    if kind is not None:
        return qs.filter(kind=kind).order_by(*KIND_ORDER[kind])
    return qs.order_by("unit_path", "kind", "name")


@dataclass
class TableRow:
    row: ReportRow
    depth: int
    values: list[str]
    raw: list


@dataclass
class Table:
    kind: str
    title: str
    rows: list[TableRow]


def report_tables(user, report: MonthlyReport, columns: list[Column], kinds=None) -> list[Table]:
    """The scoped rows as tables, one per kind (units, windows, officers), each value formatted."""
    root = _root(user)
    base = root.path.count("/")
    tables = []
    for kind in kinds or ReportRowKind.values:
        rows = [
            TableRow(
                row=row,
                depth=row.unit_path.count("/") - base if kind == ReportRowKind.UNIT else 0,
                values=[column.display(row.figures.get(column.key)) for column in columns],
                raw=[row.figures.get(column.key) for column in columns],
            )
            for row in report_rows(user, report, kind)
        ]
        tables.append(Table(kind=kind, title=str(KIND_TITLES[kind]), rows=rows))
    return tables


# --- registers ---------------------------------------------------------------------------------------


def register_list(user) -> QuerySet[AppealRegister]:
    """Every register, newest first, with how many of its rows lie within the user's scope."""
    path = _root(user).path
    return AppealRegister.objects.order_by("-period_day").annotate(
        rows_in_scope=Count("rows", filter=Q(rows__unit_path__startswith=path))
    )


def register_get(period_day: date) -> AppealRegister:
    register = AppealRegister.objects.filter(period_day=period_day).first()
    if register is None:
        raise Http404
    return register


def register_rows(user, register: AppealRegister) -> QuerySet[AppealRegisterRow]:
    return AppealRegisterRow.objects.filter(register=register, unit_path__startswith=_root(user).path).order_by(
        "unit_path", "id"
    )


def register_values(rows) -> list[list[str]]:
    """Register rows as the page and the PDF show them: each value formatted, in the columns' order."""
    return [[column.display(row.values.get(column.key)) for column in REGISTER_COLUMNS] for row in rows]


def register_table(user, register: AppealRegister) -> list[list[str]]:
    return register_values(register_rows(user, register))
