"""The problem's life without surprises: the category and the unit's own people on 分级交办, days overdue and
催办 on the 督办 page, bulk 交办/催办 from the 问题台账, the export of its current filter, timelines newest first,
and photos of a problem that its handler sees too."""

import io
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from sijin.accounts.models import User
from sijin.campaigns.models import Category
from sijin.core.models import AuditLog, Notification
from sijin.core.workdays import workdays_left
from sijin.directory.services import organization_ensure, person_ensure
from sijin.problems.models import Problem, ProblemAttachment, ProblemEvent, Status
from sijin.problems.services import problem_bulk_act, problem_photo_add, problem_report
from sijin.problems.supervision import problem_urge
from sijin.problems.workflow import problem_transition
from sijin.testing import World, client_for

GPS_IFD = 0x8825


def user(username: str) -> User:
    return User.objects.get(username=username)


def report(w: World, title: str, target=None) -> Problem:
    return problem_report(
        actor=user("member"), target=target or w.project, title=title, reported_on=date(2025, 9, 10)
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---- 1. 分级交办: the category, and the chosen unit's people only -------------------------------------------
def test_it_sets_the_category_on_triage_and_counts_its_deadline(world):
    problem = report(world, "泵站护栏缺失")
    safety = world.categories["安全生产"]
    Category.objects.filter(pk=safety.pk).update(solve_days=4)
    page = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="triage-category"' in page
    r = client_for("office").post(
        f"/problems/{problem.pk}/act/triage/",
        {
            "triage-version": problem.version,
            "triage-level": "county",
            "triage-handling_org": world.dept.pk,
            "triage-category": safety.pk,
        },
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.category == safety and problem.deadline_days == 4  # the new category's time limit
    event = problem.events.get(action="triage")
    assert event.data["category"] == {"id": safety.pk, "name": "安全生产"}
    body = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    assert "类别:安全生产" in body


def test_it_leaves_the_category_when_triage_does_not_name_one(world):
    problem = world.problems["reported"]  # 安全生产
    problem_transition(
        actor=user("office"), problem=problem, action="triage", level="county", handling_org=world.dept
    )
    problem.refresh_from_db()
    assert problem.category == world.categories["安全生产"]


def test_it_refuses_a_category_of_another_campaign(world):
    problem = report(world, "泵站围墙开裂")
    foreign = Category(pk=None, campaign_id=problem.campaign_id + 1000, name="外来类别")
    with pytest.raises(ValidationError) as exc:
        problem_transition(
            actor=user("office"),
            problem=problem,
            action="triage",
            level="county",
            handling_org=world.dept,
            category=foreign,
        )
    assert "问题类别不属于该问题所在行动" in str(exc.value)
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED and problem.category is None


def test_it_refuses_a_handler_of_another_unit_in_chinese(world):
    problem = report(world, "泵站配电箱老化")
    stranger = person_ensure(actor=None, name="钱工", organization=world.other_dept)
    with pytest.raises(ValidationError) as exc:
        problem_transition(
            actor=user("office"),
            problem=problem,
            action="triage",
            level="county",
            handling_org=world.dept,
            handler=stranger,
        )
    assert "承办人不属于所选承办单位" in str(exc.value)
    r = client_for("office").post(
        f"/problems/{problem.pk}/act/triage/",
        {
            "triage-version": problem.version,
            "triage-level": "county",
            "triage-handling_org": world.dept.pk,
            "triage-handler": stranger.pk,
        },
    )
    assert r.status_code == 400
    assert "承办人不属于所选承办单位。" in r.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED


def test_it_marks_each_handler_with_its_unit_for_the_page_script(world):
    problem = report(world, "泵站照明不足")
    body = client_for("office").get(f"/problems/{problem.pk}/").content.decode()
    select = body[body.index('name="triage-handler"') :]
    option = re.search(rf'<option value="{world.handler_person.pk}"[^>]*>', select).group(0)
    assert f'data-org="{world.dept.pk}"' in option
    assert '<script src="/static/sijin/problem-routing.js"></script>' in body
    assert "onchange" not in body  # no inline script (CSP)


# ---- 2. 督办: days overdue and 催办 -----------------------------------------------------------------------------
def test_it_shows_working_days_overdue_on_the_supervision_page(world):
    today = timezone.localdate()
    late = -workdays_left(world.overdue.deadline, today)
    body = client_for("office").get("/problems/supervision/").content.decode()
    assert f"{late}个工作日" in body


def test_it_offers_urge_only_to_the_office(world):
    url = f"/problems/{world.overdue.pk}/urge/"
    assert url in client_for("office").get("/problems/supervision/").content.decode()
    for username in ("handler", "leader", "member", "unit"):
        assert url not in client_for(username).get("/problems/supervision/").content.decode(), username


def test_it_urges_a_problem_from_the_supervision_page(world):
    problem = world.overdue
    r = client_for("office").post(f"/problems/{problem.pk}/urge/", {"next": "/problems/supervision/"})
    assert (r.status_code, r["Location"]) == (302, "/problems/supervision/")
    event = ProblemEvent.objects.get(problem=problem, action="urge")
    assert event.actor == user("office") and "已超期" in event.comment
    assert Notification.objects.filter(user__username="handler", kind="urge").count() == 1
    assert AuditLog.objects.filter(action="problem_event", summary__startswith="催办:").exists()
    problem.refresh_from_db()
    assert problem.status == Status.IN_PROGRESS  # a reminder, not a step


def test_it_urges_once_a_day(world):
    problem_urge(actor=user("office"), problem=world.overdue)
    with pytest.raises(ValidationError, match="今天已催办过该问题"):
        problem_urge(actor=user("office"), problem=world.overdue)
    assert ProblemEvent.objects.filter(problem=world.overdue, action="urge").count() == 1


def test_it_refuses_urge_to_anyone_but_the_office(world):
    with pytest.raises(PermissionDenied):
        problem_urge(actor=user("member"), problem=world.overdue)
    assert client_for("handler").post(f"/problems/{world.overdue.pk}/urge/").status_code == 403
    assert client_for("leader").post(f"/problems/{world.overdue.pk}/urge/").status_code == 403
    assert client_for("outsider").post(f"/problems/{world.overdue.pk}/urge/").status_code == 404
    assert not ProblemEvent.objects.filter(action="urge").exists()


def test_it_refuses_an_offsite_return_address_after_urging(world):
    r = client_for("office").post(f"/problems/{world.overdue.pk}/urge/", {"next": "https://evil.example/"})
    assert r["Location"] == f"/problems/{world.overdue.pk}/"


# ---- 3. bulk 交办 and 催办 ----------------------------------------------------------------------------------------
def bulk_token(client) -> str:
    page = client.get("/problems/").content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_it_shows_the_bulk_bar_only_to_those_who_may_use_it(world):
    body = client_for("office").get("/problems/").content.decode()
    assert 'id="bulk-form"' in body and 'name="problems"' in body
    assert (
        '<option value="triage">批量交办</option>' in body
        and '<option value="urge">批量催办</option>' in body
    )
    body = client_for("group_leader").get("/problems/").content.decode()
    assert '<option value="triage">批量交办</option>' in body and 'value="urge"' not in body
    for username in ("handler", "member", "leader"):
        assert 'id="bulk-form"' not in client_for(username).get("/problems/").content.decode(), username


def test_it_bulk_triages_and_names_the_problems_it_could_not(world):
    first, second = report(world, "泵站排水沟堵塞"), report(world, "泵站门卫室漏雨")
    accepted = world.problems["accepted"]
    client = client_for("office")
    data = {
        "form_token": bulk_token(client),
        "action": "triage",
        "problems": [first.pk, second.pk, accepted.pk, 999999],
        "level": "county",
        "handling_org": world.dept.pk,
        "deadline_days": "7",
        "query": "status=reported",
    }
    r = client.post("/problems/bulk/", data, follow=True)
    assert r.redirect_chain[0] == ("/problems/?status=reported", 302)
    (text,) = messages_of(r)
    assert text.startswith("已交办 2 件,2 件未能交办:")
    assert f"#{accepted.pk} 管网材料进场受阻(当前状态“已签收”下不能分级交办)" in text
    assert "#999999(不存在或无权查看)" in text
    for p in (first, second):
        p.refresh_from_db()
        assert (p.status, p.handling_org, p.deadline_days) == (Status.ASSIGNED, world.dept, 7)
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_it_acts_once_on_a_double_submit(world):
    problem = report(world, "泵站消防栓损坏")
    client = client_for("office")
    data = {
        "form_token": bulk_token(client),
        "action": "triage",
        "problems": [problem.pk],
        "level": "county",
        "handling_org": world.dept.pk,
    }
    assert "已交办 1 件。" in messages_of(client.post("/problems/bulk/", data, follow=True))
    again = messages_of(client.post("/problems/bulk/", data, follow=True))
    assert again == ["该批量操作已提交过,未重复执行。"]
    assert problem.events.filter(action="triage").count() == 1


def test_it_refuses_more_than_200_problems_at_once(world):
    client = client_for("office")
    data = {"form_token": bulk_token(client), "action": "urge", "problems": list(range(1, 202))}
    assert messages_of(client.post("/problems/bulk/", data, follow=True)) == ["一次最多处理200件问题。"]
    with pytest.raises(ValidationError, match="一次最多处理200件问题"):
        problem_bulk_act(actor=user("office"), ids=list(range(1, 202)), action="urge")
    assert not ProblemEvent.objects.filter(action="urge").exists()


def test_it_bulk_urges_through_the_same_checks(world):
    client = client_for("office")
    ids = [world.problems[k].pk for k in ("assigned", "accepted", "in_progress", "closed")]
    data = {"form_token": bulk_token(client), "action": "urge", "problems": ids}
    (text,) = messages_of(client.post("/problems/bulk/", data, follow=True))
    assert text.startswith("已催办 3 件,1 件未能催办:") and "已销号”下无需催办" in text
    assert ProblemEvent.objects.filter(action="urge").count() == 3


def test_it_refuses_bulk_to_those_without_the_right(world):
    problem = report(world, "泵站值班室无空调")
    for username in ("handler", "member", "leader"):
        r = client_for(username).post("/problems/bulk/", {"action": "triage", "problems": [problem.pk]})
        assert r.status_code == 403, username
    # the group leader may route, but only its own group's problems: the service checks each one
    other = world.problems["accepted"]
    result = problem_bulk_act(
        actor=user("group_leader"),
        ids=[problem.pk, other.pk],
        action="triage",
        level="county",
        handling_org=world.dept,
    )
    assert [p.pk for p in result.done] == [problem.pk]
    assert result.failed[0][0] == other.pk


def test_it_refuses_a_unit_outside_a_problems_region_in_bulk(world):
    weifang = organization_ensure(actor=None, name="潍坊市水利局", region=world.outside_city)
    problem = report(world, "泵站进场道路破损")
    result = problem_bulk_act(
        actor=user("office"), ids=[problem.pk], action="triage", level="county", handling_org=weifang
    )
    assert result.failed == [(problem.pk, problem.title, "承办单位不在该问题所在区划,不能交办。")]
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED


# ---- 4. export of the current filter --------------------------------------------------------------------------
def test_it_exports_exactly_the_rows_the_date_filter_shows(world):
    # Every filter is exported (reports/tests/test_ledger_filters.py); here the list's own button.
    report(world, "泵站九月新问题")
    client = client_for("office")
    r = client.get("/problems/?status=reported")
    shown = {p.pk for p in r.context["page_obj"]}
    href = re.search(r'id="ledger-export"\s+href="([^"]+)"', r.content.decode()).group(1)
    xlsx = client.get(href.replace("&amp;", "&"))
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    exported = {row[1] for row in ws.iter_rows(min_row=3, values_only=True) if isinstance(row[1], int)}
    assert exported == shown and shown


# ---- 5. timelines newest first ----------------------------------------------------------------------------------
def test_it_lists_the_problem_timeline_newest_first(world):
    body = client_for("office").get(f"/problems/{world.overdue.pk}/").content.decode()
    timeline = body[body.index('id="timeline"') :]
    order = [
        timeline.index(f"<strong>{label}</strong>") for label in ("报告进展", "签收", "分级交办", "上报")
    ]
    assert order == sorted(order)


def test_it_lists_the_target_timeline_newest_first(world):
    body = client_for("member").get(f"/targets/{world.project.pk}/").content.decode()
    days = re.findall(r'<div class="small text-body-secondary">(\d{4}-\d\d-\d\d) ·', body)
    assert len(days) > 3 and days == sorted(days, reverse=True)


# ---- 6. photos of a problem -------------------------------------------------------------------------------------
def jpeg_with_gps(size=(40, 20)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 60, 60))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 39.0, 0.0), 3: "E", 4: (117.0, 0.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_adds_a_photo_to_a_problem_that_its_handler_sees(world, media):
    problem = world.overdue
    handler = client_for("handler")
    page = handler.get(f"/problems/{problem.pk}/").content.decode()
    assert f'action="/problems/{problem.pk}/photos/"' in page
    r = handler.post(f"/problems/{problem.pk}/photos/", {"photos": jpeg_with_gps(), "comment": "接驳点现场"})
    assert r.status_code == 302
    photo = ProblemAttachment.objects.get(event__problem=problem, event__action="photo")
    assert photo.content_type == "image/jpeg" and photo.event.comment == "接驳点现场"
    with photo.file.open("rb") as f:
        assert GPS_IFD not in Image.open(f).getexif()  # the location is removed, as for visit photos
    url = f"/problems/attachments/{photo.pk}/"
    for username in ("handler", "member", "office"):
        client = client_for(username)
        assert f'src="{url}"' in client.get(f"/problems/{problem.pk}/").content.decode(), username
        shown = client.get(url)
        assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
        assert not shown["Content-Disposition"].startswith("attachment")
    assert client_for("outsider").get(url).status_code == 404
    assert "添加照片" in client_for("member").get(f"/targets/{world.project.pk}/").content.decode()


def test_it_refuses_a_photo_that_is_not_one_or_too_large(world, media, settings):
    problem = world.overdue
    handler = client_for("handler")
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    r = handler.post(f"/problems/{problem.pk}/photos/", {"photos": fake})
    assert r.status_code == 400 and "不是JPEG、PNG或HEIC格式的照片" in r.content.decode()
    settings.SIJIN_PHOTO_MAX_PIXELS = 100  # the visit photos' pixel cap, from the same code
    r = handler.post(f"/problems/{problem.pk}/photos/", {"photos": jpeg_with_gps()})
    assert r.status_code == 400 and "像素过大" in r.content.decode()
    assert not ProblemAttachment.objects.exists()
    assert not ProblemEvent.objects.filter(action="photo").exists()


def test_it_refuses_photos_to_those_who_do_not_act_on_the_problem(world, media):
    problem = world.overdue
    assert (
        client_for("leader").post(f"/problems/{problem.pk}/photos/", {"photos": jpeg_with_gps()}).status_code
        == 403
    )
    assert (
        client_for("outsider")
        .post(f"/problems/{problem.pk}/photos/", {"photos": jpeg_with_gps()})
        .status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        problem_photo_add(actor=user("leader"), problem=problem, uploaded_file=jpeg_with_gps())
    assert (
        'action="/problems/'
        not in client_for("leader")
        .get(f"/problems/{problem.pk}/")
        .content.decode()
        .split('id="problem-photos"')[1]
        .split("</section>")[0]
    )
    assert not ProblemAttachment.objects.exists()
