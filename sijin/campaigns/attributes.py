"""Target attributes checked against their kind's schema.

A schema entry: {"key": "investment", "label": "规划投资", "type": "quantity", "unit": "万元", "required": false}.
Quantities are stored as {"value": "18000", "unit": "万元", "qualifier": "", "as_typed": "1.8亿元"} so the
figure is comparable and the text is kept as the report gave it.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from sijin.core.dates import parse_date
from sijin.core.quantities import clean_decimal, format_quantity, parse_quantity

from .models import AttributeType

SCHEMA_KEYS = {"key", "label", "type", "unit", "required"}


def validate_schema(schema: list[dict]) -> None:
    if not isinstance(schema, list):
        raise ValidationError("属性定义应为列表。")
    seen = set()
    for i, item in enumerate(schema, 1):
        if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
            raise ValidationError("第%(i)d个属性缺少代码或名称。", params={"i": i})
        if item.get("type") not in AttributeType.values:
            raise ValidationError("属性“%(l)s”的类型不正确。", params={"l": item["label"]})
        if item["key"] in seen:
            raise ValidationError("属性代码“%(k)s”重复。", params={"k": item["key"]})
        seen.add(item["key"])


def clean_attributes(schema: list[dict], values: dict[str, Any]) -> dict[str, Any]:
    """Validate raw input (typically strings) against the schema; return what to store.

    Raises ValidationError keyed by attribute key, with messages naming the attribute.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    known = {item["key"] for item in schema}
    for key in values:
        if key not in known:
            errors.setdefault(key, []).append(f"未定义的属性“{key}”。")
    for item in schema:
        key, label, kind, unit = item["key"], item["label"], item["type"], item.get("unit", "")
        raw = values.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if item.get("required"):
                errors.setdefault(key, []).append(f"请填写“{label}”。")
            continue
        try:
            cleaned[key] = _clean_one(kind, unit, raw)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(f"“{label}”:{m}" for m in exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_one(kind: str, unit: str, raw: Any) -> Any:
    text = str(raw).strip()
    if kind == AttributeType.TEXT:
        return text
    if kind == AttributeType.BOOL:
        if text in {"是", "true", "True", "1", "有"}:
            return True
        if text in {"否", "false", "False", "0", "无"}:
            return False
        raise ValidationError("请填写“是”或“否”。")
    if kind == AttributeType.DATE:
        return parse_date(raw).isoformat()
    if kind in (AttributeType.NUMBER, AttributeType.PERCENT):
        try:
            number = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            raise ValidationError("应为数字,例如 100 或 85.5。") from None
        if kind == AttributeType.PERCENT and not 0 <= number <= 100:
            raise ValidationError("百分比应在0到100之间。")
        return str(clean_decimal(number))
    # A quantity: a number with an optional unit and qualifier, converted to the schema's unit.
    q = parse_quantity(text, default_unit=unit)
    value = q.to_unit(unit) if unit else q.value
    return {"value": str(value), "unit": unit or q.unit, "qualifier": q.qualifier, "as_typed": text}


def display_attributes(schema: list[dict], values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs in schema order, quantities as typed (1.8亿元, 3000多人)."""
    out = []
    for item in schema:
        if item["key"] not in values:
            continue
        v = values[item["key"]]
        if isinstance(v, dict):
            text = v.get("as_typed") or format_quantity(
                Decimal(v["value"]), v["unit"], v.get("qualifier", "")
            )
        elif isinstance(v, bool):
            text = "是" if v else "否"
        else:
            text = f"{v}{'%' if item['type'] == AttributeType.PERCENT else item.get('unit', '') if item['type'] == AttributeType.NUMBER else ''}"
        out.append((item["label"], text))
    return out
