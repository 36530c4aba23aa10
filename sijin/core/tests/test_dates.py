"""One date parser for the command line, the imports and the attributes: the forms people type."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from sijin.core.dates import DATE_FORMAT_ERROR, parse_date


@pytest.mark.parametrize(
    "typed",
    [
        "2020-03-05",
        "2020-3-5",
        "2020/3/5",
        "2020/03/05",
        "2020.3.5",
        "2020年3月5日",
        "2020年03月05日",
        "2020 年 3 月 5 日",
        "2020年3月5",
        "20200305",
        " 2020-03-05\n",
        datetime(2020, 3, 5),  # noqa: DTZ001 — what openpyxl returns for a date cell
        datetime(2020, 3, 5, 14, 30),  # noqa: DTZ001
        date(2020, 3, 5),
    ],
)
def test_it_reads_the_forms_people_type(typed):
    assert parse_date(typed) == date(2020, 3, 5)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        None,
        "明天",
        "5/3/2020",
        "20-3-5",
        "2020-3.5",
        "2020-02-30",
        "2020-13-01",
        "2020年3月",
        43895,
    ],
)
def test_it_rejects_anything_else_in_chinese(bad):
    with pytest.raises(ValidationError) as caught:
        parse_date(bad)
    assert caught.value.messages == [DATE_FORMAT_ERROR]
    assert "YYYY-MM-DD" in DATE_FORMAT_ERROR and "2020年3月5日" in DATE_FORMAT_ERROR
