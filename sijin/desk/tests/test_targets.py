"""帮扶对象 list (``/targets/``) and page (``/targets/<pk>/``): filters, what each persona sees on a target, and
the links to the edit pages, with the personas of the small world (sijin/testing.py)."""

from sijin.accounts.models import User
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.testing import client_for


def names(r) -> set[str]:
    return {t.name for t in r.context["page_obj"]}


def test_it_filters_the_list_by_region_group_and_responsible(world):
    client = client_for("office")
    group = world.group
    person = world.member_person
    other = world.village
    other.responsible = None
    other.save()

    r = client.get(f"/targets/?responsible={person.pk}")
    assert world.project.name in names(r)
    assert world.village.name not in names(r)
    assert names(client.get(f"/targets/?group={group.pk}")) >= {world.project.name, world.village.name}
    assert names(client.get(f"/targets/?group={group.pk + 1000}")) == set()
    assert world.project.name in names(client.get(f"/targets/?region={world.county.code}"))
    assert (
        names(client.get(f"/targets/?region={world.other_county.code}")) == set()
    )  # 汶上县, no targets there
    r = client.get("/targets/")
    assert world.county.code in {reg.code for reg in r.context["regions"]}
    assert world.county.name in r.content.decode()


def test_it_filters_the_list_to_targets_with_overdue_problems(world):
    # The project's three problems at 嘉祥县水务局 are past their deadlines; the village's are solved.
    assert names(client_for("office").get("/targets/?red=1")) == {world.project.name}


def test_it_links_the_edit_pages_from_the_target_for_writers_only(world):
    base = world.project
    body = client_for("member").get(f"/targets/{base.pk}/").content.decode()
    assert f"/targets/{base.pk}/edit/" in body
    assert f"/support/targets/{base.pk}/outcomes/new/" in body
    body = client_for("leader").get(f"/targets/{base.pk}/").content.decode()
    assert f"/targets/{base.pk}/edit/" not in body
    assert "新增帮扶对象" not in client_for("leader").get("/targets/").content.decode()
    assert "新增帮扶对象" in client_for("member").get("/targets/").content.decode()


def test_it_shows_a_handler_only_their_units_problems_on_a_target(world):
    base = world.project
    other = problem_report(
        actor=User.objects.get(username="member"),
        target=base,
        title="泵站用地手续滞后",
        reported_on=world.visits["project"].date,
    )
    problem_transition(
        actor=User.objects.get(username="office"),
        problem=other,
        action="triage",
        level="county",
        handling_org=world.other_dept,
        deadline_days=5,
    )
    html = client_for("handler").get(f"/targets/{base.pk}/").content.decode()
    assert world.overdue.title in html
    assert "泵站用地手续滞后" not in html
    assert world.visits["project"].purpose not in html  # the group's visits
    assert "泵站用地手续滞后" in client_for("member").get(f"/targets/{base.pk}/").content.decode()
