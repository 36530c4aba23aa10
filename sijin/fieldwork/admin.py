from django.contrib import admin

from sijin.core.admin import AuditedAdmin

from .models import Checklist, ChecklistItem, Feedback, Outcome, PlanStep, SupportPlan, Visit, VisitPhoto


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 0


@admin.register(SupportPlan)
class SupportPlanAdmin(AuditedAdmin):
    list_display = ["name", "target", "owner"]
    inlines = [PlanStepInline]


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
    list_display = ["date", "group", "mode", "occasions", "purpose"]
    list_filter = ["mode"]


@admin.register(Outcome)
class OutcomeAdmin(AuditedAdmin):
    list_display = ["target", "indicator", "value", "qualifier", "as_typed", "date"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(AuditedAdmin):
    list_display = ["name", "kind", "group", "target", "supervised"]
    inlines = [ChecklistItemInline]


admin.site.register([Feedback, VisitPhoto], AuditedAdmin)
