"""`sijin sweep`: 催办 at yellow to the handler, 督办 at red to the unit and the office — once per deadline."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from sijin.accounts.models import User
from sijin.core.models import Notification
from sijin.directory.models import Organization
from sijin.problems.models import ProblemEvent
from sijin.problems.supervision import supervision_sweep
from sijin.problems.workflow import problem_transition
from sijin.testing import needs_postgresql

# The world's problems at 嘉祥县水务局: 雨污管道接驳点未定 (办理中) is due 2025-06-18, 施工便道积水 2025-06-25 and
# 管网材料进场受阻 2025-07-02.
YELLOW_DAY = date(2025, 6, 16)  # two working days left for the first, more for the others
RED_DAY = date(2025, 6, 19)


@pytest.fixture
def mailboxes(world):
    User.objects.filter(username="handler").update(email="handler@jx.example.cn")
    User.objects.filter(username="office").update(email="office@jn.example.cn")
    Organization.objects.filter(pk=world.dept.pk).update(email="swj@jx.example.cn")
    return world


def kinds_for(username: str) -> list[str]:
    return sorted(Notification.objects.filter(user__username=username).values_list("kind", flat=True))


def test_it_urges_the_handler_at_yellow_once(mailboxes):
    result = supervision_sweep(today=YELLOW_DAY)
    assert (result.urged, result.supervised, result.emails) == (1, 0, 1)
    assert kinds_for("handler") == ["urge"]
    assert kinds_for("office") == kinds_for("member") == kinds_for("leader") == []
    assert [m.to for m in mail.outbox] == [["handler@jx.example.cn"]]
    assert "【催办】" in mail.outbox[0].subject
    events = ProblemEvent.objects.filter(action="urge")
    assert list(events.values_list("problem", flat=True)) == [mailboxes.overdue.pk]
    assert all(e.on_date == YELLOW_DAY and e.from_status == e.to_status == "in_progress" for e in events)

    again = supervision_sweep(today=YELLOW_DAY)
    later = supervision_sweep(today=date(2025, 6, 17))
    assert (again.urged, later.urged, len(mail.outbox)) == (0, 0, 1)
    assert ProblemEvent.objects.filter(action="urge").count() == 1


def test_it_supervises_the_unit_and_the_office_at_red_once(mailboxes):
    supervision_sweep(today=YELLOW_DAY)
    mail.outbox.clear()
    result = supervision_sweep(today=RED_DAY)
    assert (result.urged, result.supervised) == (0, 1)
    assert kinds_for("handler") == ["supervise", "urge"]
    assert kinds_for("office") == ["supervise"]
    assert kinds_for("member") == kinds_for("leader") == kinds_for("unit") == []
    assert sorted(mail.outbox[0].to) == ["handler@jx.example.cn", "office@jn.example.cn", "swj@jx.example.cn"]
    assert supervision_sweep(today=RED_DAY).supervised == 0
    assert supervision_sweep(today=date(2025, 6, 20)).supervised == 0
    assert ProblemEvent.objects.filter(action="supervise").count() == 1


def test_it_does_not_bump_the_version_a_user_is_acting_on(mailboxes):
    problem = mailboxes.overdue
    supervision_sweep(today=RED_DAY)
    done = problem_transition(
        actor=User.objects.get(username="handler"),
        problem=problem,
        action="progress",
        on_date=RED_DAY,
        comment="正在比选接驳方案",
    )
    assert done.status == "in_progress"


def test_it_urges_again_for_an_extended_deadline(mailboxes):
    problem = mailboxes.overdue
    supervision_sweep(today=YELLOW_DAY)
    for username, action, fields in [
        ("handler", "request_extension", {"new_deadline": date(2025, 7, 31), "comment": "设计变更"}),
        ("office", "approve_extension", {}),
    ]:
        problem = problem_transition(
            actor=User.objects.get(username=username),
            problem=problem,
            action=action,
            on_date=YELLOW_DAY,
            **fields,
        )
    assert supervision_sweep(today=date(2025, 6, 26)).supervised == 1  # only 施工便道积水 is overdue
    assert supervision_sweep(today=date(2025, 7, 29)).urged == 1
    assert problem.events.filter(action="urge").count() == 2


def test_it_leaves_solved_and_unassigned_problems_alone(mailboxes):
    assert supervision_sweep(today=date(2026, 1, 5)).supervised == 3  # only the three at 嘉祥县水务局
    assert not ProblemEvent.objects.filter(
        action__in=("urge", "supervise"), problem__handling_org=None
    ).exists()


def test_it_runs_as_a_command_as_of_a_date(mailboxes, capsys):
    call_command("sweep", "--date", "2025-06-16")
    call_command("sweep", "--date", "2025-06-16")
    out = capsys.readouterr().out.splitlines()
    assert out == ["催办 1 件,督办 0 件,发送邮件 1 封。", "催办 0 件,督办 0 件,发送邮件 0 封。"]


def test_it_rejects_a_malformed_date(db):
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("sweep", "--date", "31/03/2020")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_sends_each_reminder_once_from_two_concurrent_sweeps(world):
    barrier = threading.Barrier(2)
    results = []

    def sweep() -> None:
        from django.db import connection as own

        try:
            barrier.wait(timeout=10)
            results.append(supervision_sweep(today=RED_DAY))
        finally:
            own.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.supervised for r in results) == 1
    assert ProblemEvent.objects.filter(action="supervise").count() == 1
    assert Notification.objects.filter(kind="supervise", user__username="office").count() == 1
