"""Notifications (sijin/core/notifications.py): written once per user, read only by their user, mailed as each
user chose (即时 / 每日汇总 / 不发邮件) through Django's mail backend (locmem in tests), the digest once per day
however often it runs, and Web Push sent — encrypted, VAPID-signed — to a real HTTP endpoint started here,
which decrypts it as a browser would; a push service's 410 Gone forgets the subscription."""

import base64
import json
import os
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404

from sijin.accounts.models import User
from sijin.core import notifications as service
from sijin.core.models import AuditLog, EmailMode, Notification, NotificationPreference, PushSubscription
from sijin.core.webpush import vapid_key_pair, vapid_public_key

CHINA = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE: the digest's days are local days


def user(username: str) -> User:
    return User.objects.get(username=username)


def with_email(username: str) -> User:
    User.objects.filter(username=username).update(email=f"{username}@jx.example.cn")
    return user(username)


def send(users, title="【交办】待签收:施工便道积水", **kw):
    return service.notification_send(
        users=users,
        kind=kw.get("kind", "triage"),
        title=title,
        body=kw.get("body", "请签收。"),
        url="/problems/1/",
    )


def at(row: Notification, moment: datetime) -> None:
    Notification.objects.filter(pk=row.pk).update(at=moment)


# --- writing and reading ---------------------------------------------------------------------------------------


def test_it_writes_one_notification_per_user(world):
    handler, member = user("handler"), user("member")
    rows = send([handler, member, handler])
    assert sorted(r.user_id for r in rows) == sorted([handler.pk, member.pk])
    assert service.notification_unread_count(handler) == 1
    assert service.notification_unread_count(user("office")) == 0


def test_it_keeps_only_a_path_of_this_site_as_the_link(world):
    bad = service.notification_send(users=[user("handler")], kind="x", title="t", url="https://evil.example/")
    slashes = service.notification_send(users=[user("handler")], kind="x", title="t", url="//evil.example/")
    assert bad[0].url == slashes[0].url == ""


def test_it_marks_one_read_for_its_user_only(world):
    (row,) = send([user("handler")])
    with pytest.raises(Http404):
        service.get_notification_for(user("member"), row.pk)
    with pytest.raises(Http404):
        service.notification_read(user=user("member"), notification=row)
    assert Notification.objects.get(pk=row.pk).read_at is None
    read = service.notification_read(
        user=user("handler"), notification=service.get_notification_for(user("handler"), row.pk)
    )
    first = read.read_at
    assert first is not None and service.notification_unread_count(user("handler")) == 0
    service.notification_read(user=user("handler"), notification=row)
    assert Notification.objects.get(pk=row.pk).read_at == first  # the first reading's time stays


def test_it_marks_all_read_of_one_user(world):
    send([user("handler"), user("member")])
    send([user("handler")])
    assert service.notification_read_all(user=user("handler")) == 2
    assert service.notification_unread_count(user("handler")) == 0
    assert service.notification_unread_count(user("member")) == 1


def test_marking_read_writes_no_audit_row(world):
    (row,) = send([user("handler")])
    before = AuditLog.objects.count()
    service.notification_read(user=user("handler"), notification=row)
    service.notification_read_all(user=user("handler"))
    assert AuditLog.objects.count() == before


# --- email -----------------------------------------------------------------------------------------------------


def test_it_mails_at_once_those_who_chose_it_and_have_an_address(world, django_capture_on_commit_callbacks):
    handler, member = with_email("handler"), user("member")  # the member has no address
    office = with_email("office")
    service.notification_email_set(actor=office, email=EmailMode.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        rows = send([handler, member, office], body="请于6月17日前签收。")
    assert [m.to for m in mail.outbox] == [["handler@jx.example.cn"]]
    assert mail.outbox[0].subject == "【交办】待签收:施工便道积水"
    handler_row = next(r for r in rows if r.user_id == handler.pk)
    assert "请于6月17日前签收。" in mail.outbox[0].body
    assert f"/notifications/{handler_row.pk}/" in mail.outbox[0].body


def test_it_mails_nothing_when_the_step_is_rolled_back(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    handler = with_email("handler")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send([handler])
        transaction.set_rollback(True)
    assert mail.outbox == [] and Notification.objects.count() == 0


def test_it_refuses_an_unknown_email_mode_and_audits_a_change(world):
    with pytest.raises(ValidationError):
        service.notification_email_set(actor=user("handler"), email="hourly")
    service.notification_email_set(actor=user("handler"), email=EmailMode.DIGEST)
    service.notification_email_set(actor=user("handler"), email=EmailMode.DIGEST)  # no change, no row
    rows = AuditLog.objects.filter(action="notification_email_set")
    assert rows.count() == 1 and rows.get().data == {"before": "instant", "after": "digest"}
    assert service.email_mode(user("handler")) == EmailMode.DIGEST


def test_the_digest_mails_yesterdays_unread_once(world):
    handler, member = with_email("handler"), with_email("member")
    for u in (handler, member):
        service.notification_email_set(actor=u, email=EmailMode.DIGEST)
    noon = datetime(2025, 6, 15, 12, tzinfo=CHINA)
    read, unread, other_day = send([handler]), send([handler], title="【待回访】已办结:机井"), send([handler])
    at(read[0], noon)
    at(unread[0], noon)
    at(other_day[0], noon - timedelta(days=1))
    service.notification_read(user=handler, notification=read[0])
    at(send([member])[0], noon)
    instant = with_email("office")  # 即时: not in the digest
    at(send([instant])[0], noon)
    mail.outbox.clear()

    result = service.notification_digest(day=date(2025, 6, 15))
    assert (result.users, result.emails) == (2, 2)
    handler_mail = next(m for m in mail.outbox if m.to == ["handler@jx.example.cn"])
    assert "未读通知1条" in handler_mail.subject
    assert "【待回访】已办结:机井" in handler_mail.body and "【交办】" not in handler_mail.body

    again = service.notification_digest(day=date(2025, 6, 15))
    assert (again.users, again.emails, len(mail.outbox)) == (0, 0, 2)
    assert set(NotificationPreference.objects.values_list("digest_for", flat=True)) == {date(2025, 6, 15)}


def test_the_digest_sends_nothing_for_an_empty_day_but_claims_it(world):
    handler = with_email("handler")
    service.notification_email_set(actor=handler, email=EmailMode.DIGEST)
    assert service.notification_digest(day=date(2025, 6, 14)) == service.DigestResult(users=1, emails=0)
    assert mail.outbox == []


def test_the_digest_command_runs_twice_safely(world):
    from io import StringIO

    from django.core.management import call_command

    handler = with_email("handler")
    service.notification_email_set(actor=handler, email=EmailMode.DIGEST)
    at(send([handler])[0], datetime(2025, 6, 15, 9, tzinfo=CHINA))
    out = StringIO()
    call_command("digest", "--date", "2025-06-15", stdout=out)
    call_command("digest", "--date", "2025-06-15", stdout=out)
    assert out.getvalue().splitlines() == [
        "每日汇总:1 位用户,发送邮件 1 封。",
        "每日汇总:0 位用户,发送邮件 0 封。",
    ]
    assert len(mail.outbox) == 1


# --- Web Push --------------------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser keeps for one push subscription: its P-256 key pair and auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64(point)

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def push_service():
    """A push service on 127.0.0.1: records each POST and answers ``status`` (201 Created, or 410 Gone)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        status = 201

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(Handler.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received  # type: ignore[attr-defined]
    server.handler = Handler  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vapid(settings, tmp_path):
    pem, public = vapid_key_pair()
    path = tmp_path / "vapid.pem"
    path.write_bytes(pem)
    settings.SIJIN_VAPID_PRIVATE_KEY_FILE = path
    settings.SIJIN_VAPID_PUBLIC_KEY = public
    settings.SIJIN_VAPID_SUBJECT = "mailto:sijin@jn.example.cn"
    return public


def subscribe(username: str, endpoint: str, browser: Browser) -> PushSubscription:
    # The push service here speaks plain HTTP on 127.0.0.1; the site accepts only https:// from a browser.
    return PushSubscription.objects.create(
        user=user(username), endpoint=endpoint, p256dh=browser.p256dh, auth=b64(browser.auth)
    )


def test_it_pushes_an_encrypted_signed_message_to_each_device(
    world, push_service, vapid, django_capture_on_commit_callbacks
):
    phone, desktop, others = Browser(), Browser(), Browser()
    subscribe("handler", f"{push_service.url}/push/phone", phone)
    subscribe("handler", f"{push_service.url}/push/desktop", desktop)
    subscribe("member", f"{push_service.url}/push/member", others)
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([user("handler")], body="请于6月17日前签收。")
    got = {r["path"]: r for r in push_service.received}
    assert set(got) == {"/push/phone", "/push/desktop"}
    message = phone.decrypt(got["/push/phone"]["body"])
    assert message == {
        "title": "【交办】待签收:施工便道积水",
        "body": "请于6月17日前签收。",
        "url": f"/notifications/{row.pk}/",
        "tag": f"n{row.pk}",
    }
    assert desktop.decrypt(got["/push/desktop"]["body"])["url"] == f"/notifications/{row.pk}/"
    headers = {k.lower(): v for k, v in got["/push/phone"]["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=") and f"k={vapid}" in headers["authorization"]
    assert PushSubscription.objects.count() == 3


def test_a_gone_subscription_is_forgotten(world, push_service, vapid, django_capture_on_commit_callbacks):
    browser = Browser()
    subscribe("handler", f"{push_service.url}/push/old", browser)
    push_service.handler.status = 410
    with django_capture_on_commit_callbacks(execute=True):
        send([user("handler")])
    assert len(push_service.received) == 1
    assert not PushSubscription.objects.exists()
    assert service.notification_unread_count(user("handler")) == 1  # it stays in the site


def test_an_unreachable_push_service_loses_nothing(world, vapid, django_capture_on_commit_callbacks):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    subscribe("handler", f"http://127.0.0.1:{port}/push/x", Browser())
    with django_capture_on_commit_callbacks(execute=True):
        send([user("handler")])
    assert PushSubscription.objects.count() == 1
    assert service.notification_unread_count(user("handler")) == 1


def test_subscribing_checks_the_browsers_data_and_audits_changes_only(world):
    browser = Browser()
    with pytest.raises(ValidationError):
        service.push_subscription_add(
            actor=user("handler"), endpoint="http://push.example/x", p256dh="k", auth="a"
        )
    with pytest.raises(ValidationError):
        service.push_subscription_add(
            actor=user("handler"), endpoint="https://push.example/x", p256dh="", auth=""
        )
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"
    args = {"endpoint": endpoint, "p256dh": browser.p256dh, "auth": b64(browser.auth)}
    service.push_subscription_add(actor=user("handler"), **args)
    service.push_subscription_add(actor=user("handler"), **args)  # the page confirms it: no new row
    service.push_subscription_add(actor=user("member"), **args)  # a shared phone's next user takes it over
    assert PushSubscription.objects.get().user == user("member")
    assert AuditLog.objects.filter(action="push_subscription_add").count() == 2
    assert service.push_subscription_remove(actor=user("handler"), endpoint=endpoint) == 0  # not theirs
    assert service.push_subscription_remove(actor=user("member"), endpoint=endpoint) == 1
    assert AuditLog.objects.filter(action="push_subscription_remove").count() == 1


def test_the_vapid_public_key_is_the_private_keys():
    pem, public = vapid_key_pair()
    assert vapid_public_key(pem) == public
    assert len(base64.urlsafe_b64decode(public + "=")) == 65  # an uncompressed P-256 point
