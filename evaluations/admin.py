"""Evaluations in the admin: read-only. Ratings are never edited or deleted, and everything else changes
through its page and service (the workflows record who did what)."""

from django.contrib import admin

from evaluations.models import Appeal, Device, Evaluation, Rectification


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ["created_at", "case", "station", "window", "officer", "channel", "level"]
    list_filter = ["channel", "level"]
    search_fields = ["case__number"]
    exclude = ["contact_phone"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["evaluation", "station", "assignee", "status", "contact_due_on", "rectify_due_on"]
    list_filter = ["status"]


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ["reference", "station", "source", "category", "status", "due_on", "created_at"]
    list_filter = ["status", "source", "category"]
    search_fields = ["reference"]
    exclude = ["contact_phone"]


@admin.register(Device)
class DeviceAdmin(ReadOnly):
    list_display = ["window", "station", "paired_at", "last_seen_at"]
    exclude = ["pairing_code", "token_nonce"]
