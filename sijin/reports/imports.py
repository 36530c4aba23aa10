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

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.attributes import clean_attributes
from sijin.campaigns.models import Campaign, Category, Target, TargetKind, WorkGroup
from sijin.campaigns.services import target_create
from sijin.core.dates import parse_date
from sijin.core.validators import validate_credit_code
from sijin.directory.models import Organization, Person, Region, region_code
from sijin.problems.forms import routing_orgs
from sijin.problems.models import Level, Problem, Status
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition

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
    """Create ``rows``, each in a savepoint, the service's errors put at the row's cells; their keys."""
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


def _problems_check(
    actor: User | None, campaign: Campaign, sheet: Sheet, progress: Callable[[int], None] | None
) -> Checked:
    writable = access.visible_groups_for_write(actor)
    statuses = {str(Status(s).label): s for s in IMPORT_STATUSES}
    levels = {str(label): value for value, label in Level.choices}

    def read(row_no: int, row: tuple, errors: _Errors) -> dict[str, Any]:
        target_name, title = sheet.text(row, Header.TARGET), sheet.text(row, Header.PROBLEM)
        target = None
        if not target_name:
            errors.missing(row_no, Header.TARGET)
        else:
            targets = Target.objects.filter(campaign=campaign, name=target_name).select_related(
                "group", "region"
            )
            if kind_name := sheet.text(row, Header.TARGET_KIND):
                targets = targets.filter(kind__name=kind_name)
            target, why = _one(targets, Header.TARGET, target_name)
            if why:
                errors.add(row_no, Header.TARGET, why)
            elif target.group_id is None or not writable.filter(pk=target.group_id).exists():
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
        if (number := sheet.text(row, Header.ID)) and Problem.objects.filter(
            campaign=campaign, pk=number if number.isascii() and number.isdigit() and len(number) < 10 else 0
        ).exists():
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
            category = Category.objects.filter(campaign=campaign, name=category_name).first()
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
                offered = routing_orgs(Problem(region=target.region, group=target.group))
                org, why = _one(offered.filter(name=org_name), Header.HANDLING_ORG, org_name)
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

    return _check(sheet, read, partial(problem_create, actor=actor), PROBLEM_FIELDS, progress)


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
