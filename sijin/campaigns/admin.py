from django.contrib import admin

from sijin.core.admin import AuditedAdmin

from .models import Campaign, Category, Indicator, Membership, Target, TargetKind, WorkGroup


class TargetKindInline(admin.StackedInline):
    model = TargetKind
    extra = 0


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["name", "level", "region", "start", "end"]
    inlines = [TargetKindInline, CategoryInline, IndicatorInline]
    autocomplete_fields = ["region"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(WorkGroup)
class WorkGroupAdmin(AuditedAdmin):
    list_display = ["name", "dispatching_org", "region", "tier", "start", "end"]
    list_filter = ["tier", "campaign"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    autocomplete_fields = ["dispatching_org", "region"]


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["name", "kind", "region", "group", "responsible"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "responsible"]


admin.site.register([TargetKind, Category, Indicator, Membership], AuditedAdmin)
