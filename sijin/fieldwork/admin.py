from django.contrib import admin

from sijin.core.admin import AuditedAdmin, ServiceAdmin, ServiceInline, Services

from .models import (
    Checklist,
    ChecklistItem,
    Feedback,
    Measure,
    Outcome,
    PlanStep,
    SupportPlan,
    Visit,
    VisitPhoto,
)
from .services import (
    checklist_create,
    checklist_update,
    feedback_record,
    feedback_update,
    measure_record,
    measure_update,
    outcome_record,
    outcome_update,
    plan_create,
    plan_step_create,
    plan_step_update,
    plan_update,
    visit_record,
    visit_update,
)


class PlanStepInline(ServiceInline, admin.TabularInline):
    model = PlanStep
    extra = 0
    services = Services(create=plan_step_create, update=plan_step_update)


@admin.register(SupportPlan)
class SupportPlanAdmin(ServiceAdmin):
    list_display = ["name", "target", "owner"]
    inlines = [PlanStepInline]
    services = Services(create=plan_create, update=plan_update)


@admin.register(Visit)
class VisitAdmin(ServiceAdmin):
    list_display = ["date", "group", "mode", "occasions", "purpose"]
    list_filter = ["mode"]
    readonly_fields = ["created_by"]  # whoever records it (visit_record)
    services = Services(create=visit_record, update=visit_update)


@admin.register(Outcome)
class OutcomeAdmin(ServiceAdmin):
    list_display = ["target", "indicator", "value", "qualifier", "as_typed", "date"]
    # read from the value as typed (outcome_record): “10-20万元/天” fills the range and the period
    readonly_fields = [
        "qualifier",
        "as_typed",
        "value_high",
        "per",
        "value_before",
        "qualifier_before",
        "status",
    ]
    services = Services(create=outcome_record, update=outcome_update)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(ServiceAdmin):
    list_display = ["name", "kind", "group", "target", "supervised"]
    inlines = [ChecklistItemInline]
    services = Services(create=checklist_create, update=checklist_update)


@admin.register(Feedback)
class FeedbackAdmin(ServiceAdmin):
    list_display = ["speaker_name", "target", "rating", "date"]
    services = Services(create=feedback_record, update=feedback_update)


@admin.register(Measure)
class MeasureAdmin(ServiceAdmin):
    list_display = ["date", "group", "type", "times", "units", "people", "target"]
    list_filter = ["type"]
    raw_id_fields = ["problem", "plan_step", "target"]
    readonly_fields = ["created_by"]  # whoever records it (measure_record)
    services = Services(create=measure_record, update=measure_update)


admin.site.register(VisitPhoto, AuditedAdmin)
