"""The cells every workbook Sijin writes shares (ledgers, 定期报送 tables, the audit log): text that Excel would
take for a formula kept as text (formula injection), the header row's look, quantities as offices write them
(3次, 10余次, 约3万元) and A4 printing. Workbooks are written write-only (streamed)."""

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A cell of ``value``; text starting like a formula stays text (shown with a quote prefix)."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl would make “=…” a formula
        cell.quotePrefix = True
    return cell


def text_value(ws: Any, value: Any) -> Any:
    """``value`` as ``ws.append`` takes it, made safe once: text starting like a formula as a text cell, anything
    else as it is (openpyxl then writes it through one reused cell, which is what makes a streamed sheet fast).
    For the rows of a large sheet; ``text_cell`` when the cell is styled anyway."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return text_cell(ws, value)
    return value


def header_cells(ws: Any, headers: list[str]) -> list[WriteOnlyCell]:
    """A header row: bold, shaded, centred and wrapped."""
    cells = []
    for header in headers:
        cell = text_cell(ws, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def quantity_format(unit: str, qualifier: str = "") -> str:
    """An Excel number format that shows a quantity as offices write it: 3次, 10余次, 约3次; the cell stays a
    number, so it sums."""
    unit = unit.replace('"', "")
    if qualifier == "约":
        return f'"约"General"{unit}"'
    return f'General"{qualifier}{unit}"' if unit or qualifier else "General"


def print_setup(ws: Any, title_rows: str = "1:2") -> None:
    """A4 landscape, all columns on the page's width, the title and header rows repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
