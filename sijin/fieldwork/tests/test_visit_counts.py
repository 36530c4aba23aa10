"""A visit entry may cover several targets and a date range with a count (3月共走访21次): entered once, counted
once; its photos lose their GPS location unless the user keeps it. Through the 走访 page (/visits/new/) and the
counting helpers."""

import re

import pytest
from django.core.exceptions import ValidationError

from sijin.accounts.models import User
from sijin.fieldwork.forms import VisitForm
from sijin.fieldwork.models import Visit, visit_count, visit_total
from sijin.fieldwork.services import visit_record
from sijin.fieldwork.tests.test_photo_safety import GPS_IFD, stored_image, with_gps
from sijin.problems.models import Problem
from sijin.testing import client_for, d


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def entry(world, client, **overrides):
    page = client.get("/visits/new/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {
        "group": world.group.pk,
        "token": token,
        "targets": [t.pk for t in world.targets],
        "date": "2025-06-01",
        "end_date": "2025-06-30",
        "occasions": "21",
        "mode": "individual",
        "notes": "6月走访",
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "10",
        "problems-0-title": "",
    }
    data.update(overrides)
    return client.post("/visits/new/", data)


# Counting


def test_it_counts_each_entry_by_its_occasions_not_by_its_targets(world):
    # The world: a collective visit to 3 targets (1), two single visits (1 + 1) and 10余次 at the project site.
    assert visit_count(Visit.objects.all()) == 13
    assert visit_total(Visit.objects.all()) == "13余次"
    assert visit_total(list(Visit.objects.all())) == "13余次"


def test_it_counts_a_visit_once_when_the_query_joins_its_targets(world):
    joined = Visit.objects.filter(targets__in=world.targets)
    assert joined.count() == 6  # the collective visit comes back once per target
    assert visit_count(joined) == 13
    assert visit_total(joined) == "13余次"
    assert visit_count(list(joined)) == 13


def test_it_counts_nothing_as_zero(world):
    assert visit_count(Visit.objects.none()) == 0
    assert visit_total(Visit.objects.none()) == "0次"


# Entry


def test_it_enters_a_months_visits_once_and_counts_them_once(world):
    before = visit_count(world.group.visits.all())
    r = entry(world, client_for("member"))
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.latest("id")
    assert (visit.date, visit.end_date, visit.occasions) == (d(6, 1), d(6, 30), 21)
    assert visit.targets.count() == 3
    assert visit_count(world.group.visits.all()) == before + 21  # not 63
    page = client_for("member").get(f"/groups/{world.group.pk}/").content.decode()
    assert f"{before + 21}余次" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2025-05-31"}, "截止日期不能早于走访日期。"),
        ({"end_date": "2099-01-01"}, "截止日期不能晚于今天。"),
        ({"occasions": "0"}, "走访次数至少为1。"),
        ({"occasions": "10001"}, "走访次数不能超过10000。"),
        ({"occasions": "二十"}, "走访次数应为整数。"),
        ({"date": "2024-12-31", "end_date": ""}, "日期应在行动期间(2025年"),
    ],
)
def test_it_refuses_a_bad_range_or_count_and_saves_nothing(world, overrides, message):
    before = (Visit.objects.count(), Problem.objects.count())
    r = entry(world, client_for("member"), **overrides)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert (Visit.objects.count(), Problem.objects.count()) == before


def test_it_takes_an_empty_count_as_one_visit(world):
    assert entry(world, client_for("member"), occasions="", end_date="").status_code == 302
    assert Visit.objects.latest("id").occasions == 1


def test_it_defaults_to_one_visit_today(world):
    form = client_for("member").get("/visits/new/").context["form"]
    assert form["occasions"].value() == 1
    assert form["date"].value() is not None
    assert form["keep_location"].value() in (None, False)


def test_the_service_refuses_an_end_before_the_start(world):
    with pytest.raises(ValidationError) as caught:
        visit_record(
            actor=User.objects.get(username="member"),
            group=world.group,
            targets=[world.village],
            date=d(6, 10),
            end_date=d(6, 9),
            mode="individual",
        )
    assert "截止日期不能早于走访日期。" in caught.value.messages


# A visit that is one of a counted entry's times


def range_and_part(world):
    member = User.objects.get(username="member")
    month = visit_record(
        actor=member,
        group=world.group,
        targets=world.targets,
        date=d(6, 9),
        end_date=d(6, 30),
        occasions=21,
        mode="inspection",
    )
    single = visit_record(
        actor=member, group=world.group, targets=[world.project], date=d(6, 26), mode="onsite", part_of=month
    )
    return month, single


def test_it_counts_a_visit_that_is_part_of_a_counted_entry_once(world):
    month, single = range_and_part(world)
    both = Visit.objects.filter(pk__in=[month.pk, single.pk])
    assert visit_count(both) == 21 and visit_total(both) == "21次"
    assert visit_count([month, single]) == 21
    # Without its entry (a period that holds the visit but not the entry's start) it counts for itself.
    assert visit_count(Visit.objects.filter(pk=single.pk)) == 1 and visit_count([single]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": d(6, 8)}, "走访日期不在所选汇总走访的时间段"),
        ({"occasions": 2}, "计入汇总的只能是单次走访"),
        ({"entry": "single"}, "所选走访不是合并录入的多次走访。"),
        ({"entry": "part"}, "所选走访本身已计入其他汇总"),
    ],
)
def test_it_refuses_a_part_that_does_not_fit_its_entry(world, change, message):
    member = User.objects.get(username="member")
    month, part = range_and_part(world)
    lone = visit_record(
        actor=member, group=world.group, targets=[world.village], date=d(6, 12), mode="onsite"
    )
    entry = {"single": lone, "part": part}.get(change.pop("entry", ""), month)
    before = Visit.objects.count()
    fields = {"date": d(6, 20), "occasions": 1, **change}
    with pytest.raises(ValidationError) as caught:
        visit_record(
            actor=member, group=world.group, targets=[world.village], mode="onsite", part_of=entry, **fields
        )
    assert any(message in m for m in caught.value.message_dict["part_of"])
    assert Visit.objects.count() == before


def test_it_offers_only_the_groups_counted_entries_on_the_visit_form(world):
    month, single = range_and_part(world)
    form = VisitForm(groups=world.group.__class__.objects.filter(pk=world.group.pk), group=world.group)
    offered = list(form.fields["part_of"].queryset)
    assert month in offered and single not in offered


# Photos


def test_it_strips_the_location_of_a_photo_by_default(world):
    r = entry(world, client_for("member"), photos=[with_gps("JPEG")])
    assert r.status_code == 302
    photo = Visit.objects.latest("id").photos.get()
    assert GPS_IFD not in stored_image(photo).getexif()


def test_it_keeps_the_location_when_the_box_is_ticked(world):
    r = entry(world, client_for("member"), photos=[with_gps("JPEG")], keep_location="on")
    assert r.status_code == 302
    photo = Visit.objects.latest("id").photos.get()
    assert stored_image(photo).getexif().get_ifd(GPS_IFD)[1] == "N"
