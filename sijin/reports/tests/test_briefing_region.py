"""A region's briefing at scale reads as a region office's document: its 通报 counts the overdue problems by
handling unit and names only the most overdue few (in queries that do not grow with them), its tables are wide
enough for a group's name, its rates have one form, and a count it sums is never written as approximate. A
group's briefing keeps its full list (test_briefing.py). On the small world (sijin/testing.py)."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from lxml import html as lxml_html

from sijin.core.officedoc import column_widths
from sijin.core.workdays import workdays_between
from sijin.directory.services import organization_ensure
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import Masthead, briefing_text, document_docx
from sijin.reports.briefing.phrases import percent
from sijin.reports.briefing.word import cell_lines, fitted_widths
from sijin.reports.briefing.writer import GROUP_COLUMNS, LATE_SHOWN, UNITS_SHOWN
from sijin.testing import d

START, END = d(6, 1), d(6, 30)
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
