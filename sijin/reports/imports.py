"""Import 帮扶对象 and 问题 from the spreadsheets offices already keep.

The layout is the ledgers' own (title row, header row, data), so an exported ledger imports back. Columns are
found by their header (the ledgers' ``Header`` constants), in any order; unknown columns are ignored; dates
are read by ``sijin.core.dates.parse_date``. Every row is checked first — by the same service functions that
create the rows, each in a savepoint — and nothing is kept unless every row is valid (one transaction).
Errors read “第N行 第M列:原因”, N and M as Excel shows them.
"""

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
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
from sijin.directory.models import Organization, Person, Region
from sijin.problems.models import Level, Status
from sijin.problems.services import problem_report

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


class _Sheet:
    """The rows of the first sheet, with the header row found and columns addressed by header text.

    The file is checked before openpyxl sees it: a zip with ``xl/workbook.xml`` whose parts declare at most
    ``MAX_UNPACKED`` bytes in all (zipfile stops each part at its declared size, so a lying directory cannot
    inflate more), then read in read-only mode up to ``MAX_ROWS`` rows and ``MAX_COLUMNS`` columns. A cell
    longer than ``MAX_CELL_CHARS`` is dropped at once and becomes its row's error (``too_long``)."""

    def __init__(self, source: IO[bytes] | str, required: tuple[str, ...]):
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
        self.columns = {str(c).strip(): i for i, c in enumerate(header) if c is not None and str(c).strip()}
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
    def __init__(self, sheet: _Sheet):
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


def _import(
    sheet: _Sheet,
    read: Callable[[int, tuple, _Errors], dict[str, Any]],
    create: Callable[..., Any],
    fields: dict[str, str],
) -> ImportResult:
    """Every row checked by ``read`` (which adds the row's errors and returns the service's arguments) and,
    when it has none, created by ``create`` in a savepoint, the service's errors put at the row's cells
    (``fields``: field → header). One transaction, rolled back whole when any row failed."""
    errors, created = _Errors(sheet), 0
    errors.messages = [f"第{row_no}行 第{col}列:{reason}" for row_no, col, reason in sheet.refused]
    with transaction.atomic():
        for row_no, row in sheet.rows:
            before = len(errors.messages)
            arguments = read(row_no, row, errors)
            if len(errors.messages) > before:
                continue
            try:
                with transaction.atomic():
                    create(**arguments)
                created += 1
            except ValidationError as exc:
                _service_errors(errors, row_no, exc, fields, fields["__all__"])
        if errors.messages:
            created = 0
            transaction.set_rollback(True)
    return ImportResult(created, errors.messages)


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


def targets_import(*, actor: User | None, campaign: Campaign, source: IO[bytes] | str) -> ImportResult:
    sheet = _Sheet(source, TARGET_REQUIRED)
    kinds = {k.name: k for k in TargetKind.objects.filter(campaign=campaign)}
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
        code = sheet.text(row, Header.REGION_CODE)
        region = Region.objects.filter(code=code).first() if code else None
        if not code:
            errors.missing(row_no, Header.REGION_CODE)
        elif region is None:
            errors.add(row_no, Header.REGION_CODE, f"区划代码“{code}”不存在,应为12位统计用区划代码。")
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
    return _import(sheet, read, create, TARGET_FIELDS)


# ---- 问题 -----------------------------------------------------------------------------------------------------
PROBLEM_REQUIRED = (Header.TARGET, Header.PROBLEM, Header.REPORTED_ON)
PROBLEM_FIELDS = {
    "title": Header.PROBLEM,
    "target": Header.TARGET,
    "category": Header.CATEGORY,
    "description": Header.DESCRIPTION,
    "reported_on": Header.REPORTED_ON,
    "__all__": Header.PROBLEM,
}


def problems_import(*, actor: User | None, campaign: Campaign, source: IO[bytes] | str) -> ImportResult:
    sheet = _Sheet(source, PROBLEM_REQUIRED)
    writable = access.visible_groups_for_write(actor)

    def read(row_no: int, row: tuple, errors: _Errors) -> dict[str, Any]:
        target_name, title = sheet.text(row, Header.TARGET), sheet.text(row, Header.PROBLEM)
        target = None
        if not target_name:
            errors.missing(row_no, Header.TARGET)
        else:
            targets = Target.objects.filter(campaign=campaign, name=target_name)
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
        return {
            "target": target,
            "title": title,
            "reported_on": reported_on,
            "category": category,
            "description": sheet.text(row, Header.DESCRIPTION),
        }

    return _import(sheet, read, partial(problem_report, actor=actor), PROBLEM_FIELDS)


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
    ledger = Ledger("problems", "问题导入模板", PROBLEM_COLUMNS)

    def names(qs: QuerySet[Any]) -> list[str]:
        return list(dict.fromkeys(qs.order_by("name").values_list("name", flat=True)))

    write_xlsx(
        ledger,
        out,
        f"问题导入模板:必填 {'、'.join(PROBLEM_REQUIRED)}({Header.REPORTED_ON}如 2020-03-05)",
        choices={
            Header.TARGET_KIND: names(TargetKind.objects.all()),
            Header.CATEGORY: names(Category.objects.all()),
            Header.LEVEL: [str(label) for label in Level.labels],
            Header.HANDLING_ORG: names(Organization.objects.exclude(kind="office")),
            Header.STATUS: [str(label) for label in Status.labels],
        },
    )
