from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. The person behind it (name, unit, mobile) is a directory Person."""

    person = models.OneToOneField(
        "directory.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    password_must_change = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("管理员设置的密码,本人登录后须先修改。"),
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        if self.person_id and self.person:
            return self.person.name
        return self.first_name or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def offers_second_factor(self) -> bool:
        """For the user menu: is a second factor (TOTP) offered to this login? (access.second_factor_offered)"""
        from .access import second_factor_offered

        return second_factor_offered(self)


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")
    OFFICE = "office", _("活动办")
    UNIT = "unit", _("派出单位")
    GROUP_LEADER = "group_leader", _("工作组组长")
    MEMBER = "member", _("工作组组员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("领导")


# 三员分立: the three administrators' roles. Each is held alone (not with another, nor with a business role),
# granted only by a superuser (who is made at the command line), and the security admin manages the rest.
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY, Role.AUDITOR})
BUSINESS_ROLES = frozenset(Role) - ADMIN_ROLES
# Who is offered a second factor (TOTP), and must use one when SIJIN_REQUIRE_2FA is on.
SECOND_FACTOR_ROLES = ADMIN_ROLES | {Role.OFFICE}


# Which scope field each role's grant must carry; the rest must be empty.
ROLE_SCOPE_FIELD = {
    Role.ADMIN: None,
    Role.SECURITY: None,
    Role.AUDITOR: None,
    Role.OFFICE: "region",
    Role.LEADER: "region",
    Role.UNIT: "organization",
    Role.HANDLER: "organization",
    Role.GROUP_LEADER: "work_group",
    Role.MEMBER: "work_group",
}


def _scope_condition() -> Q:
    condition = Q()
    for role, field in ROLE_SCOPE_FIELD.items():
        empty = {f"{f}__isnull": True for f in ("region", "organization", "work_group") if f != field}
        required = {f"{field}__isnull": False} if field else {}
        condition |= Q(role=role, **empty, **required)
    return condition


class RoleGrant(models.Model):
    """A role a user holds, with its scope: a region subtree, an organization, or a work group."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "directory.Region", verbose_name=_("区划范围"), null=True, blank=True, on_delete=models.PROTECT
    )
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    work_group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), null=True, blank=True, on_delete=models.CASCADE
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                condition=_scope_condition(),
                name="rolegrant_scope_matches_role",
                violation_error_message=_(
                    "授权范围与角色不符:活动办和领导须指定区划,派出单位和承办人须指定单位,组长和组员须指定工作组,管理员不指定范围。"
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "organization", "work_group"],
                name="rolegrant_unique",
                violation_error_message=_("该用户已有相同的授权。"),
            ),
        ]

    def __str__(self) -> str:
        scope = self.region or self.organization or self.work_group or ""
        return f"{self.user} · {self.get_role_display()} {scope}".strip()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now) -> "ApiTokenQuerySet":
        """Tokens that still open the API: not revoked, not expired, of an active login."""
        return self.filter(revoked_at=None, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A personal API token (个人 API 令牌): the JSON API acts as its user, in that user's scope and roles.

    Only a SHA-256 of the token is stored (``digest``); the token itself is shown once, when it is made
    (accounts.services.api_token_create). ``prefix`` is its first characters, shown in the list so that its
    owner can tell tokens apart. ``window_start``/``window_count`` are the rate limit's fixed window
    (accounts.apiauth), counted in the row itself so that every app server counts the same requests.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=50)
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)
    window_start = models.DateTimeField(_("限流窗口开始"), null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(_("窗口内请求数"), default=0, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        # ``digest`` (unique) serves the lookup of every API request; ``user`` the owner's list.

    def __str__(self) -> str:
        return f"{self.name}({self.prefix}…)"
