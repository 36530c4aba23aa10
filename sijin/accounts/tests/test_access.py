"""Each persona of the small world sees exactly what its role allows, on the list and the detail pages (404 outside
scope)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import Target
from sijin.problems.models import Problem
from sijin.testing import client_for, outsider

ALL = {"enterprise", "project", "village"}  # the world's targets (sijin/testing.py)
SEES_TARGETS = {
    "office": ALL,
    "unit": ALL,
    "leader": ALL,
    "group_leader": ALL,
    "member": ALL,
    "admin": ALL,
    "handler": {"project"},  # where the problems handed to its unit are
    "auditor": set(),
    "outsider": set(),
}
SEES_GROUP = {"office", "unit", "leader", "group_leader", "member", "admin"}


@pytest.mark.parametrize(("username", "expected"), SEES_TARGETS.items())
def test_it_lists_exactly_the_targets_in_scope(world, username, expected):
    html = client_for(username).get("/targets/").content.decode()
    assert {name for name in ALL if getattr(world, name).name in html} == expected


@pytest.mark.parametrize(("username", "expected"), SEES_TARGETS.items())
def test_it_hides_target_details_outside_scope(world, username, expected):
    client = client_for(username)
    for name in ALL:
        status = client.get(f"/targets/{getattr(world, name).pk}/").status_code
        assert status == (200 if name in expected else 404), (username, name)


@pytest.mark.parametrize("username", SEES_TARGETS)
def test_it_shows_the_group_page_only_in_scope(world, username):
    client = client_for(username)
    assert client.get(f"/groups/{world.group.pk}/").status_code == (200 if username in SEES_GROUP else 404)
    listed = world.group.name in client.get("/groups/").content.decode()
    assert listed == (username in SEES_GROUP)


@pytest.mark.parametrize("username", ["member", "handler", "office"])
def test_it_lists_problems_by_scope(world, username):
    user = User.objects.get(username=username)
    titles = set(Problem.objects.visible_to(user).values_list("title", flat=True))
    if username == "handler":
        assert titles == {world.problems[s].title for s in ("assigned", "accepted", "in_progress")}
    else:
        assert titles == {p.title for p in world.problems.values()}


def test_it_returns_404_for_a_missing_or_malformed_id(world):
    client = client_for("office")
    assert client.get("/targets/999999/").status_code == 404
    with pytest.raises(Http404):
        access.get_target_for(User.objects.get(username="office"), "abc")


def test_it_lets_a_leader_read_but_not_write(world):
    leader = User.objects.get(username="leader")
    target = world.village
    assert access.get_target_for(leader, target.pk) == target
    with pytest.raises(PermissionDenied):
        access.get_target_for(leader, target.pk, write=True)
    assert access.get_target_for(User.objects.get(username="member"), target.pk, write=True) == target


def test_it_sends_anonymous_visitors_to_login(db):
    from django.test import Client

    r = Client().get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")
    assert Client().get("/login/").status_code == 200


def test_outsider_is_an_office_of_another_city(world):
    user = outsider()
    assert Target.objects.visible_to(user).count() == 0
    assert Problem.objects.visible_to(user).count() == 0
