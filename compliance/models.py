"""Compliance: the monthly rollups the dashboards read, the frozen monthly reports and the
《群众诉求未结事项登记表》 registers, 三长接待 records and their quotas, and the monthly 服务标兵 awards.

The figures themselves are defined once, in :mod:`compliance.figures`; this module only stores them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- rollups ---------------------------------------------------------------------------------------


class MonthlyFigures(models.Model):
    """One month's counts for the smallest cell the dashboard drills to: one officer at one window of
    one station. Appeals belong to a station only (window and officer empty).

    Every column is a count, so any unit's figures are sums of its cells (``unit_path`` is the station's
    path, so "this unit and everything below" is a prefix match). Working days to complete are kept as
    a histogram (``days[i]`` cases took ``i`` working days, the last bucket "that many or more"), so
    medians and percentiles of any unit are exact too. Rows are replaced, never edited, by
    :func:`compliance.services.rollups.rollup_refresh`.
    """

    month = models.DateField(_("月份"))
    station = models.ForeignKey("windows.Unit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=400)
    window = models.ForeignKey(
        "windows.ServiceWindow", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    completed_on_time = models.PositiveIntegerField(default=0)
    completed_late = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    one_trip = models.PositiveIntegerField(default=0)
    three_trips = models.PositiveIntegerField(default=0)
    notices = models.PositiveIntegerField(default=0)
    deficient = models.PositiveIntegerField(default=0)
    supplied_on_time = models.PositiveIntegerField(default=0)
    supplement_pending = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    bad_rectified_in_time = models.PositiveIntegerField(default=0)
    appeals = models.PositiveIntegerField(default=0)
    appeals_in_time = models.PositiveIntegerField(default=0)
    appeals_open = models.PositiveIntegerField(default=0)
    calls_planned = models.PositiveIntegerField(default=0)
    calls_made = models.PositiveIntegerField(default=0)
    days = models.JSONField(default=list)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("月度统计单元")
        verbose_name_plural = _("月度统计单元")
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="figures_month_first_day")]
        indexes = [
            # unit_figures(unit, month) and the twelve-month trend: one unit's cells, by month
            models.Index(
                fields=["unit_path", "month"],
                name="figures_path_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            # rollup_refresh: replace one month's cells of some stations
            models.Index(fields=["month", "station"], name="figures_month_station_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.station_id}/{self.window_id}/{self.officer_id}"


class RollupState(models.Model):
    """The refresh job's watermark (a single row): changes since ``changes_since`` are still to fold in."""

    changes_since = models.DateTimeField(null=True, blank=True)
    refreshed_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("统计刷新状态")
        verbose_name_plural = _("统计刷新状态")

    def __str__(self) -> str:
        return f"{self.changes_since}"


# --- frozen monthly reports (月考核、月通报) ----------------------------------------------------------


class MonthlyReport(models.Model):
    """A month's bulletin: its figures frozen as rows when the month ended. A later correction to a case
    does not change it; building it again is an explicit action, logged in :class:`ReportBuild`."""

    month = models.DateField(_("月份"), unique=True)
    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版次"), default=1)

    class Meta:
        verbose_name = _("月度通报")
        verbose_name_plural = _("月度通报")
        ordering = ["-month"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="report_month_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ReportRowKind(models.TextChoices):
    UNIT = "unit", _("单位")
    WINDOW = "window", _("窗口")
    OFFICER = "officer", _("民警")


class ReportRow(models.Model):
    """One unit's (or one window's, or one officer's at a station) frozen figures in a bulletin."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=8, choices=ReportRowKind.choices)
    unit = models.ForeignKey("windows.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=400)
    window = models.ForeignKey(
        "windows.ServiceWindow", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=120)
    figures = models.JSONField(_("数据"))

    class Meta:
        verbose_name = _("通报数据")
        verbose_name_plural = _("通报数据")
        ordering = ["unit_path", "kind", "name"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=ReportRowKind.values), name="report_row_kind_valid")]
        indexes = [
            # report page: one report's rows for a unit and what lies below it
            models.Index(
                fields=["report", "unit_path"],
                name="report_row_path_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.name}"


class ReportBuild(models.Model):
    """Every build of a bulletin: the first by the monthly job, each rebuild by a person, with a reason."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="builds")
    version = models.PositiveIntegerField(_("版次"))
    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("重新生成原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("通报生成记录")
        verbose_name_plural = _("通报生成记录")
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report} v{self.version}"


class AppealRegister(models.Model):
    """《群众诉求未结事项登记表》 for one reporting date (the 9th, 19th or 29th, or the working day before):
    every appeal unresolved when it was built, frozen."""

    period_day = models.DateField(_("报送节点"), unique=True, help_text=_("该月9日、19日或29日（二月为月末）。"))
    due_on = models.DateField(_("报送日期"))
    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群众诉求未结事项登记表")
        verbose_name_plural = _("群众诉求未结事项登记表")
        ordering = ["-period_day"]

    def __str__(self) -> str:
        return f"{self.period_day:%Y-%m-%d}"


class AppealRegisterRow(models.Model):
    register = models.ForeignKey(AppealRegister, on_delete=models.CASCADE, related_name="rows")
    appeal = models.ForeignKey("evaluations.Appeal", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("windows.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=400)
    values = models.JSONField(_("登记内容"))

    class Meta:
        verbose_name = _("未结事项")
        verbose_name_plural = _("未结事项")
        ordering = ["unit_path", "id"]
        constraints = [models.UniqueConstraint(fields=["register", "appeal"], name="register_appeal_once")]
        indexes = [
            # register page: one register's rows within the user's scope
            models.Index(
                fields=["register", "unit_path"],
                name="register_row_path_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.appeal_id}"


# --- 三长接待 ------------------------------------------------------------------------------------------


class LeaderRole(models.TextChoices):
    COUNTY_CHIEF = "county_chief", _("县（市、区）局局长")
    DEPUTY_CHIEF = "deputy_chief", _("分管副局长")
    REGISTRY_HEAD = "registry_head", _("户籍科长")
    STATION_CHIEF = "station_chief", _("派出所所长")


# Seed 000: each month at least half a day, one, two and three days at the window.
DEFAULT_QUOTAS = {
    LeaderRole.COUNTY_CHIEF: Decimal("0.5"),
    LeaderRole.DEPUTY_CHIEF: Decimal("1"),
    LeaderRole.REGISTRY_HEAD: Decimal("2"),
    LeaderRole.STATION_CHIEF: Decimal("3"),
}


class ReceptionQuota(models.Model):
    """How many days a month each kind of leader serves at the window (editable; seed 000's by default)."""

    role = models.CharField(_("职务"), max_length=16, choices=LeaderRole.choices, unique=True)
    days = models.DecimalField(_("每月接待天数"), max_digits=3, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("三长接待定额")
        verbose_name_plural = _("三长接待定额")
        ordering = ["role"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=LeaderRole.values), name="quota_role_valid"),
            models.CheckConstraint(condition=Q(days__gte=0) & Q(days__lte=31), name="quota_days_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.days}"


class Leader(models.Model):
    """A leader bound by 三长接待: a county chief, deputy chief or 户籍科长 of a district bureau, or a
    station chief. Not every leader has an account here, so the name is kept."""

    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=16, choices=LeaderRole.choices)
    unit = models.ForeignKey("windows.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("在任"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("接待领导")
        verbose_name_plural = _("接待领导")
        ordering = ["unit__path", "role", "name"]
        constraints = [models.CheckConstraint(condition=Q(role__in=LeaderRole.values), name="leader_role_valid")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class DayPart(models.TextChoices):
    HALF = "half", _("半天")
    WHOLE = "whole", _("全天")


DAY_PART_DAYS = {DayPart.HALF: Decimal("0.5"), DayPart.WHOLE: Decimal("1")}


class ReceptionRecord(models.Model):
    """One leader's stint at one window (三长接待): the day, half or whole, whom they served and what they solved."""

    leader = models.ForeignKey(Leader, verbose_name=_("接待领导"), on_delete=models.PROTECT, related_name="records")
    role = models.CharField(_("职务"), max_length=16, choices=LeaderRole.choices)
    window = models.ForeignKey(
        "windows.ServiceWindow", verbose_name=_("窗口"), on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey("windows.Unit", on_delete=models.PROTECT, related_name="+", editable=False)
    date = models.DateField(_("日期"))
    part = models.CharField(_("时长"), max_length=8, choices=DayPart.choices)
    citizens_served = models.PositiveIntegerField(_("接待群众（人次）"), default=0)
    problems_solved = models.PositiveIntegerField(_("解决问题（件）"), default=0)
    notes = models.TextField(_("情况记录"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("三长接待记录")
        verbose_name_plural = _("三长接待记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=LeaderRole.values), name="reception_role_valid"),
            models.CheckConstraint(condition=Q(part__in=DayPart.values), name="reception_part_valid"),
            models.CheckConstraint(
                condition=Q(problems_solved__lte=models.F("citizens_served")), name="reception_solved_not_above_served"
            ),
            # one leader serves one stint a day
            models.UniqueConstraint(fields=["leader", "date"], name="reception_once_a_day"),
        ]
        indexes = [
            # reception_summary(unit, month): the records at a unit's windows in a month
            models.Index(fields=["station", "date"], name="reception_station_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.date}"

    @property
    def days(self) -> Decimal:
        return DAY_PART_DAYS[self.part]


# --- 服务标兵 --------------------------------------------------------------------------------------------


class AwardKind(models.TextChoices):
    BEST = "best", _("最佳服务标兵")
    QUALITY = "quality", _("优质服务标兵")


# Seed 002: each month one best-service star and two quality-service stars per station.
AWARD_SLOTS = {AwardKind.BEST: 1, AwardKind.QUALITY: 2}


class Award(models.Model):
    """One 服务标兵 slot of a station's month: the suggested officer with the reasons, and the officer a
    supervisor confirmed (the suggestion or another)."""

    station = models.ForeignKey("windows.Unit", verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=400, editable=False)
    month = models.DateField(_("月份"))
    kind = models.CharField(_("类别"), max_length=8, choices=AwardKind.choices)
    slot = models.PositiveSmallIntegerField(_("序号"), default=1)
    suggested = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建议人选"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasons = models.JSONField(_("建议理由"), default=dict)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人选"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("评定说明"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("服务标兵")
        verbose_name_plural = _("服务标兵")
        ordering = ["-month", "unit_path", "kind", "slot"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AwardKind.values), name="award_kind_valid"),
            models.CheckConstraint(condition=Q(month__day=1), name="award_month_first_day"),
            models.UniqueConstraint(fields=["station", "month", "kind", "slot"], name="award_slot_once"),
        ]
        indexes = [
            # awards page: a month's awards within the user's scope
            models.Index(
                fields=["month", "unit_path"],
                name="award_month_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m} {self.kind}{self.slot}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
