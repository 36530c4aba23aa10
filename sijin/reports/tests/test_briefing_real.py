"""The generated 工作简报 says what real reports say: the real length of the period, unnamed targets worded
naturally, a visit of several targets counted once, measures and documents, the people in charge, reported
figures beside itemised ones, a missing dispatching unit and problems the group handles itself. On the small
world (sijin/testing.py), built up through the services."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from sijin.campaigns import people as cadres
from sijin.campaigns import services as campaigns
from sijin.directory.services import organization_ensure
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.services import MeasureTotal
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import briefing_distribution, briefing_text, period_length
from sijin.reports.briefing.phrases import measure_phrase, quote, sentence
from sijin.tallies import services as tallies
from sijin.testing import d

START, END = d(6, 9), d(6, 29)  # three weeks of the world's group (2025-06-03 … 06-30)


def body(world, start: date = START, end: date = END, group=None) -> str:
    return briefing_text(
        world.users["admin"], group=group or world.group, period_start=start, period_end=end
    ).body


def overview(text: str) -> str:
    """The first paragraph: the overview."""
    return lxml_html.fragment_fromstring(text, create_parent="div")[0].text_content()


def blocks(text: str) -> list[tuple[str, str]]:
    return [(el.tag, el.text_content()) for el in lxml_html.fragment_fromstring(text, create_parent="div")]


def section_of(text: str, heading: str) -> str:
    """The text under the ``<h3>`` ``heading``, up to the next heading."""
    out, inside = [], False
    for tag, content in blocks(text):
        if tag in ("h2", "h3"):
            inside = tag == "h3" and content == heading
        elif inside:
            out.append(content)
    return "\n".join(out)


# ---- 1. the period's real length -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        (date(2020, 3, 9), date(2020, 3, 29), "三周"),
        (date(2025, 6, 9), date(2025, 6, 15), "一周"),
        (date(2025, 6, 9), date(2025, 6, 22), "两周"),
        (date(2020, 3, 9), date(2020, 4, 8), "一个月"),
        (date(2020, 3, 9), date(2020, 5, 8), "两个月"),
        (date(2025, 1, 1), date(2025, 1, 31), "一个月"),
        (date(2021, 2, 1), date(2021, 2, 28), "一个月"),  # a calendar month, though also four weeks
        (date(2025, 11, 15), date(2026, 2, 14), "三个月"),
        (date(2020, 3, 9), date(2020, 4, 22), "45天"),  # a month and a half is not a whole month
        (date(2025, 6, 9), date(2025, 6, 30), "22天"),
        (date(2025, 6, 9), date(2025, 6, 9), "1天"),
        (date(2025, 6, 9), date(2025, 6, 8), ""),
    ],
)
def test_it_says_the_real_length_of_the_period(first, last, said):
    assert period_length(first, last) == said


def test_it_writes_three_weeks_only_when_it_was_three_weeks(world):
    assert "在三周时间里" in overview(body(world))
    longer = overview(body(world, end=d(6, 30)))
    assert "在22天时间里" in longer and "周" not in longer
    # A period after the group left says no length at all (never 0天).
    group = campaigns.group_update(actor=world.users["admin"], group=world.group, end=d(6, 20))
    text = overview(body(world, d(6, 23), d(6, 29), group=group))
    assert "时间里" not in text and "0天" not in text


# ---- 2. unnamed targets --------------------------------------------------------------------------------------
def test_it_words_unnamed_targets_naturally(world):
    admin, member = world.users["admin"], world.users["member"]

    def unnamed(kind):
        return campaigns.target_create(
            actor=admin,
            campaign=world.campaign,
            kind=kind,
            name="",
            region=world.county,
            group=world.group,
        )

    first, second = unnamed(world.kinds["enterprise"]), unnamed(world.kinds["enterprise"])
    village = unnamed(world.kinds["village"])
    undecided = unnamed(campaigns.undecided_kind_ensure(actor=admin, campaign=world.campaign))
    assert first.unnamed and first.name.startswith("未具名")
    problem_report(actor=member, target=first, title="订单下滑", reported_on=d(6, 12))
    problem_report(actor=member, target=second, title="用工短缺", reported_on=d(6, 12))
    problem_report(actor=member, target=village, title="道路破损", reported_on=d(6, 12))
    problem_report(actor=member, target=undecided, title="用地待批", reported_on=d(6, 12))
    text = body(world)
    for wrong in ("未具名", "None", "?", "?"):
        assert wrong not in text
    headings = [content for tag, content in blocks(text) if tag in ("h2", "h3")]
    assert headings[:5] == [
        "进企业真服务,在“帮”上下功夫",
        "嘉祥县宏达机械有限公司",
        "某企业甲",
        "某企业乙",
        "进项目真协调,在“引”上出主意",
    ]
    assert "某村" in headings and "王庄村" in headings
    # The 待定 kind comes last among the targets, under a neutral heading.
    assert headings[headings.index("其他帮扶对象") + 1] == "某帮扶对象"
    assert headings.index("其他帮扶对象") < headings.index("问题办理情况")
    assert "工作组在一家企业发现“用工短缺”等1个问题" in section_of(text, "某企业乙")
    assert "工作组在某村发现“道路破损”等1个问题" in section_of(text, "某村")
    assert "工作组在一个帮扶对象发现“用地待批”等1个问题" in section_of(text, "某帮扶对象")
    assert "企业3家" in overview(text) and "其他对象1个" in overview(text)


# ---- 3. a visit of several targets is counted once ----------------------------------------------------------
def test_it_counts_a_visit_of_several_targets_once(world):
    before = overview(body(world))
    assert "累计走访13余次" in before
    fieldwork.visit_record(
        actor=world.users["member"],
        group=world.group,
        targets=world.targets,
        date=d(6, 9),
        end_date=d(6, 27),
        occasions=21,
        mode="individual",
        purpose="分散走访",
        participants=[world.member_person],
    )
    text = body(world)
    assert "累计走访34余次(集体出动1次、分散走访23次、现场办公10余次)" in overview(text)
    # Not told again under each of the three targets it covered …
    assert "21次" not in text.replace(overview(text), "")
    # … while repeated visits to one target alone still are.
    assert "工作组先后10余次驻工地协调" in section_of(text, world.project.name)


def test_it_tells_a_leaders_visit_under_the_targets_it_covered(world):
    leader = world.group_leader_person
    fieldwork.visit_record(
        actor=world.users["member"],
        group=world.group,
        targets=[world.enterprise, world.village],
        date=d(6, 18),
        mode="inspection",
        accompanying_leaders=[leader],
    )
    text = body(world)
    said = "2025年6月18日,济宁市农业农村局王建国副局长到"
    assert said + world.enterprise.name in section_of(text, world.enterprise.name)
    assert said + world.village.name in section_of(text, world.village.name)
    assert said not in section_of(text, world.project.name)


# ---- 4. measures ---------------------------------------------------------------------------------------------
def test_it_groups_and_counts_the_measures_of_the_period(world):
    admin, member = world.users["admin"], world.users["member"]
    meeting = campaigns.measure_type_create(
        actor=admin, campaign=world.campaign, name="协调会", order=1, units_label="协调部门"
    )
    talk = campaigns.measure_type_create(
        actor=admin, campaign=world.campaign, name="政策宣讲", order=2, unit="场", people_label="参加人数"
    )

    def record(type_, on, **fields):
        return fieldwork.measure_record(actor=member, group=world.group, type=type_, date=on, **fields)

    record(meeting, d(6, 10), times=2, units=3, target=world.village, note="协调灌溉用电。")
    record(meeting, d(6, 20), times=1, units=2)
    record(talk, d(6, 12), times=4, people=200)
    record(talk, d(6, 30), times=9, people=900)  # after the period
    text = body(world)
    paragraphs = [content for tag, content in blocks(text) if tag == "p"]
    assert paragraphs[1] == "工作组召开协调会3次(协调部门5个)、开展政策宣讲4场(参加人数200人)。"
    assert "工作组为王庄村召开协调会2次(协调部门3个):协调灌溉用电。" in section_of(text, world.village.name)
    assert "协调会" not in section_of(text, world.enterprise.name)


# ---- 5. the group's documents --------------------------------------------------------------------------------
def test_it_lists_the_documents_the_group_made(world):
    admin = world.users["admin"]
    for title, kind, on in (
        ("嘉祥县驻点帮扶工作方案", "plan", d(6, 10)),
        ("《工作组成员管理办法》", "rules", d(6, 11)),
        ("入驻通知", "notice", d(6, 4)),  # before the period
    ):
        campaigns.group_document_add(actor=admin, group=world.group, title=title, kind=kind, issued_on=on)
    text = overview(body(world))
    assert "的思路,制定了《嘉祥县驻点帮扶工作方案》《工作组成员管理办法》,在三周时间里" in text
    assert "入驻通知" not in text


# ---- 6. the people -------------------------------------------------------------------------------------------
def test_it_names_the_group_leader_the_cadres_and_the_first_secretary(world):
    admin = world.users["admin"]
    text = overview(body(world))
    assert "派出市派工作组入驻嘉祥县,由副局长王建国任组长,开展" in text
    assert "名干部包保" not in text  # the 包保责任人 alone: nothing is said
    for target in (world.enterprise, world.project):
        cadres.target_cadre_add(actor=admin, target=target, person=world.group_leader_person, role="lead")
    cadres.posting_create(
        actor=admin,
        person=world.member_person,
        role="first_secretary",
        start=d(6, 3),
        group=world.group,
        target=world.village,
        term=3,
    )
    text = body(world)
    # 王建国 (包保领导) and 张明 (包保责任人 of all three).
    assert "共3个帮扶对象,2名干部包保3个帮扶对象;" in overview(text)
    assert "济宁市农业农村局科员张明任王庄村第三任驻村第一书记" in text
    # A unit's briefing covers many groups: the postings of one are not listed there.
    unit = briefing_text(
        world.users["unit"], organization=world.unit_org, period_start=START, period_end=END
    ).body
    assert "第一书记" not in unit


# ---- 7. reported figures beside itemised ones ----------------------------------------------------------------
def test_it_gives_the_reported_figures_with_how_much_is_itemised(world):
    member = world.users["member"]
    form = tallies.tally_form_define(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="周报",
        period_kind="week",
        fields=[
            {"code": "visits", "label": "走访次数", "unit": "次", "source": "visits"},
            {"code": "found", "label": "发现问题", "unit": "个", "source": "problems_found"},
        ],
    )
    report = tallies.tally_report_open(actor=member, form=form, group=world.group, day=d(6, 10))
    report = tallies.tally_value_set(actor=member, report=report, values={"visits": "40", "found": "10"})
    # A report not yet submitted changes nothing: the itemised figures as before.
    assert "累计走访13余次" in overview(body(world))
    tallies.tally_report_submit(actor=member, report=report)
    text = overview(body(world))
    # As of the end of the latest report's period (the week of 6月10日).
    assert (
        "在三周时间里,截至6月15日,据定期报送,走访次数40次(其中13次有记录)、发现问题10个(其中6个有记录),覆盖"
        in text
    )
    assert "累计走访" not in text
    assert "有记录的问题中已办结2个,办结率33.3%" in text


# ---- 8. a missing dispatching unit, problems the group handles itself ----------------------------------------
def test_it_leaves_out_a_dispatching_unit_not_stated(world):
    admin = world.users["admin"]
    unstated = organization_ensure(actor=admin, name="未载明", region=world.city, kind="government")
    group = campaigns.group_create(
        actor=admin,
        campaign=world.campaign,
        name="嘉祥县驻点工作组",
        dispatching_org=unstated,
        region=world.county,
        tier="county",
        start=d(6, 3),
    )
    text = body(world, group=group)
    assert "按照市委部署要求,派出县派工作组入驻嘉祥县" not in text
    assert "按照市委部署要求,县派工作组入驻嘉祥县,开展" in overview(text)
    assert "未载明" not in text and "None" not in text
    assert briefing_distribution(group=group).copy_to == ""


def test_it_words_a_problem_the_group_handles_itself(world):
    problem = world.problems["reported"]
    problem_transition(
        actor=world.users["member"], problem=problem, action="self_handle", on_date=d(6, 11), deadline_days=5
    )
    text = body(world)
    assert "“厂区安全出口被堵”问题由工作组直接协调办理,办结期限2025年6月18日,目前办理中" in section_of(
        text, world.enterprise.name
    )
    # Overdue by the period's end: the 通报 names the group, not “未交办”.
    rows = [
        [td.text_content() for td in tr.iter("td")]
        for tr in lxml_html.fragment_fromstring(text, create_parent="div").iter("tr")
    ]
    row = next(r for r in rows if "厂区安全出口被堵" in r)
    assert row[3] == "工作组"


# ---- 9. the groups of a region: in the period, counted when many ---------------------------------------------
def region_body(world, start: date = START, end: date = END) -> str:
    return briefing_text(world.users["admin"], region=world.county, period_start=start, period_end=end).body


def county_group(world, name: str, start: date, end: date | None = None, campaign=None, approach: str = ""):
    unit = organization_ensure(
        actor=world.users["admin"], name=f"{name}单位", region=world.city, kind="government"
    )
    return campaigns.group_create(
        actor=world.users["admin"],
        campaign=campaign or world.campaign,
        name=name,
        dispatching_org=unit,
        region=world.county,
        tier="county",
        start=start,
        end=end,
        approach=approach,
    )


def test_it_leaves_out_the_groups_whose_stay_misses_the_period(world):
    admin = world.users["admin"]
    other = campaigns.campaign_create(
        actor=admin, name="另一项行动", level="city", region=world.city, start=d(1, 2)
    )
    county_group(world, "早已结束组", d(1, 6), end=d(6, 6))
    county_group(world, "尚未进驻组", d(6, 30))
    county_group(world, "另一行动组", d(6, 10), campaign=other)
    text = overview(region_body(world))
    assert "早已结束组单位" not in text and "尚未进驻组单位" not in text
    # A group of another campaign whose stay overlaps the period is told (the form picks no campaign).
    assert "另一行动组单位派出县派工作组入驻嘉祥县(6月10日起进驻),开展另一项行动" in text


def test_it_counts_many_groups_by_campaign_and_tier(world):
    approaches = ["抓党建促发展", "“一村一策”", "清单化推进", "三个一工作法"]
    for n in range(6):
        county_group(world, f"帮扶队{n}", d(6, 3), approach=approaches[n] if n < len(approaches) else "")
    text = overview(region_body(world))
    assert text.count("派出") == 1 and text.count("入驻") == 1  # once per campaign, not once per group
    assert (
        "按照市委部署要求,帮扶队0单位、帮扶队1单位、帮扶队2单位等7个单位派出7个工作组(其中市派1个、县派6个)"
        "入驻嘉祥县,开展济宁市“四进”攻坚行动(2025)。" in text
    )
    assert "各工作组分别确定了“抓党建促发展”、“一村一策”、“清单化推进”等思路" in text
    assert "三个一工作法" not in text and "““" not in text


def test_it_says_when_a_group_arrived_and_when_its_stay_ended(world):
    group = campaigns.group_update(actor=world.users["admin"], group=world.group, end=d(6, 20))
    text = overview(body(world, d(6, 1), d(6, 30), group=group))
    assert "派出市派工作组入驻嘉祥县(6月3日起进驻),由副局长王建国任组长" in text
    assert "开展济宁市“四进”攻坚行动(2025),已于6月20日结束驻点。" in text
    # A group there for the whole period: neither is said.
    assert "进驻)" not in overview(body(world, d(6, 3), d(6, 20), group=group))
    assert "结束驻点" not in overview(body(world, d(6, 3), d(6, 20), group=group))
    # Many groups: counted by day.
    for n in range(5):
        county_group(world, f"队{n}", d(6, 10) if n < 3 else d(6, 3), end=d(6, 25) if n == 0 else None)
    many = overview(region_body(world, d(6, 3), d(6, 30)))
    assert (
        "派出6个工作组(其中市派1个、县派5个)入驻嘉祥县,开展济宁市“四进”攻坚行动(2025),"
        "其中3个于6月10日起进驻、1个已于6月20日结束驻点、1个已于6月25日结束驻点。" in many
    )
    assert (
        "在四周时间里" in many
    )  # from the first arrival to the last departure, not the latest to the earliest


# ---- 10. no heading for a target with nothing to tell ---------------------------------------------------------
def test_it_gives_no_heading_to_a_target_with_nothing_to_tell(world):
    admin = world.users["admin"]
    quiet = [
        campaigns.target_create(
            actor=admin,
            campaign=world.campaign,
            kind=world.kinds["enterprise"],
            name="",
            region=world.county,
            group=world.group,
        )
        for _ in range(3)
    ]
    text = body(world)
    headings = [content for tag, content in blocks(text) if tag == "h3"]
    assert not [h for h in headings if h.startswith("某企业")]
    assert world.enterprise.name in headings
    assert "企业4家" in overview(text)  # still counted
    # Something told under one of them: it is headed, alone of its kind, without a 甲.
    problem_report(actor=world.users["member"], target=quiet[1], title="用电紧张", reported_on=d(6, 12))
    assert "某企业" in [c for tag, c in blocks(body(world)) if tag == "h3"]


# ---- 11. measures as offices word them ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("协调会", "召开协调会2次"),
        ("专题会议", "召开专题会议2次"),
        ("座谈交流", "召开座谈交流2次"),
        ("召开座谈会", "召开座谈会2次"),
        ("送温暖", "送温暖2次"),
        ("走访慰问", "走访慰问2次"),
        ("组织义诊", "组织义诊2次"),
        ("政策宣讲", "开展政策宣讲2次"),
        ("技能培训", "开展技能培训2次"),
        ("督导", "开展督导2次"),
    ],
)
def test_it_words_a_measure_with_its_verb(name, said):
    total = MeasureTotal(
        type_id=1,
        name=name,
        unit="次",
        units_label="",
        people_label="",
        entries=1,
        times=2,
        units=None,
        people=None,
    )
    assert measure_phrase(total) == said


def test_it_writes_the_note_of_a_measure_on_no_target(world):
    talk = campaigns.measure_type_create(
        actor=world.users["admin"], campaign=world.campaign, name="座谈会", order=1
    )
    fieldwork.measure_record(
        actor=world.users["member"],
        group=world.group,
        type=talk,
        date=d(6, 10),
        times=1,
        note="研究提出初步工作意见。",
    )
    paragraphs = [content for tag, content in blocks(body(world)) if tag == "p"]
    assert paragraphs[1] == "工作组召开座谈会1次:研究提出初步工作意见。"


# ---- 12. punctuation and an honest count ----------------------------------------------------------------------
def test_it_quotes_once_and_closes_a_sentence_after_a_quote():
    assert quote("三步递进") == "“三步递进”"
    assert quote("“三步递进”") == "“三步递进”"
    assert quote("“帮”“引”") == "““帮”“引””"  # not one quotation: wrapped as a whole
    assert sentence("确定了“一线调研”") == "确定了“一线调研”。"
    assert sentence("他说:“办到了心坎里。”") == "他说:“办到了心坎里。”"


def test_it_says_problems_are_in_hand_when_none_is_solved_or_due(world):
    text = overview(body(world, d(6, 25), d(6, 29)))
    assert "发现问题" not in text  # none reported in these days
    problem_report(actor=world.users["member"], target=world.village, title="路灯损坏", reported_on=d(6, 26))
    text = overview(body(world, d(6, 25), d(6, 29)))
    assert "发现问题1个,正在推进解决" in text and "办结率" not in text


# ---- 13. the campaign's description in the office's briefing of the whole campaign -----------------------------
def test_it_tells_the_campaign_description_once_in_an_office_briefing_of_the_campaign(world):
    admin = world.users["admin"]
    campaigns.campaign_update(actor=admin, campaign=world.campaign, description="力争年底前实现全覆盖。")
    city = briefing_text(admin, region=world.city, period_start=START, period_end=END).body
    assert overview(city).endswith("。力争年底前实现全覆盖。") and city.count("全覆盖") == 1
    # Not in a group's briefing, nor in a county's (the campaign is the city's).
    assert "全覆盖" not in body(world) and "全覆盖" not in region_body(world)


# ---- 14. queries do not grow with the targets -----------------------------------------------------------------
def test_it_runs_as_many_queries_for_fifty_targets_as_for_five(world):
    admin, member = world.users["admin"], world.users["member"]
    talk = campaigns.measure_type_create(actor=admin, campaign=world.campaign, name="政策宣讲", order=1)

    def add(first: int, last: int) -> None:
        for i in range(first, last):
            target = campaigns.target_create(
                actor=admin,
                campaign=world.campaign,
                kind=world.kinds["village"],
                name=f"村{i}",
                region=world.county,
                group=world.group,
            )
            problem_report(actor=member, target=target, title=f"问题{i}", reported_on=d(6, 12))
            fieldwork.measure_record(
                actor=member, group=world.group, type=talk, date=d(6, 12), times=1, target=target, note="宣讲"
            )
            fieldwork.plan_create(actor=admin, target=target, name=f"方案{i}", made_on=d(6, 12))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body(world)
        return len(captured)

    add(0, 5)
    five = queries()
    add(5, 50)
    fifty = queries()
    assert fifty - five <= 3, (five, fifty)
