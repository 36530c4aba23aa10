"""Scenario docs/scenarios/shandong-sijin-province.md: 全省13730名干部“四进”攻坚在一线 (2020-03-23), the province
office's overview and two province-dispatched groups (泰安 省委政法委 in 新泰市, 烟台 省委网信办 in 龙口市).
Entered through the services as the office and the groups would, then checked fact by fact in the province
office's briefing, its reported totals and the ledgers (sijin.reports.tests.facts)."""

from datetime import date

import pytest
from django.db import transaction
from lxml import html as lxml_html

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import people as cadres
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import CadreRole
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure
from sijin.fieldwork import services as fieldwork
from sijin.reports.briefing import briefing_text
from sijin.reports.ledgers import effect_ledger, handling_ledger, problem_ledger
from sijin.reports.tests.facts import Fact, plain, verify
from sijin.tallies import services as tallies
from sijin.tallies.totals import reported_totals
from sijin.testing import KINDS, PASSWORD

pytestmark = pytest.mark.django_db

PROVINCE, XINTAI, LONGKOU = (
    "370000000000",
    "370982000000",
    "370681000000",
)  # 山东省, 新泰市 (泰安), 龙口市 (烟台)
CAMPAIGN = "万名干部“进企业、进项目、进乡村、进社区”攻坚行动(2020)"
TAIAN, YANTAI = "省派泰安省委政法委工作组", "省派烟台省委网信办工作组"
ARRIVED = date(2020, 3, 5)
# The article's day: the period its overview covers, and the day of what it reports without a date.
START, AS_OF = date(2020, 3, 1), date(2020, 3, 23)
PROJECT = "北京同益中项目"
# F2–F7: the office's totals for the province (code, label, unit, as typed).
PROVINCE_TOTALS = [
    ("cadres", "选派干部", "名", "13730"),
    ("groups", "工作组", "个", "2586"),
    ("enterprises", "联系服务企业", "家", "5049"),
    ("projects", "项目", "个", "2393"),
    ("villages", "农村", "个", "3796"),
    ("communities", "社区", "个", "3826"),
]


def build() -> dict:
    province, xintai, longkou = (Region.objects.get(code=c) for c in (PROVINCE, XINTAI, LONGKOU))
    organization_ensure(actor=None, name="山东省“四进”攻坚行动办公室", region=province, kind="office")
    office = user_role_ensure(
        actor=None,
        username="sd_office",
        password=PASSWORD,
        role=Role.OFFICE,
        region=province,
        display_name="省活动办",
    )
    campaign = campaigns.campaign_ensure(
        actor=office,
        name=CAMPAIGN,
        level="province",
        region=province,
        start=START,
        deployment="按照省委部署要求",
        description="抓防控、抓发展、抓民生",
    )
    config = campaigns.campaign_configure(
        actor=office,
        campaign=campaign,
        kinds=KINDS,
        categories=["疫情防控", "复工复产"],
        indicators=[
            {"code": "completion_ahead", "name": "竣工提前", "unit": "个月"},
            {"code": "production_ahead", "name": "投产提前", "unit": "个月"},
        ],
        measure_types=["座谈会"],
    )
    zhengfa = organization_ensure(actor=office, name="省委政法委", region=province, kind="government")
    wangxin = organization_ensure(actor=office, name="省委网信办", region=province, kind="government")
    taian = campaigns.group_create(
        actor=office,
        campaign=campaign,
        name=TAIAN,
        dispatching_org=zhengfa,
        region=xintai,
        tier="province",
        start=ARRIVED,
        approach="建立上下联动、内外协调、前后方互动三项工作机制",
    )
    # F21: the stored text gives no day for 龙口市; province groups were in place by 3月5日 (F9).
    yantai = campaigns.group_create(
        actor=office,
        campaign=campaign,
        name=YANTAI,
        dispatching_org=wangxin,
        region=longkou,
        tier="province",
        start=ARRIVED,
        approach="统筹推进疫情防控和复工复产工作,采取问题清单、办理清单、问效清单三张清单的办法",
    )
    contact = person_ensure(actor=office, name="对接成员(未具名)", organization=zhengfa, title="组员")
    campaigns.membership_ensure(actor=office, group=taian, person=contact, role="member")
    member = user_role_ensure(
        actor=None,
        username="sd_member_taian",
        password=PASSWORD,
        role=Role.MEMBER,
        person=contact,
        work_group=taian,
        display_name="泰安工作组组员",
    )

    # F13: the first meeting, on arrival, with the contact unit's leaders (not a target of the group).
    fieldwork.measure_record(
        actor=member,
        group=taian,
        type=config.measure_types["座谈会"],
        date=ARRIVED,
        note="抵达新泰市当天与联系人单位主要负责同志商议初步工作意见",
    )
    # F17, F18, F20: the project, its member on site, and what was gained.
    project = campaigns.target_create(
        actor=member,
        campaign=campaign,
        kind=config.kinds["project"],
        name=PROJECT,
        region=xintai,
        group=taian,
        responsible=contact,
    )
    cadres.target_cadre_add(
        actor=office, target=project, person=contact, role=CadreRole.LIAISON, start=ARRIVED
    )
    for code, value, note in (
        ("completion_ahead", "1个月", "帮助项目竣工时间提前"),
        ("production_ahead", "2个月", "帮助项目投产时间提前"),
    ):
        fieldwork.outcome_record(
            actor=member,
            target=project,
            indicator=config.indicators[code],
            value=value,
            date=AS_OF,
            note=note,
        )

    # F14: 37 problems sorted out from first enquiries: reported as a figure, not itemised in the source.
    form = tallies.tally_form_define(
        actor=office,
        campaign=campaign,
        name="工作组周报",
        period_kind="week",
        fields=[{"code": "found", "label": "发现问题"}],
    )
    report = tallies.tally_report_open(actor=member, form=form, group=taian, day=ARRIVED)
    tallies.tally_value_set(actor=member, report=report, values={"found": "37"})
    tallies.tally_report_submit(actor=member, report=report)

    # F2–F8: the province-wide totals, and the 省直 sub-total, as the office reports them 截至 the article's day.
    whole = tallies.tally_form_define(
        actor=office,
        campaign=campaign,
        name="全省选派情况",
        period_kind="campaign",
        fields=[{"code": code, "label": label, "unit": unit} for code, label, unit, _ in PROVINCE_TOTALS],
    )
    tier = tallies.tally_form_define(
        actor=office,
        campaign=campaign,
        name="省直选派情况",
        period_kind="campaign",
        fields=[
            {"code": "cadres", "label": "选派干部", "unit": "名"},
            {"code": "groups", "label": "工作组", "unit": "个"},
        ],
    )
    for form, tier_code, figures in (
        (whole, "", {code: v for code, _, _, v in PROVINCE_TOTALS}),
        (tier, "province", {"cadres": "1000", "groups": "200"}),
    ):
        report = tallies.tally_office_report_open(actor=office, form=form, day=AS_OF, tier=tier_code)
        tallies.tally_value_set(actor=office, report=report, values=figures)
        tallies.tally_report_submit(actor=office, report=report, as_of=AS_OF)
    return {"office": office, "campaign": campaign, "taian": taian, "yantai": yantai, "province": province}


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    """The scenario entered once for the module, and what Sijin writes from it: the province office's
    briefing up to the article's day, its reported totals and the groups' ledgers."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        office = built["office"]
        text = briefing_text(
            office, region=built["province"], period_start=START, period_end=AS_OF, list_targets=True
        )
        groups = [built["taian"], built["yantai"]]
        built |= {
            "body": text.body,
            "totals": reported_totals(built["campaign"], groups, (START, AS_OF)),
            "ledgers": [
                build_ledger(office, group=built["yantai"]).name
                for build_ledger in (problem_ledger, handling_ledger, effect_ledger)
            ],
        }
        yield built
        transaction.set_rollback(True)


def blocks(body: str) -> list[tuple[str, str]]:
    return [(el.tag, el.text_content()) for el in lxml_html.fragment_fromstring(body, create_parent="div")]


def section(body: str, heading: str) -> str:
    """The text under the ``<h3>`` ``heading`` (one target), up to the next heading."""
    out, inside = [], False
    for tag, content in blocks(body):
        if tag in ("h2", "h3"):
            inside = tag == "h3" and content == heading
        elif inside:
            out.append(content)
    return plain("\n".join(out))


def test_it_reproduces_the_province_report_fact_by_fact(scenario):
    body = scenario["body"]
    text, first = plain(body), plain(blocks(body)[0][1])
    project = section(body, PROJECT)
    score = verify(
        [
            Fact("F1", lambda: CAMPAIGN in first and "按照省委部署要求" in first),
            Fact("F2", lambda: "13730" in text),
            Fact("F3", lambda: "2586" in text),
            Fact("F4", lambda: "5049" in text),
            Fact("F5", lambda: "2393" in text),
            Fact("F6", lambda: "3796" in text),
            Fact("F7", lambda: "3826" in text),
            Fact(
                "F8",
                lambda: "1000名" in text and "200个" in text,
            ),
            Fact("F9", lambda: "3月5日前" in text, gap="a campaign has no arrive-by date per tier (省派)"),
            Fact("F10", lambda: "3月10日前" in text, gap="a campaign has no arrive-by date per tier (市派)"),
            Fact(
                "F11",
                lambda: "抓防控、抓发展、抓民生" in text,
            ),
            Fact(
                "F12",
                lambda: "省委政法委" in first and "省派工作组入驻新泰市" in first and "3月5日" in first,
            ),
            Fact(
                "F13",
                lambda: "初步工作意见" in text,
            ),
            Fact(
                "F14",
                lambda: (
                    "据定期报送,发现问题37个" in first
                    and any(t.field.label == "发现问题" and t.reported == 37 for t in scenario["totals"])
                ),
            ),
            Fact(
                "F15",
                lambda: "省市县协力" in text,
                gap="problem levels have no 省市县协力 class, and per-level counts of problems that are only "
                "reported as a figure cannot be given",
            ),
            Fact("F16", lambda: "上下联动、内外协调、前后方互动三项工作机制" in first),
            Fact("F17", lambda: PROJECT in [c for tag, c in blocks(body) if tag == "h3"]),
            Fact(
                "F18",
                lambda: "6个小时" in text,
                gap="a 包保 cadre's time commitment on a target (每天不少于6个小时) has no field",
            ),
            Fact(
                "F19",
                lambda: "多次" in project,
                gap="a visit count without a number (组长多次深入现场) and without dates cannot be recorded",
            ),
            Fact("F20", lambda: "竣工提前1个月" in project and "投产提前2个月" in project),
            Fact("F21", lambda: "省委网信办" in first and "省派工作组入驻龙口市" in first),
            Fact(
                "F22",
                lambda: (
                    "问题清单、办理清单、问效清单" in first
                    and scenario["ledgers"] == ["问题清单", "办理清单", "问效清单"]
                ),
            ),
            Fact("F23", lambda: "统筹推进疫情防控和复工复产工作" in first),
        ]
    )
    print(f"shandong-sijin-province: {score}")
    assert score.total == 23


def test_it_sets_the_reported_37_problems_beside_what_is_itemised(scenario):
    found = next(t for t in scenario["totals"] if t.field.label == "发现问题")
    assert (found.reported, found.itemised) == (37, 0)
    assert found.phrase == "发现问题37个(其中0个有记录)"
