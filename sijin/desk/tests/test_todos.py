"""我的待办 on the workbench: each to-do names the step it waits for, per persona of the small world."""

import re

from sijin.accounts import access
from sijin.problems.models import Problem
from sijin.problems.services import problem_report
from sijin.problems.workflow import TRANSITIONS, problem_transition
from sijin.testing import client_for, d

# The steps of the workflow table each kind of to-do stands for.
STEPS = {
    "triage": {"triage", "resolve_on_site", "self_handle", "uphold"},
    "accept": {"accept"},
    "resolve": {"resolve", "progress"},
    "approve_extension": {"approve_extension"},
    "verify": {"verify"},
    "close": {"verify"},
}
PERSONAS = ["office", "unit", "leader", "group_leader", "member", "handler", "auditor", "admin", "outsider"]


def todos(username: str, query: str = "") -> dict[int, str]:
    """The workbench's to-dos: problem id → the kind it waits for."""
    html = client_for(username).get(f"/{query}").content.decode()
    section = html.split('id="my-todos"', 1)[1].split("</ul>", 1)[0]
    return {
        int(pk): kind
        for kind, pk in re.findall(r'data-waiting="(\w+)">.*?href="/problems/(\d+)/"', section, flags=re.S)
    }


def counts(username: str) -> dict[str, int]:
    html = client_for(username).get("/").content.decode()
    return {
        kind: int(n)
        for kind, n in re.findall(r'data-kind="(\w+)"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    }


def test_it_names_the_step_each_todo_waits_for(world):
    p = {name: problem.pk for name, problem in world.problems.items()}
    assert todos("handler") == {
        p["assigned"]: "accept",
        p["accepted"]: "resolve",
        p["in_progress"]: "resolve",
    }
    # The group solved 灌溉机井缺电 on the spot: its 回访 confirms it (待销号); 已销号 is not a to-do.
    assert todos("member") == {p["reported"]: "triage", p["resolved"]: "close"}
    assert todos("group_leader") == todos("member")
    assert todos("unit") == {p["reported"]: "triage"}
    # The office routes what is fresh and chases what is overdue, named by the step it waits for.
    assert todos("office") == {
        p["reported"]: "triage",
        p["assigned"]: "accept",
        p["accepted"]: "resolve",
        p["in_progress"]: "resolve",
    }
    for nobody in ("leader", "auditor", "outsider"):
        assert todos(nobody) == {}
    html = client_for("handler").get("/").content.decode()
    assert "待签收" in html and "待办理" in html


def test_it_offers_only_steps_the_workflow_table_lets_the_viewer_take(world):
    for username in PERSONAS:
        user = world.users[username]
        for pk, kind in todos(username).items():
            problem = Problem.objects.select_related("group").get(pk=pk)
            roles = access.acting_roles(user, problem)
            allowed = {a for (s, a), t in TRANSITIONS.items() if s == problem.status and roles & t.roles}
            chasing = (
                bool(roles & {"office", "admin"}) and problem.deadline is not None
            )  # 督办 of an overdue problem
            assert allowed & STEPS[kind] or chasing, (username, problem.title, kind)


def test_it_counts_each_kind(world):
    assert counts("office") == {"triage": 1, "accept": 1, "resolve": 2}
    assert counts("handler") == {"accept": 1, "resolve": 2}
    assert counts("member") == {"triage": 1, "close": 1}
    assert counts("leader") == {}


def test_it_puts_a_pending_extension_before_the_office(world):
    accepted = world.problems["accepted"]  # due 2025-07-02
    problem_transition(
        actor=world.users["handler"],
        problem=accepted,
        action="request_extension",
        on_date=d(6, 20),
        new_deadline=d(7, 10),
        comment="材料厂家停产,需另行采购。",
    )
    assert todos("office")[accepted.pk] == "approve_extension"
    assert "待审批延期" in client_for("office").get("/").content.decode()
    assert todos("handler")[accepted.pk] == "resolve"  # the handler still handles it
    accepted.refresh_from_db()
    problem_transition(
        actor=world.users["office"], problem=accepted, action="approve_extension", on_date=d(6, 21)
    )
    assert todos("office")[accepted.pk] == "resolve"  # answered: overdue again (07-10 has passed), chased


def test_it_drops_what_is_finished(world):
    resolved, in_progress = world.problems["resolved"], world.problems["in_progress"]
    problem_transition(
        actor=world.users["member"],
        problem=resolved,
        action="verify",
        on_date=d(6, 20),
        satisfaction="satisfied",
    )
    assert resolved.pk not in todos("member")
    problem_transition(
        actor=world.users["handler"],
        problem=in_progress,
        action="resolve",
        on_date=d(6, 20),
        resolution="已接驳。",
    )
    assert in_progress.pk not in todos("handler")
    assert in_progress.pk not in todos("office")
    assert todos("member")[in_progress.pk] == "verify"  # a unit's answer: the group's 回访 is next


def test_it_filters_by_kind(world):
    assert set(todos("office", "?todo=accept").values()) == {"accept"}
    assert set(todos("office", "?todo=nonsense").values()) == {"triage", "accept", "resolve"}


def test_it_shows_thirty_and_links_to_the_ledger_for_the_rest(world):
    for i in range(31):
        problem_report(
            actor=world.users["member"],
            target=world.enterprise,
            title=f"待交办问题{i:02d}",
            reported_on=d(6, 20),
        )
    html = client_for("office").get("/").content.decode()
    assert len(todos("office")) == 30
    assert counts("office")["triage"] == 32
    assert "共 35 项" in html and 'href="/problems/?sort=deadline"' in html
    html = client_for("office").get("/?todo=accept").content.decode()
    assert 'id="todo-more"' not in html  # one of them: no link
    assert "共 35 项" not in client_for("handler").get("/").content.decode()


def test_it_shows_no_plan_steps_to_the_handler(world):
    assert "排查隐患" in client_for("member").get("/").content.decode()
    html = client_for("handler").get("/").content.decode()
    assert "待推进的方案步骤" not in html and "排查隐患" not in html
