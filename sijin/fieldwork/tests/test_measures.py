"""帮扶措施: the service (scope, checks, the day it happened), the totals a briefing quotes, and the group's page."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sijin.accounts.models import User
from sijin.campaigns import services as campaigns
from sijin.core.models import AuditLog
from sijin.fieldwork.models import Measure, PlanStep
from sijin.fieldwork.services import measure_record, measure_totals, measure_update
from sijin.problems.models import Problem
from sijin.testing import client_for, d, post_form


@pytest.fixture
def types(world):
    admin = User.objects.get(username="admin")
    make = campaigns.measure_type_ensure
    return {
        "协调会": make(
            actor=admin,
            campaign=world.campaign,
            name="协调会",
            order=1,
            units_label="协调部门",
            people_label="参会",
        ),
        "政策宣讲": make(actor=admin, campaign=world.campaign, name="政策宣讲", order=2, unit="场"),
    }


def member() -> User:
    return User.objects.get(username="member")


# The service


def test_it_records_a_measure_with_its_numbers_and_an_audit_row(world, types):
    step = PlanStep.objects.filter(plan=world.plan).first()
    problem = world.problems["assigned"]
    measure = measure_record(
        actor=member(),
        group=world.group,
        type=types["协调会"],
        date=d(6, 15),
        times=3,
        units=5,
        people=40,
        note="协调管网施工",
        target=world.project,
        plan_step=step,
        problem=problem,
    )
    measure.refresh_from_db()
    assert (measure.times, measure.units, measure.people, measure.created_by) == (3, 5, 40, member())
    assert measure.problem_id == problem.pk and measure.plan_step == step
    assert list(problem.measures_taken.all()) == [measure]
    row = AuditLog.objects.get(object_type="fieldwork.measure", object_id=str(measure.pk))
    assert row.summary == "记录帮扶措施 协调会3次"


@pytest.mark.parametrize("username", ["leader", "handler", "outsider"])
def test_it_refuses_a_measure_from_someone_who_cannot_write_the_group(world, types, username):
    with pytest.raises(PermissionDenied):
        measure_record(
            actor=User.objects.get(username=username), group=world.group, type=types["协调会"], date=d(6, 15)
        )
    assert not Measure.objects.exists()


@pytest.mark.parametrize("username", ["group_leader", "member", "unit", "office"])
def test_it_lets_the_group_and_the_offices_over_it_record(world, types, username):
    actor = User.objects.get(username=username)
    measure_record(actor=actor, group=world.group, type=types["协调会"], date=d(6, 15))
    assert Measure.objects.get().created_by == actor


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2024, 12, 31), "日期应在行动期间(2025年"),
        (timezone.localdate() + timedelta(days=1), "不晚于今天"),
    ],
)
def test_it_refuses_a_measure_dated_outside_the_campaign_or_in_the_future(world, types, day, message):
    with pytest.raises(ValidationError) as caught:
        measure_record(actor=member(), group=world.group, type=types["协调会"], date=day)
    assert message in caught.value.message_dict["date"][0]
    assert not Measure.objects.exists()


def test_it_refuses_what_belongs_to_another_group_or_campaign(world, types):
    admin = User.objects.get(username="admin")
    other = campaigns.campaign_ensure(
        actor=admin, name="另一行动", level="city", region=world.city, start=d(1, 1)
    )
    foreign_type = campaigns.measure_type_ensure(actor=admin, campaign=other, name="协调会")
    with pytest.raises(ValidationError) as caught:
        measure_record(actor=member(), group=world.group, type=foreign_type, date=d(6, 15))
    assert caught.value.message_dict["type"] == ["该措施类型不属于工作组所在行动。"]
    world.project.group = None  # a target the group no longer holds
    with pytest.raises(ValidationError) as caught:
        measure_record(
            actor=member(), group=world.group, type=types["协调会"], date=d(6, 15), target=world.project
        )
    assert "不是本工作组的帮扶对象" in caught.value.message_dict["target"][0]


@pytest.mark.parametrize(
    ("numbers", "field"),
    [({"times": 0}, "times"), ({"times": 10_001}, "times"), ({"people": 1_000_001}, "people")],
)
def test_it_refuses_counts_out_of_range(world, types, numbers, field):
    with pytest.raises(ValidationError) as caught:
        measure_record(actor=member(), group=world.group, type=types["协调会"], date=d(6, 15), **numbers)
    assert field in caught.value.message_dict


def test_it_corrects_a_measure_and_checks_its_new_date(world, types):
    measure = measure_record(actor=member(), group=world.group, type=types["协调会"], date=d(6, 15))
    measure_update(actor=member(), measure=measure, times=2, units=4)
    measure.refresh_from_db()
    assert (measure.times, measure.units) == (2, 4)
    with pytest.raises(ValidationError):
        measure_update(actor=member(), measure=measure, date=date(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        measure_update(actor=User.objects.get(username="leader"), measure=measure, times=9)


# The totals


def test_it_totals_measures_by_type_as_a_briefing_says_them(world, types):
    for times, units, people in ((2, 3, None), (1, 2, 30)):
        measure_record(
            actor=member(),
            group=world.group,
            type=types["协调会"],
            date=d(6, 15),
            times=times,
            units=units,
            people=people,
        )
    measure_record(actor=member(), group=world.group, type=types["政策宣讲"], date=d(6, 16), times=4)
    totals = measure_totals(Measure.objects.all())
    assert [(t.name, t.entries, t.times, t.units, t.people) for t in totals] == [
        ("协调会", 2, 3, 5, 30),
        ("政策宣讲", 1, 4, None, None),
    ]
    assert [t.text for t in totals] == ["协调会3次(协调部门5个,参会30人)", "政策宣讲4场"]


def test_it_counts_each_measure_once_when_the_query_joins(world, types):
    measure_record(actor=member(), group=world.group, type=types["协调会"], date=d(6, 15), times=3, units=5)
    joined = Measure.objects.filter(group__targets__isnull=False)  # one row per target of the group
    assert joined.count() == 3
    [total] = measure_totals(joined)
    assert (total.times, total.units) == (3, 5)


# The group's page


def test_it_adds_a_measure_on_the_group_page(world, types):
    url = f"/support/groups/{world.group.pk}/measures/"
    data = {
        "type": types["协调会"].pk,
        "date": "2025-06-15",
        "times": "3",
        "units": "5",
        "people": "",
        "note": "x",
    }
    r = post_form(client_for("member"), url, data)
    assert r.status_code == 302
    measure = Measure.objects.get()
    assert (measure.times, measure.units, measure.people) == (3, 5, None)
    page = client_for("member").get(url).content.decode()
    assert "协调会" in page and "3次" in page


def test_it_shows_a_refused_date_on_the_group_page_and_saves_nothing(world, types):
    url = f"/support/groups/{world.group.pk}/measures/"
    r = post_form(client_for("member"), url, {"type": types["协调会"].pk, "date": "2024-12-31", "times": "1"})
    assert r.status_code == 400
    assert "日期应在行动期间" in r.content.decode()
    assert not Measure.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"times": "0"}, "次数不能小于1。"),
        ({"times": "abc"}, "次数应为整数。"),
        ({"people": "1000001"}, "参加人数不能超过1000000。"),
        ({"type": ""}, "请选择措施类型。"),
        ({"date": "2099-01-01"}, "日期不能晚于今天。"),
    ],
)
def test_it_refuses_bad_input_on_the_group_page(world, types, data, message):
    url = f"/support/groups/{world.group.pk}/measures/"
    r = post_form(
        client_for("member"), url, {"type": types["协调会"].pk, "date": "2025-06-15", "times": "1", **data}
    )
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Measure.objects.exists()


def test_it_offers_only_the_groups_problems(world, types):
    page = client_for("member").get(f"/support/groups/{world.group.pk}/measures/")
    offered = set(page.context["form"].fields["problem"].queryset)
    assert offered == set(Problem.objects.filter(group=world.group))


def test_it_guards_the_group_page(world, types):
    url = f"/support/groups/{world.group.pk}/measures/"
    data = {"type": types["协调会"].pk, "date": "2025-06-15", "times": "1"}
    r = client_for("leader").get(url)
    assert r.status_code == 200 and r.context["form"] is None  # reads, cannot add
    assert post_form(client_for("leader"), url, data).status_code == 403
    assert client_for("outsider").get(url).status_code == 404
    assert post_form(client_for("outsider"), url, data).status_code == 404
    assert not Measure.objects.exists()
