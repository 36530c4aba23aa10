"""The 工作台's 走访次数 (``scope_visit_total``): from the kept tally by group and two light queries, the same
numbers as ``visit_total`` over the visits the user sees."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijin.accounts.models import User
from sijin.fieldwork.models import Visit, visit_total
from sijin.fieldwork.services import visit_record
from sijin.fieldwork.totals import scope_visit_total
from sijin.testing import d, superuser


@pytest.mark.parametrize("username", ["office", "unit", "member", "handler", "leader", "outsider"])
def test_it_counts_a_scope_as_visit_total_does(world, username):
    user = User.objects.get(username=username)
    assert scope_visit_total(user) == visit_total(Visit.objects.visible_to(user))


def test_it_counts_an_entrys_parts_once(world):
    member = User.objects.get(username="member")
    entry = visit_record(
        actor=member, group=world.group, targets=world.targets, date=d(6, 1), end_date=d(6, 30),
        occasions=21, mode="individual", notes="6月走访",
    )  # fmt: skip
    visit_record(
        actor=member, group=world.group, targets=[world.project], date=d(6, 26), mode="onsite",
        notes="现场协调", part_of=entry,
    )  # fmt: skip
    for user in (member, User.objects.get(username="office"), superuser()):
        assert (
            scope_visit_total(user) == visit_total(Visit.objects.visible_to(user)) == "34余次"
        )  # the part once


def test_it_costs_three_queries_however_many_visits(world):
    office = User.objects.get(username="office")
    scope_visit_total(office)  # the grants, read once per request
    with CaptureQueriesContext(connection) as queries:
        scope_visit_total(office)
    assert len(queries) == 3
