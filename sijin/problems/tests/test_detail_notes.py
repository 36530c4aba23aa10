"""What the problem page says beside its facts (issue 11): a pending 延期 next to the deadline, 催办 only when it
is due, 按期办结/逾期办结 instead of a green 正常 once solved, and where the problem was seen."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sijin.accounts.models import User
from sijin.fieldwork.models import Visit
from sijin.problems.models import Problem
from sijin.problems.services import problem_report, visit_report
from sijin.problems.workflow import problem_transition
from sijin.testing import World, client_for


def user(username: str) -> User:
    return User.objects.get(username=username)


def assigned_today(world: World, title: str = "泵站护栏缺失", **fields) -> Problem:
    """A problem reported at the project and handed to 嘉祥县水务局 today (交办): nothing is due yet."""
    problem = problem_report(
        actor=user("member"), target=world.project, title=title, reported_on=date(2025, 9, 10), **fields
    )
    return problem_transition(
        actor=user("office"), problem=problem, action="triage", level="county", handling_org=world.dept
    )


def accepted_today(world: World) -> Problem:
    return problem_transition(actor=user("handler"), problem=assigned_today(world), action="accept")


def test_it_shows_a_pending_extension_next_to_the_deadline(world):
    problem = accepted_today(world)
    wanted = problem.deadline + timedelta(days=20)
    problem = problem_transition(
        actor=user("handler"),
        problem=problem,
        action="request_extension",
        new_deadline=wanted,
        comment="需协调资金",
    )
    hint = f"延期申请待审批:申请延至{wanted:%Y-%m-%d}"
    for username in ("office", "handler", "member"):
        assert hint in client_for(username).get(f"/problems/{problem.pk}/").content.decode(), username
    problem = problem_transition(
        actor=user("office"), problem=problem, action="reject_extension", comment="按期"
    )
    assert "延期申请待审批" not in client_for("office").get(f"/problems/{problem.pk}/").content.decode()


def test_it_does_not_offer_urge_right_after_triage(world):
    problem = assigned_today(world)
    page = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="problem-urge"' not in page
    assert f"/problems/{problem.pk}/urge/" not in page


def test_it_offers_urge_when_late_to_accept_or_to_solve(world):
    late_to_accept = world.problems["assigned"]  # 交办 2025-06-11, 签收 due the next working day
    assert late_to_accept.accepted_on is None and late_to_accept.accept_by < timezone.localdate()
    for problem in (late_to_accept, world.overdue):
        page = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
        assert 'id="problem-urge"' in page, problem.title
        assert (
            'id="problem-urge"' not in client_for("handler").get(f"/problems/{problem.pk}/").content.decode()
        )


def test_it_says_solved_in_time(world):
    problem = problem_transition(
        actor=user("handler"), problem=accepted_today(world), action="resolve", resolution="已加装护栏"
    )
    page = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    light = page[page.index('id="problem-status"') : page.index('id="problem-status"') + 600]
    assert "按期办结" in light and "正常" not in light
    ledger = client_for("office").get("/problems/?status=resolved").content.decode()
    row = ledger[ledger.index(f'href="/problems/{problem.pk}/"') :][:2000]
    assert "按期办结" in row and "正常" not in row


def test_it_says_solved_late(world):
    problem = problem_transition(
        actor=user("handler"), problem=world.overdue, action="resolve", resolution="已疏通"
    )
    page = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    light = page[page.index('id="problem-status"') : page.index('id="problem-status"') + 600]
    assert "逾期办结" in light and "按期办结" not in light


def test_it_shows_where_the_problem_and_its_visit_were(world):
    visit = visit_report(
        actor=user("member"),
        group=world.group,
        targets=[world.project],
        date=date(2025, 9, 10),
        mode="individual",
        participants=[],
        latitude=Decimal("37.38"),
        longitude=Decimal("117.97"),
        problems=[{"target": world.project, "title": "泵站围墙开裂", "latitude": 37.38, "longitude": 117.97}],
    )
    problem = visit.problems.get()
    body = client_for("member").get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="problem-location"' in body and "37.380000, 117.970000" in body
    assert "同问题位置" in body  # the visit was at the same place


def test_it_refuses_half_a_location_or_one_out_of_range_in_the_services(world):
    counts = (Visit.objects.count(), Problem.objects.count())
    with pytest.raises(ValidationError) as caught:
        problem_report(
            actor=user("member"), target=world.project, title="泵站围墙开裂", reported_on=date(2025, 9, 10),
            latitude=Decimal("37.38"),
        )  # fmt: skip
    assert caught.value.message_dict == {"latitude": ["位置须同时有纬度和经度。"]}
    with pytest.raises(ValidationError) as caught:
        visit_report(
            actor=user("member"),
            group=world.group,
            targets=[world.project],
            date=date(2025, 9, 10),
            mode="individual",
            participants=[],
            problems=[
                {"target": world.project, "title": "泵站围墙开裂", "latitude": 95, "longitude": 117.97}
            ],
        )
    assert caught.value.message_dict == {"latitude": ["纬度应在-90到90之间。"]}
    assert (Visit.objects.count(), Problem.objects.count()) == counts
