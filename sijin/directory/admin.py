from django.contrib import admin

from sijin.core.admin import AuditedAdmin

from .models import Organization, Person, Region


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "region", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "parent"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name", "organization", "title", "mobile", "is_expert"]
    list_filter = ["is_expert"]
    search_fields = ["name", "mobile"]
    autocomplete_fields = ["organization"]
