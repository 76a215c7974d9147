from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from hukou import services
from hukou.models import ChecklistItem, Condition, ServiceType


class ConditionInline(admin.TabularInline):
    model = Condition
    extra = 0


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["order", "name", "detail", "condition", "group", "deferrable"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the conditions of the service type being edited.
        if db_field.name == "condition":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Condition.objects.filter(service_type_id=object_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    """The catalog. Only the current version of a service type can be edited; "创建新版本" copies it
    into a new current version and keeps the old one, unchanged, for what was recorded against it."""

    list_display = ["name", "code", "version", "is_current", "category", "time_limit_days", "fee_yuan", "active"]
    list_filter = ["is_current", "active", "category", "handling_mode"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "version", "is_current", "source_hash"]
    inlines = [ConditionInline, ChecklistItemInline]
    actions = ["make_new_version"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ["version", "is_current", "source_hash"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_current:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A service type is retired by clearing "启用", never deleted: records point at its versions.
        return False

    @admin.action(description=_("基于所选事项创建新版本"))
    def make_new_version(self, request, queryset):
        for service_type in queryset.filter(is_current=True):
            new = services.service_type_new_version(service_type=service_type)
            self.message_user(request, _("已创建 %(name)s 第%(v)s版。") % {"name": new.name, "v": new.version})
        if queryset.filter(is_current=False).exists():
            self.message_user(request, _("历史版本不能再创建新版本，已跳过。"), messages.WARNING)
