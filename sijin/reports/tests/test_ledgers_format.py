"""Ledgers laid out to print and filter: title row, frozen header, auto-filter, A4 landscape fitted to the
width with the header rows repeated, a 合计 row under a quantity column, and drop-downs in the templates."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sijin.reports.imports import problem_template
from sijin.reports.ledgers import Column, Ledger, write_xlsx
from sijin.testing import client_for


def test_it_sets_up_a_ledger_to_filter_and_print(world):
    r = client_for("office").get("/reports/ledgers/problems.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:M{ws.max_row}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$2"


def test_it_sums_a_quantity_column():
    ledger = Ledger(
        "x", "成效", [Column("序号", 6, "int"), Column("次数", 8, "qty", "次")], [[1, 3], [2, (10, "余")]]
    )
    out = io.BytesIO()
    write_xlsx(ledger, out, "成效台账")
    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [c.value for c in ws[4]] == [2, 10] and ws["B4"].number_format == 'General"余次"'
    assert [c.value for c in ws[5]] == ["合计", "=SUBTOTAL(109,B3:B4)"]
    assert ws.auto_filter.ref == "A2:B4"  # the 合计 row stays out of the filter


def problem_template_book(tmp_path):
    path = tmp_path / "problems.xlsx"
    problem_template(str(path))
    return path


def test_it_offers_drop_downs_on_coded_columns(world, tmp_path):
    wb = load_workbook(problem_template_book(tmp_path))
    ws, options = wb.worksheets
    assert options.title == "选项" and options.sheet_state == "hidden"
    rules = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    assert set(rules) == {"D", "I", "K", "L", "M"}  # 对象类型, 类别, 办理层级, 承办单位, 状态
    column = rules["L"].formula1.split("$")[1]
    units = [c.value for c in options[column] if c.value]
    assert world.dept.name in units and world.office_org.name not in units
    assert all(dv.type == "list" and dv.showErrorMessage for dv in rules.values())


# Calc (Debian's libreoffice-calc) opens spreadsheets; .ci/run installs only Writer so far.
CALC = Path("/usr/lib/libreoffice/program/libsclo.so")


@pytest.mark.skipif(
    not shutil.which("soffice") or not CALC.exists(), reason="LibreOffice Calc is not installed"
)
def test_it_opens_in_libreoffice(world, tmp_path):
    path = problem_template_book(tmp_path)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
         "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert "问题导入模板" in (tmp_path / "problems.csv").read_text(encoding="utf-8", errors="replace")
