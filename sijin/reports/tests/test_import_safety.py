"""Imports refuse what is not an .xlsx, or is too big to read, with a Chinese message and nothing saved."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from sijin.problems.models import Problem
from sijin.reports.imports import MAX_ROWS, problems_import, targets_import
from sijin.testing import client_for, post_form

NOT_EXCEL = "不是有效的 Excel 文件"
HEADER = ["帮扶对象", "问题", "发现日期"]


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in [["问题导入"], HEADER, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def named(data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = "问题.xlsx"
    return f


def run(world, data: bytes):
    return problems_import(actor=world.users["member"], campaign=world.campaign, source=named(data))


def bad_files() -> dict[str, bytes]:
    good = xlsx([["某村", "x", "2020-03-20"]])
    return {
        "html": "<!DOCTYPE html><html><body><table><tr><td>帮扶对象</td></tr></table></body></html>".encode(),
        "csv": "帮扶对象,问题,发现日期\n某村,路灯坏了,2020-03-20\n".encode(),
        "ole": bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504,
        "truncated": good[: len(good) // 2],
        "zip without a workbook": zipped({"word/document.xml": b"<w:document/>"}),
        "zip with a damaged part": good.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml"),
    }


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(bad_files()))
def test_it_refuses_a_file_that_is_not_an_xlsx(world, kind):
    data = bad_files()[kind]
    for service in (problems_import, targets_import):
        with pytest.raises(ValidationError) as caught:
            service(actor=world.users["office"], campaign=world.campaign, source=named(data))
        assert NOT_EXCEL in caught.value.messages[0]


def test_it_refuses_a_zip_bomb_from_its_directory_before_inflating_it(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"a" * (1024 * 1024)
            for _ in range(60):
                sheet.write(chunk)
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(ValidationError, match="解压后超过50MB"):
        run(world, data)


def test_it_refuses_a_30_mb_cell_as_its_rows_error(world):
    """The long text is a shared string written by hand (openpyxl writes inline strings)."""
    data = xlsx([[world.village.name, "PLACEHOLDER", "2020-03-20"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: src.read(info) for info in src.infolist()}
    inline = b'<c r="B3" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>'
    assert inline in parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        inline, b'<c r="B3" t="s"><v>0</v></c>'
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument'
        b'.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    text = "长" * (10 * 1024 * 1024)  # 30 MB in UTF-8
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        f"<si><t>{text}</t></si></sst>"
    ).encode()
    assert len(parts["xl/sharedStrings.xml"]) > 30 * 1024 * 1024
    result = run(world, zipped(parts))
    assert result.errors == ["第3行 第2列:“问题”超过2000字。"]
    assert result.created == 0


def test_it_refuses_too_many_rows(world):
    count = Problem.objects.count()
    rows = [[world.village.name, f"问题{i}", "2020-03-20"] for i in range(MAX_ROWS)]
    with pytest.raises(ValidationError, match=f"超过{MAX_ROWS}行"):
        run(world, xlsx(rows))
    assert Problem.objects.count() == count


def test_it_answers_a_bad_file_on_the_page_not_with_a_500(world):
    r = post_form(
        client_for("office"),
        "/reports/import/",
        {"what": "problems", "campaign": world.campaign.pk, "file": named(bad_files()["html"])},
    )
    assert r.status_code == 200
    assert NOT_EXCEL in r.content.decode()
