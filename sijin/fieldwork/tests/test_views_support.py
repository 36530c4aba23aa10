"""帮扶方案, 成效, 评价 and 清单 pages, through literal URLs with the personas of the small world (sijin/testing.py)."""

import re
from decimal import Decimal

import pytest

from sijin.core.models import AuditLog
from sijin.fieldwork.models import Checklist, Feedback, Outcome, PlanStep, SupportPlan
from sijin.testing import client_for, post_form


def plan_payload(world, **overrides):
    member = world.member_person
    data = {
        "name": "大棚提质三步走",
        "goal": "甜瓜优先上市",
        "summary": "",
        "owner": member.pk,
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
        "steps-0-group_label": "一早",
        "steps-0-title": "请专家排查病害",
        "steps-0-owner": member.pk,
        "steps-0-due": "2025-03-20",
        "steps-1-group_label": "",
        "steps-1-title": "对接商超销售",
        "steps-1-owner": "",
        "steps-1-due": "",
        "steps-2-title": "",
    }
    data.update(overrides)
    return data


# 帮扶方案


def test_it_creates_a_plan_with_ordered_steps(world):
    village = world.village
    r = client_for("member").post(f"/support/targets/{village.pk}/plans/new/", plan_payload(world))
    assert r.status_code == 302
    plan = SupportPlan.objects.get(target=village, name="大棚提质三步走")
    steps = list(plan.steps.order_by("order"))
    assert [(s.order, s.title, s.group_label) for s in steps] == [
        (1, "请专家排查病害", "一早"),
        (2, "对接商超销售", ""),
    ]
    assert steps[0].due.isoformat() == "2025-03-20"
    assert AuditLog.objects.filter(action="plan_create", object_id=str(plan.pk)).exists()


def test_it_shows_the_step_rows_on_the_plan_form(world):
    r = client_for("member").get(f"/support/targets/{world.village.pk}/plans/new/")
    assert r.status_code == 200
    assert 'name="steps-0-title"' in r.content.decode()


def test_it_accepts_a_plan_without_a_name_and_shows_it_as_a_support_plan(world):
    village = world.village
    data = plan_payload(world, name="")
    r = client_for("member").post(f"/support/targets/{village.pk}/plans/new/", data)
    assert r.status_code == 302
    plan = SupportPlan.objects.get(target=village)
    assert (plan.name, plan.display_name, str(plan)) == ("", "帮扶方案", "帮扶方案")


def test_it_creates_a_plan_whose_steps_are_not_known_yet(world):
    village = world.village
    empty_rows = {f"steps-{i}-{f}": "" for i in range(3) for f in ("group_label", "title", "owner", "due")}
    r = client_for("member").post(
        f"/support/targets/{village.pk}/plans/new/", plan_payload(world, made_on="", **empty_rows)
    )
    assert r.status_code == 302
    plan = SupportPlan.objects.get(target=village, name="大棚提质三步走")
    assert plan.steps.count() == 0
    assert plan.made_on is None


def test_it_creates_steps_without_dates(world):
    village = world.village
    data = plan_payload(world, **{"steps-0-due": ""})
    r = client_for("member").post(f"/support/targets/{village.pk}/plans/new/", data)
    assert r.status_code == 302
    steps = SupportPlan.objects.get(target=village, name="大棚提质三步走").steps.all()
    assert [s.due for s in steps] == [None, None]


def test_it_needs_a_title_on_a_half_filled_step(world):
    village = world.village
    data = plan_payload(world, **{"steps-1-title": "", "steps-1-due": "2025-03-25"})
    r = client_for("member").post(f"/support/targets/{village.pk}/plans/new/", data)
    assert r.status_code == 400
    assert r.context["steps"].forms[1].errors["title"] == ["请填写步骤内容。"]
    assert not SupportPlan.objects.filter(target=village).exists()


def test_it_forbids_the_leader_to_create_a_plan(world):
    village = world.village
    r = client_for("leader").post(f"/support/targets/{village.pk}/plans/new/", plan_payload(world))
    assert r.status_code == 403
    assert not SupportPlan.objects.filter(target=village).exists()


def test_it_hides_the_target_from_the_outsider_when_planning(world):
    village = world.village
    r = client_for("outsider").post(f"/support/targets/{village.pk}/plans/new/", plan_payload(world))
    assert r.status_code == 404
    assert not SupportPlan.objects.filter(target=village).exists()


def test_it_lists_plans_in_scope(world):
    r = client_for("leader").get("/support/plans/")
    assert r.status_code == 200
    names = {p.name for p in r.context["page_obj"]}
    assert world.plan.name in names
    assert "更新进展" not in r.content.decode()  # the leader only reads
    assert "更新进展" in client_for("member").get("/support/plans/").content.decode()
    assert list(client_for("outsider").get("/support/plans/").context["page_obj"]) == []


def test_it_records_step_progress(world):
    step = PlanStep.objects.filter(plan=world.plan).exclude(status="done").first()
    assert step is not None
    r = client_for("member").post(
        f"/support/steps/{step.pk}/", {"status": "done", "done_on": "2025-03-21", "note": "已对接两家银行"}
    )
    assert r.status_code == 302
    step.refresh_from_db()
    assert (step.status, step.done_on.isoformat(), step.note) == ("done", "2025-03-21", "已对接两家银行")
    assert AuditLog.objects.filter(action="plan_step_update", object_id=str(step.pk)).exists()


def test_it_needs_a_date_for_a_done_step(world):
    step = PlanStep.objects.filter(plan=world.plan).exclude(status="done").first()
    before = step.status
    r = client_for("member").post(
        f"/support/steps/{step.pk}/", {"status": "done", "done_on": "", "note": "x"}
    )
    assert r.status_code == 400
    assert r.context["form"].errors["done_on"] == ["已完成的步骤请填写完成日期。"]
    step.refresh_from_db()
    assert step.status == before
    assert step.note != "x"


def test_it_guards_step_progress(world):
    step = PlanStep.objects.filter(plan=world.plan).first()
    data = {"status": "doing", "done_on": "", "note": "x"}
    assert client_for("leader").post(f"/support/steps/{step.pk}/", data).status_code == 403
    assert client_for("outsider").post(f"/support/steps/{step.pk}/", data).status_code == 404
    assert client_for("member").get("/support/steps/999999/").status_code == 404
    step.refresh_from_db()
    assert step.note != "x"


# 成效


def test_it_records_an_outcome_as_typed(world):
    village = world.village
    sold = world.indicators["produce_sold"]
    before = Outcome.objects.filter(target=village, indicator=sold).count()
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": sold.pk, "value": "约2万斤", "date": "2025-03-25", "note": "甜瓜"},
    )
    assert r.status_code == 302
    outcome = Outcome.objects.filter(target=village, indicator=sold).latest("id")
    assert Outcome.objects.filter(target=village, indicator=sold).count() == before + 1
    assert outcome.value == Decimal(20000)
    assert outcome.qualifier == "约"
    assert outcome.display_value == "约2万斤"
    assert AuditLog.objects.filter(action="outcome_record", object_id=str(outcome.pk)).exists()


def test_it_converts_an_outcome_to_the_indicators_unit(world):
    village = world.village
    funds = world.indicators["funds"]
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": funds.pk, "value": "35000元", "date": "2025-03-25", "note": ""},
    )
    assert r.status_code == 302
    assert Outcome.objects.filter(target=village, indicator=funds).latest("id").value == Decimal("3.5")


@pytest.mark.parametrize(
    ("value", "message"),
    [("很多", "无法识别“很多”"), ("2万斤", "单位“斤”无法换算为“万元”"), ("", "请填写数值")],
)
def test_it_rejects_a_bad_outcome_value_next_to_the_field(world, value, message):
    village = world.village
    funds = world.indicators["funds"]
    before = Outcome.objects.count()
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": funds.pk, "value": value, "date": "2025-03-25"},
    )
    assert r.status_code == 400
    assert message in r.context["form"].errors["value"][0]
    assert message in r.content.decode()
    assert Outcome.objects.count() == before


def test_it_guards_outcome_entry(world):
    village = world.village
    data = {"indicator": world.indicators["funds"].pk, "value": "1万元", "date": "2025-03-25"}
    before = Outcome.objects.count()
    assert (
        post_form(client_for("leader"), f"/support/targets/{village.pk}/outcomes/new/", data).status_code
        == 403
    )
    assert (
        post_form(client_for("outsider"), f"/support/targets/{village.pk}/outcomes/new/", data).status_code
        == 404
    )
    assert Outcome.objects.count() == before


def test_it_sums_outcomes_by_indicator_with_units(world):
    village = world.village
    sold = world.indicators["produce_sold"]
    expected = sum(o.value for o in Outcome.objects.filter(indicator=sold)) + 5000
    post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/outcomes/new/",
        {"indicator": sold.pk, "value": "5000斤", "date": "2025-03-26"},
    )
    r = client_for("office").get("/support/outcomes/")
    assert r.status_code == 200
    row = next(t for t in r.context["totals"] if t["indicator__name"] == "销售农产品")
    assert row["total"] == expected
    assert row["indicator__unit"] == "斤"
    assert client_for("outsider").get("/support/outcomes/").context["totals"] == []


# 评价


def test_it_records_feedback(world):
    village = world.village
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/feedback/new/",
        {
            "speaker_name": "张大姐",
            "speaker_role": "居民",
            "addressee": "工作组",
            "quote": "测温点设到了家门口",
            "rating": "satisfied",
            "date": "2025-03-22",
        },
    )
    assert r.status_code == 302
    feedback = Feedback.objects.get(speaker_name="张大姐")
    assert (feedback.target, feedback.group, feedback.rating) == (village, world.group, "satisfied")
    assert AuditLog.objects.filter(action="feedback_record", object_id=str(feedback.pk)).exists()


def test_it_needs_the_quote_of_feedback(world):
    village = world.village
    r = post_form(
        client_for("member"),
        f"/support/targets/{village.pk}/feedback/new/",
        {"speaker_name": "张大姐", "quote": "", "rating": "great", "date": "2025-03-22"},
    )
    assert r.status_code == 400
    assert r.context["form"].errors["quote"] == ["请填写评价原话。"]
    assert "rating" in r.context["form"].errors
    assert not Feedback.objects.filter(speaker_name="张大姐").exists()


def test_it_guards_feedback(world):
    village = world.village
    data = {"speaker_name": "张大姐", "quote": "好", "date": "2025-03-22"}
    assert (
        post_form(client_for("leader"), f"/support/targets/{village.pk}/feedback/new/", data).status_code
        == 403
    )
    assert (
        post_form(client_for("outsider"), f"/support/targets/{village.pk}/feedback/new/", data).status_code
        == 404
    )
    assert not Feedback.objects.filter(speaker_name="张大姐").exists()


# 清单


def checklist_payload(village, **overrides):
    problems = list(village.problems.values_list("pk", flat=True))
    data = {
        "target": village.pk,
        "name": "王庄村灌溉保障清单",
        "kind": "rectify",
        "problems": problems,
        "created_on": "2025-03-15",
        "supervised": "on",
        "note": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-text": "架设临时电缆",
        "items-0-responsible": "村委会",
        "items-0-due": "2025-03-20",
        "items-1-text": "",
    }
    data.update(overrides)
    return data


def test_it_asks_for_the_target_first(world):
    r = client_for("member").get("/support/checklists/new/")
    assert r.status_code == 200
    assert world.village.name in r.content.decode()
    village = world.village
    r = client_for("member").get(f"/support/checklists/new/?target={village.pk}")
    assert r.status_code == 200
    assert world.problems["resolved"].title in r.content.decode()


def test_it_creates_a_checklist_with_problems_and_items(world):
    village = world.village
    r = client_for("member").post("/support/checklists/new/", checklist_payload(village))
    assert r.status_code == 302
    checklist = Checklist.objects.get(name="王庄村灌溉保障清单")
    assert (checklist.group, checklist.target, checklist.kind) == (world.group, village, "rectify")
    assert checklist.supervised
    assert set(checklist.problems.all()) == set(village.problems.all())
    assert [i.text for i in checklist.items.all()] == ["架设临时电缆"]
    assert AuditLog.objects.filter(action="checklist_create", object_id=str(checklist.pk)).exists()


def test_it_refuses_problems_of_another_target(world):
    village, project = world.village, world.project
    data = checklist_payload(village, problems=[project.problems.first().pk])
    r = client_for("member").post("/support/checklists/new/", data)
    assert r.status_code == 400
    assert r.context["form"].errors["problems"] == ["所选问题不属于该帮扶对象。"]
    assert not Checklist.objects.filter(name="王庄村灌溉保障清单").exists()


def test_it_rejects_a_checklist_without_name_or_kind(world):
    village = world.village
    r = client_for("member").post("/support/checklists/new/", checklist_payload(village, name="", kind=""))
    assert r.status_code == 400
    assert r.context["form"].errors["name"] == ["请填写清单名称。"]
    assert r.context["form"].errors["kind"] == ["请选择清单类型。"]
    assert "请填写清单名称。" in r.content.decode()
    assert (
        not Checklist.objects.filter(target=village, kind="rectify", supervised=True, note="")
        .filter(name="")
        .exists()
    )


def test_it_refuses_a_duplicate_checklist_name(world):
    village = world.village
    existing = Checklist.objects.filter(group=world.group).first()
    before = Checklist.objects.count()
    r = client_for("member").post("/support/checklists/new/", checklist_payload(village, name=existing.name))
    assert r.status_code == 400
    assert "同名清单" in r.content.decode()
    assert Checklist.objects.count() == before


def test_it_guards_checklists(world):
    village = world.village
    assert (
        client_for("leader").post("/support/checklists/new/", checklist_payload(village)).status_code == 403
    )
    r = client_for("outsider").post("/support/checklists/new/", checklist_payload(village))
    assert r.status_code == 403  # no writable group at all: nothing to show, nothing revealed
    r = client_for("unit").get(f"/support/checklists/new/?target={village.pk}")
    assert r.status_code == 200  # the dispatching unit may write for its group
    assert not Checklist.objects.filter(name="王庄村灌溉保障清单").exists()


def test_it_lists_checklists_in_scope(world):
    r = client_for("leader").get("/support/checklists/")
    assert r.status_code == 200
    assert world.checklist.name in r.content.decode()
    assert "形成清单</a>" not in r.content.decode()
    assert list(client_for("outsider").get("/support/checklists/").context["page_obj"]) == []


def test_it_shows_each_entry_form_to_a_writer(world):
    village = world.village
    step = PlanStep.objects.filter(plan=world.plan).first()
    client = client_for("member")
    for url, field in [
        (f"/support/targets/{village.pk}/outcomes/new/", 'name="value"'),
        (f"/support/targets/{village.pk}/feedback/new/", 'name="quote"'),
        (f"/support/steps/{step.pk}/", 'name="done_on"'),
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert field in r.content.decode()
        assert client_for("leader").get(url).status_code == 403


def test_a_second_submit_of_the_same_outcome_form_saves_nothing(world):
    village = world.village
    client = client_for("member")
    url = f"/support/targets/{village.pk}/outcomes/new/"
    token = re.search(r'name="form_token" value="([^"]+)"', client.get(url).content.decode()).group(1)
    indicator = world.indicators["jobs"]
    data = {"indicator": indicator.pk, "value": "12人", "date": "2025-03-20", "note": "", "form_token": token}
    assert client.post(url, data).status_code == 302
    r = client.post(url, data, follow=True)
    assert "请勿重复提交" in r.content.decode()
    assert Outcome.objects.filter(target=village, indicator=indicator).count() == 1
