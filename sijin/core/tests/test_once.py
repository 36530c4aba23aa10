"""One-time form tokens (sijin/core/once.py): a form saves once, even when two submits arrive at the same instant.

The race needs two real connections, so PostgreSQL; the rest runs everywhere.
"""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from sijin.core.models import SpentToken
from sijin.core.once import (
    MAX_AGE,
    FormTokenSpent,
    form_token,
    form_token_fresh,
    form_token_spend,
)
from sijin.fieldwork.models import Outcome
from sijin.testing import client_for, needs_postgresql


def request_as(user, token: str = ""):
    request = RequestFactory().post("/", {"form_token": token} if token else {})
    request.user = user
    return request


def new_token(user) -> str:
    return form_token(request_as(user))


def test_it_spends_a_token_once(world):
    member = world.users["member"]
    token = new_token(member)
    assert form_token_fresh(request_as(member, token))
    with form_token_spend(request_as(member, token)):
        pass
    assert not form_token_fresh(request_as(member, token))
    with pytest.raises(FormTokenSpent), form_token_spend(request_as(member, token)):
        pytest.fail("a spent token runs nothing")


def test_it_keeps_the_token_when_the_save_fails(world):
    member = world.users["member"]
    token = new_token(member)
    with pytest.raises(ValueError), form_token_spend(request_as(member, token)):
        raise ValueError("the service refused")
    assert form_token_fresh(request_as(member, token))
    with form_token_spend(request_as(member, token)):
        transaction.set_rollback(True)  # an import with errors: nothing saved
    assert form_token_fresh(request_as(member, token))


def test_it_refuses_another_users_token_and_a_forged_one(world):
    token = new_token(world.users["member"])
    for request in (request_as(world.users["office"], token), request_as(world.users["member"], "x" * 40)):
        assert not form_token_fresh(request)
        with pytest.raises(FormTokenSpent), form_token_spend(request):
            pass
    assert not SpentToken.objects.exists()


def test_it_refuses_a_form_older_than_the_tokens_lifetime(world, monkeypatch):
    member = world.users["member"]
    issued = time.time() - MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = new_token(member)
    monkeypatch.undo()
    assert not form_token_fresh(request_as(member, token))


def test_it_gives_back_the_posted_token_while_it_is_fresh(world):
    member = world.users["member"]
    token = new_token(member)
    assert form_token(request_as(member, token)) == token
    with form_token_spend(request_as(member, token)):
        pass
    assert form_token(request_as(member, token)) != token


def test_it_forgets_spent_tokens_after_their_lifetime(world):
    member = world.users["member"]
    with form_token_spend(request_as(member, new_token(member))):
        pass
    SpentToken.objects.update(at=timezone.now() - MAX_AGE - timedelta(minutes=1))
    with form_token_spend(request_as(member, latest := new_token(member))):
        pass
    assert list(SpentToken.objects.values_list("token", flat=True)) == [latest]


# ---- two submits at the same instant --------------------------------------------------------------------------
@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_claims_at_the_same_instant_win(world):
    """The first claim holds its transaction open; the second, made meanwhile, waits for it and loses."""
    member = world.users["member"]
    token = new_token(member)
    barrier, outcomes = threading.Barrier(2), []

    def claim(wait: float, hold: float) -> None:
        from django.db import connection

        try:
            request = request_as(member, token)
            barrier.wait(timeout=10)
            time.sleep(wait)
            assert form_token_fresh(request)  # neither sees the other's uncommitted claim
            with form_token_spend(request):
                time.sleep(hold)
            outcomes.append("saved")
        except FormTokenSpent:
            outcomes.append("refused")
        finally:
            connection.close()

    # The first claims at once and commits 0.6 s later; the second claims at 0.2 s, while the first is open.
    threads = [threading.Thread(target=claim, args=args) for args in ((0.0, 0.6), (0.2, 0.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert SpentToken.objects.filter(token=token).count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_saves_once_when_the_same_form_is_posted_twice_at_once(world):
    village, indicator = world.village, world.indicators["jobs"]
    url = f"/support/targets/{village.pk}/outcomes/new/"
    first = client_for("member")
    second = Client()  # the same browser (the same session), a second connection
    second.cookies[settings.SESSION_COOKIE_NAME] = first.cookies[settings.SESSION_COOKIE_NAME].value
    token = re.search(r'name="form_token" value="([^"]+)"', first.get(url).content.decode()).group(1)
    data = {"indicator": indicator.pk, "value": "12人", "date": "2025-03-20", "note": "", "form_token": token}
    barrier, statuses = threading.Barrier(2), []

    def submit(client: Client) -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]  # both back to the target page: one saved, one told it was saved already
    assert Outcome.objects.filter(target=village, indicator=indicator).count() == 1
