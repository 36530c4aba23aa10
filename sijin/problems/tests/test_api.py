"""The problems' JSON API: the ledger with its filters and cursor, one problem, 上报, and the workflow's actions
with the version the caller saw (409 when stale) — the same scope and rules as the pages."""

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create
from sijin.problems.models import Problem, ProblemEvent

pytestmark = pytest.mark.django_db


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["items"]}


def test_it_lists_the_problems_in_the_callers_scope(world):
    every = {p.pk for p in Problem.objects.all()}
    assert ids(api(world, "office").get("/api/v1/problems?limit=200")) == every
    handler = ids(api(world, "handler").get("/api/v1/problems?limit=200"))
    assert handler == set(Problem.objects.filter(handling_org=world.dept).values_list("pk", flat=True))
    assert ids(api(world, "outsider").get("/api/v1/problems")) == set()


def test_it_pages_with_an_opaque_cursor_over_a_stable_order(world):
    client = api(world, "office")
    seen, url = [], "/api/v1/problems?limit=2"
    while url:
        body = client.get(url).json()
        assert len(body["items"]) <= 2
        seen += [row["id"] for row in body["items"]]
        url = f"/api/v1/problems?limit=2&cursor={body['next']}" if body["next"] else None
    expected = list(Problem.objects.order_by("-reported_on", "-id").values_list("pk", flat=True))
    assert seen == expected


def test_it_refuses_a_forged_cursor_and_a_limit_over_200(world):
    client = api(world, "office")
    r = client.get("/api/v1/problems?cursor=abc")
    assert r.status_code == 400
    assert r.json()["errors"] == {"cursor": ["翻页游标无效,请从第一页重新开始。"]}
    targets_cursor = client.get("/api/v1/targets?limit=1").json()["next"]
    assert client.get(f"/api/v1/problems?cursor={targets_cursor}").status_code == 400
    r = client.get("/api/v1/problems?limit=201")
    assert r.status_code == 400
    assert r.json()["errors"] == {"limit": ["不能大于200。"]}


def test_it_filters_as_the_ledger_does(world):
    client = api(world, "office")
    assert ids(client.get("/api/v1/problems?status=assigned")) == {world.problems["assigned"].pk}
    assert ids(client.get("/api/v1/problems?light=red")) >= {world.overdue.pk}
    assert ids(client.get("/api/v1/problems?q=大蒜")) == {world.problems["closed"].pk}
    r = client.get("/api/v1/problems?status=nonsense")
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["status"]


def test_it_shows_one_problem_with_the_actions_open_to_the_caller(world):
    assigned = world.problems["assigned"]
    body = api(world, "handler").get(f"/api/v1/problems/{assigned.pk}").json()
    assert body["status"] == "assigned"
    assert body["version"] == assigned.version
    assert set(body["actions"]) == {"accept", "return"}
    assert api(world, "leader").get(f"/api/v1/problems/{assigned.pk}").json()["actions"] == []


def test_it_hides_a_problem_outside_the_scope(world):
    reported = world.problems["reported"]
    r = api(world, "outsider").get(f"/api/v1/problems/{reported.pk}")
    assert r.status_code == 404
    assert r.json() == {"detail": "不存在或无权查看。"}
    # The handler sees only its unit's problems: another one is as absent as one that does not exist.
    assert api(world, "handler").get(f"/api/v1/problems/{reported.pk}").status_code == 404
    assert api(world, "handler").get("/api/v1/problems/999999999").status_code == 404


def test_it_reports_a_problem_for_a_member(world):
    client = api(world, "member")
    visit = world.visits["enterprise"]
    data = {
        "target": world.enterprise.pk,
        "title": "车间照明不足",
        "reported_on": "2025-06-10",
        "visit": visit.pk,
    }
    r = post(client, "/api/v1/problems", data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "reported" and body["visit_id"] == visit.pk
    assert ProblemEvent.objects.filter(problem_id=body["id"], action="report").exists()


def test_it_refuses_bad_input_to_a_report_with_field_names(world):
    client = api(world, "member")
    r = post(
        client, "/api/v1/problems", {"target": world.enterprise.pk, "title": "x", "reported_on": "2025-13-01"}
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"reported_on": ["日期格式不正确,应如 2025-06-18。"]}
    r = post(client, "/api/v1/problems", {"title": "x", "colour": "red"})
    assert r.status_code == 400
    assert r.json()["errors"] == {"target": ["此项必填。"], "colour": ["不接受此字段。"]}
    r = post(
        client, "/api/v1/problems", {"target": world.enterprise.pk, "title": "x", "reported_on": "2024-01-01"}
    )
    assert r.status_code == 400
    assert "reported_on" in r.json()["errors"]


def test_it_refuses_a_report_by_a_reader_and_hides_targets_outside_the_scope(world):
    data = {"target": world.enterprise.pk, "title": "x", "reported_on": "2025-06-10"}
    r = post(api(world, "leader"), "/api/v1/problems", data)
    assert r.status_code == 403
    assert r.json() == {"detail": "只读权限,不能修改"}
    assert post(api(world, "outsider"), "/api/v1/problems", data).status_code == 404


def test_it_takes_an_action_with_the_version_seen(world):
    assigned = world.problems["assigned"]
    client = api(world, "handler")
    r = post(client, f"/api/v1/problems/{assigned.pk}/actions/accept", {"version": assigned.version})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "accepted"
    assert body["version"] == assigned.version + 1
    event = ProblemEvent.objects.filter(problem=assigned).latest("id")
    assert (event.action, event.actor.username) == ("accept", "handler")


def test_it_answers_409_to_a_stale_version_and_changes_nothing(world):
    assigned = world.problems["assigned"]
    client = api(world, "handler")
    post(client, f"/api/v1/problems/{assigned.pk}/actions/accept", {"version": assigned.version})
    r = post(
        client,
        f"/api/v1/problems/{assigned.pk}/actions/progress",
        {"version": assigned.version, "comment": "进展"},
    )
    assert r.status_code == 409
    assert r.json() == {"detail": "该问题已被他人处理,请刷新后再操作。"}
    assert Problem.objects.get(pk=assigned.pk).status == "accepted"


def test_it_routes_a_problem_with_the_action_form_rules(world):
    reported = world.problems["reported"]
    client = api(world, "group_leader")
    url = f"/api/v1/problems/{reported.pk}/actions/triage"
    r = post(client, url, {"version": reported.version, "level": "county"})
    assert r.status_code == 400
    assert "handling_org" in r.json()["errors"]
    r = post(
        client,
        url,
        {
            "version": reported.version,
            "level": "county",
            "handling_org": world.dept.pk,
            "handler": world.handler_person.pk,
            "deadline_days": 10,
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["handling_org"] == {"id": world.dept.pk, "name": world.dept.name}


def test_it_refuses_fields_the_action_does_not_take(world):
    assigned = world.problems["assigned"]
    r = post(
        api(world, "handler"),
        f"/api/v1/problems/{assigned.pk}/actions/accept",
        {"version": assigned.version, "resolution": "办好了"},
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"resolution": ["“签收”不接受此字段。"]}


def test_it_applies_the_transition_tables_roles(world):
    assigned = world.problems["assigned"]
    # The member may see the problem but not sign for the handling unit.
    r = post(
        api(world, "member"), f"/api/v1/problems/{assigned.pk}/actions/accept", {"version": assigned.version}
    )
    assert r.status_code == 403
    assert r.json() == {"detail": "您无权对此问题执行“签收”。"}
    r = post(
        api(world, "leader"), f"/api/v1/problems/{assigned.pk}/actions/accept", {"version": assigned.version}
    )
    assert r.status_code == 403
    r = post(
        api(world, "outsider"),
        f"/api/v1/problems/{assigned.pk}/actions/accept",
        {"version": assigned.version},
    )
    assert r.status_code == 404


def test_it_refuses_an_action_the_state_does_not_allow_and_an_unknown_one(world):
    closed = world.problems["closed"]
    client = api(world, "office")
    r = post(client, f"/api/v1/problems/{closed.pk}/actions/accept", {"version": closed.version})
    assert r.status_code == 400
    assert r.json()["detail"] == "当前状态“已销号”下不能签收。"
    assert (
        post(client, f"/api/v1/problems/{closed.pk}/actions/fly", {"version": closed.version}).status_code
        == 404
    )


def test_it_lists_the_timeline(world):
    accepted = world.problems["accepted"]
    body = api(world, "handler").get(f"/api/v1/problems/{accepted.pk}/events").json()
    assert [e["action"] for e in body["items"]] == ["accept", "triage", "report"]
    assert api(world, "outsider").get(f"/api/v1/problems/{accepted.pk}/events").status_code == 404
