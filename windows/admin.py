from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from windows import services
from windows.models import Holiday, Notification, ServiceWindow, Staff, Unit


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "address", "phone"]

    def clean(self):
        # What the service would refuse, said on the form rather than as an error page.
        data = super().clean()
        parent = data.get("parent")
        if self.instance.pk and parent and parent.path.startswith(self.instance.path):
            raise ValidationError({"parent": services.UNIT_UNDER_ITSELF})
        return data


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitAdminForm
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # A unit's level is fixed once it exists: its children, staff and windows depend on it.
        return ["path", "kind"] if obj else ["path"]

    def save_model(self, request, obj, form, change):
        # The path of a unit and of its subtree is derived; the services keep it right.
        if change:
            services.unit_update(unit=obj, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            data = {f: form.cleaned_data[f] for f in form.fields if f not in ("code", "name", "kind", "parent")}
            saved = services.unit_create(code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent, **data)
            obj.pk, obj.path = saved.pk, saved.path


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "name", "kind", "is_open"]
    list_filter = ["kind", "is_open"]
    search_fields = ["name", "station__name"]
    autocomplete_fields = ["station"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "role", "unit", "police_number", "is_sworn"]
    list_filter = ["role", "is_sworn"]
    search_fields = ["user__username", "user__first_name", "police_number"]
    autocomplete_fields = ["user", "unit"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "text", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["text", "recipient__username"]
    raw_id_fields = ["recipient"]
