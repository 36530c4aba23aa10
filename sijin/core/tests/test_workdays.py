from datetime import date

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sijin.core.models import HolidayOverride
from sijin.core.workdays import (
    add_workdays,
    cli_add,
    cli_between,
    coverage_warning,
    covered_years,
    is_workday,
    workdays_between,
    workdays_left,
    year_is_covered,
)

pytestmark = pytest.mark.django_db


def test_it_counts_across_national_day_2025_with_make_up_saturday():
    # 国庆+中秋 2025: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are 调休 working days.
    assert is_workday(date(2025, 9, 28))
    assert not is_workday(date(2025, 10, 8))
    assert add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_workdays(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert add_workdays(date(2025, 9, 30), 4) == date(2025, 10, 13)
    assert workdays_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


def test_it_counts_across_spring_festival_2025():
    # 春节 2025: Jan 28–Feb 4 off; Sun Jan 26 and Sat Feb 8 are working days.
    assert add_workdays(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert add_workdays(date(2025, 1, 24), 2) == date(2025, 1, 27)
    assert add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert is_workday(date(2025, 2, 8))


def test_it_counts_across_spring_festival_2026():
    # 春节 2026: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are working days.
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_it_makes_a_saturday_a_working_day_by_override():
    saturday = date(2025, 3, 15)
    assert not is_workday(saturday)
    assert add_workdays(date(2025, 3, 14), 1) == date(2025, 3, 17)

    HolidayOverride.objects.create(date=saturday, is_workday=True, note="集中攻坚")

    assert is_workday(saturday)
    assert add_workdays(date(2025, 3, 14), 1) == saturday
    assert workdays_between(date(2025, 3, 14), date(2025, 3, 17)) == 2


def test_it_makes_a_weekday_a_holiday_by_override():
    wednesday = date(2025, 3, 19)
    HolidayOverride.objects.create(date=wednesday, is_workday=False, note="地方节日")

    assert not is_workday(wednesday)
    assert add_workdays(date(2025, 3, 18), 1) == date(2025, 3, 20)
    assert workdays_between(date(2025, 3, 16), date(2025, 3, 21)) == 4


def test_it_lets_an_override_beat_a_make_up_day():
    HolidayOverride.objects.create(date=date(2025, 10, 11), is_workday=False)

    assert add_workdays(date(2025, 9, 30), 3) == date(2025, 10, 13)


def test_it_falls_back_to_monday_to_friday_for_an_uncovered_year():
    assert 2025 in covered_years()
    assert not year_is_covered(2035)
    # 2035-01-01 is a Monday: a holiday in real life, but the package has no 2035 data.
    assert is_workday(date(2035, 1, 1))
    assert not is_workday(date(2035, 1, 6))
    assert add_workdays(date(2035, 1, 5), 1) == date(2035, 1, 8)
    assert workdays_between(date(2035, 1, 1), date(2035, 1, 31)) == 22


def test_it_uses_overrides_in_an_uncovered_year():
    HolidayOverride.objects.create(date=date(2035, 1, 1), is_workday=False, note="元旦")

    assert not is_workday(date(2035, 1, 1))
    assert add_workdays(date(2034, 12, 29), 1) == date(2035, 1, 2)


def test_it_warns_about_an_uncovered_year():
    assert coverage_warning(2025) is None
    warning = coverage_warning(2035)
    assert warning is not None
    assert "2035年" in warning
    assert "周一至周五" in warning


def test_it_returns_start_for_zero_days():
    assert add_workdays(date(2025, 10, 1), 0) == date(2025, 10, 1)
    assert workdays_between(date(2025, 10, 1), date(2025, 10, 1)) == 0


def test_it_rejects_negative_days():
    with pytest.raises(ValueError, match="负数"):
        add_workdays(date(2025, 10, 1), -1)


def test_it_counts_negative_when_b_is_before_a():
    assert workdays_between(date(2025, 10, 11), date(2025, 9, 30)) == -3


def test_it_counts_workdays_left_to_a_deadline():
    assert workdays_left(date(2025, 10, 11), date(2025, 9, 30)) == 3
    assert workdays_left(date(2025, 10, 11), date(2025, 10, 11)) == 0
    assert workdays_left(date(2025, 10, 9), date(2025, 10, 13)) == -3


def test_it_reads_overrides_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_workdays(date(2025, 9, 30), 60)
    with django_assert_num_queries(1):
        workdays_between(date(2025, 1, 1), date(2025, 12, 31))


def test_it_prints_an_added_date_with_its_weekday():
    assert cli_add("2025-09-30", 3) == "2025-10-11 星期六（调休上班）"
    assert cli_add("2025-09-30", 4) == "2025-10-13 星期一"
    assert cli_add("2025-10-04", 0) == "2025-10-04 星期六（休息日）"


def test_it_prints_the_number_between_two_dates():
    assert cli_between("2025-09-30", "2025-10-11") == "3"
    assert cli_between("2025-10-11", "2025-09-30") == "-3"


def test_it_adds_a_warning_line_for_an_uncovered_year():
    lines = cli_add("2035-01-05", 1).splitlines()
    assert lines == ["2035-01-08 星期一", coverage_warning(2035)]


@pytest.mark.parametrize("bad", ["30/09/2025", "2025-13-01", "2025-02-30", "明天", ""])
def test_it_rejects_a_malformed_date(bad):
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        cli_add(bad, 1)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        cli_between("2025-09-30", bad)


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@settings(deadline=None, max_examples=60)
@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_it_inverts_add_workdays_with_workdays_between(start, n):
    end = add_workdays(start, n)
    assert end >= start
    assert workdays_between(start, end) == n
    assert workdays_between(end, start) == -n
    if n:
        assert is_workday(end)


@settings(deadline=None, max_examples=60)
@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_it_agrees_with_chinese_calendar_from_a_working_day(start, n):
    # find_workday counts from the first working day on or after start, so compare from working days only.
    assume(chinese_calendar.is_workday(start))
    end = add_workdays(start, n)
    assume(end.year in covered_years())
    assert end == chinese_calendar.find_workday(n, start)
