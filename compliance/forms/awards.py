"""The 服务标兵 page's form: confirm a slot, or change it with a note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.services import awards as services


class AwardConfirmForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("评定人选"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={"required": services.OFFICER_REQUIRED, "invalid_choice": services.OFFICER_NOT_OF_STATION},
    )
    note = forms.CharField(
        label=_("评定说明"),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        error_messages={"max_length": services.NOTE_TOO_LONG},
    )

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = services.station_officers(station)
