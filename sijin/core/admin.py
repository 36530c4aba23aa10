from django.contrib import admin, messages
from django.utils import timezone

from .audit import audit
from .models import AuditLog, HolidayOverride, Notification
from .workdays import coverage_warning

admin.site.site_header = "四进 · 系统管理"
admin.site.site_title = "四进"
admin.site.index_title = "系统管理"


class AuditedAdmin(admin.ModelAdmin):
    """Admin pages write through here so that every change leaves an audit row too."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            request.user,
            f"admin_{'change' if change else 'add'}",
            obj,
            f"管理后台{'修改' if change else '新增'} {obj}",
            fields=list(form.changed_data),
        )

    def delete_model(self, request, obj):
        audit(request.user, "admin_delete", obj, f"管理后台删除 {obj}")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit(request.user, "admin_delete", obj, f"管理后台删除 {obj}")
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        # Inline rows (role grants on a user, steps of a plan …) are audited one by one too.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit(request.user, "admin_delete", obj, f"管理后台删除 {obj}")
            obj.delete()
        for obj in instances:
            new = obj.pk is None
            obj.save()
            audit(
                request.user,
                f"admin_{'add' if new else 'change'}",
                obj,
                f"管理后台{'新增' if new else '修改'} {obj}",
            )
        formset.save_m2m()


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "note"]

    def changelist_view(self, request, extra_context=None):
        # This is where the missing holidays are entered, so this is where the admins are told.
        year = timezone.localdate().year
        for y in (year, year + 1):
            if warning := coverage_warning(y):
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "kind", "title", "read_at"]
