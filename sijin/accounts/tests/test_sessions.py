"""Sessions end after 30 idle minutes (SIJIN_SESSION_IDLE_MINUTES) and 12 hours after the login
(SIJIN_SESSION_MAX_HOURS), whatever happens in between. Time travels by setting the session's clocks."""

import time

from django.test import Client

from sijin.core.middleware import SESSION_SEEN, SESSION_STARTED
from sijin.core.models import AuditLog
from sijin.testing import client_for


def set_clocks(client: Client, started_ago: int, seen_ago: int) -> None:
    """The session's login was ``started_ago`` seconds ago, its last request ``seen_ago`` seconds ago."""
    session, now = client.session, int(time.time())
    session[SESSION_STARTED], session[SESSION_SEEN] = now - started_ago, now - seen_ago
    session.save()


def test_a_session_idle_for_thirty_minutes_ends(world):
    client = client_for("member")
    set_clocks(client, started_ago=3600, seen_ago=29 * 60)
    assert client.get("/problems/").status_code == 200  # 29 minutes: still there, and the clock restarts
    assert int(time.time()) - client.session[SESSION_SEEN] < 5
    set_clocks(client, started_ago=3600, seen_ago=31 * 60)
    r = client.get("/problems/")
    assert r.status_code == 302
    assert r["Location"] == "/login/?next=/problems/"
    assert "为安全起见已退出" in client.get(r["Location"]).content.decode()
    assert client.get("/problems/").status_code == 302  # logged out
    row = AuditLog.objects.filter(action="user_logout").latest("id")
    assert (row.actor_id, row.data["reason"]) == (world.users["member"].pk, "timeout")


def test_the_idle_limit_is_a_setting(world, settings):
    settings.SIJIN_SESSION_IDLE_MINUTES = 5
    client = client_for("member")
    set_clocks(client, started_ago=600, seen_ago=6 * 60)
    assert client.get("/").status_code == 302


def test_a_session_ends_twelve_hours_after_its_login_however_busy(world):
    client = client_for("member")
    set_clocks(client, started_ago=12 * 3600 - 60, seen_ago=10)
    assert client.get("/").status_code == 200
    set_clocks(client, started_ago=12 * 3600 + 1, seen_ago=10)
    r = client.get("/")
    assert r["Location"] == "/login/?next=/"
    assert "登录已超过 12 小时" in client.get(r["Location"]).content.decode()


def test_an_htmx_request_of_an_ended_session_sends_the_page_to_the_login(world):
    client = client_for("member")
    set_clocks(client, started_ago=3600, seen_ago=31 * 60)
    r = client.get("/problems/", headers={"HX-Request": "true"})
    assert r["HX-Redirect"] == "/login/?next=/problems/"
