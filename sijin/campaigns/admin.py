from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from sijin.core.admin import ServiceAdmin, ServiceInline, Services

from .attributes import validate_schema
from .models import Campaign, Category, Indicator, Membership, Target, TargetKind, WorkGroup
from .services import (
    campaign_create,
    campaign_update,
    category_create,
    category_update,
    group_create,
    group_update,
    indicator_create,
    indicator_update,
    membership_create,
    membership_delete,
    membership_update,
    target_create,
    target_kind_create,
    target_kind_update,
    target_update,
    typed_attributes,
)

KIND = Services(create=target_kind_create, update=target_kind_update)
CATEGORY = Services(create=category_create, update=category_update)
INDICATOR = Services(create=indicator_create, update=indicator_update)
MEMBERSHIP = Services(create=membership_create, update=membership_update, delete=membership_delete)


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


class TargetKindInline(ServiceInline, admin.StackedInline):
    model = TargetKind
    form = TargetKindForm
    extra = 0
    services = KIND


class CategoryInline(ServiceInline, admin.TabularInline):
    model = Category
    extra = 0
    services = CATEGORY


class IndicatorInline(ServiceInline, admin.TabularInline):
    model = Indicator
    extra = 0
    services = INDICATOR


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ["name", "level", "region", "start", "end"]
    inlines = [TargetKindInline, CategoryInline, IndicatorInline]
    autocomplete_fields = ["region"]
    services = Services(create=campaign_create, update=campaign_update)


class MembershipInline(ServiceInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]
    services = MEMBERSHIP


@admin.register(WorkGroup)
class WorkGroupAdmin(ServiceAdmin):
    list_display = ["name", "dispatching_org", "region", "tier", "start", "end"]
    list_filter = ["tier", "campaign"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    autocomplete_fields = ["dispatching_org", "region"]
    services = Services(create=group_create, update=group_update)


@admin.register(Target)
class TargetAdmin(ServiceAdmin):
    """Moving a target to another group (or region) moves its problems' scope with it (target_update)."""

    list_display = ["name", "kind", "region", "group", "responsible"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "responsible"]
    services = Services(create=target_create, update=target_update)

    def service_values(self, request, form, change):
        values = super().service_values(request, form, change)
        if "attributes" in values:  # the JSON shows stored quantities; the service reads them as typed
            values["attributes"] = typed_attributes(values["attributes"] or {})
        return values


@admin.register(TargetKind)
class TargetKindAdmin(ServiceAdmin):
    form = TargetKindForm
    list_display = ["name", "campaign", "focus", "slogan", "order"]
    services = KIND


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ["name", "campaign", "order", "solve_days"]
    services = CATEGORY


@admin.register(Indicator)
class IndicatorAdmin(ServiceAdmin):
    list_display = ["name", "campaign", "unit", "order"]
    services = INDICATOR


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["person", "group", "role", "duty"]
    autocomplete_fields = ["person"]
    services = MEMBERSHIP
