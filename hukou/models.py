"""The service catalog: service types (业务事项), their yes/no conditions and materials checklists.

Each change of a service type's published content is a new *version* (a new row with its own
conditions and items); exactly one version per code is current. Whatever is recorded against an old
version keeps pointing at the rows that said what applied then.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from windows.models import TimeStamped


class Category(models.TextChoices):
    HUKOU_REGISTRATION = "hukou_registration", _("户口登记")
    MIGRATION = "migration", _("户口迁移")
    ID_CARD = "id_card", _("居民身份证")
    RESIDENCE = "residence", _("居住登记与居住证")
    CERTIFICATE = "certificate", _("证明与变更")


class HandlingMode(models.TextChoices):
    WINDOW = "window", _("窗口办理")
    APPOINTMENT = "appointment", _("可网上预约，窗口办理")
    ONLINE = "online", _("全程网办")


class ServiceTypeQuerySet(models.QuerySet):
    def current(self) -> "ServiceTypeQuerySet":
        return self.filter(is_current=True)

    def published(self) -> "ServiceTypeQuerySet":
        """What the public guide shows: the current version of every active service type."""
        return self.filter(is_current=True, active=True)


class ServiceType(TimeStamped):
    code = models.CharField(
        _("事项编码"),
        max_length=64,
        validators=[RegexValidator(r"^[a-z0-9]+(-[a-z0-9]+)*$", _("只能包含小写字母、数字和连字符。"))],
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True)
    name = models.CharField(_("事项名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    description = models.TextField(_("事项说明"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), help_text=_("0 表示当场办结。"))
    statutory_limit_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    fee_yuan = models.DecimalField(
        _("收费（元）"), max_digits=8, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    fee_basis = models.CharField(_("收费依据"), max_length=300, blank=True)
    legal_basis = models.TextField(_("设定依据"))
    handling_mode = models.CharField(_("办理方式"), max_length=16, choices=HandlingMode.choices)
    needs_supervisor_approval = models.BooleanField(_("受理需审批"), default=False)
    supplement_days = models.PositiveSmallIntegerField(_("容缺材料补齐期限（工作日）"), default=10)
    where_when = models.TextField(_("办理地点和时间"), blank=True)
    process = models.JSONField(_("办理流程"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    source_hash = models.CharField(_("来源文件摘要"), max_length=64, blank=True, editable=False)

    objects = ServiceTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("业务事项")
        verbose_name_plural = _("业务事项")
        ordering = ["category", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="service_type_code_version_unique"),
            # One current version per code; also the index behind service_type_get(code).
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True), name="service_type_one_current"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="service_type_category_valid"),
            models.CheckConstraint(
                condition=Q(handling_mode__in=HandlingMode.values), name="service_type_handling_mode_valid"
            ),
            models.CheckConstraint(condition=Q(fee_yuan__gte=0), name="service_type_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(statutory_limit_days__gte=models.F("time_limit_days")),
                name="service_type_commitment_within_statutory_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）" if not self.is_current else self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        limits = (self.time_limit_days, self.statutory_limit_days)
        if None not in limits and limits[0] > limits[1]:
            raise ValidationError({"time_limit_days": _("承诺时限不能超过法定时限。")})

    def get_absolute_url(self) -> str:
        return reverse("hukou:guide_detail", args=[self.code])

    @property
    def done_on_the_spot(self) -> bool:
        return self.time_limit_days == 0


class Condition(models.Model):
    """A yes/no question about the applicant that decides whether conditional materials apply."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="conditions")
    key = models.CharField(
        _("标识"), max_length=64, validators=[RegexValidator(r"^[a-z0-9_]+$", _("只能包含小写字母、数字和下划线。"))]
    )
    question = models.CharField(_("问题"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("适用条件")
        verbose_name_plural = _("适用条件")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["service_type", "key"], name="condition_key_unique")]

    def __str__(self) -> str:
        return self.question


class ChecklistItem(models.Model):
    """One material of a service type's checklist."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("材料名称"), max_length=120)
    detail = models.CharField(_("材料要求"), max_length=300, help_text=_("原件或复印件、份数、出具单位等。"))
    condition = models.ForeignKey(
        Condition,
        verbose_name=_("适用条件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        help_text=_("留空为必须提供；选择后仅在该条件成立时需要。"),
    )
    group = models.CharField(
        _("任选其一组"), max_length=120, blank=True, help_text=_("同一组名的材料只需提供其中之一。")
    )
    deferrable = models.BooleanField(_("可容缺"), default=False, help_text=_("可在受理后限期补齐。"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = _("材料清单")
        ordering = ["order", "id"]
        indexes = [
            # the checklist of one service type in display order (guide page, decision function)
            models.Index(fields=["service_type", "order"], name="checklist_item_order_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.condition_id and self.service_type_id and self.condition.service_type_id != self.service_type_id:
            raise ValidationError({"condition": _("适用条件必须属于同一业务事项。")})

    @property
    def is_conditional(self) -> bool:
        return self.condition_id is not None
