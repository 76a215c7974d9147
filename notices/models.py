"""The SMS outbox: every message is a row first, written in the transaction of its cause, then sent by
a Celery task (notices.services.sms_send). Templates are edited in the admin.

``notices`` knows phones, templates, providers and delivery; it does not know cases. A message carries a
``reference`` (for a case: its number) and the unit it is sent for, which scopes who may see it.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notices.phones import mask_phone

# ${name}: the placeholder of Aliyun's templates, so a template's text reads the same here and there.
PLACEHOLDER = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")
SIGNATURE = re.compile(r"[【\[].*?[】\]]")


class Purpose(models.TextChoices):
    COMPLETION = "completion", _("办结通知")
    SUPPLEMENT_REMINDER = "supplement_reminder", _("容缺补交提醒")
    NOTICE_COPY = "notice_copy", _("告知单")
    RATING_INVITATION = "rating_invitation", _("评价邀请")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    DEFERRED = "deferred", _("延后发送")


# The shipped text of each purpose, until an admin edits it (and registers it at the provider).
DEFAULT_TEXTS = {
    Purpose.COMPLETION: (
        "您在${station}办理的${service}已办结，请于${date}起${hours}携带${bring}到${window}领取。办件号${number}。"
    ),
    Purpose.SUPPLEMENT_REMINDER: (
        "您在${station}容缺受理的${service}（办件号${number}），请于${due}前携带${missing}到窗口补交。"
    ),
    Purpose.NOTICE_COPY: (
        "您在${station}申请的${service}（办件号${number}）需补正材料：${missing}。"
        "请带齐材料和补正材料通知书到窗口办理。"
    ),
    Purpose.RATING_INVITATION: "您在${station}办理的${service}已办结，欢迎评价我们的服务：${link} （7日内有效）",
}

# The parameters each purpose's callers supply: a template may use these and no others (one that asked for
# another could never be rendered, and the case move that sends it would be refused).
PARAMETERS = {
    Purpose.COMPLETION: ("station", "service", "date", "hours", "bring", "window", "number"),
    Purpose.SUPPLEMENT_REMINDER: ("station", "service", "number", "due", "missing"),
    Purpose.NOTICE_COPY: ("station", "service", "number", "missing"),
    Purpose.RATING_INVITATION: ("station", "service", "link"),
}

# Waiting to be sent (the sweeper and the send task take these once ``send_after`` has come).
WAITING = (SmsStatus.QUEUED, SmsStatus.DEFERRED)
# Counted against a phone's limits: handed, or being handed, to the provider.
COUNTED = (SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.DELIVERED)


class SmsTemplate(models.Model):
    """The text of one purpose's messages, with ``${name}`` placeholders, and its codes at the providers
    (a notification template is registered and approved there first; the provider adds the signature)."""

    purpose = models.CharField(_("用途"), max_length=30, choices=Purpose.choices, unique=True)
    text = models.TextField(
        _("短信内容"),
        help_text=_("用 ${参数名} 标出参数，如 ${station}。不写签名【…】：签名由短信平台加上。"),
    )
    aliyun_template_code = models.CharField(_("阿里云模板代码"), max_length=50, blank=True)
    tencent_template_id = models.CharField(_("腾讯云模板ID"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["purpose"]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="sms_template_purpose_valid")
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()

    @property
    def parameters(self) -> list[str]:
        """The placeholders in order of first appearance (Tencent's templates number them in this order)."""
        return list(dict.fromkeys(PLACEHOLDER.findall(self.text)))

    def clean(self) -> None:
        errors = []
        if SIGNATURE.search(self.text or ""):
            errors.append(_("不要在内容里写签名【…】：签名由短信平台加上。"))
        stray = re.sub(PLACEHOLDER, "", self.text or "")
        unknown = [name for name in self.parameters if name not in PARAMETERS.get(self.purpose, ())]
        if unknown:
            errors.append(
                _("“%(purpose)s”没有这些参数：%(names)s。可用的参数：%(known)s。")
                % {"purpose": self.get_purpose_display(), "names": "、".join(unknown),
                   "known": "、".join(PARAMETERS.get(self.purpose, ()))}
            )  # fmt: skip
        if "${" in stray:
            errors.append(_("参数写作 ${参数名}，参数名用小写英文字母、数字和下划线。"))
        if errors:
            raise ValidationError({"text": errors})

    def render(self, params: dict[str, str]) -> str:
        missing = [name for name in self.parameters if name not in params]
        if missing:
            raise ValidationError(
                {
                    "params": [
                        _("短信模板“%(purpose)s”缺少参数：%(names)s") % {"purpose": self, "names": "、".join(missing)}
                    ]
                }
            )
        return PLACEHOLDER.sub(lambda match: str(params[match.group(1)]), self.text)


class SmsMessageQuerySet(models.QuerySet):
    def due(self, now=None) -> "SmsMessageQuerySet":
        """Waiting, and its time has come."""
        return self.filter(status__in=WAITING, send_after__lte=now or timezone.now())


class SmsMessage(models.Model):
    """One text message to one phone."""

    phone = models.CharField(_("手机号码"), max_length=11)
    purpose = models.CharField(_("用途"), max_length=30, choices=Purpose.choices)
    template = models.ForeignKey(SmsTemplate, on_delete=models.PROTECT, verbose_name=_("模板"))
    params = models.JSONField(_("模板参数"), default=dict)
    text = models.TextField(_("短信内容"))
    reference = models.CharField(_("业务编号"), max_length=60, blank=True, help_text=_("如办件编号"))
    unit = models.ForeignKey(
        "windows.Unit", on_delete=models.PROTECT, related_name="sms_messages", verbose_name=_("发送单位")
    )
    urgent = models.BooleanField(_("紧急"), default=False, help_text=_("紧急短信不受夜间免打扰时段限制"))
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    provider = models.CharField(_("短信平台"), max_length=20, blank=True)
    provider_message_id = models.CharField(_("平台消息编号"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    send_after = models.DateTimeField(_("最早发送时间"), default=timezone.now)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SmsStatus.values), name="sms_status_valid"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="sms_purpose_valid"),
        ]
        indexes = [
            # The sweeper and the send task: waiting messages whose time has come.
            models.Index(fields=["send_after"], condition=Q(status__in=WAITING), name="sms_waiting_idx"),
            # The sweeper: messages left in ``sending`` by a crash.
            models.Index(fields=["sending_started_at"], condition=Q(status=SmsStatus.SENDING), name="sms_sending_idx"),
            # Per-phone limits: what was handed to the provider recently.
            models.Index(fields=["phone", "sending_started_at"], name="sms_phone_recent_idx"),
            # A case's SMS history.
            models.Index(fields=["reference", "-created_at"], name="sms_reference_idx"),
            # Delivery receipts.
            models.Index(fields=["provider", "provider_message_id"], name="sms_provider_id_idx"),
            # The supervisors' page of failed and deferred messages.
            models.Index(
                fields=["unit", "-created_at"],
                condition=Q(status__in=[SmsStatus.FAILED, SmsStatus.DEFERRED]),
                name="sms_attention_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.phone_masked} {self.get_status_display()}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)
