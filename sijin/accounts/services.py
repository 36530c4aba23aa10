"""Writes for logins and role grants."""

from django.contrib.auth.models import Permission
from django.db import transaction

from sijin.core.services import saved

from .models import Role, RoleGrant, User


@transaction.atomic
def user_ensure(
    *,
    actor,
    username: str,
    password: str,
    person=None,
    is_staff: bool = False,
    is_superuser: bool = False,
    email: str = "",
    display_name: str = "",
) -> User:
    """Create a login if it does not exist; an existing one is left as it is."""
    user = User.objects.filter(username=username).first()
    if user:
        return user
    user = User(
        username=username,
        person=person,
        is_staff=is_staff,
        is_superuser=is_superuser,
        email=email,
        first_name=display_name,
    )
    user.set_password(password)
    return saved(actor, user, "user_create", f"新增用户 {username}", exclude=["password"])


@transaction.atomic
def role_grant(*, actor, user: User, role: str, region=None, organization=None, work_group=None) -> RoleGrant:
    existing = RoleGrant.objects.filter(
        user=user, role=role, region=region, organization=organization, work_group=work_group
    ).first()
    if existing:
        return existing
    grant = RoleGrant(user=user, role=role, region=region, organization=organization, work_group=work_group)
    _admin_site_permissions(user, role)
    return saved(actor, grant, "role_grant", f"授予 {user} {grant.get_role_display()}")


# 三员分立 in the admin site: the auditor reads the audit log and nothing else; the security admin keeps
# logins and role grants. (The system admin is a superuser.)
ADMIN_SITE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.AUDITOR: [("core", "view_auditlog")],
    Role.SECURITY: [
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("accounts", "add_user"),
        ("accounts", "view_rolegrant"),
        ("accounts", "add_rolegrant"),
        ("accounts", "change_rolegrant"),
        ("accounts", "delete_rolegrant"),
    ],
}


def _admin_site_permissions(user: User, role: str) -> None:
    wanted = ADMIN_SITE_PERMISSIONS.get(role)
    if not wanted:
        return
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for app_label, codename in wanted:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
