"""定期报送 in the JSON API (read-only): the forms of the caller's campaigns and the reports in scope."""

from datetime import date

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create
from sijin.tallies.services import tally_form_define, tally_report_open, tally_value_set

pytestmark = pytest.mark.django_db


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def report(world):
    form = tally_form_define(
        actor=world.users["office"],
        campaign=world.campaign,
        name="每周走访情况",
        period_kind="week",
        fields=[{"code": "visits", "label": "走访次数", "unit": "次"}],
    )
    report = tally_report_open(
        actor=world.users["member"], form=form, group=world.group, day=date(2025, 6, 10)
    )
    return tally_value_set(actor=world.users["member"], report=report, values={"visits": "12"})


def test_it_lists_the_forms_and_reports_in_scope(world, report):
    forms = api(world, "member").get("/api/v1/tallies/forms").json()["items"]
    assert [(f["name"], [x["code"] for x in f["fields"]]) for f in forms] == [("每周走访情况", ["visits"])]
    rows = api(world, "office").get(f"/api/v1/tallies/reports?form={report.form_id}").json()["items"]
    assert [(r["group_id"], r["values"][0]["as_typed"]) for r in rows] == [(world.group.pk, "12")]


def test_it_shows_no_reports_outside_the_scope(world, report):
    assert api(world, "outsider").get("/api/v1/tallies/reports").json()["items"] == []
    assert api(world, "outsider").get("/api/v1/tallies/forms").json()["items"] == []
    assert api(world, "handler").get("/api/v1/tallies/reports").json()["items"] == []
    r = api(world, "office").get("/api/v1/tallies/reports?form=abc")
    assert r.status_code == 400 and list(r.json()["errors"]) == ["form"]
