"""Scenario docs/scenarios/jiaozuo-sibangsifu.md: 焦作示范区's “四帮四扶” village support teams (2018-03-19).

The report gives a line for all 32 teams (visits, projects, funds, disputes) and then what five of them did in
their villages. It is entered as the district office and those five teams would enter it, through the services:
the teams and their villages, the outcomes as typed (13万元, 10余万元, 近20户, 17.25万元, 85.83万元), the pairing and
the activities as measures, the planned projects as a plan. Then every numbered fact is looked for in the
district office's briefing and the ledgers.

The report says 截至目前 on 2018-03-19 and gives no other day: the itemised records are dated that day, and the
campaign (started before; its day unknown) is taken from the first day of the report's year. The district
(示范区) is not among the regions Sijin loads, so the teams are stationed in 焦作市.
"""

from datetime import date

import pytest
from django.db import transaction
from lxml import html as lxml_html

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.models import Outcome
from sijin.reports.briefing import briefing_text
from sijin.tallies import services as tallies

from .facts import Fact, Score, plain, verify

pytestmark = pytest.mark.django_db

JIAOZUO = "410800000000"  # 焦作市 (示范区 is not loaded)
START, AS_OF = date(2018, 1, 1), date(2018, 3, 19)
INDICATORS: list[campaigns.IndicatorSpec] = [
    {"code": "funds", "name": "争取资金", "unit": "万元"},
    {"code": "invested", "name": "投入资金", "unit": "万元"},
    {"code": "road", "name": "修路", "unit": "公里"},
    {"code": "guarantee_loans", "name": "办理创业担保贷款", "unit": "户"},
    {"code": "free_loans", "name": "办理无息贷款", "unit": "万元"},
    {"code": "free_loan_households", "name": "办理无息贷款户数", "unit": "户"},
    {"code": "gifts", "name": "慰问物资", "unit": "万元"},
    {"code": "award", "name": "获得奖励", "unit": "万元"},
    {"code": "fiscal_funds", "name": "争取财政资金", "unit": "万元"},
    {"code": "special_funds", "name": "申请上级专项资金", "unit": "万元"},
]
MEASURE_TYPES: list[campaigns.MeasureTypeSpec] = [
    {"name": "结对帮扶", "unit": "对"},
    {"name": "科普教育"},
    {"name": "政策宣讲"},
    {"name": "动员群众"},
]
# The five teams the report itemises: dispatching unit (as the report names it), villages (name, township).
TEAMS = [
    ("示范区党工委办公室", [("杨梧槚村", "宁郭镇")], "强班子、保稳定、促发展"),
    ("示范区组织人社局", [("新安镇村", "文昌街道"), ("南马庄村", "文昌街道")], ""),
    ("示范区发展改革局", [("桥湾村", "宁郭镇")], ""),
    ("未载明", [("北官庄村", "")], ""),  # the excerpt does not say whose team it is
    ("示范区财政局", [("大架村", "宁郭镇")], ""),
]


def build() -> dict:
    admin = User.objects.get(username="admin")
    city = Region.objects.get(code=JIAOZUO)
    campaign = campaigns.campaign_create(
        actor=admin, name="“四帮四扶”活动", level="county", region=city, start=START
    )
    config = campaigns.campaign_configure(
        actor=admin,
        campaign=campaign,
        kinds=[{"code": "village", "name": "乡村", "schema": []}],
        indicators=INDICATORS,
        measure_types=MEASURE_TYPES,
    )
    office = user_role_ensure(actor=None, username="jz_office", password="x", role=Role.OFFICE, region=city)
    member = None
    village = {}
    groups = {}
    for unit_name, villages, approach in TEAMS:
        unit = organization_ensure(actor=admin, name=unit_name, region=city, kind="government")
        group = campaigns.group_create(
            actor=admin,
            campaign=campaign,
            name=f"{unit_name}帮扶工作队" if unit_name != "未载明" else "北官庄村帮扶工作队",
            dispatching_org=unit,
            region=city,
            tier="county",
            start=START,
            approach=approach,
        )
        groups[unit_name] = group
        # One login, a member of each of the five teams.
        member = user_role_ensure(
            actor=None, username="jz_member", password="x", role=Role.MEMBER, work_group=group
        )
        # F2: each team made its support work plan.
        campaigns.group_document_add(actor=admin, group=group, title="帮扶工作计划", kind="plan")
        for name, township in villages:
            village[name] = campaigns.target_create(
                actor=admin,
                campaign=campaign,
                kind=config.kinds["village"],
                name=name,
                region=city,
                group=group,
                address=township,
            )
    assert member is not None
    ind, types = config.indicators, config.measure_types

    def outcome(target, indicator, value, note="", beneficiaries=()):
        return fieldwork.outcome_record(
            actor=member,
            target=village[target],
            indicator=ind[indicator],
            value=value,
            date=AS_OF,
            note=note,
            beneficiaries=[village[b] for b in beneficiaries],
        )

    def measure(target, type_name, note):
        return fieldwork.measure_record(
            actor=member,
            group=village[target].group,
            type=types[type_name],
            date=AS_OF,
            note=note,
            target=village[target],
        )

    # F9–F11: 杨梧槚村.
    outcome("杨梧槚村", "funds", "13万元", note="配套资金,新建村卫生所")
    outcome("杨梧槚村", "funds", "170万元", note="为村小学新建一栋三层教学楼和一个体育场")
    measure("杨梧槚村", "结对帮扶", "促使河南焦郑黄河大桥开发有限公司与贫困户李某结成帮扶对子")
    # F12–F19: the team of 区组织人社局 in its two villages. F13 (义诊 多次) has no count to record.
    outcome("新安镇村", "invested", "10余万元", note="新建村级活动场所")
    measure("新安镇村", "科普教育", "组织市科技馆宣讲人员到村里对少年儿童进行科普教育")
    outcome("南马庄村", "funds", "90万元", note="修好出村路")
    outcome("南马庄村", "road", "3公里")
    measure("新安镇村", "政策宣讲", "开展“送创业扶持政策到村”活动")
    outcome("新安镇村", "guarantee_loans", "8户", beneficiaries=["南马庄村"])
    outcome("新安镇村", "free_loans", "100余万元", beneficiaries=["南马庄村"])
    outcome("新安镇村", "free_loan_households", "近20户", beneficiaries=["南马庄村"])
    outcome("新安镇村", "gifts", "2万余元", note="重大节日慰问困难党员群众", beneficiaries=["南马庄村"])
    # F20–F22: 桥湾村.
    measure("桥湾村", "动员群众", "动员群众开展“家园清洁”活动,争创美丽示范村")
    outcome("桥湾村", "award", "10万元")
    outcome("桥湾村", "fiscal_funds", "17.25万元", note="完成排涝河修建改造工程")
    # F23, F24: the projects planned at 北官庄村.
    fieldwork.plan_create(
        actor=member,
        target=village["北官庄村"],
        name="谋划致富项目",
        made_on=AS_OF,
        steps=[
            {"title": title, "status": "todo"}
            for title in ("农副产品物流园区", "农副产品批发市场", "小型工业园区", "大棚蔬菜", "菌种种植")
        ],
    )
    # F25: 大架村.
    outcome(
        "大架村", "special_funds", "85.83万元", note="通过“一事一议”、美丽乡村建设项目申请,完成村内亮化工程"
    )
    # F4–F7: the totals for all 32 teams, as the district office reports them 截至目前.
    form = tallies.tally_form_define(
        actor=office,
        campaign=campaign,
        name="“四帮四扶”活动情况",
        period_kind="campaign",
        fields=[
            {"code": "visits", "label": "走访群众", "unit": "人次"},
            {"code": "projects", "label": "谋划致富项目", "unit": "个"},
            {"code": "disputes", "label": "化解矛盾纠纷", "unit": "起"},
            {"code": "funds", "label": "落实帮扶资金", "unit": "万元"},
        ],
    )
    report = tallies.tally_office_report_open(actor=office, form=form, day=AS_OF)
    tallies.tally_value_set(
        actor=office,
        report=report,
        values={"visits": "4000余", "projects": "27", "disputes": "60余", "funds": "200余万元"},
    )
    tallies.tally_report_submit(actor=office, report=report, as_of=AS_OF)
    html = briefing_text(office, region=city, period_start=START, period_end=AS_OF, list_targets=True).body
    return {"office": office, "groups": groups, "html": html, "text": plain(html)}


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


def section(html: str, heading: str) -> str:
    """The text under the ``<h3>`` ``heading`` up to the next heading, whitespace removed."""
    out, inside = [], False
    for el in lxml_html.fragment_fromstring(html, create_parent="div"):
        if el.tag in ("h2", "h3"):
            inside = el.tag == "h3" and el.text_content() == heading
        elif inside:
            out.append(el.text_content())
    return plain("".join(out))


def test_it_reproduces_the_jiaozuo_report_fact_by_fact(scene):
    text, html = scene["text"], scene["html"]
    ywj, xaz, nmz = section(html, "杨梧槚村"), section(html, "新安镇村"), section(html, "南马庄村")
    qw, bgz, dj = section(html, "桥湾村"), section(html, "北官庄村"), section(html, "大架村")
    score: Score = verify(
        [
            Fact(
                "F1",
                lambda: "“四帮四扶”活动" in text and "第一书记" in text,
                gap="a posting needs a named person; the report names no first secretary",
            ),
            Fact(
                "F2",
                lambda: "摸底调查" in text and "《帮扶工作计划》" in text,
                gap="a survey (摸底调查) with no count or date has no record: a visit needs both",
            ),
            Fact(
                "F3",
                lambda: "32支" in text,
                gap="only 5 of the 32 teams are itemised; the others cannot be entered without inventing them",
            ),
            Fact("F4", lambda: "走访群众4000余人次" in text),
            Fact("F5", lambda: "谋划致富项目27个" in text),
            Fact(
                "F6",
                lambda: "落实帮扶资金200余万元" in text,
            ),
            Fact("F7", lambda: "化解矛盾纠纷60余起" in text),
            Fact(
                "F8",
                lambda: (
                    "示范区党工委办公室派出县派工作组" in text and "“强班子、保稳定、促发展”的思路" in text
                ),
            ),
            Fact("F9", lambda: "争取资金13万元(配套资金,新建村卫生所)" in ywj),
            Fact("F10", lambda: "争取资金170万元(为村小学新建一栋三层教学楼和一个体育场)" in ywj),
            Fact(
                "F11", lambda: "开展结对帮扶1对" in ywj and "河南焦郑黄河大桥开发有限公司与贫困户李某" in ywj
            ),
            Fact("F12", lambda: "投入资金10余万元(新建村级活动场所)" in xaz),
            Fact(
                "F13",
                lambda: "义诊" in text and "多次" in text,
                gap="a measure's times is a whole number: 多次 (several, not counted) cannot be recorded",
            ),
            Fact("F14", lambda: "科普教育" in xaz and "市科技馆" in xaz),
            Fact("F15", lambda: "争取资金90万元(修好出村路)" in nmz and "修路3公里" in nmz),
            Fact("F16", lambda: "政策宣讲" in xaz and "送创业扶持政策到村" in xaz),
            Fact("F17", lambda: "办理创业担保贷款8户" in xaz),
            Fact("F18", lambda: "办理无息贷款100余万元" in xaz and "办理无息贷款户数近20户" in xaz),
            Fact(
                "F19",
                lambda: "慰问物资2万余元" in xaz and "慰问物资2万余元" in nmz,
                gap="an outcome shared by two targets is told only under its first target",
            ),
            Fact("F20", lambda: "家园清洁" in qw and "美丽示范村" in qw),
            Fact("F21", lambda: "获得奖励10万元" in qw),
            Fact("F22", lambda: "争取财政资金17.25万元(完成排涝河修建改造工程)" in qw),
            Fact(
                "F23",
                lambda: all(p in bgz for p in ("农副产品物流园区", "农副产品批发市场", "小型工业园区")),
            ),
            Fact("F24", lambda: "大棚蔬菜" in bgz and "菌种种植" in bgz),
            Fact("F25", lambda: "申请上级专项资金85.83万元" in dj and "村内亮化工程" in dj),
        ]
    )
    print(f"jiaozuo-sibangsifu: {score}")


def test_it_keeps_the_itemised_funds_apart_from_the_reported_ones(scene):
    """The itemised 争取资金 (13+170+90) are summed as 争取资金; the office's reported 落实帮扶资金 stays as reported,
    neither summed with them nor corrected by them (273 + 200 = 473)."""
    text = scene["text"]
    assert "争取资金273万元" in text
    assert text.count("落实帮扶资金") == 1 and "落实帮扶资金200余万元" in text
    assert "473" not in text


def test_it_counts_an_outcome_of_two_villages_once(scene):
    """慰问物资 for 新安镇村 and 南马庄村 is one outcome: the district's total says 2万余元, not 4万余元."""
    assert Outcome.objects.filter(indicator__name="慰问物资").count() == 1
    assert "慰问物资2万余元" in scene["text"]
    assert "慰问物资4万余元" not in scene["text"]
