"""Open311 GeoReport v2 at /open311/v2/, spoken to as a client system would: form-encoded POSTs and GETs with
an api_key, JSON and XML answers (the spec's examples: http://wiki.open311.org/GeoReport_v2)."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.campaigns.models import Target
from sijin.core.models import AuditLog
from sijin.directory.models import Region
from sijin.open311.models import Open311Client, Open311Request
from sijin.open311.services import open311_client_create, open311_client_revoke
from sijin.problems.models import Problem, Status
from sijin.problems.workflow import problem_transition
from sijin.testing import COUNTY, OUTSIDE_CITY, PASSWORD, client_for

pytestmark = pytest.mark.django_db
API = "/open311/v2"


@pytest.fixture
def hotline(world):
    """The county's 12345 hotline: a system login of the county's office, and its key."""
    user = user_role_ensure(
        actor=None,
        username="hotline",
        password=PASSWORD,
        role=Role.OFFICE,
        region=Region.objects.get(code=COUNTY),
        display_name="12345热线",
    )
    client, key = open311_client_create(
        actor=world.users["admin"], name="12345热线", user=user, campaign=world.campaign
    )
    return client, key


def post(key, **data):
    return Client().post(f"{API}/requests.json", {"api_key": key, **data})


def test_it_lists_the_campaigns_categories_as_services(world, hotline):
    _, key = hotline
    r = Client().get(f"{API}/services.json", {"api_key": key})
    assert r.status_code == 200
    names = {s["service_name"] for s in r.json()}
    assert names == {c.name for c in world.categories.values()}
    first = r.json()[0]
    assert first["metadata"] is True and first["type"] == "realtime"
    # The spec's example asks by jurisdiction_id, with no key.
    r = Client().get(f"{API}/services.xml", {"jurisdiction_id": world.campaign.pk})
    root = ElementTree.fromstring(r.content)
    assert root.tag == "services" and len(root.findall("service")) == len(world.categories)
    assert Client().get(f"{API}/services.json").json()[0]["code"] == 400


def test_it_defines_the_attributes_of_a_service(world, hotline):
    _, key = hotline
    code = world.categories["基础设施"].pk
    r = Client().get(f"{API}/services/{code}.json", {"api_key": key})
    assert [a["code"] for a in r.json()["attributes"]] == ["credit_code", "region_code"]
    root = ElementTree.fromstring(Client().get(f"{API}/services/{code}.xml", {"api_key": key}).content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "credit_code"
    assert Client().get(f"{API}/services/999999.json", {"api_key": key}).status_code == 404


def test_it_files_a_demand_on_the_target_named_by_its_credit_code(world, hotline):
    client, key = hotline
    Target.objects.filter(pk=world.enterprise.pk).update(credit_code="91370829MA3C4X5Y6R")
    r = post(
        key,
        service_code=world.categories["安全生产"].pk,
        description="厂区消防通道被货物占用\n群众来电反映",
        **{"attribute[credit_code]": "91370829MA3C4X5Y6R"},
        lat="35.4141",
        long="116.3422",
        first_name="明",
        last_name="王",
        phone="13800138000",
        address_string="嘉祥县工业园",
    )
    assert r.status_code == 200, r.content
    (answer,) = r.json()
    problem = Problem.objects.get(pk=int(answer["service_request_id"]))
    assert problem.target == world.enterprise and problem.group == world.group
    assert problem.status == Status.REPORTED and problem.title == "厂区消防通道被货物占用"
    assert str(problem.latitude) == "35.414100"
    assert problem.events.get().action == "report"
    assert problem.open311_request.phone == "13800138000" and problem.open311_request.client == client
    assert "已转交" in answer["service_notice"]
    assert AuditLog.objects.filter(
        action="open311_request_receive", object_id=str(problem.open311_request.pk)
    ).exists()


def test_it_files_an_unknown_target_as_an_unnamed_one_in_the_region(world, hotline):
    _, key = hotline
    before = Target.objects.count()
    r = post(
        key,
        service_code=world.categories["政策与资金"].pk,
        description="某企业反映贷款贴息迟迟未到",
        **{"attribute[region_code]": COUNTY},
    )
    assert r.status_code == 200, r.content
    problem = Problem.objects.get(pk=int(r.json()[0]["service_request_id"]))
    assert Target.objects.count() == before + 1
    assert problem.target.unnamed and problem.target.kind.undecided
    assert problem.group == world.group and problem.region_id == COUNTY


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": ""}, "description"),
        ({"lat": "95", "long": "116"}, "lat"),
        ({"lat": "35"}, "lat 与 long 须同时提供"),
        ({"service_code": "abc"}, "service_code"),
        ({"service_code": "999999"}, "没有这个服务类别"),
        ({"attribute[region_code]": OUTSIDE_CITY}, "没有本系统可转交的驻点工作组"),
        ({"attribute[region_code]": ""}, "之一"),
        ({"address_id": "999999"}, "没有这个帮扶对象"),
        ({"media_url": "javascript:alert(1)"}, "http(s)"),
        ({"phone": "<script>"}, "电话号码"),
        ({"description": "长" * 5001}, "description"),
    ],
)
def test_it_refuses_bad_input_in_chinese_and_saves_nothing(world, hotline, data, message):
    _, key = hotline
    counts = (Problem.objects.count(), Target.objects.count(), Open311Request.objects.count())
    base = {
        "service_code": world.categories["基础设施"].pk,
        "description": "路灯不亮",
        "attribute[region_code]": COUNTY,
    }
    r = post(key, **{**base, **data})
    assert r.status_code == 400
    assert r.json()[0]["code"] == 400 and message in " ".join(e["description"] for e in r.json())
    assert (Problem.objects.count(), Target.objects.count(), Open311Request.objects.count()) == counts


def test_it_refuses_a_wrong_or_revoked_key(world, hotline):
    client, key = hotline
    data = {
        "service_code": world.categories["基础设施"].pk,
        "description": "路灯不亮",
        "attribute[region_code]": COUNTY,
    }
    assert post("X" * 43, **data).status_code == 403
    assert Client().get(f"{API}/requests.json").status_code == 403
    open311_client_revoke(actor=world.users["admin"], client=client)
    r = post(key, **data)
    assert r.status_code == 403 and "api_key" in r.json()[0]["description"]


def test_it_reads_back_status_unit_deadline_and_notes(world, hotline):
    _client, key = hotline
    r = post(
        key,
        service_code=world.categories["基础设施"].pk,
        description="村道塌陷",
        address_id=str(world.project.pk),
    )
    pk = r.json()[0]["service_request_id"]
    row = Client().get(f"{API}/requests/{pk}.json", {"api_key": key}).json()[0]
    assert row["status"] == "open" and row["agency_responsible"] == "" and row["expected_datetime"] is None
    assert row["status_notes"].startswith("上报")
    problem = Problem.objects.get(pk=pk)
    problem = problem_transition(
        actor=world.users["office"],
        problem=problem,
        action="triage",
        level="county",
        handling_org=world.dept,
        handler=world.handler_person,
        deadline_days=10,
    )
    row = Client().get(f"{API}/requests/{pk}.json", {"api_key": key}).json()[0]
    assert row["agency_responsible"] == world.dept.name
    assert row["expected_datetime"].startswith(problem.deadline.isoformat())
    assert row["status_notes"].startswith("分级交办")
    # Lists by status and by id; closed ones only when asked.
    assert [
        x["service_request_id"]
        for x in Client().get(f"{API}/requests.json", {"api_key": key, "status": "open"}).json()
    ] == [pk]
    assert Client().get(f"{API}/requests.json", {"api_key": key, "status": "closed"}).json() == []
    assert (
        len(Client().get(f"{API}/requests.json", {"api_key": key, "service_request_id": f"{pk},1"}).json())
        == 1
    )
    root = ElementTree.fromstring(Client().get(f"{API}/requests.xml", {"api_key": key}).content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == pk
    assert Client().get(f"{API}/requests.json", {"api_key": key, "status": "done"}).status_code == 400
    assert (
        Client().get(f"{API}/requests.json", {"api_key": key, "start_date": "yesterday"}).status_code == 400
    )


def test_a_client_never_reads_another_clients_requests(world, hotline):
    _, key = hotline
    other_user = user_role_ensure(
        actor=None,
        username="grid",
        password=PASSWORD,
        role=Role.OFFICE,
        region=Region.objects.get(code=COUNTY),
        display_name="网格化平台",
    )
    _, other_key = open311_client_create(
        actor=None, name="网格化平台", user=other_user, campaign=world.campaign
    )
    pk = post(
        key,
        service_code=world.categories["基础设施"].pk,
        description="路灯不亮",
        **{"attribute[region_code]": COUNTY},
    ).json()[0]["service_request_id"]
    assert Client().get(f"{API}/requests/{pk}.json", {"api_key": other_key}).status_code == 404
    assert Client().get(f"{API}/requests.json", {"api_key": other_key}).json() == []
    # Nor a problem that was never an Open311 request.
    existing = world.problems["assigned"].pk
    assert Client().get(f"{API}/requests/{existing}.json", {"api_key": key}).status_code == 404


def test_the_command_adds_lists_and_revokes_clients(world, capsys):
    call_command(
        "open311", "add", "--name", "12345热线", "--user", "office", "--campaign", str(world.campaign.pk)
    )
    out = capsys.readouterr().out
    key = out.strip().splitlines()[-1]
    assert len(key) >= 40
    assert Client().get(f"{API}/services.json", {"api_key": key}).status_code == 200
    call_command("open311", "list")
    assert "12345热线" in capsys.readouterr().out
    from sijin.open311.models import Open311Client

    call_command("open311", "revoke", str(Open311Client.objects.get().pk))
    assert Client().get(f"{API}/requests.json", {"api_key": key}).status_code == 403
    assert AuditLog.objects.filter(action__in=["open311_client_create", "open311_client_revoke"]).count() == 2


def test_the_office_sees_the_requesters_contact_and_the_member_a_masked_one(world, hotline):
    _, key = hotline
    pk = post(
        key,
        service_code=world.categories["基础设施"].pk,
        description="路灯不亮",
        **{"attribute[region_code]": COUNTY},
        last_name="王",
        first_name="小明",
        phone="13800138000",
    ).json()[0]["service_request_id"]
    office = client_for("office").get(f"/problems/{pk}/").content.decode()
    member = client_for("member").get(f"/problems/{pk}/").content.decode()
    assert "13800138000" in office and "王小明" in office
    assert "13800138000" not in member and "138****8000" in member and "王**" in member


def test_it_reads_many_requests_in_as_many_queries_as_one(world, hotline):
    _, key = hotline
    data = {"service_code": world.categories["基础设施"].pk, "attribute[region_code]": COUNTY}

    def queries() -> int:
        connection.queries_log.clear()  # a full log (the world's build) would capture nothing
        with CaptureQueriesContext(connection) as captured:
            rows = Client().get(f"{API}/requests.json", {"api_key": key}).json()
        assert all(r["status_notes"].startswith("上报") for r in rows)
        return len(captured)

    post(key, description="路灯不亮", **data)
    one = queries()
    for n in range(5):
        post(key, description=f"路灯不亮{n}", **data)
    assert one > 2 and queries() == one


def test_it_limits_each_key_to_its_rate_in_the_specs_error_shape(world, hotline, settings):
    settings.SIJIN_API_RATE = (3, 86400)  # a day's window: the test never straddles two
    client, key = hotline
    other = open311_client_create(
        actor=world.users["admin"], name="网格化平台", user=client.user, campaign=world.campaign
    )[1]
    data = {
        "service_code": world.categories["基础设施"].pk,
        "attribute[region_code]": COUNTY,
        "description": "x",
    }
    assert Client().get(f"{API}/services.json", {"api_key": key}).status_code == 200
    assert post(key, **data).status_code == 200
    assert Client().get(f"{API}/requests.json", {"api_key": key}).status_code == 200
    before = Problem.objects.count()
    r = post(key, **{**data, "description": "第四次"})
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 86400
    assert r.json() == [{"code": 429, "description": f"请求过于频繁,请 {r['Retry-After']} 秒后再试。"}]
    assert Problem.objects.count() == before  # refused before anything is written
    r = Client().get(f"{API}/requests/1.xml", {"api_key": key})
    assert r.status_code == 429 and ElementTree.fromstring(r.content).find("error/code").text == "429"
    assert Client().get(f"{API}/services/1.json", {"api_key": key}).status_code == 429
    # Another key of the same login counts on its own; the next window opens the first one again.
    assert Client().get(f"{API}/requests.json", {"api_key": other}).status_code == 200
    Open311Client.objects.filter(pk=client.pk).update(window_start=F("window_start") - timedelta(days=1))
    assert Client().get(f"{API}/requests.json", {"api_key": key}).status_code == 200
    # Without a key (the spec's service list by jurisdiction_id) nothing is counted.
    for _ in range(5):
        assert Client().get(f"{API}/services.json", {"jurisdiction_id": world.campaign.pk}).status_code == 200
