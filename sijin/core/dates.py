"""Calendar dates as people type them: one parser for the command line, the imports and the attributes.

Accepted: ``2020-03-05``, ``2020-3-5``, ``2020/3/5``, ``2020.3.5``, ``2020年3月5日``, ``20200305`` (spaces
ignored), and a date or datetime object such as openpyxl returns for a date-formatted cell. The year has
four digits and comes first; anything else (``5/3/2020``, ``明天``, ``2020-02-30``) is a ValidationError
with a Chinese message that shows the accepted forms.
"""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError

DATE_FORMAT_ERROR = "日期格式应为 YYYY-MM-DD,例如 2020-03-05(也可写作 2020/3/5、2020.3.5 或 2020年3月5日)。"

# One separator used twice (2020-3.5 is a typing error, not a date); the Chinese 年月日; or eight digits.
NUMERIC_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: object) -> date:
    """The calendar date in ``value`` (text or a date/datetime cell); ValidationError when there is none."""
    if isinstance(value, datetime):  # before ``date``: a datetime is a date too
        return value.date()
    if isinstance(value, date):
        return value
    text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    if m := NUMERIC_DATE.fullmatch(text):
        year, month, day = m.group(1, 3, 4)
    elif (m := CHINESE_DATE.fullmatch(text)) or (m := COMPACT_DATE.fullmatch(text)):
        year, month, day = m.groups()
    else:
        raise ValidationError(DATE_FORMAT_ERROR, code="invalid_date")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 2020-02-30, 2020-13-01
        raise ValidationError(DATE_FORMAT_ERROR, code="invalid_date") from None
