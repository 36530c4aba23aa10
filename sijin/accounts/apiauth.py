"""Who is calling the JSON API: a personal token (``Authorization: Bearer sijin_…``) or the site's own session.

A token acts as its user: ``request.user`` becomes the token's login, so every read and write goes through the
same scope (``accounts.access``) and services as the pages. A token opens nothing when it is unknown, revoked
or expired, or when its login is deactivated or locked out (django-axes' lockout of the username). Each token
may make SIJIN_API_RATE requests per window: a fixed window counted in the token's own row with one conditional
UPDATE, so every app server counts the same requests; the one over gets 429 with ``Retry-After``.

The session is for the site's own scripts: it needs the CSRF token on unsafe methods, as a form does.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import ApiToken, User
from .services import api_token_digest


class TokenRefused(Exception):
    """The bearer token opens nothing (401); the message says why, without saying whose it is."""


class CsrfRefused(Exception):
    """A session request that changes something came without the CSRF token (403)."""


@dataclass
class RateLimited(Exception):
    """The token made its SIJIN_API_RATE requests in this window (429)."""

    retry_after: int


def locked_out(username: str, now: datetime) -> bool:
    """Is the login locked out by django-axes (SIJIN_LOGIN_FAILURE_LIMIT failures within the cool-off)?"""
    failures = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def rate_count(rows: QuerySet, now: datetime) -> None:
    """Count one request of the key in ``rows`` (one row with window_start, window_count and last_used_at: an
    API token, an Open311 client) in the current fixed window of SIJIN_API_RATE, and note when it was last
    used; raise RateLimited when the window is full. Two conditional UPDATEs, so that concurrent requests never
    count past the limit: the first counts within the current window, the second opens a new one."""
    limit, seconds = settings.SIJIN_API_RATE
    epoch = int(now.timestamp())
    window = datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)
    counted = rows.filter(window_start=window, window_count__lt=limit).update(
        window_count=F("window_count") + 1, last_used_at=now
    )
    if not counted:
        counted = rows.filter(Q(window_start__lt=window) | Q(window_start=None)).update(
            window_start=window, window_count=1, last_used_at=now
        )
    if not counted:
        raise RateLimited(
            retry_after=max(1, int((window + timedelta(seconds=seconds) - now).total_seconds()))
        )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: the token's user, if the token still opens the API."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        now = timezone.now()
        row = (
            ApiToken.objects.usable(now)
            .select_related("user")
            .filter(digest=api_token_digest(token.strip()))
            .first()
        )
        if row is None:
            raise TokenRefused("API 令牌无效、已撤销或已过期。")
        if locked_out(row.user.username, now):
            raise TokenRefused("该账号已被锁定,令牌暂不可用;请联系安全管理员解锁。")
        rate_count(ApiToken.objects.filter(pk=row.pk), now)
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]
        return row.user


class SessionAuth(APIKeyCookie):
    """The signed-in session of the site's own pages; unsafe methods need the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfRefused("CSRF 校验失败,请刷新页面后重试。")
        return user  # type: ignore[return-value]

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:  # pragma: no cover
        return None  # __call__ decides
