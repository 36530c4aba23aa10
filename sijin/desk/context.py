"""Template context for every page: what the navigation and the pages' buttons may offer the user.

``menu`` is the scope module's ``menu_for(user)`` (sijin.accounts.access), computed once per request and only
when a template asks for it, so a link is shown exactly when its view would let the user in.
``notifications_unread`` is the navbar bell's number, counted once per request and only when the page shows it.
"""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sijin.accounts import access
from sijin.core.notifications import notification_unread_count


def menu(request: HttpRequest) -> dict:
    def build() -> dict[str, bool]:
        if not hasattr(request, "_sijin_menu"):
            request._sijin_menu = access.menu_for(getattr(request, "user", None))  # type: ignore[attr-defined]
        return request._sijin_menu  # type: ignore[attr-defined]

    def unread() -> int:  # a template calls it: {% with n=notifications_unread %}
        if not hasattr(request, "_sijin_unread"):
            user = getattr(request, "user", None)
            count = notification_unread_count(user) if user is not None and user.is_authenticated else 0
            request._sijin_unread = count  # type: ignore[attr-defined]
        return request._sijin_unread  # type: ignore[attr-defined]

    return {"menu": SimpleLazyObject(build), "notifications_unread": unread}
