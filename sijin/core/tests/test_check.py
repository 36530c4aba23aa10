"""Admins are told when the working-day calendar lacks this or next year's holidays: by `sijin check` and on
the 节假日调整 page of the admin.

Whether a year is covered depends on the installed ``chinese_calendar`` and on today's date, so the expected
warnings come from the real ``coverage_warning``; the tests check that exactly those are shown.
"""

import io

from django.contrib.messages import constants
from django.core.management import call_command
from django.utils import timezone

from sijin.core.workdays import coverage_warning
from sijin.testing import client_for


def expected_warnings() -> list[str]:
    year = timezone.localdate().year
    return [w for y in (year, year + 1) if (w := coverage_warning(y))]


def test_it_warns_in_the_check_command_about_uncovered_years(db):
    out = io.StringIO()
    call_command("sijin_check", stdout=out)
    text = out.getvalue()
    expected = expected_warnings()
    for warning in expected:
        assert warning in text
    assert text.count("法定节假日安排尚未收录") == len(expected)
    year = timezone.localdate().year
    assert (f"工作日日历:已收录{year}年和{year + 1}年的法定节假日。" in text) == (not expected)
    assert "检查完成" in text


def test_it_shows_the_coverage_warning_on_the_holiday_override_page(world):
    r = client_for("admin").get("/admin/core/holidayoverride/")
    assert r.status_code == 200
    shown = [str(m) for m in r.context["messages"] if m.level == constants.WARNING]
    assert shown == expected_warnings()
    page = r.content.decode()
    assert all(w in page for w in shown)


def test_it_does_not_warn_on_other_admin_pages(world):
    r = client_for("admin").get("/admin/core/auditlog/")
    assert not [m for m in r.context["messages"] if "尚未收录" in str(m)]
