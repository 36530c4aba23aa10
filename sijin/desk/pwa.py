"""The installable field app (README, "Offline entry"): the service worker at the site root and the logout that
clears what the browser kept.

A service worker controls only the pages under its own address, so ``/static/sijin/sw.js`` could serve
``/static/`` alone; served from ``/sw.js`` it covers the whole site (and says so with
``Service-Worker-Allowed``). The script itself stays a static file next to the other scripts.
"""

from functools import cache

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

SERVICE_WORKER = settings.BASE_DIR / "static" / "sijin" / "sw.js"


@cache
def _service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    body = SERVICE_WORKER.read_bytes() if settings.DEBUG else _service_worker_source()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker at every page load when this is not cached.
    response["Cache-Control"] = "no-cache"
    return response


class LogoutView(auth_views.LogoutView):
    """Django's logout, which also tells the browser to drop its HTTP cache for the site.

    Not ``"storage"``: that would also erase the visits waiting in IndexedDB to be sent, the whole point of
    offline entry. The service worker drops its stored form itself when it sees this POST (sw.js), and the
    queued visits are sent only by the user who recorded them (offline-visits.js)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response
