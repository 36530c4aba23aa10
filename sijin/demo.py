"""The Binzhou demo (shared/scenarios/binzhou.md): 滨州市教育局's work group in 惠民县, spring 2020.

Everything is loaded through the service functions, by the demo logins acting in their roles, so the demo
has the same events and audit rows as real use. Every step finds what exists first: running it twice
changes nothing. ``load_demo()`` tells the report chapter by chapter, one function each, in the report's order.
"""

from datetime import date
from typing import Any

from django.db import transaction

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.services import IndicatorSpec, KindSpec
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure, regions_load
from sijin.fieldwork import services as fieldwork
from sijin.problems.models import Problem, Status
from sijin.reports.models import WorkMethod
from sijin.scenario import Scenario, admin_ensure

DEMO_PASSWORD = "sijin-demo"
DEMO_LOGINS = [
    ("office", "活动办", "滨州市“四进”攻坚行动办公室 · 区划 滨州市"),
    ("unit", "派出单位", "滨州市教育局"),
    ("leader", "领导(只读)", "区划 滨州市"),
    ("member", "工作组组员", "滨州市教育局驻惠民县工作组"),
    ("handler", "承办人", "惠民县教育局"),
    ("auditor", "审计管理员", "只读审计日志"),
    ("security", "安全管理员", "业务账号与角色授权"),
    ("admin", "系统管理员", "行动配置与基础数据"),
]
GROUP_NAME = "滨州市教育局驻惠民县“四进”工作组"
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
            {"key": "investment", "label": "规划投资", "type": "quantity", "unit": "万元", "required": False},
            {"key": "area", "label": "占地", "type": "quantity", "unit": "亩", "required": False},
            {
                "key": "scale",
                "label": "在校生及企业职工",
                "type": "quantity",
                "unit": "人",
                "required": False,
            },
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
            {"key": "greenhouse", "label": "果蔬大棚", "type": "quantity", "unit": "亩", "required": False},
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
            {"key": "party_branch", "label": "党组织", "type": "text", "unit": "", "required": False},
        ],
    },
]
CATEGORIES = [
    "疫情防控",
    "安全生产",
    "复工复产",
    "师资与人才",
    "专业与规划",
    "技术服务",
    "土地与设施",
    "政策与资金",
    "其他",
]
INDICATORS: list[IndicatorSpec] = [
    {"code": "loss_avoided", "name": "挽回损失", "unit": "万元"},
    {"code": "output_value", "name": "新增产值", "unit": "万元"},
    {"code": "funds", "name": "争取资金", "unit": "万元"},
    {"code": "produce_sold", "name": "销售农产品", "unit": "斤"},
    {"code": "jobs", "name": "解决用工", "unit": "人"},
    {"code": "measures", "name": "完善措施", "unit": "处"},
]


def d(day: int) -> date:
    return date(2020, 3, day)


@transaction.atomic
def load_demo() -> dict:
    """The whole report, chapter by chapter (shared/scenarios/binzhou.md); running it again changes nothing."""
    regions_load()
    demo = campaign_chapter(demo_admin())
    work_group_chapter(demo)
    targets_chapter(demo)
    enterprise_chapter(demo)
    project_chapter(demo)
    village_chapter(demo)
    community_chapter(demo)
    work_methods_chapter(demo)
    group = demo.the_group
    return {
        "group": group,
        "campaign": demo.campaign,
        "users": demo.users,
        "problems": Problem.objects.filter(group=group).count(),
        "closed": Status.CLOSED,
        "methods": WorkMethod.objects.filter(group=group).count(),
    }


def demo_admin() -> User:
    return admin_ensure(password=DEMO_PASSWORD, display_name="系统管理员(演示)")


def campaign_chapter(admin: User) -> Scenario:
    """山东省“四进”攻坚行动 (2020): its four target kinds in order, problem categories and indicators."""
    campaign = campaigns.campaign_ensure(
        actor=admin,
        name="山东省“四进”攻坚行动(2020)",
        level="province",
        region=Region.objects.get(code="370000000000"),
        start=d(9),
        deployment="按照省市部署要求",
        description="进企业、进项目、进乡村、进社区",
    )
    config = campaigns.campaign_configure(
        actor=admin, campaign=campaign, kinds=KINDS, categories=CATEGORIES, indicators=INDICATORS
    )
    return Scenario(campaign=campaign, config=config, users={"admin": admin})


def work_group_chapter(demo: Scenario) -> None:
    """滨州市教育局's group in 惠民县 (市派, three weeks), the units and people the report names, the logins."""
    admin = demo.users["admin"]
    binzhou, huimin = (Region.objects.get(code=c) for c in ("371600000000", "371621000000"))
    demo.org = {
        name: organization_ensure(actor=admin, name=name, region=region, kind=kind)
        for name, region, kind in [
            ("滨州市教育局", binzhou, "government"),
            ("滨州市“四进”攻坚行动办公室", binzhou, "office"),
            ("惠民县教育局", huimin, "department"),
            ("惠民县农业农村服务中心", huimin, "department"),
            ("惠民县国土资源自然局", huimin, "department"),
            ("滨州职业学院", binzhou, "school"),
            ("棣州社区党支部", huimin, "other"),
        ]
    }
    org = demo.org
    demo.people = {
        "刘春国": person_ensure(actor=admin, name="刘春国", organization=org["滨州市教育局"], title="局长"),
        "李东起": person_ensure(
            actor=admin,
            name="李东起",
            organization=org["惠民县农业农村服务中心"],
            title="专家",
            is_expert=True,
            expertise="绿色果蔬种植、作物病害",
        ),
        # Named in the feedback; kept as a person for the directory.
        "昭晖": person_ensure(
            actor=admin, name="昭晖", organization=org["棣州社区党支部"], title="社区党支部书记"
        ),
        "member": person_ensure(
            actor=admin, name="工作组组员(演示)", organization=org["滨州市教育局"], title="组员"
        ),
        "handler": person_ensure(
            actor=admin, name="惠民县教育局承办人(演示)", organization=org["惠民县教育局"], title="承办人"
        ),
    }
    demo.group = group = campaigns.group_ensure(
        actor=admin,
        campaign=demo.campaign,
        name=GROUP_NAME,
        dispatching_org=org["滨州市教育局"],
        region=huimin,
        tier="city",
        start=d(9),
        end=d(29),
        approach="集体出动了解工作的面,分散活动把准问题的线,责任到人落实扶持的点",
    )
    campaigns.membership_ensure(
        actor=admin,
        group=group,
        person=demo.people["member"],
        role="member",
        duty="联络员(包保四个帮扶对象)、政策宣传员",
    )
    grant_specs: list[tuple[str, str, dict[str, Any]]] = [
        ("office", Role.OFFICE, {"region": binzhou}),
        ("unit", Role.UNIT, {"organization": org["滨州市教育局"]}),
        ("leader", Role.LEADER, {"region": binzhou}),
        ("member", Role.MEMBER, {"work_group": group}),
        ("handler", Role.HANDLER, {"organization": org["惠民县教育局"]}),
        ("auditor", Role.AUDITOR, {}),
        ("security", Role.SECURITY, {}),
    ]
    display = {u: f"{label}(演示)" for u, label, _ in DEMO_LOGINS}
    for username, role, scope in grant_specs:
        demo.users[username] = user_role_ensure(
            actor=None,  # logins are made at the command line (三员分立: the system admin makes none)
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            person=demo.people.get(username),
            display_name=display[username],
            **scope,
        )


def targets_chapter(demo: Scenario) -> None:
    """The four targets with their profiles, and the collective visit that covered them (了解工作的面)."""
    huiyu = demo.target(
        "enterprise",
        "惠宇汽车零部件有限公司",
        attributes={"industry": "汽车零部件"},
        profile="复工人员多、来源散,防控难度大、安全生产问题突出。",
    )
    base = demo.target(
        "project",
        "惠民县职业中专智能制造综合实训基地",
        attributes={"investment": "1.8亿元", "area": "100亩", "scale": "3000多人", "nature": "教育重点项目"},
        profile="规划投资1.8亿元,占地100亩,在校生及企业职工3000多人,是教育重点项目。",
    )
    village = demo.target(
        "village",
        "官道李村",
        attributes={"greenhouse": "200余亩", "industry": "果蔬大棚"},
        profile="果蔬大棚占地200余亩。",
    )
    community = demo.target("community", "棣州社区", attributes={"party_branch": "小区专属党支部"})
    demo.visit(
        [huiyu, base, village, community],
        d(9),
        "collective",
        "集体出动了解工作的面",
        "工作组入驻惠民县,集体走访四个帮扶对象,了解企业、项目、乡村、社区不同特点。",
    )


def enterprise_chapter(demo: Scenario) -> None:
    """1. 惠宇汽车零部件有限公司: epidemic control and production safety; 惠企政策, 校企联合, “三步递进”."""
    huiyu = demo.targets["惠宇汽车零部件有限公司"]
    visit = demo.visit(
        [huiyu],
        d(10),
        "individual",
        "分散活动把准问题的线",
        "复工人员多、来源散,防控难度大、安全生产问题突出。",
    )
    e1 = demo.problem(huiyu, "复工人员多、来源散,疫情防控难度大", visit, "疫情防控", d(10))
    demo.step(
        e1,
        "resolve_on_site",
        "member",
        d(10),
        level="group",
        resolution="第一时间宣传疫情期间惠企政策,解读有关融资措施,增强企业的发展信心。",
        measures="宣传疫情期间惠企政策;解读有关融资措施",
    )
    e2 = demo.problem(huiyu, "安全生产问题突出,员工素养和安全生产意识有待提高", visit, "安全生产", d(10))
    demo.step(
        e2,
        "resolve_on_site",
        "member",
        d(16),
        level="group",
        coordinated_with="滨州职业学院和技术学院",
        resolution="联系滨州职业学院和技术学院,开展“校企联合”,采取“请进来、送出去”方式,激活企业科技生产力,"
        "提高员工文化素质和安全生产意识。",
        measures="帮助企业提升企业文化建设、提升员工素养",
    )
    fieldwork.plan_ensure(
        actor=demo.users["member"],
        target=huiyu,
        name="三步递进",
        made_on=d(11),
        owner=demo.people["member"],
        goal="多角度帮促企业产能迅速恢复",
        summary="为企业量身打造的帮扶方案,分三步递进恢复产能。",
        steps=[{"title": f"第{n}步", "group_label": "三步递进"} for n in "一二三"],
    )


def project_chapter(demo: Scenario) -> None:
    """2. The training base: 10余次 on site, “三早、二申、一扶”, two problems handed to 惠民县教育局 (办理中)."""
    base = demo.targets["惠民县职业中专智能制造综合实训基地"]
    visit = demo.visit(
        [base],
        d(10),
        "onsite",
        "深入工地",
        "先后10余次深入工地,针对项目建设中的困难和问题提出方案。",
        end_date=d(27),
        occasions=10,
        occasions_qualifier="余",
    )
    handed = {
        "level": "county",
        "handling_org": demo.org["惠民县教育局"],
        "handler": demo.people["handler"],
        "deadline_days": 15,
    }
    p1 = demo.problem(
        base, "新校师资短缺", visit, "师资与人才", d(12), description="新校教师招聘、配备工作需要部署研究。"
    )
    demo.step(p1, "triage", "office", d(12), **handed)
    demo.step(p1, "accept", "handler", d(13))
    demo.step(
        p1, "progress", "handler", d(16), comment="帮助学校对接县教育局,部署研究新校教师招聘、配备工作。"
    )
    p2 = demo.problem(
        base,
        "专业设置不合理",
        visit,
        "专业与规划",
        d(12),
        description="需根据项目学校规模和社会需求统筹安排各科专业的设置开办。",
    )
    demo.step(p2, "triage", "office", d(12), **handed)
    demo.step(p2, "accept", "handler", d(13))
    demo.step(
        p2,
        "progress",
        "handler",
        d(18),
        coordinated_with="县职业教育主管部门",
        comment="指导县职业教育主管部门,根据项目学校规模和社会需求,统筹安排各科专业的设置开办。",
    )
    fieldwork.plan_ensure(
        actor=demo.users["member"],
        target=base,
        name="三早、二申、一扶",
        made_on=d(12),
        owner=demo.people["member"],
        goal="帮扶项目尽快复工复产",
        summary="针对项目建设中的困难和问题提出的有针对性的方案。",
        steps=[
            {"group_label": "三早", "title": "早规划学校内部设施布局"},
            {"group_label": "三早", "title": "早筹划实训设备购置安装"},
            {"group_label": "三早", "title": "早谋划实训基地教师队伍"},
            {
                "group_label": "二申",
                "title": "利用教育部和省共建国家职业教育创新发展高地机遇,申报现代职业教育质量提升计划资金和重大项目安排",
            },
            {
                "group_label": "二申",
                "title": "利用县域内加快职业教育发展、提升职业人才培养政策,申报政府财政资金支持",
            },
            {"group_label": "一扶", "title": "实行定期跟进督导复工进度办法", "status": "doing"},
        ],
    )


def village_chapter(demo: Scenario) -> None:
    """3. 官道李村: the expert 李东起 in the greenhouses (2万斤, 10万元, 3.5万元); the land problem solved."""
    village = demo.targets["官道李村"]
    visit = demo.visit(
        [village], d(11), "individual", "分散活动把准问题的线", "受疫情影响,缺乏绿色果蔬种植技术。"
    )
    demo.visit(
        [village],
        d(13),
        "onsite",
        "专家到大棚教学",
        "惠民县农业农村服务中心专家李东起到大棚教学,帮助菜农排查作物病害,提出种植建议。",
        participants=[demo.people["member"], demo.people["李东起"]],
    )
    v1 = demo.problem(village, "受疫情影响,缺乏绿色果蔬种植技术", visit, "技术服务", d(11))
    demo.step(
        v1,
        "resolve_on_site",
        "member",
        d(13),
        level="group",
        coordinated_with="惠民县农业农村服务中心专家李东起",
        resolution="联系惠民县农业农村服务中心专家李东起到大棚教学,帮助菜农排查作物病害,提出种植建议,"
        "通过科技帮扶助力农业生产。",
    )
    v2 = demo.problem(village, "农业设施土地问题", visit, "土地与设施", d(11))
    demo.step(
        v2,
        "resolve_on_site",
        "member",
        d(19),
        level="group",
        coordinated_with="惠民县国土资源自然局",
        resolution="利用惠民县国土资源自然局土地使用政策协调会时机,为村里争取到农业设施土地问题的顺利解决。",
    )
    demo.outcome(village, "produce_sold", "2万斤", d(25), problem=v1, note="甜瓜优先上市")
    demo.outcome(village, "output_value", "10万元", d(25), problem=v1, note="达产价值")
    demo.outcome(village, "loss_avoided", "3.5万元", d(25), problem=v1, note="减少蔬菜因害损失")


def community_chapter(demo: Scenario) -> None:
    """4. 棣州社区: supplies and hands for epidemic control, 3处 measures, 2 lists, 刘春国's visit, 昭晖's words."""
    community = demo.targets["棣州社区"]
    visit = demo.visit(
        [community],
        d(12),
        "individual",
        "分散活动把准问题的线",
        "参与社区不间断检查调研,帮助寻找疫情防控盲点。",
    )
    demo.visit(
        [community],
        d(20),
        "inspection",
        "领导调研",
        "滨州市教育局刘春国局长到棣州社区调研。",
        accompanying_leaders=[demo.people["刘春国"]],
    )
    c1 = demo.problem(community, "社区防疫物资短缺", visit, "疫情防控", d(12))
    demo.step(
        c1,
        "resolve_on_site",
        "member",
        d(14),
        level="group",
        resolution="引领小区专属党支部投身社区防疫,着力解决社区防疫物资短缺问题。",
    )
    c2 = demo.problem(community, "社区防疫人手不足", visit, "疫情防控", d(12))
    demo.step(
        c2,
        "resolve_on_site",
        "member",
        d(14),
        level="group",
        resolution="把党旗树在一线,抓点控面,着力解决社区防疫人手不足问题。",
    )
    demo.outcome(community, "measures", "3处", d(18), note="指导完善社区防疫相关措施,查缺补漏,织密防疫网")
    for name, kind in (("棣州社区疫情防控盲点问题清单", "problem"), ("棣州社区疫情防控整改清单", "rectify")):
        fieldwork.checklist_ensure(
            actor=demo.users["member"],
            group=demo.the_group,
            name=name,
            kind=kind,
            target=community,
            created_on=d(18),
            supervised=True,
            note="参与社区不间断检查调研,寻找疫情防控盲点,及时督促整改。",
        )
    fieldwork.feedback_ensure(
        actor=demo.users["member"],
        target=community,
        group=demo.the_group,
        speaker_name="昭晖",
        speaker_role="社区党支部书记",
        addressee="滨州市教育局刘春国局长",
        date=d(20),
        quote="市教育局‘四进’工作组来的时间不长,自觉成为社区一份子,出谋划策当参谋,一上来就把工作解决到难点上、"
        "把事办到了居民的心坎里。",
    )


def work_methods_chapter(demo: Scenario) -> None:
    """“帮引扶细”, selected as a provincial excellent work method; the community's “树党旗、抓六点” (a draft)."""
    from sijin.reports.services import work_method_ensure

    work_method_ensure(
        actor=demo.users["member"],
        group=demo.the_group,
        title="帮引扶细",
        status="selected",
        selected_level="province",
        selected_as="全省“四进”优秀工作法",
        summary="进企业在“帮”上下功夫,进项目在“引”上出主意,进乡村在“扶”上想办法,进社区在“细”上做文章。",
        body="集体出动了解工作的面,分散活动把准问题的线,责任到人落实扶持的点。",
    )
    work_method_ensure(
        actor=demo.users["member"],
        group=demo.the_group,
        target=demo.targets["棣州社区"],
        title="树党旗、抓六点",
        status="draft",
        summary="引领小区专属党支部投身社区防疫,把党旗树在一线,抓点控面。",
    )
