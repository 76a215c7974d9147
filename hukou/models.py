"""The service catalog: service types (业务事项), their yes/no conditions and materials checklists.

Each change of a service type's published content is a new *version* (a new row with its own
conditions and items); exactly one version per code is current. Whatever is recorded against an old
version keeps pointing at the rows that said what applied then.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
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
    supplement_days = models.PositiveSmallIntegerField(
        _("容缺材料补齐期限（工作日）"), default=10, validators=[MinValueValidator(1)]
    )
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


# --- cases ----------------------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AWAITING_MATERIALS = "awaiting_materials", _("待补正材料")
    ACCEPTED = "accepted", _("已受理")
    ACCEPTED_DEFICIENT = "accepted_deficient", _("容缺受理")
    IN_REVIEW = "in_review", _("审批中")
    COMPLETED = "completed", _("已办结")
    COLLECTED = "collected", _("已领取")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    SUSPENDED = "suspended", _("已中止")


OPEN_STATUSES = [
    CaseStatus.DRAFT,
    CaseStatus.AWAITING_MATERIALS,
    CaseStatus.ACCEPTED,
    CaseStatus.ACCEPTED_DEFICIENT,
    CaseStatus.IN_REVIEW,
    CaseStatus.SUSPENDED,
]
# Accepted and not yet finished: the clock of the committed time limit runs (except when suspended).
RUNNING_STATUSES = [CaseStatus.ACCEPTED, CaseStatus.ACCEPTED_DEFICIENT, CaseStatus.IN_REVIEW]


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上申请")
    APPOINTMENT = "appointment", _("预约")
    HOME_VISIT = "home_visit", _("上门办理")
    PROXY = "proxy", _("代办")


# Channels on which the citizen comes to the window in person.
IN_PERSON_CHANNELS = [Channel.WINDOW, Channel.APPOINTMENT, Channel.PROXY]


class CaseQuerySet(models.QuerySet):
    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Case(TimeStamped):
    """One citizen request for one service type at one station."""

    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("业务事项（版本）"), on_delete=models.PROTECT, related_name="cases"
    )
    station = models.ForeignKey("windows.Unit", verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(
        "windows.ServiceWindow",
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受理人"), on_delete=models.PROTECT, related_name="cases_received"
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=50)
    id_number_encrypted = models.TextField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号（检索摘要）"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone = models.CharField(_("手机号码"), max_length=11)
    channel = models.CharField(_("办理渠道"), max_length=16, choices=Channel.choices, default=Channel.WINDOW)
    priority = models.BooleanField(_("老弱病残孕优先"), default=False)
    facts = models.JSONField(_("适用条件答复"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    status_before_suspension = models.CharField(max_length=24, choices=CaseStatus.choices, blank=True)
    materials_received_on = models.DateField(_("收到材料日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    due_on = models.DateField(_("承诺办结日期"), null=True, blank=True)
    supplement_due_on = models.DateField(_("容缺材料补齐期限"), null=True, blank=True)
    commitment_signed_at = models.DateTimeField(_("承诺书签署时间"), null=True, blank=True)
    suspended_on = models.DateField(_("中止日期"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    collected_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    trips = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    # Set once by the deadline job (hukou.services.deadlines), each the first time it applied.
    warned_at = models.DateTimeField(_("临期预警时间"), null=True, blank=True)
    overdue_on = models.DateField(_("超期起始日"), null=True, blank=True)
    supplement_overdue_on = models.DateField(_("容缺材料逾期起始日"), null=True, blank=True)
    # The day the 容缺 reminder SMS was queued (cleared when a suspension moves the deadline).
    supplement_reminded_on = models.DateField(_("容缺补交提醒日期"), null=True, blank=True)
    deemed_accepted_on = models.DateField(
        _("视为受理日期"),
        null=True,
        blank=True,
        help_text=_("收到材料后5个工作日内未作决定的，自收到材料之日起即为受理（行政许可法第三十二条）。"),
    )
    last_visit_on = models.DateField(_("最近到窗口日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="case_channel_valid"),
            # 容缺: the supplement deadline never falls after the case's own due date.
            models.CheckConstraint(
                condition=Q(supplement_due_on__isnull=True)
                | Q(due_on__isnull=True)
                | Q(supplement_due_on__lte=models.F("due_on")),
                name="case_supplement_not_after_due",
            ),
        ]
        indexes = [
            # compliance rollups: cases written since the last refresh
            models.Index(fields=["updated_at"], name="case_updated_idx"),
            # case_list(user): a station's cases, newest first
            models.Index(fields=["station", "-created_at"], name="case_station_recent_idx"),
            # the officer's 工作台: their open cases
            models.Index(
                fields=["officer", "due_on"], condition=Q(status__in=OPEN_STATUSES), name="case_officer_open_idx"
            ),
            # due soon / overdue: open running cases by due date
            models.Index(fields=["due_on"], condition=Q(status__in=RUNNING_STATUSES), name="case_running_due_idx"),
            # search by ID number (exact, through its keyed hash)
            models.Index(fields=["id_number_hash"], name="case_id_hash_idx"),
            # deadline job: 容缺 supplements past their deadline, not flagged yet
            models.Index(
                fields=["supplement_due_on"],
                condition=Q(status=CaseStatus.ACCEPTED_DEFICIENT, supplement_overdue_on__isnull=True),
                name="case_supplement_due_idx",
            ),
            # deadline job: 容缺 deadlines within the next two working days, not reminded yet
            models.Index(
                fields=["supplement_due_on"],
                condition=Q(status=CaseStatus.ACCEPTED_DEFICIENT, supplement_reminded_on__isnull=True),
                name="case_supplement_remind_idx",
            ),
            # rating invitations: cases completed lately, across stations (evaluations)
            models.Index(fields=["completed_at"], condition=Q(completed_at__isnull=False), name="case_completed_idx"),
            # a station's completed cases of a month: the follow-up call list, monthly counts
            models.Index(
                fields=["station", "completed_at"],
                condition=Q(completed_at__isnull=False),
                name="case_station_completed_idx",
            ),
            # deadline job: drafts holding materials with no decision (行政许可法 第三十二条)
            models.Index(
                fields=["materials_received_on"],
                condition=Q(status=CaseStatus.DRAFT, deemed_accepted_on__isnull=True),
                name="case_undecided_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("hukou:case_detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseMaterial(models.Model):
    """A checklist item received for a case, and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(_("收到日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("已收材料")
        verbose_name_plural = _("已收材料")
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="case_material_once")]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.received_on}"


class CaseEvent(models.Model):
    """One change of a case: the timeline on the case page is this table."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=24, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, choices=CaseStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    window = models.ForeignKey(
        "windows.ServiceWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="case_events"
    )

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["at", "id"]
        indexes = [
            # the case page's timeline
            models.Index(fields=["case", "at"], name="case_event_timeline_idx"),
            # what a window did lately (the counter device, compliance counts)
            models.Index(fields=["window", "-at"], name="case_event_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class DocumentKind(models.TextChoices):
    ONE_TIME_NOTICE = "one_time_notice", _("补正材料通知书（一次性告知）")
    REFUSAL_NOTICE = "refusal_notice", _("不予受理告知书")
    COMMITMENT = "commitment", _("容缺受理承诺书")
    RECEIPT = "receipt", _("受理回执")


class CaseDocument(models.Model):
    """A numbered document issued for a case. ``content`` keeps exactly what it said when issued."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("种类"), max_length=24, choices=DocumentKind.choices)
    number = models.CharField(_("文书编号"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("内容"))

    class Meta:
        verbose_name = _("办件文书")
        verbose_name_plural = _("办件文书")
        ordering = ["issued_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid")]
        indexes = [
            # compliance rollups: documents issued since the last refresh
            models.Index(fields=["issued_at"], name="document_issued_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class IdNumberAccess(models.Model):
    """Who revealed a case's full ID number, and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="id_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("身份证号查看记录")
        verbose_name_plural = _("身份证号查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_id} {self.at}"


class Sequence(models.Model):
    """Counters behind readable numbers (cases, documents): one row per key, incremented under lock."""

    key = models.CharField(max_length=80, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
