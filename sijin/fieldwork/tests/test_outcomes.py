"""成效 figures as reports write them: ranges, rates, changes and status; one writing on every page; shared
and split outcomes; an outcome linked to the problem it solved."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sijin.fieldwork.models import Outcome
from sijin.fieldwork.services import outcome_record
from sijin.testing import client_for, post_form


def record(world, value, indicator="funds", target=None, **fields):
    target = target or world.village
    data = {"indicator": world.indicators[indicator].pk, "value": value, "date": "2025-06-26", **fields}
    return post_form(client_for("member"), f"/support/targets/{target.pk}/outcomes/new/", data)


def latest():
    return Outcome.objects.latest("id")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_keeps_a_range_a_rate_a_change_and_a_status(world):
    assert record(world, "10-20万元").status_code == 302
    o = latest()
    assert (o.value, o.value_high, o.as_typed) == (Decimal(10), Decimal(20), "10-20万元")
    assert o.display_value == "10-20万元"

    assert record(world, "约40万元/天", indicator="output_value").status_code == 302
    o = latest()
    assert (o.value, o.qualifier, o.per) == (Decimal(40), "约", "天")

    assert record(world, "由9000元增至3万余元", indicator="output_value").status_code == 302
    o = latest()
    assert (o.value_before, o.value, o.qualifier) == (Decimal("0.9"), Decimal(3), "余")
    assert o.display_value == "由9000元增至3万余元"

    assert record(world, "50万元已到位").status_code == 302
    o = latest()
    assert (o.value, o.status, o.display_value) == (Decimal(50), "已到位", "50万元已到位")  # as typed


def test_it_writes_a_long_run_of_digits_the_chinese_way(world):
    assert record(world, "35000元").status_code == 302
    assert latest().display_value == "3.5万元"
    assert record(world, "3000元").status_code == 302
    assert latest().display_value == "3000元"


def test_it_refuses_a_reversed_range_next_to_the_field(world):
    before = Outcome.objects.count()
    r = record(world, "20-10万元")
    assert r.status_code == 400
    assert "下限应小于上限" in r.context["form"].errors["value"][0]
    assert Outcome.objects.count() == before


def test_it_writes_the_same_total_on_the_outcomes_page_the_workbench_and_the_dashboard(world):
    # the world already has 3.5万元 of funds for the village; 2460000余元 more makes 249.5万余元
    assert record(world, "2460000余元").status_code == 302
    assert latest().display_value == "246余万元"
    outcomes = text_of(client_for("office").get("/support/outcomes/").content.decode())
    workbench = text_of(client_for("office").get("/").content.decode())
    assert "249.5万余元" in outcomes
    assert "249.5万余元" in workbench
    assert "246余万元" in outcomes  # the row itself
    assert "3.5000" not in outcomes
    dashboard = text_of(client_for("office").get("/reports/dashboard/").content.decode())
    assert "249.5万余元" in dashboard


def test_it_sums_a_range_at_its_low_end_and_leaves_rates_out(world):
    assert record(world, "10-20万元").status_code == 302
    assert record(world, "约40万元/天").status_code == 302
    r = client_for("office").get("/support/outcomes/")
    row = next(t for t in r.context["totals"] if t["indicator__name"] == "争取资金")
    assert row["total"] == Decimal("13.5")  # 3.5 + the low end 10; the rate is not an amount
    assert row["text"] == "13.5万余元"  # the range's high end is more: 余; the rate's 约 does not count
    assert row["n_rate"] == 1


def test_it_splits_an_outcome_among_its_beneficiaries_and_counts_it_once(world):
    funds = world.indicators["funds"]
    before = sum(o.value for o in Outcome.objects.filter(indicator=funds))
    r = record(world, "30万元", beneficiaries=[world.enterprise.pk, world.project.pk], split="on")
    assert r.status_code == 302
    o = latest()
    assert set(o.beneficiaries.all()) == {world.enterprise, world.project}
    page = text_of(client_for("member").get(f"/targets/{world.enterprise.pk}/").content.decode())
    assert "10万元(3个对象分摊)" in page
    totals = client_for("office").get("/support/outcomes/").context["totals"]
    assert next(t for t in totals if t["indicator__name"] == "争取资金")["total"] == before + 30


def test_it_shows_a_shared_outcome_in_full_on_each_beneficiary(world):
    assert record(world, "30万元", beneficiaries=[world.enterprise.pk]).status_code == 302
    page = text_of(client_for("member").get(f"/targets/{world.enterprise.pk}/").content.decode())
    assert "30万元" in page
    assert "分摊" not in page


def test_it_refuses_to_split_without_beneficiaries(world):
    r = record(world, "30万元", split="on")
    assert r.status_code == 400
    assert "分摊须先选择其他受益对象" in r.context["form"].errors["split"][0]


def test_it_links_an_outcome_to_a_problem_of_its_target(world):
    own = next(p for p in world.problems.values() if p.target_id == world.village.pk)
    other = next(p for p in world.problems.values() if p.target_id != world.village.pk)
    assert record(world, "1万元", problem=own.pk).status_code == 302
    assert latest().problem_id == own.pk
    before = Outcome.objects.count()
    r = record(world, "1万元", problem=other.pk)
    assert r.status_code == 400
    assert "所选问题不属于此帮扶对象" in r.context["form"].errors["problem"][0]
    assert Outcome.objects.count() == before


def test_the_service_refuses_a_problem_of_another_target(world):
    other = next(p for p in world.problems.values() if p.target_id != world.village.pk)
    before = Outcome.objects.count()
    with pytest.raises(ValidationError, match="该问题不属于此帮扶对象"):
        outcome_record(
            actor=world.users["member"],
            target=world.village,
            indicator=world.indicators["funds"],
            value="1万元",
            date=date(2025, 6, 26),
            problem=other,
        )
    assert Outcome.objects.count() == before
