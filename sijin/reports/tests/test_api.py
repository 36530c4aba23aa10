"""Reports in the JSON API: 生成简报 and its .docx, 后台导出 (start, poll, download) — the pages' forms, services,
scope and download audit."""

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create
from sijin.core.models import AuditLog
from sijin.reports.models import Briefing, ExportJob

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def test_it_generates_a_group_briefing_and_serves_its_docx(world):
    client = api(world, "member")
    r = post(
        client, "/api/v1/briefings", {"group": world.group.pk, "start": "2025-06-03", "end": "2025-06-30"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["scope"], body["status"], body["group"]["id"]) == ("group", "draft", world.group.pk)
    assert [b["id"] for b in client.get("/api/v1/briefings").json()["items"]] == [body["id"]]
    r = client.get(f"/api/v1/briefings/{body['id']}/docx")
    assert r.status_code == 200 and r["Content-Type"] == DOCX
    assert AuditLog.objects.filter(action="briefing_download", object_id=str(body["id"])).exists()
    assert api(world, "outsider").get(f"/api/v1/briefings/{body['id']}").status_code == 404
    assert api(world, "outsider").get(f"/api/v1/briefings/{body['id']}/docx").status_code == 404


def test_it_refuses_a_briefing_without_one_scope_or_by_a_reader(world):
    client = api(world, "member")
    r = post(client, "/api/v1/briefings", {"start": "2025-06-03", "end": "2025-06-30"})
    assert r.status_code == 400 and r.json()["detail"]
    assert not Briefing.objects.exists()
    data = {"group": world.group.pk, "start": "2025-06-03", "end": "2025-06-30"}
    r = post(api(world, "leader"), "/api/v1/briefings", data)
    assert r.status_code == 403
    assert r.json() == {"detail": "只读权限,不能起草简报。"}


def test_it_starts_an_export_which_only_its_maker_polls(world):
    client = api(world, "office")
    r = post(client, "/api/v1/exports", {"kind": "problems", "filters": {"status": "assigned"}})
    assert r.status_code == 201, r.content
    job = ExportJob.objects.get(pk=r.json()["id"])
    assert (job.filters, r.json()["status"]) == ({"status": "assigned"}, "queued")
    assert client.get(f"/api/v1/exports/{job.pk}").json()["kind_name"] == "问题清单"
    assert client.get(f"/api/v1/exports/{job.pk}/xlsx").status_code == 404  # not written yet
    assert api(world, "member").get(f"/api/v1/exports/{job.pk}").status_code == 404  # another's


def test_it_refuses_an_export_of_an_unknown_kind_or_filter(world):
    client = api(world, "office")
    r = post(client, "/api/v1/exports", {"kind": "secrets"})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["kind"]
    r = post(client, "/api/v1/exports", {"kind": "visits", "filters": {"status": "assigned"}})
    assert r.status_code == 400
    r = post(client, "/api/v1/exports", {"kind": "problems", "start": "2025-06-30", "end": "2025-06-01"})
    assert r.status_code == 400
    assert not ExportJob.objects.exists()
