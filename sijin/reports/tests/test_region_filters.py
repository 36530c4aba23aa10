"""Every region-subtree filter is ``accounts.access.region_within_q`` (a range of codes, which an ordinary index
serves on SQLite too), not ``__startswith``; each one below keeps its region's subtree and nothing else."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

import sijin
from sijin.accounts.access import region_within_q
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Target, WorkGroup
from sijin.campaigns.people import cadre_people
from sijin.campaigns.views import _regions
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure
from sijin.reports.briefing.distribution import series_name
from sijin.reports.briefing.writer import scoped_groups

ROOT = Path(sijin.__file__).parent
# Modules other work is converting; each still filters a subtree with __startswith.
NOT_YET = {"desk/todos.py", "synth.py"}


def test_no_region_subtree_filter_is_a_startswith():
    lookup = re.compile(r"\b(?:\w+__)?(?:region(?:_id)?|code)__startswith\b")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        if str(path.relative_to(ROOT)) not in NOT_YET
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if lookup.search(line)
    ]
    assert found == []


def test_the_range_means_the_prefix_with_nines_carried(world):
    codes = set(Region.objects.values_list("code", flat=True))
    for prefix in ("37", "3708", "370829", "3709", "379", "9", "99"):
        by_range = set(Region.objects.filter(region_within_q("code", prefix)).values_list("code", flat=True))
        assert by_range == {c for c in codes if c.startswith(prefix)}, prefix


def test_each_filter_keeps_its_subtree(world):
    admin, group = world.users["admin"], world.group  # stationed in 嘉祥县
    other = campaigns.group_ensure(
        actor=admin,
        campaign=world.campaign,
        name="汶上县工作组",
        dispatching_org=group.dispatching_org,
        region=world.other_county,
        tier=group.tier,
        start=group.start,
    )
    # 简报: a region's groups and the name of its series.
    assert group in scoped_groups(admin, region=world.county) and other not in scoped_groups(
        admin, region=world.county
    )
    assert set(scoped_groups(admin, region=world.city)) >= {group, other}
    assert series_name(region=world.other_county) == f"{world.campaign.name}工作简报"
    assert series_name(region=world.outside_city) == "工作简报"
    # 工作组: its targets must stay inside its region.
    with pytest.raises(ValidationError) as refused:
        campaigns.group_update(
            actor=admin, group=WorkGroup.objects.get(pk=group.pk), region=world.other_county
        )
    assert "不在新的驻点区划内" in str(refused.value)
    campaigns.group_update(actor=admin, group=WorkGroup.objects.get(pk=group.pk), region=world.city)
    # 包保干部: people of units inside the group's region, not outside it.
    far = person_ensure(
        actor=admin,
        name="外市干部",
        organization=organization_ensure(actor=admin, name="潍坊市某局", region=world.outside_city),
    )
    near = person_ensure(
        actor=admin,
        name="汶上干部",
        organization=organization_ensure(actor=admin, name="汶上县某局", region=world.other_county),
    )
    people = set(cadre_people(Target.objects.get(pk=world.village.pk)))  # its group is now in 济宁市
    assert near in people and far not in people and world.handler_person in people
    # 帮扶对象表单: the regions inside the group's.
    regions = list(_regions(WorkGroup.objects.filter(pk=other.pk)).values_list("code", flat=True))
    assert world.other_county.code in regions and world.county.code not in regions
    assert all(code.startswith(world.other_county.prefix) for code in regions)
