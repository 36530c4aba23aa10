"""新建行动: the office's guided page makes a campaign and its configuration at once, all or nothing."""

import pytest

from sijin.campaigns.models import Campaign, Category, Indicator, MeasureType, TargetKind
from sijin.core.models import AuditLog
from sijin.testing import CITY, COUNTY, OUTSIDE_CITY, client_for, outsider, post_form

URL = "/campaigns/new/"


def campaign_form(**changes) -> dict:
    data = {
        "name": "济宁市“双进”服务行动",
        "level": "city",
        "region": CITY,
        "start": "2025-03-01",
        "end": "2025-12-31",
        "deployment": "按照市委部署要求",
        "kinds": ["enterprise", "village"],
        "custom_kinds": "学校\n医院\n学校",
        "categories": "用工\n融资\n\n用工",
        "measures": ["协调会", "上门服务"],
        "custom_measures": "送温暖",
        "indicator-0-name": "争取资金",
        "indicator-0-unit": "万元",
        "indicator-1-name": "解决用工",
        "indicator-1-unit": "人",
        "accept_days": "1",
        "answer_days": "3",
        "solve_days": "10",
        "complex_days": "20",
        "yellow_days": "2",
    }
    data.update(changes)
    return data


def test_it_creates_a_campaign_with_its_configuration(world):
    r = post_form(client_for("office"), URL, campaign_form())
    assert r.status_code == 302, r.content.decode()
    campaign = Campaign.objects.get(name="济宁市“双进”服务行动")
    assert (campaign.region_id, campaign.level, campaign.solve_days) == (CITY, "city", 10)
    assert [(k.code, k.name, k.focus) for k in campaign.kinds.all()] == [
        ("enterprise", "企业", "帮"),
        ("village", "乡村", "扶"),
        ("kind1", "学校", ""),
        ("kind2", "医院", ""),
    ]
    assert campaign.kinds.get(code="enterprise").schema[0]["label"] == "职工人数"
    assert list(campaign.categories.values_list("name", flat=True)) == ["用工", "融资"]
    assert list(campaign.indicators.values_list("name", "unit")) == [("争取资金", "万元"), ("解决用工", "人")]
    assert [(m.name, m.unit, m.units_label) for m in campaign.measure_types.all()] == [
        ("协调会", "次", "协调部门"),
        ("上门服务", "次", "服务对象"),
        ("送温暖", "次", ""),
    ]
    office = world.users["office"]
    assert AuditLog.objects.filter(
        action="campaign_create", actor=office, object_id=str(campaign.pk)
    ).exists()
    assert AuditLog.objects.filter(action="indicator_create", actor=office).count() == 2


def test_it_offers_the_page_in_the_offices_menu_only(world):
    assert 'href="/campaigns/new/"' in client_for("office").get("/").content.decode()
    for username in ("member", "leader", "handler"):
        assert 'href="/campaigns/new/"' not in client_for(username).get("/").content.decode()


@pytest.mark.parametrize("username", ["member", "group_leader", "leader", "handler", "unit", "auditor"])
def test_it_refuses_everyone_but_the_office(world, username):
    client = client_for(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, campaign_form()).status_code == 403
    assert not Campaign.objects.filter(name="济宁市“双进”服务行动").exists()


def test_it_keeps_an_office_to_its_own_regions(world):
    outsider()
    client = client_for("outsider")
    page = client.get(URL).content.decode()
    assert f'value="{OUTSIDE_CITY}"' in page
    assert f'value="{CITY}"' not in page
    r = post_form(client, URL, campaign_form())
    assert r.status_code == 400
    assert "只能选择本活动办所辖区划" in r.content.decode()
    assert not Campaign.objects.filter(name="济宁市“双进”服务行动").exists()


def test_it_refuses_a_region_of_another_level(world):
    r = post_form(client_for("office"), URL, campaign_form(region=COUNTY))
    assert r.status_code == 400
    assert "组织区划应与层级一致" in r.content.decode()


def test_a_bad_indicator_unit_rolls_back_everything(world):
    counts = [m.objects.count() for m in (Campaign, TargetKind, Category, Indicator, MeasureType, AuditLog)]
    client = client_for("office")
    r = post_form(client, URL, campaign_form(**{"indicator-1-unit": "人次/户/年/村庄/社区"}))
    assert r.status_code == 400
    page = r.content.decode()
    assert "成效指标有误" in page
    assert "单位:确保该变量包含不超过 10 字符" in page  # the indicator's own rule, on its row
    after = [m.objects.count() for m in (Campaign, TargetKind, Category, Indicator, MeasureType)]
    assert after == counts[:5]
    # The same page, corrected, is saved: the token was not spent by the refused submit.
    token = page.split('name="form_token" value="')[1].split('"')[0]
    data = campaign_form(**{"indicator-1-unit": "人次"}) | {"form_token": token}
    assert client.post(URL, data).status_code == 302
    assert Campaign.objects.get(name="济宁市“双进”服务行动").indicators.count() == 2


def test_it_marks_a_half_filled_indicator_row_in_chinese(world):
    r = post_form(client_for("office"), URL, campaign_form(**{"indicator-2-name": "新增产值"}))
    assert r.status_code == 400
    assert "请同时填写指标名称和单位" in r.content.decode()
    assert not Campaign.objects.filter(name="济宁市“双进”服务行动").exists()


def test_it_saves_once_when_submitted_twice(world):
    client = client_for("office")
    page = client.get(URL).content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    data = campaign_form() | {"form_token": token}
    assert client.post(URL, data).status_code == 302
    assert client.post(URL, data | {"name": "另一个行动"}).status_code == 302
    assert not Campaign.objects.filter(name="另一个行动").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "请填写行动名称。"),
        ({"name": "济宁市“四进”攻坚行动(2025)"}, "已有同名行动"),
        ({"end": "2024-01-01"}, "结束日期不能早于开始日期。"),
        ({"start": "1999-01-01"}, "开始日期应在2000年以后"),
        ({"kinds": [], "custom_kinds": ""}, "请至少选择或填写一种帮扶对象类型。"),
        ({"custom_kinds": "一个名字很长很长很长很长很长很长很长的对象类型"}, "每项不超过20个字"),
        ({"solve_days": "0"}, "办结时限(工作日)不能小于1。"),
    ],
)
def test_it_refuses_bad_input_in_chinese(world, changes, message):
    r = post_form(client_for("office"), URL, campaign_form(**changes))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert Campaign.objects.count() == 1
