from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sijin.core.admin import AuditedAdmin, ServiceAdmin, Services

from .models import Organization, Person, Region
from .services import organization_create, organization_update, person_create, person_update


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    """Regions are loaded in bulk (regions_load); a single correction here takes the generic audited path."""

    list_display = ["code", "name", "level", "parent", "zone"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]

    @admin.display(description=_("功能区"), boolean=True)
    def zone(self, region: Region) -> bool:
        return region.is_zone


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ["name", "kind", "region", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "parent"]
    services = Services(create=organization_create, update=organization_update)


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    list_display = ["name", "organization", "title", "mobile", "is_expert"]
    list_filter = ["is_expert"]
    search_fields = ["name", "mobile"]
    autocomplete_fields = ["organization"]
    services = Services(create=person_create, update=person_update)
    personal_data = True  # opening a person's page is audited
