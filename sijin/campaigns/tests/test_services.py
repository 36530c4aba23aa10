from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sijin.campaigns.models import Target, TargetKind
from sijin.campaigns.services import campaign_configure, campaign_create, target_create, target_update
from sijin.core.models import AuditAction, AuditLog


@pytest.fixture
def project_kind(world):
    return world.kinds["project"]


def _create(world, kind, **fields):
    return target_create(
        actor=world.users["member"],
        campaign=world.campaign,
        kind=kind,
        region=world.group.region,
        group=world.group,
        **fields,
    )


def test_it_keeps_attribute_values_as_given_and_converts_units(world, project_kind):
    target = _create(
        world, project_kind, name="新项目", attributes={"investment": "2.5亿元", "scale": "500多人"}
    )
    assert target.attributes["investment"] == {
        "value": "25000",
        "unit": "万元",
        "qualifier": "",
        "as_typed": "2.5亿元",
    }
    assert target.attributes["scale"]["qualifier"] == "多"
    assert AuditLog.objects.filter(action="target_create", object_id=str(target.pk)).count() == 1


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"investment": "很多钱"}, "“总投资”:无法识别"),
        ({"progress": "120"}, "“进度”:百分比应在0到100之间"),
        ({"investment": "2万斤"}, "无法换算"),
        ({"color": "红"}, "未定义的属性"),
    ],
)
def test_it_rejects_bad_attributes_and_saves_nothing(world, project_kind, attributes, message):
    before = Target.objects.count()
    with pytest.raises(ValidationError) as exc:
        _create(world, project_kind, name="坏项目", attributes=attributes)
    assert any(message in m for m in exc.value.message_dict["attributes"])
    assert Target.objects.count() == before


def test_it_checks_required_attributes(world):
    kind = TargetKind.objects.create(
        campaign=world.campaign,
        code="school",
        name="学校",
        schema=[{"key": "students", "label": "在校生", "type": "quantity", "unit": "人", "required": True}],
    )
    with pytest.raises(ValidationError) as exc:
        _create(world, kind, name="某学校")
    assert "请填写“在校生”。" in exc.value.message_dict["attributes"]


def test_it_validates_an_enterprise_credit_code(world):
    kind = world.kinds["enterprise"]
    with pytest.raises(ValidationError) as exc:
        _create(world, kind, name="某企业", credit_code="91350100M000100Y44")
    assert "校验位不正确" in exc.value.message_dict["credit_code"][0]
    target = _create(world, kind, name="某企业", credit_code="91350100m000100y43")
    assert target.credit_code == "91350100M000100Y43"


def test_it_refuses_a_duplicate_target_with_a_readable_message(world, project_kind):
    with pytest.raises(ValidationError) as exc:
        _create(world, project_kind, name=world.project.name)
    assert "已有同名同类帮扶对象" in str(exc.value)


def test_it_updates_a_target_keeping_its_attributes(world):
    target = world.project
    target_update(actor=world.users["member"], target=target, address="嘉祥县城区")
    target.refresh_from_db()
    assert target.address == "嘉祥县城区"
    assert target.attributes["investment"]["as_typed"] == "2.6亿元"


def test_it_keeps_targets_inside_the_groups_region(world, project_kind):
    with pytest.raises(ValidationError) as exc:
        target_create(
            actor=world.users["member"],
            campaign=world.campaign,
            kind=project_kind,
            name="外地项目",
            region=world.other_county,
            group=world.group,
        )
    assert "须在工作组驻点“山东省济宁市嘉祥县”范围内" in exc.value.message_dict["region"][0]


def test_moving_a_target_moves_its_problems_scope(world):
    from sijin.campaigns.services import group_ensure

    target = world.village
    wenshang = world.other_county
    other = group_ensure(
        actor=None,
        campaign=world.campaign,
        name="另一工作组",
        region=wenshang,
        tier="county",
        dispatching_org=world.group.dispatching_org,
        start=world.group.start,
    )
    target_update(actor=world.users["admin"], target=target, region=wenshang, group=other)
    assert set(target.problems.values_list("region_id", "group_id")) == {(wenshang.code, other.pk)}


def test_it_configures_a_campaign_in_the_order_given_and_only_once(world):
    admin = world.users["admin"]
    campaign = campaign_create(
        actor=admin, name="新行动", level="city", region=world.city, start=date(2025, 7, 1)
    )
    setup = {
        "kinds": [{"code": "village", "name": "乡村", "focus": "扶"}, {"code": "enterprise", "name": "企业"}],
        "categories": ["技术服务", "其他"],
        "indicators": [{"code": "jobs", "name": "解决用工", "unit": "人"}],
    }
    created = AuditLog.objects.filter(
        action__in=[AuditAction.TARGET_KIND_CREATE, AuditAction.CATEGORY_CREATE, AuditAction.INDICATOR_CREATE]
    )
    before = created.count()

    config = campaign_configure(actor=admin, campaign=campaign, **setup)

    assert [(k.code, k.order, k.focus) for k in campaign.kinds.all()] == [
        ("village", 1, "扶"),
        ("enterprise", 2, ""),
    ]
    assert [(c.name, c.order) for c in campaign.categories.all()] == [("技术服务", 1), ("其他", 2)]
    assert (config.kinds["enterprise"].name, config.categories["其他"].order) == ("企业", 2)
    assert config.indicators["jobs"].unit == "人"
    assert created.count() == before + 5
    assert campaign_configure(actor=admin, campaign=campaign, **setup) == config
    assert created.count() == before + 5
