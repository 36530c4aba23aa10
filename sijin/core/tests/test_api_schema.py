"""The JSON API against its own OpenAPI spec (schemathesis): every operation, with generated input, answers
without a server error, with a status, headers and body the spec describes, and refuses input the spec rules
out. Called in-process (WSGI) with a token of the world's office cadre. Slow: run with ``-m slow``.

The examples are the same every run (``derandomize``), so that CI does not pass or fail by the draw;
``SIJIN_API_FUZZ=1`` draws new ones each run, to look for more (it once found ``?q=<too long>&q=ok`` read as
its last value: campaigns/tests/test_api.py keeps that case).

``positive_data_acceptance`` is left out: input of the right shape is still refused when the business says no
(a cursor that is not one of ours, a target outside the caller's groups, a date outside the campaign)."""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sijin.accounts.services import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def token(world, settings):
    settings.SIJIN_API_RATE = (1_000_000, 60)
    # In-process requests share the test's transaction: neither the start nor the end of a request may close
    # its connection (Django's test client does the same).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    _row, secret = api_token_create(actor=world.users["office"], name="schemathesis", days=30)
    yield secret
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not os.environ.get("SIJIN_API_FUZZ"),
)
def test_the_api_keeps_to_its_spec(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
    )
