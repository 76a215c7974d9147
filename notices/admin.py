from django.contrib import admin

from notices.models import SmsMessage, SmsTemplate


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ["purpose", "text", "aliyun_template_code", "tencent_template_id", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # every purpose needs its template; messages keep a reference to theirs


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Read-only: messages change through their sending, a receipt or the supervisors' retry."""

    list_display = ["created_at", "purpose", "phone_masked", "reference", "status", "attempts", "provider"]
    list_filter = ["status", "purpose", "provider"]
    search_fields = ["reference", "idempotency_key", "provider_message_id"]
    exclude = ["phone"]
    readonly_fields = ["phone_masked"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
