"""Targets in the JSON API: the list in the caller's scope with the page's filters, one target, 新增帮扶对象
through the page's form and service."""

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create
from sijin.campaigns.models import Target

pytestmark = pytest.mark.django_db


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["items"]}


def test_it_lists_the_targets_in_scope_with_the_pages_filters(world):
    member = api(world, "member")
    assert names(member.get("/api/v1/targets")) == {t.name for t in world.targets}
    assert names(member.get("/api/v1/targets?kind=village")) == {"王庄村"}
    assert names(member.get("/api/v1/targets?q=排水")) == {"嘉祥县城区排水改造工程"}
    assert names(member.get(f"/api/v1/targets?region={world.other_county.code}")) == set()
    # The handler sees the targets of its unit's problems only.
    assert names(api(world, "handler").get("/api/v1/targets")) == {"嘉祥县城区排水改造工程"}
    assert names(api(world, "outsider").get("/api/v1/targets")) == set()


def test_it_pages_the_targets(world):
    client = api(world, "member")
    first = client.get("/api/v1/targets?limit=2").json()
    second = client.get(f"/api/v1/targets?limit=2&cursor={first['next']}").json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    assert not {r["id"] for r in first["items"]} & {r["id"] for r in second["items"]}


def test_it_shows_one_target_and_hides_one_outside_the_scope(world):
    body = api(world, "member").get(f"/api/v1/targets/{world.enterprise.pk}").json()
    assert body["kind"]["code"] == "enterprise"
    assert body["attributes"]["industry"] == "机械制造"
    assert api(world, "outsider").get(f"/api/v1/targets/{world.enterprise.pk}").status_code == 404
    assert api(world, "handler").get(f"/api/v1/targets/{world.enterprise.pk}").status_code == 404


def test_it_creates_a_target_through_the_pages_form(world):
    data = {
        "kind": world.kinds["enterprise"].pk,
        "group": world.group.pk,
        "name": "嘉祥县新兴纺织有限公司",
        "region": world.county.code,
        "attributes": {"employees": "120人"},
    }
    r = api(world, "member").post("/api/v1/targets", data, content_type="application/json")
    assert r.status_code == 201, r.content
    target = Target.objects.get(pk=r.json()["id"])
    assert (target.group, target.attributes["employees"]["as_typed"]) == (world.group, "120人")


def test_a_parameter_given_twice_is_refused_not_read_as_its_last_value(world):
    client = api(world, "member")
    r = client.get("/api/v1/targets?q=" + "排" * 101 + "&q=排水")
    assert r.status_code == 400 and r.json()["errors"] == {"q": ["应为字符串。"]}
    assert client.get("/api/v1/targets?kind=village&kind=enterprise").status_code == 400
    assert names(client.get("/api/v1/targets?q=排水")) == {"嘉祥县城区排水改造工程"}


def test_it_refuses_bad_target_input_with_field_names(world):
    client = api(world, "member")
    base = {
        "kind": world.kinds["enterprise"].pk,
        "group": world.group.pk,
        "name": "某公司",
        "region": world.county.code,
    }
    r = client.post(
        "/api/v1/targets", {**base, "region": world.outside_city.code}, content_type="application/json"
    )
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["region"]
    r = client.post(
        "/api/v1/targets", {**base, "attributes": {"colour": "红"}}, content_type="application/json"
    )
    assert r.json()["errors"] == {"attributes.colour": ["该对象类型没有此属性。"]}
    r = client.post("/api/v1/targets", {**base, "credit_code": "123"}, content_type="application/json")
    assert r.status_code == 400 and "credit_code" in r.json()["errors"]


def test_it_refuses_a_target_to_readers_and_outsiders(world):
    data = {
        "kind": world.kinds["enterprise"].pk,
        "group": world.group.pk,
        "name": "某公司",
        "region": world.county.code,
    }
    r = api(world, "leader").post("/api/v1/targets", data, content_type="application/json")
    assert r.status_code == 403
    assert r.json() == {"detail": "您没有可以新增帮扶对象的工作组。"}
    # An office elsewhere has no group here to write to.
    assert (
        api(world, "outsider").post("/api/v1/targets", data, content_type="application/json").status_code
        == 403
    )
    r = api(world, "member").post(
        "/api/v1/targets", {**data, "kind": 999999}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"kind": ["所选对象类型无效。"]}
