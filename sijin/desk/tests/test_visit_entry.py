"""走访 quick entry and photo serving, through literal URLs with the personas of the small world (sijin/testing.py)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sijin.core.models import AuditLog
from sijin.fieldwork.models import Visit, VisitPhoto
from sijin.problems.models import Problem
from sijin.testing import client_for


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(name="site.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def open_form(client):
    r = client.get("/visits/new/")
    assert r.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', r.content.decode()).group(1)
    return r, token


def payload(world, token, **overrides):
    group = world.group
    base = world.project
    data = {
        "group": group.pk,
        "token": token,
        "targets": [base.pk],
        "date": "2025-09-10",
        "mode": "individual",
        "participants": [],
        "notes": "实训基地复工前检查",
        "problems-TOTAL_FORMS": "3",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "10",
        "problems-0-target": base.pk,
        "problems-0-title": "泵站消防通道堵塞",
        "problems-0-description": "杂物堆放",
        "problems-1-target": base.pk,
        "problems-1-title": "缺少测温设备",
    }
    data.update(overrides)
    return data


def test_it_shows_the_group_targets_to_a_member(world):
    r, _ = open_form(client_for("member"))
    assert world.project.name in r.content.decode()
    assert "集体出动" in r.content.decode()


def test_it_saves_a_visit_with_problems_and_a_photo(world):
    client = client_for("member")
    _, token = open_form(client)
    before = Visit.objects.count()
    r = client.post("/visits/new/", payload(world, token, photos=[png()]))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Visit.objects.count() == before + 1
    visit = Visit.objects.order_by("-id").first()
    assert sorted(visit.problems.values_list("title", flat=True)) == ["泵站消防通道堵塞", "缺少测温设备"]
    photo = visit.photos.get()
    assert photo.content_type == "image/png"
    assert photo.file.name.endswith(".png") and "site" not in photo.file.name
    assert AuditLog.objects.filter(action="visit_photo_add", object_id=str(photo.pk)).exists()


def test_it_ignores_a_second_submit_of_the_same_form(world):
    client = client_for("member")
    _, token = open_form(client)
    before = Visit.objects.count()
    assert client.post("/visits/new/", payload(world, token)).status_code == 302
    r = client.post("/visits/new/", payload(world, token))
    assert r.status_code == 302
    assert Visit.objects.count() == before + 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"targets": []}, "请至少选择一个走访对象。"),
        (
            {"photos": [SimpleUploadedFile("fake.jpg", b"just some text", content_type="image/jpeg")]},
            "不是JPEG、PNG或HEIC",
        ),
        (
            {
                "photos": [
                    SimpleUploadedFile(
                        "big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), content_type="image/jpeg"
                    )
                ]
            },
            "超过10MB",
        ),
        ({"problems-0-target": ""}, "请选择问题所在的帮扶对象。"),
        ({"mode": ""}, "请选择走访方式。"),
        ({"date": "2099-01-01"}, "走访日期不能晚于今天。"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(world, overrides, message):
    client = client_for("member")
    _, token = open_form(client)
    counts = (Visit.objects.count(), Problem.objects.count(), VisitPhoto.objects.count())
    r = client.post("/visits/new/", payload(world, token, **overrides))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert (Visit.objects.count(), Problem.objects.count(), VisitPhoto.objects.count()) == counts


def test_it_refuses_a_target_of_another_group(world):
    client = client_for("member")
    _, token = open_form(client)
    before = Visit.objects.count()
    r = client.post("/visits/new/", payload(world, token, targets=["999999"]))
    assert r.status_code == 400
    assert Visit.objects.count() == before


def test_it_forbids_the_read_only_leader(world):
    assert client_for("leader").get("/visits/new/").status_code == 403


def test_it_serves_a_photo_only_to_people_who_see_the_visit(world):
    client = client_for("member")
    _, token = open_form(client)
    client.post("/visits/new/", payload(world, token, photos=[png()]))
    photo = VisitPhoto.objects.get()
    r = client.get(f"/visits/photos/{photo.pk}/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content).startswith(b"\x89PNG")
    assert client_for("office").get(f"/visits/photos/{photo.pk}/").status_code == 200
    assert client_for("outsider").get(f"/visits/photos/{photo.pk}/").status_code == 404
    assert client_for("outsider").get("/visits/photos/999999/").status_code == 404


# ---- a category per problem, and where the visit and its problems were (issue 11) ---------------------------
def test_it_saves_the_category_chosen_for_each_problem(world):
    client = client_for("member")
    r, token = open_form(client)
    safety = world.categories["安全生产"]
    assert 'name="problems-0-category"' in r.content.decode() and safety.name in r.content.decode()
    r = client.post("/visits/new/", payload(world, token, **{"problems-0-category": safety.pk}))
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.order_by("-id").first()
    categories = dict(visit.problems.values_list("title", "category"))
    assert categories == {"泵站消防通道堵塞": safety.pk, "缺少测温设备": None}  # blank: 未分类


def test_it_refuses_a_category_of_another_campaign_and_saves_nothing(world):
    from sijin.campaigns import services as campaigns
    from sijin.testing import d

    admin = world.users["admin"]
    other = campaigns.campaign_ensure(
        actor=admin, name="另一行动", level="city", region=world.city, start=d(1, 1)
    )
    foreign = campaigns.category_ensure(actor=admin, campaign=other, name="外来类别")
    client = client_for("member")
    _, token = open_form(client)
    counts = (Visit.objects.count(), Problem.objects.count())
    r = client.post("/visits/new/", payload(world, token, **{"problems-1-category": foreign.pk}))
    assert r.status_code == 400
    assert "所选类别不属于本工作组所在的行动。" in r.content.decode()
    assert (Visit.objects.count(), Problem.objects.count()) == counts


def test_it_saves_where_the_visit_and_its_problems_were(world):
    client = client_for("member")
    r, token = open_form(client)
    page = r.content.decode()
    assert "获取当前位置" in page and '<script src="/static/sijin/visit-location.js"></script>' in page
    data = payload(
        world, token, latitude="37.380000", longitude="117.970000", **{"problems-0-at_visit": "on"}
    )
    r = client.post("/visits/new/", data)  # problems-1 unticked: no location of its own
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.order_by("-id").first()
    assert (str(visit.latitude), str(visit.longitude)) == ("37.380000", "117.970000")
    where = {p.title: (p.latitude, p.longitude) for p in visit.problems.all()}
    assert where["泵站消防通道堵塞"] == (visit.latitude, visit.longitude)
    assert where["缺少测温设备"] == (None, None)


def test_it_keeps_a_problem_without_location_when_the_visit_has_none(world):
    client = client_for("member")
    _, token = open_form(client)
    r = client.post("/visits/new/", payload(world, token, **{"problems-0-at_visit": "on"}))
    assert r.status_code == 302
    visit = Visit.objects.order_by("-id").first()
    assert visit.latitude is None
    assert set(visit.problems.values_list("latitude", "longitude")) == {(None, None)}


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"latitude": "37.38"}, "位置须同时有纬度和经度"),
        ({"longitude": "117.97"}, "位置须同时有纬度和经度"),
        ({"latitude": "91", "longitude": "117.97"}, "纬度应在-90到90之间。"),
        ({"latitude": "37.38", "longitude": "-180.5"}, "经度应在-180到180之间。"),
        ({"latitude": "北纬37度", "longitude": "117.97"}, "纬度应为数字。"),
        ({"latitude": "37.3800001", "longitude": "117.97"}, "纬度最多保留6位小数。"),
    ],
)
def test_it_refuses_a_bad_location_and_saves_nothing(world, location, message):
    client = client_for("member")
    _, token = open_form(client)
    counts = (Visit.objects.count(), Problem.objects.count())
    r = client.post("/visits/new/", payload(world, token, **location, **{"problems-0-at_visit": "on"}))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert (Visit.objects.count(), Problem.objects.count()) == counts
