"""Validators for identifiers that Chinese offices type by hand, with messages users can act on."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# GB 32100-2015 统一社会信用代码: 18 characters from a 31-symbol alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码应为18位,当前为%(n)d位。", code="length", params={"n": len(code)}
        )
    bad = [c for c in code if c not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符“%(c)s”(不使用 I、O、Z、S、V)。",
            code="charset",
            params={"c": bad[0]},
        )
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第3至8位应为行政区划代码(数字)。", code="region")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位不正确(末位应为“%(e)s”),请核对是否录入有误。",
            code="checksum",
            params={"e": expected},
        )


def validate_mobile(value: str) -> None:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise ValidationError("手机号码应为以1开头的11位大陆手机号,例如 13812345678。", code="mobile")


def normalize_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    return number[3:] if number.startswith("+86") else number


# Where free text enters (forms, services, imports): the columns stay TextField, the input is capped.
TEXT_MAX = 5000
HTML_MAX = 200_000


def text_cap(limit: int = TEXT_MAX) -> MaxLengthValidator:
    """The length cap of a free-text field, with a message users can act on."""
    return MaxLengthValidator(limit, message=f"不能超过{limit}字(当前%(show_value)d字)。")
