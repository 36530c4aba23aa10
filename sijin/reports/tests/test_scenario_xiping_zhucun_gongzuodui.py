"""Scenario docs/scenarios/xiping-zhucun-gongzuodui.md: 西平县's village work teams, 66 villages, 8个多月.

The county's report gives totals only (no village, no name), so it is entered as a county office and the
county's stationing would enter it: one county group stationed in 西平县, its 66 villages as unnamed targets,
and the totals on a 行动全程 report (定期报送) that the group files and submits 截至 the report's day. Then every numbered fact is looked
for in the county office's briefing for the eight-odd months the report covers.

The report states no year (its figures point to the early 2000s, which it does not write): a year is needed to
enter anything, so ``YEAR`` is taken, and no check relies on it. 8个多月 from 3月 ends in November: the day of
the report is taken as 11月20日.
"""

from datetime import date

import pytest
from django.db import transaction

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure
from sijin.reports.briefing import briefing_text
from sijin.reports.ledgers import target_ledger
from sijin.tallies import services as tallies
from sijin.tallies.totals import reported_totals

from .facts import Fact, Score, plain, verify

pytestmark = pytest.mark.django_db

YEAR = 2005  # not in the report (see above)
XIPING = "411721000000"  # 西平县 (under 驻马店市)
START, AS_OF = date(YEAR, 3, 1), date(YEAR, 11, 20)  # 今年3月份 (day unknown: the 1st); 8个多月来
# The report's totals as the county typed them into its 行动全程 report.
REPORTED = [
    ("cadres", "从县、乡机关抽调干部", "名", "256"),
    ("above", "配合省市驻村工作队员", "名", "96"),
    ("solved", "解决热点、难点问题", "个", "106"),
    ("projects", "落实投资5万元以上的致富项目", "个", "23"),
    ("donated", "捐款、捐物折合", "万元", "24"),
    ("output", "所驻乡镇农业总产值", "亿元", "4.8"),
    ("output_rate", "农业总产值同比增长", "%", "19"),
    ("income", "农民人均纯收入", "元", "1896"),
    ("income_rate", "农民人均纯收入同比增长", "%", "11"),
    ("petitions", "信访量", "件", "5"),
]


def build() -> dict:
    admin = User.objects.get(username="admin")
    county = Region.objects.get(code=XIPING)
    campaign = campaigns.campaign_create(
        actor=admin,
        name="西平县驻村工作",
        level="county",
        region=county,
        start=START,
        deployment="把驻村工作作为解决当前农村热点、难点问题的重大机遇",
    )
    config = campaigns.campaign_configure(
        actor=admin, campaign=campaign, kinds=[{"code": "village", "name": "乡村", "schema": []}]
    )
    committee = organization_ensure(actor=admin, name="中共西平县委", region=county, kind="government")
    group = campaigns.group_create(
        actor=admin,
        campaign=campaign,
        name="西平县驻村工作队",
        dispatching_org=committee,
        region=county,
        tier="county",
        start=START,
    )
    member = user_role_ensure(
        actor=None, username="xp_member", password="x", role=Role.MEMBER, work_group=group
    )
    office = user_role_ensure(actor=None, username="xp_office", password="x", role=Role.OFFICE, region=county)
    # F8: 66 administrative villages, none named (the 4 townships are below the regions Sijin loads).
    campaigns.targets_bulk_add(actor=admin, group=group, kind=config.kinds["village"], count=66)
    form = tallies.tally_form_define(
        actor=office,
        campaign=campaign,
        name="驻村工作总结",
        period_kind="campaign",
        fields=[{"code": code, "label": label, "unit": unit} for code, label, unit, _ in REPORTED],
    )
    report = tallies.tally_report_open(actor=member, form=form, group=group, day=AS_OF)
    tallies.tally_value_set(actor=member, report=report, values={code: v for code, _, _, v in REPORTED})
    tallies.tally_report_submit(actor=member, report=report, as_of=AS_OF)
    html = briefing_text(office, region=county, period_start=START, period_end=AS_OF).body
    return {
        "office": office,
        "group": group,
        "campaign": campaign,
        "county": county,
        "html": html,
        "text": plain(html),
    }


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


def test_it_reproduces_the_xiping_report_fact_by_fact(scene):
    text, office, group = scene["text"], scene["office"], scene["group"]
    targets = list(target_ledger(office, group=group).rows)
    score: Score = verify(
        [
            Fact(
                "F1",
                lambda: "西平县位于驻马店市北部" in text,
                gap="a region's place within its city is not recorded; the briefing names only the county",
            ),
            Fact(
                "F2",
                lambda: "20个乡镇" in text and "295个行政村" in text,
                gap="regions carry no statistics (乡镇, 行政村 counts); townships are not loaded",
            ),
            Fact("F3", lambda: "90%以上" in text, gap="regions carry no statistics (rural population share)"),
            Fact(
                "F4",
                lambda: "全市第一位" in text,
                gap="no place for the baseline context of a campaign (petition rank in the city)",
            ),
            Fact(
                "F5",
                lambda: "解决当前农村热点、难点问题" in text and f"{YEAR}年3月份" in text,
                gap="a campaign's start is a day (3月份 stored as 3月1日) and the briefing does not say since when",
            ),
            Fact("F6", lambda: "从县、乡机关抽调干部256名" in text),
            Fact("F7", lambda: "配合省市驻村工作队员96名" in text),
            Fact(
                "F8",
                lambda: "4个乡镇" in text and "乡村66个" in text and len(targets) == 66,
                gap="townships are not loaded as regions, so coverage by township (4个乡镇) cannot be told",
            ),
            Fact(
                "F9",
                lambda: "8个多月" in text,
                gap="a period's length is said in whole months or days (265天), never as 8个多月",
            ),
            Fact("F10", lambda: "解决热点、难点问题106个" in text),
            Fact("F11", lambda: "落实投资5万元以上的致富项目23个" in text),
            Fact("F12", lambda: "捐款、捐物折合24万元" in text),
            Fact("F13", lambda: "所驻乡镇农业总产值4.8亿元" in text),
            Fact("F14", lambda: "农业总产值同比增长19%" in text),
            Fact("F15", lambda: "农民人均纯收入1896元" in text),
            Fact("F16", lambda: "农民人均纯收入同比增长11%" in text),
            Fact(
                "F17",
                lambda: "由去年同期的39件下降到5件" in text or "由39件下降到5件" in text,
                gap="an area-wide before→after figure has no target to belong to; a reported figure has no baseline",
            ),
            Fact(
                "F18",
                lambda: "下降87.2%" in text or "下降率达87.2%" in text,
                gap="no rate is computed from a before→after figure (39→5: 87.2%)",
            ),
            Fact(
                "F19",
                lambda: "主要做法" in text,
                gap="the source excerpt is cut off (我们的主要做法是:): nothing to enter",
            ),
        ]
    )
    print(f"xiping-zhucun-gongzuodui: {score}")


def test_it_holds_the_reported_totals_for_the_whole_campaign(scene):
    """The figures are held: the reported totals for the campaign's whole period (to 31 Dec while it runs on)
    give each as the county typed it, as a briefing to the report's own day does."""
    campaign, group = scene["campaign"], scene["group"]
    totals = reported_totals(campaign, [group], (START, date(YEAR, 12, 31)))
    assert [t.phrase for t in totals] == [
        "从县、乡机关抽调干部256名",
        "配合省市驻村工作队员96名",
        "解决热点、难点问题106个",
        "落实投资5万元以上的致富项目23个",
        "捐款、捐物折合24万元",
        "所驻乡镇农业总产值4.8亿元",
        "农业总产值同比增长19%",
        "农民人均纯收入1896元",
        "农民人均纯收入同比增长11%",
        "信访量5件",
    ]


def test_it_counts_the_unnamed_villages_without_naming_them(scene):
    text = scene["text"]
    assert "覆盖乡村66个,共66个帮扶对象" in text
    assert "未具名" not in text
