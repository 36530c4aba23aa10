"""Each persona sees exactly what its role allows, on the list and the detail pages (404 outside scope)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import Target
from sijin.core.testing import client_for, outsider

ALL = {"惠宇汽车零部件有限公司", "惠民县职业中专智能制造综合实训基地", "官道李村", "棣州社区"}
SEES_TARGETS = {
    "office": ALL,
    "unit": ALL,
    "leader": ALL,
    "member": ALL,
    "admin": ALL,
    "handler": {"惠民县职业中专智能制造综合实训基地"},
    "auditor": set(),
    "outsider": set(),
}
SEES_GROUP = {"office", "unit", "leader", "member", "admin"}


@pytest.mark.parametrize(("username", "expected"), SEES_TARGETS.items())
def test_it_lists_exactly_the_targets_in_scope(demo, username, expected):
    html = client_for(username).get("/targets/").content.decode()
    assert {name for name in ALL if name in html} == expected


@pytest.mark.parametrize(("username", "expected"), SEES_TARGETS.items())
def test_it_hides_target_details_outside_scope(demo, username, expected):
    client = client_for(username)
    for target in Target.objects.all():
        status = client.get(f"/targets/{target.pk}/").status_code
        assert status == (200 if target.name in expected else 404), (username, target.name)


@pytest.mark.parametrize("username", SEES_TARGETS)
def test_it_shows_the_group_page_only_in_scope(demo, username):
    client = client_for(username)
    assert client.get(f"/groups/{demo['group'].pk}/").status_code == (200 if username in SEES_GROUP else 404)
    listed = demo["group"].name in client.get("/groups/").content.decode()
    assert listed == (username in SEES_GROUP)


@pytest.mark.parametrize("username", ["member", "handler", "office"])
def test_it_lists_problems_by_scope(demo, username):
    user = User.objects.get(username=username)
    titles = set(access.visible_problems(user).values_list("title", flat=True))
    if username == "handler":
        assert titles == {"新校师资短缺", "专业设置不合理"}
    else:
        assert len(titles) == 8


def test_it_returns_404_for_a_missing_or_malformed_id(demo):
    client = client_for("office")
    assert client.get("/targets/999999/").status_code == 404
    with pytest.raises(Http404):
        access.get_target_for(User.objects.get(username="office"), "abc")


def test_it_lets_a_leader_read_but_not_write(demo):
    leader = User.objects.get(username="leader")
    target = Target.objects.get(name="官道李村")
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


def test_outsider_is_an_office_of_another_city(demo):
    user = outsider()
    assert access.visible_targets(user).count() == 0
    assert access.visible_problems(user).count() == 0


def test_the_office_workbench_lists_overdue_problems_to_chase(demo):
    html = client_for("office").get("/").content.decode()
    assert "新校师资短缺" in html and "超期" in html
    assert "新校师资短缺" in client_for("handler").get("/").content.decode()
    assert "新校师资短缺" not in client_for("auditor").get("/").content.decode()


def test_a_handler_sees_only_their_units_problems_on_a_target(demo):
    from sijin.directory.models import Organization
    from sijin.problems.services import problem_report
    from sijin.problems.workflow import problem_transition

    base = Target.objects.get(name="惠民县职业中专智能制造综合实训基地")
    other = problem_report(
        actor=User.objects.get(username="member"),
        target=base,
        title="实训设备进口报关滞后",
        reported_on=base.visits.first().date,
    )
    problem_transition(
        actor=User.objects.get(username="office"),
        problem=other,
        action="triage",
        level="county",
        handling_org=Organization.objects.get(name="惠民县农业农村服务中心"),
        deadline_days=5,
    )
    html = client_for("handler").get(f"/targets/{base.pk}/").content.decode()
    assert "新校师资短缺" in html
    assert "实训设备进口报关滞后" not in html
    assert "深入工地" not in html  # the group's visit notes
    assert "实训设备进口报关滞后" in client_for("member").get(f"/targets/{base.pk}/").content.decode()


def test_the_workbench_sums_outcomes_as_reports_write_them(demo):
    html = client_for("member").get("/").content.decode()
    assert "2万斤" in html and "3.5万元" in html and "16余" in html
