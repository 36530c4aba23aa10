"""Import 帮扶对象 and 问题 from the spreadsheets offices already keep.

The layout is the ledgers' own (title row, header row, data), so an exported ledger imports back. Columns are
found by their header (the ledgers' ``Header`` constants), in any order; a column the import does not know is
refused with the list of those it knows, and every known column is either imported or its value refused —
none is read and then dropped (序号 is the sheet's own counter; 编号, 所在区划 and a problem's 工作组 are checked
against what the system has). Dates are read by ``sijin.core.dates.parse_date``; region codes are 12 digits,
or 6 (a county's, padded with zeros).

Every row is checked first (``import_check``: lookups only, nothing written). Up to SIJIN_IMPORT_INLINE_ROWS
rows are then created in the request, by the same service functions, each in a savepoint of one transaction
that is rolled back whole when any row failed (``import_inline``). A larger sheet is an ImportJob for the
worker (reports.tasks.import_task), which writes ``IMPORT_BATCH`` rows per transaction (``write_in_batches``)
and deletes what it wrote if a later row fails (``imported_delete``): all or nothing, without holding the
SQLite write lock for the whole file. Errors read “第N行 第M列:原因”, N and M as Excel shows them.
"""

import copy
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import IO, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.attributes import clean_attributes
from sijin.campaigns.models import Campaign, Category, Target, TargetKind, WorkGroup
from sijin.campaigns.services import check_date, target_create
from sijin.core.audit import audit_rows
from sijin.core.bulk import bulk_insert, collector_paused
from sijin.core.dates import parse_date
from sijin.core.models import AuditAction
from sijin.core.services import recorded_actor
from sijin.core.validators import validate_credit_code
from sijin.core.workdays import add_workdays
from sijin.directory.models import Organization, Person, Region, region_code
from sijin.problems.models import Action, Level, Problem, ProblemEvent, Status
from sijin.problems.notify import notify_step
from sijin.problems.services import EVENT_COLUMNS, EventRow, problem_events_insert, problem_report
from sijin.problems.workflow import TRANSITIONS, default_deadline_days, problem_transition

from .ledgers import PROBLEM_COLUMNS, TARGET_COLUMNS, Column, Header, Ledger, write_xlsx

MAX_HEADER_ROW = 5
M = TypeVar("M", bound=models.Model)


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


MAX_UNPACKED = 50 * 1024 * 1024  # bytes, all parts of the .xlsx together as its zip directory declares
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 2_000
NOT_EXCEL = "不是有效的 Excel 文件,请上传 .xlsx 格式的 Excel 文件。"
# What a damaged or foreign file makes zipfile, zlib, the XML parser or openpyxl raise while reading.
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    EOFError,
    OSError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
)


def _check_zip(source: IO[bytes] | str) -> None:
    """Refuse what is not an .xlsx, or declares more than ``MAX_UNPACKED`` bytes, before any part is read."""
    try:
        if not zipfile.is_zipfile(source):
            raise ValidationError(NOT_EXCEL)
        if not isinstance(source, str):
            source.seek(0)
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except READ_ERRORS as exc:
        raise ValidationError(NOT_EXCEL) from exc
    finally:
        if not isinstance(source, str):
            source.seek(0)
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise ValidationError(NOT_EXCEL)
    if sum(part.file_size for part in parts) > MAX_UNPACKED:
        raise ValidationError(
            f"文件解压后超过{MAX_UNPACKED // (1024 * 1024)}MB,内容过大,请删去无关的工作表、图片或分批导入。"
        )


@collector_paused()
def _read_rows(source: IO[bytes] | str) -> tuple[list[tuple], list[tuple[int, int]]]:
    """The first sheet's rows (at most ``MAX_ROWS``), over-long cells blanked and listed as (row, column)."""
    _check_zip(source)
    too_many = ValidationError(f"工作表超过{MAX_ROWS}行,请分批导入。")
    rows: list[tuple] = []
    too_long: list[tuple[int, int]] = []
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            if (ws.max_row or 0) > MAX_ROWS:  # the sheet's declared dimension
                raise too_many
            width = min(ws.max_column or MAX_COLUMNS, MAX_COLUMNS)
            for row_no, row in enumerate(
                ws.iter_rows(max_row=MAX_ROWS + 1, max_col=width, values_only=True), 1
            ):
                if row_no > MAX_ROWS:
                    if any(c not in (None, "") for c in row):
                        raise too_many
                    break
                long = [i for i, c in enumerate(row) if isinstance(c, str) and len(c) > MAX_CELL_CHARS]
                if long:
                    too_long.extend((row_no, i + 1) for i in long)
                    row = tuple(None if i in long else c for i, c in enumerate(row))
                rows.append(row)
        finally:
            wb.close()
    except READ_ERRORS as exc:
        raise ValidationError(NOT_EXCEL) from exc
    return rows, too_long


class Sheet:
    """The rows of the first sheet, with the header row found and columns addressed by header text.

    The file is checked before openpyxl sees it: a zip with ``xl/workbook.xml`` whose parts declare at most
    ``MAX_UNPACKED`` bytes in all (zipfile stops each part at its declared size, so a lying directory cannot
    inflate more), then read in read-only mode up to ``MAX_ROWS`` rows and ``MAX_COLUMNS`` columns. A cell
    longer than ``MAX_CELL_CHARS`` is dropped at once and becomes its row's error (``too_long``). A header
    not in ``allowed`` refuses the whole file, naming the headers that are."""

    def __init__(self, source: IO[bytes] | str, required: tuple[str, ...], allowed: list[str]):
        rows, too_long = _read_rows(source)
        self.header_row = next(
            (
                i
                for i, row in enumerate(rows[:MAX_HEADER_ROW], 1)
                if set(required) <= {str(c).strip() for c in row if c is not None}
            ),
            None,
        )
        if self.header_row is None:
            if too_long:
                row_no, col = too_long[0]
                raise ValidationError(f"第{row_no}行 第{col}列:超过{MAX_CELL_CHARS}字。")
            raise ValidationError(f"找不到表头行:表头须包含{'、'.join(required)}。")
        header = rows[self.header_row - 1]
        self.columns: dict[str, int] = {}
        for i, c in enumerate(header):
            name = "" if c is None else str(c).strip()
            if not name:
                continue
            if name not in allowed:
                raise ValidationError(
                    f"第{self.header_row}行 第{i + 1}列:不认识的列“{name[:50]}”。"
                    f"可导入的列为:{'、'.join(allowed)}。"
                )
            if name in self.columns:
                raise ValidationError(f"第{self.header_row}行 第{i + 1}列:列“{name}”重复。")
            self.columns[name] = i
        names = {i: name for name, i in self.columns.items()}
        #: (row, column, reason) for cells refused while reading; their rows are not imported
        self.refused = [
            (row_no, col, f"“{names.get(col - 1, f'第{col}列')}”超过{MAX_CELL_CHARS}字。")
            for row_no, col in too_long
            if row_no > self.header_row
        ]
        refused_rows = {row_no for row_no, _, _ in self.refused}
        self.rows = [
            (self.header_row + k, row)
            for k, row in enumerate(rows[self.header_row :], 1)
            if self.header_row + k not in refused_rows and any(c not in (None, "") for c in row)
        ]

    def col(self, header: str) -> int | None:
        """1-based column number of ``header``."""
        return self.columns[header] + 1 if header in self.columns else None

    def value(self, row: tuple, header: str) -> Any:
        i = self.columns.get(header)
        if i is None or i >= len(row):
            return None
        v = row[i]
        return v.strip() if isinstance(v, str) else v

    def text(self, row: tuple, header: str) -> str:
        v = self.value(row, header)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()


class _Errors:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.messages: list[str] = []

    def add(self, row_no: int, header: str, reason: str) -> None:
        col = self.sheet.col(header) or 1
        self.messages.append(f"第{row_no}行 第{col}列:{reason}")

    def missing(self, row_no: int, header: str) -> None:
        self.add(row_no, header, f"请填写“{header}”。")


def _one(qs: QuerySet[M], what: str, name: str) -> tuple[M | None, str]:
    found = list(qs[:2])
    if not found:
        return None, f"{what}“{name}”不存在。"
    if len(found) > 1:
        return None, f"{what}“{name}”有重名,无法确定是哪一个。"
    return found[0], ""


def _service_errors(
    errors: _Errors, row_no: int, exc: ValidationError, fields: dict[str, str], default: str
) -> None:
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            for m in messages:
                errors.add(row_no, fields.get(key, default), m)
    else:
        for m in exc.messages:
            errors.add(row_no, default, m)


@dataclass
class Checked:
    """A sheet checked row by row and nothing written: each good row's service arguments, and the errors."""

    sheet: Sheet
    create: Callable[..., models.Model]
    fields: dict[str, str]  # service field → header, to put the service's errors at their cells
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Writes many rows at once (their keys; the refused rows' errors added), instead of ``create`` row by row.
    create_many: Callable[[list[tuple[int, dict[str, Any]]], "_Errors"], list[int]] | None = None
    batch_size: int = 0  # rows per transaction of a background import (0: IMPORT_BATCH)


def _check(
    sheet: Sheet,
    read: Callable[[int, tuple, _Errors], dict[str, Any]],
    create: Callable[..., models.Model],
    fields: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Every row read by ``read``, which adds the row's errors and returns the service's arguments."""
    errors = _Errors(sheet)
    errors.messages = [f"第{row_no}行 第{col}列:{reason}" for row_no, col, reason in sheet.refused]
    checked = Checked(sheet, create, fields, errors=errors.messages)
    for n, (row_no, row) in enumerate(sheet.rows, 1):
        before = len(errors.messages)
        arguments = read(row_no, row, errors)
        if len(errors.messages) == before:
            checked.rows.append((row_no, arguments))
        if progress is not None:
            progress(n)
    return checked


def _create_rows(checked: Checked, rows: list[tuple[int, dict[str, Any]]], errors: _Errors) -> list[int]:
    """Create ``rows``, each in a savepoint, the service's errors put at the row's cells; their keys. A sheet
    with a bulk writer (``create_many``) writes them all at once, or none when a row is refused."""
    if checked.create_many is not None:
        return checked.create_many(rows, errors)
    keys = []
    for row_no, arguments in rows:
        try:
            with transaction.atomic():
                keys.append(checked.create(**arguments).pk)
        except ValidationError as exc:
            _service_errors(errors, row_no, exc, checked.fields, checked.fields["__all__"])
    return keys


def import_inline(checked: Checked) -> ImportResult:
    """Create every checked row in one transaction, rolled back whole when any row failed (here or in the
    check), so every row's errors are reported at once."""
    errors = _Errors(checked.sheet)
    errors.messages = list(checked.errors)
    with transaction.atomic():
        created = len(_create_rows(checked, checked.rows, errors))
        if errors.messages:
            created = 0
            transaction.set_rollback(True)
    return ImportResult(created, errors.messages)


IMPORT_BATCH = 200  # rows per transaction of a background import: a short hold of the SQLite write lock


def write_in_batches(
    checked: Checked, *, batch_size: int, on_batch: Callable[[list[int], int], None]
) -> list[str]:
    """Create the checked rows ``batch_size`` at a time, each batch one transaction that also runs
    ``on_batch(keys, rows done)`` (the job records the keys there, so they commit together). At the first
    batch with a refused row, that batch is rolled back and its errors returned; the caller deletes the
    batches before it (``imported_delete``). ``[]`` when every row was written."""
    rows = checked.rows
    for start in range(0, len(rows), batch_size):
        errors = _Errors(checked.sheet)
        with transaction.atomic():
            keys = _create_rows(checked, rows[start : start + batch_size], errors)
            if errors.messages:
                transaction.set_rollback(True)
                return errors.messages
            on_batch(keys, start + len(keys))
    return []


def imported_delete(what: str, keys: list[int]) -> None:
    """Take back the rows a failed background import wrote (their events go with them); in the caller's
    transaction, which also marks the job failed. Nothing else can hang on a problem minutes old but its
    events; a target someone reported a problem on meanwhile is protected, and the job fails with that."""
    if keys:
        model = Target if what == "targets" else Problem
        for start in range(0, len(keys), 900):  # SQLite's limit on query parameters
            model.objects.filter(pk__in=keys[start : start + 900]).delete()


# ---- 帮扶对象 -------------------------------------------------------------------------------------------------
TARGET_REQUIRED = (Header.KIND, Header.NAME, Header.REGION_CODE)
TARGET_FIELDS = {
    "name": Header.NAME,
    "kind": Header.KIND,
    "region": Header.REGION_CODE,
    "address": Header.ADDRESS,
    "credit_code": Header.CREDIT_CODE,
    "group": Header.GROUP,
    "responsible": Header.RESPONSIBLE,
    "contacts": Header.CONTACTS,
    "profile": Header.PROFILE,
    "__all__": Header.NAME,
}


def _target_headers(campaign: Campaign) -> list[str]:
    """The 帮扶对象 columns: the ledger's and every kind's attribute labels."""
    headers = [c.header for c in TARGET_COLUMNS]
    for kind in TargetKind.objects.filter(campaign=campaign).order_by("order"):
        headers += [item["label"] for item in kind.schema if item["label"] not in headers]
    return headers


def _read_region(sheet: Sheet, row: tuple, row_no: int, errors: _Errors) -> Region | None:
    text = sheet.text(row, Header.REGION_CODE)
    if not text:
        errors.missing(row_no, Header.REGION_CODE)
        return None
    code = region_code(text)
    region = Region.objects.filter(code=code).first() if code else None
    if code is None:
        errors.add(
            row_no,
            Header.REGION_CODE,
            f"区划代码“{text[:20]}”应为12位数字(也可写省2位、市4位、县6位、乡镇9位)。",
        )
    elif region is None:
        errors.add(row_no, Header.REGION_CODE, f"区划代码“{text}”不存在。")
    elif (named := sheet.text(row, Header.REGION)) and named != region.name:
        errors.add(row_no, Header.REGION, f"“{named}”与区划代码{text}({region.name})不符。")
    return region


def _targets_check(
    actor: User | None, campaign: Campaign, sheet: Sheet, progress: Callable[[int], None] | None
) -> Checked:
    kinds = {k.name: k for k in TargetKind.objects.filter(campaign=campaign)}
    all_labels = {item["label"] for k in kinds.values() for item in k.schema}
    writable = access.visible_groups_for_write(actor)

    def read(row_no: int, row: tuple, errors: _Errors) -> dict[str, Any]:
        kind_name, name = sheet.text(row, Header.KIND), sheet.text(row, Header.NAME)
        kind = kinds.get(kind_name)
        if not kind_name:
            errors.missing(row_no, Header.KIND)
        elif kind is None:
            errors.add(row_no, Header.KIND, f"对象类型“{kind_name}”不存在(可选:{'、'.join(kinds)})。")
        if not name:
            errors.missing(row_no, Header.NAME)
        region = _read_region(sheet, row, row_no, errors)
        credit = sheet.text(row, Header.CREDIT_CODE)
        if credit:
            try:
                validate_credit_code(credit.upper())
            except ValidationError as exc:
                errors.add(row_no, Header.CREDIT_CODE, ";".join(exc.messages))
        group = None
        if group_name := sheet.text(row, Header.GROUP):
            group, why = _one(
                WorkGroup.objects.filter(campaign=campaign, name=group_name), Header.GROUP, group_name
            )
            if why:
                errors.add(row_no, Header.GROUP, why)
            elif not writable.filter(pk=group.pk).exists():
                errors.add(row_no, Header.GROUP, f"无权向工作组“{group_name}”导入帮扶对象。")
        elif not access.is_admin(actor):
            errors.missing(row_no, Header.GROUP)
        responsible = None
        if person := sheet.text(row, Header.RESPONSIBLE):
            responsible, why = _one(Person.objects.filter(name=person), "人员", person)
            if why:
                errors.add(row_no, Header.RESPONSIBLE, why)
        attributes = {}
        if kind is not None:
            labels = {item["label"]: item["key"] for item in kind.schema}
            attributes = {
                key: sheet.text(row, label) for label, key in labels.items() if sheet.text(row, label)
            }
            for label in sorted(all_labels - set(labels)):
                if sheet.text(row, label):
                    errors.add(row_no, label, f"“{label}”不适用于对象类型“{kind.name}”,请清空。")
            try:
                clean_attributes(kind.schema, attributes)
            except ValidationError as exc:
                by_key = {v: k for k, v in labels.items()}
                for key, messages in exc.message_dict.items():
                    for m in messages:
                        errors.add(row_no, by_key.get(key, Header.KIND), m)
        return {
            "kind": kind,
            "name": name,
            "region": region,
            "group": group,
            "responsible": responsible,
            "address": sheet.text(row, Header.ADDRESS),
            "credit_code": credit,
            "attributes": attributes,
            "contacts": sheet.text(row, Header.CONTACTS),
            "profile": sheet.text(row, Header.PROFILE),
        }

    create = partial(target_create, actor=actor, campaign=campaign)
    return _check(sheet, read, create, TARGET_FIELDS, progress)


def targets_import(*, actor: User | None, campaign: Campaign, source: IO[bytes] | str) -> ImportResult:
    sheet = import_sheet("targets", campaign, source)
    return import_inline(_targets_check(actor, campaign, sheet, None))


# ---- 问题 -----------------------------------------------------------------------------------------------------
PROBLEM_REQUIRED = (Header.TARGET, Header.PROBLEM, Header.REPORTED_ON)
PROBLEM_FIELDS = {
    "title": Header.PROBLEM,
    "target": Header.TARGET,
    "category": Header.CATEGORY,
    "description": Header.DESCRIPTION,
    "reported_on": Header.REPORTED_ON,
    "level": Header.LEVEL,
    "handling_org": Header.HANDLING_ORG,
    "resolution": Header.RESOLUTION,
    "status": Header.STATUS,
    "__all__": Header.PROBLEM,
}
# The template's columns: the problem ledger's, and 办理结果 for a problem imported as 已办结.
PROBLEM_TEMPLATE_COLUMNS = [*PROBLEM_COLUMNS, Column(Header.RESOLUTION, 36)]
# The states a problem can be imported in, and the workflow action that brings it there from 已上报. The
# others are reached by the handling department's own steps (签收, 报告进展) or the group's 回访.
IMPORT_STATUSES = {Status.REPORTED: None, Status.ASSIGNED: "triage", Status.RESOLVED: "resolve_on_site"}


def problem_create(
    *,
    actor: User | None,
    status: str = Status.REPORTED,
    level: str = "",
    handling_org: Organization | None = None,
    resolution: str = "",
    **report: Any,
) -> Problem:
    """上报 (problems.services.problem_report), then 分级交办 or 现场解决 on the day it was found when the
    sheet says so (problems.workflow, so its events and audit rows are written like any other)."""
    problem = problem_report(actor=actor, **report)
    action = IMPORT_STATUSES[Status(status)]
    fields: dict[str, Any] = {}
    if action == "triage":
        fields = {"level": level, "handling_org": handling_org}
    elif action == "resolve_on_site":
        fields = {"resolution": resolution, **({"level": level} if level else {})}
    if action is None:
        return problem
    try:
        return problem_transition(
            actor=actor, problem=problem, action=action, on_date=problem.reported_on, **fields
        )
    except PermissionDenied as exc:
        raise ValidationError({"status": [str(exc)]}) from None
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}) from None


class _ProblemLookups:
    """What the rows of a 问题 sheet name, fetched once for the whole sheet — one query per table (or per slice,
    ``_slices``), never one per row: the targets by name, the groups the actor may write to, the 编号 already
    taken, the categories, the units by name and the regions above the targets (for the units a problem may be
    handed to, as ``routing_orgs`` offers them)."""

    def __init__(self, actor: User | None, campaign: Campaign, sheet: Sheet):
        def texts(header: str) -> set[str]:
            return {t for _, row in sheet.rows if (t := sheet.text(row, header))}

        # The targets with the fields a row needs, and their groups, regions and kinds one instance each, shared
        # by the targets that name them (not three more objects built for every target).
        self.targets: dict[str, list[Target]] = {}
        for names in _slices(texts(Header.TARGET)):
            for t in (
                Target.objects.filter(campaign=campaign, name__in=names)
                .only("name", "kind", "group", "region")
                .order_by("pk")
            ):
                self.targets.setdefault(t.name, []).append(t)
        named = [t for ts in self.targets.values() for t in ts]
        groups = WorkGroup.objects.in_bulk({t.group_id for t in named if t.group_id is not None})
        regions = Region.objects.in_bulk({t.region_id for t in named})
        kinds = TargetKind.objects.in_bulk({t.kind_id for t in named})
        for t in named:
            t.group, t.region, t.kind = groups.get(t.group_id), regions[t.region_id], kinds[t.kind_id]
        self.writable = set(access.visible_groups_for_write(actor).values_list("pk", flat=True))
        numbers = [int(n) for n in texts(Header.ID) if n.isascii() and n.isdigit() and len(n) < 10]
        self.taken: set[int] = set()
        for some in _slices(numbers):
            self.taken |= set(
                Problem.objects.filter(campaign=campaign, pk__in=some).values_list("pk", flat=True)
            )
        self.categories: dict[str, Category] = {}
        for names in _slices(texts(Header.CATEGORY)):
            ordering = Category._meta.ordering or ["pk"]
            for c in Category.objects.filter(campaign=campaign, name__in=names).order_by(*ordering):
                self.categories.setdefault(c.name, c)  # the first, as .first() would give
        self.orgs: dict[str, list[Organization]] = {}
        for names in _slices(texts(Header.HANDLING_ORG)):
            for o in Organization.objects.filter(name__in=names).order_by("name", "pk"):
                self.orgs.setdefault(o.name, []).append(o)
        # Each target region's ancestors, up the ``parent`` links as routing_orgs walks them, a level a query.
        self.parent: dict[str, str | None] = {code: r.parent_id for code, r in regions.items()}
        missing = {p for p in self.parent.values() if p and p not in self.parent}
        while missing:
            for some in _slices(missing):
                self.parent.update(Region.objects.filter(code__in=some).values_list("code", "parent_id"))
            missing = {p for p in self.parent.values() if p and p not in self.parent}

    def regions_up(self, code: str) -> set[str]:
        found: set[str] = set()
        node: str | None = code
        while node and node not in found:
            found.add(node)
            node = self.parent.get(node)
        return found

    def routing(self, target: Target, name: str) -> list[Organization]:
        """The units named ``name`` a problem of ``target`` may be handed to (``routing_orgs``)."""
        up = self.regions_up(target.region_id)
        dispatching = target.group.dispatching_org_id if target.group else None
        return [o for o in self.orgs.get(name, []) if o.region_id in up or o.pk == dispatching]


SLICE = 900  # names per IN (…) where the database limits a query's parameters (SQLite: 999)


def _slices(values: set | list) -> list[list]:
    """``values`` sorted, in as few lists as queries may take: slices of ``SLICE`` on SQLite, all at once on
    PostgreSQL, which has no such limit — and finds 帮扶对象 by name by reading all the campaign's (no index
    serves a name without its kind): at 125,000 targets 10,000 names in slices were 12 such reads, 0.6 s."""
    ordered = sorted(values)
    size = SLICE if connection.features.max_query_params else max(len(ordered), 1)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _one_of(found: list[M], what: str, name: str) -> tuple[M | None, str]:
    """``_one`` over rows already fetched."""
    if not found:
        return None, f"{what}“{name}”不存在。"
    if len(found) > 1:
        return None, f"{what}“{name}”有重名,无法确定是哪一个。"
    return found[0], ""


@collector_paused()
def _problems_check(
    actor: User | None, campaign: Campaign, sheet: Sheet, progress: Callable[[int], None] | None
) -> Checked:
    statuses = {str(Status(s).label): s for s in IMPORT_STATUSES}
    levels = {str(label): value for value, label in Level.choices}
    found = _ProblemLookups(actor, campaign, sheet)

    def read(row_no: int, row: tuple, errors: _Errors) -> dict[str, Any]:
        target_name, title = sheet.text(row, Header.TARGET), sheet.text(row, Header.PROBLEM)
        target = None
        if not target_name:
            errors.missing(row_no, Header.TARGET)
        else:
            targets = found.targets.get(target_name, [])
            if kind_name := sheet.text(row, Header.TARGET_KIND):
                targets = [t for t in targets if t.kind.name == kind_name]
            target, why = _one_of(targets, Header.TARGET, target_name)
            if target is None:
                errors.add(row_no, Header.TARGET, why)
            elif target.group_id is None or target.group_id not in found.writable:
                errors.add(
                    row_no,
                    Header.TARGET,
                    f"无权为“{target_name}”导入问题(须为本人可办理的工作组的帮扶对象)。",
                )
            else:
                for header, actual in (
                    (Header.GROUP, target.group.name),
                    (Header.REGION, target.region.name),
                ):
                    if (given := sheet.text(row, header)) and given != actual:
                        errors.add(
                            row_no, header, f"“{given}”与帮扶对象“{target_name}”的{header}“{actual}”不符。"
                        )
        if (number := sheet.text(row, Header.ID)) and (
            number.isascii() and number.isdigit() and len(number) < 10 and int(number) in found.taken
        ):
            errors.add(
                row_no,
                Header.ID,
                f"{Header.ID}为{number}的问题已在本行动中;导入只新增问题,请删去该行或清空“{Header.ID}”。",
            )
        if not title:
            errors.missing(row_no, Header.PROBLEM)
        raw_date, reported_on = sheet.value(row, Header.REPORTED_ON), None
        if raw_date in (None, ""):
            errors.missing(row_no, Header.REPORTED_ON)
        else:
            try:
                reported_on = parse_date(raw_date)
            except ValidationError as exc:
                errors.add(row_no, Header.REPORTED_ON, ";".join(exc.messages))
        category = None
        if category_name := sheet.text(row, Header.CATEGORY):
            category = found.categories.get(category_name)
            if category is None:
                errors.add(row_no, Header.CATEGORY, f"问题类别“{category_name}”不存在。")
        status_name = sheet.text(row, Header.STATUS) or str(Status.REPORTED.label)
        status = statuses.get(status_name)
        if status is None:
            errors.add(
                row_no,
                Header.STATUS,
                f"状态“{status_name[:20]}”不能导入,可导入:{'、'.join(statuses)}"
                "(其余状态由承办单位签收、办理或工作组回访后形成)。",
            )
        level = ""
        if level_name := sheet.text(row, Header.LEVEL):
            level = levels.get(level_name, "")
            if not level:
                errors.add(
                    row_no, Header.LEVEL, f"办理层级“{level_name[:20]}”不正确(可选:{'、'.join(levels)})。"
                )
        org = None
        if org_name := sheet.text(row, Header.HANDLING_ORG):
            if status is not None and status != Status.ASSIGNED:
                errors.add(
                    row_no,
                    Header.HANDLING_ORG,
                    f"状态为“{status_name[:20]}”时不能填写“{Header.HANDLING_ORG}”。",
                )
            elif target is not None:
                org, why = _one_of(found.routing(target, org_name), Header.HANDLING_ORG, org_name)
                if why:
                    errors.add(row_no, Header.HANDLING_ORG, f"{why[:-1]}或不在该问题可交办的范围内。")
        resolution = sheet.text(row, Header.RESOLUTION)
        if status == Status.ASSIGNED:
            for header, value in ((Header.LEVEL, level_name), (Header.HANDLING_ORG, org_name)):
                if not value:
                    errors.add(row_no, header, f"状态为“已交办”须填写“{header}”。")
        elif status == Status.RESOLVED and not resolution:
            errors.missing(row_no, Header.RESOLUTION)
        elif status == Status.REPORTED and level_name:
            errors.add(row_no, Header.LEVEL, f"状态为“已上报”的问题尚未交办,不能填写“{Header.LEVEL}”。")
        if resolution and status != Status.RESOLVED:
            errors.add(row_no, Header.RESOLUTION, f"只有状态为“已办结”的问题才填写“{Header.RESOLUTION}”。")
        return {
            "target": target,
            "title": title,
            "reported_on": reported_on,
            "category": category,
            "description": sheet.text(row, Header.DESCRIPTION),
            "status": status,
            "level": level,
            "handling_org": org,
            "resolution": resolution,
        }

    checked = _check(sheet, read, partial(problem_create, actor=actor), PROBLEM_FIELDS, progress)
    checked.create_many = partial(problems_create, actor=actor, campaign=campaign, fields=PROBLEM_FIELDS)
    checked.batch_size = IMPORT_BULK_BATCH
    return checked


IMPORT_BULK_BATCH = 2000  # rows per transaction of a background import written in bulk
# The columns full_clean leaves to the bulk writer: the foreign keys (each would be one query a row, and every
# one of them was just looked up, or is the actor).
_LOOKED_UP = [f.name for f in Problem._meta.concrete_fields if f.is_relation]


@collector_paused()
def problems_create(
    rows: list[tuple[int, dict[str, Any]]],
    errors: _Errors,
    *,
    actor: User | None,
    campaign: Campaign,
    fields: dict[str, str],
) -> list[int]:
    """``problem_create`` for many rows at once: the same problems, events, audit rows and notifications, written
    with one statement per table (``core.bulk``: COPY on PostgreSQL, one INSERT run for every row on SQLite)
    instead of some twenty queries a row.

    Each row is checked as ``problem_report`` and ``problem_transition`` check it (the date within the
    campaign, the fields, the actor's role for 分级交办 or 现场解决) before anything is written; a refused row
    adds its errors and nothing is written. Then: the problems; one 上报 event each and, for one imported as
    已交办 or 已办结, its 分级交办 / 现场解决 event (with the data the workflow records); one audit row per
    report and per step, as the services write them (``audit_rows``: the same chain, under one lock); and the
    step's notifications (problems.notify). The events and audit rows are written from their values
    (``problem_events_insert``, ``audit_rows``): no model instance is made for them."""
    by = recorded_actor(actor)
    today_deadline: dict[tuple[date, int], date] = {}

    def workdays_after(day: date, n: int) -> date:
        if (day, n) not in today_deadline:
            today_deadline[(day, n)] = add_workdays(day, n)
        return today_deadline[(day, n)]

    refusals: dict[date, list[str]] = {}  # check_date's verdict on each day the sheet names, once a day

    def check_day(day: date) -> None:
        if day not in refusals:
            try:
                check_date(campaign, day, "reported_on")
                refusals[day] = []
            except ValidationError as exc:
                refusals[day] = exc.message_dict["reported_on"]
        if refusals[day]:
            raise ValidationError({"reported_on": refusals[day]})

    made: list[tuple[Problem, str | None, dict[str, Any]]] = []  # (problem, step, the step's event data)
    refused = False
    # Each row's problem starts as a copy of this one (the campaign, the reporter, every default): copying an
    # instance costs a third of building one.
    new = Problem(campaign=campaign, created_by=by)
    for row_no, a in rows:
        target: Target = a["target"]
        day: date = a["reported_on"]
        problem = copy.copy(new)
        problem.target, problem.region = target, target.region
        problem.group = cast(WorkGroup, target.group)  # the check found it among those the actor writes to
        problem.category = a["category"]
        problem.title, problem.description, problem.reported_on = a["title"].strip(), a["description"], day
        step = IMPORT_STATUSES[Status(a["status"])]
        data: dict[str, Any] = {}
        try:
            check_day(day)
            if step is not None:
                _step_allowed(actor, problem, step)
            if step == "triage":
                org: Organization = a["handling_org"]
                days = default_deadline_days(problem)
                problem.status, problem.level, problem.handling_org = Status.ASSIGNED, a["level"], org
                problem.assigned_on, problem.deadline_days = day, days
                problem.deadline = workdays_after(day, days)
                problem.accept_by = workdays_after(day, campaign.accept_days)
                data = {"level": a["level"], "handling_org": {"id": org.pk, "name": str(org)}}
            elif step == "resolve_on_site":
                level = a["level"] or Level.ON_SITE
                if level not in (Level.ON_SITE, Level.GROUP):
                    raise ValidationError({"status": ["现场解决的办理层级应为现场解决或工作组协调。"]})
                problem.status, problem.level = Status.RESOLVED, level
                problem.resolution, problem.resolved_on = a["resolution"], day
                data = {"resolution": a["resolution"], **({"level": a["level"]} if a["level"] else {})}
            if step is not None:
                problem.version = 2  # reported, then the step
            # The check constraint (a deadline needs an assignment) holds by construction here, and checking it
            # would be one query a row.
            problem.full_clean(exclude=_LOOKED_UP, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            _service_errors(errors, row_no, exc, fields, fields["__all__"])
            refused = True
            continue
        made.append((problem, step, data))
    if refused or not made:
        return []
    problems = bulk_insert([p for p, _, _ in made], batch_size=500)
    # Events and audit rows written from their values (no instances): one 上报 each, then the steps, so their ids
    # run in the order they happened.
    reports: list[EventRow] = [
        (p.pk, "report", "", Status.REPORTED, p.description, {}, p.reported_on) for p in problems
    ]
    stepped = [(p, step, data) for p, step, data in made if step is not None]
    steps: list[EventRow] = [
        (
            p.pk,
            step,
            Status.REPORTED,
            p.status,
            p.resolution if step == "resolve_on_site" else "",
            data,
            p.reported_on,
        )
        for p, step, data in stepped
    ]
    step_ids = problem_events_insert(actor=actor, events=reports + steps)[len(reports) :]
    audit_rows(
        actor, AuditAction.PROBLEM_REPORT, Problem, [(p.pk, f"上报问题 {p.title}", {}) for p in problems]
    )
    if stepped:
        audit_rows(
            actor,
            AuditAction.PROBLEM_EVENT,
            Problem,
            [
                (p.pk, f"{Action.label_of(step)}:{p.title}", {"event": pk, "step": step})
                for (p, step, _), pk in zip(stepped, step_ids, strict=True)
            ],
        )
        for (p, _, _), pk, event in zip(stepped, step_ids, steps, strict=True):
            notify_step(
                actor=actor,
                problem=p,
                event=ProblemEvent(pk=pk, actor=by, **dict(zip(EVENT_COLUMNS, event, strict=True))),
            )
    return [p.pk for p in problems]


def _step_allowed(actor: User | None, problem: Problem, step: str) -> None:
    """The workflow's rule for the step from 已上报: the actor must act on the problem in a role the table
    names (``problem_transition``'s check, refused at the 状态 cell as ``problem_create`` refuses it)."""
    transition = TRANSITIONS[(Status.REPORTED, step)]
    if not access.acting_roles(actor, problem) & transition.roles:
        raise ValidationError({"status": [f"您无权对此问题执行“{Action.label_of(step)}”。"]})


def problems_import(*, actor: User | None, campaign: Campaign, source: IO[bytes] | str) -> ImportResult:
    sheet = import_sheet("problems", campaign, source)
    return import_inline(_problems_check(actor, campaign, sheet, None))


def import_sheet(what: str, campaign: Campaign, source: IO[bytes] | str) -> Sheet:
    """Read the first sheet of an upload for ``what`` (targets | problems), refusing unknown columns."""
    if what == "targets":
        return Sheet(source, TARGET_REQUIRED, _target_headers(campaign))
    return Sheet(source, PROBLEM_REQUIRED, [c.header for c in PROBLEM_TEMPLATE_COLUMNS])


def import_check(
    what: str,
    *,
    actor: User | None,
    campaign: Campaign,
    sheet: Sheet,
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Check every row of ``sheet`` (lookups only, nothing written); ``progress(n)`` after each row."""
    check = _targets_check if what == "targets" else _problems_check
    return check(actor, campaign, sheet, progress)


# ---- templates ------------------------------------------------------------------------------------------------
def target_template(kind: TargetKind, out: IO[bytes] | str) -> None:
    """An empty 帮扶对象 sheet for one kind: the ledger's columns and the kind's schema fields."""
    labels = [item["label"] for item in kind.schema]
    ledger = Ledger(
        "targets", f"帮扶对象导入模板({kind.name})", TARGET_COLUMNS + [Column(lb, 14) for lb in labels]
    )
    groups = WorkGroup.objects.filter(campaign=kind.campaign).order_by("name").values_list("name", flat=True)
    write_xlsx(
        ledger,
        out,
        f"{kind.campaign.name} 帮扶对象导入模板({kind.name}):“{Header.KIND}”填“{kind.name}”,"
        f"{Header.REGION_CODE}为12位",
        choices={Header.KIND: [kind.name], Header.GROUP: list(dict.fromkeys(groups))},
    )


def problem_template(out: IO[bytes] | str) -> None:
    """An empty 问题 sheet, with drop-downs on the coded columns (对象类型, 类别, 办理层级, 承办单位, 状态)."""
    ledger = Ledger("problems", "问题导入模板", PROBLEM_TEMPLATE_COLUMNS)

    def names(qs: QuerySet[Any]) -> list[str]:
        return list(dict.fromkeys(qs.order_by("name").values_list("name", flat=True)))

    write_xlsx(
        ledger,
        out,
        f"问题导入模板:必填 {'、'.join(PROBLEM_REQUIRED)}({Header.REPORTED_ON}如 2020-03-05);"
        f"{Header.STATUS}可填{'、'.join(str(Status(s).label) for s in IMPORT_STATUSES)},"
        f"已交办须填{Header.LEVEL}和{Header.HANDLING_ORG},已办结须填{Header.RESOLUTION}",
        choices={
            Header.TARGET_KIND: names(TargetKind.objects.all()),
            Header.CATEGORY: names(Category.objects.all()),
            Header.LEVEL: [str(label) for label in Level.labels],
            Header.HANDLING_ORG: names(Organization.objects.exclude(kind="office")),
            Header.STATUS: [str(Status(s).label) for s in IMPORT_STATUSES],
        },
    )
