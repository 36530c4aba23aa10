"""Regions in the JSON API: reference data for every signed-in caller, paged by code."""

import pytest
from django.test import Client

from sijin.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def api(world, username: str) -> Client:
    _row, token = api_token_create(actor=world.users[username], name="测试", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_it_lists_the_children_of_a_region(world):
    body = api(world, "handler").get(f"/api/v1/regions?parent={world.city.code}&limit=200").json()
    codes = [r["code"] for r in body["items"]]
    assert world.county.code in codes and codes == sorted(codes)
    assert all(r["parent"] == world.city.code for r in body["items"])


def test_it_shows_one_region_and_404s_an_unknown_code(world):
    client = api(world, "member")
    assert client.get(f"/api/v1/regions/{world.county.code}").json()["name"] == "嘉祥县"
    assert client.get("/api/v1/regions/999999999999").status_code == 404
    assert client.get("/api/v1/regions/abc").status_code == 404


def test_it_refuses_a_malformed_parent_and_anonymous_callers(world):
    r = api(world, "member").get("/api/v1/regions?parent=37")
    assert r.status_code == 400 and list(r.json()["errors"]) == ["parent"]
    assert Client().get("/api/v1/regions").status_code == 401
