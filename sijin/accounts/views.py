"""One's own account: the password, the second factor (enrolment, and the step after the password), and the
personal API tokens."""

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from sijin.core.admin import show_refusal

from .access import second_factor_offered
from .forms import ApiTokenForm, TokenForm
from .http import AuthenticatedRequest
from .models import User
from .services import (
    api_token_create,
    api_token_revoke,
    user_password_set,
    user_second_factor_enrol,
    user_second_factor_verify,
)

# The secret of an enrolment under way: in the session (server side) until the user proves it with a code.
ENROLMENT_KEY = "sijin_totp_key"


def _next(request: AuthenticatedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters()
@login_required
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    """修改密码: the old password once, the new one twice. The other sessions of the login end."""
    user = User.objects.get(pk=request.user.pk)  # the login itself, not the request's lazy stand-in
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_password_set(actor=user, user=user, password=form.cleaned_data["new_password1"])
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            update_session_auth_hash(request, user)  # this session goes on; the others end
            messages.success(request, "密码已修改。在其他设备上登录的会话已全部退出。")
            return redirect(_next(request))
    context = {"form": form, "rules": password_validators_help_texts(), "next": _next(request)}
    return render(request, "accounts/password_change.html", context)


@sensitive_post_parameters()
@login_required
def second_factor_enrol(request: AuthenticatedRequest) -> HttpResponse:
    """绑定验证器: the secret as text, as an otpauth:// address and as a QR code; a code from the app proves it."""
    user = request.user
    if not second_factor_offered(user):
        raise PermissionDenied("双因素认证只提供给三员和活动办用户。")
    key = request.session.setdefault(ENROLMENT_KEY, random_hex(20))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = user_second_factor_enrol(
                actor=user, user=user, key=key, token=form.cleaned_data["token"]
            )
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            del request.session[ENROLMENT_KEY]
            otp_login(request, device)
            messages.success(request, "已启用双因素认证,今后登录时须输入验证器中的验证码。")
            return redirect(_next(request))
    uri = TOTPDevice(user=user, key=key).config_url
    context = {
        "form": form,
        "secret": b32encode(unhexlify(key)).decode(),
        "uri": uri,
        "qr": segno.make(uri, error="m").svg_data_uri(scale=5, light="#fff"),  # an SVG image, no request
        "next": _next(request),
    }
    return render(request, "accounts/second_factor_enrol.html", context)


@sensitive_post_parameters()
@login_required
def second_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of a login, for a user with an authenticator."""
    user = request.user
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:second_factor_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = user_second_factor_verify(actor=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", "验证码不正确或已使用过;多次错误后须等待片刻再试。")
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """API 令牌: one's own tokens, a new one (shown this once, never again), and revocation."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            row, secret = api_token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            created = {"row": row, "token": secret}
            form = ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": request.user.api_tokens.all(),
        "now": timezone.now(),
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=pk)  # one's own only; another's is a 404
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"已撤销令牌“{token.name}”,使用它的程序将无法再访问。")
    return redirect("accounts:api_tokens")
