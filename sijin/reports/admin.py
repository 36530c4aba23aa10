from django.contrib import admin

from sijin.core.admin import AuditedAdmin

from .models import Briefing, WorkMethod


@admin.register(WorkMethod)
class WorkMethodAdmin(AuditedAdmin):
    list_display = ["title", "group", "status", "selected_level"]
    list_filter = ["status", "selected_level"]


@admin.register(Briefing)
class BriefingAdmin(AuditedAdmin):
    list_display = ["title", "scope", "period_start", "period_end", "status"]

    def has_change_permission(self, request, obj=None):
        # A submitted briefing is frozen, here as in the app.
        return super().has_change_permission(request, obj) and not (obj and obj.status == "submitted")
