"""Logins and role grants in the admin site, kept by the security admin (三员分立).

What each administrator may open here follows from their role (sijin.accounts.backends); which logins and
grants the pages list, and which roles they offer, from ``access.logins_managed_by`` and
``access.roles_granted_by``; the services refuse the rest again. Nothing here edits ``is_superuser``,
``is_staff``, groups or single permissions: a superuser is made at the command line only, the admin site opens
to the three administrators' roles, and what they may do there follows from the role.
"""

from contextvars import ContextVar

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sijin.core.admin import ServiceAdmin, ServiceInline, Services
from sijin.core.services import error_text

from .access import logins_managed_by, roles_granted_by
from .models import Role, RoleGrant, User
from .services import (
    role_grant,
    role_revoke,
    user_create,
    user_password_set,
    user_second_factor_reset,
    user_unlock,
    user_update,
)

# Groups and single permissions are not used (a role's grant says what its holder may do), and an
# authenticator's secret is shown to nobody but its owner, once.
for unused in (Group, TOTPDevice):
    if admin.site.is_registered(unused):
        admin.site.unregister(unused)


def role_choices(request) -> list[tuple[str, str]]:
    allowed = roles_granted_by(request.user)
    return [("", "---------"), *((value, str(label)) for value, label in Role.choices if value in allowed)]


class GrantChoices:
    """The roles a grant form offers: those its user may grant."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = role_choices(request)
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]


class RoleGrantInline(GrantChoices, ServiceInline, admin.TabularInline):
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


def _each(modeladmin, request, queryset, service, done: str) -> None:
    """Run a service on each selected login; say how many, and any refusal."""
    count = 0
    for user in queryset:
        try:
            service(actor=request.user, user=user)
        except ValidationError as refusal:
            modeladmin.message_user(request, f"{user.username}:{error_text(refusal)}", messages.ERROR)
        else:
            count += 1
    modeladmin.message_user(request, done % {"n": count}, messages.SUCCESS)


@admin.action(description="解除登录锁定", permissions=["change"])
def unlock(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, user_unlock, "已解除 %(n)d 个账号的登录锁定。")


@admin.action(description="重置双因素认证(丢失手机时)", permissions=["change"])
def second_factor_reset(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, user_second_factor_reset, "已重置 %(n)d 个账号的双因素认证。")


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    """Logins are deactivated (取消“有效”), not deleted: the audit log goes on naming who did what."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email", "person")}),
        ("状态", {"fields": ("is_active", "password_must_change", "is_staff", "is_superuser")}),
        ("重要日期", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined", "password_changed_at"]
    filter_horizontal = ()
    list_display = ["username", "first_name", "person", "is_active", "is_staff", "locked", "last_login"]
    list_filter = ["is_active", "is_staff", "grants__role"]
    inlines = [RoleGrantInline]
    autocomplete_fields = ["person"]
    actions = [unlock, second_factor_reset]
    services = Services(create=user_create, update=user_update)
    personal_data = True  # opening a login's page is audited
    change_password_form = PasswordForm

    def get_queryset(self, request):
        failures = (
            AccessAttempt.objects.filter(
                username=OuterRef("username"), attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
            )
            .values("username")
            .annotate(n=Sum("failures_since_start"))
            .values("n")
        )
        users = super().get_queryset(request).annotate(login_failures=Subquery(failures))
        if request.user.is_superuser:
            return users
        return users.filter(pk__in=logins_managed_by(request.user).values("pk"))

    @admin.display(description="登录锁定", boolean=True)
    def locked(self, user) -> bool:
        return (user.login_failures or 0) >= settings.AXES_FAILURE_LIMIT

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
class RoleGrantAdmin(GrantChoices, ServiceAdmin):
    list_display = ["user", "role", "region", "organization", "work_group"]
    list_filter = ["role"]
    autocomplete_fields = ["region", "organization"]
    services = Services(create=role_grant, delete=role_revoke)

    def get_queryset(self, request):
        grants = super().get_queryset(request)
        if request.user.is_superuser:
            return grants
        return grants.filter(
            role__in=roles_granted_by(request.user),
            user__in=logins_managed_by(request.user).values("pk"),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # nobody grants a role to themselves
            kwargs["queryset"] = logins_managed_by(request.user).exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
