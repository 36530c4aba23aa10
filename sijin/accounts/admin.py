from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from sijin.core.admin import ServiceAdmin, ServiceInline, Services

from .models import RoleGrant, User
from .services import role_grant, role_revoke, user_create, user_password_set, user_update


class RoleGrantInline(ServiceInline, admin.TabularInline):
    """A grant is given (role_grant) or withdrawn (role_revoke), never edited in place."""

    model = RoleGrant
    extra = 0
    autocomplete_fields = ["region", "organization"]
    services = Services(create=role_grant, delete=role_revoke)


# Who is changing a password, for the password form's save (the admin builds that form without the request).
_password_actor: ContextVar[User | None] = ContextVar("password_actor", default=None)


class PasswordForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        self.user = user_password_set(actor=_password_actor.get(), user=self.user, password=password)
        return self.user


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    """Logins are deactivated (取消“有效”), not deleted: the audit log goes on naming who did what."""

    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("人员", {"fields": ("person",)}))
    list_display = ["username", "first_name", "person", "is_staff", "is_active"]
    inlines = [RoleGrantInline]
    autocomplete_fields = ["person"]
    services = Services(create=user_create, update=user_update)
    change_password_form = PasswordForm

    def service_values(self, request, form, change):
        values = super().service_values(request, form, change)
        if not change:  # the add form asks for the password twice (or for none)
            usable = form.cleaned_data.get("set_usable_password", True)
            values["password"] = form.cleaned_data["password1"] if usable else None
        return values

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)


@admin.register(RoleGrant)
class RoleGrantAdmin(ServiceAdmin):
    list_display = ["user", "role", "region", "organization", "work_group"]
    list_filter = ["role"]
    autocomplete_fields = ["region", "organization"]
    services = Services(create=role_grant, delete=role_revoke)
