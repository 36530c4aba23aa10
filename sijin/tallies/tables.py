"""The office's table of a form for one period: every group in the reader's scope × every field, the reported
figure beside the itemised one. The page and the .xlsx export read the same rows."""

from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sijin.campaigns.models import WorkGroup
from sijin.core.quantities import format_quantity
from sijin.core.xlsx import header_cells, print_setup, quantity_format, text_cell

from . import sources
from .models import TallyField, TallyForm, TallyReport, TallyStatus, TallyValue
from .periods import Period
from .totals import FieldTotal, reported_totals


@dataclass(frozen=True)
class Cell:
    field: TallyField
    value: TallyValue | None
    itemised: Decimal | None

    @property
    def reported(self) -> str:
        """The figure as the project writes figures (30余次), not as typed (30余), so a column reads alike."""
        if self.value is None or self.value.value is None:
            return ""
        return format_quantity(self.value.value, self.field.unit, self.value.qualifier)

    @property
    def itemised_text(self) -> str:
        return "" if self.itemised is None else format_quantity(self.itemised, self.field.unit)


@dataclass(frozen=True)
class Row:
    group: WorkGroup
    report: TallyReport | None
    cells: list[Cell]

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report else "未填报"

    @property
    def status_colour(self) -> str:
        return self.report.status_colour if self.report else "secondary"


@dataclass(frozen=True)
class Table:
    form: TallyForm
    period: Period
    fields: list[TallyField]
    rows: list[Row]
    totals: list[FieldTotal]

    @property
    def has_office(self) -> bool:
        """The office reported figures of its own for the period (shown apart from the groups' sum)."""
        return any(t.office is not None or t.tiers for t in self.totals)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.report and r.report.status == TallyStatus.SUBMITTED)


def tally_table(form: TallyForm, scope: QuerySet[WorkGroup], period: Period) -> Table:
    """The groups of ``scope`` (the reader's) in the form's campaign. One query for the reports, one for their
    values, one per sourced field for the itemised figures."""
    groups = list(scope.filter(campaign_id=form.campaign_id).order_by("name"))
    fields = list(form.fields.all())
    reports = {
        r.group_id: r
        for r in TallyReport.objects.filter(form=form, period_start=period.start, group__in=groups)
    }
    values = {
        (v.report_id, v.field_id): v
        for v in TallyValue.objects.filter(report__in=reports.values()).select_related("field")
    }
    registry = sources.registry(form.campaign)
    itemised: dict[int, dict[int, Decimal]] = {}
    for field in fields:
        if source := registry.get(field.source):
            itemised[field.pk] = sources.counts(form.campaign, source, groups, period.start, period.end)
    rows = []
    for group in groups:
        report = reports.get(group.pk)
        cells = [
            Cell(
                field,
                values.get((report.pk, field.pk)) if report else None,
                itemised[field.pk][group.pk] if field.pk in itemised else None,
            )
            for field in fields
        ]
        rows.append(Row(group, report, cells))
    totals = reported_totals(form.campaign, groups, period, form=form)
    return Table(form, period, fields, rows, totals)


def _number(ws, value: Decimal | None, unit: str, qualifier: str = "") -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=None if value is None else float(value) if value % 1 else int(value))
    cell.number_format = quantity_format(unit, qualifier)
    return cell


def tally_xlsx(table: Table, out: IO[bytes]) -> None:
    """The table as .xlsx: a title, a header row per field (报送, 其中录入明细), a row per group, 合计 of the
    submitted figures. Numbers are numbers (with their unit in the format), group names plain text."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.form.name[:31] or "报送")
    ws.freeze_panes = "C3"
    print_setup(ws)
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 10
    for i in range(len(table.fields) * 2):
        ws.column_dimensions[get_column_letter(i + 3)].width = 12
    title = text_cell(ws, f"{table.form.campaign.name} {table.form.name} {table.period.label}")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    headers = ["工作组", "状态"]
    for field in table.fields:
        headers += [f"{field.label}(报送)", "其中录入明细"]
    ws.append(header_cells(ws, headers))
    for row in table.rows:
        line = [text_cell(ws, row.group.name), text_cell(ws, row.status_label)]
        for field, c in zip(table.fields, row.cells, strict=True):
            v = c.value
            line.append(_number(ws, v.value if v else None, field.unit, v.qualifier if v else ""))
            line.append(_number(ws, c.itemised, field.unit))
        ws.append(line)
    total = [text_cell(ws, "合计(已报送)"), text_cell(ws, f"{table.submitted}/{len(table.rows)}")]
    for t in table.totals:
        total += [_number(ws, t.reported, t.field.unit, t.qualifier), _number(ws, t.itemised, t.field.unit)]
    for cell in total:
        cell.font = Font(bold=True)
    ws.append(total)
    wb.save(out)
