"""`sijin sweep`: 催办 at yellow to the handler, 督办 at red to the unit and the office — once per deadline; the
office is told once per sweep however many problems (a digest)."""

import re
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.core.audit import audit_verify
from sijin.core.models import AuditLog, Notification
from sijin.directory.models import Organization
from sijin.problems.models import Problem, ProblemEvent
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
    # One message per address: the handler and the unit are told of the problem, the office of the count.
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "handler@jx.example.cn": "【督办】雨污管道接驳点未定",
        "swj@jx.example.cn": "【督办】雨污管道接驳点未定",
        "office@jn.example.cn": "【督办】督办巡检:本辖区新增超期问题 1 件",
    }
    assert all(len(m.to) == 1 for m in mail.outbox)
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
    overdue(world, 39)  # 40 overdue on RED_DAY, claimed in batches of 3 by both sweeps at once
    barrier = threading.Barrier(2)
    results = []

    def sweep() -> None:
        from django.db import connection as own

        try:
            barrier.wait(timeout=10)
            results.append(supervision_sweep(today=RED_DAY, batch=3))
        finally:
            own.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and sum(r.supervised for r in results) == 40
    events = ProblemEvent.objects.filter(action="supervise")
    assert events.count() == 40 and events.values("problem").distinct().count() == 40
    # The office is told by each sweep of what that sweep claimed: at most two digests, 40 problems in all.
    digests = Notification.objects.filter(kind="supervise", user__username="office")
    assert 1 <= digests.count() <= 2 and sum(digest_count(n) for n in digests) == 40
    assert audit_verify().intact


# ---- at scale: batches, not a transaction per problem -----------------------------------------------------------


def overdue(world, n: int) -> list[Problem]:
    """``n`` more problems like the world's overdue one (办理中 at 嘉祥县水务局), due a day apart in June 2025."""
    model = Problem.objects.get(pk=world.overdue.pk)
    copies = []
    for i in range(n):
        copy = Problem.objects.get(pk=model.pk)
        copy.pk = None
        copy.title = f"{model.title}{i}"
        copy.deadline = model.deadline - timedelta(days=i % 5)
        copy.urged_for = copy.supervised_for = None
        copies.append(copy)
    return Problem.objects.bulk_create(copies)


def digest_count(note: Notification) -> int:
    """The number of problems an office's digest counts (its title: …新增超期问题 1,234 件)."""
    found = re.fullmatch(r"【督办】督办巡检:本辖区新增超期问题 ([\d,]+) 件", note.title)
    assert found, note.title
    return int(found.group(1).replace(",", ""))


def test_it_mails_each_address_once_with_all_of_its_problems(mailboxes):
    overdue(mailboxes, 4)
    result = supervision_sweep(today=RED_DAY)
    assert (result.urged, result.supervised, result.emails, result.digests) == (0, 5, 3, 1)
    letters = {m.to[0]: m for m in mail.outbox}
    assert sorted(letters) == ["handler@jx.example.cn", "office@jn.example.cn", "swj@jx.example.cn"]
    for address in ["handler@jx.example.cn", "swj@jx.example.cn"]:
        letter = letters[address]
        assert letter.subject == "【督办】5件问题已超过办结期限"
        assert letter.body.count("【督办】") == 5 and "雨污管道接驳点未定3" in letter.body
        assert f"/problems/{mailboxes.overdue.pk}/" in letter.body
    # The office's letter is one line: how many, and where the list is.
    office = letters["office@jn.example.cn"]
    assert office.subject == "【督办】督办巡检:本辖区新增超期问题 5 件"
    assert office.body == (
        "1. 【督办】2025年06月19日督办巡检:本辖区(济宁市)新增超过办结期限的问题 5 件,已逐件向承办单位督办。"
        "本辖区全部超期问题见问题台账。\n   /problems/?light=red&sort=deadline"
    )


def test_it_names_both_kinds_in_one_mail(mailboxes):
    result = supervision_sweep(today=date(2025, 6, 23))  # 06-18 overdue, 06-25 two working days away
    assert (result.urged, result.supervised, result.emails) == (1, 1, 3)
    handler = next(m for m in mail.outbox if m.to == ["handler@jx.example.cn"])
    assert handler.subject == "【督办】1件问题已超期,1件临近办结期限"
    assert handler.body.index("【督办】") < handler.body.index("【催办】")


def test_it_records_one_event_audit_row_and_notice_per_reminder(mailboxes):
    made = overdue(mailboxes, 6)
    result = supervision_sweep(today=RED_DAY, batch=4)  # two batches
    assert result.supervised == 7
    events = ProblemEvent.objects.filter(action="supervise")
    assert sorted(events.values_list("problem_id", flat=True)) == sorted(
        [mailboxes.overdue.pk, *(p.pk for p in made)]
    )
    event = events.get(problem=made[0])
    assert event.on_date == RED_DAY and event.data["deadline"] == made[0].deadline.isoformat()
    assert event.data["recipients"] == [User.objects.get(username="handler").pk]
    assert event.data["offices"] == [User.objects.get(username="office").pk]
    # One audit row per batch, naming its problems.
    rows = AuditLog.objects.filter(data__step="supervise").order_by("id")
    assert [len(r.data["problems"]) for r in rows] == [4, 3]
    assert sorted(pk for r in rows for pk in r.data["problems"]) == sorted(
        events.values_list("problem_id", flat=True)
    )
    assert all(r.data["on_date"] == "2025-06-19" and r.actor is None for r in rows)
    assert audit_verify().intact
    # The handler is told of each problem, the office (named on each event) once: 7 problems.
    notes = Notification.objects.filter(kind="supervise", url=f"/problems/{made[0].pk}/")
    assert [n.user.username for n in notes] == ["handler"]
    assert all(n.title == f"【督办】{made[0].title}" and "已超期" in n.body for n in notes)
    assert Notification.objects.filter(kind="supervise", user__username="handler").count() == 7
    digest = Notification.objects.get(user__username="office")
    assert (digest.kind, digest_count(digest), digest.url) == (
        "supervise",
        7,
        "/problems/?light=red&sort=deadline",
    )


def test_its_queries_grow_with_the_batches_not_the_problems(mailboxes):
    with CaptureQueriesContext(connection) as few:
        assert supervision_sweep(today=RED_DAY).supervised == 1
    overdue(mailboxes, 30)
    with CaptureQueriesContext(connection) as many:
        assert supervision_sweep(today=RED_DAY).supervised == 30
    assert len(many) == len(few)
    overdue(mailboxes, 30)
    with CaptureQueriesContext(connection) as batched:
        assert supervision_sweep(today=RED_DAY, batch=10).supervised == 30
    # A batch: its transaction, the lock and its work_mem (PostgreSQL), the claim, its ids, who is told, the
    # offices over its regions, the events, the notifications (two parts), the addresses, the offices' counts,
    # the work tables emptied (one statement on PostgreSQL, three on SQLite), and the audit row (the chain's lock
    # on PostgreSQL, its last hash, the row): a fixed number whatever its size. The work tables are made once
    # per sweep, the offices told once (one INSERT however many).
    per_batch = (len(batched) - len(few)) / 2
    assert 0 < per_batch <= 17
    assert sum("CREATE TEMPORARY TABLE" in q["sql"] for q in batched) == 3
    assert sum('INSERT INTO "core_notification"' in q["sql"] for q in batched) == 3 * 2 + 1  # + the digest


def test_a_second_sweep_does_nothing(mailboxes):
    overdue(mailboxes, 9)
    first = supervision_sweep(today=RED_DAY, batch=4)
    before = (ProblemEvent.objects.count(), Notification.objects.count(), AuditLog.objects.count())
    mail.outbox.clear()
    second = supervision_sweep(today=RED_DAY, batch=4)
    assert (first.supervised, second.supervised, second.urged, second.emails) == (10, 0, 0, 0)
    assert (ProblemEvent.objects.count(), Notification.objects.count(), AuditLog.objects.count()) == before
    assert mail.outbox == []


def test_it_tells_the_same_people_as_one_problem_at_a_time(world):
    problems = list(Problem.objects.select_related("group").order_by("pk"))
    handlers = access.problems_handlers(problems)
    unit = access.problems_unit_users(problems)
    for p in problems:
        assert sorted(u.pk for u in handlers[p.pk]) == sorted(u.pk for u in access.problem_handlers(p))
        assert sorted(u.pk for u in unit[p.pk]) == sorted(u.pk for u in access.problem_unit_users(p))
    assert any(handlers[p.pk] for p in problems) and any(not p.handling_org_id for p in problems)
