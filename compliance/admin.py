"""Compliance in the admin. The rollups, the frozen bulletins' rows and the registers' rows are read-only:
they are written by their jobs, and a closed month's bulletin changes only by an explicit, logged
rebuild. The awards change on their page; the 三长接待 leaders, quotas and records may be corrected here."""

from django.contrib import admin

from compliance.models import (
    AppealRegister,
    AppealRegisterRow,
    Award,
    Leader,
    MonthlyFigures,
    MonthlyReport,
    ReceptionQuota,
    ReceptionRecord,
    ReportBuild,
    ReportRow,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(ReadOnly):
    list_display = ["month", "station", "window", "officer", "received", "completed", "ratings", "refreshed_at"]
    list_filter = ["month"]
    list_select_related = ["station", "window", "window__station", "officer"]
    search_fields = ["unit_path"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnly):
    list_display = ["month", "version", "built_at"]


@admin.register(ReportRow)
class ReportRowAdmin(ReadOnly):
    list_display = ["report", "kind", "name", "unit_path"]
    list_filter = ["kind", "report"]
    search_fields = ["name", "unit_path"]


@admin.register(ReportBuild)
class ReportBuildAdmin(ReadOnly):
    list_display = ["report", "version", "built_at", "built_by", "reason"]


@admin.register(AppealRegister)
class AppealRegisterAdmin(ReadOnly):
    list_display = ["period_day", "due_on", "built_at"]


@admin.register(AppealRegisterRow)
class AppealRegisterRowAdmin(ReadOnly):
    list_display = ["register", "appeal", "station", "unit_path"]
    list_filter = ["register"]
    list_select_related = ["register", "appeal", "station"]


@admin.register(ReceptionQuota)
class ReceptionQuotaAdmin(admin.ModelAdmin):
    list_display = ["role", "days", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "unit", "active"]
    list_filter = ["role", "active"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(ReceptionRecord)
class ReceptionRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "leader", "role", "station", "window", "part", "citizens_served", "problems_solved"]
    list_filter = ["role", "part"]
    list_select_related = ["leader", "station", "window", "window__station"]
    search_fields = ["leader__name"]
    readonly_fields = ["role", "station", "recorded_by", "created_at"]
    date_hierarchy = "date"

    def has_add_permission(self, request) -> bool:
        return False  # through the 三长接待 page, which checks the window, the day and the actor


@admin.register(Award)
class AwardAdmin(ReadOnly):
    """Suggested by the monthly job, confirmed on the 服务标兵 page (which checks who may and why)."""

    list_display = ["month", "station", "kind", "slot", "suggested", "officer", "confirmed_at"]
    list_filter = ["month", "kind"]
    list_select_related = ["station", "suggested", "officer"]
