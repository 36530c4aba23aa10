"""The 工作台's 走访次数 (``scope_visit_total``): summed by the database, the same numbers as ``visit_total``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijin.accounts.models import User
from sijin.fieldwork.models import Visit, visit_total
from sijin.fieldwork.services import visit_record
from sijin.fieldwork.totals import scope_visit_total
from sijin.testing import d


@pytest.mark.parametrize("username", ["office", "unit", "member", "handler", "leader", "outsider"])
def test_it_counts_a_scope_as_visit_total_does(world, username):
    scope = Visit.objects.visible_to(User.objects.get(username=username))
    assert scope_visit_total(scope) == visit_total(scope)


def test_it_counts_an_entrys_parts_once_and_a_part_without_its_entry(world):
    member = User.objects.get(username="member")
    entry = visit_record(
        actor=member, group=world.group, targets=world.targets, date=d(6, 1), end_date=d(6, 30),
        occasions=21, mode="individual", notes="6月走访",
    )  # fmt: skip
    visit_record(
        actor=member, group=world.group, targets=[world.project], date=d(6, 26), mode="onsite",
        notes="现场协调", part_of=entry,
    )  # fmt: skip
    every = Visit.objects.all()
    assert scope_visit_total(every) == visit_total(every) == "34余次"  # 13余 + 21, the part not again
    without_entry = Visit.objects.exclude(pk=entry.pk)
    assert scope_visit_total(without_entry) == visit_total(without_entry) == "14余次"  # the part counts


def test_it_costs_three_queries_however_many_visits(world):
    with CaptureQueriesContext(connection) as queries:
        scope_visit_total(Visit.objects.all())
    assert len(queries) == 3
