"""Chinese quantities as people write them: “1.8亿元”, “2万斤”, “3000多人”, “10余次”, “约3.5万元”.

A parsed quantity keeps what was typed (``raw``) and its vagueness (``qualifier``: 约/余/多); the value is
in the base unit (元, 斤, 人 …) so it can be converted to an indicator's unit such as 万元.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an
from django.core.exceptions import ValidationError

QUALIFIERS = ("约", "余", "多")
QUALIFIER_CHOICES = [("", "精确"), ("约", "约"), ("余", "余"), ("多", "多")]
MAGNITUDES = {
    "十": Decimal(10),
    "百": Decimal(100),
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "亿": Decimal(10**8),
}

_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿点]+"
_QUANTITY_RE = re.compile(
    rf"^(?P<pre>约|近|大约)?\s*(?P<num>{_NUMBER})\s*(?P<q1>余|多)?\s*(?P<mag>[十百千万亿]*)\s*(?P<q2>余|多)?\s*(?P<unit>\S*)$"
)


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    unit: str
    qualifier: str = ""
    raw: str = ""

    def to_unit(self, unit: str) -> Decimal:
        """Express the value in ``unit``, which may carry a magnitude prefix (万元 from 元)."""
        if unit == self.unit or not unit:
            return self.value
        if unit.endswith(self.unit) and all(c in MAGNITUDES for c in unit[: -len(self.unit) or None]):
            factor = Decimal(1)
            for c in unit[: -len(self.unit)]:
                factor *= MAGNITUDES[c]
            return clean_decimal(self.value / factor)
        raise ValidationError(
            "单位“%(u)s”无法换算为“%(t)s”。", code="unit", params={"u": self.unit, "t": unit}
        )

    def display(self) -> str:
        return self.raw or format_quantity(self.value, self.unit, self.qualifier)


def clean_decimal(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1.8E+8 → 180000000)."""
    return d.quantize(Decimal(1)) if d == d.to_integral() else d.normalize()


def _number(text: str) -> Decimal:
    try:
        if re.fullmatch(r"[0-9.]+", text):
            return Decimal(text)
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("无法识别数字“%(t)s”。", code="number", params={"t": text}) from exc


def parse_quantity(text: str, default_unit: str = "") -> Quantity:
    """Parse “3000多人” into Quantity(3000, "人", "多"). Raises ValidationError with a Chinese message."""
    raw = (text or "").strip().replace(",", "").replace(",", "")
    if not raw:
        raise ValidationError("请填写数值,例如“2万斤”“3.5万元”“3000多人”。", code="required")
    m = _QUANTITY_RE.match(raw)
    if not m:
        raise ValidationError(
            "无法识别“%(t)s”,请写成数字加单位,例如“2万斤”“1.8亿元”“3000多人”。",
            code="format",
            params={"t": raw},
        )
    value = _number(m["num"])
    for c in m["mag"]:
        value *= MAGNITUDES[c]
    unit = m["unit"] or default_unit
    qualifier = "约" if m["pre"] else (m["q1"] or m["q2"] or "")
    if value < 0:
        raise ValidationError("数值不能为负数。", code="negative")
    return Quantity(value=clean_decimal(value), unit=unit, qualifier=qualifier, raw=text.strip())


def format_quantity(value: Decimal | int | float, unit: str, qualifier: str = "") -> str:
    """Write a value back as a Chinese office would: 10余次, 约3.5万元, 200余亩."""
    text = f"{clean_decimal(Decimal(str(value))):f}"
    if qualifier == "约":
        return f"约{text}{unit}"
    return f"{text}{qualifier}{unit}"


def readable_total(total: Decimal, unit: str, qualifier: str = "") -> str:
    """A sum as the reports write it: 20000 斤 → 2万斤; units that already carry 万 stay as they are."""
    if unit and unit[0] not in MAGNITUDES and total >= 10_000:
        return format_quantity(clean_decimal(total / 10_000), f"万{unit}", qualifier)
    return format_quantity(total, unit, qualifier)
