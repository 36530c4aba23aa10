from django.contrib import admin

from .models import Problem, ProblemEvent


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "comment", "data", "on_date"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Read-only here: a problem changes only through the workflow (problem_transition)."""

    list_display = ["title", "target", "status", "level", "handling_org", "deadline"]
    list_filter = ["status", "level"]
    search_fields = ["title"]
    inlines = [ProblemEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # 撤销 through the workflow keeps the timeline; deleting would erase it
