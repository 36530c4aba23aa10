import pytest

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.tallies.services import tally_form_define
from sijin.testing import PASSWORD, World, d

WEEKLY_FIELDS = [
    {"code": "visits", "label": "走访次数", "unit": "次", "source": "visits"},
    {"code": "found", "label": "发现问题", "unit": "个", "source": "problems_found"},
    {"code": "solved", "label": "解决问题", "unit": "个", "source": "problems_solved"},
    {"code": "firms", "label": "走访企业", "unit": "家"},
    {"code": "infra", "label": "基础设施"},  # named like a 问题类别: takes its source
]


@pytest.fixture
def weekly(world: World):
    return tally_form_define(
        actor=world.users["office"],
        campaign=world.campaign,
        name="周报",
        period_kind="week",
        fields=WEEKLY_FIELDS,
    )


@pytest.fixture
def other_group(world: World):
    """A second group of the same campaign, with its own member (username ``other_member``)."""
    group = campaigns.group_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="济宁市水利局驻汶上县工作组",
        dispatching_org=world.unit_org,
        region=world.other_county,
        tier="city",
        start=d(6, 3),
        end=d(6, 30),
    )
    user_role_ensure(
        actor=None,
        username="other_member",
        password=PASSWORD,
        role=Role.MEMBER,
        work_group=group,
        display_name="另一组组员",
    )
    return group
