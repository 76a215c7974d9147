from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hukou import personal_data
from hukou.models import Channel, ServiceType
from hukou.services import status as status_lookup
from hukou.services.cases import ACTION_LABELS, TRANSITION_ACTIONS
from windows.models import ServiceWindow

YES_NO = [("yes", _("是")), ("no", _("否"))]


class SelfCheckForm(forms.Form):
    """The citizen's self-check on a guide page: which materials they have, and their answers to the
    service type's conditions (fields ``fact_<key>``; unanswered is allowed)."""

    provided = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, service_type: ServiceType, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_type = service_type
        self.fields["provided"].choices = [(item.pk, item.name) for item in service_type.items.all()]
        for condition in service_type.conditions.all():
            self.fields[f"fact_{condition.key}"] = forms.ChoiceField(
                label=condition.question, choices=YES_NO, required=False, widget=forms.RadioSelect
            )

    def condition_fields(self):
        """Each condition with its bound yes/no field, in order, for the template."""
        return [(c, self[f"fact_{c.key}"]) for c in self.service_type.conditions.all()]

    def facts(self) -> dict[str, bool]:
        return {
            name.removeprefix("fact_"): value == "yes"
            for name, value in self.cleaned_data.items()
            if name.startswith("fact_") and value
        }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


DRAFT = "draft"  # the intake's "save as draft": create the case and do nothing more


class CaseIntakeForm(SelfCheckForm):
    """A new case at the window: the applicant, the answers and materials (from ``SelfCheckForm``)
    and the action to take at once. ``actions`` are the transitions this user may choose besides
    saving a draft. The personal data are checked here with the same functions the service uses,
    so a bad one is an error next to its field; ``id_warnings`` keeps what the officer is warned of."""

    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=24)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    channel = forms.ChoiceField(label=_("办理渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    window = forms.ModelChoiceField(label=_("窗口"), queryset=ServiceWindow.objects.none(), required=False)
    priority = forms.BooleanField(label=_("老弱病残孕优先"), required=False)
    commitment_signed = forms.BooleanField(label=_("申请人已签署容缺受理承诺书"), required=False)
    supplement_due_on = forms.DateField(label=_("容缺材料补齐期限"), required=False, widget=DateInput)
    note = forms.CharField(
        label=_("告知备注"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("作为说明印在告知书上；所缺材料只能是清单中的，备注不能增加材料要求。"),
    )
    send_sms = forms.BooleanField(label=_("短信发送"), required=False)  # a copy of the notice by SMS
    action = forms.ChoiceField(label=_("操作"))

    def __init__(self, *args, service_type: ServiceType, windows, actions, **kwargs):
        super().__init__(*args, service_type=service_type, **kwargs)
        self.fields["window"].queryset = windows
        self.fields["action"].choices = [(DRAFT, _("保存草稿")), *((a, ACTION_LABELS[a]) for a in actions)]
        self.id_warnings: tuple[str, ...] = ()

    def clean_applicant_name(self) -> str:
        return self.cleaned_data["applicant_name"].strip()

    def clean_id_number(self) -> str:
        number = personal_data.validate_id_number(self.cleaned_data["id_number"], today=timezone.localdate())
        self.id_warnings = number.warnings
        return number.value

    def clean_phone(self) -> str:
        return personal_data.normalise_phone(self.cleaned_data["phone"])


class CaseTransitionForm(forms.Form):
    """One move of a case from its page. Whether the move is allowed is the service's question."""

    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in TRANSITION_ACTIONS])
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(
        label=_("法律依据"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    supplement_due_on = forms.DateField(label=_("容缺材料补齐期限"), required=False, widget=DateInput)
    commitment_signed = forms.BooleanField(label=_("申请人已签署容缺受理承诺书"), required=False)
    send_sms = forms.BooleanField(label=_("短信发送"), required=False)


class CaseMaterialsForm(forms.Form):
    """Materials the citizen brought back, ticked on the case page."""

    provided = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provided"].choices = [(item.pk, item.name) for item in items]
        self.fields["provided"].error_messages["required"] = _("请先勾选群众本次带来的材料。")


class StatusLookupForm(forms.Form):
    """The citizen's status lookup: the case number and one second factor, chosen by ``factor``.
    The inputs are checked by the lookup service's own rules, so the page and the API agree."""

    FACTOR_ID = "id"
    FACTOR_PHONE = "phone"

    number = forms.CharField(label=_("办件编号"), max_length=60)
    factor = forms.ChoiceField(
        label=_("验证方式"),
        choices=[(FACTOR_ID, _("身份证号后6位")), (FACTOR_PHONE, _("手机号后4位"))],
        initial=FACTOR_ID,
    )
    id_suffix = forms.CharField(label=_("申请人身份证号后6位"), required=False, max_length=20)
    phone_suffix = forms.CharField(label=_("登记手机号后4位"), required=False, max_length=20)

    def clean_number(self) -> str:
        return status_lookup.normalise_number(self.cleaned_data["number"])

    def clean(self) -> dict:
        data = super().clean()
        field, normalise = {
            self.FACTOR_ID: ("id_suffix", status_lookup.normalise_id_suffix),
            self.FACTOR_PHONE: ("phone_suffix", status_lookup.normalise_phone_suffix),
        }.get(data.get("factor"), (None, None))
        if field is not None:
            try:
                data[field] = normalise(data.get(field))
            except ValidationError as exc:
                self.add_error(field, exc)
        return data

    def lookup_arguments(self) -> dict[str, str]:
        """For ``case_status_lookup``: the number and the chosen factor only."""
        field = "id_suffix" if self.cleaned_data["factor"] == self.FACTOR_ID else "phone_suffix"
        return {"number": self.cleaned_data["number"], field: self.cleaned_data[field]}
