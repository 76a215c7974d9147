"""The bulletin page's form: rebuild it, with the reason. The service judges the reason; its messages
come back onto the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.services import reports as services


class ReportRebuildForm(forms.Form):
    reason = forms.CharField(
        label=_("重新生成的原因"),
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.REASON_MAX_LENGTH}),
        error_messages={"required": services.REASON_REQUIRED, "max_length": services.REASON_TOO_LONG},
    )
