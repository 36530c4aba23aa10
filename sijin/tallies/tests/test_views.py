import io

import pytest
from openpyxl import load_workbook

from sijin.core.models import AuditLog
from sijin.tallies.models import TallyForm, TallyReport, TallyStatus
from sijin.tallies.services import tally_report_open, tally_report_submit, tally_value_set
from sijin.testing import client_for, d, post_form

WEEK = "2025-06-09"


def fill_url(world, form, period=WEEK):
    return f"/tallies/{form.pk}/groups/{world.group.pk}/?period={period}"


def submitted(world, form, **typed):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=form, group=world.group, day=d(6, 9))
    tally_value_set(actor=member, report=report, values={"firms": "30余", **typed})
    return tally_report_submit(actor=member, report=report)


def test_it_shows_the_group_its_report_prefilled_beside_the_itemised_counts(world, weekly):
    r = client_for("member").get(fill_url(world, weekly))
    assert r.status_code == 200
    page = r.content.decode()
    assert "系统已记录" in page and "2025-06-09至06-15" in page
    assert '<span class="fw-semibold">13次</span>' in page  # beside 走访次数: the week's 13 visits
    assert 'name="v_visits" value="13"' in page  # pre-filled, not saved yet
    assert not TallyReport.objects.exists()


def test_it_saves_and_submits_the_report_from_the_page(world, weekly):
    client = client_for("member")
    r = post_form(
        client,
        fill_url(world, weekly),
        {
            "v_visits": "120",
            "v_found": "30",
            "v_solved": "27",
            "v_firms": "30余",
            "v_infra": "3",
            "submit": "1",
        },
    )
    assert r.status_code == 302
    report = TallyReport.objects.get()
    assert report.status == TallyStatus.SUBMITTED
    assert report.values.get(field__code="visits").value == 120
    page = client.get(fill_url(world, weekly)).content.decode()
    assert "已报送" in page and "readonly" in page


def test_it_shows_an_unreadable_figure_on_the_form_and_saves_nothing(world, weekly):
    r = post_form(
        client_for("member"), fill_url(world, weekly), {"v_visits": "很多", "v_firms": "3", "save": "1"}
    )
    assert r.status_code == 400
    assert "无法识别" in r.content.decode()
    assert not TallyReport.objects.exists()


def test_it_saves_a_form_posted_twice_once(world, weekly):
    client = client_for("member")
    url = fill_url(world, weekly)
    token = client.get(url).content.decode().split('name="form_token" value="')[1].split('"')[0]
    client.post(url, {"v_firms": "3", "save": "1", "form_token": token})
    r = client.post(url, {"v_firms": "4", "save": "1", "form_token": token})
    assert r.status_code == 302
    assert TallyReport.objects.get().values.get(field__code="firms").value == 3


@pytest.mark.parametrize("username", ["outsider", "other_member", "handler", "auditor"])
def test_it_hides_a_groups_report_from_whoever_is_outside_its_scope(world, weekly, other_group, username):
    client = client_for(username)
    assert client.get(fill_url(world, weekly)).status_code == 404
    assert client.post(fill_url(world, weekly), {"v_firms": "1", "save": "1"}).status_code == 404
    report = submitted(world, weekly)
    assert client.post(f"/tallies/reports/{report.pk}/reopen/", {"reason": "x"}).status_code == 404
    assert TallyReport.objects.get().status == TallyStatus.SUBMITTED


def test_it_hides_the_office_table_from_an_outsider(world, weekly):
    client = client_for("outsider")
    assert client.get(f"/tallies/{weekly.pk}/").status_code == 404
    assert client.get(f"/tallies/{weekly.pk}.xlsx").status_code == 404
    assert "周报" not in client.get("/tallies/").content.decode()


@pytest.mark.parametrize("username", ["office", "leader", "unit"])
def test_it_lets_readers_see_but_not_fill_a_groups_report(world, weekly, username):
    client = client_for(username)
    assert client.get(fill_url(world, weekly)).status_code == 200
    assert post_form(client, fill_url(world, weekly), {"v_firms": "1", "save": "1"}).status_code == 403
    assert not TallyReport.objects.exists()


def test_it_lets_the_office_return_a_report_from_the_page(world, weekly):
    report = submitted(world, weekly)
    assert (
        client_for("member").post(f"/tallies/reports/{report.pk}/reopen/", {"reason": "核对"}).status_code
        == 403
    )
    r = client_for("office").post(f"/tallies/reports/{report.pk}/reopen/", {"reason": "走访数与台账不符"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == TallyStatus.DRAFT


def test_it_shows_the_office_reported_beside_itemised_for_every_group(world, weekly, other_group):
    submitted(world, weekly, visits="120")
    r = client_for("office").get(f"/tallies/{weekly.pk}/?period=2025-06-11")
    page = r.content.decode()
    assert r.status_code == 200
    assert world.group.name in page and other_group.name in page
    assert "报送 120次" in page and "其中录入明细 13次" in page
    assert "走访次数120次(其中13次有记录)" in page
    assert "已报送 1/2" in page


def test_it_shows_a_group_member_only_their_own_row(world, weekly, other_group):
    page = client_for("other_member").get(f"/tallies/{weekly.pk}/?period={WEEK}").content.decode()
    assert other_group.name in page and world.group.name not in page


def test_it_refuses_a_period_outside_the_campaign(world, weekly):
    client = client_for("office")
    for period in ("2099-01-01", "2020-01-01", "昨天", "2025-13-01"):
        assert client.get(f"/tallies/{weekly.pk}/?period={period}").status_code == 404


def test_it_exports_the_table_as_xlsx_that_opens(world, weekly, other_group):
    submitted(world, weekly, visits="120")
    r = client_for("office").get(f"/tallies/{weekly.pk}.xlsx?period={WEEK}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert "周报" in rows[0][0]
    assert rows[1][:4] == ("工作组", "状态", "走访次数(报送)", "其中录入明细")
    mine = next(row for row in rows if row[0] == world.group.name)
    assert mine[1:4] == ("已报送", 120, 13)
    assert rows[-1][0] == "合计(已报送)" and rows[-1][2] == 120
    assert AuditLog.objects.filter(action="ledger_download", object_type="tallies.tallyform").exists()


def test_it_lets_an_office_define_a_form_on_a_page(world):
    client = client_for("office")
    assert client.get("/tallies/new/").status_code == 200
    r = client.post(
        "/tallies/new/",
        {
            "campaign": world.campaign.pk,
            "name": "月报",
            "period_kind": "month",
            "columns": "走访企业,家,targets_visited\n基础设施\n争取资金,万元,,funds",
            "active": "on",
        },
    )
    assert r.status_code == 302
    form = TallyForm.objects.get(name="月报")
    assert [(f.label, f.unit, f.source) for f in form.fields.all()] == [
        ("走访企业", "家", "targets_visited"),
        ("基础设施", "个", f"category:{world.categories['基础设施'].pk}"),
        ("争取资金", "万元", "indicator:funds"),
    ]
    bad = client.post(
        "/tallies/new/",
        {
            "campaign": world.campaign.pk,
            "name": "季报",
            "period_kind": "month",
            "columns": "走访,家,nonsense",
        },
    )
    assert bad.status_code == 400 and "不存在" in bad.content.decode()


@pytest.mark.parametrize("username", ["member", "unit", "leader", "outsider"])
def test_it_keeps_form_definition_to_offices(world, username):
    assert client_for(username).get("/tallies/new/").status_code == 403


def test_it_links_the_group_page_to_its_reports(world, weekly):
    page = client_for("member").get(f"/groups/{world.group.pk}/").content.decode()
    assert f"/tallies/?group={world.group.pk}" in page
    index = client_for("member").get(f"/tallies/?group={world.group.pk}").content.decode()
    assert f"/tallies/{weekly.pk}/groups/{world.group.pk}/" in index
    assert client_for("outsider").get(f"/tallies/?group={world.group.pk}").status_code == 404


def test_it_shows_an_opened_reports_figures_as_bare_numbers_beside_the_unit(world, weekly):
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    tally_value_set(actor=world.users["member"], report=report, values={"firms": "30余"})
    page = client_for("member").get(fill_url(world, weekly)).content.decode()
    assert 'name="v_visits" value="13"' in page  # pre-filled on opening: 13, not 13次 beside the 次
    assert 'name="v_firms" value="30余"' in page  # as typed
