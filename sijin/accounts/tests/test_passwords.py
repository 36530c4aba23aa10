"""Passwords: Django's validators and three classes of characters; each user changes their own; a password an
administrator set is changed at the next login; old passwords expire when the setting says so; a change ends
the login's other sessions."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from sijin.accounts.models import User
from sijin.accounts.services import user_create, user_password_set
from sijin.core.models import AuditLog
from sijin.testing import client_for

from .conftest import STRONG


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Ab1!xyz", "至少需要 10 个字符"),  # under 10 characters
        ("abcdefgh-ij", "至少 3 类"),  # lower case and a symbol only
        ("ABCDEFGHIJ12", "至少 3 类"),
        ("1234567890", "只包含数字"),
        ("Member-2025", "相似"),  # too like the username
    ],
)
def test_the_validators_refuse_a_weak_password(world, password, says):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, world.users["member"])
    assert says in " ".join(exc.value.messages)


def test_a_person_setting_a_password_meets_the_validators_and_the_command_line_does_not(world, security):
    with pytest.raises(ValidationError):
        user_create(actor=security, username="newcomer2", password="sijin-demo")
    for n, password in enumerate(["zhuang-Jia-25", "Qingdao2025"]):  # three classes, ten characters
        user_create(actor=security, username=f"newcomer{n + 4}", password=password)
    # The demo's logins (``make run``) keep their simple password, set by the loader at the command line.
    assert user_create(actor=None, username="newcomer3", password="sijin-demo").check_password("sijin-demo")


def change_own(client: Client, old: str, new: str, again: str | None = None, url: str = "/account/password/"):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(url, data)


def test_every_user_changes_their_own_password_from_the_user_menu(world):
    client = client_for("member")
    assert 'href="/account/password/"' in client.get("/").content.decode()
    r = change_own(client, "sijin-demo", STRONG)
    assert r.status_code == 302
    member = User.objects.get(username="member")
    assert member.check_password(STRONG)
    assert member.password_changed_at is not None
    row = AuditLog.objects.filter(object_id=str(member.pk)).latest("id")
    assert (row.action, row.actor_id) == ("user_password_change", member.pk)
    assert client.get("/").status_code == 200  # this session goes on


def test_a_wrong_old_password_or_a_weak_new_one_changes_nothing(world):
    client = client_for("member")
    for old, new, again in [
        ("not-the-password", STRONG, STRONG),
        ("sijin-demo", "weak", "weak"),
        ("sijin-demo", STRONG, STRONG + "x"),
    ]:
        r = change_own(client, old, new, again)
        assert r.status_code == 200
        assert "is-invalid" in r.content.decode()
    assert User.objects.get(username="member").check_password("sijin-demo")


def test_other_sessions_of_the_login_end_when_its_password_changes(world):
    here, elsewhere = client_for("member"), client_for("member")
    assert change_own(here, "sijin-demo", STRONG).status_code == 302
    assert here.get("/").status_code == 200
    r = elsewhere.get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_a_password_set_by_the_security_admin_must_be_changed_at_the_next_login(world, security):
    member = world.users["member"]
    r = client_for("security").post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.password_must_change
    client = Client()
    assert client.post("/login/", {"username": "member", "password": STRONG}).status_code == 302
    r = client.get("/problems/")
    assert r.status_code == 302
    assert r["Location"] == "/account/password/?next=%2Fproblems%2F"
    page = client.get(r["Location"]).content.decode()
    assert "您的密码由管理员设置,请先修改密码" in page
    r = change_own(client, STRONG, "Jining-2025-own", url=r["Location"])
    assert r.status_code == 302
    assert r["Location"] == "/problems/"
    assert client.get("/problems/").status_code == 200
    member.refresh_from_db()
    assert not member.password_must_change


def test_a_login_made_by_the_security_admin_starts_with_a_password_to_change(world, security):
    user = user_create(actor=security, username="newcomer2", password=STRONG)
    assert user.password_must_change
    assert not user_password_set(actor=user, user=user, password="Jining-2025-own").password_must_change


def test_passwords_expire_when_the_setting_says_so(world, settings):
    User.objects.filter(username="member").update(password_changed_at=timezone.now() - timedelta(days=91))
    client = client_for("member")
    assert client.get("/").status_code == 200  # SIJIN_PASSWORD_MAX_AGE_DAYS = 0: no expiry
    settings.SIJIN_PASSWORD_MAX_AGE_DAYS = 90
    r = client.get("/")
    assert r["Location"].startswith("/account/password/")
    settings.SIJIN_PASSWORD_MAX_AGE_DAYS = 92
    assert client.get("/").status_code == 200
