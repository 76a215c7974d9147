from django import forms
from django.utils.translation import gettext_lazy as _

from hukou.models import ServiceType

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
