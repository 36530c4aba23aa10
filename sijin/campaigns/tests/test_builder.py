"""The admin's field builder: a target kind's attributes posted as rows, stored as the schema the services check."""

import pytest

from sijin import demo, testing
from sijin.campaigns.models import TargetKind
from sijin.campaigns.services import target_kind_create
from sijin.core.models import AuditLog
from sijin.core.tests.test_admin_services import post_back, read_form
from sijin.testing import client_for


def kind_url(kind: TargetKind) -> str:
    return f"/admin/campaigns/targetkind/{kind.pk}/change/"


def test_it_shows_the_schema_as_rows_not_json(world):
    page = client_for("admin").get(kind_url(world.kinds["project"])).content.decode()
    assert 'name="schema-rows"' in page
    assert 'name="schema-0-label" value="总投资"' in page
    assert "sijin/schema-builder.js" in page
    assert '"key": "investment"' not in page  # no JSON to type


def test_it_stores_the_rows_posted_through_the_builder_with_an_audit_row(world):
    kind = world.kinds["village"]
    before = AuditLog.objects.latest("id").id
    r = post_back(
        client_for("admin"),
        kind_url(kind),
        **{
            # The first row moved down, the second one up (the script renumbers them), a new third row.
            "schema-0-label": "主导产业",
            "schema-0-key": "industry",
            "schema-0-type": "text",
            "schema-0-unit": "",
            "schema-1-label": "耕地",
            "schema-1-key": "farmland",
            "schema-1-type": "quantity",
            "schema-1-unit": "亩",
            "schema-1-required": "on",
            "schema-2-label": "户籍人口",
            "schema-2-type": "quantity",
            "schema-2-unit": "人",
        },
    )
    assert r.status_code == 302, r.content.decode()
    kind.refresh_from_db()
    assert kind.schema == [
        {"key": "industry", "label": "主导产业", "type": "text", "unit": "", "required": False},
        {"key": "farmland", "label": "耕地", "type": "quantity", "unit": "亩", "required": True},
        {"key": "attr1", "label": "户籍人口", "type": "quantity", "unit": "人", "required": False},
    ]
    row = AuditLog.objects.get(id__gt=before, action="target_kind_update")
    assert row.object_id == str(kind.pk)


def test_it_removes_a_row_marked_for_deletion(world):
    kind = world.kinds["project"]
    r = post_back(client_for("admin"), kind_url(kind), **{"schema-1-DELETE": "on"})
    assert r.status_code == 302
    kind.refresh_from_db()
    assert [a["key"] for a in kind.schema] == ["investment", "scale", "progress", "nature"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schema-1-label": ""}, "请填写名称。"),
        ({"schema-1-label": "总投资"}, "名称“总投资”重复。"),
        ({"schema-1-key": "Area 2"}, "代码应以小写字母开头"),
        ({"schema-1-key": "investment"}, "代码“investment”重复。"),
        ({"schema-1-type": "colour"}, "请选择类型。"),
        ({"schema-1-unit": "平方公里平方公里平方公里"}, "单位不能超过10个字。"),
    ],
)
def test_it_refuses_a_bad_row_in_chinese_next_to_it(world, changes, message):
    kind = world.kinds["project"]
    before = AuditLog.objects.latest("id").id
    r = post_back(client_for("admin"), kind_url(kind), **changes)
    assert r.status_code == 200
    page = r.content.decode()
    assert "属性定义第2行有误" in page
    bad_row = page[page.index('class="sj-sb-row sj-sb-bad"') :]
    assert message in bad_row[: bad_row.index("</tr>")]
    kind.refresh_from_db()
    assert kind.schema == next(k for k in testing.KINDS if k["code"] == "project")["schema"]
    assert not AuditLog.objects.filter(id__gt=before, action="target_kind_update").exists()


@pytest.mark.parametrize("spec", demo.KINDS + testing.KINDS, ids=lambda s: s["code"])
def test_it_round_trips_every_demo_kinds_schema(world, spec):
    kind = target_kind_create(
        actor=None, campaign=world.campaign, code=f"rt-{spec['code']}", name="往返", schema=spec["schema"]
    )
    before = AuditLog.objects.latest("id").id
    client = client_for("admin")
    r = post_back(client, kind_url(kind))  # opened and saved as it is
    assert r.status_code == 302
    # Nothing changed, nothing written.
    assert not AuditLog.objects.filter(id__gt=before, action="target_kind_update").exists()
    r = post_back(client, kind_url(kind), slogan="新口号")
    assert r.status_code == 302
    kind.refresh_from_db()
    assert kind.schema == spec["schema"]
    assert AuditLog.objects.get(id__gt=before, action="target_kind_update").data["fields"] == ["slogan"]


def test_it_adds_a_kind_with_rows_inline_on_the_campaign(world):
    client = client_for("admin")
    url = f"/admin/campaigns/campaign/{world.campaign.pk}/change/"
    data = read_form(client, url)
    n = int(data["kinds-TOTAL_FORMS"][0])
    data["kinds-TOTAL_FORMS"] = [str(n + 1)]
    new = f"kinds-{n}"
    data.update(
        {
            f"{new}-code": ["school"],
            f"{new}-name": ["学校"],
            f"{new}-order": ["5"],
            f"{new}-schema-rows": ["1"],
            f"{new}-schema-0-label": ["在校生"],
            f"{new}-schema-0-type": ["quantity"],
            f"{new}-schema-0-unit": ["人"],
            f"{new}-schema-0-required": ["on"],
        }
    )
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()
    kind = world.campaign.kinds.get(code="school")
    assert kind.schema == [
        {"key": "attr1", "label": "在校生", "type": "quantity", "unit": "人", "required": True}
    ]
    assert AuditLog.objects.filter(action="target_kind_create", object_id=str(kind.pk)).exists()
