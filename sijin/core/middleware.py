import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

# Seconds since the epoch, in the session: when its login happened and when it last made a request.
SESSION_STARTED = "sijin_started"
SESSION_SEEN = "sijin_seen"
# How often the last request's time is written: a session write a minute, not one a request.
SEEN_EVERY = 60


class LanguageMiddleware:
    """zh-Hans unless the user chose another language with the switch (the language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: offices share machines set
    up in English, and the system's language is a choice the user makes, not one the browser guesses.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        # Scoped to this request: the language must not leak into whatever the thread does next.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


# Scripts, styles, fonts and images come from this site only (htmx, Bootstrap and ECharts are vendored
# under static/vendor/); no inline <script>, no on*="" handler, no style="" attribute, no eval. Bootstrap's
# CSS draws its icons (select arrows, close buttons) as data: SVG images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """The Content-Security-Policy on every response, and ``Cache-Control: no-store`` on every response to a
    logged-in user: pages and files hold case data, which must stay neither in a shared office computer's
    browser cache nor in a proxy. Static files never get here (WhiteNoise answers them earlier).

    Django 5.2 has no CSP of its own (6.0 will); a fixed policy with no nonces needs no more than this.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Django's debug pages (SIJIN_DEBUG=1) are styled and scripted inline: leave them readable.
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def session_begin(session) -> None:
    """Start a logged-in session's clocks (called at every login)."""
    session[SESSION_STARTED] = session[SESSION_SEEN] = int(time.time())


class SessionLimitsMiddleware:
    """A logged-in session ends after SIJIN_SESSION_IDLE_MINUTES without a request, and SIJIN_SESSION_MAX_HOURS
    after its login whatever happens; the user is sent to the login page, and comes back where they were."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session, now = request.session, int(time.time())
            started = session.setdefault(SESSION_STARTED, now)
            seen = session.get(SESSION_SEEN, started)
            if now - started > settings.SIJIN_SESSION_MAX_HOURS * 3600:
                message = _("登录已超过 %(n)d 小时,请重新登录。") % {"n": settings.SIJIN_SESSION_MAX_HOURS}
                return self.end(request, message)
            if now - seen > settings.SIJIN_SESSION_IDLE_MINUTES * 60:
                message = _("已有 %(n)d 分钟没有操作,为安全起见已退出,请重新登录。")
                return self.end(request, message % {"n": settings.SIJIN_SESSION_IDLE_MINUTES})
            if now - seen >= SEEN_EVERY:
                session[SESSION_SEEN] = now
        return self.get_response(request)

    def end(self, request, message: str) -> HttpResponse:
        request.sijin_logout_reason = "timeout"  # for the audit row of the logout
        logout(request)
        messages.info(request, message)
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):  # an HTMX request: the whole page goes to the login page
            return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
        return response
