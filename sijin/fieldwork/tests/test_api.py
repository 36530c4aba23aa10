"""Visits in the JSON API: the list in scope, one visit, 记录走访 through the page's form and service."""

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create
from sijin.fieldwork.models import Visit

pytestmark = pytest.mark.django_db


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_it_lists_the_visits_in_scope_newest_first(world):
    body = api(world, "member").get("/api/v1/visits").json()
    assert [v["id"] for v in body["items"]] == list(
        Visit.objects.order_by("-date", "-id").values_list("pk", flat=True)
    )
    village = api(world, "member").get(f"/api/v1/visits?target={world.village.pk}").json()["items"]
    assert {v["id"] for v in village} == {world.visits["collective"].pk, world.visits["village"].pk}
    assert api(world, "outsider").get("/api/v1/visits").json()["items"] == []
    assert api(world, "handler").get("/api/v1/visits").json()["items"] == []  # no group: no visits


def test_it_shows_one_visit_and_hides_others(world):
    visit = world.visits["project"]
    body = api(world, "office").get(f"/api/v1/visits/{visit.pk}").json()
    assert (body["occasions"], body["mode"], body["targets"][0]["id"]) == (10, "onsite", world.project.pk)
    assert api(world, "outsider").get(f"/api/v1/visits/{visit.pk}").status_code == 404


def test_it_records_a_visit(world):
    data = {
        "group": world.group.pk,
        "targets": [world.enterprise.pk],
        "date": "2025-06-20",
        "mode": "individual",
        "participants": [world.member_person.pk],
        "notes": "复查安全出口。",
    }
    r = api(world, "member").post("/api/v1/visits", data, content_type="application/json")
    assert r.status_code == 201, r.content
    visit = Visit.objects.get(pk=r.json()["id"])
    assert list(visit.targets.all()) == [world.enterprise]


def test_it_refuses_bad_visit_input_with_field_names(world):
    client = api(world, "member")
    data = {"group": world.group.pk, "targets": [world.enterprise.pk], "date": "2025-06-20", "mode": "flying"}
    r = client.post("/api/v1/visits", data, content_type="application/json")
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["mode"]
    r = client.post(
        "/api/v1/visits", {**data, "mode": "individual", "targets": []}, content_type="application/json"
    )
    assert r.json()["errors"] == {"targets": ["请至少选择一个走访对象。"]}


def test_it_refuses_a_visit_to_readers_and_other_groups(world):
    data = {
        "group": world.group.pk,
        "targets": [world.enterprise.pk],
        "date": "2025-06-20",
        "mode": "individual",
    }
    r = api(world, "leader").post("/api/v1/visits", data, content_type="application/json")
    assert r.status_code == 403
    assert (
        api(world, "outsider").post("/api/v1/visits", data, content_type="application/json").status_code
        == 403
    )
    r = api(world, "member").post(
        "/api/v1/visits", {**data, "group": 999999}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"group": ["请选择您所在的工作组。"]}


# ---- 帮扶方案, 成效, 清单 ------------------------------------------------------------------------------------------
def test_it_lists_plans_of_visible_targets_with_their_steps(world):
    body = api(world, "member").get("/api/v1/plans").json()
    assert [p["id"] for p in body["items"]] == [world.plan.pk]
    assert [s["title"] for s in body["items"][0]["steps"]] == ["排查隐患", "整改销号", "建立巡查制度"]
    assert api(world, "outsider").get("/api/v1/plans").json()["items"] == []
    assert api(world, "outsider").get(f"/api/v1/plans/{world.plan.pk}").status_code == 404


def test_it_makes_a_plan_with_steps(world):
    data = {
        "target": world.village.pk,
        "name": "大蒜销售三步走",
        "made_on": "2025-06-20",
        "steps": [
            {"title": "对接商超", "owner": world.member_person.pk},
            {"title": "签订订单", "due": "2025-06-28"},
        ],
    }
    r = api(world, "member").post("/api/v1/plans", data, content_type="application/json")
    assert r.status_code == 201, r.content
    assert [s["title"] for s in r.json()["steps"]] == ["对接商超", "签订订单"]


def test_it_refuses_a_plan_with_bad_steps_or_by_a_reader(world):
    data = {"target": world.village.pk, "steps": [{"title": "对接", "owner": world.handler_person.pk}]}
    r = api(world, "member").post("/api/v1/plans", data, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"steps.0.owner": ["负责人应为工作组成员。"]}
    assert (
        api(world, "leader").post("/api/v1/plans", data, content_type="application/json").status_code == 403
    )
    assert (
        api(world, "outsider").post("/api/v1/plans", data, content_type="application/json").status_code == 404
    )


def test_it_records_a_steps_progress(world):
    step = world.plan.steps.order_by("order").first()
    client = api(world, "member")
    r = client.post(
        f"/api/v1/plan-steps/{step.pk}/progress", {"status": "done"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"done_on": ["已完成的步骤请填写完成日期。"]}
    r = client.post(
        f"/api/v1/plan-steps/{step.pk}/progress",
        {"status": "done", "done_on": "2025-06-20", "note": "已排查"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["done_on"]) == ("done", "2025-06-20")
    progress = {"status": "doing"}
    url = f"/api/v1/plan-steps/{step.pk}/progress"
    assert api(world, "leader").post(url, progress, content_type="application/json").status_code == 403
    assert api(world, "outsider").post(url, progress, content_type="application/json").status_code == 404


def test_it_lists_and_records_outcomes(world):
    client = api(world, "member")
    assert len(client.get(f"/api/v1/outcomes?target={world.village.pk}").json()["items"]) == 3
    data = {
        "target": world.enterprise.pk,
        "indicator": world.indicators["jobs"].pk,
        "value": "30余人",
        "date": "2025-06-20",
    }
    r = client.post("/api/v1/outcomes", data, content_type="application/json")
    assert r.status_code == 201, r.content
    assert (r.json()["as_typed"], r.json()["unit"]) == ("30余人", "人")
    r = client.post("/api/v1/outcomes", {**data, "value": "", "note": ""}, content_type="application/json")
    assert r.status_code == 400 and list(r.json()["errors"]) == ["value"]
    assert (
        api(world, "leader").post("/api/v1/outcomes", data, content_type="application/json").status_code
        == 403
    )
    assert api(world, "outsider").get("/api/v1/outcomes").json()["items"] == []


def test_it_lists_checklists_of_visible_groups(world):
    body = api(world, "member").get("/api/v1/checklists?kind=problem").json()
    assert [c["name"] for c in body["items"]] == ["王庄村问题清单"]
    detail = api(world, "office").get(f"/api/v1/checklists/{world.checklist.pk}").json()
    assert set(detail["problems"]) == {world.problems["resolved"].pk, world.problems["closed"].pk}
    assert api(world, "handler").get(f"/api/v1/checklists/{world.checklist.pk}").status_code == 404
