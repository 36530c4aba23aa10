"""The request a view behind ``@login_required`` receives, for typing: its ``user`` is a User, never the
anonymous visitor, so it can be passed as the ``actor`` of a service."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User
