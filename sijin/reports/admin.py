from django.contrib import admin

from sijin.core.admin import ServiceAdmin, Services

from .models import Briefing, WorkMethod
from .services import briefing_update, work_method_create, work_method_update


@admin.register(WorkMethod)
class WorkMethodAdmin(ServiceAdmin):
    list_display = ["title", "group", "status", "selected_level"]
    list_filter = ["status", "selected_level"]
    services = Services(create=work_method_create, update=work_method_update)


@admin.register(Briefing)
class BriefingAdmin(ServiceAdmin):
    """Briefings are generated on the 简报 page (briefing_generate); here their title and text are edited."""

    list_display = ["title", "scope", "period_start", "period_end", "status"]
    readonly_fields = [
        "scope",
        "group",
        "organization",
        "region",
        "period_start",
        "period_end",
        "status",
        "created_by",
        "submitted_at",
        "series",
        "issue_year",
        "issue_number",
    ]
    services = Services(update=briefing_update)

    def has_change_permission(self, request, obj=None):
        # A submitted briefing is frozen, here as in the app.
        return super().has_change_permission(request, obj) and not (obj and obj.status == "submitted")
