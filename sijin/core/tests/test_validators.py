from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sijin.core.quantities import format_quantity, parse_quantity
from sijin.core.validators import credit_code_check_char, validate_credit_code, validate_mobile


def test_it_accepts_a_valid_credit_code():
    validate_credit_code("91350100M000100Y43")
    validate_credit_code("91350100m000100y43")  # typed in lower case


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位不正确(末位应为“3”)"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000I00Y43", "不允许的字符“I”"),
        ("913501A0M000100Y43", "行政区划代码"),
    ],
)
def test_it_rejects_a_bad_credit_code_with_a_reason(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert message in exc.value.messages[0]


def test_it_computes_the_gb32100_check_character():
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("number", ["13812345678", "+86 138-1234-5678", "19912345678"])
def test_it_accepts_mainland_mobiles(number):
    validate_mobile(number)


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "053412345678", "abc"])
def test_it_rejects_bad_mobiles(number):
    with pytest.raises(ValidationError) as exc:
        validate_mobile(number)
    assert "11位大陆手机号" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("3000多人", Decimal(3000), "人", "多"),
        ("1.8亿元", Decimal(180000000), "元", ""),
        ("2万斤", Decimal(20000), "斤", ""),
        ("10余次", Decimal(10), "次", "余"),
        ("200余亩", Decimal(200), "亩", "余"),
        ("约3.5万元", Decimal(35000), "元", "约"),
        ("两万斤", Decimal(20000), "斤", ""),
        ("1万多斤", Decimal(10000), "斤", "多"),
    ],
)
def test_it_parses_chinese_amounts(text, value, unit, qualifier):
    q = parse_quantity(text)
    assert (q.value, q.unit, q.qualifier, q.raw) == (value, unit, qualifier, text)


def test_it_converts_to_an_indicator_unit():
    assert parse_quantity("1.8亿元").to_unit("万元") == Decimal(18000)
    assert parse_quantity("3.5万元").to_unit("万元") == Decimal("3.5")
    with pytest.raises(ValidationError, match="无法换算"):
        parse_quantity("2万斤").to_unit("万元")


@pytest.mark.parametrize("text", ["", "很多", "三千多人人人 x", "-5人"])
def test_it_rejects_unreadable_amounts(text):
    with pytest.raises(ValidationError):
        parse_quantity(text)


def test_it_writes_vague_figures_back_with_their_qualifier():
    assert format_quantity(Decimal(10), "次", "余") == "10余次"
    assert format_quantity(Decimal("3.50"), "万元", "约") == "约3.5万元"


def test_production_hashes_passwords_with_argon2():
    import sijin.settings

    assert sijin.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_writes_large_sums_in_wan():
    from sijin.core.quantities import readable_total

    assert readable_total(Decimal(20000), "斤") == "2万斤"
    assert readable_total(Decimal("3.5"), "万元") == "3.5万元"
    assert readable_total(Decimal(3), "处") == "3处"
