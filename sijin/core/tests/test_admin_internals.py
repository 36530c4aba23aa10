"""系统管理 shows the project's own pages: Django's internals are hidden from every administrator's index."""

import pytest

from sijin.accounts.models import Role
from sijin.accounts.services import role_grant, user_ensure
from sijin.testing import client_for, superuser

HIDDEN = [
    "/admin/django_tasks_database/",  # 任务结果 of the background tasks
    "/admin/auth/group/",  # 组: roles are grants, never groups
    "/admin/axes/",  # lockouts are lifted on the user's page
    "/admin/otp_totp/",  # an authenticator's secret is its owner's
]


@pytest.fixture
def security(world):
    """The security admin (安全管理员), appointed at the command line."""
    user = user_ensure(actor=None, username="security", password=None, display_name="安全管理员")
    role_grant(actor=None, user=user, role=Role.SECURITY)
    return user


@pytest.mark.parametrize("username", ["admin", "security", "auditor", "root"])
def test_it_hides_djangos_internals_from_the_admin_index(security, username):
    if username == "root":
        superuser()
    r = client_for(username).get("/admin/")
    assert r.status_code == 200
    page = r.content.decode()
    for url in HIDDEN:
        assert url not in page, url
    for app in ("django_tasks_database", "auth", "axes", "otp_totp"):
        assert client_for(username).get(f"/admin/{app}/").status_code == 404


def test_it_keeps_what_the_roles_need_on_their_index(security):
    assert "/admin/campaigns/targetkind/" in client_for("admin").get("/admin/").content.decode()
    assert "/admin/accounts/user/" in client_for("security").get("/admin/").content.decode()
    assert "/admin/core/auditlog/" in client_for("auditor").get("/admin/").content.decode()
