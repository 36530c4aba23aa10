"""The working-day clock: deadlines in Chinese offices are counted in 工作日.

A day is a working day when the admin-editable ``HolidayOverride`` table says so; otherwise the
``chinese_calendar`` package decides, which knows the statutory holidays and the 调休 make-up days
(Saturdays and Sundays that are working days). For a year the package does not cover yet, Monday to Friday
are working days and ``coverage_warning`` tells the admins to enter that year's holidays as overrides.

Counting convention: ``add_workdays(d, n)`` does not count ``d`` itself, and ``workdays_between(a, b)``
counts the working days in ``(a, b]``, so ``workdays_between(d, add_workdays(d, n)) == n``.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from sijin.core.dates import parse_date
from sijin.core.models import HolidayOverride

ONE_DAY = timedelta(days=1)
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def covered_years() -> range:
    """The years whose holidays and 调休 days ``chinese_calendar`` knows (the package's own rule)."""
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def year_is_covered(year: int) -> bool:
    return year in covered_years()


def coverage_warning(year: int) -> str | None:
    """A warning for admins when ``year`` is counted Monday to Friday only; ``None`` when it is covered."""
    if year_is_covered(year):
        return None
    return f"{year}年的法定节假日安排尚未收录，按周一至周五计算工作日，请管理员在节假日调整中补录。"


@lru_cache(maxsize=8192)
def _calendar_is_workday(d: date) -> bool:
    # Cached because the package recomputes its supported year range on every call.
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:  # the package's signal for a year it has no data for
        return d.weekday() < 5


def _overrides(first: date, last: date) -> dict[date, bool]:
    """All overrides for ``first..last`` (inclusive) in one query."""
    rows = HolidayOverride.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
    return dict(rows)


def _is_workday(d: date, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    return _calendar_is_workday(d)


def is_workday(d: date) -> bool:
    return _is_workday(d, _overrides(d, d))


def add_workdays(start: date, n: int) -> date:
    """The date that is ``n`` working days after ``start`` (``start`` itself not counted; ``n=0`` → ``start``).

    Overrides are loaded for a window that normally holds all ``n`` working days (one query); only a run
    of overridden holidays longer than the window makes it load the next one.
    """
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    day, left = start, n
    while left:
        window_end = day + timedelta(days=2 * left + 14)
        overrides = _overrides(day + ONE_DAY, window_end)
        while left and day < window_end:
            day += ONE_DAY
            if _is_workday(day, overrides):
                left -= 1
    return day


def workdays_between(a: date, b: date) -> int:
    """The number of working days in ``(a, b]``; negative (the count in ``(b, a]``) when ``b`` is before ``a``."""
    if b < a:
        return -workdays_between(b, a)
    overrides = _overrides(a + ONE_DAY, b)
    return sum(_is_workday(a + timedelta(days=i), overrides) for i in range(1, (b - a).days + 1))


def workdays_since(days: Iterable[date], today: date) -> dict[date, int]:
    """``workdays_between(d, today)`` for many days ``d`` before ``today`` at once (days from ``today`` on map
    to 0): one query for the overrides and one walk back from ``today``, however many rows share each day —
    the 督办 page and the 督办通知单 ask it once per distinct deadline, not per problem."""
    distinct = set(days)
    past = sorted((d for d in distinct if d < today), reverse=True)
    found = {d: 0 for d in distinct if d >= today}
    if not past:
        return found
    overrides = _overrides(past[-1] + ONE_DAY, today)
    count, day = 0, today
    for d in past:  # latest first: count the working days in (d, day] and carry on from there
        while day > d:
            count += _is_workday(day, overrides)
            day -= ONE_DAY
        found[d] = count
    return found


def workdays_left(deadline: date, today: date | None = None) -> int:
    """Working days from ``today`` up to and including ``deadline``: 0 on the deadline, negative once overdue."""
    return workdays_between(today or timezone.localdate(), deadline)


def describe_day(d: date) -> str:
    """``2025-10-11 星期六（调休上班）``: the date, its weekday, and a note when it is not an ordinary day."""
    text = f"{d.isoformat()} {WEEKDAYS[d.weekday()]}"
    working = is_workday(d)
    if working and d.weekday() >= 5:
        return f"{text}（调休上班）"
    if not working:
        return f"{text}（休息日）"
    return text


def _with_warnings(text: str, a: date, b: date) -> str:
    """``text``, then one warning line per year in the span that is counted Monday to Friday only."""
    years = range(min(a, b).year, max(a, b).year + 1)
    return "\n".join([text, *(w for y in years if (w := coverage_warning(y)))])


def cli_add(date_str: str, n: int) -> str:
    """Text for ``sijin workdays add DATE N``."""
    start = parse_date(date_str)
    end = add_workdays(start, n)
    return _with_warnings(describe_day(end), start, end)


def cli_between(a: str, b: str) -> str:
    """Text for ``sijin workdays between A B``."""
    first, last = parse_date(a), parse_date(b)
    return _with_warnings(str(workdays_between(first, last)), first, last)
