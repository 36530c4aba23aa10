"""问题台账 and problem detail through literal URLs with the demo personas."""

import re
from datetime import date

import pytest

from sijin.accounts.models import User
from sijin.core.testing import client_for
from sijin.directory.models import Organization
from sijin.problems.models import Problem, ProblemEvent
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition

BASE = "惠民县职业中专智能制造综合实训基地"


@pytest.fixture
def fresh(demo):
    """A just-reported problem at the training base."""
    target = demo["group"].targets.get(name=BASE)
    return problem_report(
        actor=demo["users"]["member"],
        target=target,
        title="实训楼消防通道堵塞",
        reported_on=date(2025, 9, 10),
    )


def org():
    return Organization.objects.get(name="惠民县教育局")


def triage_data(problem, **overrides):
    data = {
        "triage-version": problem.version,
        "triage-level": "county",
        "triage-handling_org": org().pk,
        "triage-deadline_days": "10",
    }
    data.update(overrides)
    return data


def test_it_lists_visible_problems_with_status_badges(fresh):
    r = client_for("office").get("/problems/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "实训楼消防通道堵塞" in body
    assert 'class="badge text-bg-secondary">已上报<' in body


def test_it_filters_by_status_and_keyword(fresh):
    client = client_for("office")
    body = client.get("/problems/?status=closed").content.decode()
    assert "实训楼消防通道堵塞" not in body
    body = client.get("/problems/?status=reported&q=消防通道").content.decode()
    assert "实训楼消防通道堵塞" in body
    page = client.get("/problems/?q=消防通道").context["page_obj"]
    assert [p.pk for p in page] == [fresh.pk]


def test_it_filters_by_handling_unit_and_light(fresh):
    client = client_for("office")
    problem_transition(
        actor=User.objects.get(username="office"),
        problem=fresh,
        action="triage",
        level="county",
        handling_org=org(),
        deadline_days=10,
    )
    page = client.get(f"/problems/?handling_org={org().pk}").context["page_obj"]
    assert fresh.pk in [p.pk for p in page]
    assert all(p.handling_org_id == org().pk for p in page)
    page = client.get("/problems/?light=none&q=消防通道").context["page_obj"]
    assert [p.pk for p in page] == []


def test_it_ignores_a_mistyped_filter_but_keeps_the_others(fresh):
    page = client_for("office").get("/problems/?reported_from=not-a-date&q=消防通道").context["page_obj"]
    assert [p.pk for p in page] == [fresh.pk]


def test_it_sorts_only_by_whitelisted_columns(fresh):
    client = client_for("office")
    r = client.get("/problems/?sort=-deadline")
    assert r.status_code == 200
    assert r.context["sort"] == "-deadline"
    r = client.get("/problems/?sort=created_by__password")
    assert r.status_code == 200
    assert r.context["sort"] == "-reported_on"


def test_it_hides_the_list_from_an_outsider(fresh):
    body = client_for("outsider").get("/problems/").content.decode()
    assert "实训楼消防通道堵塞" not in body


def test_it_shows_only_the_allowed_actions(fresh):
    body = client_for("office").get(f"/problems/{fresh.pk}/").content.decode()
    assert f'action="/problems/{fresh.pk}/act/triage/"' in body
    assert "/act/accept/" not in body
    body = client_for("handler").get(f"/problems/{fresh.pk}/").status_code
    # the handler sees the problem only once it is assigned to their unit
    assert body == 404
    body = client_for("leader").get(f"/problems/{fresh.pk}/").content.decode()
    assert "/act/" not in body
    assert "当前没有您可执行的操作" in body


def test_it_runs_an_action_and_writes_the_timeline(fresh):
    r = client_for("office").post(f"/problems/{fresh.pk}/act/triage/", triage_data(fresh))
    assert r.status_code == 302
    fresh.refresh_from_db()
    assert (fresh.status, fresh.handling_org_id, fresh.deadline_days) == ("assigned", org().pk, 10)
    body = client_for("handler").get(f"/problems/{fresh.pk}/").content.decode()
    assert "/act/accept/" in body and "/act/triage/" not in body
    assert "已交办" in body


def test_it_shows_chinese_errors_and_saves_nothing(fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(fresh, **{"triage-level": ""})
    )
    assert r.status_code == 400
    assert "请填写办理层级。" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1


def test_it_reports_a_stale_version(fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(fresh, **{"triage-version": 99})
    )
    assert r.status_code == 409
    assert "该问题已被他人处理,请刷新后再操作。" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_refuses_an_action_the_user_may_not_take(fresh):
    r = client_for("member").post(f"/problems/{fresh.pk}/act/triage/", triage_data(fresh))
    assert r.status_code == 403
    assert "无权" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_gives_the_read_only_leader_403(fresh):
    r = client_for("leader").post(f"/problems/{fresh.pk}/act/triage/", triage_data(fresh))
    assert r.status_code == 403
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_gives_an_outsider_404(fresh):
    client = client_for("outsider")
    assert client.get(f"/problems/{fresh.pk}/").status_code == 404
    assert client.post(f"/problems/{fresh.pk}/act/triage/", triage_data(fresh)).status_code == 404
    assert client.get("/problems/999999/").status_code == 404


def test_it_closes_a_problem_through_the_pages(fresh):
    assert (
        client_for("office").post(f"/problems/{fresh.pk}/act/triage/", triage_data(fresh)).status_code == 302
    )
    fresh.refresh_from_db()
    handler = client_for("handler")
    assert (
        handler.post(f"/problems/{fresh.pk}/act/accept/", {"accept-version": fresh.version}).status_code
        == 302
    )
    fresh.refresh_from_db()
    r = handler.post(
        f"/problems/{fresh.pk}/act/resolve/",
        {"resolve-version": fresh.version, "resolve-resolution": "已清理通道"},
    )
    assert r.status_code == 302
    fresh.refresh_from_db()
    r = client_for("member").post(
        f"/problems/{fresh.pk}/act/verify/",
        {"verify-version": fresh.version, "verify-satisfaction": "satisfied"},
    )
    assert r.status_code == 302
    body = client_for("member").get(f"/problems/{fresh.pk}/").content.decode()
    assert re.search(r'badge text-bg-dark">已销号<', body)
    assert Problem.objects.get(pk=fresh.pk).status == "closed"


def test_it_runs_an_htmx_action_and_returns_the_panel(fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(fresh), HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    assert "HX-Request" in r["Vary"]
    body = r.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="problem-panel">')
    assert re.search(r'<span class="fs-6" id="problem-status"><span class="badge [^"]+">已交办<', body)
    assert "已分级交办,当前状态:已交办。" in body
    fresh.refresh_from_db()
    assert fresh.status == "assigned"
    assert list(ProblemEvent.objects.filter(problem=fresh).values_list("action", flat=True)) == [
        "report",
        "triage",
    ]
    # the message was shown in the panel, so it must not wait for the next full page
    assert "已分级交办" not in client_for("office").get(f"/problems/{fresh.pk}/").content.decode()


def test_it_shows_htmx_errors_in_the_panel_and_saves_nothing(fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/",
        triage_data(fresh, **{"triage-level": ""}),
        HTTP_HX_REQUEST="true",
    )
    # 200, not 400: htmx 2 would not swap a 4xx response into the panel (see views._render_detail)
    assert r.status_code == 200
    body = r.content.decode()
    assert "<html" not in body and 'id="problem-panel"' in body
    assert "请填写办理层级。" in body
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1


def test_it_reports_a_stale_version_in_the_htmx_panel(fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/",
        triage_data(fresh, **{"triage-version": 99}),
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "<html" not in body and 'id="problem-panel"' in body
    assert (
        '<div class="alert alert-danger" role="alert" id="action-error">该问题已被他人处理,请刷新后再操作。<'
        in body
    )
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1


def test_it_renders_only_the_panel_for_an_htmx_get(fresh):
    r = client_for("office").get(f"/problems/{fresh.pk}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "HX-Request" in r["Vary"]
    body = r.content.decode()
    assert "<html" not in body
    assert (
        f'hx-post="/problems/{fresh.pk}/act/triage/" hx-target="#problem-panel" hx-swap="outerHTML"' in body
    )


def test_it_refuses_an_htmx_action_the_user_may_not_take_in_the_panel(fresh):
    r = client_for("member").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(fresh), HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "<html" not in body
    assert "您无权对此问题执行“分级交办”。" in body
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1
