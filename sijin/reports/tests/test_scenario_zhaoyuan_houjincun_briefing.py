"""Scenario docs/scenarios/zhaoyuan-houjincun-briefing.md: 招远市“第一书记”暨后进村帮扶工作简报 第2期 (July 2015),
the city office's 督查情况通报 on its 116 village support teams. Entered through the services as the office and
the teams would, then checked fact by fact in the office's briefing (its body as generated, its masthead once
submitted) and the ledgers (sijin.reports.tests.facts)."""

from datetime import date

import pytest
from django.db import transaction
from lxml import html as lxml_html

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import people as cadres
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import PostingRole
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure
from sijin.fieldwork import services as fieldwork
from sijin.reports.briefing import briefing_masthead, briefing_text
from sijin.reports.ledgers import target_ledger, visit_ledger
from sijin.reports.services import briefing_generate, briefing_submit
from sijin.reports.tests.facts import Fact, plain, verify
from sijin.testing import KINDS, PASSWORD

pytestmark = pytest.mark.django_db

ZHAOYUAN = "370685000000"  # 招远市 (towns such as 毕郭镇 are below the region table: kept in the address)
CAMPAIGN = "基层党组织“第一书记”暨后进村帮扶"
OFFICE = "招远市后进村帮扶工作领导小组办公室"
TEAMS = 116
# The stored text gives no start: May 2015 comes before its first dated event (5月12日). Entered for the
# campaign, the teams and the first secretary's term, and for the 专题会议 (whose day the briefing never prints).
ASSUMED_START = date(2015, 5, 1)
SURVEY = date(2015, 5, 12)
ISSUED = date(2015, 7, 3)  # the 简报's day (“2015年7月……3日”)
QUOTE = "规划要高起点、着眼长远、一步到位、帮扶要有新突破、多为村办实事解难事"


def build() -> dict:
    zhaoyuan = Region.objects.get(code=ZHAOYUAN)
    # F2: the office compiles the briefing (the 编发单位 a region briefing suggests).
    organization_ensure(actor=None, name=OFFICE, region=zhaoyuan, kind="office")
    office = user_role_ensure(
        actor=None,
        username="zy_office",
        password=PASSWORD,
        role=Role.OFFICE,
        region=zhaoyuan,
        display_name="招远市后进村帮扶办",
    )
    campaign = campaigns.campaign_ensure(
        actor=office,
        name=CAMPAIGN,
        level="county",
        region=zhaoyuan,
        start=ASSUMED_START,
        # F9: the campaign was deployed at the city-wide meeting.
        deployment="按照全市“第一书记”暨后进村帮扶工作会议部署",
    )
    config = campaigns.campaign_configure(
        actor=office, campaign=campaign, kinds=KINDS, categories=["基础设施"], measure_types=["专题会议"]
    )
    village = config.kinds["village"]
    zhujian = organization_ensure(actor=office, name="市住建局", region=zhaoyuan, kind="government")
    shiweiban = organization_ensure(actor=office, name="市委办", region=zhaoyuan, kind="government")
    unstated = organization_ensure(actor=office, name="未载明", region=zhaoyuan, kind="government")

    def team(name: str, unit, village_name: str = "", **target_fields):
        group = campaigns.group_create(
            actor=office,
            campaign=campaign,
            name=name,
            dispatching_org=unit,
            region=zhaoyuan,
            tier="county",
            start=ASSUMED_START,
        )
        target = campaigns.target_create(
            actor=office,
            campaign=campaign,
            kind=village,
            name=village_name,
            region=zhaoyuan,
            group=group,
            **target_fields,
        )
        return group, target

    # F7, F11: 116 teams, one supporting department and one village each; the report names two of them.
    zhujian_team, xigouzi = team(
        "市住建局帮扶工作队", zhujian, "西沟子村", address="毕郭镇", contacts="支部书记欧吉勇"
    )
    shiweiban_team, qiancang = team("市委办帮扶工作队", shiweiban, "前仓村", address="齐山镇")

    wangbin = person_ensure(actor=office, name="王彬", organization=zhujian, title="局长")
    # F13, F14: the special meeting 王彬 chaired, and what he required.
    fieldwork.measure_record(
        actor=office,
        group=zhujian_team,
        type=config.measure_types["专题会议"],
        date=ASSUMED_START,
        target=xigouzi,
        note=f"市住建局王彬局长亲自主持召开专题会议研究帮扶工作,要求“{QUOTE}”",
    )
    # F15, F16: the survey in 西沟子村 on 5月12日, with its first secretary and Party branch secretary.
    fieldwork.visit_record(
        actor=office,
        group=zhujian_team,
        targets=[xigouzi],
        date=SURVEY,
        mode="inspection",
        accompanying_leaders=[wangbin],
        purpose="实地调研",
        notes="与包村“第一书记”刘敬东、支部书记欧吉勇深入进行了交谈,一起探讨研究了三年帮扶规划和全年工作计划。",
    )
    liu = person_ensure(actor=office, name="刘敬东", organization=None)
    cadres.posting_create(
        actor=office, person=liu, role=PostingRole.FIRST_SECRETARY, start=ASSUMED_START, target=xigouzi
    )
    # F17: the three-year support plan and the plan for the year.
    for name in ("三年帮扶规划", "全年工作计划"):
        fieldwork.plan_create(actor=office, target=xigouzi, name=name, made_on=SURVEY)
    # 第1期: the office's first issue, before this one (made before the unnamed teams are entered: it is the
    # 第2期 below that carries them all).
    first = briefing_generate(
        actor=office, region=zhaoyuan, period_start=ASSUMED_START, period_end=SURVEY, list_targets=True
    )
    briefing_submit(actor=office, briefing=first)
    for n in range(3, TEAMS + 1):
        team(f"后进村帮扶工作队(未具名){n}", unstated)
    return {
        "office": office,
        "region": zhaoyuan,
        "zhujian_team": zhujian_team,
        "shiweiban_team": shiweiban_team,
        "qiancang": qiancang,
    }


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    """The scenario entered once for the module, and what Sijin writes from it: the office's briefing for the
    period up to the 简报's day, submitted as the second issue of its series, and the ledgers."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        office, region = built["office"], built["region"]
        second = briefing_submit(
            actor=office,
            briefing=briefing_generate(
                actor=office, region=region, period_start=ASSUMED_START, period_end=ISSUED, list_targets=True
            ),
            title="全市后进村帮扶工作督查情况通报",
        )
        built |= {
            "briefing": second,
            "masthead": briefing_masthead(second),
            "body": second.body,
            "group_body": plain(
                briefing_text(
                    office, group=built["zhujian_team"], period_start=ASSUMED_START, period_end=ISSUED
                ).body
            ),
            "targets": list(target_ledger(office).rows),
            "visits": list(visit_ledger(office).rows),
        }
        yield built
        transaction.set_rollback(True)


def blocks(body: str) -> list[tuple[str, str]]:
    return [(el.tag, el.text_content()) for el in lxml_html.fragment_fromstring(body, create_parent="div")]


def test_it_reproduces_the_zhaoyuan_briefing_fact_by_fact(scenario):
    body, masthead, briefing = scenario["body"], scenario["masthead"], scenario["briefing"]
    text = plain(body)
    villages = [row for row in scenario["targets"] if row[1] == "乡村"]
    xigouzi = next(row for row in villages if row[2] == "西沟子村")
    survey = [row for row in scenario["visits"] if row[1] == SURVEY]
    office_work = "the office's own supervision (督查组, their methods and findings) has no record"
    score = verify(
        [
            Fact(
                "F1",
                lambda: (
                    masthead.name == "基层党组织“第一书记”暨后进村帮扶工作简报" and masthead.issue == "第2期"
                ),
            ),
            Fact("F2", lambda: masthead.issuer == OFFICE),
            Fact("F3", lambda: briefing.title == "全市后进村帮扶工作督查情况通报"),
            Fact(
                "F4",
                lambda: (masthead.day.year, masthead.day.month) == (2015, 7) and briefing.issue_year == 2015,
                gap="a briefing is dated and numbered in the year it is submitted: an old 简报 (2015年7月) "
                "cannot be entered with its own date",
            ),
            Fact("F5", lambda: "5个督查组" in text, gap=office_work + " (5个督查组)"),
            Fact("F6", lambda: "查看有关材料" in text and "实地察看" in text, gap=office_work + " (methods)"),
            Fact(
                "F7",
                lambda: f"{TEAMS}个工作组" in text or f"{TEAMS}个后进村帮扶工作队" in text,
            ),
            Fact("F8", lambda: "开局良好" in text, gap=office_work + " (开局良好)"),
            Fact("F9", lambda: "按照全市“第一书记”暨后进村帮扶工作会议部署" in text),
            Fact(
                "F10",
                lambda: "听取工作队工作汇报" in text,
                gap="a unit's regular hearing of its team's reports (听取汇报) has no record",
            ),
            Fact(
                "F11",
                lambda: len(villages) == TEAMS and len({row[7] for row in villages}) == TEAMS,
            ),
            Fact(
                "F12",
                lambda: "96个" in text,
                gap="the briefing does not count the groups whose unit's main leader visited (96/116), and "
                "the other 94 leaders' visits have neither names nor days in the source",
            ),
            Fact("F13", lambda: "专题会议1次" in text and "王彬局长亲自主持召开专题会议" in text),
            Fact("F14", lambda: f"“{QUOTE}”" in text),
            Fact("F15", lambda: "2015年5月12日,市住建局王彬局长到西沟子村调研" in text),
            Fact(
                "F16",
                lambda: (
                    "刘敬东任西沟子村驻村第一书记" in scenario["group_body"]
                    and "欧吉勇" in xigouzi[9]
                    and len(survey) == 1
                    and "刘敬东" in survey[0][10]
                ),
            ),
            Fact("F17", lambda: "“三年帮扶规划”" in text and "“全年工作计划”" in text),
            Fact(
                "F18",
                lambda: "李海滨" in text,
                gap="a visit needs a day: the source gives none for 李海滨主任到前仓村走访, so the briefing "
                "would print an invented date",
            ),
        ]
    )
    print(f"zhaoyuan-houjincun-briefing: {score}")
    assert score.total == 18


def test_it_tells_the_villages_of_unnamed_teams_apart(scenario):
    # Only villages with something to tell in the period get a heading; those that do are told apart.
    headings = [c for tag, c in blocks(scenario["body"]) if tag == "h3"]
    assert headings and len(set(headings)) == len(headings) < TEAMS
