"""问题台账 and problem detail through literal URLs with the personas of the small world (sijin/testing.py)."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sijin.accounts.models import User
from sijin.campaigns.models import Indicator
from sijin.directory.services import organization_ensure, person_ensure
from sijin.fieldwork.models import Outcome
from sijin.fieldwork.photos import visit_photo_add
from sijin.problems.models import Problem, ProblemAttachment, ProblemEvent
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.testing import World, client_for


@pytest.fixture
def fresh(world):
    """A just-reported problem at the world's project."""
    return problem_report(
        actor=world.users["member"],
        target=world.project,
        title="泵站消防通道堵塞",
        reported_on=date(2025, 9, 10),
    )


def triage_data(world: World, problem, **overrides):
    data = {
        "triage-version": problem.version,
        "triage-level": "county",
        "triage-handling_org": world.dept.pk,
        "triage-deadline_days": "10",
    }
    data.update(overrides)
    return data


def test_it_lists_visible_problems_with_status_badges(fresh):
    r = client_for("office").get("/problems/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "泵站消防通道堵塞" in body
    assert 'class="badge text-bg-secondary">已上报<' in body


def test_it_filters_by_status_and_keyword(fresh):
    client = client_for("office")
    body = client.get("/problems/?status=closed").content.decode()
    assert "泵站消防通道堵塞" not in body
    body = client.get("/problems/?status=reported&q=消防通道").content.decode()
    assert "泵站消防通道堵塞" in body
    page = client.get("/problems/?q=消防通道").context["page_obj"]
    assert [p.pk for p in page] == [fresh.pk]


def test_it_filters_by_handling_unit_and_light(world, fresh):
    client = client_for("office")
    problem_transition(
        actor=User.objects.get(username="office"),
        problem=fresh,
        action="triage",
        level="county",
        handling_org=world.dept,
        deadline_days=10,
    )
    page = client.get(f"/problems/?handling_org={world.dept.pk}").context["page_obj"]
    assert fresh.pk in [p.pk for p in page]
    assert all(p.handling_org_id == world.dept.pk for p in page)
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
    assert "泵站消防通道堵塞" not in body


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


def test_it_runs_an_action_and_writes_the_timeline(world, fresh):
    r = client_for("office").post(f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh))
    assert r.status_code == 302
    fresh.refresh_from_db()
    assert (fresh.status, fresh.handling_org_id, fresh.deadline_days) == ("assigned", world.dept.pk, 10)
    body = client_for("handler").get(f"/problems/{fresh.pk}/").content.decode()
    assert "/act/accept/" in body and "/act/triage/" not in body
    assert "已交办" in body


def test_it_shows_chinese_errors_and_saves_nothing(world, fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh, **{"triage-level": ""})
    )
    assert r.status_code == 400
    assert "请填写办理层级。" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1


def test_it_reports_a_stale_version(world, fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh, **{"triage-version": 99})
    )
    assert r.status_code == 409
    assert "该问题已被他人处理,请刷新后再操作。" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_refuses_an_action_the_user_may_not_take(world, fresh):
    r = client_for("member").post(f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh))
    assert r.status_code == 403
    assert "无权" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_gives_the_read_only_leader_403(world, fresh):
    r = client_for("leader").post(f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh))
    assert r.status_code == 403
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_it_gives_an_outsider_404(world, fresh):
    client = client_for("outsider")
    assert client.get(f"/problems/{fresh.pk}/").status_code == 404
    assert client.post(f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh)).status_code == 404
    assert client.get("/problems/999999/").status_code == 404


def test_it_closes_a_problem_through_the_pages(world, fresh):
    assert (
        client_for("office").post(f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh)).status_code
        == 302
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


def test_it_runs_an_htmx_action_and_returns_the_panel(world, fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh), HTTP_HX_REQUEST="true"
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


def test_it_shows_htmx_errors_in_the_panel_and_saves_nothing(world, fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/",
        triage_data(world, fresh, **{"triage-level": ""}),
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


def test_it_reports_a_stale_version_in_the_htmx_panel(world, fresh):
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/",
        triage_data(world, fresh, **{"triage-version": 99}),
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


def test_it_refuses_an_htmx_action_the_user_may_not_take_in_the_panel(world, fresh):
    r = client_for("member").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh), HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "<html" not in body
    assert "您无权对此问题执行“分级交办”。" in body
    fresh.refresh_from_db()
    assert fresh.status == "reported"
    assert ProblemEvent.objects.filter(problem=fresh).count() == 1


# ---- 办结 with evidence and outcomes; photos; region filter; triage choices ---------------------------------
def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 140, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def accepted(world, fresh, settings, tmp_path):
    """The fresh problem assigned to 嘉祥县水务局 and signed by its handler; uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    office, handler = User.objects.get(username="office"), User.objects.get(username="handler")
    problem_transition(actor=office, problem=fresh, action="triage", level="county", handling_org=world.dept)
    return problem_transition(actor=handler, problem=fresh, action="accept")


def resolve_data(problem, **overrides):
    data = {
        "resolve-version": problem.version,
        "resolve-resolution": "协调企业采购滞销蔬菜",
        "resolve-measures": "对接商超渠道",
        "resolve-coordinated_with": "嘉祥县商务局",
        "resolve-outcome0_indicator": produce(problem).pk,
        "resolve-outcome0_value": "2万斤",
        "resolve-outcome0_note": "帮助销售",
        "resolve-evidence": SimpleUploadedFile("销售凭证.png", png_bytes(), content_type="text/plain"),
    }
    data.update(overrides)
    return data


def produce(problem) -> Indicator:
    return Indicator.objects.get(campaign=problem.campaign_id, code="produce_sold")


def produce_sum(username: str) -> tuple[float, int]:
    rows = client_for(username).get("/reports/dashboard/").context["data"]["outcomes"]
    row = next((r for r in rows if r["indicator"] == "销售农产品"), {"value": 0.0, "count": 0})
    return row["value"], row["count"]


def test_it_resolves_with_evidence_and_an_outcome_that_reaches_the_target(accepted):
    before = produce_sum("office")
    r = client_for("handler").post(f"/problems/{accepted.pk}/act/resolve/", resolve_data(accepted))
    assert r.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "resolved"
    assert (accepted.measures, accepted.coordinated_with) == ("对接商超渠道", "嘉祥县商务局")
    outcome = Outcome.objects.get(problem=accepted)
    assert (outcome.indicator, outcome.value, outcome.as_typed) == (
        produce(accepted),
        Decimal(20000),
        "2万斤",
    )
    event = ProblemEvent.objects.get(problem=accepted, action="resolve")
    attachment = event.attachments.get()
    # the type stored is the content's (PNG), not what the browser claimed
    assert (attachment.name, attachment.content_type) == ("销售凭证.png", "image/png")
    assert attachment.file.read() == png_bytes()
    body = client_for("member").get(f"/targets/{accepted.target_id}/").content.decode()
    assert "2万斤" in body and "帮助销售" in body
    assert produce_sum("office") == (before[0] + 20000, before[1] + 1)
    body = client_for("handler").get(f"/problems/{accepted.pk}/").content.decode()
    assert "2万斤" in body and "销售凭证.png" in body


def test_it_refuses_a_bad_outcome_value_and_saves_nothing(accepted, settings):
    data = resolve_data(accepted, **{"resolve-outcome0_value": "很多"})
    r = client_for("handler").post(f"/problems/{accepted.pk}/act/resolve/", data, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="problem-panel"' in body and "无法识别“很多”" in body
    accepted.refresh_from_db()
    assert (accepted.status, accepted.measures) == ("accepted", "")
    assert not Outcome.objects.filter(problem=accepted).exists()
    assert not ProblemEvent.objects.filter(problem=accepted, action="resolve").exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]  # no orphaned upload


def test_it_refuses_an_outcome_without_an_indicator(accepted):
    data = resolve_data(accepted, **{"resolve-outcome0_indicator": ""})
    r = client_for("handler").post(f"/problems/{accepted.pk}/act/resolve/", data)
    assert r.status_code == 400
    assert "请选择成效指标。" in r.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


def test_it_refuses_evidence_that_is_not_a_document_by_content(accepted):
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = client_for("handler").post(
        f"/problems/{accepted.pk}/act/resolve/", resolve_data(accepted, **{"resolve-evidence": fake})
    )
    assert r.status_code == 400
    assert "“报告.pdf”不是PDF、图片、Word或Excel文件。" in r.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == "accepted"
    assert not Outcome.objects.filter(problem=accepted).exists()


def test_it_accepts_a_pdf_and_an_xlsx_as_evidence(accepted):
    import openpyxl

    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    files = [
        SimpleUploadedFile("验收单.pdf", b"%PDF-1.7\n%\xe2\xe3\n", content_type="application/pdf"),
        SimpleUploadedFile("台账.xlsx", book.getvalue(), content_type="application/octet-stream"),
    ]
    data = resolve_data(accepted, **{"resolve-evidence": files, "resolve-outcome0_indicator": ""})
    data["resolve-outcome0_value"] = ""
    r = client_for("handler").post(f"/problems/{accepted.pk}/act/resolve/", data)
    assert r.status_code == 302
    types = set(
        ProblemEvent.objects.get(problem=accepted, action="resolve").attachments.values_list(
            "content_type", flat=True
        )
    )
    assert types == {"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_it_shows_the_visit_photos_through_the_problem_to_whoever_sees_it(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    problem = world.overdue  # found on a visit, handled by the handler's unit
    photo = visit_photo_add(
        actor=User.objects.get(username="member"),
        visit=problem.visit,
        uploaded_file=SimpleUploadedFile("site.png", png_bytes(), content_type="image/png"),
    )
    url = f"/problems/{problem.pk}/visit-photos/{photo.pk}/"
    for username in ("member", "handler"):
        client = client_for(username)
        assert f'src="{url}"' in client.get(f"/problems/{problem.pk}/").content.decode()
        assert client.get(url).status_code == 200
    handler = client_for("handler")
    assert handler.get(f"/visits/photos/{photo.pk}/").status_code == 404  # the visit itself stays hidden
    other = world.problems["reported"]  # found on another visit: not this problem's photo
    assert handler.get(f"/problems/{other.pk}/visit-photos/{photo.pk}/").status_code == 404
    assert client_for("member").get(f"/problems/{other.pk}/visit-photos/{photo.pk}/").status_code == 404
    assert client_for("outsider").get(url).status_code == 404


def test_it_filters_by_region(world, fresh):
    county, beside = world.county.code, world.other_county.code  # 嘉祥县 and 汶上县
    Problem.objects.filter(pk=fresh.pk).update(region_id=beside)
    client = client_for("office")
    # Offered from the office's own region (its city and the counties in it), never by scanning its problems.
    shown = {str(code) for code, _label in client.get("/problems/").context["form"].fields["region"].choices}
    assert {beside, county} <= shown and world.outside_city.code not in shown
    assert all(code.startswith(world.city.prefix) for code in shown - {""})
    page = client.get(f"/problems/?region={beside}").context["page_obj"]
    assert [p.pk for p in page] == [fresh.pk]
    page = client.get(f"/problems/?region={county}").context["page_obj"]
    assert fresh.pk not in [p.pk for p in page] and len(page) > 0
    # a region outside the list (潍坊) is ignored rather than emptying the ledger
    page = client.get(f"/problems/?region={world.outside_city.code}").context["page_obj"]
    assert fresh.pk in [p.pk for p in page]


def test_it_offers_only_units_of_the_problems_region_line_for_triage(world, fresh):
    weifang = organization_ensure(actor=None, name="潍坊市水利局", region=world.outside_city)
    person_ensure(actor=None, name="潍坊承办人", organization=weifang)
    form = client_for("office").get(f"/problems/{fresh.pk}/").context["actions"][0]["form"]
    orgs = set(form.fields["handling_org"].queryset)
    assert {
        world.dept,
        world.other_dept,
        world.unit_org,
        world.office_org,
    } <= orgs  # the county's and the city's
    assert weifang not in orgs
    people = set(form.fields["handler"].queryset)
    assert world.handler_person in people and "潍坊承办人" not in {p.name for p in people}
    r = client_for("office").post(
        f"/problems/{fresh.pk}/act/triage/", triage_data(world, fresh, **{"triage-handling_org": weifang.pk})
    )
    assert r.status_code == 400
    assert "承办单位选择无效。" in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == "reported"


def test_evidence_is_served_only_within_scope(accepted):
    client = client_for("handler")
    client.post(f"/problems/{accepted.pk}/act/resolve/", resolve_data(accepted))
    attachment = ProblemAttachment.objects.get(event__problem=accepted)
    r = client.get(f"/problems/attachments/{attachment.pk}/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == png_bytes()
    assert (
        f'href="/problems/attachments/{attachment.pk}/"'
        in client.get(f"/problems/{accepted.pk}/").content.decode()
    )
    assert client_for("outsider").get(f"/problems/attachments/{attachment.pk}/").status_code == 404
