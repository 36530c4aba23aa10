"""One-time form tokens: a second submit of the same form (a double tap on a slow network, a reload after
POST) saves nothing, even when both arrive at the same instant.

Each rendered form carries a token (``form_token``), signed for its user and dated. The view saves inside
``with form_token_spend(request): <service>(…)``: one transaction that first inserts the token into
``SpentToken``, whose unique index lets only one of two simultaneous submits win. The other waits for the
winner's commit and gets ``FormTokenSpent``; if the winner rolls back (a validation error), the token was
never spent and the form can be corrected and sent again. ``form_token_fresh`` is the cheap early answer for
the common case, a submit that comes after the first one has finished.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import SpentToken

# A form left open longer than this is refused like a spent one; spent tokens are kept as long, no longer.
MAX_AGE = timedelta(days=7)


class FormTokenSpent(Exception):
    """The posted form was already saved (or its token is missing, forged or older than ``MAX_AGE``)."""


def _signer(request: HttpRequest) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"sijin.core.once:{getattr(request.user, 'pk', None)}")


def _signed(request: HttpRequest, token: str) -> bool:
    try:
        _signer(request).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return True


def form_token(request: HttpRequest, field: str = "form_token") -> str:
    """The token to render: the one posted back (a form shown again with errors) or a new one."""
    if form_token_fresh(request, field):
        return request.POST[field]
    return _signer(request).sign(secrets.token_urlsafe(16))


def form_token_fresh(request: HttpRequest, field: str = "form_token") -> bool:
    """Was the posted form rendered for this user, recently, with a token not spent yet?"""
    token = request.POST.get(field, "")
    return _signed(request, token) and not SpentToken.objects.filter(token=token).exists()


@contextmanager
def form_token_spend(request: HttpRequest, field: str = "form_token") -> Iterator[None]:
    """Spend the posted token and run the block in the same transaction; raise ``FormTokenSpent`` (saving
    nothing) if the token was spent already, even by a request still running. An exception in the block, or
    ``transaction.set_rollback(True)``, rolls the spending back with the rest."""
    token = request.POST.get(field, "")
    if not _signed(request, token):
        raise FormTokenSpent
    with transaction.atomic():
        try:
            SpentToken.objects.create(token=token)
        except IntegrityError:
            raise FormTokenSpent from None
        SpentToken.objects.filter(at__lt=timezone.now() - MAX_AGE).delete()
        yield
