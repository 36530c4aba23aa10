"""Excel ledgers and imports: round trip, precise row errors, formula injection, scope."""

import ast
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Campaign, Target
from sijin.core.dates import DATE_FORMAT_ERROR
from sijin.problems.models import Problem
from sijin.problems.services import problem_report
from sijin.reports import imports
from sijin.reports.imports import problem_template, problems_import, target_template, targets_import
from sijin.reports.ledgers import PROBLEM_COLUMNS, TARGET_COLUMNS, Header, ledger_export


def export(kind: str, user, **filters) -> bytes:
    out = io.BytesIO()
    ledger_export(kind, user, out, **filters)
    return out.getvalue()


def sheet_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


def empty_copy_of(campaign: Campaign, admin, group_name: str) -> Campaign:
    """A new campaign with the same kinds, categories and a same-named group, and no targets."""
    new = campaigns.campaign_ensure(
        actor=admin, name="复制的行动", level=campaign.level, region=campaign.region, start=campaign.start
    )
    campaigns.campaign_configure(
        actor=admin,
        campaign=new,
        kinds=[
            {"code": k.code, "name": k.name, "focus": k.focus, "slogan": k.slogan, "schema": k.schema}
            for k in campaign.kinds.all()
        ],
        categories=[c.name for c in campaign.categories.all()],
    )
    old_group = campaign.groups.get(name=group_name)
    campaigns.group_ensure(
        actor=admin,
        campaign=new,
        name=group_name,
        dispatching_org=old_group.dispatching_org,
        region=old_group.region,
        tier=old_group.tier,
        start=old_group.start,
    )
    return new


def target_facts(campaign) -> set[tuple]:
    return {
        (
            t.kind.name,
            t.name,
            t.region_id,
            t.address,
            t.credit_code,
            t.group.name,
            t.responsible.name,
            t.contacts,
            t.profile,
            tuple(sorted((k, v["as_typed"] if isinstance(v, dict) else v) for k, v in t.attributes.items())),
        )
        for t in Target.objects.filter(campaign=campaign).select_related("kind", "group", "responsible")
    }


def problem_facts(campaign) -> set[tuple]:
    return {
        (p.target.name, p.title, p.description, p.category.name, p.reported_on)
        for p in Problem.objects.filter(campaign=campaign).select_related("target", "category")
    }


def test_it_round_trips_targets_and_problems_through_excel(world):
    admin, campaign = world.users["admin"], world.campaign
    targets_xlsx, problems_xlsx = export("targets", admin), export("problems", admin)
    new = empty_copy_of(campaign, admin, world.group.name)

    result = targets_import(actor=admin, campaign=new, source=io.BytesIO(targets_xlsx))
    assert result.errors == [] and result.created == 3
    result = problems_import(actor=admin, campaign=new, source=io.BytesIO(problems_xlsx))
    # 已签收, 办理中, 已销号 are not importable; 已办结 needs its 办理结果
    assert len(result.errors) == 4 and result.created == 0
    assert "第5行 第13列:状态“已签收”不能导入" in result.errors[0]
    result = problems_import(actor=admin, campaign=new, source=importable(problems_xlsx))
    assert result.errors == [] and result.created == 6

    assert target_facts(new) == target_facts(campaign)
    assert problem_facts(new) == problem_facts(campaign)
    routed = {
        (p.title, p.status, p.level, p.handling_org.name if p.handling_org else "", p.events.count())
        for p in Problem.objects.filter(campaign=new).select_related("handling_org")
    }
    dept = world.problems["assigned"].handling_org.name
    assert routed == {
        ("厂区安全出口被堵", "reported", "", "", 1),
        ("施工便道积水", "assigned", "county", dept, 2),
        ("管网材料进场受阻", "assigned", "county", dept, 2),
        ("雨污管道接驳点未定", "assigned", "county", dept, 2),
        ("灌溉机井缺电", "reported", "", "", 1),
        ("大蒜滞销", "reported", "", "", 1),
    }
    attrs = Target.objects.get(campaign=new, name=world.project.name).attributes
    assert attrs["investment"]["value"] == "26000" and attrs["scale"]["qualifier"] == "多"  # 2.6亿元, 500多人


def importable(problems_xlsx: bytes) -> io.BytesIO:
    """The problem ledger with the states the handler and the group reached by their own steps put back to
    the importable ones: 已签收/办理中 → 已交办; 已办结/已销号 → 已上报 (现场解决 is the group's own step, not
    the admin's)."""
    wb = load_workbook(io.BytesIO(problems_xlsx))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]
    status_col, level_col = header.index("状态") + 1, header.index("办理层级") + 1
    for row in range(3, ws.max_row + 1):
        status = ws.cell(row, status_col).value
        if status in ("已签收", "办理中"):
            ws.cell(row, status_col, "已交办")
        elif status in ("已销号", "已办结"):
            ws.cell(row, status_col, "已上报")
            ws.cell(row, level_col).value = None
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def bad_targets_file(world) -> io.BytesIO:
    kind = world.kinds["project"]
    out = io.BytesIO()
    target_template(kind, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]

    def row(**values):
        ws.append([values.get(h, "") for h in header])

    ok = {"类型": "项目", "区划代码": world.county.code, "工作组": world.group.name}
    row(**ok, 名称="新的泵站项目", 总投资="5000万元")  # row 3: valid
    row(**ok, 名称="")  # row 4: no name
    row(**{**ok, "类型": "工厂"}, 名称="某工厂")  # row 5: unknown kind
    row(**ok, 名称="信用代码错的项目", 统一社会信用代码="91371621MA3C000000")  # row 6: bad checksum
    row(**ok, 名称="投资写错的项目", 总投资="很多")  # row 7: not a quantity
    row(**{**ok, "区划代码": "379999000000"}, 名称="区划不存在的项目")  # row 8: no such region
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    return data


def test_it_reports_each_bad_row_precisely_and_imports_nothing(world):
    campaign = world.campaign
    before = Target.objects.count()
    result = targets_import(actor=world.users["member"], campaign=campaign, source=bad_targets_file(world))
    assert result.created == 0
    assert len(result.errors) == 5, result.errors
    name_col, kind_col, region_col, credit_col = 3, 2, 4, 7
    investment_col = 12
    assert result.errors[0] == f"第4行 第{name_col}列:请填写“名称”。"
    assert result.errors[1].startswith(f"第5行 第{kind_col}列:对象类型“工厂”不存在")
    assert result.errors[2].startswith(f"第6行 第{credit_col}列:")
    assert result.errors[3].startswith(f"第7行 第{investment_col}列:“总投资”")
    assert result.errors[4].startswith(f"第8行 第{region_col}列:区划代码“379999000000”不存在")
    assert Target.objects.count() == before  # not even the valid row 3


def test_it_refuses_an_import_into_a_group_outside_the_actors_scope(world):
    from sijin.testing import outsider

    campaign = world.campaign
    kind = campaign.kinds.get(code="village")
    out = io.BytesIO()
    target_template(kind, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    wb.worksheets[0].append(["", "乡村", "外人加的村", world.county.code, "", "", "", world.group.name])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    result = targets_import(actor=outsider(), campaign=campaign, source=data)
    assert result.errors == [f"第3行 第8列:无权向工作组“{world.group.name}”导入帮扶对象。"]
    assert not Target.objects.filter(name="外人加的村").exists()


def test_it_rejects_bad_problem_rows_with_their_cells(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题清单"])
    ws.append(["序号", "帮扶对象", "问题", "类别", "发现日期"])
    ws.append([1, world.village.name, "缺少冷库", "技术服务", "2025-03-20"])
    ws.append([2, "不存在的村", "x", "", "2025-03-20"])
    ws.append([3, world.village.name, "y", "没有的类别", "2025-3-xx"])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=data)
    assert result.errors == [
        "第4行 第2列:帮扶对象“不存在的村”不存在。",
        f"第5行 第5列:{DATE_FORMAT_ERROR}",
        "第5行 第4列:问题类别“没有的类别”不存在。",
    ]
    assert not Problem.objects.filter(title="缺少冷库").exists()


def test_it_reads_the_dates_people_type_in_a_problem_sheet(world):
    out = io.BytesIO()
    problem_template(out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]

    def row(title: str, reported_on) -> None:
        values = {Header.TARGET: world.village.name, Header.PROBLEM: title, Header.REPORTED_ON: reported_on}
        ws.append([values.get(h, "") for h in header])

    row("斜线日期", "2025/3/5")
    row("点号日期", "2025.3.6")
    row("中文日期", "2025年3月7日")
    row("单元格日期", datetime(2025, 3, 8))  # noqa: DTZ001 — a date-formatted Excel cell
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=data)
    assert result.errors == [] and result.created == 4
    found = dict(Problem.objects.filter(title__endswith="日期").values_list("title", "reported_on"))
    assert found == {
        "斜线日期": date(2025, 3, 5),
        "点号日期": date(2025, 3, 6),
        "中文日期": date(2025, 3, 7),
        "单元格日期": date(2025, 3, 8),
    }


def test_it_reads_the_headers_the_ledgers_write_typed_nowhere_else():
    assert set(imports.TARGET_REQUIRED) <= {c.header for c in TARGET_COLUMNS}
    assert set(imports.PROBLEM_REQUIRED) <= {c.header for c in PROBLEM_COLUMNS}
    headers = {v for k, v in vars(Header).items() if k.isupper()}
    source = ast.parse(Path(imports.__file__).read_text())
    literals = {
        node.value
        for node in ast.walk(source)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert literals & headers == set()


def test_it_neutralises_formula_injection(world):
    member = world.users["member"]
    target = world.village
    for title in ('=HYPERLINK("http://evil","点我")', "+1+1", "-2+3", "@SUM(A1)"):
        problem_report(actor=member, target=target, title=title, reported_on=date(2025, 3, 20))
    data = export("problems", member)
    titles = {row[6] for row in sheet_rows(data)[2:]}
    assert '=HYPERLINK("http://evil","点我")' in titles and "@SUM(A1)" in titles
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [
        c
        for row in ws.iter_rows(min_row=3)
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=+-@"
    ]
    assert len(cells) == 4
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_it_keeps_a_formula_like_group_name_in_the_title_as_text(world):
    admin, group = world.users["admin"], world.group
    evil = campaigns.group_ensure(
        actor=admin,
        campaign=group.campaign,
        name='=HYPERLINK("http://evil","点我")',
        dispatching_org=group.dispatching_org,
        region=group.region,
        tier=group.tier,
        start=group.start,
    )
    data = export("problems", admin, group=evil)
    title = load_workbook(io.BytesIO(data)).worksheets[0]["A1"]
    assert title.value == '=HYPERLINK("http://evil","点我")问题清单'
    assert title.data_type == "s" and title.quotePrefix and title.font.b
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def test_it_lays_out_a_ledger_with_title_frozen_header_and_dates(world):
    data = export(
        "handling",
        world.users["office"],
        group=world.group,
        start=date(2025, 6, 9),
        end=date(2025, 6, 29),
    )
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws.freeze_panes == "A3"
    assert ws["A1"].value == "济宁市农业农村局驻嘉祥县工作组办理清单(2025-06-09 至 2025-06-29)"
    assert [c.value for c in ws[2]][:4] == ["序号", "编号", "问题", "帮扶对象"]
    assert ws.column_dimensions["C"].width == 36
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    overdue = rows[world.overdue.title]
    assert overdue[0] in range(1, 7) and overdue[4] == "嘉祥县水务局"
    assert overdue[7].date() == world.overdue.deadline == date(2025, 6, 18)
    overdue_row = next(r for r in ws.iter_rows(min_row=3) if r[2].value == world.overdue.title)
    assert overdue_row[7].number_format == "yyyy-mm-dd"
    assert overdue[9] == "已组织设计单位现场踏勘。"
    assert overdue[11] == "超期"  # deadline 2025-06-18, still 办理中 today
    assert rows[world.problems["resolved"].title][11] is None  # solved on the spot, no deadline: a blank cell


def test_it_exports_each_ledger_within_the_users_scope(world):
    for kind, expected in (("problems", 6), ("handling", 6), ("effect", 6), ("targets", 3), ("visits", 4)):
        assert len(sheet_rows(export(kind, world.users["member"]))) - 2 == expected, kind
    assert len(sheet_rows(export("problems", world.users["handler"]))) - 2 == 3
    assert len(sheet_rows(export("visits", world.users["handler"]))) - 2 == 0
    effect = sheet_rows(export("effect", world.users["member"]))
    outcomes = next(r for r in effect if r[2] == world.problems["closed"].title)[7]
    assert "销售农产品2万斤" in outcomes and "新增产值10万元" in outcomes


@pytest.mark.parametrize("kind", ["problems", "targets", "visits"])
def test_it_gives_an_outsider_an_empty_ledger(world, kind):
    from sijin.testing import outsider

    assert len(sheet_rows(export(kind, outsider()))) == 2
