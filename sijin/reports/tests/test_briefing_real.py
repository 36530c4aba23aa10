"""The generated 工作简报 says what real reports say: the real length of the period, unnamed targets worded
naturally, a visit of several targets counted once, measures and documents, the people in charge, reported
figures beside itemised ones, a missing dispatching unit and problems the group handles itself. On the small
world (sijin/testing.py), built up through the services."""

from datetime import date

import pytest
from lxml import html as lxml_html

from sijin.campaigns import people as cadres
from sijin.campaigns import services as campaigns
from sijin.directory.services import organization_ensure
from sijin.fieldwork import services as fieldwork
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.briefing import briefing_distribution, briefing_text, period_length
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
    assert "在三周时间里,据定期报送,走访次数40次(其中13次有记录)、发现问题10个(其中6个有记录),覆盖" in text
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
