"""The transition table is the spec: every (state, action, role) is either allowed and writes one event, or
refused with a clear message and changes nothing."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sijin.accounts.models import Role, User
from sijin.campaigns.models import Category
from sijin.core.models import AuditLog, Notification
from sijin.fieldwork.models import Outcome
from sijin.problems.models import Action, Problem, ProblemAttachment, ProblemEvent, Status
from sijin.problems.services import problem_report
from sijin.problems.workflow import (
    TRANSITIONS,
    StaleProblem,
    allowed_actions,
    problem_transition,
)
from sijin.testing import World, needs_postgresql, outsider

PERSONAS = {
    "office": Role.OFFICE,
    "unit": Role.UNIT,
    "leader": Role.LEADER,
    "member": Role.MEMBER,
    "group_leader": Role.GROUP_LEADER,
    "handler": Role.HANDLER,
    "auditor": Role.AUDITOR,
    "admin": Role.ADMIN,
    "outsider": None,  # an office cadre of 潍坊市: no role applies to a 济宁 problem
}
BUILD_DAY = date(2025, 9, 1)  # a Monday; deadlines of 10 working days fall on 2025-09-15
ACT_DAY = date(2025, 9, 3)


@pytest.fixture
def w(world: World) -> World:
    return world


def user(username: str) -> User:
    return User.objects.get(username=username)  # fresh: no cached grants between tests


def new_problem(w: World, title: str = "泵站设备缺少安装场地") -> Problem:
    return problem_report(
        actor=user("member"),
        target=w.project,
        title=title,
        reported_on=BUILD_DAY,
        category=w.categories["基础设施"],
    )


def act(problem: Problem, action: str, username: str, on: date = BUILD_DAY, **fields) -> Problem:
    return problem_transition(actor=user(username), problem=problem, action=action, on_date=on, **fields)


def triage_fields(w: World) -> dict:
    return {"level": "county", "handling_org": w.dept, "handler": w.handler_person, "deadline_days": 10}


def problem_in(w: World, state: str) -> Problem:
    """A fresh problem brought to ``state`` through the workflow itself."""
    p = new_problem(w)
    if state == Status.REPORTED:
        return p
    if state == Status.CANCELLED:
        return act(p, "cancel", "office", comment="重复上报")
    if state == Status.MERGED:
        return act(p, "merge", "office", merged_into=new_problem(w, "泵站场地问题"))
    p = act(p, "triage", "office", **triage_fields(w))
    steps = {
        Status.ASSIGNED: [],
        Status.RETURNED: [("return", "handler", {"reason": "信息不全", "comment": "请补充场地面积"})],
        Status.DEFERRED: [("defer", "office", {"comment": "须列入明年预算", "review_on": date(2025, 12, 1)})],
        Status.ESCALATED: [("escalate", "office", {"comment": "涉及市级规划"})],
        Status.ACCEPTED: [("accept", "handler", {})],
        Status.IN_PROGRESS: [("accept", "handler", {}), ("progress", "handler", {"comment": "已现场查看"})],
    }
    working = steps[Status.IN_PROGRESS]
    resolved = [*working, ("resolve", "handler", {"resolution": "已调整场地"})]
    steps |= {
        Status.RESOLVED: resolved,
        Status.CLOSED: [*resolved, ("verify", "member", {"satisfaction": "satisfied"})],
        Status.REOPENED: [*resolved, ("verify", "member", {"satisfaction": "dissatisfied"})],
    }
    for action, who, fields in steps[state]:
        p = act(p, action, who, **fields)
    assert p.status == state
    return p


def fields_for(w: World, action: str, problem: Problem) -> dict:
    """Valid fields for ``action`` (and any step it needs first, such as a pending 延期 request)."""
    if action in ("approve_extension", "reject_extension"):
        act(problem, "request_extension", "handler", new_deadline=date(2025, 10, 31), comment="需采购设备")
        problem.refresh_from_db()
    return {
        "triage": triage_fields(w),
        "resolve_on_site": {"resolution": "当场协调解决", "level": "group"},
        "accept": {},
        "return": {"reason": "不属于本单位职责", "comment": "应由县自然资源局办理"},
        "uphold": {"comment": "属水务局职责,维持交办"},
        "progress": {"comment": "已与学校对接"},
        "self_handle": {"deadline_days": 5},
        "request_extension": {"new_deadline": date(2025, 10, 31), "comment": "需采购设备"},
        "approve_extension": {},
        "reject_extension": {"comment": "请按期办结"},
        "resolve": {"resolution": "已办结"},
        "verify": {"satisfaction": "satisfied"},
        "escalate": {"comment": "需市级协调"},
        "defer": {"comment": "一时无法解决", "review_on": date(2025, 12, 1)},
        "resume": {},
        "cancel": {"comment": "已不需要"},
        "merge": {"merged_into": new_problem(w, "另一条相同问题")},
    }[action]


def snapshot(problem: Problem) -> tuple:
    row = Problem.objects.filter(pk=problem.pk).values().get()
    return row, ProblemEvent.objects.count(), AuditLog.objects.count(), Outcome.objects.count()


TABLE = sorted(TRANSITIONS)
ALL_ACTIONS = sorted({a for _, a in TRANSITIONS})
NOT_IN_TABLE = [(s, a) for s in Status.values for a in ALL_ACTIONS if (s, a) not in TRANSITIONS]


class TestWorkflow:
    """Each test brings fresh problems of the small world (sijin/testing.py) to the state it starts from."""

    @pytest.mark.parametrize("persona", list(PERSONAS))
    @pytest.mark.parametrize(("state", "action"), TABLE, ids=[f"{s}-{a}" for s, a in TABLE])
    def test_it_enforces_the_table_for_each_role(self, w, state, action, persona):
        transition = TRANSITIONS[(state, action)]
        problem = problem_in(w, state)
        fields = fields_for(w, action, problem)
        actor = outsider() if persona == "outsider" else user(persona)
        before = snapshot(problem)
        if PERSONAS[persona] in transition.roles:
            assert action in allowed_actions(actor, problem)
            done = problem_transition(actor=actor, problem=problem, action=action, on_date=ACT_DAY, **fields)
            assert ProblemEvent.objects.count() == before[1] + 1
            event = ProblemEvent.objects.filter(problem=problem).latest("id")
            assert (event.action, event.from_status, event.to_status) == (action, state, done.status)
            expected = transition.to or (Status.CLOSED if action == "verify" else state)
            if action == "progress" and persona in ("member", "group_leader"):
                expected = state  # the group's follow-up on a unit's problem leaves the unit's state alone
            assert done.status == expected
            assert done.version == before[0]["version"] + 1
        else:
            assert action not in allowed_actions(actor, problem)
            with pytest.raises(PermissionDenied, match=f"您无权对此问题执行“{Action(action).label}”"):
                problem_transition(actor=actor, problem=problem, action=action, on_date=ACT_DAY, **fields)
            assert snapshot(problem) == before

    @pytest.mark.parametrize(("state", "action"), NOT_IN_TABLE, ids=[f"{s}-{a}" for s, a in NOT_IN_TABLE])
    def test_it_refuses_every_action_the_table_lacks(self, w, state, action):
        problem = problem_in(w, state)
        before = snapshot(problem)
        for persona in PERSONAS:
            actor = outsider() if persona == "outsider" else user(persona)
            assert action not in allowed_actions(actor, problem)
            with pytest.raises(ValidationError, match=f"当前状态“{problem.get_status_display()}”下不能"):
                problem_transition(actor=actor, problem=problem, action=action, on_date=ACT_DAY, comment="x")
        assert snapshot(problem) == before

    def test_it_requires_the_fields_the_table_names(self, w):
        problem = problem_in(w, Status.ASSIGNED)
        before = snapshot(problem)
        with pytest.raises(ValidationError, match="退回须填写:退回原因、说明"):
            act(problem, "return", "handler")
        with pytest.raises(ValidationError, match="退回原因应为:不属于本单位职责、信息不全、重复交办、其他"):
            act(problem, "return", "handler", reason="太忙", comment="人手不够")
        with pytest.raises(ValidationError, match="签收不接受这些字段:deadline"):
            act(problem, "accept", "handler", deadline=date(2026, 1, 1))
        assert snapshot(problem) == before

    def test_it_counts_the_deadline_across_national_day_to_the_make_up_saturday(self, w):
        problem = act(
            new_problem(w),
            "triage",
            "office",
            on=date(2025, 9, 30),
            **triage_fields(w) | {"deadline_days": 3},
        )
        assert (problem.assigned_on, problem.deadline) == (date(2025, 9, 30), date(2025, 10, 11))
        assert problem.accept_by == date(2025, 10, 9)  # 1 working day: the first one after the holiday

    def test_it_defaults_the_deadline_from_category_then_campaign_then_complex(self, w):
        fields = triage_fields(w)
        del fields["deadline_days"]
        plain = act(new_problem(w), "triage", "office", on=date(2025, 9, 1), **fields)
        assert (plain.deadline_days, plain.deadline) == (15, date(2025, 9, 22))
        complex_one = act(
            new_problem(w, "复杂问题"), "triage", "office", on=date(2025, 9, 1), complex=True, **fields
        )
        assert complex_one.deadline_days == 30
        Category.objects.filter(pk=w.categories["基础设施"].pk).update(solve_days=5)
        w.categories["基础设施"].refresh_from_db()
        by_category = act(new_problem(w, "类别时限"), "triage", "office", on=date(2025, 9, 1), **fields)
        assert (by_category.deadline_days, by_category.deadline) == (5, date(2025, 9, 8))

    def test_it_lets_the_office_reassign_a_returned_problem(self, w):
        problem = problem_in(w, Status.RETURNED)
        event = problem.events.get(action="return")
        assert event.data["reason"] == "信息不全"
        other = w.other_dept
        problem = act(problem, "triage", "office", on=ACT_DAY, level="county", handling_org=other)
        assert (problem.status, problem.handling_org, problem.handler) == (Status.ASSIGNED, other, None)
        assert "accept" not in allowed_actions(user("handler"), problem)  # no longer 嘉祥县水务局's

    def test_it_lets_the_office_uphold_a_return(self, w):
        problem = act(
            problem_in(w, Status.RETURNED), "uphold", "office", on=ACT_DAY, comment="属于水务局职责"
        )
        assert (problem.status, problem.handling_org) == (Status.ASSIGNED, w.dept)
        assert "accept" in allowed_actions(user("handler"), problem)

    def test_it_changes_the_deadline_only_when_the_office_approves_an_extension(self, w):
        problem = problem_in(w, Status.IN_PROGRESS)
        assert problem.deadline == date(2025, 9, 15)
        problem = act(
            problem,
            "request_extension",
            "handler",
            on=ACT_DAY,
            new_deadline=date(2025, 10, 31),
            comment="设备到货晚",
        )
        assert problem.deadline == date(2025, 9, 15)
        with pytest.raises(ValidationError, match="已有待审批的延期申请"):
            act(
                problem,
                "request_extension",
                "handler",
                on=ACT_DAY,
                new_deadline=date(2025, 11, 30),
                comment="再延",
            )
        problem = act(problem, "approve_extension", "office", on=ACT_DAY)
        assert problem.deadline == date(2025, 10, 31)
        event = problem.events.latest("id")
        assert (event.data["old_deadline"], event.data["new_deadline"]) == ("2025-09-15", "2025-10-31")
        with pytest.raises(ValidationError, match="没有待审批的延期申请"):
            act(problem, "reject_extension", "office", on=ACT_DAY, comment="迟了")

    def test_it_refuses_an_extension_after_the_deadline(self, w):
        problem = problem_in(w, Status.IN_PROGRESS)
        before = snapshot(problem)
        with pytest.raises(ValidationError, match="已超过办结期限,不能再申请延期"):
            act(
                problem,
                "request_extension",
                "handler",
                on=date(2025, 9, 16),
                new_deadline=date(2025, 10, 31),
                comment="迟了",
            )
        with pytest.raises(ValidationError, match="延期日期应晚于原办结期限"):
            act(
                problem,
                "request_extension",
                "handler",
                on=ACT_DAY,
                new_deadline=date(2025, 9, 10),
                comment="早",
            )
        assert snapshot(problem) == before

    def test_it_records_evidence_and_outcomes_with_the_resolution(self, w):
        problem = problem_in(w, Status.IN_PROGRESS)
        indicator = w.indicators["funds"]
        photo = SimpleUploadedFile("现场照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
        problem = act(
            problem,
            "resolve",
            "handler",
            on=ACT_DAY,
            resolution="争取专项资金建成场地",
            evidence=[photo],
            outcomes=[{"indicator": indicator, "value": "50万元", "note": "专项资金"}],
        )
        event = problem.events.latest("id")
        attachment = ProblemAttachment.objects.get(event=event)
        assert (attachment.name, attachment.content_type, attachment.size) == (
            "现场照片.jpg",
            "image/jpeg",
            6,
        )
        outcome = Outcome.objects.get(problem=problem)
        assert (outcome.target_id, outcome.indicator, outcome.value, outcome.date) == (
            problem.target_id,
            indicator,
            50,
            ACT_DAY,
        )
        assert event.data["outcomes"] == [outcome.pk]
        attachment.file.delete()

    def test_it_rolls_back_the_resolution_when_an_outcome_is_invalid(self, w):
        problem = problem_in(w, Status.IN_PROGRESS)
        before = snapshot(problem)
        with pytest.raises(ValidationError):
            act(
                problem,
                "resolve",
                "handler",
                on=ACT_DAY,
                resolution="办结",
                outcomes=[{"indicator": w.indicators["funds"], "value": "很多"}],
            )
        assert snapshot(problem) == before

    def test_it_reopens_a_dissatisfied_problem_with_a_new_deadline(self, w):
        problem = act(
            problem_in(w, Status.RESOLVED),
            "verify",
            "member",
            on=date(2025, 9, 30),
            satisfaction="dissatisfied",
            deadline_days=3,
        )
        assert (problem.status, problem.deadline, problem.resolved_on) == (
            Status.REOPENED,
            date(2025, 10, 11),
            None,
        )
        assert "resolve" in allowed_actions(user("handler"), problem)

    def test_it_closes_a_satisfied_problem(self, w):
        problem = act(problem_in(w, Status.RESOLVED), "verify", "member", on=ACT_DAY, satisfaction="basic")
        assert (problem.status, problem.closed_on, problem.satisfaction) == (Status.CLOSED, ACT_DAY, "basic")

    def test_it_lets_the_group_redo_its_own_on_site_problem(self, w):
        problem = act(new_problem(w), "resolve_on_site", "member", resolution="当场解决")
        problem = act(problem, "verify", "member", on=ACT_DAY, satisfaction="dissatisfied")
        assert (problem.status, problem.assigned_on, problem.deadline) == (
            Status.REOPENED,
            ACT_DAY,
            date(2025, 9, 24),
        )
        assert "resolve" in allowed_actions(user("member"), problem)
        assert act(problem, "resolve", "member", on=ACT_DAY, resolution="再次解决").status == Status.RESOLVED

    def test_it_escalates_to_the_next_level_office_only(self, w):
        problem = problem_in(w, Status.ASSIGNED)
        problem = act(problem, "escalate", "office", on=ACT_DAY, comment="须市级协调")
        assert (problem.status, problem.level) == (Status.ESCALATED, "city")
        assert Notification.objects.filter(user__username="office", kind="escalate").count() == 1
        problem = act(problem, "triage", "office", on=ACT_DAY, level="city", handling_org=w.unit_org)
        problem = act(problem, "escalate", "office", on=ACT_DAY, comment="须省级协调")
        assert problem.level == "province"
        assert allowed_actions(user("office"), problem) == []  # 济宁's office is not the province's
        assert "triage" in allowed_actions(user("admin"), problem)

    def test_it_defers_with_a_review_date_and_resumes(self, w):
        problem = act(
            problem_in(w, Status.ASSIGNED),
            "defer",
            "office",
            on=ACT_DAY,
            comment="一时无法解决",
            review_on=date(2026, 3, 1),
        )
        assert (problem.status, problem.review_on) == (Status.DEFERRED, date(2026, 3, 1))
        problem = act(problem, "resume", "office", on=date(2026, 3, 2))
        assert (problem.status, problem.assigned_on) == (Status.ASSIGNED, date(2026, 3, 2))

    def test_it_merges_a_duplicate_into_another_problem(self, w):
        kept = new_problem(w, "保留的问题")
        problem = act(new_problem(w), "merge", "office", merged_into=kept)
        assert (problem.status, problem.merged_into) == (Status.MERGED, kept)
        with pytest.raises(ValidationError, match="不能合并到自身"):
            act(new_problem(w, "第三条"), "merge", "office", merged_into=problem)

    def test_it_refuses_a_stale_version(self, w):
        problem = problem_in(w, Status.ASSIGNED)
        seen = problem.version
        act(problem, "accept", "handler", on=ACT_DAY)
        before = snapshot(problem)
        with pytest.raises(StaleProblem, match="该问题已被他人处理,请刷新后再操作。"):
            problem_transition(
                actor=user("office"),
                problem=Problem.objects.get(pk=problem.pk),
                action="escalate",
                version=seen,
                on_date=ACT_DAY,
                comment="须市级协调",
            )
        assert snapshot(problem) == before


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_simultaneous_actions_win(world):
    problem = world.overdue
    start = problem.events.count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(username: str, action: str, fields: dict) -> None:
        from django.db import connection as own

        try:
            loaded = Problem.objects.get(pk=problem.pk)
            actor = User.objects.get(username=username)
            barrier.wait(timeout=10)
            problem_transition(
                actor=actor, problem=loaded, action=action, on_date=date(2025, 6, 20), **fields
            )
            outcomes.append("ok")
        except StaleProblem as exc:
            outcomes.append(exc.messages[0])
        finally:
            own.close()

    threads = [
        threading.Thread(target=attempt, args=("handler", "progress", {"comment": "接驳点已确定"})),
        threading.Thread(target=attempt, args=("office", "escalate", {"comment": "须市级协调"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "该问题已被他人处理,请刷新后再操作。"]
    problem.refresh_from_db()
    assert problem.events.count() == start + 1
    assert problem.version == 5  # report=1, triage, accept, progress, and the one winner


@pytest.mark.django_db
def test_it_refuses_to_merge_into_a_problem_the_actor_cannot_see(world):
    office = User.objects.get(username="office")
    fresh = world.problems["reported"]
    with pytest.raises(ValidationError, match="不存在或无权查看"):
        problem_transition(actor=office, problem=fresh, action="merge", merged_into=999_999)
    fresh.refresh_from_db()
    assert fresh.status == "reported"
