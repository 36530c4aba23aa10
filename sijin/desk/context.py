"""Template context for every page: what the navigation and the pages' buttons may offer the user.

``menu`` is the scope module's ``menu_for(user)`` (sijin.accounts.access), computed once per request and only
when a template asks for it, so a link is shown exactly when its view would let the user in.
``notifications_unread`` is the navbar bell's number, read once per request and only when the page shows it.
Both come from the request's one query of per-user facts (``accounts.middleware.request_facts``, with the
user's person for the navbar's name), which the second-factor check may have run already.
"""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sijin.accounts import access
from sijin.accounts.middleware import request_facts


def menu(request: HttpRequest) -> dict:
    def signed_in():
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def build() -> dict[str, bool]:
        if not hasattr(request, "_sijin_menu"):
            user = signed_in()
            if user is not None:
                request_facts(user)  # answers the menu's own question (may_enter_visits) in the same query
            request._sijin_menu = access.menu_for(getattr(request, "user", None))  # type: ignore[attr-defined]
        return request._sijin_menu  # type: ignore[attr-defined]

    def unread() -> int:  # a template calls it: {% with n=notifications_unread %}
        user = signed_in()
        return request_facts(user).unread if user is not None else 0

    return {"menu": SimpleLazyObject(build), "notifications_unread": unread}
