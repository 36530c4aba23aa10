"""`sijin sweep`: 催办 at yellow to the handler, 督办 at red to the unit and the office — once per deadline."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from sijin.accounts.models import User
from sijin.core.models import Notification
from sijin.directory.models import Organization
from sijin.problems.models import Problem, ProblemEvent
from sijin.problems.supervision import supervision_sweep
from sijin.problems.workflow import problem_transition

YELLOW_DAY = date(2020, 3, 31)  # 新校师资短缺 and 专业设置不合理 are due 2020-04-02
RED_DAY = date(2020, 4, 3)


@pytest.fixture
def mailboxes(demo):
    User.objects.filter(username="handler").update(email="handler@hm.example.cn")
    User.objects.filter(username="office").update(email="office@bz.example.cn")
    Organization.objects.filter(name="惠民县教育局").update(email="jyj@hm.example.cn")
    return demo


def kinds_for(username: str) -> list[str]:
    return sorted(Notification.objects.filter(user__username=username).values_list("kind", flat=True))


def test_it_urges_the_handler_at_yellow_once(mailboxes):
    result = supervision_sweep(today=YELLOW_DAY)
    assert (result.urged, result.supervised, result.emails) == (2, 0, 2)
    assert kinds_for("handler") == ["urge", "urge"]
    assert kinds_for("office") == kinds_for("member") == kinds_for("leader") == []
    assert [m.to for m in mail.outbox] == [["handler@hm.example.cn"]] * 2
    assert "【催办】" in mail.outbox[0].subject
    events = ProblemEvent.objects.filter(action="urge")
    assert sorted(events.values_list("problem__title", flat=True)) == ["专业设置不合理", "新校师资短缺"]
    assert all(e.on_date == YELLOW_DAY and e.from_status == e.to_status == "in_progress" for e in events)

    again = supervision_sweep(today=YELLOW_DAY)
    later = supervision_sweep(today=date(2020, 4, 1))
    assert (again.urged, later.urged, len(mail.outbox)) == (0, 0, 2)
    assert ProblemEvent.objects.filter(action="urge").count() == 2


def test_it_supervises_the_unit_and_the_office_at_red_once(mailboxes):
    supervision_sweep(today=YELLOW_DAY)
    mail.outbox.clear()
    result = supervision_sweep(today=RED_DAY)
    assert (result.urged, result.supervised) == (0, 2)
    assert kinds_for("handler") == ["supervise", "supervise", "urge", "urge"]
    assert kinds_for("office") == ["supervise", "supervise"]
    assert kinds_for("member") == kinds_for("leader") == kinds_for("unit") == []
    assert sorted(mail.outbox[0].to) == ["handler@hm.example.cn", "jyj@hm.example.cn", "office@bz.example.cn"]
    assert supervision_sweep(today=RED_DAY).supervised == 0
    assert supervision_sweep(today=date(2020, 4, 30)).supervised == 0
    assert ProblemEvent.objects.filter(action="supervise").count() == 2


def test_it_does_not_bump_the_version_a_user_is_acting_on(mailboxes):
    problem = Problem.objects.get(title="新校师资短缺")
    supervision_sweep(today=RED_DAY)
    done = problem_transition(
        actor=User.objects.get(username="handler"),
        problem=problem,
        action="progress",
        on_date=RED_DAY,
        comment="正在招聘",
    )
    assert done.status == "in_progress"


def test_it_urges_again_for_an_extended_deadline(mailboxes):
    problem = Problem.objects.get(title="新校师资短缺")
    supervision_sweep(today=YELLOW_DAY)
    for username, action, fields in [
        ("handler", "request_extension", {"new_deadline": date(2020, 4, 30), "comment": "招聘需时"}),
        ("office", "approve_extension", {}),
    ]:
        problem = problem_transition(
            actor=User.objects.get(username=username),
            problem=problem,
            action=action,
            on_date=YELLOW_DAY,
            **fields,
        )
    assert supervision_sweep(today=date(2020, 4, 3)).supervised == 1  # only 专业设置不合理 is overdue
    assert supervision_sweep(today=date(2020, 4, 28)).urged == 1
    assert problem.events.filter(action="urge").count() == 2


def test_it_leaves_solved_and_unassigned_problems_alone(mailboxes):
    assert supervision_sweep(today=date(2021, 1, 4)).supervised == 2  # only the two in progress
    assert not ProblemEvent.objects.filter(
        action__in=("urge", "supervise"), problem__handling_org=None
    ).exists()


def test_it_runs_as_a_command_as_of_a_date(mailboxes, capsys):
    call_command("sweep", "--date", "2020-03-31")
    call_command("sweep", "--date", "2020-03-31")
    out = capsys.readouterr().out.splitlines()
    assert out == ["催办 2 件,督办 0 件,发送邮件 2 封。", "催办 0 件,督办 0 件,发送邮件 0 封。"]


def test_it_rejects_a_malformed_date(db):
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("sweep", "--date", "31/03/2020")


@pytest.mark.django_db(transaction=True)
def test_it_sends_each_reminder_once_from_two_concurrent_sweeps(regions_back, demo):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database is shared by threads through one cache and refuses "
            "concurrent writers instead of queuing them; two real connections need PostgreSQL"
        )
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
    assert sum(r.supervised for r in results) == 2
    assert ProblemEvent.objects.filter(action="supervise").count() == 2
    assert Notification.objects.filter(kind="supervise", user__username="office").count() == 2
