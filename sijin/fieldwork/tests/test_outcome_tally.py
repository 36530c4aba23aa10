"""The kept 成效 sums (fieldwork.models.OutcomeTally, migration 0009_outcome_tally) agree with the outcomes after
every kind of write — an outcome recorded, corrected (value, indicator, target) or deleted, ``bulk_create``,
queryset ``update()`` and ``delete()``, a target moved to another group or region or left without a group — on
SQLite and PostgreSQL alike; a missing trigger is caught; and the 工作台 and the 数据看板 show from them the
numbers the outcomes give, for every persona (a handler's from the outcomes)."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Target, WorkGroup
from sijin.directory.models import Region, RegionLevel
from sijin.fieldwork.models import Outcome, OutcomeTally
from sijin.fieldwork.services import outcome_record, outcome_update
from sijin.fieldwork.totals import outcome_totals, scope_outcome_totals
from sijin.problems.tally import tally_check, tally_rebuild
from sijin.reports.dashboard import Filters, dashboard_data, scoped_outcomes
from sijin.testing import PASSWORD, client_for, d, outsider

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("sijin.fieldwork.migrations.0009_outcome_tally")
PERSONAS = ["office", "leader", "unit", "group_leader", "member", "admin", "handler", "outsider"]


def assert_kept() -> None:
    differences = tally_check()
    assert differences == [], "\n".join(str(x) for x in differences)


def live(user) -> list[dict]:
    """What the 工作台 summed before the tally: every outcome of the targets the user sees."""
    return outcome_totals(Outcome.objects.filter(target__in=Target.objects.visible_to(user)))


def township(world) -> Region:
    """A 街道 of 嘉祥县 (the test database's regions stop at the counties)."""
    return Region.objects.get_or_create(
        code=f"{world.county.prefix}001000",
        defaults={"name": "嘉祥街道", "level": RegionLevel.TOWNSHIP, "parent": world.county},
    )[0]


def users(world) -> dict:
    out = {name: world.users[name] for name in PERSONAS if name != "outsider"}
    out["outsider"] = outsider()
    # Below the county: not said on the tally, summed from the outcomes.
    out["township office"] = user_role_ensure(
        actor=None, username="township_office", password=PASSWORD, role=Role.OFFICE, region=township(world)
    )
    # A region grant beside a unit grant: a target without a group is the region's (the tally's group joined LEFT).
    both = user_role_ensure(
        actor=None, username="county_and_unit", password=PASSWORD, role=Role.OFFICE, region=world.other_county
    )
    out["county and unit"] = user_role_ensure(
        actor=None, username="county_and_unit", password=PASSWORD, role=Role.UNIT, organization=world.unit_org
    )
    assert both.pk == out["county and unit"].pk
    return out


def assert_same_for_everyone(world) -> None:
    assert_kept()
    for name, user in users(world).items():
        assert scope_outcome_totals(user) == live(user), name


def record(world, target, indicator: str, value, **fields) -> Outcome:
    return outcome_record(
        actor=world.users["member"],
        target=target,
        indicator=world.indicators[indicator],
        value=value,
        date=fields.pop("date", d(6, 20)),
        **fields,
    )


def every_kind(world) -> list[Outcome]:
    """Outcomes of every shape a sum treats apart: ranges, 约, 余, 多, rates, changes, words alone, a note alone,
    one shared by several targets."""
    v, e, p = world.village, world.enterprise, world.project
    return [
        record(world, v, "funds", "10-20万元"),
        record(world, v, "funds", "约5万元"),
        record(world, e, "funds", "3万多元"),
        record(world, e, "output_value", "约40万元/天"),
        record(world, e, "output_value", "由9000元增至3万余元"),
        record(world, p, "funds", "50万元已到位"),
        record(world, p, "jobs", "第一批工人已经到岗上班"),
        record(world, p, "jobs", None, note="用工缺口基本解决"),
        record(world, v, "produce_sold", "3000斤", beneficiaries=[e, p], split=True),
    ]


def test_it_counts_the_world_as_built(world):
    assert sum(OutcomeTally.objects.values_list("n", flat=True)) == Outcome.objects.count() > 0
    assert_same_for_everyone(world)


def test_it_keeps_them_through_the_services(world):
    made = every_kind(world)
    kept = OutcomeTally.objects.filter(group=world.group, indicator=world.indicators["jobs"]).get()
    assert (kept.n, kept.n_text, kept.total) == (2, 2, 0)
    assert_same_for_everyone(world)
    range_, about = made[0], made[1]
    outcome_update(actor=world.users["member"], outcome=range_, value="8万元")  # a range no more
    assert_same_for_everyone(world)
    outcome_update(actor=world.users["member"], outcome=about, indicator=world.indicators["output_value"])
    assert_same_for_everyone(world)
    outcome_update(actor=world.users["member"], outcome=about, target=world.project)
    assert_same_for_everyone(world)
    outcome_update(actor=world.users["member"], outcome=made[3], value="12万元")  # a rate becomes an amount
    assert_same_for_everyone(world)
    outcome_update(actor=world.users["member"], outcome=made[2], value="订单已经全部发货完毕")  # words alone
    assert_same_for_everyone(world)
    for outcome in made[4:]:
        outcome.delete()
        assert_same_for_everyone(world)


def other_group(world) -> WorkGroup:
    return campaigns.group_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="汶上县工作组",
        dispatching_org=world.office_org,
        region=world.other_county,
        tier="city",
        start=d(6, 3),
        end=d(6, 30),
    )


def test_it_moves_a_targets_outcomes_with_it(world):
    every_kind(world)
    other = other_group(world)
    moving = Outcome.objects.filter(target=world.village).count()
    campaigns.target_update(actor=world.users["admin"], target=world.village, name="王庄村(新)")  # no move
    assert_same_for_everyone(world)
    campaigns.target_update(actor=world.users["admin"], target=world.village, region=township(world))
    assert_same_for_everyone(world)  # the same county: the same rows; the township's office sees it
    assert live(users(world)["township office"])
    campaigns.target_update(
        actor=world.users["admin"], target=world.village, region=world.other_county, group=other
    )
    kept = OutcomeTally.objects.filter(group=other, county=world.other_county.prefix).aggregate(n=Sum("n"))
    assert kept["n"] == moving > 0
    assert_same_for_everyone(world)
    campaigns.target_update(
        actor=world.users["admin"], target=world.village, region=world.county, group=world.group
    )  # and back
    assert_same_for_everyone(world)
    Target.objects.filter(pk=world.village.pk).update(group=other)  # the group alone
    assert_same_for_everyone(world)
    # Many targets in one statement, one of them left without a group (its group deleted: SET_NULL).
    Target.objects.filter(pk__in=[world.enterprise.pk, world.project.pk]).update(group=other)
    assert_same_for_everyone(world)
    Target.objects.filter(pk=world.project.pk).update(group=None, region=world.other_county)
    assert OutcomeTally.objects.filter(group_id=0, n__gt=0).exists()
    assert_same_for_everyone(world)


def test_it_keeps_them_through_bulk_and_queryset_writes(world):
    every_kind(world)
    indicators = world.indicators
    rows = [
        Outcome(target=t, indicator=indicators[i], value=Decimal(v), qualifier=q, date=d(6, 21))
        for t, i, v, q in (
            (world.village, "funds", "1.5", ""),
            (world.enterprise, "funds", "2", "约"),
            (world.project, "jobs", "30", "余"),
            (world.project, "produce_sold", "1000", "多"),
        )
    ]
    made = Outcome.objects.bulk_create(rows)
    assert_same_for_everyone(world)
    one = Outcome.objects.filter(pk=made[0].pk)
    for change in (
        {"value": Decimal("2.5")},
        {"qualifier": "约"},
        {"value_high": Decimal("4")},  # a range
        {"per": "年"},  # a rate
        {"per": "", "value_high": None, "qualifier": "余"},
        {"indicator": indicators["output_value"]},
        {"target": world.enterprise},
        {"value": None, "qualifier": "", "note": "只有文字"},  # no figure
        {"value": Decimal("0")},
    ):
        one.update(**change)
        assert_same_for_everyone(world)
    Outcome.objects.filter(indicator=indicators["funds"]).update(
        value=Decimal("7"), qualifier=""
    )  # many rows
    assert_same_for_everyone(world)
    Outcome.objects.filter(target=world.project).delete()
    assert_same_for_everyone(world)
    gone = campaigns.target_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        kind=world.kinds["community"],
        name="嘉祥县某社区",
        region=world.county,
        group=world.group,
    )
    record(world, gone, "jobs", "12人")
    record(world, gone, "funds", "约2万元")
    assert_same_for_everyone(world)
    Target.objects.filter(pk=gone.pk).delete()  # its outcomes go with it
    assert_same_for_everyone(world)


def test_it_finds_and_repairs_a_wrong_tally(world, capsys):
    row = OutcomeTally.objects.filter(n__gt=0).first()
    OutcomeTally.objects.filter(pk=row.pk).update(n=row.n + 2, total=row.total + 1)
    differences = tally_check()
    assert [x.table for x in differences] == ["fieldwork_outcometally"]
    assert "n 记为" in str(differences[0]) and "total 记为" in str(differences[0])
    with pytest.raises(CommandError, match="1 处不一致"):
        call_command("tally", "check")
    assert "fieldwork_outcometally" in capsys.readouterr().err
    counts = tally_rebuild()
    assert counts["fieldwork_outcometally"] > 0
    assert_kept()
    call_command("tally", "check")


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def drop(name: str, table: str) -> None:
    with connection.cursor() as cursor:  # in the test's transaction: rolled back with it
        cursor.execute(
            f"DROP TRIGGER {name} ON {table}" if connection.vendor == "postgresql" else f"DROP TRIGGER {name}"
        )
    assert name not in triggers()


def test_it_notices_a_dropped_outcome_trigger(world):
    assert MIGRATION.TRIGGERS[connection.vendor] <= triggers()
    name = (
        "fieldwork_tally_outcome_update"
        if connection.vendor == "postgresql"
        else "fieldwork_tally_outcome_au"
    )
    drop(name, "fieldwork_outcome")
    Outcome.objects.filter(target=world.village).update(value=Decimal("99"))
    assert tally_check() != []


def test_it_notices_a_dropped_target_trigger(world):
    drop("fieldwork_tally_target_move", "campaigns_target")
    Target.objects.filter(pk=world.village.pk).update(region=world.other_county)
    assert tally_check() != []


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's flush empties every table with TRUNCATE"
)
def test_it_ends_empty_when_the_tally_is_emptied_before_the_outcomes(world):
    OutcomeTally.objects.all().delete()
    Outcome.objects.all().delete()
    assert not OutcomeTally.objects.exists()
    assert_kept()


# --- the pages ------------------------------------------------------------------------------------------------


def workbench_outcomes(username: str) -> list[dict]:
    response = client_for(username).get("/")
    assert response.status_code == 200
    return response.context["outcomes"]


@pytest.mark.parametrize("username", ["office", "member", "unit", "handler"])
def test_the_pages_show_what_the_outcomes_give(world, username):
    every_kind(world)
    user = world.users[username]
    expected = live(user)
    assert expected
    assert workbench_outcomes(username) == [
        {"name": r["indicator__name"], "total": r["text"]} for r in expected
    ]
    shown = dashboard_data(user, Filters())["outcomes"]
    assert [(r["indicator"], r["total"], r["count"]) for r in shown] == [
        (r["indicator__name"], r["text"], r["n"]) for r in expected
    ]
    assert dashboard_data(user, Filters()) == dashboard_data(user, Filters(), live=True)


def test_the_pages_read_the_tally_unless_the_scope_or_a_filter_cannot(world):
    """A wrong tally shows on the office's, the member's and the unit's pages (read from the tally) and not on
    the handler's (a handler sees targets through a unit's problems) nor on a filtered 数据看板."""
    handler_before = workbench_outcomes("handler")
    filtered = Filters(start=date(2025, 6, 1), end=date(2025, 6, 30))
    office = world.users["office"]
    filtered_before = dashboard_data(office, filtered)["outcomes"]
    funds = world.indicators["funds"]
    OutcomeTally.objects.filter(group=world.group, indicator=funds).update(total=Decimal("1000"))
    for username in ("office", "member", "unit"):
        assert {"name": "争取资金", "total": "1000万元"} in workbench_outcomes(username), username
        shown = dashboard_data(world.users[username], Filters())["outcomes"]
        assert [r["total"] for r in shown if r["indicator"] == "争取资金"] == ["1000万元"], username
    assert workbench_outcomes("handler") == handler_before
    assert dashboard_data(office, filtered)["outcomes"] == filtered_before
    assert dashboard_data(office, Filters(group=world.group))["outcomes"] == [
        {
            "indicator": r["indicator__name"],
            "unit": r["indicator__unit"],
            "total": r["text"],
            "value": float(r["total"]),
            "count": r["n"],
        }
        for r in outcome_totals(scoped_outcomes(office, Filters(group=world.group)))
    ]
