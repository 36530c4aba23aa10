from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from sijin.core.admin import ServiceAdmin, ServiceInline, Services

from .builder import SchemaBuilderField
from .models import (
    Campaign,
    Category,
    GroupDocument,
    Indicator,
    MeasureType,
    Membership,
    Posting,
    Target,
    TargetCadre,
    TargetKind,
    WorkGroup,
)
from .people import (
    posting_create,
    posting_delete,
    posting_update,
    target_cadre_add,
    target_cadre_remove,
    target_cadre_update,
)
from .services import (
    campaign_create,
    campaign_update,
    category_create,
    category_update,
    group_create,
    group_document_add,
    group_document_delete,
    group_update,
    indicator_create,
    indicator_update,
    measure_type_create,
    measure_type_delete,
    measure_type_update,
    membership_create,
    membership_delete,
    membership_update,
    target_create,
    target_kind_create,
    target_kind_update,
    target_update,
    typed_attributes,
)

# Django's internals stay out of 系统管理 for every role: the background tasks' results are read through the
# pages that started them (imports, exports). (Groups and authenticators are unregistered in accounts.admin, and
# django-axes' admin is off: a lockout is lifted on the user's page.)
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)

KIND = Services(create=target_kind_create, update=target_kind_update)
CATEGORY = Services(create=category_create, update=category_update)
INDICATOR = Services(create=indicator_create, update=indicator_update)
MEASURE_TYPE = Services(create=measure_type_create, update=measure_type_update, delete=measure_type_delete)
DOCUMENT = Services(create=group_document_add, delete=group_document_delete)
CADRE = Services(create=target_cadre_add, update=target_cadre_update, delete=target_cadre_remove)
POSTING = Services(create=posting_create, update=posting_update, delete=posting_delete)
MEMBERSHIP = Services(create=membership_create, update=membership_update, delete=membership_delete)


class TargetKindForm(forms.ModelForm):
    """A kind's attributes are edited as rows (campaigns.builder), checked like the service checks them."""

    schema = SchemaBuilderField(label=_("属性定义"), required=False)

    class Meta:
        model = TargetKind
        fields = ["campaign", "code", "name", "focus", "slogan", "order", "schema"]


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


class MeasureTypeInline(ServiceInline, admin.TabularInline):
    model = MeasureType
    extra = 0
    services = MEASURE_TYPE


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ["name", "level", "region", "start", "end"]
    inlines = [TargetKindInline, CategoryInline, IndicatorInline, MeasureTypeInline]
    autocomplete_fields = ["region"]
    services = Services(create=campaign_create, update=campaign_update)


class MembershipInline(ServiceInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]
    services = MEMBERSHIP


class GroupDocumentInline(ServiceInline, admin.TabularInline):
    """A group's documents; a file is opened from the group's page (scoped), not from here."""

    model = GroupDocument
    extra = 0
    fields = ["title", "kind", "issued_on", "file", "note"]
    services = DOCUMENT


@admin.register(WorkGroup)
class WorkGroupAdmin(ServiceAdmin):
    list_display = ["name", "dispatching_org", "region", "tier", "start", "end"]
    list_filter = ["tier", "campaign"]
    search_fields = ["name"]
    inlines = [MembershipInline, GroupDocumentInline]
    autocomplete_fields = ["dispatching_org", "region"]
    services = Services(create=group_create, update=group_update)


class TargetCadreInline(ServiceInline, admin.TabularInline):
    model = TargetCadre
    extra = 0
    autocomplete_fields = ["person"]
    services = CADRE


@admin.register(Target)
class TargetAdmin(ServiceAdmin):
    """Moving a target to another group (or region) moves its problems' scope with it (target_update)."""

    list_display = ["name", "kind", "region", "group", "responsible", "unnamed"]
    list_filter = ["kind", "unnamed"]
    exclude = ["unnamed", "unnamed_seq"]  # set by the services from the name (blank or 某企业 = unnamed)
    inlines = [TargetCadreInline]
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


@admin.register(MeasureType)
class MeasureTypeAdmin(ServiceAdmin):
    list_display = ["name", "campaign", "unit", "units_label", "people_label", "order"]
    list_filter = ["campaign"]
    services = MEASURE_TYPE


@admin.register(GroupDocument)
class GroupDocumentAdmin(ServiceAdmin):
    list_display = ["title", "group", "kind", "issued_on"]
    list_filter = ["kind"]
    search_fields = ["title", "group__name"]
    autocomplete_fields = ["group"]
    services = DOCUMENT


@admin.register(TargetCadre)
class TargetCadreAdmin(ServiceAdmin):
    list_display = ["person", "target", "role", "start", "end"]
    list_filter = ["role"]
    search_fields = ["person__name", "target__name"]
    autocomplete_fields = ["person", "target"]
    services = CADRE


@admin.register(Posting)
class PostingAdmin(ServiceAdmin):
    """A person's terms; overlapping terms in one role are refused by the service, shown on the form."""

    list_display = ["person", "role", "term", "region", "group", "target", "start", "end"]
    list_filter = ["role"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person", "group", "target", "region"]
    services = POSTING
