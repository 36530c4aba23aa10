"""The command-line report actions: sijin export / import / briefing, on the small world (sijin/testing.py)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import load_workbook

from sijin.campaigns.models import Target


def export_visits(out, start: str, end: str) -> list[tuple]:
    """`sijin export visits` of the world's group from ``start`` to ``end`` (as typed); the sheet's data rows."""
    call_command(
        "export",
        "visits",
        "--group",
        "济宁市农业农村局",
        "--from",
        start,
        "--to",
        end,
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    return list(load_workbook(out).worksheets[0].iter_rows(min_row=3, values_only=True))


def test_it_writes_the_groups_briefing_for_a_unit_name(world, tmp_path):
    out = tmp_path / "简报.docx"
    stdout = io.StringIO()
    call_command(
        "briefing",
        "--group",
        "济宁市农业农村局",
        "--from",
        "2025-06-09",
        "--to",
        "2025-06-29",
        "-o",
        str(out),
        stdout=stdout,
    )
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "10余次" in text and "2万斤" in text and "三周" in text
    assert "已生成" in stdout.getvalue()


def test_it_refuses_a_group_name_that_names_no_group(world, tmp_path):
    with pytest.raises(CommandError, match="找不到工作组“潍坊”"):
        call_command(
            "briefing",
            "--group",
            "潍坊",
            "--from",
            "2020-03-09",
            "--to",
            "2020-03-29",
            "-o",
            str(tmp_path / "x.docx"),
        )


def test_it_exports_and_imports_from_the_command_line(world, tmp_path):
    rows = export_visits(tmp_path / "visits.xlsx", "2025-06-10", "2025-06-12")
    assert len(rows) == 3  # 10, 10 (10余次), 12 — not the collective visit on the 9th
    assert {r[6] for r in rows} >= {"10余次"}

    targets = tmp_path / "targets.xlsx"
    call_command("export", "targets", "-o", str(targets), stdout=io.StringIO())
    with pytest.raises(CommandError, match="未导入任何数据"):
        # The same names again in the same campaign: every row is a duplicate.
        call_command("import", "targets", str(targets), stdout=io.StringIO(), stderr=io.StringIO())
    assert Target.objects.count() == 3


def test_it_explains_a_file_without_the_expected_header(world, tmp_path):
    handling = tmp_path / "handling.xlsx"
    call_command("export", "handling", "-o", str(handling), stdout=io.StringIO())
    with pytest.raises(CommandError, match="找不到表头行:表头须包含类型、名称、区划代码"):
        call_command("import", "targets", str(handling), stdout=io.StringIO())


def test_it_writes_a_region_briefing_from_the_command_line(world, tmp_path):
    from django.core.management import call_command
    from docx import Document

    out = tmp_path / "region.docx"
    call_command(
        "briefing",
        "--region",
        "3708",
        "--targets",
        "--from",
        "2025-06-09",
        "--to",
        "2025-06-29",
        "-o",
        str(out),
    )
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert world.village.name in text and "2万斤" in text


def test_it_reads_dates_as_people_type_them_and_names_the_option_that_is_wrong(world, tmp_path):
    out = tmp_path / "visits.xlsx"
    assert len(export_visits(out, "2025/6/10", "2025年6月12日")) == 3
    with pytest.raises(CommandError, match=r"^--to 日期格式应为 YYYY-MM-DD"):
        call_command("export", "visits", "--to", "12/3/2020", "-o", str(out), stdout=io.StringIO())
