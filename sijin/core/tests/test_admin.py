"""系统管理 through Django's admin: pages answer, writes are audited, a bad attribute schema is refused."""

import pytest

from sijin.core.models import AuditLog
from sijin.testing import client_for

# The system admin's pages; logins, grants and the audit log are the security admin's and the auditor's
# (三员分立, sijin/accounts/tests/test_separation.py).
PAGES = [
    "/admin/",
    "/admin/campaigns/campaign/",
    "/admin/campaigns/targetkind/",
    "/admin/campaigns/target/",
    "/admin/campaigns/workgroup/",
    "/admin/directory/region/?q=嘉祥",
    "/admin/directory/organization/",
    "/admin/directory/person/",
    "/admin/core/holidayoverride/",
    "/admin/problems/problem/",
    "/admin/fieldwork/visit/",
    "/admin/fieldwork/outcome/",
    "/admin/reports/workmethod/",
]


@pytest.mark.parametrize("url", PAGES)
def test_it_shows_the_admin_pages_to_the_admin(world, url):
    assert client_for("admin").get(url).status_code == 200


def test_it_keeps_non_staff_out_of_the_admin(world):
    assert client_for("office").get("/admin/").status_code == 302


def _kind_form(kind, schema):
    return {
        "campaign": kind.campaign_id,
        "code": kind.code,
        "name": kind.name,
        "focus": kind.focus,
        "slogan": kind.slogan,
        "order": kind.order,
        "schema": schema,
    }


def test_it_refuses_a_bad_attribute_schema_in_chinese(world):
    kind = world.kinds["village"]
    r = client_for("admin").post(
        f"/admin/campaigns/targetkind/{kind.pk}/change/",
        _kind_form(kind, '[{"key": "x", "label": "面积", "type": "colour"}]'),
    )
    assert r.status_code == 200
    assert "属性“面积”的类型不正确" in r.content.decode()
    kind.refresh_from_db()
    assert kind.schema[0]["key"] == "farmland"


def test_it_changes_a_target_kind_through_its_service(world):
    kind = world.kinds["village"]
    schema = (
        '[{"key": "greenhouse", "label": "果蔬大棚", "type": "quantity", "unit": "亩", "required": false}]'
    )
    r = client_for("admin").post(f"/admin/campaigns/targetkind/{kind.pk}/change/", _kind_form(kind, schema))
    assert r.status_code == 302
    assert AuditLog.objects.filter(action="target_kind_update", object_id=str(kind.pk)).exists()


def test_problems_change_only_through_the_workflow(world):
    from sijin.problems.models import Problem

    problem = Problem.objects.first()
    r = client_for("admin").post(f"/admin/problems/problem/{problem.pk}/change/", {"status": "closed"})
    assert r.status_code == 403


def test_the_auditor_reads_the_audit_log_and_nothing_else(world):
    client = client_for("auditor")
    assert client.get("/admin/core/auditlog/").status_code == 200
    assert client.get("/admin/campaigns/target/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.post("/admin/core/auditlog/add/", {}).status_code == 403


def test_it_refuses_to_delete_a_problem_in_the_admin(world):
    from sijin.problems.models import Problem

    problem = Problem.objects.first()
    assert (
        client_for("admin").post(f"/admin/problems/problem/{problem.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Problem.objects.filter(pk=problem.pk).exists()
