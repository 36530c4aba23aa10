"""A region's briefing at scale reads as a region office's document: its 通报 counts the overdue problems by
handling unit and names only the most overdue few (in queries that do not grow with them), its tables are wide
enough for a group's name, its rates have one form, a count it sums is never written as approximate, and its
table of groups, when they are many, names only those with most overdue problems. A group's briefing keeps its
full list (test_briefing.py). On the small world (sijin/testing.py)."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from lxml import html as lxml_html

from sijin.campaigns import services as campaigns
from sijin.campaigns.models import WorkGroup
from sijin.core.officedoc import column_widths
from sijin.core.workdays import workdays_between
from sijin.directory.services import organization_ensure
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import Masthead, briefing_text, document_docx
from sijin.reports.briefing.phrases import percent
from sijin.reports.briefing.regional import GROUP_COLUMNS, GROUPS_IN_FULL, GROUPS_NAMED
from sijin.reports.briefing.word import cell_lines, fitted_widths
from sijin.reports.briefing.writer import LATE_SHOWN, UNITS_SHOWN
from sijin.testing import d

START, END = d(6, 1), d(6, 30)
JUNE_2 = d(6, 2)
# The world's own overdue problems on 06-30: 雨污管道接驳点未定 (due 06-18) and 施工便道积水 (due 06-25).


def region_body(world, region=None) -> str:
    return briefing_text(
        world.users["office"], region=region or world.city, period_start=START, period_end=END
    ).body


def group_body(world) -> str:
    return briefing_text(world.users["office"], group=world.group, period_start=START, period_end=END).body


def section(body: str, heading: str) -> tuple[list[str], list[list[list[str]]]]:
    """The paragraphs and the tables (rows of cells) under the ``<h2>`` ``heading``."""
    paragraphs, tables, inside = [], [], False
    for el in lxml_html.fragment_fromstring(body, create_parent="div"):
        if el.tag == "h2":
            inside = el.text_content() == heading
        elif inside and el.tag == "table":
            tables.append([[td.text_content() for td in tr] for tr in el.iter("tr")])
        elif inside:
            paragraphs.append(el.text_content())
    return paragraphs, tables


def overdue_at_other_dept(world, n: int, due_days: int = 1, unit=None) -> None:
    """``n`` problems of the project handed to 嘉祥县自然资源局 (or ``unit``) on 06-02, due ``due_days`` working
    days later (06-03 for one): overdue before the world's own."""
    for i in range(n):
        p = problem_report(
            actor=world.users["member"], target=world.project, title=f"超期问题{i}", reported_on=d(6, 2)
        )
        problem_transition(
            actor=world.users["office"],
            problem=p,
            action="triage",
            on_date=d(6, 2),
            level="county",
            handling_org=unit or world.other_dept,
            deadline_days=due_days,
        )


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as seen:
        fn()
    return len(seen)


# ---- 1. the 通报: by handling unit, then the most overdue few ------------------------------------------------
def test_it_counts_a_regions_overdue_problems_by_unit_and_names_only_the_most_overdue(world):
    overdue_at_other_dept(world, LATE_SHOWN + 1)
    text, tables = section(region_body(world), "超期问题通报")
    units, late = tables
    total = LATE_SHOWN + 3
    assert text[0] == f"截至2025年6月30日,共有{total}个问题超过办结期限仍未办结,予以通报。按承办单位统计如下:"
    # A row per unit, the unit with most first; its longest overdue in working days.
    assert units == [
        ["序号", "承办单位", "超期问题(个)", "最长超期"],
        ["1", "嘉祥县自然资源局", str(LATE_SHOWN + 1), f"{workdays_between(d(6, 3), END)}个工作日"],
        ["2", "嘉祥县水务局", "2", f"{workdays_between(d(6, 18), END)}个工作日"],
    ]
    assert text[1] == f"其中超期时间最长的{LATE_SHOWN}个问题如下:"
    assert late[0] == ["序号", "帮扶对象", "问题", "承办单位", "办结期限", "超期"]
    assert len(late) == 1 + LATE_SHOWN
    assert {row[3] for row in late[1:]} == {"嘉祥县自然资源局"}  # the world's own are less overdue
    assert [row[4] for row in late[1:]] == ["6月3日"] * LATE_SHOWN
    # The group's own briefing still names every one of them.
    text, tables = section(group_body(world), "超期问题通报")
    assert text == [f"截至2025年6月30日,以下{total}个问题超过办结期限仍未办结,予以通报:"]
    assert len(tables[0]) == 1 + total


def test_it_lists_all_of_a_regions_few_overdue_problems_after_their_units(world):
    text, tables = section(region_body(world), "超期问题通报")
    assert text[1] == "超期问题如下:"
    assert [row[2] for row in tables[1][1:]] == ["雨污管道接驳点未定", "施工便道积水"]  # most overdue first


def test_it_writes_a_regions_notice_in_queries_that_do_not_grow_with_its_overdue_problems(world):
    region_body(world)  # the grants read once
    before = queries(lambda: region_body(world))
    overdue_at_other_dept(world, 15)
    overdue_at_other_dept(world, 3, due_days=3)
    body = ""

    def again() -> None:
        nonlocal body
        body = region_body(world)

    assert queries(again) == before
    _, (units, late) = section(body, "超期问题通报")
    assert units[1][1:3] == ["嘉祥县自然资源局", "18"] and len(late) == 1 + LATE_SHOWN


def test_it_puts_the_units_beyond_the_first_twenty_in_one_row(world):
    for i in range(UNITS_SHOWN):  # twenty more units, one overdue problem each (due 06-04)
        unit = organization_ensure(
            actor=world.users["admin"], name=f"嘉祥县第{i + 1:02d}局", region=world.county, kind="department"
        )
        overdue_at_other_dept(world, 1, due_days=2, unit=unit)
    _, (units, _late) = section(region_body(world), "超期问题通报")
    # 嘉祥县水务局 has two; then the twenty of one, the longest overdue first, then by name.
    assert [row[1] for row in units[1:4]] == ["嘉祥县水务局", "嘉祥县第01局", "嘉祥县第02局"]
    assert len(units) == 1 + UNITS_SHOWN + 1
    assert units[-1] == ["", "其他1个单位", "1", f"{workdays_between(d(6, 4), END)}个工作日"]


# ---- 2. tables wide enough for a group's name ------------------------------------------------------------------
def test_it_gives_a_groups_name_two_lines_at_most_in_a_regions_group_table(world):
    names = ["市派驻临沂市兰山区工作组", "山东省自然资源和规划局驻兰山区工作组1"]
    text = [list(GROUP_COLUMNS)] + [
        [str(i), n, "兰山区", "76", "78", "37", "4", "126"] for i, n in enumerate(names)
    ]
    widths = fitted_widths(text)
    assert round(sum(w.mm for w in widths)) == 156
    assert max(cell_lines(text, widths)) == 2  # column_widths alone: the name on four or more
    assert max(cell_lines(text, column_widths(text))) >= 4
    # In the document: the region's table of groups gives the group's name the widest column.
    doc = Document(io.BytesIO(document_docx("简报", region_body(world), Masthead())))
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == list(GROUP_COLUMNS))
    widths = [c.width for c in table.rows[0].cells]
    assert widths.index(max(widths)) == 1


def test_it_gives_a_name_too_long_for_two_lines_three():
    # Names of the synthetic province (sijin synth): two lines cannot be had beside a place name kept whole.
    rows = [
        ["1", "济南市人力资源和社会保障局驻章丘区工作组2", "章丘区", "139", "1732", "1378", "755", "2046"],
        [
            "2",
            "潍坊市人民银行支行驻潍坊滨海经济技术开发区工作组17",
            "潍坊滨海经济技术开发区",
            "127",
            "892",
            "927",
            "177",
            "527",
        ],
    ]
    text = [list(GROUP_COLUMNS), *rows]
    assert max(cell_lines(text, column_widths(text))) == 9  # one common width: the name on nine lines
    widths = fitted_widths(text)
    assert max(cell_lines(text, widths)) == 3 and round(sum(w.mm for w in widths)) == 156
    assert widths.index(max(widths)) == 1


def test_it_keeps_the_widths_of_a_table_that_fits():
    # The Binzhou 通报's table: a long target name on three lines, every other cell on one; left as it was.
    text = [
        ["序号", "帮扶对象", "问题", "承办单位", "办结期限", "超期"],
        ["1", "惠民县职业中专智能制造综合实训基地", "新校师资短缺", "惠民县教育局", "4月2日", "11个工作日"],
        ["2", "惠民县职业中专智能制造综合实训基地", "专业设置不合理", "惠民县教育局", "4月2日", "11个工作日"],
    ]
    assert fitted_widths(text) == column_widths(text)


# ---- 3. one form of rate ----------------------------------------------------------------------------------------
def test_it_writes_every_rate_with_one_decimal():
    assert [percent(*n) for n in [(1, 2), (0, 47), (1, 3), (2, 3), (1, 1), (1, 0)]] == [
        "50.0%",
        "0.0%",
        "33.3%",
        "66.7%",
        "100.0%",
        "—",
    ]


def test_it_writes_a_regions_area_rate_as_the_overview_does(world):
    # Two more solved on the spot in June: 4 of the county's 8 (once written 50%, beside the overview's 50.0%).
    for title in ("路灯损坏", "水渠堵塞"):
        p = problem_report(
            actor=world.users["member"], target=world.village, title=title, reported_on=d(6, 20)
        )
        problem_transition(
            actor=world.users["member"],
            problem=p,
            action="resolve_on_site",
            on_date=d(6, 20),
            level="group",
            resolution="当场协调解决。",
        )
    body = region_body(world)
    _, (areas,) = section(body, "各县(市、区)工作情况")
    assert areas[0][-1] == "办结率" and areas[1][0] == world.county.name
    assert areas[1][4:] == ["8", "4", "50.0%"]
    rates = compute_rates(world.group.problems.filter(reported_on__range=(START, END)))
    assert f"办结率{rates.solve_rate}%" in body and str(rates.solve_rate) == "50.0"


# ---- 4. 余 only where the data says it ---------------------------------------------------------------------------
def overview(body: str) -> str:
    return lxml_html.fragment_fromstring(body, create_parent="div")[0].text_content()


def test_it_writes_a_regions_visit_count_exact_and_says_how_many_entries_were_vague(world):
    # The world's visits: 1 collective, 2 single, and one entry of 先后10余次 at the project site.
    text = overview(region_body(world))
    assert "累计走访13次(集体出动1次、分散走访2次、现场办公10次;其中1条记录为约数,按所记次数计)" in text
    assert "余次" not in text
    # The group's briefing tells the group's own figure as it was reported (test_briefing_real).
    assert "累计走访13余次" in overview(group_body(world))


def test_it_says_nothing_of_vague_entries_when_there_are_none(world):
    world.visits["project"].occasions_qualifier = ""
    world.visits["project"].save(update_fields=["occasions_qualifier"])
    text = overview(region_body(world))
    assert "累计走访13次(集体出动1次、分散走访2次、现场办公10次)" in text and "约数" not in text


# ---- 5. many groups: the table of groups names those that stand out -----------------------------------------
def group_with(world, name: str, *, late: int = 0, reported_on=JUNE_2, region=None) -> WorkGroup:
    """A group of the world's campaign and unit (in 嘉祥县, or ``region``) with one village and ``late``
    problems reported on ``reported_on``, handed to 嘉祥县自然资源局 and due one working day later: overdue on
    06-30, none of them solved."""
    admin = world.users["admin"]
    group = campaigns.group_create(
        actor=admin,
        campaign=world.campaign,
        name=name,
        dispatching_org=world.unit_org,
        region=region or world.county,
        tier="city",
        start=d(5, 1),
        end=d(6, 30),
    )
    target = campaigns.target_create(
        actor=admin,
        campaign=world.campaign,
        kind=world.kinds["village"],
        name=f"{name}帮扶村",
        region=group.region,
        group=group,
    )
    for i in range(late):
        p = problem_report(actor=admin, target=target, title=f"{name}问题{i}", reported_on=reported_on)
        problem_transition(
            actor=world.users["office"],
            problem=p,
            action="triage",
            on_date=reported_on,
            level="county",
            handling_org=world.other_dept,
            deadline_days=1,
        )
    return group


def group_section(world, *, region=None, end=END, **options) -> tuple[list[str], list[list[list[str]]]]:
    body = briefing_text(
        world.users["office"], region=region or world.city, period_start=START, period_end=end, **options
    ).body
    return section(body, "各工作组工作情况")


def test_it_names_the_groups_with_most_overdue_problems_when_a_region_has_many(world):
    # The world's group: 2 overdue, 6 problems found in June, 2 solved (办结率 33.3%).
    group_with(world, "甲组", late=3)
    group_with(world, "乙组", late=2)  # 2 overdue as well, none solved: 0%, before the world's
    group_with(world, "丙组", late=2, reported_on=d(5, 20))  # found nothing in June: after the world's
    group_with(world, "丁组", late=1)
    group_with(world, "戊组")  # nothing overdue: not named
    text, (table,) = group_section(world, groups_in_full=5)
    assert text == [
        "全市共有6个工作组,各县(市、区)汇总情况见上表。截至2025年6月30日,有5个工作组存在超期未办结问题,如下:"
    ]
    assert table[0] == list(GROUP_COLUMNS)
    assert [row[1] for row in table[1:]] == ["甲组", "乙组", world.group.name, "丙组", "丁组"]
    assert [row[0] for row in table[1:]] == ["1", "2", "3", "4", "5"]
    # Each row as the full table has it: 1 target, its problems found in June, none solved, its overdue.
    assert table[1][2:] == [world.county.name, "1", "0", "3", "0", "3"]
    assert table[4][2:] == [world.county.name, "1", "0", "0", "0", "2"]
    # The table by area above counts every group.
    _, (areas,) = section(region_body(world), "各县(市、区)工作情况")
    assert areas[1][:2] == [world.county.name, "6"]


def test_it_lists_every_group_up_to_the_threshold_as_before(world):
    for name in ("甲组", "乙组", "丙组", "丁组"):
        group_with(world, name, late=1)
    group_with(world, "戊组")
    text, (table,) = group_section(world, groups_in_full=6)
    assert text == []
    # By place and name, those with nothing overdue too.
    names = sorted([world.group.name, "甲组", "乙组", "丙组", "丁组", "戊组"])
    assert [row[1] for row in table[1:]] == names
    assert table[names.index("戊组") + 1][-1] == "0"


def test_it_names_ten_of_a_regions_many_lagging_groups_at_the_default_threshold(world):
    assert (GROUPS_IN_FULL, GROUPS_NAMED) == (20, 10)
    for i in range(GROUPS_IN_FULL):  # 21 groups: 组00 … 组19 with 1 to 4 overdue problems, and the world's
        group_with(world, f"组{i:02d}", late=1 + i % 4)
    text, (table,) = group_section(world)
    assert text == [
        "全市共有21个工作组,各县(市、区)汇总情况见上表。截至2025年6月30日,有21个工作组存在超期未办结问题,"
        "超期问题最多的10个工作组如下:"
    ]
    # The five of 4, then five of the 3s, each by name (none solved: the same 办结率).
    assert [row[1] for row in table[1:]] == [f"组{i:02d}" for i in (3, 7, 11, 15, 19, 2, 6, 10, 14, 18)]
    assert [row[-1] for row in table[1:]] == ["4"] * 5 + ["3"] * 5


def test_it_says_so_when_none_of_a_regions_many_groups_is_late(world):
    group_with(world, "甲组")
    group_with(world, "乙组")
    # On 06-15 the world's problems are not due yet (06-18, 06-25).
    text, tables = group_section(world, end=d(6, 15), groups_in_full=2)
    assert text == [
        "全市共有3个工作组,各县(市、区)汇总情况见上表。截至2025年6月15日,各工作组均无超期未办结问题。"
    ]
    assert tables == []


def test_it_lists_every_group_of_a_county_however_many(world):
    # A county's briefing has no table by area to cover its groups: they are its summary.
    group_with(world, "甲组", late=1)
    group_with(world, "乙组")
    text, (table,) = group_section(world, region=world.county, groups_in_full=1)
    assert text == [] and len(table) == 1 + 3


def test_it_writes_a_regions_briefing_in_queries_that_do_not_grow_with_its_groups(world):
    for i in range(6):  # beyond FEW_GROUPS, so that the overview counts the groups in both
        group_with(world, f"组{i:02d}", late=1, region=world.county if i % 2 else world.other_county)
    region_body(world)  # the grants read once
    few = queries(lambda: region_body(world))  # 7 groups, all listed
    for i in range(6, 30):
        group_with(world, f"组{i:02d}", late=i % 3, region=world.county if i % 2 else world.other_county)
    body = ""

    def again() -> None:
        nonlocal body
        body = region_body(world)

    assert queries(again) == few  # 31 groups, ten named
    text, (table,) = section(body, "各工作组工作情况")
    assert text[0].startswith("全市共有31个工作组") and len(table) == 1 + GROUPS_NAMED


def test_it_tells_the_days_groups_arrived_as_one_span_beyond_three(world):
    for i in range(6):
        campaigns.group_create(
            actor=world.users["admin"],
            campaign=world.campaign,
            name=f"组{i}",
            dispatching_org=world.unit_org,
            region=world.county,
            tier="city",
            start=d(6, 10 + i),
        )
    text = overview(region_body(world))
    # The world's group arrived on 06-03 (with the campaign), within the period: 7 groups on 7 days.
    assert "其中7个于6月3日至6月15日陆续进驻" in text and "6月10日起进驻" not in text
