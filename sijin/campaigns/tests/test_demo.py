"""The Binzhou demo: loads, is idempotent, and every fact of binzhou.md is on the group and target pages."""

from datetime import date

import pytest

from sijin.campaigns.models import Target, WorkGroup
from sijin.core.models import AuditLog
from sijin.demo import load_demo
from sijin.directory.models import Region
from sijin.fieldwork.models import Outcome, Visit
from sijin.problems.models import Problem, ProblemEvent, Status
from sijin.testing import client_for


def _counts():
    return [m.objects.count() for m in (WorkGroup, Target, Visit, Problem, ProblemEvent, Outcome, AuditLog)]


def test_it_is_idempotent(demo):
    before = _counts()
    load_demo()
    assert _counts() == before


def test_it_loads_the_regions_of_all_china(demo):
    assert Region.objects.filter(level=3).count() >= 2800
    assert Region.objects.filter(level__lte=3).count() >= 3000
    assert Region.objects.get(code="371621000000").full_name() == "山东省滨州市惠民县"
    assert Region.objects.filter(code__startswith="3716", level=3).count() == 7


def test_it_places_the_problems_in_the_states_the_report_implies(demo):
    states = dict(Problem.objects.values_list("title", "status"))
    assert states["新校师资短缺"] == "in_progress"
    assert states["专业设置不合理"] == "in_progress"
    assert Problem.objects.get(title="新校师资短缺").handling_org.name == "惠民县教育局"
    assert states["农业设施土地问题"] == "resolved"
    assert Problem.objects.get(title="农业设施土地问题").coordinated_with == "惠民县国土资源自然局"


def test_it_brings_each_problem_there_through_the_workflow(demo):
    group = demo["group"]
    status = dict(Problem.objects.filter(group=group).values_list("title", "status"))
    assert status.pop("新校师资短缺") == Status.IN_PROGRESS
    assert status.pop("专业设置不合理") == Status.IN_PROGRESS
    assert set(status.values()) == {Status.RESOLVED}
    assert len(status) == 6
    for title in ("新校师资短缺", "专业设置不合理"):
        problem = Problem.objects.get(group=group, title=title)
        assert list(problem.events.values_list("action", flat=True)) == [
            "report",
            "triage",
            "accept",
            "progress",
        ]
        assert (problem.handling_org.name, problem.level, problem.deadline) == (
            "惠民县教育局",
            "county",
            date(2020, 4, 2),
        )
    for problem in Problem.objects.filter(group=group, status=Status.RESOLVED):
        assert list(problem.events.values_list("action", flat=True)) == ["report", "resolve_on_site"]
        assert problem.level == "group"
        assert problem.handling_org is None


GROUP_FACTS = [
    "滨州市教育局",
    "惠民县",
    "市派",
    "2020年3月9日",
    "2020年3月29日",
    "按照省市部署要求",
    "山东省“四进”攻坚行动(2020)",
    "集体出动了解工作的面",
    "分散活动把准问题的线",
    "责任到人落实扶持的点",
    "帮引扶细",
    "全省“四进”优秀工作法",
    "树党旗、抓六点",
    "惠宇汽车零部件有限公司",
    "惠民县职业中专智能制造综合实训基地",
    "官道李村",
    "棣州社区",
    "进企业真服务,在“帮”上下功夫",
    "进项目真协调,在“引”上出主意",
    "进乡村真帮助,在“扶”上想办法",
    "进社区重防疫,在“细”上做文章",
    "刘春国",
    "局长",
    "棣州社区疫情防控盲点问题清单",
    "棣州社区疫情防控整改清单",
    "督促整改",
    "先后10余次",
]
TARGET_FACTS = {
    "惠宇汽车零部件有限公司": [
        "复工人员多、来源散,疫情防控难度大",
        "安全生产问题突出",
        "宣传疫情期间惠企政策",
        "解读有关融资措施",
        "三步递进",
        "多角度帮促企业产能迅速恢复",
        "滨州职业学院和技术学院",
        "校企联合",
        "请进来、送出去",
        "安全生产意识",
    ],
    "惠民县职业中专智能制造综合实训基地": [
        "1.8亿元",
        "100亩",
        "3000多人",
        "教育重点项目",
        "先后10余次",
        "三早、二申、一扶",
        "早规划学校内部设施布局",
        "早筹划实训设备购置安装",
        "早谋划实训基地教师队伍",
        "国家职业教育创新发展高地",
        "现代职业教育质量提升计划资金和重大项目安排",
        "申报政府财政资金支持",
        "定期跟进督导复工进度",
        "新校师资短缺",
        "专业设置不合理",
        "惠民县教育局",
        "部署研究新校教师招聘、配备工作",
        "县职业教育主管部门",
    ],
    "官道李村": [
        "200余亩",
        "缺乏绿色果蔬种植技术",
        "惠民县农业农村服务中心",
        "李东起",
        "排查作物病害",
        "2万斤",
        "甜瓜优先上市",
        "10万元",
        "3.5万元",
        "农业设施土地问题",
        "惠民县国土资源自然局",
    ],
    "棣州社区": [
        "树党旗、抓六点",
        "防疫物资短缺",
        "人手不足",
        "完善措施",
        "3处",
        "疫情防控盲点问题清单",
        "整改清单",
        "昭晖",
        "社区党支部书记",
        "刘春国",
        "一上来就把工作解决到难点上、把事办到了居民的心坎里",
        "进社区重防疫,在“细”上做文章",
    ],
}


def test_every_fact_is_on_the_group_page(demo):
    html = client_for("office").get(f"/groups/{demo['group'].pk}/").content.decode()
    missing = [fact for fact in GROUP_FACTS if fact not in html]
    assert missing == []


@pytest.mark.parametrize("name", list(TARGET_FACTS))
def test_every_fact_is_on_the_target_page(demo, name):
    target = Target.objects.get(name=name)
    html = client_for("member").get(f"/targets/{target.pk}/").content.decode()
    missing = [fact for fact in TARGET_FACTS[name] if fact not in html]
    assert missing == []


def test_the_visit_total_stays_vague(demo):
    from sijin.fieldwork.models import visit_total

    assert visit_total(demo["group"].visits.all()) == "16余次"
    assert visit_total(demo["group"].visits.filter(occasions_qualifier="")) == "6次"
