"""The 三长接待 page's forms: a stint, a new leader, the quotas. They read the input; the services
judge it (their messages come back onto the form's fields)."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import DayPart, LeaderRole
from compliance.selectors import receptions as selectors
from compliance.services import receptions as services


class ReceptionForm(forms.Form):
    """One stint. Leaders and windows are offered from the user's scope only; anything else is refused
    as an invalid choice."""

    leader = forms.ModelChoiceField(
        label=_("接待领导"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={"required": services.LEADER_REQUIRED, "invalid_choice": services.LEADER_REQUIRED},
    )
    window = forms.ModelChoiceField(
        label=_("窗口"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={"required": services.WINDOW_REQUIRED, "invalid_choice": services.WINDOW_REQUIRED},
    )
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": services.DATE_REQUIRED, "invalid": _("日期格式应为“年-月-日”，如 2026-05-08。")},
    )
    part = forms.ChoiceField(
        label=_("时长"),
        choices=DayPart.choices,
        initial=DayPart.HALF,
        widget=forms.RadioSelect,
        error_messages={"required": services.PART_INVALID, "invalid_choice": services.PART_INVALID},
    )
    citizens_served = forms.IntegerField(
        label=_("接待群众（人次）"),
        min_value=0,
        initial=0,
        error_messages={"required": services.COUNT_INVALID, "invalid": services.COUNT_INVALID,
                        "min_value": services.COUNT_INVALID},
    )  # fmt: skip
    problems_solved = forms.IntegerField(
        label=_("解决问题（件）"),
        min_value=0,
        initial=0,
        error_messages={"required": services.COUNT_INVALID, "invalid": services.COUNT_INVALID,
                        "min_value": services.COUNT_INVALID},
    )  # fmt: skip
    notes = forms.CharField(
        label=_("情况记录"),
        required=False,
        max_length=services.NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": services.NOTES_TOO_LONG},
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "part": DayPart.HALF})
        super().__init__(*args, **kwargs)
        leaders = selectors.leader_choices(user)
        self.fields["leader"].queryset = leaders
        self.fields["leader"].label_from_instance = lambda ld: f"{ld.name}（{ld.get_role_display()}，{ld.unit.name}）"
        windows = selectors.window_choices(user)
        self.fields["window"].queryset = windows
        self.fields["window"].label_from_instance = lambda w: f"{w.number}号窗口 {w.name}"
        self.window_groups = _window_groups(windows)

    def clean(self):
        data = super().clean()
        served, solved = data.get("citizens_served"), data.get("problems_solved")
        if served is not None and solved is not None and solved > served:
            self.add_error("problems_solved", services.SOLVED_ABOVE_SERVED)
        return data


def _window_groups(windows) -> list[tuple[str, list[tuple[int, str]]]]:
    """The window select's options grouped by station (one group without a label at a station)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for w in windows.order_by("station__path", "number"):
        groups[w.station.name].append((w.pk, f"{w.number}号窗口 {w.name}"))
    if len(groups) == 1:
        return [("", next(iter(groups.values())))]
    return list(groups.items())


class LeaderForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"),
        max_length=services.NAME_MAX_LENGTH,
        error_messages={"required": services.NAME_REQUIRED, "max_length": services.NAME_TOO_LONG},
    )
    role = forms.ChoiceField(
        label=_("职务"),
        choices=[("", _("请选择")), *LeaderRole.choices],
        error_messages={"required": services.ROLE_INVALID, "invalid_choice": services.ROLE_INVALID},
    )
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={"required": services.UNIT_REQUIRED, "invalid_choice": services.UNIT_REQUIRED},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.unit_choices(user)


class QuotaForm(forms.Form):
    """Every role's days a month, one field each (named by the role)."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[line.role] = forms.DecimalField(
                label=line.label,
                min_value=0,
                max_value=services.QUOTA_MAX_DAYS,
                max_digits=3,
                decimal_places=1,
                initial=line.days,
                error_messages={key: services.QUOTA_INVALID for key in
                                ("required", "invalid", "min_value", "max_value", "max_digits", "max_decimal_places",
                                 "max_whole_digits")},
            )  # fmt: skip
            self.fields[line.role].widget.attrs.update({"step": "0.5", "inputmode": "decimal"})
