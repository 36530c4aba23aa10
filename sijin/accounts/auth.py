"""Signing in and out: the audit rows of logins, failed logins, lockouts and logouts, and the login page a
locked-out client gets (django-axes counts the failures; see settings, "Login lockout").

The rows are written from Django's auth signals (and axes' ``user_locked_out``) because those are where every
way of signing in meets: the login page, the admin's login page, ``Client.force_login`` in tests. They change
nothing but the audit log and the new session's clocks.
"""

from datetime import datetime, timedelta

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Max, Q, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sijin.core.audit import audit, client_address  # client_address: also AXES_CLIENT_IP_CALLABLE
from sijin.core.middleware import session_begin
from sijin.core.models import AuditAction

from .models import User


@receiver(user_logged_in, dispatch_uid="sijin_login")
def _logged_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    audit(user, AuditAction.USER_LOGIN, user, f"{user.username} 登录", address=client_address(request))
    if request is not None and hasattr(request, "session"):
        session_begin(request.session)


@receiver(user_login_failed, dispatch_uid="sijin_login_failed")
def _login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit(
        None,
        AuditAction.USER_LOGIN_FAILED,
        User.objects.filter(username=username).first(),
        f"{username} 登录失败",
        username=username,
        address=client_address(request),
    )


@receiver(user_locked_out, dispatch_uid="sijin_locked_out")
def _locked_out(sender, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs) -> None:
    # Axes says so again at each failure during a lockout (each of which is a failed login, audited above):
    # the lockout itself is the failure that reached the limit.
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    audit(
        None,
        AuditAction.USER_LOCKOUT,
        User.objects.filter(username=username or "").first(),
        f"{username} 连续登录失败 {settings.AXES_FAILURE_LIMIT} 次,账号和来源地址 {ip_address} 锁定 {minutes} 分钟",
        username=username or "",
        address=ip_address,
    )


@receiver(user_logged_out, dispatch_uid="sijin_logout")
def _logged_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "sijin_logout_reason", "logout")
    summary = f"{user.username} {'会话超时退出' if reason == 'timeout' else '退出登录'}"
    audit(user, AuditAction.USER_LOGOUT, user, summary, reason=reason, address=client_address(request))


def locked_until(username: str, address: str | None) -> datetime:
    """When the lockout of this username or this address ends (the later of the two, if both are locked)."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    ends = []
    for locked in (Q(username=username), Q(ip_address=address)):
        found = recent.filter(locked).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if (found["failures"] or 0) >= settings.AXES_FAILURE_LIMIT:
            ends.append(found["last"] + cool_off)
    return max(ends, default=now + cool_off)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The login page again, saying when to try again (AXES_LOCKOUT_CALLABLE)."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    until = timezone.localtime(locked_until(username, client_address(request)))
    when = f"{until:%H:%M}" if until.date() == timezone.localdate() else f"{until:%Y-%m-%d %H:%M}"
    message = f"登录失败次数过多,该账号和本机地址已暂时锁定。请于 {when} 后再试,或联系安全管理员解锁。"
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "lockout": message,
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "registration/login.html", context, status=429)
