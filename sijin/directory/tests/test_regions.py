"""Regions below the county: functional zones, towns and villages loaded on demand, and scope through them."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Target, WorkGroup
from sijin.core.models import AuditLog
from sijin.directory.models import Region, RegionLevel, region_code
from sijin.directory.regiondata import build_region_data, deep_rows
from sijin.directory.services import regions_load_deep
from sijin.reports.dashboard import picker_regions

JIAXIANG = "370829"  # 嘉祥县, the test world's county
TOWN = "370829001000"  # 嘉祥街道
VILLAGE = "370829001008"  # 呈祥社区, in 嘉祥街道
ZONE = "370871000000"  # 济宁高新技术产业开发区


def county_office(username: str, code: str):
    return user_role_ensure(
        actor=None,
        username=username,
        password="x",
        role=Role.OFFICE,
        region=Region.objects.get(code=code.ljust(12, "0")),
    )


def test_it_lists_functional_zones_under_their_city(world):
    zone = Region.objects.get(code=ZONE)
    assert (zone.level, zone.parent_id, zone.is_zone) == (RegionLevel.COUNTY, world.city.code, True)
    assert not world.county.is_zone
    assert not world.city.is_zone
    codes = list(picker_regions(world.users["office"]).values_list("code", flat=True))
    # After the city, among its counties (the picker's tree follows the code order), before the next city.
    assert codes.index(world.city.code) < codes.index(world.county.code) < codes.index(ZONE)
    assert codes[codes.index(ZONE) + 1 :] == sorted(codes[codes.index(ZONE) + 1 :])
    assert ZONE not in picker_regions(world.users["outsider"]).values_list("code", flat=True)


def test_it_tells_a_township_level_zone_from_its_code(db):
    regions_load_deep(within=JIAXIANG)
    assert not Region.objects.get(code=TOWN).is_zone  # 001: a 街道
    assert not Region.objects.get(code="370829101000").is_zone  # 101: a 镇 (纸坊镇)
    assert Region.objects.get(code="370829400000").is_zone  # 400–599: 类似乡级单位 (嘉祥经济开发区)


def test_it_loads_a_provinces_towns_idempotently(world):
    before = Region.objects.count()
    added = regions_load_deep(within="37")
    assert added == len(deep_rows(RegionLevel.TOWNSHIP, "37")) > 1000
    assert Region.objects.count() == before + added
    assert AuditLog.objects.filter(action="regions_load", summary__contains="37").count() == 1

    assert regions_load_deep(within="37") == 0
    assert Region.objects.count() == before + added
    town = Region.objects.get(code=TOWN)
    assert (town.name, town.level, town.parent_id) == ("嘉祥街道", RegionLevel.TOWNSHIP, world.county.code)
    assert town.full_name() == "山东省济宁市嘉祥县嘉祥街道"
    assert not Region.objects.filter(level=RegionLevel.VILLAGE).exists()


def test_it_puts_towns_of_a_prefecture_without_counties_under_the_prefecture(db):
    regions_load_deep(within="4419")  # 东莞市: towns straight under the prefecture
    towns = Region.objects.filter(code__startswith="4419", level=RegionLevel.TOWNSHIP)
    assert towns.count() > 20
    assert set(towns.values_list("parent_id", flat=True)) == {"441900000000"}


def test_it_loads_villages_under_their_towns(db):
    added = regions_load_deep(within=JIAXIANG, level=RegionLevel.VILLAGE)
    towns = Region.objects.filter(code__startswith=JIAXIANG, level=RegionLevel.TOWNSHIP)
    villages = Region.objects.filter(code__startswith=JIAXIANG, level=RegionLevel.VILLAGE)
    assert added == towns.count() + villages.count()
    assert towns.count() > 10
    assert villages.count() > 400
    village = Region.objects.get(code=VILLAGE)
    assert village.parent_id == TOWN
    assert village.prefix == VILLAGE
    assert all(v.parent_id == v.code[:9] + "000" for v in villages)
    assert regions_load_deep(within=JIAXIANG, level=RegionLevel.VILLAGE) == 0


@pytest.mark.parametrize(
    ("within", "message"),
    [
        ("3", "区划代码应为"),
        ("37a", "区划代码应为"),
        ("3708290", "区划代码应为"),
        ("99", "没有代码为 99"),
        ("3799", "区划代码 3799 不存在"),
        ("370829999", "区划代码 370829999 不存在"),
    ],
)
def test_it_refuses_a_bad_code_and_saves_nothing(db, within, message):
    regions_load_deep(within="11")  # the county level is in
    before = Region.objects.count()
    with pytest.raises(ValidationError, match=message):
        regions_load_deep(within=within)
    assert Region.objects.count() == before


def test_it_loads_from_the_command(db):
    out = StringIO()
    call_command("load_regions", province=JIAXIANG, level="village", stdout=out)
    assert "新增" in out.getvalue()
    assert Region.objects.filter(code=VILLAGE).exists()
    with pytest.raises(CommandError, match="区划代码应为"):
        call_command("load_regions", province="3x", stdout=StringIO())


def test_it_resolves_6_and_9_digit_codes(db):
    regions_load_deep(within=JIAXIANG, level=RegionLevel.VILLAGE)
    assert Region.objects.get(code=region_code("370829")).name == "嘉祥县"
    assert Region.objects.get(code=region_code("370829001")).name == "嘉祥街道"
    assert Region.objects.get(code=region_code(" 370829001008 ")).parent_id == TOWN
    assert region_code("37") == "370000000000"
    for bad in ("3708290", "37082900100", "３７０８２９", "37082a", ""):
        assert region_code(bad) is None


def test_it_scopes_a_target_in_a_village(world):
    regions_load_deep(within=JIAXIANG, level=RegionLevel.VILLAGE)
    target = campaigns.target_create(
        actor=world.users["admin"],
        campaign=world.campaign,
        kind=world.kinds["village"],
        name="村级对象",
        region=Region.objects.get(code=VILLAGE),
        group=world.group,
    )
    jiaxiang = county_office("jiaxiang-office", JIAXIANG)
    wenshang = county_office("wenshang-office", world.other_county.code[:6])
    town_office = county_office("town-office", TOWN[:9])

    def sees(user) -> bool:
        return Target.objects.visible_to(user).filter(pk=target.pk).exists()

    assert sees(jiaxiang)
    assert sees(town_office)
    assert sees(world.users["office"])  # the city's
    assert sees(world.users["member"])  # the group's
    assert not sees(wenshang)
    assert not sees(world.users["outsider"])


def test_it_scopes_a_group_stationed_in_a_town(world):
    regions_load_deep(within=JIAXIANG, level=RegionLevel.VILLAGE)
    town = Region.objects.get(code=TOWN)
    group = campaigns.group_create(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="驻嘉祥街道工作组",
        dispatching_org=world.unit_org,
        region=town,
        tier="county",
        start=date(2025, 6, 3),
    )
    target = campaigns.target_create(
        actor=world.users["admin"],
        campaign=world.campaign,
        kind=world.kinds["village"],
        name="街道社区",
        region=Region.objects.get(code=VILLAGE),
        group=group,
    )
    member = user_role_ensure(
        actor=None, username="town-member", password="x", role=Role.MEMBER, work_group=group
    )
    jiaxiang = county_office("jiaxiang-office", JIAXIANG)
    wenshang = county_office("wenshang-office", world.other_county.code[:6])

    assert WorkGroup.objects.visible_to(jiaxiang).filter(pk=group.pk).exists()
    assert not WorkGroup.objects.visible_to(wenshang).filter(pk=group.pk).exists()
    assert Target.objects.visible_to(member).filter(pk=target.pk).exists()
    assert not Target.objects.visible_to(member).filter(pk=world.enterprise.pk).exists()
    assert Target.objects.visible_to(jiaxiang).filter(pk=target.pk).exists()
    assert not Target.objects.visible_to(wenshang).filter(pk=target.pk).exists()


def write(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_it_builds_the_data_files_from_the_package(tmp_path):
    dist, data = tmp_path / "dist", tmp_path / "data"
    dist.mkdir()
    data.mkdir()
    write(
        data / "regions.csv",
        "code,name,level,parent\n370000000000,山东省,1,\n370800000000,济宁市,2,370000000000\n",
    )
    write(dist / "provinces.csv", 'code,name\n37,"山东省"\n')
    write(dist / "cities.csv", 'code,name,provinceCode\n3708,"济宁市",37\n')
    write(
        dist / "areas.csv",
        'code,name,cityCode,provinceCode\n370829,"嘉祥县",3708,37\n370871,"高新区",3708,37\n',
    )
    write(
        dist / "streets.csv",
        'code,name,areaCode,provinceCode,cityCode\n370829001,"嘉祥街道",370829,37,3708\n',
    )
    write(
        dist / "villages.csv",
        'code,name,streetCode,provinceCode,cityCode,areaCode\n370829001008,"呈祥社区",370829001,37,3708,370829\n',
    )
    stats = build_region_data(dist, data)
    assert (stats["counties"], stats["streets"], stats["villages"]) == (2, 1, 1)
    assert "370871000000,高新区,3,370800000000" in (data / "regions.csv").read_text(encoding="utf-8")
    assert deep_rows(RegionLevel.VILLAGE, "37", data) == [("370829001008", "呈祥社区")]
    first = (data / "towns" / "37.csv.gz").read_bytes()
    build_region_data(dist, data)
    assert (data / "towns" / "37.csv.gz").read_bytes() == first  # reproducible: no timestamp

    write(
        dist / "streets.csv",
        'code,name,areaCode,provinceCode,cityCode\n370830001,"无县街道",370830,37,3708\n',
    )
    with pytest.raises(ValueError, match="370830001"):
        build_region_data(dist, data)
