"""Notifications (通知): written here, read here, delivered from here — in the site (the bell and the list), by
email (即时 or 每日汇总, as each user chose) and by Web Push to the devices a user turned it on for.

- ``notification_send`` / ``notification_send_bulk`` write the rows inside the caller's transaction, and
  deliver them once it commits (a rolled-back transition mails nobody); ``notification_send_select`` writes
  the rows an SQL query yields (the sweep's thousands) in the database alone, and delivers them the same way.
  Delivery is best effort: a mail server or push service that fails is logged, the notification stays in the
  site.
- Reading and marking read take the user's own rows only (``get_notification_for`` raises 404 for another's).
  Marking read is not audited: it changes nothing of a case, as opening a page changes nothing (the audit
  records writes of case data, downloads and reads of personal data — sijin/core/audit.py). Choosing where
  notifications go (an email mode, a device's push subscription) is audited: it sends case titles out of the
  site.
- ``notification_digest`` (``sijin digest``, daily from cron) mails each 每日汇总 user yesterday's unread
  notifications in one message, claiming the day with a conditional update so that it runs safely twice.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import webpush
from .audit import audit
from .models import AuditAction, EmailMode, Notification, NotificationPreference, PushSubscription

log = logging.getLogger(__name__)

TITLE_MAX = 200
URL_MAX = 300


@dataclass(frozen=True)
class Message:
    """One notification to one user (``notification_send_bulk`` takes many, each its own)."""

    user: AbstractBaseUser
    kind: str
    title: str
    body: str = ""
    url: str = ""


# --- writing ---------------------------------------------------------------------------------------------------


def notification_send(
    *, users: Iterable[AbstractBaseUser], kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Tell each of ``users`` (once each, however often listed) the same thing. ``kind`` is the action that
    caused it (``triage``, ``urge`` …); ``url`` the site path it is about."""
    unique = {u.pk: u for u in users if u is not None and u.pk is not None}
    return notification_send_bulk(messages=[Message(u, kind, title, body, url) for u in unique.values()])


def notification_send_bulk(*, messages: Iterable[Message], mail: bool = True) -> list[Notification]:
    """Write many notifications (one INSERT per thousand); mail and push them when the caller's transaction
    commits. ``mail=False``: the caller mails its own way (the sweep's one letter per address), push only."""
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user_id=m.user.pk,
                kind=m.kind[:32],
                title=m.title[:TITLE_MAX],
                body=m.body,
                url=m.url[:URL_MAX] if _local(m.url) else "",
            )
            for m in messages
        ],
        batch_size=1000,
    )
    ids = [r.pk for r in rows]
    if ids:
        transaction.on_commit(partial(notification_deliver, ids, mail=mail))
    return rows


def notification_send_select(*, select: str, params: Sequence[Any] = (), mail: bool = True) -> int:
    """Write the notifications an SQL ``select`` yields — naming its columns ``user_id, kind, title, body,
    url`` — with INSERT … SELECT, so that thousands are written without one passing through Python (the
    sweep's); returns how many. Cut as ``notification_send_bulk`` cuts them, a link that is not a path of this
    site dropped. Delivered when the caller's transaction commits, as ``notification_send_bulk`` delivers:
    only the rows of users with a push subscription (with ``mail``, or mailed at once) are read back, so the
    select is inserted in two parts, theirs (RETURNING their ids) and the others'."""
    qn = connection.ops.quote_name
    user = qn(Notification._meta.get_field("user").related_model._meta.db_table)  # type: ignore[union-attr]
    delivered = f"s.user_id IN (SELECT user_id FROM {qn(PushSubscription._meta.db_table)})"
    delivered_params: list[Any] = []
    if mail:
        delivered += (
            f" OR s.user_id IN (SELECT id FROM {user} WHERE is_active AND email <> '' AND id NOT IN "
            f"(SELECT user_id FROM {qn(NotificationPreference._meta.db_table)} WHERE email <> %s))"
        )
        delivered_params.append(EmailMode.INSTANT)
    # A path of this site: "/…", not "//host…" nor "/\\host…" (``_local``).
    local = "substr(s.url, 1, 1) = '/' AND substr(s.url, 2, 1) NOT IN ('/', '\\')"
    insert = (
        f"INSERT INTO {qn(Notification._meta.db_table)} (user_id, at, kind, title, body, url) "
        f"SELECT s.user_id, %s, substr(s.kind, 1, 32), substr(s.title, 1, {TITLE_MAX}), s.body, "
        f"CASE WHEN {local} THEN substr(s.url, 1, {URL_MAX}) ELSE '' END FROM ({select}) s "
    )
    values = [connection.ops.adapt_datetimefield_value(timezone.now()), *params, *delivered_params]
    with connection.cursor() as cursor:
        cursor.execute(f"{insert} WHERE {delivered} RETURNING id", values)
        ids = [pk for (pk,) in cursor.fetchall()]
        cursor.execute(f"{insert} WHERE NOT ({delivered})", values)
        written = len(ids) + cursor.rowcount
    if ids:
        transaction.on_commit(partial(notification_deliver, ids, mail=mail))
    return written


def _local(url: str) -> bool:
    """Only a path of this site may be a notification's link (it is followed by ``notification_open``)."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


# --- reading ---------------------------------------------------------------------------------------------------


def notifications_for(user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's notifications, newest first (index notification_user_at_idx)."""
    return Notification.objects.filter(user_id=user.pk).order_by("-at", "-id")


def notification_unread_count(user: AbstractBaseUser) -> int:
    """The bell's number (index notification_unread_idx)."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def get_notification_for(user: AbstractBaseUser, pk: int) -> Notification:
    """One of the user's own notifications; another's is a 404, as one that does not exist."""
    found = Notification.objects.filter(user_id=user.pk, pk=pk).first()
    if found is None:
        raise Http404("通知不存在")
    return found


def notification_read(*, user: AbstractBaseUser, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (the first reading's time stays)."""
    if notification.user_id != user.pk:
        raise Http404("通知不存在")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_read_all(*, user: AbstractBaseUser) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- where they go ---------------------------------------------------------------------------------------------


def email_mode(user: AbstractBaseUser) -> str:
    pref = NotificationPreference.objects.filter(user_id=user.pk).first()
    return pref.email if pref else EmailMode.INSTANT


@transaction.atomic
def notification_email_set(*, actor: AbstractBaseUser, email: str) -> NotificationPreference:
    """The actor's own choice: 即时 / 每日汇总 / 不发邮件."""
    if email not in EmailMode.values:
        raise ValidationError({"email": ["请选择即时、每日汇总或不发邮件。"]})
    pref, _created = NotificationPreference.objects.get_or_create(user_id=actor.pk)
    if pref.email != email:
        before = pref.email
        pref.email = email
        pref.save(update_fields=["email"])
        audit(
            actor,
            AuditAction.NOTIFICATION_EMAIL_SET,
            pref,
            f"通知邮件:{EmailMode(email).label}",
            before=before,
            after=email,
        )
    return pref


@transaction.atomic
def push_subscription_add(
    *, actor: AbstractBaseUser, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Turn on push for one browser of the actor's (the browser's subscription; a shared phone's browser that
    another user had subscribed now receives the actor's)."""
    errors = {}
    if not endpoint.startswith("https://") or len(endpoint) > 1000:
        errors["endpoint"] = ["推送地址不正确。"]
    if not p256dh or len(p256dh) > 200 or not auth or len(auth) > 100:
        errors["keys"] = ["推送密钥不正确。"]
    if errors:
        raise ValidationError(errors)
    sub = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if sub is not None and (sub.user_id, sub.p256dh, sub.auth) == (actor.pk, p256dh, auth):
        return sub  # the page confirms it at every visit: nothing changed, nothing to audit
    taken_from = sub.user_id if sub is not None and sub.user_id != actor.pk else None
    sub = sub or PushSubscription(endpoint=endpoint)
    sub.user_id, sub.p256dh, sub.auth = actor.pk, p256dh, auth
    sub.save()
    audit(actor, AuditAction.PUSH_SUBSCRIPTION_ADD, sub, "开启本机推送", taken_from=taken_from)
    return sub


@transaction.atomic
def push_subscription_remove(*, actor: AbstractBaseUser, endpoint: str) -> int:
    """Turn off push for one browser of the actor's (another user's subscription is left alone)."""
    subs = list(PushSubscription.objects.filter(user_id=actor.pk, endpoint=endpoint))
    for sub in subs:
        audit(actor, AuditAction.PUSH_SUBSCRIPTION_REMOVE, sub, "关闭本机推送")
        sub.delete()
    return len(subs)


# --- delivery --------------------------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """The address a mail links to: SIJIN_SITE_URL + path (the bare path when it is not set)."""
    return f"{settings.SIJIN_SITE_URL}{path}"


def open_path(notification: Notification) -> str:
    from django.urls import reverse

    return reverse("desk:notification_open", args=[notification.pk])


def notification_deliver(ids: Sequence[int], *, mail: bool = True) -> None:
    """Mail (to users who chose 即时 and have an address) and push (to their subscribed devices) the
    notifications ``ids``. Called once their transaction committed; never raises."""
    rows = list(Notification.objects.filter(pk__in=ids).select_related("user").order_by("id"))
    if mail:
        _mail_instant(rows)
    _push(rows)


def _mail_instant(rows: list[Notification]) -> None:
    instant = {r.user_id for r in rows if getattr(r.user, "email", "") and r.user.is_active} - set(
        NotificationPreference.objects.filter(user_id__in={r.user_id for r in rows})
        .exclude(email=EmailMode.INSTANT)
        .values_list("user_id", flat=True)
    )
    mails = [_mail(r) for r in rows if r.user_id in instant]
    if mails:
        try:
            get_connection().send_messages(mails)
        except Exception:  # the notifications are in the site; mail is best effort
            log.exception("通知邮件发送失败")


def _mail(row: Notification) -> EmailMessage:
    body = "\n\n".join(part for part in (row.body, site_url(open_path(row))) if part)
    return EmailMessage(subject=row.title, body=body, to=[row.user.email])


def _push(rows: list[Notification]) -> None:
    subs: dict[int, list[PushSubscription]] = {}
    for sub in PushSubscription.objects.filter(user_id__in={r.user_id for r in rows}, user__is_active=True):
        subs.setdefault(sub.user_id, []).append(sub)
    gone: set[int] = set()
    for row in rows:
        payload = {"title": row.title, "body": row.body[:300], "url": open_path(row), "tag": f"n{row.pk}"}
        for sub in subs.get(row.user_id, ()):
            if sub.pk in gone:
                continue
            result = webpush.push_send(
                endpoint=sub.endpoint,
                p256dh=sub.p256dh,
                auth=sub.auth,
                payload=payload,
                private_key_file=str(webpush.vapid_keys()[0]),
                subject=settings.SIJIN_VAPID_SUBJECT,
            )
            if result.gone:
                gone.add(sub.pk)
            elif not result.ok:
                log.warning("推送失败(%s):%s", sub.endpoint[:60], result.error)
    if gone:
        # The push service forgot them: so do we (no audit row: nobody chose it, the browser is gone).
        PushSubscription.objects.filter(pk__in=gone).delete()


# --- the daily digest ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestResult:
    users: int  # users whose day was claimed by this run
    emails: int  # mails sent (a user with nothing unread that day gets none)


def notification_digest(*, day: date | None = None) -> DigestResult:
    """每日汇总: one mail per 每日汇总 user with an address, of their notifications of ``day`` (default:
    yesterday) still unread. Each user's day is claimed with a conditional update of ``digest_for``; a mail
    that fails gives the claim back, so the next run tries again."""
    day = day or timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    due = (
        NotificationPreference.objects.filter(email=EmailMode.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .filter(Q(digest_for__isnull=True) | Q(digest_for__lt=day))
        .select_related("user")
        .order_by("user_id")
    )
    claimed = emails = 0
    for pref in due.iterator():
        won = (
            NotificationPreference.objects.filter(pk=pref.pk)
            .filter(Q(digest_for__isnull=True) | Q(digest_for__lt=day))
            .update(digest_for=day)
        )
        if not won:
            continue  # another run took this user's day
        claimed += 1
        rows = list(
            Notification.objects.filter(
                user_id=pref.user_id, read_at__isnull=True, at__gte=start, at__lt=end
            ).order_by("at", "id")
        )
        if not rows:
            continue
        try:
            get_connection().send_messages([_digest_mail(pref.user, day, rows)])
        except Exception:
            log.exception("每日汇总邮件发送失败")
            NotificationPreference.objects.filter(pk=pref.pk, digest_for=day).update(
                digest_for=pref.digest_for
            )
            continue
        emails += 1
    return DigestResult(users=claimed, emails=emails)


def _digest_mail(user: AbstractBaseUser, day: date, rows: list[Notification]) -> EmailMessage:
    lines = [f"{day:%Y年%m月%d日}您有{len(rows)}条未读通知:", ""]
    for i, row in enumerate(rows, 1):
        lines.append(f"{i}. {row.title}")
        if row.body:
            lines.append(f"   {row.body}")
        lines.append(f"   {site_url(open_path(row))}")
    lines += ["", f"全部通知:{site_url(_list_path())}"]
    subject = f"【每日汇总】{day:%m月%d日}未读通知{len(rows)}条"
    return EmailMessage(subject=subject, body="\n".join(lines), to=[getattr(user, "email", "")])


def _list_path() -> str:
    from django.urls import reverse

    return reverse("desk:notification_list")
