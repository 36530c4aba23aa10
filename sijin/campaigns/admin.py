from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from sijin.core.admin import AuditedAdmin

from .attributes import validate_schema
from .models import Campaign, Category, Indicator, Membership, Target, TargetKind, WorkGroup


class TargetKindForm(forms.ModelForm):
    """The attribute schema typed in the admin is checked like the service checks it."""

    class Meta:
        model = TargetKind
        fields = ["campaign", "code", "name", "focus", "slogan", "order", "schema"]
        help_texts = {
            "schema": '例:[{"key": "investment", "label": "规划投资", "type": "quantity", "unit": "万元", '
            '"required": false}];type 可为 text、number、quantity、percent、date、bool。'
        }

    def clean_schema(self):
        schema = self.cleaned_data["schema"]
        try:
            validate_schema(schema)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return schema


class TargetKindInline(admin.StackedInline):
    model = TargetKind
    form = TargetKindForm
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


@admin.register(TargetKind)
class TargetKindAdmin(AuditedAdmin):
    form = TargetKindForm
    list_display = ["name", "campaign", "focus", "slogan", "order"]


admin.site.register([Category, Indicator, Membership], AuditedAdmin)
