"""The sweep at scale writes in the database alone (INSERT … SELECT): the same people told, the same words, the
same events and notifications as one problem at a time, and an audit that still says which problems were
reminded of what and when — on SQLite and PostgreSQL alike."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.core.audit import audit_verify
from sijin.core.models import AuditLog, EmailMode, Notification, NotificationPreference
from sijin.core.notifications import notification_send_select
from sijin.directory.models import Person, Region
from sijin.problems.models import Problem, ProblemEvent, Status
from sijin.problems.supervision import problem_urge
from sijin.problems.sweep import BLOCK, _batches, supervision_sweep
from sijin.testing import PASSWORD, client_for, needs_postgresql

RED_DAY = date(2025, 6, 19)  # 雨污管道接驳点未定 (due 06-18) is overdue
YELLOW_DAY = date(2025, 6, 16)


def copy_of(problem: Problem, title: str, **fields) -> Problem:
    """Another problem like ``problem`` (written as a row: the test needs shapes no workflow step makes)."""
    copy = Problem.objects.get(pk=problem.pk)
    copy.pk = None
    copy.title = title
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def person(world, name: str, login: str = "", active: bool = True) -> Person:
    found = Person.objects.create(name=name, organization=world.dept)
    if login:
        user = user_role_ensure(
            actor=None,
            username=login,
            password=PASSWORD,
            role=Role.MEMBER,
            work_group=world.group,
            person=found,
        )
        User.objects.filter(pk=user.pk).update(is_active=active)
    return found


@pytest.fixture
def crowd(world):
    """The world with more people to tell and every shape of problem the rules tell apart: offices at three
    levels (and one inactive), a second handler at the unit, a named handler without a login, one whose login
    is inactive, problems the group handles itself (with and without a named handler), one in another county
    and one whose unit has nobody."""
    province = Region.objects.get(code="370000000000")
    for username, region, active in [
        ("province", province, True),
        ("county_office", world.county, True),
        ("other_county_office", world.other_county, True),
        ("gone_office", world.city, False),
    ]:
        user = user_role_ensure(
            actor=None, username=username, password=PASSWORD, role=Role.OFFICE, region=region
        )
        User.objects.filter(pk=user.pk).update(is_active=active)
    user_role_ensure(
        actor=None, username="handler2", password=PASSWORD, role=Role.HANDLER, organization=world.dept
    )
    model = world.overdue
    no_login = person(world, "无账号承办人")
    inactive = person(world, "停用承办人", login="inactive_handler", active=False)
    copy_of(model, "承办人无账号", handler=no_login)
    copy_of(model, "承办人账号停用", handler=inactive)
    copy_of(model, "无承办人", handler=None)
    copy_of(model, "工作组自办", handling_org=None, handler=None)
    copy_of(model, "工作组自办有承办人", handling_org=None, handler=world.member_person)
    copy_of(model, "汶上县的问题", region=world.other_county)
    copy_of(model, "无人的单位", handling_org=world.other_dept, handler=None)
    return world


def pairs(sql: str, params: list) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(key, u) for key, u in cursor.fetchall()}


def pks(*usernames: str) -> list[int]:
    return sorted(User.objects.filter(username__in=usernames).values_list("pk", flat=True))


@pytest.fixture
def problems_table(crowd):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE test_problems AS "
            "SELECT id, handler_id, handling_org_id, group_id, region_id FROM problems_problem"
        )
    yield "test_problems"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_problems")


def test_it_tells_the_same_people_as_one_problem_at_a_time(crowd, problems_table):
    problems = list(Problem.objects.select_related("group").order_by("pk"))
    handlers = access.problems_handlers(problems)
    unit = access.problems_unit_users(problems)
    assert pairs(*access.reminders_recipients_sql(problems_table)) == {
        (p.pk, u.pk) for p in problems for u in handlers[p.pk]
    }
    assert pairs(*access.reminders_recipients_sql(problems_table, unit=True)) == {
        (p.pk, u.pk) for p in problems for u in unit[p.pk]
    }
    # The offices by region: those over each region of the problems.
    assert pairs(*access.reminders_offices_sql(problems_table)) == {
        (p.region_id, u.pk) for p in problems for u, _region in access.offices_over(p.region_id)
    }
    # The rules are all there: somebody of every kind is told of something, the inactive nobody.
    told = {u for _p, u in pairs(*access.reminders_recipients_sql(problems_table, unit=True))}
    told |= {u for _r, u in pairs(*access.reminders_offices_sql(problems_table))}
    names = set(User.objects.filter(pk__in=told).values_list("username", flat=True))
    assert {"handler", "handler2", "member", "group_leader", "office", "province", "county_office"} <= names
    assert "other_county_office" in names  # of 汶上县的问题 alone
    assert {"gone_office", "inactive_handler"}.isdisjoint(names)


def test_it_writes_the_reminders_words(crowd):
    supervision_sweep(today=RED_DAY)
    event = ProblemEvent.objects.get(action="supervise", problem=crowd.overdue)
    assert event.comment == (
        "“雨污管道接驳点未定”(嘉祥县城区排水改造工程)办结期限为2025年06月18日,已超期,"
        "请嘉祥县水务局立即办理并报告办理情况。"
    )
    assert (event.actor, event.from_status, event.to_status) == (None, "in_progress", "in_progress")
    assert event.data == {
        "deadline": "2025-06-18",
        "recipients": pks("handler", "handler2"),  # told of the problem
        "offices": pks("office", "province", "county_office"),  # told in the digest
    }
    own = ProblemEvent.objects.get(action="supervise", problem__title="工作组自办")
    assert own.comment.endswith(",已超期,请承办单位立即办理并报告办理情况。")
    note = Notification.objects.get(
        kind="supervise", user__username="handler", url=f"/problems/{crowd.overdue.pk}/"
    )
    assert (note.title, note.body, note.read_at) == ("【督办】雨污管道接驳点未定", event.comment, None)


def test_it_urges_in_the_words_of_the_offices_urge(world):
    assert supervision_sweep(today=YELLOW_DAY).urged == 1
    event = ProblemEvent.objects.get(action="urge")
    assert (
        event.comment
        == "“雨污管道接驳点未定”(嘉祥县城区排水改造工程)办结期限为2025年06月18日,已临近,请抓紧办理。"
    )
    assert Notification.objects.get(kind="urge").title == "【催办】雨污管道接驳点未定"


def test_it_tells_each_person_what_one_problem_at_a_time_told(crowd):
    result = supervision_sweep(today=RED_DAY, batch=3)
    events = {e.problem_id: e for e in ProblemEvent.objects.filter(action="supervise")}
    assert result.supervised == len(events) == 8
    offices = {u.pk: u for p in Problem.objects.all() for u, _region in access.offices_over(p.region_id)}
    counted: dict[int, int] = {}
    for problem_id, event in events.items():
        # The event names who is told of the problem itself, and the offices told in the digest.
        region = Problem.objects.get(pk=problem_id).region_id
        over = sorted(u.pk for u, _region in access.offices_over(region))
        notified = sorted(
            Notification.objects.filter(url=f"/problems/{problem_id}/").values_list("user_id", flat=True)
        )
        assert (notified, over) == (event.data["recipients"], event.data["offices"])
        for pk in over:
            counted[pk] = counted.get(pk, 0) + 1
    # The offices once each, with the count of their problems.
    digests = {n.user_id: n for n in Notification.objects.filter(url="/problems/?light=red&sort=deadline")}
    assert {pk: int(n.title.split()[-2]) for pk, n in digests.items()} == counted
    assert set(digests) == set(offices) and result.digests == len(offices) == 4
    assert counted[User.objects.get(username="other_county_office").pk] == 1  # 汶上县的问题 alone
    assert counted[User.objects.get(username="province").pk] == 8
    unit_less = Problem.objects.get(title="无人的单位")
    assert events[unit_less.pk].data["recipients"] == []
    assert events[unit_less.pk].data["offices"] == pks("office", "province", "county_office")


def test_its_audit_says_which_problems_were_reminded_and_when(crowd):
    before = timezone.now()
    supervision_sweep(today=RED_DAY, batch=3)
    rows = list(AuditLog.objects.filter(data__step="supervise").order_by("id"))
    assert [len(r.data["problems"]) for r in rows] == [3, 3, 2]
    assert sorted(pk for r in rows for pk in r.data["problems"]) == sorted(
        ProblemEvent.objects.filter(action="supervise").values_list("problem_id", flat=True)
    )
    assert all(r.at >= before and r.data["on_date"] == "2025-06-19" for r in rows)
    assert rows[0].summary == "督办巡检:督办 3 件问题(2025-06-19)"
    assert audit_verify().intact


def test_the_offices_urge_is_not_the_sweeps(world):
    problem_urge(actor=world.users["office"], problem=world.overdue, comment="请加快")
    assert supervision_sweep(today=YELLOW_DAY).urged == 1
    assert world.overdue.events.filter(action="urge").count() == 2
    assert supervision_sweep(today=YELLOW_DAY).urged == 0


def test_it_reminds_again_for_a_new_deadline_and_leaves_the_problem_row_alone(world):
    problem = world.overdue
    before = Problem.objects.filter(pk=problem.pk).values().get()
    assert supervision_sweep(today=RED_DAY).supervised == 1
    assert Problem.objects.filter(pk=problem.pk).values().get() == before  # version, updated_at: untouched
    Problem.objects.filter(pk=problem.pk).update(deadline=RED_DAY - timedelta(days=2))
    assert supervision_sweep(today=RED_DAY).supervised == 1
    assert supervision_sweep(today=RED_DAY).supervised == 0
    deadlines = sorted(e.data["deadline"] for e in problem.events.filter(action="supervise"))
    assert deadlines == ["2025-06-17", "2025-06-18"]


def test_it_leaves_problems_no_longer_due_when_it_claims(world):
    Problem.objects.filter(pk=world.overdue.pk).update(status=Status.RESOLVED, resolved_on=RED_DAY)
    assert supervision_sweep(today=RED_DAY).supervised == 0


# ---- notification_send_select: the bulk path of core.notifications -------------------------------------------


def test_it_writes_what_the_select_yields_cut_as_the_others_are(world):
    handler, office = world.users["handler"], world.users["office"]
    written = notification_send_select(
        select="SELECT u.id AS user_id, %s AS kind, %s AS title, %s AS body, "
        "CASE WHEN u.id = %s THEN %s ELSE %s END AS url FROM accounts_user u WHERE u.id IN (%s, %s)",
        params=[
            "urge",
            "问" * 250,
            "正文",
            handler.pk,
            "//evil.example/x",
            "/problems/1/",
            handler.pk,
            office.pk,
        ],
        mail=False,
    )
    assert written == 2
    notes = {n.user_id: n for n in Notification.objects.all()}
    assert len(notes[handler.pk].title) == 200 and notes[handler.pk].body == "正文"
    assert (notes[handler.pk].url, notes[office.pk].url) == ("", "/problems/1/")
    assert notes[office.pk].at is not None and notes[office.pk].read_at is None


def test_it_delivers_what_it_wrote_when_the_transaction_commits(world, django_capture_on_commit_callbacks):
    handler, office = world.users["handler"], world.users["office"]
    User.objects.filter(pk__in=[handler.pk, office.pk]).update(email="x@jx.example.cn")
    NotificationPreference.objects.create(user=office, email=EmailMode.DIGEST)
    select = "SELECT u.id AS user_id, 'urge' AS kind, u.username AS title, '' AS body, '/' AS url FROM accounts_user u"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_send_select(select=f"{select} WHERE u.id IN (%s, %s)", params=[handler.pk, office.pk])
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == [
        "handler"
    ]  # 即时 mails at once; 每日汇总 waits for the digest
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_send_select(select=f"{select} WHERE u.id = %s", params=[handler.pk], mail=False)
    assert callbacks == [] and mail.outbox == []  # nobody to push to, no mail asked for: nothing read back


# ---- through several connections at once (PostgreSQL) -----------------------------------------------------------


def test_its_batches_stay_inside_a_block_of_ids():
    due = [1, 2, 3, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5]
    assert _batches(due, 2) == [[1, 2], [3, BLOCK - 1], [BLOCK, BLOCK + 1], [3 * BLOCK + 5]]
    assert _batches([], 5) == []


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_of_two_connections_each_remind_each_problem_once(world):
    """Problems in four blocks of ids, swept by two sweeps at once, each writing through two connections:
    every problem is reminded once, its event, notices and audit entry written once."""
    model = world.overdue
    made = [copy_of(model, f"积水点{i}", pk=BLOCK * (i % 4) + 100 + i) for i in range(24)]
    barrier = threading.Barrier(2)
    results = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(supervision_sweep(today=RED_DAY, batch=4, workers=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and sum(r.supervised for r in results) == 25
    events = ProblemEvent.objects.filter(action="supervise")
    assert events.count() == 25 and events.values("problem").distinct().count() == 25
    assert {p.pk // BLOCK for p in made} == {0, 1, 2, 3}
    office = User.objects.get(username="office")
    digests = Notification.objects.filter(kind="supervise", user=office)
    assert 1 <= digests.count() <= 2 and sum(int(n.title.split()[-2]) for n in digests) == 25
    audited = [pk for row in AuditLog.objects.filter(data__step="supervise") for pk in row.data["problems"]]
    assert sorted(audited) == sorted(events.values_list("problem_id", flat=True))
    assert audit_verify().intact
    assert supervision_sweep(today=RED_DAY, workers=2).supervised == 0


# ---- the offices: one digest per sweep, however many problems ----------------------------------------------------


def test_the_offices_digest_links_to_their_overdue_problems(crowd):
    supervision_sweep(today=RED_DAY)
    digest = Notification.objects.get(user__username="county_office")
    assert (digest.kind, digest.title, digest.read_at) == (
        "supervise",
        "【督办】督办巡检:本辖区新增超期问题 7 件",
        None,
    )
    assert digest.body == (
        "2025年06月19日督办巡检:本辖区(嘉祥县)新增超过办结期限的问题 7 件,已逐件向承办单位督办。"
        "本辖区全部超期问题见问题台账。"
    )
    # The link: the 问题台账 of the office's own scope, overdue problems only (not the closed 大蒜滞销).
    page = client_for("county_office").get(digest.url)
    assert page.status_code == 200
    listed = page.content.decode()
    assert "雨污管道接驳点未定" in listed and "汶上县的问题" not in listed and "大蒜滞销" not in listed
    assert "大蒜滞销" in client_for("county_office").get("/problems/").content.decode()
    assert "汶上县的问题" in client_for("province").get(digest.url).content.decode()


def test_an_office_cadre_who_handles_problems_is_told_of_them_and_of_the_count(crowd):
    handler = user_role_ensure(
        actor=None, username="handler", password=PASSWORD, role=Role.OFFICE, region=crowd.county
    )
    User.objects.filter(pk=handler.pk).update(email="handler@jx.example.cn")
    supervision_sweep(today=RED_DAY)
    handled = set(
        Problem.objects.filter(handling_org=crowd.dept, events__action="supervise").values_list(
            "pk", flat=True
        )
    )
    assert len(handled) == 5
    notes = Notification.objects.filter(user=handler, kind="supervise")
    assert {n.url for n in notes} == {f"/problems/{pk}/" for pk in handled} | {
        "/problems/?light=red&sort=deadline"
    }
    assert notes.get(url__startswith="/problems/?").title == "【督办】督办巡检:本辖区新增超期问题 7 件"
    event = ProblemEvent.objects.get(action="supervise", problem=crowd.overdue)
    assert handler.pk in event.data["recipients"] and handler.pk in event.data["offices"]
    letter = next(m for m in mail.outbox if m.to == ["handler@jx.example.cn"])
    assert letter.subject == "【督办】5件问题已超过办结期限"
    assert letter.body.startswith(
        "1. 【督办】2025年06月19日督办巡检:本辖区(嘉祥县)新增超过办结期限的问题 7 件"
    )
    assert letter.body.count("【督办】") == 6
