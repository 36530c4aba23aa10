"""What reports say without a figure or a name: an outcome told in words (订单已到账、陆续发货), a measure taken
多次, an unnamed 帮扶方案. Recorded, shown as written, left out of sums."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sijin.campaigns.services import measure_type_ensure
from sijin.fieldwork.models import Measure, Outcome, SupportPlan
from sijin.fieldwork.services import (
    measure_record,
    measure_totals,
    outcome_record,
    outcome_update,
    plan_create,
)
from sijin.fieldwork.totals import outcome_totals, outcomes_total_text
from sijin.testing import client_for, d, post_form

ORDERS = "第一批订单已经到账、陆续发货"


@pytest.fixture
def types(world):
    admin, campaign = world.users["admin"], world.campaign
    return {
        "协调会": measure_type_ensure(actor=admin, campaign=campaign, name="协调会", order=1),
        "政策宣讲": measure_type_ensure(actor=admin, campaign=campaign, name="政策宣讲", order=2, unit="场"),
    }


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _outcome(world, value, note="", indicator="funds"):
    return outcome_record(
        actor=world.users["member"],
        target=world.village,
        indicator=world.indicators[indicator],
        value=value,
        date=d(6, 20),
        note=note,
    )


# Outcomes in words


def test_it_records_an_outcome_in_words_and_leaves_it_out_of_the_sum(world):
    words = _outcome(world, ORDERS)
    figure = _outcome(world, "6000余元")
    assert (words.value, words.as_typed, words.display_value) == (None, ORDERS, ORDERS)
    assert words.share_for(world.village.pk) == ORDERS
    both = Outcome.objects.filter(pk__in=[words.pk, figure.pk])
    rows = [r for r in outcome_totals(both) if r["indicator__name"] == "争取资金"]
    assert rows[0]["n"] == 2 and rows[0]["n_text"] == 1
    assert rows[0]["total"] == figure.value and rows[0]["text"] == figure.display_value
    assert outcomes_total_text([words, figure]) == figure.display_value


def test_it_writes_no_sum_for_outcomes_all_in_words(world):
    words = _outcome(world, ORDERS)
    rows = list(outcome_totals(Outcome.objects.filter(pk=words.pk)))
    assert rows[0]["text"] == "" and rows[0]["total"] == Decimal(0)
    assert outcomes_total_text([words]) == ""


def test_it_records_an_outcome_told_only_in_its_note(world):
    outcome = _outcome(world, "", note="帮助企业打开销路")
    assert outcome.value is None and outcome.display_value == ""
    assert Outcome.objects.get(pk=outcome.pk).note == "帮助企业打开销路"


@pytest.mark.parametrize(
    ("value", "note", "message"),
    [
        ("", "", "请填写数值"),
        ("很多", "", "无法识别“很多”"),
        ("3x万元", "", "无法换算"),
        ("长" * 201, "", "成效最多200个字"),
    ],
)
def test_it_refuses_a_mistyped_figure_or_a_vague_word(world, value, note, message):
    before = Outcome.objects.count()
    with pytest.raises(ValidationError) as exc:
        _outcome(world, value, note=note)
    assert any(message in m for m in exc.value.message_dict["value"])
    assert Outcome.objects.count() == before


def test_it_keeps_the_named_constraint_on_an_outcome_with_neither_figure_nor_words(world):
    outcome = _outcome(world, ORDERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.filter(pk=outcome.pk).update(as_typed="")
    with pytest.raises(ValidationError) as exc:
        Outcome(
            target=world.village, indicator=world.indicators["funds"], date=d(6, 20), value=None
        ).full_clean()
    assert "请填写成效数值,或用文字说明成效。" in exc.value.messages


def test_it_turns_words_into_a_figure_when_corrected(world):
    outcome = outcome_update(actor=world.users["member"], outcome=_outcome(world, ORDERS), value="3万元")
    assert outcome.value == Decimal(3) and outcome.display_value == "3万元"


def test_it_records_and_lists_an_outcome_in_words_through_the_page(world):
    village = world.village
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": world.indicators["funds"].pk, "value": ORDERS, "date": "2025-06-20"},
    )
    assert r.status_code == 302
    listed = text_of(client_for("office").get("/support/outcomes/").content.decode())
    assert ORDERS in listed
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": world.indicators["funds"].pk, "value": "", "date": "2025-06-20", "note": ""},
    )
    assert r.status_code == 400 and "没有数字时请用文字说明成效" in r.content.decode()


# Measures taken 多次


def test_it_records_a_measure_taken_an_uncounted_number_of_times(world, types):
    many = measure_record(
        actor=world.users["member"], group=world.group, type=types["政策宣讲"], date=d(6, 10), times=None
    )
    assert (many.times, many.times_qualifier, many.times_display) == (None, "多", "多场")
    measure_record(
        actor=world.users["member"], group=world.group, type=types["政策宣讲"], date=d(6, 11), times=3
    )
    total = next(t for t in measure_totals(Measure.objects.all()) if t.name == "政策宣讲")
    assert (total.entries, total.times, total.uncounted, total.text) == (2, 3, 1, "政策宣讲多场")


def test_it_keeps_a_counted_measure_precise_and_the_constraint_named(world, types):
    measure_record(
        actor=world.users["member"], group=world.group, type=types["协调会"], date=d(6, 10), times=2
    )
    total = next(t for t in measure_totals(Measure.objects.all()) if t.name == "协调会")
    assert total.text == "协调会2次"
    with pytest.raises(ValidationError) as exc:
        Measure(group=world.group, type=types["协调会"], date=d(6, 10), times=None).full_clean()
    assert "次数不详时请注明“多次”。" in exc.value.messages


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"times": "", "many": "on"}, 302, ""),
        ({"times": "1", "many": "on"}, 302, ""),
        ({"times": "", "many": ""}, 400, "请填写次数;次数不详时勾选“多次”。"),
        ({"times": "2", "many": "on"}, 400, "已填写次数时不要勾选“多次”。"),
    ],
)
def test_it_takes_many_times_on_the_group_page(world, types, data, status, message):
    url = f"/support/groups/{world.group.pk}/measures/"
    r = post_form(client_for("member"), url, {"type": types["协调会"].pk, "date": "2025-06-15", **data})
    assert r.status_code == status
    assert message in r.content.decode()
    assert Measure.objects.count() == (1 if status == 302 else 0)


# Unnamed plans


def test_it_allows_several_unnamed_plans_but_no_two_of_one_name(world):
    member = world.users["member"]
    first = plan_create(actor=member, target=world.village, name="")
    second = plan_create(actor=member, target=world.village, name="  ")
    assert str(first) == str(second) == "帮扶方案"
    plan_create(actor=member, target=world.village, name="三步递进")
    with pytest.raises(ValidationError) as exc:
        plan_create(actor=member, target=world.village, name="三步递进")
    assert "该帮扶对象已有同名方案。" in exc.value.messages
    assert SupportPlan.objects.filter(target=world.village, name="").count() == 2
