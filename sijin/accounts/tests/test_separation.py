"""三员分立: the system admin, the security admin and the auditor each do their own part and nothing else; a
superuser is made at the command line only; nobody grants a role to themselves."""

import inspect

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from sijin.accounts.models import Role, RoleGrant, User
from sijin.accounts.services import (
    role_grant,
    role_revoke,
    user_create,
    user_password_set,
    user_second_factor_reset,
    user_unlock,
    user_update,
)
from sijin.core.models import AuditLog
from sijin.testing import client_for, superuser

from .conftest import STRONG


def refusal(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# -- the services ------------------------------------------------------------------------------------------


def test_no_service_makes_a_superuser(world, security):
    assert "is_superuser" not in inspect.signature(user_create).parameters
    for actor in (security, superuser(), None):
        with pytest.raises(ValidationError) as exc:
            user_update(actor=actor, user=world.users["member"], is_superuser=True)
        assert "只能在命令行创建" in refusal(exc)
    with pytest.raises(ValidationError):
        user_update(actor=security, user=world.users["member"], is_staff=True)
    assert not User.objects.filter(is_superuser=True).exclude(username="root").exists()


def test_nobody_grants_a_role_to_themselves(world, security):
    for actor, role in [(security, Role.OFFICE), (superuser(), Role.AUDITOR)]:
        with pytest.raises(ValidationError) as exc:
            role_grant(actor=actor, user=actor, role=role, region=world.city if role == Role.OFFICE else None)
        assert "不能给自己授予" in refusal(exc)
    assert not security.grants.filter(role=Role.OFFICE).exists()


def test_the_security_admin_grants_business_roles_only(world, security, newcomer):
    grant = role_grant(actor=security, user=newcomer, role=Role.OFFICE, region=world.city)
    assert AuditLog.objects.filter(action="role_grant", object_id=str(grant.pk), actor=security).exists()
    for role in (Role.ADMIN, Role.SECURITY, Role.AUDITOR):
        with pytest.raises(ValidationError) as exc:
            role_grant(actor=security, user=world.users["member"], role=role)
        assert "只能由超级用户" in refusal(exc)
    with pytest.raises(ValidationError):
        role_revoke(actor=security, grant=RoleGrant.objects.get(user__username="auditor"))
    role_revoke(actor=security, grant=grant)
    assert not newcomer.grants.exists()


@pytest.mark.parametrize("username", ["admin", "auditor", "root"])
def test_the_security_admin_leaves_the_administrators_logins_alone(world, security, username):
    user = superuser() if username == "root" else world.users[username]
    attempts = [
        lambda: user_password_set(actor=security, user=user, password=STRONG),
        lambda: user_update(actor=security, user=user, first_name="改名"),
        lambda: user_update(actor=security, user=user, is_active=False),
        lambda: user_unlock(actor=security, user=user),
        lambda: user_second_factor_reset(actor=security, user=user),
        lambda: role_grant(actor=security, user=user, role=Role.LEADER, region=world.city),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "只能由超级用户管理" in refusal(exc)
    user.refresh_from_db()
    assert user.is_active
    assert not user.grants.filter(role=Role.LEADER).exists()


def test_the_security_admin_keeps_the_business_logins(world, security):
    member = world.users["member"]
    user_update(actor=security, user=member, first_name="组员甲")
    user_password_set(actor=security, user=member, password=STRONG)
    newcomer = user_create(actor=security, username="newcomer2", password=STRONG)
    assert newcomer.password_must_change
    assert list(AuditLog.objects.filter(actor=security).values_list("action", flat=True).order_by("id")) == [
        "user_update",
        "user_password_set",
        "user_create",
    ]


@pytest.mark.parametrize("username", ["admin", "auditor", "member", "office"])
def test_nobody_else_manages_logins_or_grants(world, newcomer, username):
    actor = world.users[username]
    with pytest.raises(ValidationError):
        user_create(actor=actor, username="someone", password=STRONG)
    with pytest.raises(ValidationError):
        user_password_set(actor=actor, user=newcomer, password=STRONG)
    with pytest.raises(ValidationError):
        role_grant(actor=actor, user=newcomer, role=Role.MEMBER, work_group=world.group)
    assert not newcomer.grants.exists()


def test_an_administrators_role_is_held_alone(world, newcomer):
    root = superuser()
    with pytest.raises(ValidationError) as exc:
        role_grant(actor=root, user=world.users["member"], role=Role.AUDITOR)
    assert "不能与其他角色兼任" in refusal(exc)
    role_grant(actor=root, user=newcomer, role=Role.AUDITOR)
    for role, scope in [(Role.SECURITY, {}), (Role.OFFICE, {"region": world.city})]:
        with pytest.raises(ValidationError):
            role_grant(actor=None, user=newcomer, role=role, **scope)
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert list(newcomer.grants.values_list("role", flat=True)) == [Role.AUDITOR]


# -- the admin site: every page and action, for each of the three -------------------------------------------

THREE = ("admin", "security", "auditor")
NOT_THE_SYSTEM_ADMINS = {"accounts.user", "accounts.rolegrant", "core.auditlog"}
SECURITY_MAY = {
    "accounts.user": {"view", "add", "change"},
    "accounts.rolegrant": {"view", "add", "delete"},
    "directory.person": {"view"},  # to link a login to its person
    "directory.organization": {"view"},  # to scope a grant
    "directory.region": {"view"},
}
AUDITOR_MAY = {"core.auditlog": {"view"}}


def an_object(model, world):
    """An object to open on each page: a business login and its grant for the logins' pages."""
    if model is User:
        return world.users["member"]
    if model is RoleGrant:
        return RoleGrant.objects.get(user__username="member")
    return model._default_manager.order_by("pk").first()


def what_may(client: Client, model, obj) -> tuple[set[str], set[str]]:
    """What a login may do on one model's admin pages (view, add, change, delete), and its actions."""
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    may, actions = set(), set()
    listed = client.get(base)
    assert listed.status_code in (200, 403), base
    if listed.status_code == 200:
        may.add("view")
        request = listed.wsgi_request
        actions = set(listed.context["cl"].model_admin.get_actions(request))
    if client.get(f"{base}add/").status_code == 200:
        may.add("add")
    if obj is None:  # nothing to open: ask the page what it would allow
        model_admin = admin.site._registry[model]
        if "view" in may:
            may |= {
                op for op in ("change", "delete") if getattr(model_admin, f"has_{op}_permission")(request)
            }
        return may, actions
    opened = client.get(f"{base}{obj.pk}/change/")
    assert opened.status_code in (200, 403), f"{base}{obj.pk}/change/"
    if opened.status_code == 200 and opened.context["has_change_permission"]:
        may.add("change")
    if client.get(f"{base}{obj.pk}/delete/").status_code == 200:
        may.add("delete")
    return may, actions


def walk(client: Client, world) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    pages, actions = {}, {}
    for model in admin.site._registry:
        may, offered = what_may(client, model, an_object(model, world))
        if may:
            pages[model._meta.label_lower] = may
            actions[model._meta.label_lower] = offered
    return pages, actions


def offered_to(user: User, world) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What the admin site offers ``user``, asked of each page's ModelAdmin (no page is rendered)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages, actions = {}, {}
    for model, model_admin in admin.site._registry.items():
        obj = an_object(model, world)
        may = {
            op
            for op, allowed in [
                ("view", model_admin.has_view_or_change_permission(request, obj)),
                ("add", model_admin.has_add_permission(request)),
                ("change", model_admin.has_change_permission(request, obj)),
                ("delete", model_admin.has_delete_permission(request, obj)),
            ]
            if allowed
        }
        if may:
            pages[model._meta.label_lower] = may
            actions[model._meta.label_lower] = set(model_admin.get_actions(request))
    return pages, actions


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_each_of_the_three_opens_exactly_their_own_admin_pages(world, security):
    root_pages, root_actions = offered_to(superuser(), world)
    found = {username: walk(client_for(username), world) for username in THREE}

    system_pages, system_actions = found["admin"]
    assert system_pages == {m: ops for m, ops in root_pages.items() if m not in NOT_THE_SYSTEM_ADMINS}
    assert system_actions == {m: acts for m, acts in root_actions.items() if m not in NOT_THE_SYSTEM_ADMINS}
    assert {"view", "add", "change"} <= system_pages["campaigns.campaign"]

    security_pages, security_actions = found["security"]
    assert security_pages == SECURITY_MAY
    assert security_actions == {
        "accounts.user": {"unlock", "second_factor_reset"},
        "accounts.rolegrant": {"delete_selected"},
        "directory.person": set(),
        "directory.organization": set(),
        "directory.region": set(),
    }

    auditor_pages, auditor_actions = found["auditor"]
    assert auditor_pages == AUDITOR_MAY
    assert auditor_actions == {"core.auditlog": root_actions["core.auditlog"]}
    assert "delete_selected" not in auditor_actions["core.auditlog"]


def test_the_security_admins_pages_list_business_logins_and_roles_only(world, security):
    client = client_for("security")
    listed = client.get("/admin/accounts/user/?q=").context["cl"].result_list
    assert {u.username for u in listed} == {
        "office",
        "unit",
        "leader",
        "group_leader",
        "member",
        "handler",
        "outsider",
    }
    admin_user = world.users["admin"]
    assert client.get(f"/admin/accounts/user/{admin_user.pk}/password/").status_code == 404
    assert client.get(f"/admin/accounts/user/{admin_user.pk}/change/").status_code == 302  # “does not exist”
    form = client.get("/admin/accounts/rolegrant/add/").context["adminform"].form
    assert {value for value, _label in form.fields["role"].choices if value} == {
        "office",
        "unit",
        "group_leader",
        "member",
        "handler",
        "leader",
    }
    assert security.pk not in {u.pk for u in form.fields["user"].queryset}
    assert not form.fields["user"].queryset.filter(username__in=["admin", "auditor"]).exists()


def test_the_security_admin_cannot_post_his_way_around_the_pages(world, security):
    client = client_for("security")
    member = world.users["member"]
    r = client.post(
        "/admin/accounts/rolegrant/add/",
        {"user": security.pk, "role": Role.OFFICE, "region": world.city.code},
    )
    assert r.status_code == 200  # the form again: not a choice
    r = client.post("/admin/accounts/rolegrant/add/", {"user": member.pk, "role": Role.AUDITOR})
    assert r.status_code == 200
    assert not RoleGrant.objects.filter(
        role__in=[Role.AUDITOR, Role.OFFICE], user__in=[member, security]
    ).exists()
    # The user page has no is_superuser, is_staff, groups or permissions to post.
    page = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{name}"' not in page


def test_the_security_admin_unlocks_a_login_by_the_admin_action(world, security, settings):
    member = world.users["member"]
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "member", "password": "wrong"})
    assert client.post("/login/", {"username": "member", "password": "sijin-demo"}).status_code == 429
    r = client_for("security").post(
        "/admin/accounts/user/",
        {"action": "unlock", "_selected_action": [member.pk, world.users["admin"].pk]},
    )
    assert r.status_code == 302
    assert AuditLog.objects.filter(action="user_unlock", object_id=str(member.pk), actor=security).exists()
    assert not AuditLog.objects.filter(action="user_unlock", object_id=str(world.users["admin"].pk)).exists()
    assert (
        Client(REMOTE_ADDR="10.0.0.10")
        .post("/login/", {"username": "member", "password": "sijin-demo"})
        .status_code
        == 302
    )


def test_the_system_admin_and_the_security_admin_do_not_read_the_audit_log(world, security):
    for username in ("admin", "security", "member", "office"):
        assert client_for(username).get("/admin/core/auditlog/").status_code in (302, 403), username
    assert client_for("auditor").get("/admin/core/auditlog/").status_code == 200
