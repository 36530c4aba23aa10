"""报送: issue numbers per series and year kept by the system, every version kept, the 简报 page with its editor's
form; on the small world (sijin/testing.py)."""

import importlib
import re
import threading
from datetime import UTC, date, datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from sijin.accounts.models import User
from sijin.core.models import AuditLog
from sijin.reports.models import Briefing, BriefingIssueCounter, BriefingSeries, BriefingVersion
from sijin.reports.services import briefing_generate, briefing_submit, briefing_update
from sijin.testing import client_for, needs_postgresql

START, END = date(2025, 6, 9), date(2025, 6, 29)


def draft(world, *, organization=None, end: date = END) -> Briefing:
    scope = {"organization": organization} if organization else {"group": world.group}
    actor = world.users["unit" if organization else "member"]
    return briefing_generate(actor=actor, period_start=START, period_end=end, **scope)


def test_it_numbers_the_submitted_briefings_of_a_series_in_turn(world):
    member = world.users["member"]
    first = briefing_submit(actor=member, briefing=draft(world))
    second = briefing_submit(actor=member, briefing=draft(world, end=date(2025, 6, 30)))
    year = timezone.localdate().year
    assert [(b.issue_year, b.issue_number, b.issue_label) for b in (first, second)] == [
        (year, 1, "第1期"),
        (year, 2, "第2期"),
    ]
    assert first.series == second.series
    assert first.series.name == f"{world.campaign.name}工作简报"  # the 版头
    log = AuditLog.objects.filter(action="briefing_submit", object_id=str(second.pk)).get()
    assert log.data["issue_number"] == 2 and log.summary.endswith(f"({year}年第2期)")


def test_it_keeps_one_series_for_each_scope(world):
    group_issue = briefing_submit(actor=world.users["member"], briefing=draft(world))
    unit_issue = briefing_submit(
        actor=world.users["unit"], briefing=draft(world, organization=world.unit_org)
    )
    assert group_issue.series != unit_issue.series
    assert (group_issue.issue_number, unit_issue.issue_number) == (1, 1)
    assert BriefingSeries.objects.get(scope="unit").organization == world.unit_org


def test_it_counts_each_year_on_its_own(world):
    first = briefing_submit(actor=world.users["member"], briefing=draft(world))
    # The same series had reached 第9期 last year: this year's count goes on from this year's.
    BriefingIssueCounter.objects.create(series=first.series, year=first.issue_year - 1, last_number=9)
    second = briefing_submit(actor=world.users["member"], briefing=draft(world))
    assert second.issue_number == 2
    assert BriefingIssueCounter.objects.get(series=first.series, year=first.issue_year - 1).last_number == 9


def test_it_submits_a_briefing_only_once(world):
    briefing = briefing_submit(actor=world.users["member"], briefing=draft(world))
    with pytest.raises(ValidationError, match="简报已报送"):
        briefing_submit(actor=world.users["member"], briefing=briefing)
    assert BriefingIssueCounter.objects.get(series=briefing.series).last_number == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_never_gives_two_simultaneous_submits_the_same_number(world):
    # The series and this year's counter exist already (第1期), so that both submits meet at the counter.
    briefing_submit(actor=world.users["member"], briefing=draft(world))
    drafts = [draft(world), draft(world, end=date(2025, 6, 30))]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(pk: int) -> None:
        from django.db import connection as own

        try:
            briefing = Briefing.objects.get(pk=pk)
            actor = User.objects.get(username="member")
            barrier.wait(timeout=10)
            briefing_submit(actor=actor, briefing=briefing)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=submit, args=(b.pk,)) for b in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(
        Briefing.objects.filter(pk__in=[b.pk for b in drafts]).values_list("issue_number", flat=True)
    )
    assert numbers == [2, 3]
    assert BriefingSeries.objects.count() == 1


def test_it_keeps_every_version_with_who_and_when(world):
    member, leader = world.users["member"], world.users["group_leader"]
    briefing = draft(world)
    generated = briefing.body
    briefing_update(
        actor=member, briefing=briefing, title="第一稿", body="<h2>总体情况</h2><p>改过的正文</p>"
    )
    briefing_submit(
        actor=leader, briefing=briefing, title="定稿", body="<p>报送的正文</p>", issue_to="各成员"
    )
    versions = list(BriefingVersion.objects.filter(briefing=briefing).order_by("number"))
    assert [(v.number, v.kind, v.title, v.body, v.created_by) for v in versions] == [
        (1, "generated", briefing.title, generated, member),
        (2, "saved", "第一稿", "<h2>总体情况</h2>\n<p>改过的正文</p>", member),
        (3, "submitted", "定稿", "<p>报送的正文</p>", leader),
    ]
    assert all(v.created_at for v in versions)
    briefing.refresh_from_db()
    assert (briefing.title, briefing.issue_to, briefing.status) == ("定稿", "各成员", "submitted")


def test_it_refuses_a_body_left_empty(world):
    briefing = draft(world)
    with pytest.raises(ValidationError, match="简报正文不能为空"):
        briefing_update(
            actor=world.users["member"], briefing=briefing, title="空", body="<p><br></p><script>x</script>"
        )
    briefing.refresh_from_db()
    assert briefing.title != "空" and briefing.versions.count() == 1


def test_it_numbers_the_briefings_submitted_before_numbers_existed(world):
    migration = importlib.import_module("sijin.reports.migrations.0004_briefing_issue")
    older, newer = draft(world), draft(world, end=date(2025, 6, 30))
    for briefing, day in ((newer, 12), (older, 5)):
        Briefing.objects.filter(pk=briefing.pk).update(
            status="submitted", submitted_at=datetime(2025, 7, day, 1, tzinfo=UTC)
        )
    migration.number_submitted_briefings(apps, None)
    assert [
        (b.issue_year, b.issue_number)
        for b in Briefing.objects.filter(pk__in=[older.pk, newer.pk]).order_by("submitted_at")
    ] == [
        (2025, 1),
        (2025, 2),
    ]


# ---- the 简报 page ---------------------------------------------------------------------------------------------
def test_it_submits_what_is_in_the_editor_from_the_page(world):
    briefing = draft(world)
    r = client_for("member").post(
        f"/reports/briefings/{briefing.pk}/",
        {
            "title": "嘉祥县工作简报",
            "body": '<h2>总体情况</h2><p style="color:red">本周走访<script>x()</script>三次。</p>',
            "issuer": "济宁市农业农村局驻嘉祥县工作组",
            "report_to": "济宁市“四进”攻坚行动办公室",
            "copy_to": "",
            "issue_to": "工作组全体成员",
            "submit": "1",
        },
        follow=True,
    )
    assert "简报已报送,编为第1期" in r.content.decode()
    briefing.refresh_from_db()
    assert (briefing.status, briefing.issue_number, briefing.title) == ("submitted", 1, "嘉祥县工作简报")
    assert briefing.body == "<h2>总体情况</h2>\n<p>本周走访三次。</p>"
    assert briefing.issuer == "济宁市农业农村局驻嘉祥县工作组" and briefing.copy_to == ""


def test_it_shows_the_briefing_as_printed_with_its_versions(world):
    briefing = draft(world)
    briefing_submit(actor=world.users["member"], briefing=briefing)
    page = client_for("office").get(f"/reports/briefings/{briefing.pk}/").content.decode()
    assert f"{world.campaign.name}工作简报" in page and "第1期" in page
    assert "<h2>一、进企业真服务,在“帮”上下功夫</h2>" in page  # numbered on the page as in print
    assert "报:济宁市“四进”攻坚行动办公室" in page
    versions = page.split('id="briefing-versions"', 1)[1]
    assert "第2版 · 报送" in versions and "第1版 · 生成" in versions
    assert 'name="body"' not in page  # frozen: no editor


def test_it_offers_the_editor_for_a_draft_with_its_html(world):
    briefing = draft(world)
    page = client_for("member").get(f"/reports/briefings/{briefing.pk}/").content.decode()
    assert (
        'id="briefing-editor"' in page
        and "vendor/quill/quill.js" in page
        and "sijin/briefing_editor.js" in page
    )
    assert "&lt;h2&gt;进企业真服务" in page  # the body's HTML, escaped inside the text box
    assert not re.findall(r"<script(?![^>]*\bsrc=)", page)  # no inline script (Content-Security-Policy)


def test_it_opens_a_briefing_of_the_old_kind_in_the_editor_as_html(world):
    briefing = draft(world)
    Briefing.objects.filter(pk=briefing.pk).update(body="导语。\n\n# 进企业\n惠宇公司复工。")
    page = client_for("member").get(f"/reports/briefings/{briefing.pk}/").content.decode()
    assert "<h2>一、进企业</h2>" in page
    assert "&lt;h2&gt;进企业&lt;/h2&gt;" in page
