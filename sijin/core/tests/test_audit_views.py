"""安全审计 of reads: every download of case data and every admin read of personal data leaves a row, and the
auditor filters the log and exports it (.xlsx), the export itself audited."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from sijin.core.audit import audit, audit_verify
from sijin.core.models import AuditAction, AuditLog
from sijin.fieldwork.photos import visit_photo_add
from sijin.problems.models import ProblemAttachment
from sijin.problems.workflow import problem_transition
from sijin.reports.services import briefing_generate
from sijin.testing import client_for, superuser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(name: str = "现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def rows_since(before: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(id__gt=before).order_by("id"))


def downloaded(client, url: str) -> list[AuditLog]:
    before = AuditLog.objects.latest("id").pk
    r = client.get(url)
    assert r.status_code == 200, url
    assert b"".join(r.streaming_content) if r.streaming else r.content  # read to the end, as a browser would
    return rows_since(before)


# ---- downloads -----------------------------------------------------------------------------------------------
def test_it_audits_a_ledger_download(world):
    [row] = downloaded(client_for("office"), f"/reports/ledgers/problems.xlsx?group={world.group.pk}")
    assert (row.action, row.actor, row.summary) == ("ledger_download", world.users["office"], "下载问题清单")
    assert row.data["kind"] == "problems" and row.data["group"] == str(world.group.pk)
    assert row.data["ip"] == "127.0.0.1"


def test_it_records_the_address_of_the_client_behind_nginx(world, settings):
    url = f"/reports/ledgers/problems.xlsx?group={world.group.pk}"
    client = client_for("office")

    def recorded() -> str:
        before = AuditLog.objects.latest("id").pk
        r = client.get(url, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9", REMOTE_ADDR="127.0.0.1")
        assert r.status_code == 200
        [row] = rows_since(before)
        return row.data["ip"]

    settings.SIJIN_PROXY_COUNT = 1  # nginx appended the address it saw; the client may have forged the rest
    assert recorded() == "203.0.113.9"
    settings.SIJIN_PROXY_COUNT = 0  # no proxy: the header is the client's own say, not trusted
    assert recorded() == "127.0.0.1"


def test_it_audits_a_briefing_download(world):
    office = world.users["office"]
    briefing = briefing_generate(
        actor=office, period_start=date(2025, 6, 1), period_end=date(2025, 6, 30), group=world.group
    )
    [row] = downloaded(client_for("office"), f"/reports/briefings/{briefing.pk}.docx")
    assert (row.action, row.object_type, row.object_id) == (
        "briefing_download",
        "reports.briefing",
        str(briefing.pk),
    )


def test_it_audits_a_supervision_notice(world):
    issue, row = downloaded(client_for("office"), f"/problems/supervision/{world.dept.pk}/notice.docx")
    assert issue.action == "notice_issue"  # the download is the issuing: it takes the next 发文字号
    assert (row.action, row.object_id) == ("notice_download", str(world.dept.pk))
    assert sorted(row.data["problems"]) == sorted(p.pk for p in world.problems.values() if p.handling_org_id)


def test_it_audits_evidence_and_photos(world):
    handler, member = world.users["handler"], world.users["member"]
    problem_transition(
        actor=handler,
        problem=world.overdue,
        action="resolve",
        resolution="积水已排除",
        evidence=[png("凭证.png")],
    )
    attachment = ProblemAttachment.objects.get(event__problem=world.overdue)
    [row] = downloaded(client_for("handler"), f"/problems/attachments/{attachment.pk}/")
    assert (row.action, row.actor, row.object_id) == ("evidence_download", handler, str(attachment.pk))
    photo = visit_photo_add(actor=member, visit=world.visits["project"], uploaded_file=png())
    [row] = downloaded(client_for("member"), f"/visits/photos/{photo.pk}/")
    assert (row.action, row.actor, row.object_id) == ("photo_download", member, str(photo.pk))


def test_it_writes_nothing_for_a_download_refused(world):
    outsider, handler = client_for("outsider"), client_for("handler")
    before = AuditLog.objects.latest("id").pk
    assert outsider.get(f"/problems/supervision/{world.dept.pk}/notice.docx").status_code == 404
    assert handler.get(f"/problems/supervision/{world.dept.pk}/notice.docx").status_code == 403
    assert rows_since(before) == []


# ---- admin reads of personal data ------------------------------------------------------------------------------
def test_it_audits_the_admin_opening_a_person_or_a_login(world):
    admin = superuser()
    client = client_for(admin.username)
    person, login = world.handler_person, world.users["handler"]
    before = AuditLog.objects.latest("id").pk
    assert client.get("/admin/directory/person/").status_code == 200  # a list is not one person's data
    assert client.get(f"/admin/directory/person/{person.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/user/{login.pk}/change/").status_code == 200
    assert [(r.action, r.actor, r.object_type, r.object_id) for r in rows_since(before)] == [
        ("personal_data_view", admin, "directory.person", str(person.pk)),
        ("personal_data_view", admin, "accounts.user", str(login.pk)),
    ]


def test_it_offers_no_delete_of_a_login(world):
    login = world.users["handler"]
    client = client_for(superuser().username)
    assert client.get(f"/admin/accounts/user/{login.pk}/delete/").status_code == 403
    client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [login.pk], "post": "yes"}
    )
    assert login.__class__.objects.filter(pk=login.pk).exists()


# ---- the auditor's page and export -----------------------------------------------------------------------------
@pytest.fixture
def written(world):
    office = world.users["office"]
    return [
        audit(office, AuditAction.TARGET_UPDATE, world.project, "改了项目名称"),
        audit(office, AuditAction.TARGET_UPDATE, world.village, '=HYPERLINK("http://x")'),
        audit(world.users["member"], AuditAction.TARGET_UPDATE, world.project, "组员改的"),
    ]


def test_it_filters_the_log_by_time_actor_action_and_object(world, written):
    client = client_for("auditor")
    today = timezone.localdate()
    page = client.get(f"/admin/core/auditlog/?since={today}&until={today}&actor=office&action=target_update")
    assert page.status_code == 200
    html = page.content.decode()
    assert "改了项目名称" in html and "组员改的" not in html
    by_object = client.get(f"/admin/core/auditlog/?object_type=campaigns.target&object_id={world.village.pk}")
    assert "HYPERLINK" in by_object.content.decode() and "改了项目名称" not in by_object.content.decode()
    tomorrow = today + timedelta(days=1)
    assert "改了项目名称" not in client.get(f"/admin/core/auditlog/?since={tomorrow}").content.decode()
    bad = client.get("/admin/core/auditlog/?since=2025-02-30")
    assert bad.status_code == 302 and bad["Location"].endswith("?e=1")


def test_it_exports_what_the_auditor_filtered_and_audits_the_export(world, written):
    client = client_for("auditor")
    assert "/admin/core/auditlog/export/?" in client.get("/admin/core/auditlog/").content.decode()
    r = client.get("/admin/core/auditlog/export/?actor=office&action=target_update")
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "时间", "操作人", "操作")
    assert [row[6] for row in rows[1:]] == [
        '=HYPERLINK("http://x")',
        "改了项目名称",
    ]  # newest first, as listed
    assert sheet.cell(row=2, column=7).data_type == "s"  # text, never a formula
    assert {row[3] for row in rows[1:]} == {"修改帮扶对象"}
    export = AuditLog.objects.latest("id")
    assert (export.action, export.actor, export.summary) == (
        "audit_export",
        world.users["auditor"],
        "导出审计日志 2 条",
    )
    assert export.data["query"] == {"actor": "office", "action": "target_update"}
    assert audit_verify().intact


def test_it_keeps_the_export_from_users_outside_the_admin(world):
    assert client_for("office").get("/admin/core/auditlog/export/").status_code == 302  # to the admin's login
