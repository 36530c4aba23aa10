"""What a signed-in user must do before anything else: prove the second factor, and change a password that an
administrator set or that has grown too old."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from .access import second_factor_offered
from .models import User

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
            enrolled = user_has_device(user)
            if enrolled and getattr(user, "otp_device", None) is None:  # (django-otp's OTPMiddleware sets it)
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
