"""The rows of the 问题台账 and of the 督办 page, written out by problems.templatetags.problem_tags instead of a
dozen template variables, includes and ``{% url %}`` per row: every text escaped, every label translated, each
light as includes/light.html shows it. And the ledger's drop-downs, whose SQL is built once per scope: what they
offer is read afresh on every page, so a new unit, category, target kind or grant shows at once."""

import html
import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from sijin.accounts.models import Role, User
from sijin.accounts.services import role_grant, user_ensure
from sijin.campaigns.services import category_create, target_kind_create
from sijin.directory.models import Region
from sijin.directory.services import organization_create, organization_update
from sijin.problems.lights import LightClock
from sijin.problems.models import Light, Problem
from sijin.problems.templatetags.problem_tags import _light_html
from sijin.testing import PASSWORD, client_for

TITLE = '<b>"泵站" & 消防</b>'
ESCAPED = html.escape(TITLE)  # &lt;b&gt;&quot;泵站&quot; &amp; 消防&lt;/b&gt;


def retitle(problem: Problem, title: str) -> None:
    Problem.objects.filter(pk=problem.pk).update(title=title)


def options_of(body: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None
    return [html.unescape(label) for label in re.findall(r"<option [^>]*>([^<]*)</option>", select.group(1))]


# ---- the rows ------------------------------------------------------------------------------------------------
def test_a_title_is_escaped_in_the_ledger_row_and_its_checkbox(world):
    retitle(world.overdue, TITLE)
    body = client_for("office").get("/problems/").content.decode()
    assert TITLE not in body and "<b>" not in body
    assert f'<a href="/problems/{world.overdue.pk}/">{ESCAPED}</a>' in body
    assert f'id="pick-{world.overdue.pk}" aria-label="选择“{ESCAPED}”"' in body


def test_a_title_is_escaped_on_the_supervision_page_and_its_reminder(world):
    retitle(world.overdue, TITLE)
    body = client_for("office").get("/problems/supervision/").content.decode()
    assert TITLE not in body and "<b>" not in body
    assert f'<a href="/problems/{world.overdue.pk}/">{ESCAPED}</a>' in body
    assert f'aria-label="催办“{ESCAPED}”"' in body
    assert f'action="/problems/{world.overdue.pk}/urge/"' in body


def copy_of(problem: Problem, title: str, **fields) -> Problem:
    """Another problem like ``problem`` (same target, group, unit), titled ``title``, with ``fields`` changed."""
    copy = Problem.objects.get(pk=problem.pk)
    copy.pk, copy.title = None, title
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def ledger_rows(body: str) -> dict[str, str]:
    """The ledger's rows by their problem's title."""
    rows = {}
    for row in re.findall(r"<tr>.*?</tr>", body, re.S):
        if found := re.search(r'<a href="/problems/\d+/">([^<]*)</a>', row):
            rows[html.unescape(found.group(1))] = row
    return rows


def test_the_ledger_shows_each_light_and_label(world):
    today = timezone.localdate()
    solved = {"status": "resolved", "deadline": today - timedelta(days=5)}
    copy_of(world.overdue, "按期办结的问题", **solved, resolved_on=today - timedelta(days=6))
    copy_of(world.overdue, "逾期办结的问题", **solved, resolved_on=today - timedelta(days=4))
    copy_of(world.overdue, "远未到期的问题", deadline=today + timedelta(days=60))
    rows = ledger_rows(client_for("office").get("/problems/").content.decode())
    overdue = rows[world.overdue.title]
    assert re.search(r'sj-light sj-light-red" title="超期">\s*<span class="sj-dot bg-danger"', overdue)
    assert ">办理中</span>" in overdue and world.dept.name in overdue and ">县级<" in overdue
    assert 'sj-light-green" title="按期办结"' in rows["按期办结的问题"]
    assert 'sj-light-closed_late" title="逾期办结"' in rows["逾期办结的问题"]
    assert 'sj-light-green" title="正常"' in rows["远未到期的问题"]
    reported = rows[world.problems["reported"].title]  # no deadline, no unit, no level yet
    assert '<span class="sj-light text-body-secondary">—</span>' in reported
    assert reported.count(">—</td>") == 3 and ">已上报</span>" in reported


def test_the_supervision_page_shows_red_and_yellow_with_the_days_overdue(world):
    yellow = copy_of(world.overdue, "排涝泵站检修", deadline=timezone.localdate())  # no working day left
    body = client_for("office").get("/problems/supervision/").content.decode()
    row = re.search(rf'<tr>(?:(?!</tr>).)*?/problems/{yellow.pk}/".*?</tr>', body, re.S)
    assert row is not None
    assert 'sj-light-yellow" title="临期"' in row.group(0) and "未超期" in row.group(0)
    assert f'action="/problems/{yellow.pk}/urge/"' in row.group(0)  # due: the office may remind
    assert re.search(r'text-danger fw-semibold">\s*\d+个工作日</span>', body)  # the red ones


@pytest.mark.parametrize(
    ("light", "done", "shown"),
    [
        ("green", None, 'sj-light-green" title="正常">'),
        ("green", "2025-06-01", 'sj-light-green" title="按期办结">'),
        ("yellow", None, 'sj-light-yellow" title="临期">'),
        ("red", None, 'sj-light-red" title="超期">'),
        ("closed_late", "2025-06-01", 'sj-light-closed_late" title="逾期办结">'),
        ("none", None, 'text-body-secondary">—<'),
        ("", None, 'text-body-secondary">—<'),
        (None, None, 'text-body-secondary">—<'),
    ],
)
def test_every_page_writes_a_light_one_way(light, done, shown):
    """includes/light.html (the 工作台, a problem's page) is the ledger's and 督办's light: one function."""
    written = render_to_string("includes/light.html", {"light": light, "resolved": done})
    assert shown in written and written == _light_html(light, done)


def test_the_rows_speak_english(world):
    client = client_for("office")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    supervision = client.get("/problems/supervision/").content.decode()
    assert f"Remind about “{html.escape(world.overdue.title)}”" in supervision
    assert re.search(r"\d+ working days</span>", supervision) and "Overdue" in supervision
    ledger = client.get("/problems/").content.decode()
    assert f"Select “{html.escape(world.overdue.title)}”" in ledger


def test_a_unit_of_the_supervision_page_asks_no_query_per_row(world, django_assert_max_num_queries):
    client = client_for("unit")  # the dispatching unit acts through each problem's group: a column of it
    client.get("/problems/supervision/")
    for i in range(6):
        copy_of(world.overdue, f"积水点{i}", deadline=world.overdue.deadline + timedelta(days=i + 1))
    with django_assert_max_num_queries(14):
        body = client.get("/problems/supervision/").content.decode()
    assert body.count('class="text-nowrap sj-overdue"') == 5


# ---- the drop-downs: built once per scope, read every time -----------------------------------------------------
def test_a_new_unit_category_and_target_kind_are_offered_at_once(world):
    client = client_for("office")
    body = client.get("/problems/").content.decode()
    assert "嘉祥县供电所" not in options_of(body, "handling_org")
    organization_create(actor=None, name="嘉祥县供电所", region=world.county)
    category_create(actor=None, campaign=world.campaign, name="电力保障", order=99)
    target_kind_create(actor=None, campaign=world.campaign, code="hospital", name="医院", order=99)
    body = client.get("/problems/").content.decode()
    assert "嘉祥县供电所" in options_of(body, "handling_org")
    assert options_of(body, "category")[-1] == "电力保障"
    assert options_of(body, "kind")[-1] == "医院"
    organization_update(actor=None, organization=world.other_dept, name="汶上县水务局(新)")
    assert "汶上县水务局(新)" in options_of(client.get("/problems/").content.decode(), "handling_org")


def test_a_new_grant_changes_the_drop_downs_at_once(world):
    client = client_for("member")
    counties = {r.name for r in Region.objects.filter(code__startswith=world.outside_city.prefix, level=3)}

    def regions() -> set[str]:
        return {r.strip("\u3000") for r in options_of(client.get("/problems/").content.decode(), "region")}

    assert world.county.name in regions() and not counties & regions()
    role_grant(
        actor=None, user=User.objects.get(username="member"), role=Role.LEADER, region=world.outside_city
    )
    assert counties and counties | {world.county.name} <= regions()


def test_a_login_without_a_scope_is_offered_nothing(world):
    user_ensure(actor=None, username="nobody", password=PASSWORD)
    body = client_for("nobody").get("/problems/").content.decode()
    assert options_of(body, "handling_org") == ["全部承办单位"]
    assert options_of(body, "region") == ["全部区划"] and "没有符合条件的问题。" in body


def test_the_pages_chased_condition_is_yellow_or_red(world):
    """The 督办 page asks for yellow-or-red in one simpler condition (lights.LightClock.chased): the same rows."""
    today = timezone.localdate()
    for days in (-30, -1, 0, 1, 2, 3, 4, 7, 30):
        copy_of(world.overdue, f"期限{days:+d}天", deadline=today + timedelta(days=days))
    copy_of(world.overdue, "已办结", status="resolved", deadline=today - timedelta(days=3), resolved_on=today)
    clock = LightClock(today)
    lights = clock.conditions()
    yellow_or_red = Problem.objects.filter(lights[Light.YELLOW] | lights[Light.RED])
    chased = Problem.objects.filter(clock.chased())
    assert set(chased.values_list("pk", flat=True)) == set(yellow_or_red.values_list("pk", flat=True))
    titles = set(chased.values_list("title", flat=True))
    assert {"期限-30天", "期限-1天", "期限+0天"} <= titles and not {"期限+30天", "已办结"} & titles
    assert Problem.objects.filter(lights[Light.YELLOW], title__startswith="期限").exists()
