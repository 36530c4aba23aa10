"""帮扶对象 create/edit pages and the list filters, through literal URLs with the demo personas."""

from sijin.campaigns.models import Target
from sijin.core.models import AuditLog
from sijin.core.testing import client_for
from sijin.directory.models import Region

BASE = "惠民县职业中专智能制造综合实训基地"
HUIMIN = "371621000000"
GOOD_CODE = "91371621MA3C4XKX0Y"  # checked below: the GB 32100 check character is computed, not guessed


def project_payload(demo, **overrides):
    member = demo["group"].memberships.get().person
    data = {
        "kind": "project",
        "name": "惠民县新建实训楼",
        "region": HUIMIN,
        "group": demo["group"].pk,
        "responsible": member.pk,
        "address": "惠民县孙武街道",
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


def test_it_offers_the_kinds_first(demo):
    r = client_for("member").get("/targets/new/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'href="?kind=project"' in body
    assert "进项目真协调" in body


def test_it_shows_the_kinds_fields_with_units(demo):
    r = client_for("member").get("/targets/new/?kind=project")
    assert r.status_code == 200
    body = r.content.decode()
    assert "规划投资(万元)" in body
    assert 'name="attr_investment"' in body
    assert "1.8亿元" in body  # the hint says how to type it


def test_it_creates_a_target_with_quantities_as_typed(demo):
    r = client_for("member").post("/targets/new/?kind=project", project_payload(demo))
    target = Target.objects.get(name="惠民县新建实训楼")
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
    assert target.responsible == demo["group"].memberships.get().person
    assert AuditLog.objects.filter(action="target_create", object_id=str(target.pk)).exists()


def test_it_accepts_a_valid_credit_code(demo):
    code = valid_credit_code()
    r = client_for("office").post(
        "/targets/new/", project_payload(demo, kind="enterprise", name="惠民新企业", credit_code=code.lower())
    )
    assert r.status_code == 302
    assert Target.objects.get(name="惠民新企业").credit_code == code


def test_it_rejects_a_bad_credit_code_next_to_the_field(demo):
    code = valid_credit_code()
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    r = client_for("member").post("/targets/new/", project_payload(demo, credit_code=wrong))
    assert r.status_code == 400
    assert "校验位不正确" in r.context["form"].errors["credit_code"][0]
    assert "校验位不正确" in r.content.decode()
    assert not Target.objects.filter(name="惠民县新建实训楼").exists()


def test_it_puts_attribute_errors_on_the_attribute_field(demo):
    r = client_for("member").post(
        "/targets/new/", project_payload(demo, attr_investment="很多钱", attr_progress="120")
    )
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "无法识别" in errors["attr_investment"][0]
    assert "百分比应在0到100之间" in errors["attr_progress"][0]
    assert not Target.objects.filter(name="惠民县新建实训楼").exists()


def test_it_says_in_chinese_what_is_missing(demo):
    r = client_for("member").post("/targets/new/", project_payload(demo, name="", region=""))
    assert r.status_code == 400
    assert r.context["form"].errors["name"] == ["请填写名称。"]
    assert r.context["form"].errors["region"] == ["请选择所在区划。"]
    assert not Target.objects.filter(kind__code="project").exclude(name=BASE).exists()


def test_it_refuses_a_responsible_person_outside_the_group(demo):
    from sijin.directory.models import Person

    outsider_person = Person.objects.get(name="刘春国")
    r = client_for("member").post("/targets/new/", project_payload(demo, responsible=outsider_person.pk))
    assert r.status_code == 400
    assert r.context["form"].errors["responsible"] == ["包保责任人应为工作组成员。"]
    assert not Target.objects.filter(name="惠民县新建实训楼").exists()


def test_it_refuses_a_duplicate_name(demo):
    r = client_for("member").post("/targets/new/", project_payload(demo, name=BASE))
    assert r.status_code == 400
    assert "同名" in r.content.decode()
    assert Target.objects.filter(name=BASE).count() == 1


def test_it_forbids_the_leader_to_create(demo):
    assert client_for("leader").get("/targets/new/?kind=project").status_code == 403
    r = client_for("leader").post("/targets/new/", project_payload(demo))
    assert r.status_code == 403
    assert not Target.objects.filter(name="惠民县新建实训楼").exists()


def test_it_forbids_the_outsider_to_create_in_our_group(demo):
    r = client_for("outsider").post("/targets/new/", project_payload(demo))
    assert r.status_code == 403
    assert not Target.objects.filter(name="惠民县新建实训楼").exists()


def test_it_shows_the_edit_form_with_values_as_typed(demo):
    base = Target.objects.get(name=BASE)
    r = client_for("member").get(f"/targets/{base.pk}/edit/")
    assert r.status_code == 200
    assert r.context["form"]["attr_investment"].value() == "1.8亿元"
    assert r.context["form"]["attr_scale"].value() == "3000多人"


def test_it_edits_a_target(demo):
    base = Target.objects.get(name=BASE)
    data = project_payload(demo, name=BASE, attr_investment="2亿元", attr_progress="60", contacts="李主任")
    r = client_for("member").post(f"/targets/{base.pk}/edit/", data)
    assert r.status_code == 302
    base.refresh_from_db()
    assert base.attributes["investment"]["value"] == "20000"
    assert base.attributes["progress"] == "60"
    assert base.contacts == "李主任"
    assert AuditLog.objects.filter(action="target_update", object_id=str(base.pk)).exists()


def test_it_keeps_the_target_unchanged_on_a_bad_edit(demo):
    base = Target.objects.get(name=BASE)
    data = project_payload(demo, name=BASE, attr_investment="1.8亿斤", contacts="李主任")
    r = client_for("member").post(f"/targets/{base.pk}/edit/", data)
    assert r.status_code == 400
    assert "无法换算" in r.context["form"].errors["attr_investment"][0]
    base.refresh_from_db()
    assert base.contacts == ""
    assert base.attributes["investment"]["as_typed"] == "1.8亿元"


def test_it_forbids_the_leader_to_edit(demo):
    base = Target.objects.get(name=BASE)
    assert client_for("leader").get(f"/targets/{base.pk}/edit/").status_code == 403
    r = client_for("leader").post(f"/targets/{base.pk}/edit/", project_payload(demo, name="改名"))
    assert r.status_code == 403
    assert Target.objects.filter(name=BASE).exists()


def test_it_hides_the_target_from_the_outsider(demo):
    base = Target.objects.get(name=BASE)
    assert client_for("outsider").get(f"/targets/{base.pk}/edit/").status_code == 404
    r = client_for("outsider").post(f"/targets/{base.pk}/edit/", project_payload(demo, name="改名"))
    assert r.status_code == 404
    assert Target.objects.filter(name=BASE).exists()


def test_it_filters_the_list_by_region_group_and_responsible(demo):
    client = client_for("office")
    group = demo["group"]
    person = group.memberships.get().person
    other = Target.objects.get(name="官道李村")
    other.responsible = None
    other.save()
    names = lambda r: {t.name for t in r.context["page_obj"]}  # noqa: E731

    r = client.get(f"/targets/?responsible={person.pk}")
    assert BASE in names(r)
    assert "官道李村" not in names(r)
    assert names(client.get(f"/targets/?group={group.pk}")) >= {BASE, "官道李村"}
    assert names(client.get(f"/targets/?group={group.pk + 1000}")) == set()
    assert BASE in names(client.get(f"/targets/?region={HUIMIN}"))
    assert names(client.get("/targets/?region=371602000000")) == set()  # 滨城区, no targets there
    r = client.get("/targets/")
    assert HUIMIN in {reg.code for reg in r.context["regions"]}
    assert Region.objects.get(code=HUIMIN).name in r.content.decode()


def test_it_links_the_edit_pages_from_the_target_for_writers_only(demo):
    base = Target.objects.get(name=BASE)
    body = client_for("member").get(f"/targets/{base.pk}/").content.decode()
    assert f"/targets/{base.pk}/edit/" in body
    assert f"/support/targets/{base.pk}/outcomes/new/" in body
    body = client_for("leader").get(f"/targets/{base.pk}/").content.decode()
    assert f"/targets/{base.pk}/edit/" not in body
    assert "新增帮扶对象" not in client_for("leader").get("/targets/").content.decode()
    assert "新增帮扶对象" in client_for("member").get("/targets/").content.decode()
