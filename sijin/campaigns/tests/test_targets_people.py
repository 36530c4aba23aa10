from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sijin.campaigns.models import Posting, Target, TargetCadre
from sijin.campaigns.naming import count_phrase, target_phrase
from sijin.campaigns.people import (
    campaign_cadre_count,
    group_cadre_count,
    posting_create,
    posting_update,
    target_cadre_add,
    target_cadre_remove,
)
from sijin.campaigns.services import (
    target_create,
    target_update,
    targets_bulk_add,
    undecided_kind_ensure,
)
from sijin.directory.models import Person


def _unnamed(world, kind_code="enterprise", name=""):
    return target_create(
        actor=world.users["member"],
        campaign=world.campaign,
        kind=world.kinds[kind_code],
        name=name,
        region=world.group.region,
        group=world.group,
    )


def test_it_numbers_unnamed_targets_so_several_coexist(world):
    first, second = _unnamed(world), _unnamed(world, name="某企业")
    village = _unnamed(world, "village", name="某村")
    assert (first.name, second.name, village.name) == ("未具名企业 1", "未具名企业 2", "未具名村 1")
    assert first.unnamed and second.unnamed_seq == 2


def test_it_words_targets_naturally_for_documents(world):
    assert target_phrase(_unnamed(world)) == "一家企业"
    assert target_phrase(_unnamed(world, "village")) == "某村"
    assert target_phrase(_unnamed(world, "project")) == "一个项目"
    pending = target_create(
        actor=world.users["member"],
        campaign=world.campaign,
        kind=undecided_kind_ensure(actor=None, campaign=world.campaign),
        name="",
        region=world.group.region,
        group=world.group,
    )
    assert target_phrase(pending) == "一个帮扶对象"
    assert pending.name == "未具名帮扶对象 1"
    assert target_phrase(world.enterprise) == "嘉祥县宏达机械有限公司"
    assert count_phrase(world.kinds["enterprise"], 12) == "12家企业"


def test_it_keeps_one_undecided_kind_per_campaign(world):
    kind = undecided_kind_ensure(actor=None, campaign=world.campaign)
    assert undecided_kind_ensure(actor=None, campaign=world.campaign) == kind
    assert kind.name == "待定" and kind.undecided


def test_it_ends_the_numbering_when_a_name_is_given_and_renumbers_on_a_kind_change(world):
    target = _unnamed(world)
    _unnamed(world, "village")
    moved = target_update(actor=world.users["member"], target=target, kind=world.kinds["village"])
    assert (moved.name, moved.unnamed_seq) == ("未具名村 2", 2)
    named = target_update(actor=world.users["member"], target=moved, name="李家村")
    assert (named.name, named.unnamed, named.unnamed_seq) == ("李家村", False, None)


def test_it_adds_a_count_of_unnamed_targets(world):
    made = targets_bulk_add(
        actor=world.users["member"], group=world.group, kind=world.kinds["enterprise"], count=12
    )
    assert [t.name for t in made][-1] == "未具名企业 12"
    assert Target.objects.filter(group=world.group, unnamed=True).count() == 12


def test_it_adds_pasted_names_and_skips_blank_lines(world):
    made = targets_bulk_add(
        actor=world.users["member"],
        group=world.group,
        kind=world.kinds["village"],
        names="李家村\n\n  张庄村  \n",
    )
    assert [t.name for t in made] == ["李家村", "张庄村"]
    assert all(t.region_id == world.group.region_id for t in made)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("甲村\n乙村\n甲村", "第3行“甲村”与第1行重复"),
        ("甲村\n" + "长" * 101, "第2行超过100个字"),
        ("新村\n王庄村", "第2行“王庄村”已是本行动的乡村"),
        ("村\n" * 501, "一次最多粘贴500行"),
    ],
)
def test_it_refuses_a_bad_pasted_list_and_saves_nothing(world, names, message):
    before = Target.objects.count()
    with pytest.raises(ValidationError) as exc:
        targets_bulk_add(
            actor=world.users["member"], group=world.group, kind=world.kinds["village"], names=names
        )
    assert any(message in m for m in exc.value.message_dict["names"])
    assert Target.objects.count() == before


@pytest.mark.parametrize("count", [None, 0, 501])
def test_it_refuses_a_count_out_of_range(world, count):
    with pytest.raises(ValidationError) as exc:
        targets_bulk_add(
            actor=world.users["member"], group=world.group, kind=world.kinds["village"], count=count
        )
    assert "请填写数量" in exc.value.message_dict["count"][0]


def test_it_lets_several_cadres_hold_a_target_and_counts_distinct_people(world):
    admin = world.users["admin"]
    leader, member = world.group_leader_person, world.member_person
    target_cadre_add(actor=admin, target=world.enterprise, person=leader, role="lead")
    target_cadre_add(actor=admin, target=world.enterprise, person=member, role="liaison")
    target_cadre_add(actor=admin, target=world.project, person=member, role="liaison")
    with pytest.raises(ValidationError) as exc:
        target_cadre_add(actor=admin, target=world.project, person=member, role="liaison")
    assert "此人已在该对象担任此角色" in str(exc.value)
    responsible = world.village.responsible
    expected_people = len({leader.pk, member.pk} | ({responsible.pk} if responsible else set()))
    expected_targets = 2 + (1 if responsible else 0)
    count = group_cadre_count(world.group)
    assert (count.cadres, count.targets) == (expected_people, expected_targets)
    assert campaign_cadre_count(world.campaign, region=world.other_county).cadres == 0
    assert count.phrase(world.kinds["enterprise"]).startswith(f"{expected_people}名干部包保")
    cadre = TargetCadre.objects.get(target=world.enterprise, person=leader)
    target_cadre_remove(actor=admin, cadre=cadre)
    assert not TargetCadre.objects.filter(pk=cadre.pk).exists()


def test_it_counts_only_cadres_serving_on_a_day(world):
    admin = world.users["admin"]
    target_cadre_add(
        actor=admin,
        target=world.enterprise,
        person=world.member_person,
        start=date(2025, 6, 3),
        end=date(2025, 6, 10),
    )
    world.enterprise.responsible = None
    Target.objects.filter(group=world.group).update(responsible=None)
    assert group_cadre_count(world.group, on=date(2025, 6, 5)).cadres == 1
    assert group_cadre_count(world.group, on=date(2025, 6, 20)).cadres == 0


def test_it_records_several_terms_and_refuses_overlap_in_chinese(world):
    admin = world.users["admin"]
    person = world.member_person
    first = posting_create(
        actor=admin,
        person=person,
        role="first_secretary",
        target=world.village,
        start=date(2021, 5, 1),
        end=date(2023, 4, 30),
        term=1,
    )
    assert first.region_id == world.village.region_id
    posting_create(
        actor=admin,
        person=person,
        role="first_secretary",
        region=world.other_county,
        start=date(2023, 5, 1),
        term=2,
    )
    with pytest.raises(ValidationError) as exc:
        posting_create(
            actor=admin, person=person, role="first_secretary", region=world.county, start=date(2024, 1, 1)
        )
    assert "同一身份的任期不能重叠" in str(exc.value)
    # Another role at the same time is fine.
    posting_create(actor=admin, person=person, role="team_member", group=world.group, start=date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        posting_update(actor=admin, posting=first, end=date(2020, 1, 1))
    assert "结束日期不能早于派驻日期" in str(exc.value)
    assert Posting.objects.filter(person=person).count() == 3


def test_it_refuses_a_posting_without_a_place(world):
    with pytest.raises(ValidationError) as exc:
        posting_create(actor=None, person=Person.objects.first(), role="team_member", start=date(2024, 1, 1))
    assert "请选择派驻的对象" in str(exc.value)
