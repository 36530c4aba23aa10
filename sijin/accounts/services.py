"""Writes for logins and role grants (三员分立).

Who may do what is decided in ``access.py`` (``logins_managed_by``, ``roles_granted_by``) and enforced here, so
the admin site, the pages and the command line meet the same rules:

- nobody makes a superuser here: that is ``sijin manage createsuperuser``'s alone;
- the three administrators' roles are granted by a superuser, each held alone;
- the security admin manages the business logins and grants business roles, never an administrator's login;
- nobody grants a role to themselves.

``actor=None`` is the command line (a loader, a management command). A password set by a person is checked
against AUTH_PASSWORD_VALIDATORS, and one set for somebody else must be changed at their next login; the
command line sets what it is given (the demo's ``sijin-demo`` is too simple for the validators).
"""

import hashlib
import secrets
from binascii import unhexlify
from datetime import timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.directory.models import Organization, Person, Region

from .access import manages_logins, may_manage_login, roles_granted_by, second_factor_offered
from .models import ADMIN_ROLES, ApiToken, RoleGrant, User

# What user_update changes; the rest of a login follows from elsewhere (see REFUSED_FIELDS).
LOGIN_FIELDS = {"username", "first_name", "last_name", "email", "is_active", "person", "password_must_change"}
REFUSED_FIELDS = {
    "is_superuser": "超级用户只能在命令行创建(sijin manage createsuperuser)。",
    "is_staff": "能否进入系统管理由管理员角色决定,不能直接修改。",
    "groups": "不使用用户组,权限由角色授权决定。",
    "user_permissions": "不直接授予权限,权限由角色授权决定。",
}
NOT_MANAGED = "只有安全管理员可以管理业务账号;超级用户和三员(系统管理员、安全管理员、审计管理员)的账号只能由超级用户管理。"


def _check_manages(actor: User | None, user: User) -> None:
    if not may_manage_login(actor, user):
        raise ValidationError(NOT_MANAGED)


def _set_password(actor: User | None, user: User, password: str | None) -> None:
    """Check (when a person sets it), set and date a password; one set for somebody else is temporary."""
    if password is not None and actor is not None:
        validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.password_must_change = password is not None and actor is not None and actor.pk != user.pk


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    person: Person | None = None,
    email: str = "",
    display_name: str = "",
) -> User:
    """A new login; ``password=None`` makes one that cannot sign in with a password."""
    if not manages_logins(actor):
        raise ValidationError(NOT_MANAGED)
    user = User(username=username, person=person, email=email, first_name=display_name)
    _set_password(actor, user, password)
    return saved(actor, user, AuditAction.USER_CREATE, f"新增用户 {username}", exclude=["password"])


def user_ensure(*, actor: User | None, username: str, password: str, **fields: Any) -> User:
    """Create a login if it does not exist; an existing one is left as it is."""
    return User.objects.filter(username=username).first() or user_create(
        actor=actor, username=username, password=password, **fields
    )


@transaction.atomic
def user_update(*, actor: User | None, user: User, **fields: Any) -> User:
    """Change a login's names, person, whether it is active and whether its password must be changed."""
    refused = {
        name: REFUSED_FIELDS.get(name, "不能在此修改。") for name in fields if name not in LOGIN_FIELDS
    }
    if refused:
        raise ValidationError(refused)
    _check_manages(actor, user)
    user = locked(user, **fields)
    return saved(
        actor,
        user,
        AuditAction.USER_UPDATE,
        f"修改用户 {user.username}",
        exclude=["password"],
        fields=list(fields),
    )


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str | None) -> User:
    """Set a login's password; ``None`` turns password sign-in off. Set by its own user it is a change
    (``user_password_change``), by the security admin a reset that must be changed at the next login. Every
    other session of the login ends (Django's session hash follows the password). Never audited: the password.
    """
    own = actor is not None and actor.pk == user.pk
    if own and password is None:
        raise ValidationError("请输入新密码。")
    if not own:
        _check_manages(actor, user)
    user = locked(user)
    _set_password(actor, user, password)
    user.save(update_fields=["password", "password_changed_at", "password_must_change"])
    if own:
        audit(actor, AuditAction.USER_PASSWORD_CHANGE, user, f"{user.username} 修改了本人密码")
    else:
        audit(
            actor,
            AuditAction.USER_PASSWORD_SET,
            user,
            f"{'重设' if password else '停用'}用户 {user.username} 的密码",
            must_change=user.password_must_change,
        )
    return user


@transaction.atomic
def user_unlock(*, actor: User | None, user: User) -> User:
    """Lift a login lockout (django-axes) before its time: the login's failed attempts are forgotten."""
    _check_manages(actor, user)
    count = axes_reset(username=user.username)
    audit(actor, AuditAction.USER_UNLOCK, user, f"解除 {user.username} 的登录锁定", attempts=count)
    return user


def _check_grant(actor: User | None, user: User, role: str) -> None:
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"user": "不能给自己授予或撤销角色。"})
    if role not in roles_granted_by(actor):
        if role in ADMIN_ROLES:
            message = "系统管理员、安全管理员、审计管理员只能由超级用户(命令行创建)任命。"
        else:
            message = "只有安全管理员可以授予或撤销业务角色。"
        raise ValidationError({"role": message})
    _check_manages(actor, user)


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
    """Grant a role in a scope. An administrator's role opens the admin site and is held alone."""
    _check_grant(actor, user, role)
    # ``work_group`` is a campaigns.WorkGroup; that app sits above this one, so the grant takes it by id.
    group_id = work_group.pk if work_group is not None else None
    existing = RoleGrant.objects.filter(
        user=user, role=role, region=region, organization=organization, work_group_id=group_id
    ).first()
    if existing:
        return existing
    held = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if (role in ADMIN_ROLES and held - {role}) or (role not in ADMIN_ROLES and held & ADMIN_ROLES):
        raise ValidationError({"role": "三员分立:管理员角色须单独担任,不能与其他角色兼任。"})
    grant = RoleGrant(user=user, role=role, region=region, organization=organization, work_group_id=group_id)
    grant = saved(actor, grant, AuditAction.ROLE_GRANT, f"授予 {user} {grant.get_role_display()}")
    _follow_grants(user)
    return grant


@transaction.atomic
def user_role_ensure(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    person: Person | None = None,
    display_name: str = "",
    **scope: Any,
) -> User:
    """A login holding ``role`` in ``scope`` (the grant's region, organization or work_group), for loaders (the
    demo, the test world): the login and the grant are each found first, else made (``user_ensure``,
    ``role_grant``)."""
    user = user_ensure(
        actor=actor, username=username, password=password, person=person, display_name=display_name
    )
    role_grant(actor=actor, user=user, role=role, **scope)
    return user


@transaction.atomic
def role_revoke(*, actor: User | None, grant: RoleGrant) -> None:
    """Withdraw a grant; the last administrator's role withdrawn closes the admin site to the login."""
    _check_grant(actor, grant.user, grant.role)
    user = locked(grant.user)
    summary = f"撤销 {grant}"
    grant_id = grant.pk
    grant.delete()
    grant.pk = grant_id  # the audit row names the grant that was withdrawn
    _follow_grants(user)
    audit(actor, AuditAction.ROLE_REVOKE, grant, summary, user=user, role=grant.role, staff=user.is_staff)


def _follow_grants(user: User) -> None:
    """The admin site is open to a superuser and to the three administrators (``is_staff``); what each may do
    there follows from the role (sijin.accounts.backends)."""
    staff = user.is_superuser or RoleGrant.objects.filter(user=user, role__in=ADMIN_ROLES).exists()
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


# --- the second factor (TOTP, django-otp) ------------------------------------------------------------------


@transaction.atomic
def user_second_factor_enrol(*, actor: User, user: User, key: str, token: str) -> TOTPDevice:
    """The user's own authenticator app, proved by a code it shows for ``key`` (hex); it replaces any other."""
    if actor.pk != user.pk:
        raise ValidationError("双因素认证只能由本人启用。")
    if not second_factor_offered(user):
        raise ValidationError("双因素认证只提供给三员和活动办用户。")
    totp = TOTP(unhexlify(key.encode()))
    if not (token.strip().isdigit() and totp.verify(int(token), tolerance=1)):
        raise ValidationError({"token": "验证码不正确,请核对手机时间后输入验证器中当前的 6 位数字。"})
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="验证器", key=key, confirmed=True, last_t=totp.t())
    audit(actor, AuditAction.USER_SECOND_FACTOR_ENROL, user, f"{user.username} 启用了双因素认证")
    return device


def user_second_factor_verify(*, actor: User, token: str) -> TOTPDevice | None:
    """The second step of a login: the device that accepts ``token``, or None (a failed login, audited).
    Each device counts its own failures and makes the next try wait longer (django-otp's throttling)."""
    for device in TOTPDevice.objects.filter(user=actor, confirmed=True):
        if device.verify_token(token.strip()):
            return device
    audit(
        actor,
        AuditAction.USER_LOGIN_FAILED,
        actor,
        f"{actor.username} 双因素验证码错误",
        username=actor.username,
        step="second_factor",
    )
    return None


@transaction.atomic
def user_second_factor_reset(*, actor: User | None, user: User) -> User:
    """Remove a login's authenticator (a lost phone): the user enrols again at the next login."""
    _check_manages(actor, user)
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    audit(
        actor, AuditAction.USER_SECOND_FACTOR_RESET, user, f"重置 {user.username} 的双因素认证", devices=count
    )
    return user


# --- personal API tokens (the JSON API) ---------------------------------------------------------------------

# ``sijin_`` tells a leaked token apart in logs and secret scanners; then 43 random URL-safe characters.
TOKEN_PREFIX = "sijin_"
TOKEN_SHOWN = 12  # characters kept as the visible prefix (sijin_ and 6 random ones)
TOKEN_DAYS = (30, 90, 180, 365)
MAX_LIVE_TOKENS = 10


def api_token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token of the actor's own, valid ``days`` days; returns the row and the token, which is shown this
    once and never stored. A token acts as its user, in the user's scope and roles."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["请填写令牌名称。"]
    elif len(name) > 50:
        errors["name"] = ["令牌名称不能超过50字。"]
    if days not in TOKEN_DAYS:
        errors["days"] = [f"有效期应为 {'、'.join(map(str, TOKEN_DAYS))} 天之一。"]
    if errors:
        raise ValidationError(errors)
    User.objects.select_for_update().filter(pk=actor.pk).first()  # two creations at once count each other's
    now = timezone.now()
    if actor.api_tokens.usable(now).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(f"有效的令牌最多 {MAX_LIVE_TOKENS} 个,请先撤销不用的令牌。")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=token[:TOKEN_SHOWN],
        digest=api_token_digest(token),
        expires_at=now + timedelta(days=days),
    )
    audit(actor, AuditAction.API_TOKEN_CREATE, row, f"{actor.username} 创建API令牌“{name}”", days=days)
    return row, token


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token: from now on it opens nothing. Its owner revokes it, or whoever manages the login."""
    if token.user_id != actor.pk and not may_manage_login(actor, token.user):
        raise ValidationError(NOT_MANAGED)
    token = locked(token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor, AuditAction.API_TOKEN_REVOKE, token, f"撤销API令牌“{token.name}”", owner=token.user_id)
    return token
