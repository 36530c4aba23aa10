"""Title search on trigrams, 可能相同的问题, 相似问题 with 合并, and 共性问题 turned into a 共性问题清单.

Runs on SQLite (FTS5 trigram table kept by triggers) and PostgreSQL (pg_trgm GIN index) alike.
"""

import pytest
from django.db import connection

from sijin.campaigns import services as campaigns
from sijin.directory.services import organization_ensure
from sijin.fieldwork.models import Checklist
from sijin.problems.common import (
    common_checklist_create,
    common_clusters,
    title_key,
)
from sijin.problems.models import OPEN_STATUSES, Action, Problem, ProblemEvent, Status
from sijin.problems.services import problem_report
from sijin.problems.similar import similar_problems, title_filter, title_similarity
from sijin.problems.workflow import problem_transition
from sijin.testing import client_for, d

pytestmark = pytest.mark.django_db


def report(world, target, title, on=None, category=None):
    return problem_report(
        actor=world.users["admin"],
        target=target,
        title=title,
        reported_on=on or d(6, 12),
        category=category,
    )


@pytest.fixture
def second(world):
    """Another city group (汶上县) with one target: the office sees it, the first group's member does not."""
    unit = organization_ensure(actor=None, name="济宁市工业和信息化局", region=world.city, kind="government")
    group = campaigns.group_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="济宁市工业和信息化局驻汶上县工作组",
        dispatching_org=unit,
        region=world.other_county,
        tier="city",
        start=d(6, 3),
    )
    return campaigns.target_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        kind=world.kinds["enterprise"],
        name="汶上县宏远纺织有限公司",
        region=world.other_county,
        group=group,
    )


def titles(qs):
    return sorted(p.title for p in qs)


# --- title_filter ---------------------------------------------------------------------------------------------


def test_it_finds_cjk_titles_with_three_characters_or_more(world):
    report(world, world.enterprise, "企业用工缺口较大")
    report(world, world.project, "用工缺口")
    found = title_filter(Problem.objects.all(), "用工缺口")
    assert titles(found) == ["企业用工缺口较大", "用工缺口"]
    assert titles(title_filter(Problem.objects.all(), "工缺口较")) == ["企业用工缺口较大"]
    assert list(title_filter(Problem.objects.all(), "缺口用工")) == []


def test_it_finds_titles_with_one_or_two_characters(world):
    report(world, world.enterprise, "企业用工缺口较大")
    assert titles(title_filter(Problem.objects.all(), "缺口")) == ["企业用工缺口较大"]
    assert titles(title_filter(Problem.objects.all(), "积")) == ["施工便道积水"]
    assert title_filter(Problem.objects.all(), "  ").count() == Problem.objects.count()


def test_it_matches_latin_letters_without_case_and_quotes_safely(world):
    report(world, world.enterprise, "ERP系统对接困难")
    assert titles(title_filter(Problem.objects.all(), "erp系")) == ["ERP系统对接困难"]
    assert list(title_filter(Problem.objects.all(), 'a"b OR c')) == []


def test_it_takes_like_wildcards_literally(world):
    report(world, world.enterprise, "达标率100%_待核实")
    report(world, world.project, "达标率1000待核实")
    assert titles(title_filter(Problem.objects.all(), "0%_待")) == ["达标率100%_待核实"]
    assert titles(title_filter(Problem.objects.all(), "率1_0")) == []
    assert titles(title_filter(Problem.objects.all(), "率100")) == ["达标率100%_待核实", "达标率1000待核实"]


def test_it_keeps_the_scope_it_is_given(world, second):
    report(world, second, "厂区道路积水严重")
    member = world.users["member"]
    assert list(title_filter(Problem.objects.visible_to(member), "道路积水")) == []
    office = world.users["office"]
    assert titles(title_filter(Problem.objects.visible_to(office), "道路积水")) == ["厂区道路积水严重"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table and its triggers are SQLite's")
def test_it_keeps_the_index_in_step_on_insert_update_and_delete(world):
    problem = report(world, world.enterprise, "原料供应紧张")
    assert titles(title_filter(Problem.objects.all(), "原料供应")) == ["原料供应紧张"]
    Problem.objects.filter(pk=problem.pk).update(title="物流运输不畅")
    assert list(title_filter(Problem.objects.all(), "原料供应")) == []
    assert [p.pk for p in title_filter(Problem.objects.all(), "物流运输")] == [problem.pk]
    Problem.objects.filter(pk=problem.pk).update(status=Status.ASSIGNED)  # not the title: index unchanged
    assert [p.pk for p in title_filter(Problem.objects.all(), "物流运输")] == [problem.pk]
    problem.events.all().delete()
    Problem.objects.filter(pk=problem.pk).delete()
    assert list(title_filter(Problem.objects.all(), "物流运输")) == []
    with connection.cursor() as cursor:  # the index agrees with the table (FTS5's own consistency check)
        cursor.execute(
            "INSERT INTO problems_problem_title_fts(problems_problem_title_fts) VALUES ('integrity-check')"
        )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table and its triggers are SQLite's")
def test_it_has_the_triggers_after_all_migrations():
    # A later migration that rebuilds problems_problem on SQLite would drop them silently.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='problems_problem'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"problems_problem_title_ai", "problems_problem_title_ad", "problems_problem_title_au"} <= names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN trigram index is PostgreSQL's")
def test_it_has_the_gin_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'problem_title_trgm_idx'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition


# --- similar_problems -----------------------------------------------------------------------------------------


def test_it_measures_similarity_as_pg_trgm_does():
    assert title_similarity("企业用工缺口大", "用工缺口较大") == pytest.approx(2 / 13)
    assert title_similarity("用工缺口问题12345", "用工缺口问题67890") == pytest.approx(1 / 3)
    assert title_similarity("", "用工") == 0


def test_it_proposes_open_problems_like_a_title_most_similar_first(world):
    near = report(world, world.enterprise, "企业用工缺口较大")
    exact = report(world, world.project, "用工缺口较大")
    report(world, world.village, "大蒜滞销价格低")
    found = similar_problems("用工缺口较大", user=world.users["office"], region=world.county)
    assert [p.pk for p in found] == [exact.pk, near.pk]
    assert found[0].similarity == pytest.approx(1.0)


def test_it_leaves_out_closed_and_merged_problems(world):
    # 大蒜滞销 (world.problems["closed"]) is 已销号: never proposed.
    assert similar_problems("大蒜滞销", user=world.users["office"], region=world.county) == []


def test_it_never_proposes_a_problem_hidden_from_the_user(world, second):
    hidden = report(world, second, "厂区安全出口被堵塞")
    member, office, outsider = (world.users[u] for u in ("member", "office", "outsider"))
    mine = world.problems["reported"]  # 厂区安全出口被堵, the member's own group
    assert [p.pk for p in similar_problems("厂区安全出口被堵塞", user=member)] == [mine.pk]
    assert {p.pk for p in similar_problems("厂区安全出口被堵塞", user=office)} == {hidden.pk, mine.pk}
    assert similar_problems("厂区安全出口被堵塞", user=outsider) == []


def test_it_looks_in_the_county_or_the_category_of_a_problem(world, second):
    category = world.categories["安全生产"]
    other_county = report(world, second, "厂区安全出口堵塞")
    same_category = report(world, second, "厂区安全出口被占用", category=category)
    problem = world.problems["reported"]  # 嘉祥县, 安全生产
    found = similar_problems(problem, user=world.users["office"])
    assert [p.pk for p in found] == [same_category.pk]
    assert other_county.pk not in [p.pk for p in found]
    assert problem.pk not in [p.pk for p in found]


# --- the pages: proposals while typing, the panel with 合并 ----------------------------------------------------


def test_it_shows_the_proposal_fragment(world):
    report(world, world.project, "厂区安全出口堵塞")
    r = client_for("member").get(
        "/problems/similar/",
        {"title": "厂区安全出口被堵", "target": world.enterprise.pk},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "可能相同的问题" in html and "厂区安全出口堵塞" in html and "<html" not in html


def test_it_proposes_nothing_for_short_titles_or_hidden_targets(world, second):
    report(world, second, "厂区安全出口堵塞")
    c = client_for("member")
    assert "可能相同" not in c.get("/problems/similar/", {"title": "厂区"}).content.decode()
    r = c.get("/problems/similar/", {"title": "厂区安全出口堵塞", "target": second.pk})
    html = r.content.decode()
    assert r.status_code == 200 and "宏远纺织" not in html and "厂区安全出口堵塞" not in html


def test_it_refuses_the_proposals_to_anonymous_visitors(client):
    r = client.get("/problems/similar/", {"title": "用工缺口"})
    assert r.status_code == 302


def test_it_offers_merge_on_the_panel_to_whoever_may_merge(world):
    dup = report(world, world.enterprise, "厂区安全出口被堵塞")
    html = client_for("group_leader").get(f"/problems/{dup.pk}/similar/").content.decode()
    assert "相似问题" in html and "合并至此" in html and f'value="{world.problems["reported"].pk}"' in html
    html = client_for("handler").get(f"/problems/{world.problems['assigned'].pk}/similar/").content.decode()
    assert "合并至此" not in html
    assert client_for("outsider").get(f"/problems/{dup.pk}/similar/").status_code == 404


def test_it_merges_from_the_panel_and_keeps_both_timelines(world):
    original = world.problems["reported"]
    dup = report(world, world.enterprise, "厂区安全出口被堵塞")
    before_dup = list(dup.events.values_list("pk", flat=True))
    before_original = list(original.events.values_list("pk", flat=True))
    r = client_for("group_leader").post(
        f"/problems/{dup.pk}/act/merge/",
        {"merge-version": dup.version, "merge-merged_into": original.pk},
    )
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.merged_into_id == original.pk
    assert list(dup.events.values_list("pk", flat=True))[: len(before_dup)] == before_dup
    assert dup.events.last().action == Action.MERGE
    assert list(original.events.values_list("pk", flat=True)) == before_original
    page = client_for("group_leader").get(f"/problems/{dup.pk}/").content.decode()
    # the merged problem's page still shows its whole timeline
    assert (
        page.count('<li class="list-group-item d-flex gap-2">') == dup.events.count() == len(before_dup) + 1
    )
    # and it is no longer proposed as similar
    assert dup.pk not in [p.pk for p in similar_problems(original, user=world.users["office"])]


# --- 共性问题 ----------------------------------------------------------------------------------------------------


def test_it_normalises_titles_to_a_key():
    assert title_key("用工缺口问题12345") == "用工缺口"
    assert title_key("用工缺口。") == "用工缺口"
    assert title_key("问题") == "问题"


def common_world(world, second):
    report(world, world.enterprise, "企业用工缺口")
    report(world, world.project, "用工缺口问题")
    report(world, second, "用工缺口较大")
    report(world, second, "用工缺口")
    report(world, second, "纺织原料涨价")  # one group only: not 共性


def test_it_clusters_alike_problems_across_groups(world, second):
    common_world(world, second)
    clusters, read = common_clusters(world.users["office"])
    assert read == Problem.objects.filter(status__in=OPEN_STATUSES).count()
    (cluster,) = [c for c in clusters if "用工" in c.label]
    assert cluster.label == "用工缺口" and cluster.size == 4 and len(cluster.groups) == 2
    assert cluster.counties == 2
    assert not [c for c in clusters if "纺织" in c.label]


def test_it_clusters_only_what_the_user_sees(world, second):
    common_world(world, second)
    assert common_clusters(world.users["outsider"]) == ([], 0)
    clusters, _read = common_clusters(world.users["member"])  # one group: nothing is 共性
    assert clusters == []


def test_it_shows_the_clusters_page_to_the_office_and_leaders_only(world, second):
    common_world(world, second)
    html = client_for("office").get("/problems/common/").content.decode()
    assert "用工缺口" in html and "4个问题" in html and "2个工作组" in html and "形成共性问题清单" in html
    html = client_for("leader").get("/problems/common/").content.decode()
    assert "用工缺口" in html and "形成共性问题清单" not in html
    for username in ("member", "group_leader", "handler", "unit", "auditor"):
        assert client_for(username).get("/problems/common/").status_code == 403, username
    assert "用工缺口" not in client_for("outsider").get("/problems/common/").content.decode()


def test_it_turns_a_cluster_into_a_checklist_handed_to_one_department(world, second):
    common_world(world, second)
    city_dept = organization_ensure(
        actor=None, name="济宁市人力资源和社会保障局", region=world.city, kind="department"
    )
    r = client_for("office").post(
        "/problems/common/checklist/",
        {
            "label": "用工缺口",
            "name": "用工缺口共性问题清单",
            "department": city_dept.pk,
            "deadline_days": 20,
        },
    )
    assert r.status_code == 302 and r["Location"] == "/support/checklists/"
    checklist = Checklist.objects.get(name="用工缺口共性问题清单")
    problems = list(checklist.problems.order_by("id"))
    assert len(problems) == 4 and {p.group_id for p in problems} == {world.group.pk, second.group_id}
    assert all(p.status == Status.ASSIGNED and p.handling_org_id == city_dept.pk for p in problems)
    assert all(p.level == "city" and p.deadline_days == 20 for p in problems)
    assert "涉及2个工作组" in checklist.note and checklist.supervised
    triage = ProblemEvent.objects.filter(problem__in=problems, action=Action.TRIAGE)
    assert triage.count() == 4 and all("用工缺口共性问题清单" in e.comment for e in triage)


def test_it_keeps_on_the_list_what_it_may_not_hand_over(world, second):
    common_world(world, second)
    ids = list(Problem.objects.filter(title__contains="用工缺口").values_list("pk", flat=True))
    routed = Problem.objects.get(title="用工缺口")  # the second group's: handed to 嘉祥 would be off its line
    problem_transition(
        actor=world.users["office"],
        problem=Problem.objects.get(title="企业用工缺口"),
        action=Action.TRIAGE,
        level="county",
        handling_org=world.other_dept,
    )
    made = common_checklist_create(
        actor=world.users["office"], problem_ids=ids, name="用工清单", department=world.dept
    )
    assigned = {p.title for p in made.assigned}
    assert assigned == {"用工缺口问题"}  # 嘉祥县's, waiting to be routed
    assert {p.title for p in made.kept} == {"企业用工缺口", "用工缺口较大", routed.title}
    assert Problem.objects.get(title="企业用工缺口").handling_org_id == world.other_dept.pk  # not 改派


def test_it_refuses_the_checklist_to_everyone_but_the_office(world, second):
    common_world(world, second)
    data = {"label": "用工缺口", "name": "用工缺口共性问题清单"}
    for username in ("member", "group_leader", "handler", "leader", "unit"):
        assert client_for(username).post("/problems/common/checklist/", data).status_code == 403, username
    r = client_for("outsider").post("/problems/common/checklist/", data, follow=True)
    assert "该共性问题已变化" in r.content.decode()
    assert not Checklist.objects.filter(name="用工缺口共性问题清单").exists()


def test_it_makes_nothing_when_a_problem_is_hidden_from_the_actor(world, second):
    common_world(world, second)
    ids = list(Problem.objects.filter(title__contains="用工缺口").values_list("pk", flat=True))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        common_checklist_create(actor=world.users["outsider"], problem_ids=ids, name="越权清单")
    assert not Checklist.objects.filter(name="越权清单").exists()


def test_it_rolls_everything_back_when_the_checklist_cannot_be_made(world, second):
    common_world(world, second)
    ids = list(Problem.objects.filter(title__contains="用工缺口").values_list("pk", flat=True))
    from django.core.exceptions import ValidationError

    with pytest.raises(
        ValidationError
    ):  # the list's name is taken in that group: nothing is handed over either
        common_checklist_create(
            actor=world.users["office"], problem_ids=ids, name=world.checklist.name, department=world.dept
        )
    assert not ProblemEvent.objects.filter(problem_id__in=ids, action=Action.TRIAGE).exists()
