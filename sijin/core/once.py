"""One-time form tokens: a second submit of the same form (a double tap on a slow network, a reload after
POST) saves nothing. Each rendered form carries a token from the session; saving spends it."""

import secrets

from django.http import HttpRequest

SESSION_KEY = "sijin_form_tokens"
KEEP = 20  # tokens of forms still open in other tabs


def form_token(request: HttpRequest, field: str = "form_token") -> str:
    """The token to render: the one posted back (a form shown again with errors) or a new one."""
    posted = request.POST.get(field, "")
    if posted and posted in request.session.get(SESSION_KEY, []):
        return posted
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-(KEEP - 1) :], token]
    return token


def form_token_fresh(request: HttpRequest, field: str = "form_token") -> bool:
    """Was the posted form rendered with a token that has not been spent yet?"""
    return request.POST.get(field, "") in request.session.get(SESSION_KEY, [])


def form_token_spend(request: HttpRequest, field: str = "form_token") -> None:
    token = request.POST.get(field, "")
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
