"""通知 (issue 13): the bell with its unread count on every page, the list of one's own notifications (another's
is a 404), opening one reads it and follows its link, 全部标为已读 (POST, CSRF), the email choice and the push
toggle's endpoint; and every step of a problem that concerns someone tells them — 交办 the handling unit,
a ruling on a 退回 whoever returned it, a 延期 decision whoever asked, 办结 the group whose 回访 is due.
In a real Chromium the handler sees the bell after the office's 交办, opens the list and reads it."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from sijin.accounts.models import User
from sijin.core.models import AuditLog, Notification, NotificationPreference, PushSubscription
from sijin.core.notifications import notification_send
from sijin.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from sijin.problems.workflow import problem_transition
from sijin.testing import client_for

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def user(username: str) -> User:
    return User.objects.get(username=username)


def notify(
    username: str, title: str = "【交办】待签收:施工便道积水", url: str = "/problems/"
) -> Notification:
    (row,) = notification_send(users=[user(username)], kind="triage", title=title, body="请签收。", url=url)
    return row


def bell(page: str) -> str:
    found = re.search(r'<a[^>]*id="sj-bell"[^>]*>', page, re.S)
    assert found, "no bell"
    return found.group(0)


# --- the bell and the list -------------------------------------------------------------------------------------


def test_it_shows_the_unread_count_on_the_bell(world):
    for i in range(3):
        notify("handler", f"通知{i}")
    notify("member")
    tag = bell(client_for("handler").get("/").content.decode())
    assert 'aria-label="通知,3条未读"' in tag and 'href="/notifications/"' in tag
    assert 'aria-label="通知"' in bell(client_for("office").get("/").content.decode())


def test_it_lists_only_ones_own_newest_first_with_unread_marked(world):
    old = notify("handler", "较早的通知")
    notify("handler", "较新的通知")
    notify("member", "组员的通知")
    Notification.objects.filter(pk=old.pk).update(read_at=old.at)
    r = client_for("handler").get("/notifications/")
    page = r.content.decode()
    assert r.status_code == 200
    assert page.index("较新的通知") < page.index("较早的通知")
    assert "组员的通知" not in page
    assert page.count("sj-unread") == 1 and "1条未读" in page


def test_it_paginates_the_list(world):
    for i in range(25):
        notify("handler", f"第{i}条")
    assert client_for("handler").get("/notifications/").content.decode().count("list-group-item-action") == 20
    assert (
        client_for("handler").get("/notifications/?page=2").content.decode().count("list-group-item-action")
        == 5
    )
    assert client_for("handler").get("/notifications/?page=9").status_code == 404


def test_opening_one_reads_it_and_follows_its_link(world):
    row = notify("handler", url="/problems/")
    r = client_for("handler").get(f"/notifications/{row.pk}/")
    assert (r.status_code, r["Location"]) == (302, "/problems/")
    assert Notification.objects.get(pk=row.pk).read_at is not None
    bare = notify("handler", url="")
    assert client_for("handler").get(f"/notifications/{bare.pk}/")["Location"] == "/notifications/"


def test_another_users_notification_is_not_found(world):
    row = notify("handler")
    for who in ("member", "office", "outsider"):
        assert client_for(who).get(f"/notifications/{row.pk}/").status_code == 404
    assert client_for("handler").get("/notifications/999999999/").status_code == 404
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_it_asks_to_log_in(world):
    for url in ("/notifications/", "/notifications/1/"):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_it_marks_all_read_by_post_with_csrf(world):
    notify("handler")
    notify("handler")
    notify("member")
    assert client_for("handler").get("/notifications/read-all/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user("handler"))
    assert strict.post("/notifications/read-all/").status_code == 403
    r = client_for("handler").post("/notifications/read-all/", follow=True)
    assert "已将2条通知标为已读" in r.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the member's


def test_it_sets_the_email_choice(world):
    client = client_for("handler")
    assert "未登记邮箱" in client.get("/notifications/").content.decode()
    r = client.post("/notifications/email/", {"email": "digest"}, follow=True)
    assert "邮件通知已设为“每日汇总”" in r.content.decode()
    assert NotificationPreference.objects.get(user=user("handler")).email == "digest"
    r = client.post("/notifications/email/", {"email": "weekly"}, follow=True)
    assert "请选择即时、每日汇总或不发邮件" in r.content.decode()


def test_the_push_toggle_subscribes_and_unsubscribes_this_browser(world):
    client = client_for("handler")
    page = client.get("/notifications/").content.decode()
    assert "在本机接收推送" in page and 'id="sj-push"' in page and "notifications.js" in page
    endpoint = "https://fcm.googleapis.com/fcm/send/device-1"
    body = {"endpoint": endpoint, "keys": {"p256dh": "BPub" * 20, "auth": "secret16bytes"}}
    assert client.post("/notifications/push/", body, content_type="application/json").status_code == 204
    assert PushSubscription.objects.get().user == user("handler")
    assert client.post("/notifications/push/", "nonsense", content_type="application/json").status_code == 400
    bad = {"endpoint": "javascript:alert(1)", "keys": {"p256dh": "x", "auth": "y"}}
    assert client.post("/notifications/push/", bad, content_type="application/json").status_code == 400
    other = client_for("member").post(
        "/notifications/push/", {"endpoint": endpoint, "remove": True}, content_type="application/json"
    )
    assert other.status_code == 204 and PushSubscription.objects.count() == 1  # not the member's to remove
    gone = client.post(
        "/notifications/push/", {"endpoint": endpoint, "remove": True}, content_type="application/json"
    )
    assert gone.status_code == 204 and not PushSubscription.objects.exists()
    assert AuditLog.objects.filter(action__startswith="push_subscription").count() == 2


# --- who is told of a step -------------------------------------------------------------------------------------

ACT_DAY = date(2025, 6, 16)


def step(problem, action: str, username: str, **fields):
    return problem_transition(actor=user(username), problem=problem, action=action, on_date=ACT_DAY, **fields)


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_triage_tells_the_handling_unit(world):
    fields = {"level": "county", "handling_org": world.dept, "deadline_days": 10}
    step(world.problems["reported"], "triage", "office", **fields)
    assert told("triage") == ["handler"]
    row = Notification.objects.get(kind="triage")
    assert row.title == "【交办】待签收:厂区安全出口被堵"
    assert "已交办嘉祥县水务局" in row.body and row.url == f"/problems/{world.problems['reported'].pk}/"


def test_a_ruling_on_a_return_tells_who_returned_it(world):
    problem = step(world.problems["assigned"], "return", "handler", reason="信息不全", comment="请补充位置")
    assert Notification.objects.count() == 0  # the office learns of it from its to-dos, not here
    step(problem, "uphold", "office", comment="位置见附件,维持交办")
    assert told("uphold") == ["handler"]
    assert "退回未予同意" in Notification.objects.get(kind="uphold").body
    problem = step(problem, "return", "handler", reason="不属于本单位职责", comment="应由自然资源局办理")
    step(problem, "triage", "office", level="county", handling_org=world.other_dept)
    ruling = Notification.objects.filter(kind="triage").get()
    assert ruling.user == user("handler") and "退回已同意,已改派嘉祥县自然资源局" in ruling.body


def test_an_extension_decision_tells_who_asked(world):
    problem = world.problems["accepted"]  # due 2025-07-02
    problem = step(
        problem, "request_extension", "handler", new_deadline=date(2025, 7, 31), comment="需采购设备"
    )
    step(problem, "approve_extension", "office")
    assert told("approve_extension") == ["handler"]
    assert "延期申请已批准,办结期限延至2025年07月31日" in Notification.objects.get().body


def test_resolving_tells_the_group_its_visit_is_due(world):
    step(world.problems["in_progress"], "resolve", "handler", resolution="已确定接驳点")
    assert told("verify") == ["group_leader", "member"]
    assert "请回访服务对象" in Notification.objects.filter(kind="verify").first().body


def test_nobody_is_told_of_their_own_step(world):
    step(world.problems["reported"], "resolve_on_site", "member", resolution="当场协调", level="group")
    assert told("verify") == ["group_leader"]


# --- in a real browser -----------------------------------------------------------------------------------------


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")
@pytest.mark.django_db(transaction=True)
def test_the_handler_sees_the_bell_after_the_offices_triage_and_reads_it(world, live_server, browser):
    from playwright.sync_api import expect

    problem = world.problems["reported"]
    problem_transition(
        actor=user("office"),
        problem=problem,
        action="triage",
        level="county",
        handling_org=world.dept,
        deadline_days=10,
    )
    url = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10000)
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "handler")
    page.fill("#id_password", "sijin-demo")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    bell_link = page.get_by_role("link", name="通知,1条未读")
    expect(bell_link).to_be_visible()  # on a phone, outside the collapsed menu
    expect(bell_link.locator(".sj-bell-count")).to_have_text("1")
    bell_link.click()
    page.wait_for_url(f"{url}/notifications/")
    item = page.get_by_role("link", name=re.compile("【交办】待签收:厂区安全出口被堵"))
    expect(item).to_contain_text("未读")
    item.click()
    page.wait_for_url(f"{url}/problems/{problem.pk}/")
    expect(page.get_by_role("link", name="通知", exact=True)).to_be_visible()  # none unread now
    page.goto(f"{url}/notifications/")
    expect(page.locator(".sj-unread")).to_have_count(0)
    assert Notification.objects.get(user__username="handler").read_at is not None
    context.close()
