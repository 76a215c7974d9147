"""The organisation: units (city bureau → district bureau → station), service windows, staff and
their roles, the staff inbox, and the admins' corrections to the working-day calendar."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class UnitKind(models.TextChoices):
    CITY = "city", _("市局")
    DISTRICT = "district", _("分局/县局")
    STATION = "station", _("派出所")


# Which kind of unit may sit directly under which.
PARENT_KIND = {
    UnitKind.CITY: None,
    UnitKind.DISTRICT: UnitKind.CITY,
    UnitKind.STATION: UnitKind.DISTRICT,
}


class UnitQuerySet(models.QuerySet):
    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and everything below it: one range scan on ``unit_path_prefix_idx``."""
        return self.filter(path__startswith=unit.path)

    def stations(self) -> "UnitQuerySet":
        return self.filter(kind=UnitKind.STATION)


class Unit(TimeStamped):
    """A node of the organisation. ``path`` is the codes from the root down, each followed by a
    slash (``/3701/370102/370102001/``), so "this unit and everything below" is a prefix match."""

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=400, unique=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    hours = models.CharField(
        _("办公时间"), max_length=200, blank=True, help_text=_("例如：工作日 9:00-12:00、13:30-17:00，周六上午办理")
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=UnitKind.CITY, parent__isnull=True) | ~Q(kind=UnitKind.CITY) & Q(parent__isnull=False),
                name="unit_only_city_is_root",
            ),
        ]
        indexes = [
            # Unit.objects.subtree_of(unit): path LIKE '/3701/370102/%' (PostgreSQL needs the
            # pattern opclass for LIKE to use a btree index under a non-C collation).
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if "/" in self.code:
            raise ValidationError({"code": _("单位代码不能包含“/”。")})
        expected = PARENT_KIND.get(self.kind)
        actual = self.parent.kind if self.parent_id else None
        if expected != actual:
            if expected is None:
                raise ValidationError({"parent": _("市局是最高层级，不能有上级单位。")})
            raise ValidationError(
                {
                    "parent": _("%(kind)s的上级单位必须是%(parent)s。")
                    % {"kind": UnitKind(self.kind).label, "parent": UnitKind(expected).label}
                }
            )

    @property
    def is_station(self) -> bool:
        return self.kind == UnitKind.STATION


class WindowKind(models.TextChoices):
    GENERAL = "general", _("综合业务窗口")
    PRIORITY = "priority", _("老弱病残孕优先窗口")
    COMPREHENSIVE = "comprehensive", _("一窗通办窗口")


class ServiceWindow(TimeStamped):
    station = models.ForeignKey(Unit, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="windows")
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=16, choices=WindowKind.choices, default=WindowKind.GENERAL)
    is_open = models.BooleanField(_("开放"), default=True)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")
        ordering = ["station__path", "number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="window_number_unique_per_station"),
            models.CheckConstraint(condition=Q(kind__in=WindowKind.values), name="window_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.station.name} {self.number}号窗口"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.station_id and not self.station.is_station:
            raise ValidationError({"station": _("窗口只能设在派出所。")})


class Role(models.TextChoices):
    OFFICER = "officer", _("户籍民警")
    AUXILIARY = "auxiliary", _("辅警/协勤")
    STATION_SUPERVISOR = "station_supervisor", _("派出所所长/户籍负责人")
    BUREAU_SUPERVISOR = "bureau_supervisor", _("分局/市局户政管理人员")
    ADMIN = "admin", _("系统管理员")


# Where each role belongs in the organisation.
ROLE_UNIT_KINDS = {
    Role.OFFICER: {UnitKind.STATION},
    Role.AUXILIARY: {UnitKind.STATION},
    Role.STATION_SUPERVISOR: {UnitKind.STATION},
    Role.BUREAU_SUPERVISOR: {UnitKind.CITY, UnitKind.DISTRICT},
    Role.ADMIN: {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STATION},
}
# Roles that act at the counter (take in and handle cases) rather than supervise.
COUNTER_ROLES = {Role.OFFICER, Role.AUXILIARY}
SUPERVISOR_ROLES = {Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR}


def person_name(user) -> str:
    """How a person is named on pages and documents: the account's full name, else its username."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class Staff(TimeStamped):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    police_number = models.CharField(_("警号"), max_length=16, null=True, blank=True, unique=True)
    is_sworn = models.BooleanField(
        _("具有执法资格"), default=True, help_text=_("辅警、协勤等不具有执法资格的人员不得直接办理户政业务。")
    )

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="staff_role_valid"),
            # An auxiliary is never sworn; an officer or supervisor always is and has a 警号.
            models.CheckConstraint(
                condition=~Q(role=Role.AUXILIARY) | Q(is_sworn=False), name="staff_auxiliary_not_sworn"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.OFFICER, Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR])
                | Q(is_sworn=True, police_number__isnull=False),
                name="staff_police_roles_sworn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.get_role_display()}）"

    @property
    def display_name(self) -> str:
        return person_name(self.user)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.role == Role.AUXILIARY and self.is_sworn:
            errors["is_sworn"] = _("辅警/协勤不具有执法资格。")
        if self.role in (Role.OFFICER, Role.STATION_SUPERVISOR, Role.BUREAU_SUPERVISOR):
            if not self.is_sworn:
                errors["is_sworn"] = _("民警和管理人员须具有执法资格。")
            if not self.police_number:
                errors["police_number"] = _("民警和管理人员须填写警号。")
        if self.unit_id and self.role in ROLE_UNIT_KINDS and self.unit.kind not in ROLE_UNIT_KINDS[self.role]:
            errors["unit"] = _("%(role)s不能隶属于%(kind)s。") % {
                "role": Role(self.role).label,
                "kind": UnitKind(self.unit.kind).label,
            }
        if errors:
            raise ValidationError(errors)

    @property
    def has_enforcement_qualification(self) -> bool:
        """May take decisions on 户政 business (accept, approve, complete): sworn, and not auxiliary."""
        return self.is_sworn and self.role != Role.AUXILIARY

    @property
    def is_supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a staff member's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    text = models.CharField(_("内容"), max_length=500)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # notifications_for(user): a recipient's inbox, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notif_inbox_idx"),
            # unread_count(user): the badge on every staff page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.text


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("上班（调休）")


class Holiday(models.Model):
    """An admin's word on one date, overriding the packaged official calendar: a day off, or a
    make-up working day (调休) that falls on a weekend."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如：春节、国庆节调休上班"))

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="holiday_kind_valid")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}（{self.get_kind_display()}）"
