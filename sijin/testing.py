"""The test suite's own small world, and the personas that log into it (no mocks of our own code).

``build_world()`` makes, through the service functions, one campaign in 济宁市 (not the Binzhou demo): a work
group of 济宁市农业农村局 stationed in 嘉祥县, three targets of different kinds, a few visits, and problems in
every state a test needs to start from. It is loaded once per test database (sijin/conftest.py) and handed to
tests as the ``world`` fixture, so a test names what it uses (``world.project``, ``world.problems["assigned"]``)
instead of looking things up by name.

The personas (password ``sijin-demo``, the demo logins' usernames, so literal names keep working):
``office`` (活动办, 济宁市), ``unit`` (派出单位 济宁市农业农村局), ``leader`` (领导, read-only, 济宁市),
``group_leader`` (the group's 组长) and ``member`` (组员), ``handler`` (承办人, 嘉祥县水务局), ``auditor``,
``admin``, and ``outsider``: an office cadre of another city (潍坊市) who sees none of it.

The world's calendar: the group works 2025-06-03 … 2025-06-30 (no holiday after 端午, 2025-06-02); the three
problems handed to 嘉祥县水务局 were assigned on 2025-06-11, so they are long overdue today.
"""

import copy
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Campaign, Category, Indicator, Target, TargetKind, WorkGroup
from sijin.campaigns.services import IndicatorSpec, KindSpec
from sijin.core.models import Notification
from sijin.directory.models import Organization, Person, Region
from sijin.directory.services import organization_ensure, person_ensure, regions_load
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.models import Checklist, SupportPlan, Visit
from sijin.problems.models import Problem
from sijin.reports.models import WorkMethod
from sijin.reports.services import work_method_ensure
from sijin.scenario import Scenario, admin_ensure

# For a test of two real connections racing each other. Read at collection, so nothing is built for a test
# that cannot run.
needs_postgresql = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database is one connection shared by threads (through one cache), which "
    "refuses concurrent writers instead of queuing them; two real connections need PostgreSQL",
)
PASSWORD = "sijin-demo"
CITY, COUNTY, OTHER_COUNTY = "370800000000", "370829000000", "370830000000"  # 济宁市, 嘉祥县, 汶上县
OUTSIDE_CITY = "370700000000"  # 潍坊市: the outsider's
KINDS: list[KindSpec] = [
    {
        "code": "enterprise",
        "name": "企业",
        "focus": "帮",
        "slogan": "进企业真服务,在“帮”上下功夫",
        "schema": [
            {"key": "employees", "label": "职工人数", "type": "quantity", "unit": "人", "required": False},
            {"key": "industry", "label": "行业", "type": "text", "unit": "", "required": False},
        ],
    },
    {
        "code": "project",
        "name": "项目",
        "focus": "引",
        "slogan": "进项目真协调,在“引”上出主意",
        "schema": [
            {"key": "investment", "label": "总投资", "type": "quantity", "unit": "万元", "required": False},
            {"key": "area", "label": "占地", "type": "quantity", "unit": "亩", "required": False},
            {"key": "scale", "label": "规模", "type": "quantity", "unit": "人", "required": False},
            {"key": "progress", "label": "进度", "type": "percent", "unit": "%", "required": False},
            {"key": "nature", "label": "项目性质", "type": "text", "unit": "", "required": False},
        ],
    },
    {
        "code": "village",
        "name": "乡村",
        "focus": "扶",
        "slogan": "进乡村真帮助,在“扶”上想办法",
        "schema": [
            {"key": "farmland", "label": "耕地", "type": "quantity", "unit": "亩", "required": False},
            {"key": "industry", "label": "主导产业", "type": "text", "unit": "", "required": False},
        ],
    },
    {
        "code": "community",
        "name": "社区",
        "focus": "细",
        "slogan": "进社区重防疫,在“细”上做文章",
        "schema": [
            {"key": "households", "label": "户数", "type": "quantity", "unit": "户", "required": False},
        ],
    },
]
CATEGORIES = ["安全生产", "基础设施", "技术服务", "政策与资金"]
INDICATORS: list[IndicatorSpec] = [
    {"code": "funds", "name": "争取资金", "unit": "万元"},
    {"code": "output_value", "name": "新增产值", "unit": "万元"},
    {"code": "produce_sold", "name": "销售农产品", "unit": "斤"},
    {"code": "jobs", "name": "解决用工", "unit": "人"},
]


def d(month: int, day: int) -> date:
    return date(2025, month, day)


@dataclass
class World:
    """The objects of the small world, by name. Each test gets its own copy (see the ``world`` fixture)."""

    city: Region
    county: Region
    other_county: Region
    outside_city: Region
    campaign: Campaign
    kinds: dict[str, TargetKind]
    categories: dict[str, Category]
    indicators: dict[str, Indicator]
    unit_org: Organization  # the dispatching unit (派出单位)
    office_org: Organization  # the city's 活动办
    dept: Organization  # the handling department (承办单位), with one handler
    other_dept: Organization  # another county department, with nobody in it
    group_leader_person: Person
    member_person: Person
    handler_person: Person
    group: WorkGroup
    users: dict[str, User]
    enterprise: Target
    project: Target
    village: Target
    visits: dict[str, Visit]
    problems: dict[str, Problem]  # by the state it was brought to
    plan: SupportPlan
    checklist: Checklist
    method: WorkMethod

    @property
    def targets(self) -> list[Target]:
        return [self.enterprise, self.project, self.village]

    @property
    def overdue(self) -> Problem:
        """办理中 at 嘉祥县水务局 and past its deadline (2025-06-18)."""
        return self.problems["in_progress"]

    def copy(self) -> "World":
        return copy.deepcopy(self)


def outsider() -> User:
    """The office cadre of another city (潍坊市): an office role that applies to nothing in the world."""
    return user_role_ensure(
        actor=None,
        username="outsider",
        password=PASSWORD,
        role=Role.OFFICE,
        region=Region.objects.get(code=OUTSIDE_CITY),
        display_name="外市活动办",
    )


@transaction.atomic
def build_world() -> World:
    """Build (or find: every step is an ``*_ensure``) the small world through the services."""
    regions_load()
    city, county, other_county, outside_city = (
        Region.objects.get(code=c) for c in (CITY, COUNTY, OTHER_COUNTY, OUTSIDE_CITY)
    )
    admin = admin_ensure(password=PASSWORD, display_name="管理员")

    # The campaign and what it counts.
    campaign = campaigns.campaign_ensure(
        actor=admin,
        name="济宁市“四进”攻坚行动(2025)",
        level="city",
        region=city,
        start=d(6, 3),
        deployment="按照市委部署要求",
    )
    config = campaigns.campaign_configure(
        actor=admin, campaign=campaign, kinds=KINDS, categories=CATEGORIES, indicators=INDICATORS
    )

    # Units, people, the group and the logins.
    unit_org = organization_ensure(actor=admin, name="济宁市农业农村局", region=city, kind="government")
    office_org = organization_ensure(
        actor=admin, name="济宁市“四进”攻坚行动办公室", region=city, kind="office"
    )
    dept = organization_ensure(actor=admin, name="嘉祥县水务局", region=county, kind="department")
    other_dept = organization_ensure(actor=admin, name="嘉祥县自然资源局", region=county, kind="department")
    group_leader_person = person_ensure(actor=admin, name="王建国", organization=unit_org, title="副局长")
    member_person = person_ensure(actor=admin, name="张明", organization=unit_org, title="科员")
    handler_person = person_ensure(actor=admin, name="赵静", organization=dept, title="承办人")
    group = campaigns.group_ensure(
        actor=admin,
        campaign=campaign,
        name="济宁市农业农村局驻嘉祥县工作组",
        dispatching_org=unit_org,
        region=county,
        tier="city",
        start=d(6, 3),
        end=d(6, 30),
        approach="一线调研、分类交办、跟踪问效",
    )
    campaigns.membership_ensure(
        actor=admin, group=group, person=group_leader_person, role="leader", duty="组长"
    )
    campaigns.membership_ensure(actor=admin, group=group, person=member_person, role="member", duty="联络员")
    users = {"admin": admin}
    personas: list[tuple[str, str, Person | None, str, dict[str, Any]]] = [
        ("office", "活动办", None, Role.OFFICE, {"region": city}),
        ("unit", "派出单位", None, Role.UNIT, {"organization": unit_org}),
        ("leader", "领导", None, Role.LEADER, {"region": city}),
        ("group_leader", "组长", group_leader_person, Role.GROUP_LEADER, {"work_group": group}),
        ("member", "组员", member_person, Role.MEMBER, {"work_group": group}),
        ("handler", "承办人", handler_person, Role.HANDLER, {"organization": dept}),
        ("auditor", "审计员", None, Role.AUDITOR, {}),
    ]
    for username, display, person, role, scope in personas:
        users[username] = user_role_ensure(
            actor=None,  # logins are made at the command line (三员分立: the system admin makes none)
            username=username,
            password=PASSWORD,
            role=role,
            person=person,
            display_name=display,
            **scope,
        )
    users["outsider"] = outsider()
    member = users["member"]
    scene = Scenario(
        campaign=campaign, config=config, people={"member": member_person}, users=users, group=group
    )

    # Three targets, visited.
    enterprise = scene.target(
        "enterprise", "嘉祥县宏达机械有限公司", attributes={"employees": "300余人", "industry": "机械制造"}
    )
    project = scene.target(
        "project",
        "嘉祥县城区排水改造工程",
        attributes={"investment": "2.6亿元", "area": "80亩", "scale": "500多人", "nature": "民生工程"},
        profile="总投资2.6亿元,改造城区雨污管网。",
    )
    village = scene.target("village", "王庄村", attributes={"farmland": "1200余亩", "industry": "大蒜种植"})

    visits = {
        "collective": scene.visit(
            [enterprise, project, village], d(6, 9), "collective", "集体走访", "工作组入驻嘉祥县。"
        ),
        "enterprise": scene.visit([enterprise], d(6, 10), "individual", "安全检查", "检查厂区安全生产。"),
        "project": scene.visit(
            [project],
            d(6, 10),
            "onsite",
            "驻工地协调",
            "先后10余次到工地协调管网施工。",
            end_date=d(6, 20),
            occasions=10,
            occasions_qualifier="余",
        ),
        "village": scene.visit([village], d(6, 12), "individual", "入户走访", "了解大蒜销售和灌溉情况。"),
    }

    # Problems, brought through the workflow to the states the tests start from.
    def triage(p: Problem, days: int) -> Problem:
        fields = {"level": "county", "handling_org": dept, "handler": handler_person, "deadline_days": days}
        return scene.step(p, "triage", "office", d(6, 11), **fields)

    reported = scene.problem(enterprise, "厂区安全出口被堵", visits["enterprise"], "安全生产", d(6, 10))
    assigned = scene.problem(project, "施工便道积水", visits["project"], "基础设施", d(6, 11))
    assigned = triage(assigned, 10)  # due 06-25
    accepted = scene.problem(project, "管网材料进场受阻", visits["project"], "基础设施", d(6, 11))
    accepted = triage(accepted, 15)  # due 07-02
    accepted = scene.step(accepted, "accept", "handler", d(6, 12))
    in_progress = scene.problem(project, "雨污管道接驳点未定", visits["project"], "基础设施", d(6, 11))
    in_progress = triage(in_progress, 5)  # due 06-18
    in_progress = scene.step(in_progress, "accept", "handler", d(6, 12))
    in_progress = scene.step(in_progress, "progress", "handler", d(6, 16), comment="已组织设计单位现场踏勘。")
    resolved = scene.problem(village, "灌溉机井缺电", visits["village"], "技术服务", d(6, 12))
    resolved = scene.step(
        resolved, "resolve_on_site", "member", d(6, 13), level="group", resolution="协调供电所临时接电。"
    )
    closed = scene.problem(village, "大蒜滞销", visits["village"], "政策与资金", d(6, 12))
    closed = scene.step(
        closed, "resolve_on_site", "member", d(6, 16), level="group", resolution="对接商超收购大蒜。"
    )
    closed = scene.step(closed, "verify", "member", d(6, 20), satisfaction="satisfied")

    # What the group achieved, planned, listed and wrote up.
    scene.outcome(village, "produce_sold", "2万斤", d(6, 18), problem=closed, note="商超收购")
    scene.outcome(village, "output_value", "10万元", d(6, 18), problem=closed, note="大蒜加工")
    scene.outcome(village, "funds", "3.5万元", d(6, 25), note="争取农机补贴")
    plan = fieldwork.plan_ensure(
        actor=member,
        target=enterprise,
        name="安全生产三步走",
        made_on=d(6, 11),
        owner=member_person,
        goal="消除厂区安全隐患",
        steps=[{"title": t} for t in ("排查隐患", "整改销号", "建立巡查制度")],
    )
    checklist = fieldwork.checklist_ensure(
        actor=member,
        group=group,
        name="王庄村问题清单",
        kind="problem",
        target=village,
        created_on=d(6, 16),
        supervised=True,
        problems=[resolved, closed],
    )
    method = work_method_ensure(
        actor=member,
        group=group,
        title="一线协调工作法",
        status="submitted",
        summary="问题在一线发现、在一线协调、在一线解决。",
    )
    # The world's steps told their people (交办 to the handler, 回访 to the group): each test starts from an
    # empty inbox, and counts only the notifications it caused.
    Notification.objects.all().delete()
    return World(
        city=city,
        county=county,
        other_county=other_county,
        outside_city=outside_city,
        campaign=campaign,
        kinds=config.kinds,
        categories=config.categories,
        indicators=config.indicators,
        unit_org=unit_org,
        office_org=office_org,
        dept=dept,
        other_dept=other_dept,
        group_leader_person=group_leader_person,
        member_person=member_person,
        handler_person=handler_person,
        group=group,
        users=users,
        enterprise=enterprise,
        project=project,
        village=village,
        visits=visits,
        problems={
            "reported": reported,
            "assigned": assigned,
            "accepted": accepted,
            "in_progress": in_progress,
            "resolved": resolved,
            "closed": closed,
        },
        plan=plan,
        checklist=checklist,
        method=method,
    )


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def superuser(username: str = "root") -> User:
    """A superuser, made as ``sijin manage createsuperuser`` makes one (the only way there is): the one who
    appoints the three administrators (三员分立). Not in the world; a test that needs one makes it."""
    return User.objects.filter(username=username).first() or User.objects.create_superuser(
        username, password=None
    )


def post_form(client: Client, url: str, data: dict, **kwargs):
    """Open the form first, as a person would, and post it with its one-time token (sijin.core.once)."""
    page = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    return client.post(url, {**data, "form_token": token.group(1) if token else ""}, **kwargs)
