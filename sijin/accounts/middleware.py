"""What a signed-in user must do before anything else: prove the second factor, and change a password that an
administrator set or that has grown too old; and what every page asks of the user besides the grants
(``request_facts``), in one query."""

from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django_otp import device_classes

from sijin.core.models import Notification

from . import access
from .access import second_factor_offered
from .models import User


@dataclass(frozen=True)
class RequestFacts:
    """What the navbar and the second-factor check ask of the signed-in user, besides the grants."""

    unread: int  # the bell: the user's unread notifications, counted up to BELL_CAP (the bell shows 99+)
    enrolled: bool  # a confirmed second-factor device (django_otp.user_has_device)


BELL_CAP = 100  # the bell shows 99+ above 99: an office with 50,000 unread reminders need not count them all


class _CountOf(Subquery):
    """``COUNT(*)`` of a subquery's rows: of a sliced one, a count that stops at the slice's limit."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


FACTS = (
    "_sijin_facts"  # where request_facts keeps them for the request, on the user object as access.grants does
)


def request_facts(user: User) -> RequestFacts:
    """The bell's count, whether a second factor is enrolled, whether the user writes to any group (the menu's
    走访, ``access.may_enter_visits``, kept there for the request) and the user's person (the navbar's name):
    one query, once per request, instead of one each. Each answers exactly what its own query would."""
    if hasattr(user, FACTS):
        return getattr(user, FACTS)
    unread = (
        Notification.objects.filter(user_id=OuterRef("pk"), read_at__isnull=True)  # notification_unread_idx
        .order_by()
        .values("pk")[:BELL_CAP]
    )
    devices = [Exists(m.objects.filter(user_id=OuterRef("pk"), confirmed=True)) for m in device_classes()]
    asks: dict[str, Any] = {
        "unread": Coalesce(_CountOf(unread), Value(0)),
        "enrolled": ExpressionWrapper(reduce(or_, devices, Q(pk__in=[])), output_field=BooleanField()),
    }
    writes = access.can_write(user) and not hasattr(user, access.WRITES_GROUPS)
    if writes:
        asks["writes"] = Exists(access.visible_groups_for_write(user))
    row = User.objects.filter(pk=user.pk).select_related("person").annotate(**asks).get()
    if writes:
        setattr(user, access.WRITES_GROUPS, getattr(row, "writes"))  # noqa: B009 (an annotation)
    if user.person_id is not None and user.person_id == row.person_id:
        user.person = row.person
    facts = RequestFacts(unread=getattr(row, "unread"), enrolled=getattr(row, "enrolled"))  # noqa: B009
    setattr(user, FACTS, facts)
    return facts


# The pages a user who owes something may still open (besides static files).
OPEN = (
    "login",
    "logout",
    "set_language",
    "accounts:password_change",
    "accounts:second_factor_enrol",
    "accounts:second_factor_verify",
    "service_worker",  # static code; the form it caches is still behind this guard
)


def password_expired(user: User) -> bool:
    """Older than SIJIN_PASSWORD_MAX_AGE_DAYS (0: passwords do not expire)."""
    days = settings.SIJIN_PASSWORD_MAX_AGE_DAYS
    changed = user.password_changed_at or user.date_joined
    return bool(days) and user.has_usable_password() and timezone.now() - changed > timedelta(days=days)


class AccountGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths: tuple[str, ...] = ()

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self.is_open(request.path_info):
            response = self.owed(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def is_open(self, path: str) -> bool:
        if not self.open_paths:
            self.open_paths = tuple(reverse(name) for name in OPEN)
        return path in self.open_paths or path.startswith(settings.STATIC_URL)

    def owed(self, request, user: User) -> HttpResponse | None:
        if second_factor_offered(user):
            verified = getattr(user, "otp_device", None) is not None  # (django-otp's OTPMiddleware sets it)
            enrolled = verified or request_facts(user).enrolled
            if enrolled and not verified:
                return self.go(request, "accounts:second_factor_verify")
            if not enrolled and settings.SIJIN_REQUIRE_2FA:
                messages.warning(request, "系统要求管理员和活动办用户使用双因素认证,请先绑定验证器。")
                return self.go(request, "accounts:second_factor_enrol")
        if user.password_must_change:
            messages.warning(request, "您的密码由管理员设置,请先修改密码。")
            return self.go(request, "accounts:password_change")
        if password_expired(user):
            days = settings.SIJIN_PASSWORD_MAX_AGE_DAYS
            messages.warning(request, f"您的密码已超过 {days} 天未修改,请先修改密码。")
            return self.go(request, "accounts:password_change")
        return None

    def go(self, request, name: str) -> HttpResponse:
        url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):  # an HTMX request: the whole page goes there
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)
