"""Writes for logins and role grants."""

from django.db import transaction

from sijin.core.services import saved

from .models import RoleGrant, User


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
    return saved(actor, grant, "role_grant", f"授予 {user} {grant.get_role_display()}")
