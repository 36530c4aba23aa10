"""Writes for logins and role grants."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.directory.models import Organization, Person, Region

from .models import Role, RoleGrant, User


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    person: Person | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    email: str = "",
    display_name: str = "",
) -> User:
    """A new login; ``password=None`` makes one that cannot sign in with a password."""
    user = User(
        username=username,
        person=person,
        is_staff=is_staff,
        is_superuser=is_superuser,
        email=email,
        first_name=display_name,
    )
    user.set_password(password)
    return saved(actor, user, AuditAction.USER_CREATE, f"新增用户 {username}", exclude=["password"])


def user_ensure(*, actor: User | None, username: str, password: str, **fields: Any) -> User:
    """Create a login if it does not exist; an existing one is left as it is."""
    return User.objects.filter(username=username).first() or user_create(
        actor=actor, username=username, password=password, **fields
    )


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
    **fields: Any,
) -> User:
    """Change a login's names, flags and person; ``groups`` and ``user_permissions`` replace the old sets."""
    sets = {"groups": groups, "user_permissions": user_permissions}
    changed = [*fields, *(name for name, value in sets.items() if value is not None)]
    user = locked(user, **fields)
    user = saved(
        actor,
        user,
        AuditAction.USER_UPDATE,
        f"修改用户 {user.username}",
        exclude=["password"],
        fields=changed,
    )
    for name, value in sets.items():
        if value is not None:
            getattr(user, name).set(value)
    return user


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str | None) -> User:
    """Set a login's password; ``None`` turns password sign-in off. The password itself is never audited."""
    user = locked(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(
        actor,
        AuditAction.USER_PASSWORD_SET,
        user,
        f"{'重设' if password else '停用'}用户 {user.username} 的密码",
    )
    return user


@transaction.atomic
def role_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    region: Region | None = None,
    organization: Organization | None = None,
    work_group: models.Model | None = None,
) -> RoleGrant:
    # ``work_group`` is a campaigns.WorkGroup; that app sits above this one, so the grant takes it by id.
    group_id = work_group.pk if work_group is not None else None
    existing = RoleGrant.objects.filter(
        user=user, role=role, region=region, organization=organization, work_group_id=group_id
    ).first()
    if existing:
        return existing
    grant = RoleGrant(user=user, role=role, region=region, organization=organization, work_group_id=group_id)
    _admin_site_permissions(user, role)
    return saved(actor, grant, AuditAction.ROLE_GRANT, f"授予 {user} {grant.get_role_display()}")


@transaction.atomic
def role_revoke(*, actor: User | None, grant: RoleGrant) -> None:
    """Withdraw a grant, and with it the admin-site permissions that no remaining grant still justifies."""
    user = locked(grant.user)
    summary = f"撤销 {grant}"
    grant_id = grant.pk
    grant.delete()
    grant.pk = grant_id  # the audit row names the grant that was withdrawn
    remaining = set(user.grants.values_list("role", flat=True))
    kept = {perm for role in remaining for perm in ADMIN_SITE_PERMISSIONS.get(role, [])}
    withdrawn = [perm for perm in ADMIN_SITE_PERMISSIONS.get(grant.role, []) if perm not in kept]
    for app_label, codename in withdrawn:
        user.user_permissions.remove(_permission(app_label, codename))
    # The admin site stays open to a superuser and to whoever still holds a permission or a group there.
    staff = user.is_superuser or user.user_permissions.exists() or user.groups.exists()
    if user.is_staff and not staff:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    audit(
        actor,
        AuditAction.ROLE_REVOKE,
        grant,
        summary,
        user=user,
        role=grant.role,
        withdrawn=[f"{a}.{c}" for a, c in withdrawn],
        staff=user.is_staff,
    )


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


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _admin_site_permissions(user: User, role: str) -> None:
    wanted = ADMIN_SITE_PERMISSIONS.get(role)
    if not wanted:
        return
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for app_label, codename in wanted:
        user.user_permissions.add(_permission(app_label, codename))
