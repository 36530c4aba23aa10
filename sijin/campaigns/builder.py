"""The field builder: a target kind's attribute schema edited as rows (名称, 类型, 单位, 必填) instead of JSON.

The widget renders one row per schema entry plus a blank one, named ``<field>-<i>-<part>``; a small static script
(static/sijin/schema-builder.js) adds, removes and reorders rows. The rows are read back into exactly the
schema the services check (``attributes.validate_schema``): ``{"key", "label", "type", "unit", "required"}`` in
row order. A row's mistakes are shown next to it, in Chinese. A post without rows (a script, an old form) may
still send the schema as JSON in ``<field>`` itself.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from .attributes import validate_schema
from .models import AttributeType

PARTS = ("key", "label", "type", "unit", "required", "DELETE")
MAX_ROWS = 50
LABEL_MAX = 30
UNIT_MAX = 10
KEY_MAX = 32
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Row:
    """One attribute as the builder shows it; ``errors`` are the row's own mistakes."""

    key: str = ""
    label: str = ""
    type: str = AttributeType.TEXT.value
    unit: str = ""
    required: bool = False
    delete: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not (self.key or self.label or self.unit or self.required)


class Rows(list):
    """The rows posted by the builder (as opposed to a schema typed as JSON)."""


def rows_of(schema: Any) -> list[Row]:
    """The rows that show a stored schema (anything that is not a list shows no rows)."""
    if not isinstance(schema, list):
        return []
    return [
        Row(
            key=str(item.get("key", "")),
            label=str(item.get("label", "")),
            type=str(item.get("type", AttributeType.TEXT)),
            unit=str(item.get("unit") or ""),
            required=bool(item.get("required")),
        )
        for item in schema
        if isinstance(item, dict)
    ]


def rows_from_data(data: Any, name: str) -> Rows:
    """The posted rows in index order (the script renumbers rows when they are moved)."""
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{re.escape(name)}-(\d{{1,4}})-({'|'.join(PARTS)})$")
    for posted in data:
        match = pattern.match(posted)
        if match:
            found.setdefault(int(match[1]), {})[match[2]] = str(data.get(posted, ""))
    rows = Rows()
    for i in sorted(found):
        parts = found[i]
        rows.append(
            Row(
                key=parts.get("key", "").strip(),
                label=parts.get("label", "").strip(),
                type=parts.get("type", AttributeType.TEXT).strip(),
                unit=parts.get("unit", "").strip(),
                required="required" in parts,
                delete="DELETE" in parts,
            )
        )
    return rows


def schema_of(rows: list[Row]) -> tuple[list[dict], list[str]]:
    """The schema the rows make, and the page-level mistakes; each row's own go to ``row.errors``.

    Blank and deleted rows are left out; a new row without a code gets the next free ``attr<n>``.
    """
    kept = [r for r in rows if not r.delete and not r.blank]
    if len(kept) > MAX_ROWS:
        return [], [f"属性最多{MAX_ROWS}项。"]
    keys: set[str] = {r.key for r in rows if r.key}  # a deleted row's code is not given to a new row
    labels: set[str] = set()
    seen: set[str] = set()
    n = 0
    for row in kept:
        row.errors = []
        if not row.label:
            row.errors.append("请填写名称。")
        elif len(row.label) > LABEL_MAX:
            row.errors.append(f"名称不能超过{LABEL_MAX}个字。")
        elif row.label in labels:
            row.errors.append(f"名称“{row.label}”重复。")
        labels.add(row.label)
        if row.type not in AttributeType.values:
            row.errors.append("请选择类型。")
        if len(row.unit) > UNIT_MAX:
            row.errors.append(f"单位不能超过{UNIT_MAX}个字。")
        if not row.key:
            while not row.key or row.key in keys:
                n += 1
                row.key = f"attr{n}"
            keys.add(row.key)
        elif len(row.key) > KEY_MAX or not KEY_RE.match(row.key):
            row.errors.append(f"代码应以小写字母开头,只含小写字母、数字和下划线,不超过{KEY_MAX}个字符。")
        elif row.key in seen:
            row.errors.append(f"代码“{row.key}”重复。")
        seen.add(row.key)
    schema = [
        {"key": r.key, "label": r.label, "type": r.type, "unit": r.unit, "required": r.required} for r in kept
    ]
    return schema, []


def normalized(schema: Any) -> Any:
    """A stored schema as the builder would write it back, to tell whether anything was changed."""
    if not isinstance(schema, list):
        return schema
    return [
        {**item, "unit": item.get("unit") or "", "required": bool(item.get("required"))}
        if isinstance(item, dict)
        else item
        for item in schema
    ]


class SchemaBuilder(forms.Widget):
    """Rows of 代码, 名称, 类型, 单位, 必填 with add, remove and move buttons."""

    template_name = "admin/campaigns/schema_builder.html"

    class Media:
        css = {"all": ["sijin/schema-builder.css"]}
        js = ["sijin/schema-builder.js"]

    def value_from_datadict(self, data, files, name):
        if f"{name}-rows" in data:
            return rows_from_data(data, name)
        return data.get(name)  # the schema as JSON, from a post without the builder

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-rows" not in data and name not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, Rows):
            rows: list[Row] = list(value)
            schema_of(rows)  # marks each row's mistakes
            rows = [r for r in rows if not r.delete and not r.blank]
        else:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    value = []
            rows = rows_of(value)
        context["widget"].update(
            # (name prefix, row) pairs, and a blank row to fill in without the script.
            rows=[(f"{name}-{i}", row) for i, row in enumerate([*rows, Row()])],
            types=AttributeType.choices,
            max_rows=MAX_ROWS,
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates (the default form renderer only looks into Django's and the apps').
        return super().render(name, value, attrs, TemplatesSetting())


class SchemaBuilderField(forms.Field):
    """The schema from the builder's rows (or from JSON), checked as the services check it."""

    widget = SchemaBuilder

    def to_python(self, value):
        if isinstance(value, Rows):
            schema, errors = schema_of(value)
            if errors:
                raise ValidationError(errors)
            bad = [i for i, row in enumerate(r for r in value if not r.delete and not r.blank) if row.errors]
            if bad:
                raise ValidationError(
                    "属性定义第%(rows)s行有误,请按各行的提示修改。",
                    params={"rows": "、".join(str(i + 1) for i in bad)},
                )
            return schema
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationError("属性定义不是有效的JSON。") from None

    def validate(self, value):
        super().validate(value)
        try:
            validate_schema(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def has_changed(self, initial, data):
        try:
            value = self.to_python(data)
        except ValidationError:
            return True
        return normalized(initial or []) != normalized(value)
