"""``workdays_since``: working days overdue for many deadlines at once, as ``workdays_between`` counts each."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijin.core.models import HolidayOverride
from sijin.core.workdays import workdays_between, workdays_since

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 20)  # after 国庆+中秋 2025 and its 调休 Saturday (10-11)


def test_it_counts_each_day_as_workdays_between_does():
    HolidayOverride.objects.create(date=date(2025, 9, 12), is_workday=False, note="地方节日")
    HolidayOverride.objects.create(date=date(2025, 9, 13), is_workday=True, note="集中攻坚")
    days = [TODAY - timedelta(days=n) for n in range(0, 120, 3)]
    found = workdays_since(days, TODAY)
    assert found == {d: workdays_between(d, TODAY) for d in days}
    # 10-01 … 10-08 off: 10-09, 10-10, 10-11 (调休), 10-13 … 10-17 and 10-20.
    assert workdays_since([date(2025, 9, 30)], TODAY) == {date(2025, 9, 30): 9}


def test_it_reads_the_overrides_once_however_many_days():
    days = [TODAY - timedelta(days=n) for n in range(1, 400)]
    with CaptureQueriesContext(connection) as queries:
        workdays_since(iter(days), TODAY)  # any iterable, read once
    assert len(queries) == 1


def test_days_from_today_on_are_not_overdue():
    assert workdays_since([TODAY, TODAY + timedelta(days=9)], TODAY) == {
        TODAY: 0,
        TODAY + timedelta(days=9): 0,
    }
    assert workdays_since([], TODAY) == {}
