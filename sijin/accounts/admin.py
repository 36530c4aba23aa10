from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sijin.core.admin import AuditedAdmin

from .models import RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["region", "organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, AuditedAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("人员", {"fields": ("person",)}))
    list_display = ["username", "first_name", "person", "is_staff", "is_active"]
    inlines = [RoleGrantInline]
    autocomplete_fields = ["person"]


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedAdmin):
    list_display = ["user", "role", "region", "organization", "work_group"]
    list_filter = ["role"]
    autocomplete_fields = ["region", "organization"]
