"""Signing in: five failures within fifteen minutes lock the login and throttle the address (django-axes), the
login page says when to try again, and every login, failure, lockout and logout is in the audit log."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.utils import timezone

from sijin.accounts.auth import client_address
from sijin.core.models import AuditLog

PASSWORD = "sijin-demo"  # the world's


def attempt(client: Client, username: str, password: str = "wrong-password"):
    return client.post("/login/", {"username": username, "password": password})


def age_attempts(minutes: int) -> None:
    """Time travel: the failures recorded so far happened ``minutes`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_five_failures_lock_the_login_and_the_page_says_when_to_retry(world):
    client = Client(REMOTE_ADDR="10.1.0.1")
    for _ in range(4):
        r = attempt(client, "member")
        assert r.status_code == 200
        assert "登录失败次数过多" not in r.content.decode()
    r = attempt(client, "member")
    assert r.status_code == 429
    last = AccessAttempt.objects.get(username="member").attempt_time
    retry = timezone.localtime(last + timedelta(minutes=15))
    # Past midnight the page names the day too.
    when = f"{retry:%H:%M}" if retry.date() == timezone.localdate() else f"{retry:%Y-%m-%d %H:%M}"
    assert f"登录失败次数过多,该账号和本机地址已暂时锁定。请于 {when} 后再试" in r.content.decode()
    # The right password does not open a locked login, from here or from elsewhere.
    assert attempt(client, "member", PASSWORD).status_code == 429
    assert attempt(Client(REMOTE_ADDR="10.1.0.2"), "member", PASSWORD).status_code == 429
    member = world.users["member"]
    assert AuditLog.objects.filter(action="user_login_failed", object_id=str(member.pk)).count() == 7
    lockout = AuditLog.objects.get(action="user_lockout")
    assert lockout.object_id == str(member.pk)
    assert lockout.data["address"] == "10.1.0.1"
    assert not AuditLog.objects.filter(action="user_login", object_id=str(member.pk)).exists()


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(world):
    client = Client(REMOTE_ADDR="10.1.0.3")
    for _ in range(5):
        attempt(client, "member")
    age_attempts(14)
    assert attempt(client, "member", PASSWORD).status_code == 429  # and this failure starts the wait again
    age_attempts(16)
    assert attempt(client, "member", PASSWORD).status_code == 302


def test_failures_further_apart_than_fifteen_minutes_do_not_add_up(world):
    client = Client(REMOTE_ADDR="10.1.0.4")
    for _ in range(4):
        attempt(client, "member")
    age_attempts(16)
    assert attempt(client, "member").status_code == 200
    assert attempt(client, "member", PASSWORD).status_code == 302


def test_an_address_that_keeps_failing_is_throttled_for_every_login(world):
    client = Client(REMOTE_ADDR="10.1.0.5")
    for username in ("a1", "a2", "a3", "a4", "a5"):
        attempt(client, username)
    assert attempt(client, "office", PASSWORD).status_code == 429
    assert attempt(Client(REMOTE_ADDR="10.1.0.6"), "office", PASSWORD).status_code == 302


def test_logins_failures_and_logouts_are_audited(world):
    client = Client(REMOTE_ADDR="10.1.0.7")
    attempt(client, "nobody")
    failed = AuditLog.objects.get(action="user_login_failed")
    assert (failed.object_type, failed.data["username"], failed.data["address"]) == ("", "nobody", "10.1.0.7")
    assert attempt(client, "office", PASSWORD).status_code == 302
    office = world.users["office"]
    login = AuditLog.objects.get(action="user_login")
    assert (login.actor_id, login.object_id, login.data["address"]) == (office.pk, str(office.pk), "10.1.0.7")
    assert client.post("/logout/").status_code == 302
    logout = AuditLog.objects.get(action="user_logout")
    assert (logout.actor_id, logout.data["reason"]) == (office.pk, "logout")
    assert "sijin-demo" not in str(list(AuditLog.objects.values_list("summary", "data")))


def test_behind_a_proxy_the_address_is_the_one_it_saw(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "127.0.0.1"
    settings.SIJIN_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"  # nginx appended it; the client may have forged the rest
