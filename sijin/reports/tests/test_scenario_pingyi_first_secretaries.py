"""Scenario docs/scenarios/pingyi-first-secretaries.md: two 第一书记 in 响水庄村 (平邑县), their one-year review.

The report is entered as the village's secretaries and the county office would enter it, through the services:
the two postings, the review meeting, the 水土保持 project and its failed acceptance, the land problem, the
outcomes as typed (200多万元, 160多个, 每人200元) and the 村委会主任's words. Then every numbered fact is looked
for in what Sijin writes: the group's briefing for the reviewed year and the ledgers.

The report gives months and seasons, not days (去年3月, 一个半月后, 秋收以后, “七一”前夕, 春节前): where a record
needs a day, a day inside the stated month or season is taken (named next to it below); no check relies on it.
"""

import re
from datetime import date

import pytest
from django.db import transaction
from lxml import html as lxml_html

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import people as cadres
from sijin.campaigns import services as campaigns
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure
from sijin.fieldwork import services as fieldwork
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import briefing_text
from sijin.reports.ledgers import effect_ledger, problem_ledger, visit_ledger

from .facts import Fact, Score, plain, verify

pytestmark = pytest.mark.django_db

PINGYI = "371326000000"  # 平邑县 (the village itself is below the regions Sijin loads)
START, REVIEW = date(2016, 3, 1), date(2017, 3, 18)  # 去年3月 (day unknown: the 1st), the review 3月18日
VILLAGE, PROJECT = "响水庄村", "水土保持项目"
KINDS: list[campaigns.KindSpec] = [
    {"code": "village", "name": "乡村", "schema": []},
    {
        "code": "project",
        "name": "项目",
        "schema": [
            {"key": "investment", "label": "总投资", "type": "quantity", "unit": "万元", "required": False},
            {"key": "started", "label": "开工时间", "type": "text", "unit": "", "required": False},
            {"key": "duration", "label": "工期", "type": "text", "unit": "", "required": False},
        ],
    },
]
INDICATORS: list[campaigns.IndicatorSpec] = [
    {"code": "land", "name": "土地整理", "unit": "亩"},
    {"code": "special_funds", "name": "争取专项资金", "unit": "万元"},
    {"code": "roads", "name": "硬化生产路", "unit": "条"},
    {"code": "culverts", "name": "修建进地涵", "unit": "个"},
    {"code": "project_funds", "name": "争取土地复垦项目", "unit": "万元"},
    {"code": "lamps", "name": "安装太阳能路灯", "unit": "盏"},
    {"code": "invested", "name": "投入资金", "unit": "万元"},
    {"code": "funds", "name": "争取资金", "unit": "万元"},
    {"code": "rooms", "name": "新建办公场所", "unit": "间"},
    {"code": "condolence", "name": "慰问金", "unit": "元"},
    {"code": "goods", "name": "慰问物资", "unit": "元"},
]


def build() -> dict:
    admin = User.objects.get(username="admin")
    county = Region.objects.get(code=PINGYI)
    campaign = campaigns.campaign_create(
        actor=admin, name="平邑县“第一书记”驻村帮扶", level="county", region=county, start=START
    )
    config = campaigns.campaign_configure(
        actor=admin,
        campaign=campaign,
        kinds=KINDS,
        categories=["工程质量", "基础设施", "土地"],
        indicators=INDICATORS,
    )
    ind = config.indicators
    shuibao = organization_ensure(actor=admin, name="平邑县水保局", region=county, kind="government")
    tangcun = organization_ensure(actor=admin, name="唐村水库管理处", region=county, kind="government")
    # The report names no dispatching unit of a group: the two secretaries come from two bodies.
    unstated = organization_ensure(actor=admin, name="未载明", region=county, kind="government")
    wei = person_ensure(actor=admin, name="魏运昌", organization=shuibao, title="干部")
    teng = person_ensure(actor=admin, name="滕超", organization=tangcun, title="干部")
    group = campaigns.group_create(
        actor=admin,
        campaign=campaign,
        name="响水庄村第一书记驻村工作组",
        dispatching_org=unstated,
        region=county,
        tier="county",
        start=START,
    )
    for person in (wei, teng):
        campaigns.membership_create(actor=admin, group=group, person=person, role="member", duty="第一书记")
    member = user_role_ensure(
        actor=None, username="py_wei", password="x", role=Role.MEMBER, person=wei, work_group=group
    )
    office = user_role_ensure(actor=None, username="py_office", password="x", role=Role.OFFICE, region=county)

    village = campaigns.target_create(
        actor=member,
        campaign=campaign,
        kind=config.kinds["village"],
        name=VILLAGE,
        region=county,
        group=group,
        responsible=wei,
    )
    project = campaigns.target_create(
        actor=member,
        campaign=campaign,
        kind=config.kinds["project"],
        name=PROJECT,
        region=county,
        group=group,
        responsible=wei,
        attributes={"investment": "70万元", "started": "2016年3月", "duration": "一个半月"},
    )
    # F1–F3: two first secretaries of one village at once, since 去年3月.
    for person in (wei, teng):
        cadres.posting_create(
            actor=admin, person=person, role="first_secretary", start=START, group=group, target=village
        )
    # F4, F5: the review, a meeting with the village cadres.
    fieldwork.visit_record(
        actor=member,
        group=group,
        targets=[village],
        date=REVIEW,
        mode="symposium",
        purpose="整年盘点",
        notes="盘点一年的工作,目的是为了查漏补缺,方便做好今年的驻村帮扶工作。",
        participants=[wei, teng],
    )

    def step(problem, action, on, **fields):
        return problem_transition(actor=member, problem=problem, action=action, on_date=on, **fields)

    # F8–F10: the acceptance failed (一个半月后: mid-April 2016); redone 秋收以后 (November 2016).
    failed = problem_report(
        actor=member,
        target=project,
        title="水土保持项目验收不合格",
        description="土层深度不够,没有按梯田标准进行连片治理",
        category=config.categories["工程质量"],
        reported_on=date(2016, 4, 15),
        responsible=wei,
    )
    step(failed, "self_handle", date(2016, 4, 15))
    step(
        failed,
        "resolve",
        date(2016, 11, 10),
        resolution="秋收以后,施工方按梯田标准重新进行土地整理;花生、地瓜产量翻了一番",
        outcomes=[{"indicator": ind["land"], "value": "658亩", "note": "整理两遍"}],
    )
    # F11–F13: no farm roads in the project; special funds obtained by 魏运昌 (the day: end of 2016).
    roads = problem_report(
        actor=member,
        target=project,
        title="项目区生产路未硬化",
        description="水土保持项目没有生产路硬化内容",
        category=config.categories["基础设施"],
        reported_on=date(2016, 4, 15),
        responsible=wei,
    )
    step(roads, "self_handle", date(2016, 4, 15))
    step(
        roads,
        "resolve",
        date(2016, 12, 20),
        resolution="经魏运昌多次努力争取到专项资金,硬化项目区生产路、修建进地涵",
        outcomes=[
            {"indicator": ind["special_funds"], "value": "50万元"},
            {"indicator": ind["roads"], "value": "3条", "note": "长1400米、宽4米"},
            {"indicator": ind["culverts"], "value": "160多个"},
        ],
    )
    # F15–F17: the abandoned iron mine (the days are not in the report).
    mine = problem_report(
        actor=member,
        target=village,
        title="废弃铁矿占地100亩",
        description="村东边原来有个铁矿,废弃了好几年,占地100亩",
        category=config.categories["土地"],
        reported_on=date(2016, 4, 1),
    )
    step(mine, "self_handle", date(2016, 4, 1))
    step(
        mine,
        "resolve",
        date(2016, 12, 1),
        resolution="依法收回了土地",
        coordinated_with="县法院",
        measures="两位第一书记多次到县法院协调",
        outcomes=[{"indicator": ind["project_funds"], "value": "200多万元", "note": "向国土部门争取"}],
    )
    # F18: this year's plan.
    fieldwork.plan_create(
        actor=member,
        target=village,
        name="2017年驻村帮扶工作",
        made_on=REVIEW,
        owner=wei,
        steps=[
            {"title": "对废矿占用土地进行复垦", "status": "todo"},
            {"title": "通过招商引资发展高效农业", "status": "todo"},
        ],
    )

    # F19–F22 (the days: within the reviewed year; “七一”前夕 2016-06-30, 春节前 2017-01-20).
    def outcome(indicator, value, on, note=""):
        fieldwork.outcome_record(
            actor=member, target=village, indicator=ind[indicator], value=value, date=on, note=note
        )

    outcome("lamps", "40盏", date(2016, 10, 1))
    outcome("invested", "40万元", date(2016, 10, 1), note="安装太阳能路灯")
    outcome("funds", "15万元", date(2016, 9, 1), note="新建村办公场所")
    outcome("rooms", "10间", date(2016, 9, 1))
    outcome("condolence", "每人200元", date(2016, 6, 30), note="“七一”前夕慰问10名老党员")
    outcome("goods", "6000多元", date(2017, 1, 20), note="春节前为3户贫困计生户送奶粉")
    # F14: the 村委会主任 on the culverts.
    fieldwork.feedback_record(
        actor=member,
        target=village,
        group=group,
        speaker_name="高彦玲",
        speaker_role="村委会主任",
        quote="进地涵修得好。小手扶可以直接开进地里,运肥、收庄稼都方便。",
        date=REVIEW,
    )
    html = briefing_text(office, group=group, period_start=START, period_end=REVIEW).body
    return {"office": office, "group": group, "html": html, "text": plain(html)}


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


def ledger_rows(ledger) -> list[list[str]]:
    return [[str(c) for c in row] for row in ledger.rows]


def test_it_reproduces_the_pingyi_report_fact_by_fact(scene):
    text, office, group = scene["text"], scene["office"], scene["group"]
    village, project = section(scene["html"], VILLAGE), section(scene["html"], PROJECT)
    visits = ledger_rows(visit_ledger(office, group=group))
    problems = ledger_rows(problem_ledger(office, group=group))
    effects = ledger_rows(effect_ledger(office, group=group))

    def effect(title: str) -> list[str]:
        return next(r for r in effects if r[2] == title)

    score: Score = verify(
        [
            Fact("F1", lambda: "平邑县水保局干部魏运昌任响水庄村驻村第一书记" in text),
            Fact("F2", lambda: "唐村水库管理处干部滕超任响水庄村驻村第一书记" in text),
            Fact(
                "F3",
                lambda: re.search(r"(自|从)2016年3月(起|以来|至今).{0,40}第一书记", text),
                gap="a posting's start is a day (去年3月 stored as 2016-03-01) and the briefing does not say since when",
            ),
            Fact(
                "F4",
                lambda: any(r[1] == "2017-03-18" and r[5] == "座谈会" and r[7] == "整年盘点" for r in visits),
            ),
            Fact("F5", lambda: any("查漏补缺" in r[10] for r in visits)),
            Fact("F6", lambda: "总投资70万元" in project and "开工时间为2016年3月" in project),
            Fact("F7", lambda: "工期为一个半月" in project),
            Fact(
                "F8",
                lambda: (
                    "“水土保持项目验收不合格”" in project
                    and any(r[6] == "水土保持项目验收不合格" and "没有按梯田标准" in r[7] for r in problems)
                ),
            ),
            Fact(
                "F9",
                lambda: (
                    "土地整理658亩(整理两遍)" in project
                    and "秋收以后" in project
                    and effect("水土保持项目验收不合格")[-1] == "已办结"
                ),
            ),
            Fact("F10", lambda: "花生、地瓜产量翻了一番" in project),
            Fact("F11", lambda: "争取专项资金50万元" in project and "魏运昌多次努力" in project),
            Fact("F12", lambda: "硬化生产路3条(长1400米、宽4米)" in project),
            Fact("F13", lambda: "修建进地涵160多个" in project and "160个" not in text),
            Fact("F14", lambda: "响水庄村村委会主任高彦玲说:“进地涵修得好。" in text),
            Fact("F15", lambda: "“废弃铁矿占地100亩”" in village),
            Fact(
                "F16",
                lambda: (
                    "协调县法院" in village
                    and "依法收回了土地" in village
                    and "多次到县法院协调" in village
                    and effect("废弃铁矿占地100亩")[-1] == "已办结"
                ),
            ),
            Fact("F17", lambda: "争取土地复垦项目200多万元" in village),
            Fact(
                "F18",
                lambda: (
                    "对废矿占用土地进行复垦" in village
                    and "通过招商引资发展高效农业" in village
                    and "(已完成)" not in village
                ),
            ),
            Fact(
                "F19", lambda: "安装太阳能路灯40盏" in village and "投入资金40万元(安装太阳能路灯)" in village
            ),
            Fact("F20", lambda: "争取资金15万元" in village and "新建办公场所10间" in village),
            Fact(
                "F21",
                lambda: "慰问金每人200元" in village and "10名老党员" in village and "2000元" not in text,
            ),
            Fact("F22", lambda: "慰问物资6000多元" in village and "3户贫困计生户" in village),
            Fact(
                "F23",
                lambda: "5户贫困" in text,
                gap="the source excerpt is cut off (给5户贫困……): nothing to enter",
            ),
            Fact(
                "F24",
                lambda: "林某" in text,
                gap="context only (an unnamed speaker whose role the excerpt omits): nothing to enter",
            ),
        ]
    )
    print(f"pingyi-first-secretaries: {score}")


def test_it_keeps_both_first_secretaries_of_one_village_at_once(scene):
    """Two concurrent postings in one place from two bodies: both are told, each with its own unit."""
    text = scene["text"]
    assert text.count("任响水庄村驻村第一书记") == 2


def test_it_does_not_turn_a_rate_per_person_into_a_total(scene):
    """每人200元 for 10 老党员: the briefing keeps the rate and does not add it to the money outcomes."""
    assert "慰问金每人200元" in scene["text"]
    assert "慰问金2000元" not in scene["text"]
