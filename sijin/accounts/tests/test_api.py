"""Personal API tokens: made on the account page (shown once, stored as a hash), revoked there, expiring, rate
limited per token, useless for a deactivated or locked-out login; and the session of the site's own scripts,
which needs the CSRF token to change anything."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from sijin.accounts.models import ApiToken
from sijin.accounts.services import api_token_create, api_token_digest, api_token_revoke
from sijin.core.models import AuditLog
from sijin.testing import client_for

pytestmark = pytest.mark.django_db
PROBLEMS = "/api/v1/problems"


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_it_shows_a_new_token_once_and_stores_only_its_hash(world):
    client = client_for("member")
    r = client.post("/account/api-tokens/", {"name": "台账同步", "days": "90"})
    assert r.status_code == 200
    row = ApiToken.objects.get(user=world.users["member"])
    token = r.context["created"]["token"]
    assert token.startswith("sijin_") and token in r.content.decode()
    assert row.digest == api_token_digest(token) and token not in (row.prefix, row.digest)
    assert token.startswith(row.prefix)
    page = client.get("/account/api-tokens/").content.decode()
    assert "台账同步" in page and row.prefix in page and token not in page
    assert AuditLog.objects.filter(action="api_token_create", object_id=str(row.pk)).exists()


def test_it_refuses_a_token_without_a_name_or_with_an_odd_lifetime(world):
    client = client_for("member")
    r = client.post("/account/api-tokens/", {"name": "", "days": "7"})
    assert r.status_code == 400
    assert r.context["form"].errors == {"name": ["请填写令牌名称。"], "days": ["请选择有效期。"]}
    assert not ApiToken.objects.exists()


def test_it_revokes_ones_own_token_only(world):
    row, token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    assert client_for("handler").post(f"/account/api-tokens/{row.pk}/revoke/").status_code == 404
    assert bearer(token).get(PROBLEMS).status_code == 200
    r = client_for("member").post(f"/account/api-tokens/{row.pk}/revoke/")
    assert r.status_code == 302
    r = bearer(token).get(PROBLEMS)
    assert r.status_code == 401
    assert r.json() == {"detail": "API 令牌无效、已撤销或已过期。"}
    assert AuditLog.objects.filter(action="api_token_revoke", object_id=str(row.pk)).exists()


def test_it_refuses_revocation_by_another_user_in_the_service(world):
    row, _token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    with pytest.raises(Exception, match="安全管理员"):
        api_token_revoke(actor=world.users["office"], token=row)


def test_it_refuses_an_expired_token(world):
    row, token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(token).get(PROBLEMS).status_code == 401


def test_it_refuses_an_unknown_token_and_no_credentials(world):
    r = bearer("sijin_nonsense").get(PROBLEMS)
    assert r.status_code == 401
    assert r["WWW-Authenticate"] == 'Bearer realm="sijin"'
    r = Client().get(PROBLEMS)
    assert r.status_code == 401
    assert "Authorization: Bearer" in r.json()["detail"]


def test_a_token_of_a_deactivated_or_locked_out_login_opens_nothing(world):
    _row, token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    AccessAttempt.objects.create(
        username="member",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    r = bearer(token).get(PROBLEMS)
    assert r.status_code == 401
    assert "锁定" in r.json()["detail"]
    AccessAttempt.objects.all().delete()
    assert bearer(token).get(PROBLEMS).status_code == 200
    world.users["member"].is_active = False
    world.users["member"].save()
    assert bearer(token).get(PROBLEMS).status_code == 401


def test_a_token_acts_in_its_users_scope(world):
    _row, token = api_token_create(actor=world.users["outsider"], name="脚本", days=30)
    assert bearer(token).get(PROBLEMS).json()["items"] == []
    assert bearer(token).get(f"{PROBLEMS}/{world.problems['reported'].pk}").status_code == 404


def test_it_limits_the_rate_per_token(world, settings):
    settings.SIJIN_API_RATE = (3, 86400)  # a day's window: the test never straddles two
    row, token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    _other, other = api_token_create(actor=world.users["member"], name="另一个", days=30)
    client = bearer(token)
    assert [client.get(PROBLEMS).status_code for _ in range(3)] == [200, 200, 200]
    r = client.get(PROBLEMS)
    assert r.status_code == 429
    assert r.json()["detail"].startswith("请求过于频繁")
    assert 1 <= int(r["Retry-After"]) <= 86400
    assert bearer(other).get(PROBLEMS).status_code == 200  # per token
    row.refresh_from_db()
    assert row.last_used_at is not None and row.window_count == 3


def test_a_new_window_counts_again(world, settings):
    settings.SIJIN_API_RATE = (1, 86400)
    row, token = api_token_create(actor=world.users["member"], name="脚本", days=30)
    assert bearer(token).get(PROBLEMS).status_code == 200
    assert bearer(token).get(PROBLEMS).status_code == 429
    ApiToken.objects.filter(pk=row.pk).update(window_start=timezone.now() - timedelta(days=2))
    assert bearer(token).get(PROBLEMS).status_code == 200


def test_the_session_reads_and_needs_the_csrf_token_to_write(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["member"])
    assert client.get(PROBLEMS).status_code == 200
    data = {"target": world.enterprise.pk, "title": "会话上报", "reported_on": "2025-06-10"}
    r = client.post(PROBLEMS, data, content_type="application/json")
    assert r.status_code == 403
    assert r.json() == {"detail": "CSRF 校验失败,请刷新页面后重试。"}
    client.get("/account/api-tokens/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    r = client.post(PROBLEMS, data, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 201, r.content


def test_it_caps_the_live_tokens_of_a_user(world):
    for i in range(10):
        api_token_create(actor=world.users["member"], name=f"t{i}", days=30)
    r = client_for("member").post("/account/api-tokens/", {"name": "第十一个", "days": "30"})
    assert r.status_code == 400
    assert "最多 10 个" in r.content.decode()
