"""Test personas: the demo logins, each a real user with real grants (no mocks of our own code).

``office`` (活动办, 滨州市), ``unit`` (滨州市教育局), ``leader`` (read-only, 滨州市), ``member`` (the group),
``handler`` (惠民县教育局), ``auditor``, ``admin`` — plus ``outsider``: an office cadre of another city (潍坊市).
"""

from django.test import Client

from sijin.accounts.models import Role, User
from sijin.accounts.services import role_grant, user_ensure
from sijin.directory.models import Region


def outsider() -> User:
    user = user_ensure(actor=None, username="outsider", password="sijin-demo", display_name="外市活动办")
    role_grant(actor=None, user=user, role=Role.OFFICE, region=Region.objects.get(code="370700000000"))
    return user


def client_for(username: str) -> Client:
    client = Client()
    user = outsider() if username == "outsider" else User.objects.get(username=username)
    client.force_login(user)
    return client


def post_form(client: Client, url: str, data: dict, **kwargs):
    """Open the form first, as a person would, and post it with its one-time token (sijin.core.once)."""
    import re

    page = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    return client.post(url, {**data, "form_token": token.group(1) if token else ""}, **kwargs)
