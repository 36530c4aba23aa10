"""Chinese quantities as people write them, and the ONE way Sijin writes them back.

Read: “1.8亿元”, “2万斤”, “3000多人”, “10余次”, “约3.5万元”, ranges (“1000-2000元”, “10至20万元”), rates
(“约40万元/天”, “每亩500元”), before → after (“年收入由9000元增至3万余元”), counts (“7户”, “120人次”) and a
status word (“50万元已到位”). A parsed quantity keeps what was typed (``raw``) and its vagueness (``qualifier``:
约/余/多); values are in the base unit (元, 斤, 米 …) so they convert to an indicator's unit such as 万元, and only
within one dimension (公斤 → 吨, never 吨 → 元).

Write: :func:`format_quantity` is used by every page, export and briefing. Large sums read the Chinese way
(35000元 → 3.5万元, 2460000余元 → 246余万元, 180000000元 → 1.8亿元) and ``parse_quantity`` reads back exactly
what it writes.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import cn2an
from django.core.exceptions import ValidationError
from django.utils import translation

QUALIFIERS = ("约", "余", "多")
QUALIFIER_CHOICES = [("", "精确"), ("约", "约"), ("余", "余"), ("多", "多")]
MAGNITUDES = {
    "十": Decimal(10),
    "百": Decimal(100),
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "亿": Decimal(10**8),
}
STATUSES = ("已到位", "待到位", "未到位", "已落实", "待落实", "已兑现", "已发放")
STATUS_CHOICES = [("", "(未注明)"), *((s, s) for s in STATUSES)]
MAX_TEXT = 50  # what people type for one figure (the Outcome.as_typed column)
MAX_VALUE = Decimal(10) ** 13  # 10万亿 in the base unit: above any sum a campaign reports

# What people type → the unit Sijin keeps. Synonyms only; magnitudes (万元, 万斤) are read separately.
UNIT_SYNONYMS = {
    "m": "米",
    "km": "公里",
    "千米": "公里",
    "kg": "公斤",
    "千克": "公斤",
    "t": "吨",
    "g": "克",
    "㎡": "平方米",
    "m2": "平方米",
    "m²": "平方米",
    "平米": "平方米",
    "月": "个月",
    "日": "天",
}
# A rate's period (“/月”, “每日”) is written without 个.
PER_SYNONYMS = {"个月": "月", "日": "天", "千克": "公斤", "kg": "公斤", "㎡": "平方米", "平米": "平方米"}
# Units that convert into each other, with their size in the dimension's first unit.
DIMENSIONS: dict[str, dict[str, Fraction]] = {
    "长度": {"米": Fraction(1), "厘米": Fraction(1, 100), "公里": Fraction(1000)},
    "重量": {"公斤": Fraction(1), "克": Fraction(1, 1000), "斤": Fraction(1, 2), "吨": Fraction(1000)},
    "面积": {
        "平方米": Fraction(1),
        "亩": Fraction(2000, 3),
        "公顷": Fraction(10_000),
        "平方公里": Fraction(10**6),
    },
    "月数": {"个月": Fraction(1), "年": Fraction(12)},
    "天数": {"天": Fraction(1), "周": Fraction(7)},
}
# Things counted one by one: 3.5户 is a typing error.
COUNT_UNITS = frozenset(
    {"户", "人", "人次", "家", "个", "次", "处", "名", "位", "件", "项", "台", "辆", "头", "只"}
)

_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿点]+"
_UNIT = r"[^\s0-9/每]{0,6}"
_SIMPLE_RE = re.compile(
    rf"^(?P<pre>约|近|大约)?\s*(?P<num>{_NUMBER})\s*(?P<q1>余|多)?\s*(?P<mag>[十百千万亿]*)\s*(?P<q2>余|多)?\s*"
    rf"(?P<unit>{_UNIT})$"
)
_STATUS_RE = re.compile(rf"^(?P<rest>.+?)[\s,,;;]*[((]?(?P<status>{'|'.join(STATUSES)})[))]?$")
_STATUS_FIRST_RE = re.compile(rf"^[((]?(?P<status>{'|'.join(STATUSES)})[))]?[\s,,::]*(?P<rest>.+)$")
_VERBS_UP = (
    "增至",
    "增加到",
    "增加至",
    "增长到",
    "增长至",
    "提高到",
    "提高至",
    "提升到",
    "提升至",
    "上升到",
    "升至",
    "达到",
)
_VERBS_DOWN = ("降至", "降到", "减少到", "减少至", "下降到", "下降至", "减至")
_CHANGE_RE = re.compile(
    rf"^(?P<label>[^0-9由从]{{0,20}}?)(?:由|从)\s*(?P<before>.+?)\s*(?:{'|'.join(_VERBS_UP + _VERBS_DOWN)})\s*"
    rf"(?P<after>.+)$"
)
_PER_AFTER_RE = re.compile(r"^(?P<rest>.+?)\s*(?:/|每)\s*(?P<per>[^\s0-9/]{1,4})$")
_PER_BEFORE_RE = re.compile(
    r"^每\s*(?P<per>[^\s0-9约近]{1,4}?)\s*(?P<rest>(?:约|近|大约)?[0-9零〇一二两三四五六七八九十].*)$"
)
_RANGE_RE = re.compile(r"^(?P<low>.+?)\s*(?:-|~|～|—|–|至|到)\s*(?P<high>.+)$")
_PREFIX_RE = re.compile(r"^(?P<prefix>[十百千]?[万亿]+)(?P<base>.+)$")  # 万元, 千万元, 亿元; not 百分点
EXAMPLES = "“2万斤”“3.5万元”“3000多人”“1000-2000元”“约40万元/天”“由9000元增至3万余元”"


@dataclass(frozen=True)
class Quantity:
    """A figure as a report writes it. ``value`` is the amount (the low end of a range, the “after” of a change);
    ``value_high`` the top of a range; ``per`` the period or basis of a rate (天, 年, 亩, 人); ``value_before``
    the starting point of a change; ``status`` a word such as 已到位. All values are in ``unit``."""

    value: Decimal
    unit: str
    qualifier: str = ""
    raw: str = field(default="", compare=False)
    value_high: Decimal | None = None
    per: str = ""
    value_before: Decimal | None = None
    qualifier_before: str = ""
    status: str = ""
    label: str = ""

    def to_unit(self, unit: str) -> Decimal:
        """Express the value in ``unit``, which may carry a magnitude prefix (万元 from 元, 吨 from 斤)."""
        return convert(self.value, self.unit, unit)

    def in_unit(self, unit: str) -> "Quantity":
        """The whole quantity (range, before value) expressed in ``unit``."""
        if not unit:
            return self
        high, before = self.value_high, self.value_before
        return replace(
            self,
            value=convert(self.value, self.unit, unit),
            value_high=None if high is None else convert(high, self.unit, unit),
            value_before=None if before is None else convert(before, self.unit, unit),
            unit=unit,
        )

    def display(self) -> str:
        return format_quantity(
            self.value,
            self.unit,
            self.qualifier,
            value_high=self.value_high,
            per=self.per,
            value_before=self.value_before,
            qualifier_before=self.qualifier_before,
            status=self.status,
            label=self.label,
        )


def clean_decimal(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1.8E+8 → 180000000)."""
    return d.quantize(Decimal(1)) if d == d.to_integral() else d.normalize()


# ---- units ----------------------------------------------------------------------------------------------------
def canonical_unit(unit: str) -> str:
    u = unit.strip()
    return UNIT_SYNONYMS.get(u.lower(), UNIT_SYNONYMS.get(u, u))


def split_unit(unit: str) -> tuple[Decimal, str]:
    """万元 → (10000, 元); 千米 → (1, 公里) (a unit of its own); 斤 → (1, 斤)."""
    u = unit.strip()
    factor = Decimal(1)
    if (m := _PREFIX_RE.match(u)) and canonical_unit(u) == u:
        for c in m["prefix"]:
            factor *= MAGNITUDES[c]
        u = m["base"]
    return factor, canonical_unit(u)


def _dimension(unit: str) -> str:
    return next((name for name, units in DIMENSIONS.items() if unit in units), "")


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``to``; refuses to cross dimensions (吨 → 元) in Chinese."""
    if not to or unit == to:
        return value
    f_from, base_from = split_unit(unit)
    f_to, base_to = split_unit(to)
    if base_from == base_to:
        ratio = Fraction(f_from) / Fraction(f_to)
    elif (dim := _dimension(base_from)) and dim == _dimension(base_to):
        sizes = DIMENSIONS[dim]
        ratio = Fraction(f_from) * sizes[base_from] / (Fraction(f_to) * sizes[base_to])
    else:
        raise ValidationError(
            "单位“%(u)s”无法换算为“%(t)s”:两者不是同一类单位。", code="unit", params={"u": unit, "t": to}
        )
    exact = Fraction(value) * ratio
    result = Decimal(exact.numerator) / Decimal(exact.denominator)
    if not _terminates(exact.denominator):  # 1平方米 in 亩: round where the database would
        result = result.quantize(Decimal("0.0001"))
    return clean_decimal(result)


def _terminates(denominator: int) -> bool:
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    return denominator == 1


# ---- reading ----------------------------------------------------------------------------------------------------
def _number(text: str) -> Decimal:
    try:
        if re.fullmatch(r"[0-9.]+", text):
            return Decimal(text)
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("无法识别数字“%(t)s”。", code="number", params={"t": text}) from exc


@dataclass(frozen=True)
class _Simple:
    number: Decimal  # before the magnitude
    factor: Decimal  # 万 → 10000
    unit: str  # canonical, "" when not written
    qualifier: str
    about: bool  # 约 written in front

    @property
    def value(self) -> Decimal:
        return self.number * self.factor


def _format_error(text: str) -> ValidationError:
    return ValidationError(
        "无法识别“%(t)s”,请写成数字加单位,例如" + EXAMPLES + "。", code="format", params={"t": text}
    )


def _simple(text: str) -> _Simple:
    m = _SIMPLE_RE.match(text.strip())
    if not m:
        raise _format_error(text)
    mag, unit = m["mag"], m["unit"]
    for k in range(len(mag)):  # 5千克, 3千米: 千 belongs to the unit
        if (mag[k:] + unit).lower() in UNIT_SYNONYMS and not m["q2"]:
            mag, unit = mag[:k], mag[k:] + unit
            break
    factor = Decimal(1)
    for c in mag:
        factor *= MAGNITUDES[c]
    q = m["q1"] or m["q2"] or ""
    return _Simple(_number(m["num"]), factor, canonical_unit(unit), "约" if m["pre"] else q, bool(m["pre"]))


def _amount(text: str, default_unit: str) -> tuple[Decimal, Decimal | None, str, str]:
    """One amount or a range: (low, high, unit, qualifier)."""
    r = _RANGE_RE.match(text)
    if r:
        try:
            low, high = _simple(r["low"]), _simple(r["high"])
        except ValidationError:
            low = high = None  # type: ignore[assignment]
        if low is not None and high is not None:
            if low.qualifier in ("余", "多"):
                raise ValidationError("区间的下限不要写“余”“多”,例如“10-20余万元”。", code="range")
            if high.about:
                raise ValidationError("“约”请写在区间最前面,例如“约10-20万元”。", code="range")
            unit = high.unit or low.unit or canonical_unit(default_unit)
            low_value = low.value
            if low.factor == 1 and not low.unit:
                # “10-20万元” means 10万 to 20万; so “5000-2万元” is refused below: write “5000元-2万元”
                low_value = low.number * high.factor
            elif low.unit and high.unit and low.unit != high.unit:
                low_value = convert(low_value, low.unit, high.unit)
            if low_value >= high.value:
                raise ValidationError(
                    "区间“%(t)s”的下限应小于上限。", code="range", params={"t": text.strip()}
                )
            return low_value, high.value, unit, low.qualifier or high.qualifier
    s = _simple(text)
    return s.value, None, s.unit or canonical_unit(default_unit), s.qualifier


def _rate(text: str) -> tuple[str, str]:
    """(the amount, the period) of “40万元/天”, “3万元每年” or “每亩500元”; no period → (text, "")."""
    if m := _PER_BEFORE_RE.match(text):
        return m["rest"], PER_SYNONYMS.get(m["per"], m["per"])
    if m := _PER_AFTER_RE.match(text):
        return m["rest"], PER_SYNONYMS.get(m["per"], m["per"])
    return text, ""


def parse_quantity(text: str, default_unit: str = "") -> Quantity:
    """Parse what people type into a Quantity; raises ValidationError with a Chinese message.

    “3000多人” → Quantity(3000, "人", "多"); “10-20万元” → value 100000, value_high 200000;
    “约40万元/天” → per "天"; “由9000元增至3万余元” → value_before 9000, value 30000, qualifier 余.
    """
    typed = (text or "").strip()
    raw = typed.replace(",", "").replace(",", "")
    if not raw:
        raise ValidationError("请填写数值,例如" + EXAMPLES + "。", code="required")
    if len(typed) > MAX_TEXT:
        raise ValidationError("数值最多%(n)s个字。", code="max_length", params={"n": MAX_TEXT})
    status = ""
    if m := _STATUS_RE.match(raw) or _STATUS_FIRST_RE.match(raw):
        raw, status = m["rest"].strip(), m["status"]
    label, before_text = "", ""
    if m := _CHANGE_RE.match(raw):
        label, before_text, raw = m["label"].strip(), m["before"], m["after"]
    amount_text, per = _rate(raw)
    value, high, unit, qualifier = _amount(amount_text, default_unit)
    before = None
    qualifier_before = ""
    if before_text:
        before_amount, before_per = _rate(before_text)
        if before_per and per and before_per != per:
            raise ValidationError("变化前后的计量周期不一致。", code="per")
        per = per or before_per
        b_low, b_high, b_unit, qualifier_before = _amount(before_amount, unit)
        if b_high is not None:
            raise ValidationError("变化前的数值请写一个数,不要写区间。", code="before")
        before = convert(b_low, b_unit, unit) if b_unit and unit else b_low
    for v in (value, high, before):
        if v is not None and v < 0:
            raise ValidationError("数值不能为负数。", code="negative")
        if v is not None and v >= MAX_VALUE:
            raise ValidationError("数值过大,请核对单位。", code="max_value")
    if unit in COUNT_UNITS and any(v is not None and v != v.to_integral() for v in (value, high, before)):
        raise ValidationError("“%(u)s”数应为整数。", code="count", params={"u": unit})
    return Quantity(
        value=clean_decimal(value),
        unit=unit,
        qualifier=qualifier,
        raw=typed,
        value_high=None if high is None else clean_decimal(high),
        per=per,
        value_before=None if before is None else clean_decimal(before),
        qualifier_before=qualifier_before,
        status=status,
        label=label,
    )


# ---- writing ----------------------------------------------------------------------------------------------------
def _magnitude(value: Decimal) -> tuple[Decimal, str]:
    """35000 → (3.5, 万); 180000000 → (1.8, 亿); 12345 → (12345, ""): a magnitude only when it reads cleanly."""
    for mag, places in (("亿", 4), ("万", 2)):
        factor = MAGNITUDES[mag]
        if value >= factor:
            mantissa = value / factor
            if mantissa == mantissa.quantize(Decimal(1).scaleb(-places)):
                return clean_decimal(mantissa), mag
    return clean_decimal(value), ""


# Counts a page in English writes in English (16+ times); sums of money and goods keep their Chinese units,
# which have no English of the same size (万元). Official documents are always written in Chinese.
ENGLISH_COUNTS = {"次": "times", "人次": "person-times", "人": "people", "户": "households", "家": "firms"}


def _written(mantissa: Decimal, mag: str, unit: str, qualifier: str) -> str:
    text = f"{mantissa:f}"
    if not mag and unit in ENGLISH_COUNTS and (translation.get_language() or "").startswith("en"):
        vague = {"约": "about ", "余": "", "多": ""}
        plus = "+" if qualifier in ("余", "多") else ""
        return f"{vague.get(qualifier, '')}{text}{plus} {ENGLISH_COUNTS[unit]}"
    if qualifier == "约":
        return f"约{text}{mag}{unit}"
    if qualifier and mag and mantissa >= 10 and mantissa == mantissa.to_integral():
        return f"{text}{qualifier}{mag}{unit}"  # 246余万元
    return f"{text}{mag}{qualifier}{unit}"  # 3万余元, 10余次


def format_quantity(
    value: Decimal | int | float | None,
    unit: str,
    qualifier: str = "",
    *,
    value_high: Decimal | int | float | None = None,
    per: str = "",
    value_before: Decimal | int | float | None = None,
    qualifier_before: str = "",
    status: str = "",
    label: str = "",
) -> str:
    """THE way Sijin writes a figure (every page, export and briefing): 10余次, 约3.5万元, 246余万元, 10-20万元,
    约40万元/天, 由9000元增至3万余元, 50万元(已到位). ``unit`` may carry a magnitude (万元); the value is written
    in its base unit with the magnitude that reads best."""
    if value is None:
        return ""
    factor, base = split_unit(unit)

    def base_value(v: Decimal | int | float) -> Decimal:
        return clean_decimal(Decimal(str(v)) * factor)

    low = base_value(value)
    lead = "约" if qualifier == "约" else ""
    tail = "" if lead else qualifier
    if value_high is not None:
        high = base_value(value_high)
        (m_low, mag_low), (m_high, mag_high) = _magnitude(low), _magnitude(high)
        if mag_low == mag_high:
            text = f"{lead}{m_low:f}-{_written(m_high, mag_high, base, tail)}"
        else:
            text = f"{lead}{_written(m_low, mag_low, base, '')}-{_written(m_high, mag_high, base, tail)}"
    else:
        text = _written(*_magnitude(low), base, qualifier)
    if per:
        text += f"/{per}"
    if value_before is not None:
        before = base_value(value_before)
        verb = "增至" if low >= before else "降至"
        text = f"{label}由{_written(*_magnitude(before), base, qualifier_before)}{verb}{text}"
    if status:
        text += f"({status})"
    return text


def total_qualifier(qualifiers: Iterable[str], has_range: bool = False) -> str:
    """How vague a sum is: any 约 part → 约; else any 余/多 part or range (summed at its low end, so the true
    total is more) → 余; else exact."""
    qs = set(qualifiers)
    if "约" in qs:
        return "约"
    return "余" if has_range or qs & {"余", "多"} else ""


def readable_total(total: Decimal | int | float | None, unit: str, qualifier: str = "") -> str:
    """A sum as the reports write it (20000 斤 → 2万斤); the same writing as :func:`format_quantity`."""
    return format_quantity(total or 0, unit, qualifier)
