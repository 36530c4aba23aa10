"""Scenario docs/scenarios/xinyang-wanren-zhuwanqi.md: 信阳市“万人助万企”, one 问题交办清单 followed from the work
group to 信阳农林学院, and the “五本台账”; entered as the office, the group and the college would, then checked
fact by fact in the ledgers and the briefing Sijin writes.

The source gives the office's visit a date (2月14日) and the hand-over only “不久前” before it; the report's year
is taken as 2022 (the text is from the Henan campaign's ledgers, after its first year). The steps before 2月14日
are therefore dated in January 2022, each within the 7 days the slip allows; they are placeholders, marked
below, not facts of the report.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure, regions_load
from sijin.fieldwork import services as fieldwork
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import briefing_text
from sijin.reports.ledgers import (
    BUILDERS,
    Header,
    Ledger,
    effect_ledger,
    handling_ledger,
    problem_ledger,
    target_ledger,
)
from sijin.reports.tests.facts import Fact, plain, verify
from sijin.scenario import admin_ensure

pytestmark = pytest.mark.django_db

PASSWORD = "scenario-xinyang"
CITY, DISTRICT = "411500000000", "411503000000"  # 信阳市, 平桥区 (明港)
COOPERATIVE = "信阳市明港喜阳阳种植专业合作社"
COLLEGE = "信阳农林学院"
OFFICE = "信阳市企业服务活动办公室"
# Placeholders (the source: “不久前”): found, handed over, answered within 7 days, kept under supervision.
FOUND, HANDED, ANSWERED, SUPERVISED = (
    date(2022, 1, 17),
    date(2022, 1, 18),
    date(2022, 1, 24),
    date(2022, 1, 25),
)
OPENED = date(2022, 2, 14)  # F15: the task force's office opens a problem ledger
START, END = date(2022, 1, 1), date(2022, 2, 14)  # the briefing: the year up to the office's visit


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


def build() -> dict:
    regions_load()
    city, district = Region.objects.get(code=CITY), Region.objects.get(code=DISTRICT)
    admin = admin_ensure(password=PASSWORD, display_name="系统管理员")
    campaign = campaigns.campaign_ensure(
        actor=admin,
        name="信阳市“万人助万企”活动(2022)",
        level="city",
        region=city,
        start=START,
        description="企业(项目)基本台账、工作组包联台账、首席服务官台账、问题台账、招商引资项目台账“五本台账”",
    )
    config = campaigns.campaign_configure(
        actor=admin,
        campaign=campaign,
        kinds=[
            {
                "code": "enterprise",
                "name": "企业",
                "schema": [
                    {"key": "form", "label": "组织形式", "type": "text", "unit": "", "required": False}
                ],
            },
            {"code": "project", "name": "项目"},
        ],
        categories=["人才与技术", "其他"],
        indicators=[{"code": "base", "name": "建立实习基地", "unit": "个"}],
    )
    organization_ensure(actor=admin, name=OFFICE, region=city, kind="office")
    college = organization_ensure(actor=admin, name=COLLEGE, region=city, kind="school")
    unstated = organization_ensure(actor=admin, name="未载明", region=city, kind="government")
    inspection = organization_ensure(actor=admin, name="信阳市政府督查室", region=city, kind="office")
    member_person = person_ensure(actor=admin, name="工作组组员(未具名)", organization=unstated, title="组员")
    teacher = person_ensure(actor=admin, name="牧医工程学院教师(未具名)", organization=college, title="教师")
    group = campaigns.group_ensure(
        actor=admin,
        campaign=campaign,
        name="信阳市“万人助万企”工作组",
        dispatching_org=unstated,
        region=district,
        tier="city",
        start=START,
    )
    campaigns.membership_ensure(actor=admin, group=group, person=member_person, role="member")
    grants: list[tuple[str, str, dict[str, Any]]] = [
        ("office", Role.OFFICE, {"region": city, "display_name": OFFICE}),
        ("member", Role.MEMBER, {"work_group": group, "person": member_person}),
        ("handler", Role.HANDLER, {"organization": college, "person": teacher}),
        ("inspection", Role.LEADER, {"region": city, "display_name": inspection.name}),
    ]
    users = {
        name: user_role_ensure(actor=None, username=f"xy_{name}", password=PASSWORD, role=role, **scope)
        for name, role, scope in grants
    }
    cooperative = campaigns.target_create(
        actor=users["member"],
        campaign=campaign,
        kind=config.kinds["enterprise"],
        name=COOPERATIVE,
        region=district,
        group=group,
        responsible=member_person,
        attributes={"form": "合作社"},
    )
    # F7, F8, F9: raised to the work group.
    problem = problem_report(
        actor=users["member"],
        target=cooperative,
        title="缺乏兽医资源",
        reported_on=FOUND,
        category=config.categories["人才与技术"],
        description="想与高校合作,一方面储备人才资源,另一方面建立实习基地,实现校企共赢。",
        responsible=member_person,
    )
    # F1, F2, F4: the office's 问题交办清单 to the college (7日内提出解决意见).
    problem_transition(
        actor=users["office"],
        problem=problem,
        action="triage",
        on_date=HANDED,
        level="city",
        handling_org=college,
        comment="请你单位7日内提出解决意见(明确具体办结时限),并反馈至信阳市企业服务活动办公室。",
    )
    problem_transition(actor=users["handler"], problem=problem, action="accept", on_date=HANDED)
    # F10, F12: within 7 days the college's 牧医工程学院 negotiates at the cooperative.
    problem_transition(
        actor=users["handler"],
        problem=problem,
        action="progress",
        on_date=ANSWERED,
        coordinated_with="信阳农林学院牧医工程学院",
        comment="组织牧医工程学院相关专业教师赴合作社洽谈,建立信阳农林学院校外实习基地,"
        "并就下一步学生实训、科研和技术指导达成初步意向",
    )
    # F11: the base, one.
    fieldwork.outcome_record(
        actor=users["member"],
        target=cooperative,
        indicator=config.indicators["base"],
        value="1个",
        date=ANSWERED,
        problem=problem,
        note="信阳农林学院校外实习基地",
    )
    # F13, F17: kept in the problem ledger under continued supervision (长期推进), not 销号.
    problem_transition(
        actor=users["office"],
        problem=problem,
        action="defer",
        on_date=SUPERVISED,
        comment="列入问题台账进行持续督导解决",
        review_on=SUPERVISED + timedelta(days=30),
    )
    return {"campaign": campaign, "users": users, "group": group, "city": city, "problem": problem}


def rows_of(ledger: Ledger) -> list[dict[str, object]]:
    headers = [c.header for c in ledger.columns]
    return [dict(zip(headers, row, strict=True)) for row in ledger.rows]


def briefing(scene) -> str:
    text = briefing_text(
        scene["users"]["office"], period_start=START, period_end=END, region=scene["city"], list_targets=True
    )
    return plain(text.body)


def test_it_reproduces_the_xinyang_hand_over_slip(scene):
    office, inspection = scene["users"]["office"], scene["users"]["inspection"]
    [problem] = rows_of(problem_ledger(office, end=OPENED))
    [handling] = rows_of(handling_ledger(office, end=OPENED))
    [effect] = rows_of(effect_ledger(office, end=OPENED))
    [target] = rows_of(target_ledger(office))
    text = briefing(scene)
    ledgers = {code: build(office) for code, build in BUILDERS.items()}

    def one_ledger_with(*headers: str) -> bool:
        return any(set(headers) <= {c.header for c in ledger.columns} for ledger in ledgers.values())

    score = verify(
        [
            Fact("F1", lambda: problem[Header.HANDLING_ORG] == COLLEGE),
            Fact(
                "F2",
                lambda: handling[Header.DEADLINE] == HANDED + timedelta(days=7),
                gap="deadlines count working days only: an answer due in 7 calendar days (7日内) cannot be set, "
                "nor the handler's own completion date",
            ),
            Fact("F3", lambda: "洽谈" in str(handling[Header.PROGRESS])),
            Fact(
                "F4",
                lambda: handling[Header.ASSIGNED_ON] == HANDED and handling[Header.DEADLINE] is not None,
            ),
            Fact(
                "F5",
                lambda: any(
                    "每月" in c.header or "下次报告" in c.header for c in ledgers["handling"].columns
                ),
                gap="no progress-report schedule (每月反馈进度直至销号) on an assigned problem",
            ),
            Fact("F6", lambda: target[Header.NAME] == COOPERATIVE and target["组织形式"] == "合作社"),
            Fact("F7", lambda: problem[Header.PROBLEM] == "缺乏兽医资源"),
            Fact("F8", lambda: problem[Header.GROUP] == "信阳市“万人助万企”工作组"),
            Fact("F9", lambda: "储备人才资源" in str(problem[Header.DESCRIPTION])),
            Fact("F10", lambda: "牧医工程学院相关专业教师赴合作社洽谈" in text and "响应率100.0%" in text),
            Fact(
                "F11", lambda: "建立实习基地1个" in text and "建立实习基地1个" in str(effect[Header.OUTCOMES])
            ),
            Fact("F12", lambda: "学生实训、科研和技术指导达成初步意向" in text),
            Fact(
                "F13",
                lambda: "已办结0个" in text and problem[Header.STATUS] != "已办结" and "销号" not in text,
            ),
            Fact(
                "F14",
                lambda: (
                    any("服务官" in ledger.name for ledger in ledgers.values())
                    and any("项目" in ledger.name for ledger in ledgers.values())
                ),
                gap="of the five ledgers only the targets' and the problems' exist: no 首席服务官 ledger, "
                "no 招商引资项目 ledger (nor a 包联 one by group)",
            ),
            Fact("F15", lambda: problem_ledger(office, end=OPENED).total == 1),
            Fact(
                "F16",
                lambda: one_ledger_with(
                    Header.DESCRIPTION,
                    Header.HANDLING_ORG,
                    Header.PROGRESS,
                    Header.DEADLINE,
                    Header.SATISFACTION,
                ),
                gap="no one ledger has 诉求、交办单位、进展、时限 and 回访 together (they are split over three)",
            ),
            Fact("F17", lambda: problem[Header.STATUS] == "长期推进"),
            Fact(
                "F18",
                lambda: any("回访方式" in c.header for c in ledgers["effect"].columns),
                gap="a 回访 records satisfaction only, not how it was made (电话回访)",
            ),
            Fact(
                "F19",
                lambda: "目标100%" in text or "百分之百" in text,
                gap="a campaign has no goal rates (解决率、满意度 100%) to show beside the actual ones",
            ),
            Fact("F20", lambda: rows_of(problem_ledger(inspection))[0][Header.PROBLEM] == "缺乏兽医资源"),
        ]
    )
    print(f"xinyang-wanren-zhuwanqi: {score}")


def test_it_keeps_a_supervised_problem_out_of_the_solved(scene):
    """Continued supervision is not 办结: the briefing counts the problem found, none solved."""
    text = briefing(scene)
    assert "发现问题1个,已办结0个,办结率0.0%" in text
    assert "目前长期推进" in text


def test_it_lets_the_college_answer_only_its_own_problem(scene):
    """The college, a handling unit outside government, sees in its ledger the problem handed to it."""
    handler = scene["users"]["handler"]
    assert [r[Header.PROBLEM] for r in rows_of(problem_ledger(handler))] == ["缺乏兽医资源"]
