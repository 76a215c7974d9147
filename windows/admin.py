from django.contrib import admin

from windows import services
from windows.models import Holiday, Notification, ServiceWindow, Staff, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]

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
