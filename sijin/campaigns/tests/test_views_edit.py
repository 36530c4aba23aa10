"""帮扶对象 create/edit pages, through literal URLs with the personas of the small world (sijin/testing.py)."""

from sijin.campaigns.models import Target
from sijin.core.models import AuditLog
from sijin.testing import client_for

GOOD_CODE = "91371621MA3C4XKX0Y"  # checked below: the GB 32100 check character is computed, not guessed


def project_payload(world, **overrides):
    member = world.member_person
    data = {
        "kind": "project",
        "name": "嘉祥县新建泵站",
        "region": world.county.code,
        "group": world.group.pk,
        "responsible": member.pk,
        "address": "嘉祥县嘉祥街道",
        "credit_code": "",
        "contacts": "王校长 13812345678",
        "profile": "",
        "attr_investment": "1.8亿元",
        "attr_area": "100亩",
        "attr_scale": "3000多人",
        "attr_progress": "40",
        "attr_nature": "教育重点项目",
    }
    data.update(overrides)
    return data


def valid_credit_code() -> str:
    from sijin.core.validators import credit_code_check_char

    first17 = GOOD_CODE[:17]
    return first17 + credit_code_check_char(first17)


def test_it_offers_the_kinds_first(world):
    r = client_for("member").get("/targets/new/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'href="?kind=project"' in body
    assert "进项目真协调" in body


def test_it_shows_the_kinds_fields_with_units(world):
    r = client_for("member").get("/targets/new/?kind=project")
    assert r.status_code == 200
    body = r.content.decode()
    assert "总投资(万元)" in body
    assert 'name="attr_investment"' in body
    assert "1.8亿元" in body  # the hint says how to type it


def test_it_creates_a_target_with_quantities_as_typed(world):
    r = client_for("member").post("/targets/new/?kind=project", project_payload(world))
    target = Target.objects.get(name="嘉祥县新建泵站")
    assert r.status_code == 302
    assert r["Location"] == f"/targets/{target.pk}/"
    assert target.kind.code == "project"
    assert target.attributes["investment"] == {
        "value": "18000",
        "unit": "万元",
        "qualifier": "",
        "as_typed": "1.8亿元",
    }
    assert target.attributes["scale"]["qualifier"] == "多"
    assert target.responsible == world.member_person
    assert AuditLog.objects.filter(action="target_create", object_id=str(target.pk)).exists()


def test_it_accepts_a_valid_credit_code(world):
    code = valid_credit_code()
    r = client_for("office").post(
        "/targets/new/",
        project_payload(world, kind="enterprise", name="嘉祥新企业", credit_code=code.lower()),
    )
    assert r.status_code == 302
    assert Target.objects.get(name="嘉祥新企业").credit_code == code


def test_it_rejects_a_bad_credit_code_next_to_the_field(world):
    code = valid_credit_code()
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    r = client_for("member").post("/targets/new/", project_payload(world, credit_code=wrong))
    assert r.status_code == 400
    assert "校验位不正确" in r.context["form"].errors["credit_code"][0]
    assert "校验位不正确" in r.content.decode()
    assert not Target.objects.filter(name="嘉祥县新建泵站").exists()


def test_it_puts_attribute_errors_on_the_attribute_field(world):
    r = client_for("member").post(
        "/targets/new/", project_payload(world, attr_investment="很多钱", attr_progress="120")
    )
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "无法识别" in errors["attr_investment"][0]
    assert "百分比应在0到100之间" in errors["attr_progress"][0]
    assert not Target.objects.filter(name="嘉祥县新建泵站").exists()


def test_it_says_in_chinese_what_is_missing(world):
    r = client_for("member").post("/targets/new/", project_payload(world, name="", region=""))
    assert r.status_code == 400
    assert r.context["form"].errors["name"] == ["请填写名称。"]
    assert r.context["form"].errors["region"] == ["请选择所在区划。"]
    assert not Target.objects.filter(kind__code="project").exclude(pk=world.project.pk).exists()


def test_it_refuses_a_responsible_person_outside_the_group(world):

    outsider_person = world.handler_person  # not a member of the group
    r = client_for("member").post("/targets/new/", project_payload(world, responsible=outsider_person.pk))
    assert r.status_code == 400
    assert r.context["form"].errors["responsible"] == ["包保责任人应为工作组成员。"]
    assert not Target.objects.filter(name="嘉祥县新建泵站").exists()


def test_it_refuses_a_duplicate_name(world):
    r = client_for("member").post("/targets/new/", project_payload(world, name=world.project.name))
    assert r.status_code == 400
    assert "同名" in r.content.decode()
    assert Target.objects.filter(name=world.project.name).count() == 1


def test_it_forbids_the_leader_to_create(world):
    assert client_for("leader").get("/targets/new/?kind=project").status_code == 403
    r = client_for("leader").post("/targets/new/", project_payload(world))
    assert r.status_code == 403
    assert not Target.objects.filter(name="嘉祥县新建泵站").exists()


def test_it_forbids_the_outsider_to_create_in_our_group(world):
    r = client_for("outsider").post("/targets/new/", project_payload(world))
    assert r.status_code == 403
    assert not Target.objects.filter(name="嘉祥县新建泵站").exists()


def test_it_shows_the_edit_form_with_values_as_typed(world):
    base = world.project
    r = client_for("member").get(f"/targets/{base.pk}/edit/")
    assert r.status_code == 200
    assert r.context["form"]["attr_investment"].value() == "2.6亿元"
    assert r.context["form"]["attr_scale"].value() == "500多人"


def test_it_edits_a_target(world):
    base = world.project
    data = project_payload(
        world, name=world.project.name, attr_investment="2亿元", attr_progress="60", contacts="李主任"
    )
    r = client_for("member").post(f"/targets/{base.pk}/edit/", data)
    assert r.status_code == 302
    base.refresh_from_db()
    assert base.attributes["investment"]["value"] == "20000"
    assert base.attributes["progress"] == "60"
    assert base.contacts == "李主任"
    assert AuditLog.objects.filter(action="target_update", object_id=str(base.pk)).exists()


def test_it_keeps_the_target_unchanged_on_a_bad_edit(world):
    base = world.project
    data = project_payload(world, name=world.project.name, attr_investment="1.8亿斤", contacts="李主任")
    r = client_for("member").post(f"/targets/{base.pk}/edit/", data)
    assert r.status_code == 400
    assert "无法换算" in r.context["form"].errors["attr_investment"][0]
    base.refresh_from_db()
    assert base.contacts == ""
    assert base.attributes["investment"]["as_typed"] == "2.6亿元"


def test_it_forbids_the_leader_to_edit(world):
    base = world.project
    assert client_for("leader").get(f"/targets/{base.pk}/edit/").status_code == 403
    r = client_for("leader").post(f"/targets/{base.pk}/edit/", project_payload(world, name="改名"))
    assert r.status_code == 403
    assert Target.objects.filter(name=world.project.name).exists()


def test_it_hides_the_target_from_the_outsider(world):
    base = world.project
    assert client_for("outsider").get(f"/targets/{base.pk}/edit/").status_code == 404
    r = client_for("outsider").post(f"/targets/{base.pk}/edit/", project_payload(world, name="改名"))
    assert r.status_code == 404
    assert Target.objects.filter(name=world.project.name).exists()
