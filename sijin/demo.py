"""The Binzhou demo (shared/scenarios/binzhou.md): 滨州市教育局's work group in 惠民县, spring 2020.

Everything is loaded through the service functions, by the demo logins acting in their roles, so the demo
has the same events and audit rows as real use. Every step finds what exists first: running it twice
changes nothing.
"""

from datetime import date
from typing import Any

from django.db import transaction

from sijin.accounts.models import Role
from sijin.accounts.services import role_grant, user_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Target
from sijin.directory.models import Region
from sijin.directory.services import organization_ensure, person_ensure, regions_load
from sijin.fieldwork import services as fieldwork
from sijin.problems.models import Problem, Status
from sijin.problems.services import problem_ensure
from sijin.problems.workflow import problem_transition
from sijin.reports.models import WorkMethod

DEMO_PASSWORD = "sijin-demo"
DEMO_LOGINS = [
    ("office", "活动办", "滨州市“四进”攻坚行动办公室 · 区划 滨州市"),
    ("unit", "派出单位", "滨州市教育局"),
    ("leader", "领导(只读)", "区划 滨州市"),
    ("member", "工作组组员", "滨州市教育局驻惠民县工作组"),
    ("handler", "承办人", "惠民县教育局"),
    ("auditor", "审计管理员", "只读审计日志"),
    ("admin", "系统管理员", "全部"),
]
GROUP_NAME = "滨州市教育局驻惠民县“四进”工作组"
KINDS = [
    (
        "enterprise",
        "企业",
        "帮",
        "进企业真服务,在“帮”上下功夫",
        [
            {"key": "employees", "label": "职工人数", "type": "quantity", "unit": "人", "required": False},
            {"key": "industry", "label": "行业", "type": "text", "unit": "", "required": False},
        ],
    ),
    (
        "project",
        "项目",
        "引",
        "进项目真协调,在“引”上出主意",
        [
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
    ),
    (
        "village",
        "乡村",
        "扶",
        "进乡村真帮助,在“扶”上想办法",
        [
            {"key": "greenhouse", "label": "果蔬大棚", "type": "quantity", "unit": "亩", "required": False},
            {"key": "industry", "label": "主导产业", "type": "text", "unit": "", "required": False},
        ],
    ),
    (
        "community",
        "社区",
        "细",
        "进社区重防疫,在“细”上做文章",
        [
            {"key": "households", "label": "户数", "type": "quantity", "unit": "户", "required": False},
            {"key": "party_branch", "label": "党组织", "type": "text", "unit": "", "required": False},
        ],
    ),
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
INDICATORS = [
    ("loss_avoided", "挽回损失", "万元"),
    ("output_value", "新增产值", "万元"),
    ("funds", "争取资金", "万元"),
    ("produce_sold", "销售农产品", "斤"),
    ("jobs", "解决用工", "人"),
    ("measures", "完善措施", "处"),
]


def d(day: int) -> date:
    return date(2020, 3, day)


@transaction.atomic
def load_demo() -> dict:
    regions_load()
    shandong, binzhou, huimin = (
        Region.objects.get(code=c) for c in ("370000000000", "371600000000", "371621000000")
    )

    admin = user_ensure(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        is_staff=True,
        is_superuser=True,
        display_name="系统管理员(演示)",
    )
    org = {
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
    liu = person_ensure(actor=admin, name="刘春国", organization=org["滨州市教育局"], title="局长")
    li = person_ensure(
        actor=admin,
        name="李东起",
        organization=org["惠民县农业农村服务中心"],
        title="专家",
        is_expert=True,
        expertise="绿色果蔬种植、作物病害",
    )
    zhao = person_ensure(actor=admin, name="昭晖", organization=org["棣州社区党支部"], title="社区党支部书记")
    member_p = person_ensure(
        actor=admin, name="工作组组员(演示)", organization=org["滨州市教育局"], title="组员"
    )
    handler_p = person_ensure(
        actor=admin, name="惠民县教育局承办人(演示)", organization=org["惠民县教育局"], title="承办人"
    )

    campaign = campaigns.campaign_ensure(
        actor=admin,
        name="山东省“四进”攻坚行动(2020)",
        level="province",
        region=shandong,
        start=d(9),
        deployment="按照省市部署要求",
        description="进企业、进项目、进乡村、进社区",
    )
    kinds = {
        code: campaigns.target_kind_ensure(
            actor=admin,
            campaign=campaign,
            code=code,
            name=name,
            focus=focus,
            slogan=slogan,
            order=i,
            schema=schema,
        )
        for i, (code, name, focus, slogan, schema) in enumerate(KINDS, 1)
    }
    cats = {
        name: campaigns.category_ensure(actor=admin, campaign=campaign, name=name, order=i)
        for i, name in enumerate(CATEGORIES, 1)
    }
    ind = {
        code: campaigns.indicator_ensure(
            actor=admin, campaign=campaign, code=code, name=name, unit=unit, order=i
        )
        for i, (code, name, unit) in enumerate(INDICATORS, 1)
    }
    group = campaigns.group_ensure(
        actor=admin,
        campaign=campaign,
        name=GROUP_NAME,
        dispatching_org=org["滨州市教育局"],
        region=huimin,
        tier="city",
        start=d(9),
        end=d(29),
        approach="集体出动了解工作的面,分散活动把准问题的线,责任到人落实扶持的点",
    )
    campaigns.membership_ensure(
        actor=admin, group=group, person=member_p, role="member", duty="联络员(包保四个帮扶对象)、政策宣传员"
    )

    users = {"admin": admin}
    grant_specs: list[tuple[str, str, dict[str, Any]]] = [
        ("office", Role.OFFICE, {"region": binzhou}),
        ("unit", Role.UNIT, {"organization": org["滨州市教育局"]}),
        ("leader", Role.LEADER, {"region": binzhou}),
        ("member", Role.MEMBER, {"work_group": group}),
        ("handler", Role.HANDLER, {"organization": org["惠民县教育局"]}),
        ("auditor", Role.AUDITOR, {}),
    ]
    for username, role, scope in grant_specs:
        person = {"member": member_p, "handler": handler_p}.get(username)
        display = {u: f"{label}(演示)" for u, label, _ in DEMO_LOGINS}[username]
        users[username] = user_ensure(
            actor=admin, username=username, password=DEMO_PASSWORD, person=person, display_name=display
        )
        role_grant(actor=admin, user=users[username], role=role, **scope)
    member, office, handler = users["member"], users["office"], users["handler"]

    def target(kind: str, name: str, **fields) -> Target:
        return campaigns.target_ensure(
            actor=member,
            campaign=campaign,
            kind=kinds[kind],
            name=name,
            region=huimin,
            group=group,
            responsible=member_p,
            **fields,
        )

    huiyu = target(
        "enterprise",
        "惠宇汽车零部件有限公司",
        attributes={"industry": "汽车零部件"},
        profile="复工人员多、来源散,防控难度大、安全生产问题突出。",
    )
    base = target(
        "project",
        "惠民县职业中专智能制造综合实训基地",
        attributes={"investment": "1.8亿元", "area": "100亩", "scale": "3000多人", "nature": "教育重点项目"},
        profile="规划投资1.8亿元,占地100亩,在校生及企业职工3000多人,是教育重点项目。",
    )
    village = target(
        "village",
        "官道李村",
        attributes={"greenhouse": "200余亩", "industry": "果蔬大棚"},
        profile="果蔬大棚占地200余亩。",
    )
    community = target("community", "棣州社区", attributes={"party_branch": "小区专属党支部"})

    fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[huiyu, base, village, community],
        date=d(9),
        mode="collective",
        purpose="集体出动了解工作的面",
        participants=[member_p],
        notes="工作组入驻惠民县,集体走访四个帮扶对象,了解企业、项目、乡村、社区不同特点。",
    )
    v_huiyu = fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[huiyu],
        date=d(10),
        mode="individual",
        purpose="分散活动把准问题的线",
        participants=[member_p],
        notes="复工人员多、来源散,防控难度大、安全生产问题突出。",
    )
    v_base = fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[base],
        date=d(10),
        end_date=d(27),
        mode="onsite",
        purpose="深入工地",
        occasions=10,
        occasions_qualifier="余",
        participants=[member_p],
        notes="先后10余次深入工地,针对项目建设中的困难和问题提出方案。",
    )
    v_village = fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[village],
        date=d(11),
        mode="individual",
        purpose="分散活动把准问题的线",
        participants=[member_p],
        notes="受疫情影响,缺乏绿色果蔬种植技术。",
    )
    fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[village],
        date=d(13),
        mode="onsite",
        purpose="专家到大棚教学",
        participants=[member_p, li],
        notes="惠民县农业农村服务中心专家李东起到大棚教学,帮助菜农排查作物病害,提出种植建议。",
    )
    v_comm = fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[community],
        date=d(12),
        mode="individual",
        purpose="分散活动把准问题的线",
        participants=[member_p],
        notes="参与社区不间断检查调研,帮助寻找疫情防控盲点。",
    )
    fieldwork.visit_ensure(
        actor=member,
        group=group,
        targets=[community],
        date=d(20),
        mode="inspection",
        purpose="领导调研",
        participants=[member_p],
        accompanying_leaders=[liu],
        notes="滨州市教育局刘春国局长到棣州社区调研。",
    )

    def problem(t, title, visit, cat, on, **kw) -> Problem:
        return problem_ensure(
            actor=member,
            target=t,
            title=title,
            reported_on=on,
            visit=visit,
            category=cats[cat],
            responsible=member_p,
            **kw,
        )

    def step(p: Problem, action: str, actor, on: date, **fields) -> None:
        # Idempotent: only act when the problem has not taken this action yet.
        if not p.events.filter(action=action).exists():
            problem_transition(actor=actor, problem=p, action=action, on_date=on, **fields)
            p.refresh_from_db()

    e1 = problem(huiyu, "复工人员多、来源散,疫情防控难度大", v_huiyu, "疫情防控", d(10))
    step(
        e1,
        "resolve_on_site",
        member,
        d(10),
        level="group",
        resolution="第一时间宣传疫情期间惠企政策,解读有关融资措施,增强企业的发展信心。",
        measures="宣传疫情期间惠企政策;解读有关融资措施",
    )
    e2 = problem(huiyu, "安全生产问题突出,员工素养和安全生产意识有待提高", v_huiyu, "安全生产", d(10))
    step(
        e2,
        "resolve_on_site",
        member,
        d(16),
        level="group",
        coordinated_with="滨州职业学院和技术学院",
        resolution="联系滨州职业学院和技术学院,开展“校企联合”,采取“请进来、送出去”方式,激活企业科技生产力,"
        "提高员工文化素质和安全生产意识。",
        measures="帮助企业提升企业文化建设、提升员工素养",
    )
    p1 = problem(
        base, "新校师资短缺", v_base, "师资与人才", d(12), description="新校教师招聘、配备工作需要部署研究。"
    )
    step(
        p1,
        "triage",
        office,
        d(12),
        level="county",
        handling_org=org["惠民县教育局"],
        handler=handler_p,
        deadline_days=15,
    )
    step(p1, "accept", handler, d(13))
    step(p1, "progress", handler, d(16), comment="帮助学校对接县教育局,部署研究新校教师招聘、配备工作。")
    p2 = problem(
        base,
        "专业设置不合理",
        v_base,
        "专业与规划",
        d(12),
        description="需根据项目学校规模和社会需求统筹安排各科专业的设置开办。",
    )
    step(
        p2,
        "triage",
        office,
        d(12),
        level="county",
        handling_org=org["惠民县教育局"],
        handler=handler_p,
        deadline_days=15,
    )
    step(p2, "accept", handler, d(13))
    step(
        p2,
        "progress",
        handler,
        d(18),
        coordinated_with="县职业教育主管部门",
        comment="指导县职业教育主管部门,根据项目学校规模和社会需求,统筹安排各科专业的设置开办。",
    )
    v1 = problem(village, "受疫情影响,缺乏绿色果蔬种植技术", v_village, "技术服务", d(11))
    step(
        v1,
        "resolve_on_site",
        member,
        d(13),
        level="group",
        coordinated_with="惠民县农业农村服务中心专家李东起",
        resolution="联系惠民县农业农村服务中心专家李东起到大棚教学,帮助菜农排查作物病害,提出种植建议,"
        "通过科技帮扶助力农业生产。",
    )
    v2 = problem(village, "农业设施土地问题", v_village, "土地与设施", d(11))
    step(
        v2,
        "resolve_on_site",
        member,
        d(19),
        level="group",
        coordinated_with="惠民县国土资源自然局",
        resolution="利用惠民县国土资源自然局土地使用政策协调会时机,为村里争取到农业设施土地问题的顺利解决。",
    )
    c1 = problem(community, "社区防疫物资短缺", v_comm, "疫情防控", d(12))
    step(
        c1,
        "resolve_on_site",
        member,
        d(14),
        level="group",
        resolution="引领小区专属党支部投身社区防疫,着力解决社区防疫物资短缺问题。",
    )
    c2 = problem(community, "社区防疫人手不足", v_comm, "疫情防控", d(12))
    step(
        c2,
        "resolve_on_site",
        member,
        d(14),
        level="group",
        resolution="把党旗树在一线,抓点控面,着力解决社区防疫人手不足问题。",
    )

    fieldwork.plan_ensure(
        actor=member,
        target=huiyu,
        name="三步递进",
        made_on=d(11),
        owner=member_p,
        goal="多角度帮促企业产能迅速恢复",
        summary="为企业量身打造的帮扶方案,分三步递进恢复产能。",
        steps=[{"title": f"第{n}步", "group_label": "三步递进"} for n in "一二三"],
    )
    fieldwork.plan_ensure(
        actor=member,
        target=base,
        name="三早、二申、一扶",
        made_on=d(12),
        owner=member_p,
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
    fieldwork.outcome_ensure(
        actor=member,
        target=village,
        indicator=ind["produce_sold"],
        value="2万斤",
        date=d(25),
        problem=v1,
        note="甜瓜优先上市",
    )
    fieldwork.outcome_ensure(
        actor=member,
        target=village,
        indicator=ind["output_value"],
        value="10万元",
        date=d(25),
        problem=v1,
        note="达产价值",
    )
    fieldwork.outcome_ensure(
        actor=member,
        target=village,
        indicator=ind["loss_avoided"],
        value="3.5万元",
        date=d(25),
        problem=v1,
        note="减少蔬菜因害损失",
    )
    fieldwork.outcome_ensure(
        actor=member,
        target=community,
        indicator=ind["measures"],
        value="3处",
        date=d(18),
        note="指导完善社区防疫相关措施,查缺补漏,织密防疫网",
    )
    for name, kind in (("棣州社区疫情防控盲点问题清单", "problem"), ("棣州社区疫情防控整改清单", "rectify")):
        fieldwork.checklist_ensure(
            actor=member,
            group=group,
            name=name,
            kind=kind,
            target=community,
            created_on=d(18),
            supervised=True,
            note="参与社区不间断检查调研,寻找疫情防控盲点,及时督促整改。",
        )
    fieldwork.feedback_ensure(
        actor=member,
        target=community,
        group=group,
        speaker_name="昭晖",
        speaker_role="社区党支部书记",
        addressee="滨州市教育局刘春国局长",
        date=d(20),
        quote="市教育局‘四进’工作组来的时间不长,自觉成为社区一份子,出谋划策当参谋,一上来就把工作解决到难点上、"
        "把事办到了居民的心坎里。",
    )
    from sijin.reports.services import work_method_ensure

    work_method_ensure(
        actor=member,
        group=group,
        title="帮引扶细",
        status="selected",
        selected_level="province",
        selected_as="全省“四进”优秀工作法",
        summary="进企业在“帮”上下功夫,进项目在“引”上出主意,进乡村在“扶”上想办法,进社区在“细”上做文章。",
        body="集体出动了解工作的面,分散活动把准问题的线,责任到人落实扶持的点。",
    )
    work_method_ensure(
        actor=member,
        group=group,
        target=community,
        title="树党旗、抓六点",
        status="draft",
        summary="引领小区专属党支部投身社区防疫,把党旗树在一线,抓点控面。",
    )
    del zhao  # named in the feedback; kept as a person for the directory
    return {
        "group": group,
        "campaign": campaign,
        "users": users,
        "problems": Problem.objects.filter(group=group).count(),
        "closed": Status.CLOSED,
        "methods": WorkMethod.objects.filter(group=group).count(),
    }
