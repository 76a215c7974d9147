"""Ratings of the service (好差评), the counter devices (评价器), bad-review rectification (差评整改) and
its appeal review (申诉复核), follow-up calls (回访) and citizen appeals (群众诉求).

``evaluations`` sits above ``hukou``: it reads cases and their events, and hands SMS to ``notices``.
Ratings are never edited or deleted: one row per case (一事一评), whatever the channel.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- ratings ---------------------------------------------------------------------------------------


class Level(models.IntegerChoices):
    """The five levels of the national 好差评 scale, as a score (5 best)."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


# A rating at these levels is a 差评: it opens a rectification.
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class RatingChannel(models.TextChoices):
    DEVICE = "device", _("窗口评价器")
    SMS = "sms", _("短信评价")
    ONLINE = "online", _("网上评价")


class Reason(models.TextChoices):
    """What a citizen may say the rating is about (optional, several)."""

    ATTITUDE = "attitude", _("服务态度")
    EFFICIENCY = "efficiency", _("办事效率")
    MATERIALS = "materials", _("材料要求")
    WAITING = "waiting", _("等候时间")
    ENVIRONMENT = "environment", _("窗口环境")
    OTHER = "other", _("其他")


REASONS_INVALID = "评价原因只能从所列选项中选择。"
COMMENT_MAX_LENGTH = 500


class Evaluation(models.Model):
    """One rating of one case (一事一评): the unique case is the rule, across every channel."""

    case = models.OneToOneField(
        "hukou.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="evaluation"
    )
    # The transaction at the counter that was rated (the device's prompt; for SMS and online the
    # case's completion), and where and by whom it was done: what statistics count against.
    event = models.ForeignKey(
        "hukou.CaseEvent",
        verbose_name=_("评价的业务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
        settings.AUTH_USER_MODEL, verbose_name=_("办理民警"), on_delete=models.PROTECT, related_name="evaluations"
    )
    channel = models.CharField(_("评价渠道"), max_length=8, choices=RatingChannel.choices)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    reasons = models.JSONField(_("评价原因"), default=list, blank=True)
    comment = models.CharField(_("意见建议"), max_length=COMMENT_MAX_LENGTH, blank=True)
    # Where a bad review is called back (实名差评回访): the case's phone unless the citizen gave another.
    contact_phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=RatingChannel.values), name="evaluation_channel_valid"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="evaluation_level_valid"),
        ]
        indexes = [
            # compliance rollups: ratings given since the last refresh
            models.Index(fields=["created_at"], name="evaluation_created_idx"),
            # the supervisors' list of a station's ratings, newest first; monthly counts per station
            models.Index(fields=["station", "-created_at"], name="evaluation_station_recent_idx"),
            # one officer's ratings of a month (assessment, awards)
            models.Index(fields=["officer", "created_at"], name="evaluation_officer_idx"),
            # bad reviews of a station (rectification lists, 差评 counts)
            models.Index(fields=["station", "created_at"], condition=Q(level__lte=2), name="evaluation_bad_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_level_display()}"

    def clean(self) -> None:
        if not isinstance(self.reasons, list) or any(r not in Reason.values for r in self.reasons):
            raise ValidationError({"reasons": [REASONS_INVALID]})

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    def reason_labels(self) -> list[str]:
        labels = dict(Reason.choices)
        return [str(labels[r]) for r in self.reasons if r in labels]


class RatingInvitation(models.Model):
    """The SMS inviting a citizen to rate a completed case (one per case): the row the invitation job
    writes in the transaction that queues the SMS, so a case is invited once."""

    case = models.OneToOneField("hukou.Case", on_delete=models.CASCADE, related_name="rating_invitation")
    sms = models.ForeignKey("notices.SmsMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("邀请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")

    def __str__(self) -> str:
        return str(self.case_id)


# --- the counter device ----------------------------------------------------------------------------


class Device(models.Model):
    """A tablet facing the citizen at one window (评价器).

    Unpaired, it shows ``pairing_code``; a supervisor of the station enters the code and picks the
    window. The device then holds a signed token naming it and its ``token_nonce``: unpairing or pairing
    again changes the nonce, so an old token no longer works.
    """

    window = models.OneToOneField(
        "windows.ServiceWindow",
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="device",
    )
    station = models.ForeignKey(
        "windows.Unit", verbose_name=_("派出所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pairing_code = models.CharField(_("配对码"), max_length=8, null=True, blank=True, unique=True)
    code_expires_at = models.DateTimeField(_("配对码有效期"), null=True, blank=True)
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    paired_at = models.DateTimeField(_("配对时间"), null=True, blank=True)
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seen_at = models.DateTimeField(_("最近在线"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("评价器")
        verbose_name_plural = _("评价器")
        constraints = [
            # paired: a window and a station; unpaired: neither
            models.CheckConstraint(
                condition=Q(window__isnull=True, station__isnull=True) | Q(window__isnull=False, station__isnull=False),
                name="device_paired_whole",
            ),
        ]
        indexes = [
            # clearing out devices that never got paired
            models.Index(fields=["created_at"], condition=Q(window__isnull=True), name="device_unpaired_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.window or _('未配对')}"

    @property
    def is_paired(self) -> bool:
        return self.window_id is not None


# --- rectification of bad reviews -----------------------------------------------------------------


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CONTACTED = "contacted", _("整改中")
    CLOSED = "closed", _("已办结")


class Rectification(models.Model):
    """The work a bad review opens (差评整改): verify and contact the citizen within
    ``EVALUATIONS_CONTACT_DAYS`` working days, rectify within ``EVALUATIONS_RECTIFY_DAYS``, close with
    what was found, what was done and the citizen's satisfaction on the call back."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="rectification")
    station = models.ForeignKey("windows.Unit", verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    opened_on = models.DateField(_("开始日期"))
    contact_due_on = models.DateField(_("核实联系期限"))
    rectify_due_on = models.DateField(_("整改期限"))
    contacted_at = models.DateTimeField(_("核实联系时间"), null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_note = models.TextField(_("核实情况"), blank=True)
    finding = models.TextField(_("查明情况"), blank=True)
    action_taken = models.TextField(_("整改措施"), blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_level = models.PositiveSmallIntegerField(_("回访满意度"), choices=Level.choices, null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set once by the deadline job, the first day each limit had passed (and the inbox was told).
    contact_late_on = models.DateField(_("核实逾期日"), null=True, blank=True)
    rectify_late_on = models.DateField(_("整改逾期日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["rectify_due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RectificationStatus.values), name="rectification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rectify_due_on__gte=models.F("contact_due_on")), name="rectification_due_order"
            ),
        ]
        indexes = [
            # a station's open rectifications by deadline (the supervisor's list and 工作台)
            models.Index(
                fields=["station", "rectify_due_on"],
                condition=~Q(status=RectificationStatus.CLOSED),
                name="rectification_open_idx",
            ),
            # deadline job: not contacted, limit passed, not flagged yet
            models.Index(
                fields=["contact_due_on"],
                condition=Q(status=RectificationStatus.OPEN, contact_late_on__isnull=True),
                name="rectification_contact_due_idx",
            ),
            # deadline job: not closed, limit passed, not flagged yet
            models.Index(
                fields=["rectify_due_on"],
                condition=~Q(status=RectificationStatus.CLOSED) & Q(rectify_late_on__isnull=True),
                name="rectification_rectify_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation}"

    @property
    def is_open(self) -> bool:
        return self.status != RectificationStatus.CLOSED


class ReviewGround(models.TextChoices):
    MISTAKEN = "mistaken", _("误评")
    MALICIOUS = "malicious", _("恶意评价")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("复核中")
    UPHELD = "upheld", _("评价有效")
    EXCLUDED = "excluded", _("认定误评或恶意评价，不计入考核")


class RatingReview(models.Model):
    """申诉复核: the officer disputes a rating; a station supervisor puts it under review with reasons,
    a bureau supervisor decides. The rating itself stays as it was given."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="review")
    ground = models.CharField(_("申诉理由类别"), max_length=12, choices=ReviewGround.choices)
    reason = models.TextField(_("申诉理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    outcome = models.CharField(
        _("复核结果"), max_length=12, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.TextField(_("复核意见"), blank=True)

    class Meta:
        verbose_name = _("申诉复核")
        verbose_name_plural = _("申诉复核")
        constraints = [
            models.CheckConstraint(condition=Q(ground__in=ReviewGround.values), name="review_ground_valid"),
            models.CheckConstraint(condition=Q(outcome__in=ReviewOutcome.values), name="review_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.get_outcome_display()}"


# --- follow-up calls (回访) -------------------------------------------------------------------------


class FollowUpRule(models.TextChoices):
    ALL = "all", _("全部回访")
    PER_OFFICER = "per_officer", _("每名民警每月回访不少于规定户数")


class FollowUpPolicy(models.Model):
    """How a station sizes its monthly call list: every completed case (seed 000), or at least
    ``per_officer`` citizens a month for each officer (seed 002)."""

    station = models.OneToOneField("windows.Unit", on_delete=models.CASCADE, related_name="follow_up_policy")
    rule = models.CharField(_("回访规则"), max_length=12, choices=FollowUpRule.choices, default=FollowUpRule.ALL)
    per_officer = models.PositiveSmallIntegerField(_("每名民警每月回访户数"), default=3)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=FollowUpRule.values), name="follow_up_rule_valid"),
            models.CheckConstraint(condition=Q(per_officer__gte=1), name="follow_up_per_officer_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_rule_display()}"


class CallList(models.Model):
    """A station's follow-up call list for one month, drawn from the cases completed in it."""

    station = models.ForeignKey("windows.Unit", verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    rule = models.CharField(_("回访规则"), max_length=12, choices=FollowUpRule.choices)
    per_officer = models.PositiveSmallIntegerField(_("每名民警每月回访户数"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("回访名单")
        verbose_name_plural = _("回访名单")
        ordering = ["-month", "station_id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="call_list_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="call_list_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class CallListEntry(models.Model):
    """One citizen (one completed case) on a call list."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries")
    case = models.ForeignKey("hukou.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理民警"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("回访对象")
        verbose_name_plural = _("回访对象")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["call_list", "case"], name="call_list_entry_once")]

    def __str__(self) -> str:
        return f"{self.call_list} {self.case_id}"


class FollowUpCall(models.Model):
    """One call made to a citizen on the list: who called, when, reached or not, satisfaction, notes."""

    entry = models.ForeignKey(CallListEntry, on_delete=models.CASCADE, related_name="calls")
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(_("回访时间"), default=timezone.now)
    reached = models.BooleanField(_("是否接通"))
    level = models.PositiveSmallIntegerField(_("满意度"), choices=Level.choices, null=True, blank=True)
    notes = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["called_at", "id"]
        constraints = [
            # a satisfaction only from a citizen reached
            models.CheckConstraint(
                condition=Q(reached=True) | Q(level__isnull=True), name="follow_up_level_only_if_reached"
            ),
        ]
        indexes = [
            # the calls of an entry, latest first
            models.Index(fields=["entry", "-called_at"], name="follow_up_call_entry_idx"),
            # compliance rollups: calls made since the last refresh
            models.Index(fields=["called_at"], name="follow_up_call_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.called_at:%Y-%m-%d}"


# --- citizen appeals (群众诉求, "办不成事"反映) ----------------------------------------------------------


class AppealCategory(models.TextChoices):
    CANNOT_GET_DONE = "cannot_get_done", _("办不成事")
    ATTITUDE = "attitude", _("服务态度")
    EFFICIENCY = "efficiency", _("办事效率")
    EXTRA_MATERIALS = "extra_materials", _("随意增加材料或环节")
    CONDUCT = "conduct", _("作风纪律")
    SUGGESTION = "suggestion", _("意见建议")
    OTHER = "other", _("其他")


class AppealSource(models.TextChoices):
    ONLINE = "online", _("网上反映")
    PHONE = "phone", _("电话反映")
    WALK_IN = "walk_in", _("来访反映")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已办结")


class Appeal(models.Model):
    """A citizen appeal: from the public form, or entered by staff for a phone call or a visit."""

    reference = models.CharField(_("受理编号"), max_length=32, unique=True)
    station = models.ForeignKey("windows.Unit", verbose_name=_("反映单位"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("反映渠道"), max_length=12, choices=AppealSource.choices)
    category = models.CharField(_("类别"), max_length=20, choices=AppealCategory.choices)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=11)
    content = models.TextField(_("反映内容"))
    case_number = models.CharField(_("相关办件编号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    due_on = models.DateField(_("办理期限"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals_handled",
    )
    resolution = models.TextField(_("办理结果"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    late_on = models.DateField(_("逾期日"), null=True, blank=True)  # set once by the deadline job
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("反映时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AppealStatus.values), name="appeal_status_valid"),
            models.CheckConstraint(condition=Q(source__in=AppealSource.values), name="appeal_source_valid"),
            models.CheckConstraint(condition=Q(category__in=AppealCategory.values), name="appeal_category_valid"),
            models.CheckConstraint(
                condition=Q(status=AppealStatus.RESOLVED, resolved_at__isnull=False)
                | (~Q(status=AppealStatus.RESOLVED) & Q(resolved_at__isnull=True)),
                name="appeal_resolved_at_iff_resolved",
            ),
        ]
        indexes = [
            # a station's appeals, newest first (the staff list)
            models.Index(fields=["station", "-created_at"], name="appeal_station_recent_idx"),
            # unresolved appeals by deadline (the 9/19/29 register, the deadline job)
            models.Index(fields=["due_on"], condition=~Q(status=AppealStatus.RESOLVED), name="appeal_unresolved_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != AppealStatus.RESOLVED


class AppealEvent(models.Model):
    """One change of an appeal; the citizen's progress page and the staff timeline read this table."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, choices=AppealStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=AppealStatus.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"], name="appeal_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action}"
