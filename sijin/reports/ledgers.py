"""台账 / 清单 as Excel, streamed: 问题清单, 办理清单, 问效清单, 帮扶对象台账, 走访台账.

Every ledger reads through the user's scope (sijin.accounts.access) and is written with openpyxl's
write-only workbook row by row from ``.iterator(chunk_size=…)``, so 100,000 rows need bounded memory.
Layout offices expect: a title row, a frozen header row with an auto-filter, 序号, column widths, dates as
dates, a 合计 row under a quantity column (``kind="qty"``: numbers, shown with their unit, 10余次), and a page
set up to print (A4 landscape, fitted to the width, the title and header rows on every page). Import
templates add drop-downs on coded columns (``choices``). Text that begins with = + - @ is stored as text with
a quote prefix, never as a formula (formula injection).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import IO, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from sijin.accounts import access
from sijin.campaigns.attributes import display_attributes
from sijin.campaigns.models import Target, TargetKind, WorkGroup
from sijin.core.xlsx import header_cells, print_setup, quantity_format, text_cell, text_value
from sijin.fieldwork.models import Visit
from sijin.problems.forms import ProblemFilterForm, filter_problems
from sijin.problems.models import Level, Light, Problem, ProblemEvent, Status
from sijin.problems.supervision import annotate_light

CHUNK = 2000
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    kind: str = "text"  # text | date | int | qty (a quantity: a number, or (number, qualifier); summed)
    unit: str = ""  # a quantity's unit, shown by the number format: 3次, 10余次


@dataclass
class Ledger:
    code: str
    name: str
    columns: list[Column]
    rows: Iterable[list[Any]] = field(default_factory=list)
    total: int = 0
    filters_text: str = ""  # the 问题台账 filters it was built with, in Chinese: 状态:办理中;区划:嘉祥县


class Header:
    """Column headers, typed once: the ledgers write them and the imports (reports.imports) find columns by them."""

    SEQ = "序号"
    ID = "编号"
    # 帮扶对象台账
    KIND = "类型"
    NAME = "名称"
    REGION_CODE = "区划代码"
    REGION = "所在区划"
    ADDRESS = "地址"
    CREDIT_CODE = "统一社会信用代码"
    GROUP = "工作组"
    RESPONSIBLE = "包保责任人"
    CONTACTS = "联系人"
    PROFILE = "基本情况"
    # 问题清单, 办理清单, 问效清单
    TARGET = "帮扶对象"
    TARGET_KIND = "对象类型"
    PROBLEM = "问题"
    DESCRIPTION = "问题描述"
    CATEGORY = "类别"
    REPORTED_ON = "发现日期"
    LEVEL = "办理层级"
    HANDLING_ORG = "承办单位"
    HANDLER = "承办人"
    ASSIGNED_ON = "交办日期"
    DEADLINE = "办结期限"
    MEASURES = "办理措施"
    PROGRESS = "办理进展"
    LIGHT = "亮灯"
    RESOLVED_ON = "办结日期"
    RESOLUTION = "办理结果"
    OUTCOMES = "成效"
    SATISFACTION = "满意度"
    STATUS = "状态"
    # 走访台账
    VISIT_DATE = "走访日期"
    VISIT_END_DATE = "截止日期"
    VISIT_TARGETS = "走访对象"
    MODE = "方式"
    OCCASIONS = "次数"
    PURPOSE = "事由"
    PARTICIPANTS = "参加人员"
    LEADERS = "陪同/带队领导"
    NOTES = "走访记录"


TARGET_COLUMNS = [
    Column(Header.SEQ, 6, "int"),
    Column(Header.KIND, 8),
    Column(Header.NAME, 30),
    Column(Header.REGION_CODE, 14),
    Column(Header.REGION, 12),
    Column(Header.ADDRESS, 24),
    Column(Header.CREDIT_CODE, 20),
    Column(Header.GROUP, 30),
    Column(Header.RESPONSIBLE, 12),
    Column(Header.CONTACTS, 16),
    Column(Header.PROFILE, 40),
]
PROBLEM_COLUMNS = [
    Column(Header.SEQ, 6, "int"),
    Column(Header.ID, 8, "int"),
    Column(Header.TARGET, 28),
    Column(Header.TARGET_KIND, 8),
    Column(Header.GROUP, 28),
    Column(Header.REGION, 10),
    Column(Header.PROBLEM, 36),
    Column(Header.DESCRIPTION, 40),
    Column(Header.CATEGORY, 12),
    Column(Header.REPORTED_ON, 12, "date"),
    Column(Header.LEVEL, 10),
    Column(Header.HANDLING_ORG, 20),
    Column(Header.STATUS, 8),
]
HANDLING_COLUMNS = [
    Column(Header.SEQ, 6, "int"),
    Column(Header.ID, 8, "int"),
    Column(Header.PROBLEM, 36),
    Column(Header.TARGET, 28),
    Column(Header.HANDLING_ORG, 20),
    Column(Header.HANDLER, 12),
    Column(Header.ASSIGNED_ON, 12, "date"),
    Column(Header.DEADLINE, 12, "date"),
    Column(Header.MEASURES, 36),
    Column(Header.PROGRESS, 40),
    Column(Header.STATUS, 8),
    Column(Header.LIGHT, 8),
]
EFFECT_COLUMNS = [
    Column(Header.SEQ, 6, "int"),
    Column(Header.ID, 8, "int"),
    Column(Header.PROBLEM, 36),
    Column(Header.TARGET, 28),
    Column(Header.HANDLING_ORG, 20),
    Column(Header.RESOLVED_ON, 12, "date"),
    Column(Header.RESOLUTION, 48),
    Column(Header.OUTCOMES, 30),
    Column(Header.SATISFACTION, 10),
    Column(Header.STATUS, 8),
]
VISIT_COLUMNS = [
    Column(Header.SEQ, 6, "int"),
    Column(Header.VISIT_DATE, 12, "date"),
    Column(Header.VISIT_END_DATE, 12, "date"),
    Column(Header.GROUP, 28),
    Column(Header.VISIT_TARGETS, 36),
    Column(Header.MODE, 10),
    Column(Header.OCCASIONS, 8),
    Column(Header.PURPOSE, 20),
    Column(Header.PARTICIPANTS, 24),
    Column(Header.LEADERS, 20),
    Column(Header.NOTES, 48),
]
KINDS = {
    "problems": "问题清单",
    "handling": "办理清单",
    "effect": "问效清单",
    "targets": "帮扶对象台账",
    "visits": "走访台账",
}
# The ledgers of problems: the ones the 问题台账's filters (``query``) apply to.
PROBLEM_KINDS = ("problems", "handling", "effect")


# ---- lights ---------------------------------------------------------------------------------------------------
def light_label(light: str) -> str:
    return Light.label_of(light) if light and light != Light.NONE else ""


# ---- the 问题台账's filters ------------------------------------------------------------------------------------
FILTER_MAX_CHARS = 200  # per value: longer is no filter anyone typed
PROBLEM_FILTERS = tuple(ProblemFilterForm.base_fields)  # the query's names the 问题台账 filters by
FILTER_LABELS = {"reported_from": "发现日期(起)", "reported_to": "发现日期(止)", "sort": "排序"}


@translation.override("zh-hans")
def problem_query(data: Mapping[str, Any]) -> dict[str, str]:
    """The 问题台账's filters out of a query (the list's GET, a job's stored filters): the filter form's fields
    only, one value each, blanks left out; what else the query holds (``page``, the 清单 page's period) is not
    a problem filter. A value longer than FILTER_MAX_CHARS is refused."""
    query: dict[str, str] = {}
    for name in PROBLEM_FILTERS:
        value = data.get(name)
        value = "" if value is None else str(value).strip()
        if len(value) > FILTER_MAX_CHARS:
            label = FILTER_LABELS.get(name) or str(ProblemFilterForm.base_fields[name].label)
            raise ValidationError(
                f"筛选条件“{label}”超过{FILTER_MAX_CHARS}字,未能导出。", code="filter_too_long"
            )
        if value:
            query[name] = value
    return query


@translation.override("zh-hans")
def problem_filter_form(user: access.Viewer, query: Mapping[str, str]) -> ProblemFilterForm:
    """The 问题台账's filter form bound to ``query``, on the user's visible problems as on the list (so a value
    is valid here exactly when the list offers it). A value the form refuses — out of the user's scope, no
    longer there, not a date — is refused in Chinese: an export must never quietly widen what was asked."""
    form = ProblemFilterForm(dict(query), user=user)
    if not form.is_valid():
        raise ValidationError(
            [
                f"筛选条件“{FILTER_LABELS.get(name) or form.fields[name].label}”的值“{str(query.get(name, ''))[:20]}”"
                "不存在或不在您的查看范围内,未能导出。"
                for name in form.errors
            ],
            code="filter_invalid",
        )
    return form


def problem_filters_text(form: ProblemFilterForm) -> str:
    """The filters of a valid form as a title says them: 关键词:“泵站”;状态:办理中;发现日期:2025-06-11至….
    The sort order is no filter."""
    data = form.cleaned_data
    parts: list[str] = []
    for name, value in data.items():
        if value in (None, "") or name in ("sort", "reported_from", "reported_to"):
            continue
        field_ = form.fields[name]
        if name == "q":
            shown = f"“{value}”"
        elif isinstance(field_, forms.ModelChoiceField):
            shown = getattr(value, "name", None) or str(value)
        else:
            shown = str(dict(getattr(field_, "choices", [])).get(value, value))
        parts.append(f"{field_.label}:{shown}")
    start, end = data.get("reported_from"), data.get("reported_to")
    if start or end:
        parts.append(f"发现日期:{start.isoformat() if start else '…'}至{end.isoformat() if end else '…'}")
    return ";".join(parts)


# ---- the ledgers ----------------------------------------------------------------------------------------------
def _problems(
    user: access.Viewer,
    group: WorkGroup | None = None,
    start: date | None = None,
    end: date | None = None,
    query: Mapping[str, str] | None = None,
) -> tuple[QuerySet, str]:
    """The user's visible problems narrowed by the 清单 page's period and by the 问题台账's filters (``query``,
    applied by the list's own ``filter_problems``), ordered as the list is when it was sorted; and the
    filters in words for the title."""
    qs: QuerySet[Problem] = Problem.objects.visible_to(user)
    if group is not None:
        qs = qs.filter(group=group)
    if start:
        qs = qs.filter(reported_on__gte=start)
    if end:
        qs = qs.filter(reported_on__lte=end)
    if not query:
        return qs.order_by("reported_on", "id"), ""
    form = problem_filter_form(user, query)
    qs = filter_problems(qs, form)
    ordering = form.order_by() if form.cleaned_data.get("sort") else ("reported_on", "id")
    return qs.order_by(*ordering), problem_filters_text(form)


def _date_filtered_visits(
    user: access.Viewer, group: WorkGroup | None = None, start: date | None = None, end: date | None = None
) -> QuerySet:
    qs = Visit.objects.visible_to(user)
    if group is not None:
        qs = qs.filter(group=group)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs.order_by("date", "id")


def problem_ledger(user: access.Viewer, **filters: Any) -> Ledger:
    """问题清单; ``filters``: the 清单 page's ``group``, ``start``, ``end`` and the 问题台账's ``query``.

    Its rows are tuples from one SELECT (the names joined in SQL), streamed (``iterator``: a server-side cursor
    on PostgreSQL), with the coded columns turned into words by a dict made once: no model instance per row."""
    problems, described = _problems(user, **filters)
    qs = problems.values_list(
        "id",
        "target__name",
        "target__kind__name",
        "group__name",
        "region__name",
        "title",
        "description",
        "category__name",
        "reported_on",
        "level",
        "handling_org__name",
        "status",
    )

    def rows() -> Iterator[list[Any]]:
        levels, statuses = _labels(Level), _labels(Status)  # in the language the file is written in
        for n, (pk, target, kind, group, region, title, text, category, day, level, org, status) in enumerate(
            qs.iterator(chunk_size=CHUNK), 1
        ):
            yield [
                n,
                pk,
                target,
                kind,
                group,
                region,
                title,
                text,
                category or "",
                day,
                levels.get(level, level),
                org or "",
                statuses.get(status, status),
            ]

    return Ledger("problems", KINDS["problems"], PROBLEM_COLUMNS, rows(), problems.count(), described)


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """The Chinese label of each value ("" for none), for a column of codes."""
    return {"": "", **{value: str(label) for value, label in choices.choices}}


def handling_ledger(user: access.Viewer, **filters: Any) -> Ledger:
    """办理清单, as the 问题清单 is read: tuples from one SELECT, the last 进展 a subquery in it."""
    last_progress = (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action="progress")
        .order_by("-at", "-id")
        .values("comment")[:1]
    )
    problems, described = _problems(user, **filters)
    # The light is computed by the database (problems.supervision), the same rule as the 督办 pages.
    annotated: QuerySet[Any] = annotate_light(problems.annotate(last_progress=Subquery(last_progress)))
    qs = annotated.values_list(
        "id",
        "title",
        "target__name",
        "handling_org__name",
        "handler__name",
        "assigned_on",
        "deadline",
        "measures",
        "last_progress",
        "status",
        "light",
    )

    def rows() -> Iterator[list[Any]]:
        statuses, lights = _labels(Status), {value: light_label(value) for value in Light.values}
        for n, (
            pk,
            title,
            target,
            org,
            handler,
            assigned,
            deadline,
            measures,
            progress,
            status,
            light,
        ) in enumerate(qs.iterator(chunk_size=CHUNK), 1):
            yield [
                n,
                pk,
                title,
                target,
                org or "",
                handler or "",
                assigned,
                deadline,
                measures,
                progress or "",
                statuses.get(status, status),
                lights.get(light, ""),
            ]

    return Ledger("handling", KINDS["handling"], HANDLING_COLUMNS, rows(), problems.count(), described)


def effect_ledger(user: access.Viewer, **filters: Any) -> Ledger:
    problems, described = _problems(user, **filters)
    qs = problems.select_related("target", "handling_org").prefetch_related("outcomes__indicator")

    def rows() -> Iterator[list[Any]]:
        for n, p in enumerate(qs.iterator(chunk_size=CHUNK), 1):
            outcomes = "、".join(f"{o.indicator.name}{o.display_value}" for o in p.outcomes.all())
            yield [
                n,
                p.id,
                p.title,
                p.target.name,
                p.handling_org.name if p.handling_org else "",
                p.resolved_on,
                p.resolution,
                outcomes,
                p.get_satisfaction_display() if p.satisfaction else "",
                p.get_status_display(),
            ]

    return Ledger("effect", KINDS["effect"], EFFECT_COLUMNS, rows(), qs.count(), described)


def attribute_labels(kinds: Iterable[TargetKind]) -> list[str]:
    labels: list[str] = []
    for kind in kinds:
        for item in kind.schema:
            if item["label"] not in labels:
                labels.append(item["label"])
    return labels


def target_ledger(
    user: access.Viewer,
    group: WorkGroup | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Ledger:
    """帮扶对象台账: targets have no date of their own, so the period does not narrow them."""
    qs = Target.objects.visible_to(user)
    if group is not None:
        qs = qs.filter(group=group)
    qs = qs.select_related("kind", "region", "group", "responsible").order_by("kind__order", "id")
    kinds = TargetKind.objects.filter(id__in=qs.values("kind_id")).order_by("campaign_id", "order")
    labels = attribute_labels(kinds)
    columns = TARGET_COLUMNS + [Column(label, 14) for label in labels]

    def rows() -> Iterator[list[Any]]:
        for n, t in enumerate(qs.iterator(chunk_size=CHUNK), 1):
            attrs = dict(display_attributes(t.kind.schema, t.attributes))
            yield [
                n,
                t.kind.name,
                t.name,
                t.region_id,
                t.region.name,
                t.address,
                t.credit_code,
                t.group.name if t.group else "",
                t.responsible.name if t.responsible else "",
                t.contacts,
                t.profile,
                *(attrs.get(label, "") for label in labels),
            ]

    return Ledger("targets", KINDS["targets"], columns, rows(), qs.count())


def visit_ledger(user: access.Viewer, **filters: Any) -> Ledger:
    qs = (
        _date_filtered_visits(user, **filters)
        .select_related("group")
        .prefetch_related("targets", "participants", "accompanying_leaders")
    )

    def rows() -> Iterator[list[Any]]:
        for n, v in enumerate(qs.iterator(chunk_size=CHUNK), 1):
            yield [
                n,
                v.date,
                v.end_date,
                v.group.name,
                "、".join(t.name for t in v.targets.all()),
                v.get_mode_display(),
                v.occasions_display,
                v.purpose,
                "、".join(p.name for p in v.participants.all()),
                "、".join(p.name for p in v.accompanying_leaders.all()),
                v.notes,
            ]

    return Ledger("visits", KINDS["visits"], VISIT_COLUMNS, rows(), qs.count())


BUILDERS: dict[str, Callable[..., Ledger]] = {
    "problems": problem_ledger,
    "handling": handling_ledger,
    "effect": effect_ledger,
    "targets": target_ledger,
    "visits": visit_ledger,
}


# Official documents are written in Chinese whatever language the page is shown in.
@translation.override("zh-hans")
def ledger_build(
    kind: str,
    user: access.Viewer,
    *,
    group: WorkGroup | None = None,
    start: date | None = None,
    end: date | None = None,
    query: Mapping[str, str] | None = None,
) -> Ledger:
    """The ledger ``kind`` of what ``user`` sees, for the 清单 page's period and, for the ledgers of problems,
    the 问题台账's filters ``query`` (see ``problem_query``). A filter the user may not use, or one given to a
    ledger that is not of problems, raises ValidationError in Chinese."""
    if kind not in BUILDERS:
        raise KeyError(kind)
    if not query:
        return BUILDERS[kind](user, group=group, start=start, end=end)
    if kind not in PROBLEM_KINDS:
        raise ValidationError(f"{KINDS[kind]}不能按问题台账的筛选条件导出。", code="filter_kind")
    return BUILDERS[kind](user, group=group, start=start, end=end, query=query)


def ledger_title(
    ledger: Ledger, *, group: WorkGroup | None = None, start: date | None = None, end: date | None = None
) -> str:
    """问题清单, 某工作组问题清单(2025-06-01 至 2025-06-30), 问题清单(状态:办理中;区划:嘉祥县)."""
    parts = [group.name if group is not None else "", ledger.name]
    if start or end:
        parts.append(f"({start.isoformat() if start else '…'} 至 {end.isoformat() if end else '…'})")
    if ledger.filters_text:
        parts.append(f"({ledger.filters_text})")
    return "".join(parts)


# ---- writing --------------------------------------------------------------------------------------------------
TITLE_COLUMN = Column("标题")


def _cell(ws, value: Any, column: Column) -> WriteOnlyCell:
    if column.kind == "qty":
        number, qualifier = value if isinstance(value, tuple) else (value, "")
        cell = WriteOnlyCell(ws, value=number)
        cell.number_format = quantity_format(column.unit, qualifier)
        return cell
    cell = text_cell(ws, value)
    if column.kind == "date" and value is not None:
        cell.number_format = DATE_FORMAT
    return cell


def _column_writer(ws, column: Column) -> Callable[[Any], Any]:
    """What ``ws.append`` is given for a value of ``column``. A plain value where one is enough — openpyxl writes
    those through one reused cell, the write-only floor — and a cell of its own only where the value needs one:
    a quantity (its number format), text that would read as a formula (``core.xlsx.text_value``), a date column
    holding anything but a date (a date is given yyyy-mm-dd, DATE_FORMAT, by openpyxl itself)."""
    if column.kind == "qty":
        return partial(_cell, ws, column=column)
    if column.kind == "date":
        return lambda value: value if value is None or value.__class__ is date else _cell(ws, value, column)
    return partial(text_value, ws)


@translation.override("zh-hans")
def write_xlsx(
    ledger: Ledger,
    out: IO[bytes] | str,
    title: str,
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
    *,
    choices: dict[str, list[str]] | None = None,
    blank_rows: int = 500,
) -> int:
    """Stream ``ledger`` into an .xlsx; return the number of data rows. ``progress(n)`` is called every ``every``
    rows. ``choices`` (an import template's) puts a drop-down of the given values on the columns with those
    headers, for ``blank_rows`` rows under the header."""
    wb = Workbook(write_only=True)
    wb.properties.title = title[:255]  # what the file says it is, with its filters (the sheet keeps the name)
    ws = wb.create_sheet(ledger.name[:31])
    ws.freeze_panes = "A3"
    print_setup(ws)
    for i, column in enumerate(ledger.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    title_cell = _cell(ws, title, TITLE_COLUMN)  # a group's name is user data: never a formula either
    title_cell.font = Font(bold=True, size=14)
    ws.append([title_cell])
    ws.append(header_cells(ws, [column.header for column in ledger.columns]))
    n = 0
    # How each column's values are written is decided here, once, not for every cell.
    writers = [_column_writer(ws, column) for column in ledger.columns]
    for n, row in enumerate(ledger.rows, 1):
        ws.append([write(value) for write, value in zip(writers, row, strict=False)])
        if progress and n % every == 0:
            progress(n)
    last = get_column_letter(len(ledger.columns))
    ws.auto_filter.ref = f"A2:{last}{n + 2}"
    _sum_row(ws, ledger.columns, n)
    if choices:
        _drop_downs(wb, ws, ledger.columns, choices, blank_rows)
    wb.save(out)
    if progress:
        progress(n)
    return n


def _sum_row(ws, columns: list[Column], n: int) -> None:
    """合计 under the data when a column is a quantity: SUBTOTAL(109, …) sums the rows the filter shows."""
    if n == 0 or not any(c.kind == "qty" for c in columns):
        return
    row: list[Any] = []
    for i, column in enumerate(columns, 1):
        if column.kind == "qty":
            letter = get_column_letter(i)
            cell = WriteOnlyCell(ws, value=f"=SUBTOTAL(109,{letter}3:{letter}{n + 2})")
            cell.number_format = quantity_format(column.unit)
        else:
            cell = WriteOnlyCell(ws, value="合计" if i == 1 else None)
        cell.font = Font(bold=True)
        row.append(cell)
    ws.append(row)


def _drop_downs(wb, ws, columns: list[Column], choices: dict[str, list[str]], blank_rows: int) -> None:
    """A list validation on each coded column, its values on a hidden sheet 选项 (a list written into the
    rule itself may not pass 255 characters: unit names would)."""
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    lists = [(header, values) for header, values in choices.items() if values]
    longest = max((len(values) for _, values in lists), default=0)
    for r in range(longest):
        options.append([values[r] if r < len(values) else None for _, values in lists])
    by_header = {c.header: i for i, c in enumerate(columns, 1)}
    for j, (header, values) in enumerate(lists, 1):
        if header not in by_header:
            continue
        letter, col = get_column_letter(j), get_column_letter(by_header[header])
        rule = DataValidation(
            type="list",
            formula1=f"{quote_sheetname('选项')}!${letter}$1:${letter}${len(values)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从下拉列表选择",
            error=f"“{header}”须为下拉列表中的一项。",
        )
        rule.add(f"{col}3:{col}{blank_rows + 2}")
        ws.data_validations.append(rule)


def ledger_export(
    kind: str,
    user: access.Viewer,
    out: IO[bytes] | str,
    *,
    group: WorkGroup | None = None,
    start: date | None = None,
    end: date | None = None,
    query: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    ledger = ledger_build(kind, user, group=group, start=start, end=end, query=query)
    return write_xlsx(ledger, out, ledger_title(ledger, group=group, start=start, end=end), progress)
