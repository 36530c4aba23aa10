"""报送(活动办): the office reports campaign-wide figures and per-tier sub-totals on a form, with the same fill
page; reported_totals sets them apart from the groups' sum (never added to it)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sijin.core.models import AuditAction, AuditLog
from sijin.tallies.models import TallyReport
from sijin.tallies.services import (
    tally_office_report_open,
    tally_report_open,
    tally_report_reopen,
    tally_report_submit,
    tally_value_set,
)
from sijin.tallies.totals import reported_totals
from sijin.testing import client_for, d, post_form

WEEK = "2025-06-09"


def office_report(world, form, tier="", **typed):
    office = world.users["office"]
    report = tally_office_report_open(actor=office, form=form, day=d(6, 9), tier=tier)
    tally_value_set(actor=office, report=report, values={f.code: "0" for f in form.fields.all()} | typed)
    return tally_report_submit(actor=office, report=report)


def by_code(totals):
    return {t.field.code: t for t in totals}


def test_it_keeps_the_offices_figures_apart_from_the_groups_sum(world, weekly):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=weekly, group=world.group, day=d(6, 9))
    tally_value_set(actor=member, report=report, values={"firms": "30", "visits": "40"})
    tally_report_submit(actor=member, report=report)
    office_report(world, weekly, firms="5049", visits="13730余")
    office_report(world, weekly, tier="province", firms="200")
    totals = by_code(reported_totals(world.campaign, [world.group], (d(6, 9), d(6, 15))))
    firms = totals["firms"]
    assert (firms.reported, firms.reports) == (30, 1)  # the groups' sum: not 30 + 5049
    assert firms.office == 5049 and firms.tiers == (("省派", 200, ""),)
    assert firms.office_phrase == "走访企业5049家(其中省派200家)"
    assert (
        totals["visits"].office_qualifier == "余"
        and totals["visits"].office_phrase == "走访次数13730余次(其中省派0次)"
    )


def test_it_reports_office_figures_even_when_no_group_reported(world, weekly):
    office_report(world, weekly, firms="5049")
    firms = by_code(reported_totals(world.campaign, [world.group], (d(6, 9), d(6, 15))))["firms"]
    assert firms.reported is None and firms.office == 5049


def test_it_leaves_out_a_draft_office_report(world, weekly):
    office = world.users["office"]
    report = tally_office_report_open(actor=office, form=weekly, day=d(6, 9))
    tally_value_set(actor=office, report=report, values={"firms": "5049"})
    firms = by_code(reported_totals(world.campaign, [world.group], (d(6, 9), d(6, 15))))["firms"]
    assert firms.office is None and firms.office_phrase == ""


@pytest.mark.parametrize("username", ["member", "group_leader", "unit", "leader", "handler"])
def test_it_lets_only_the_office_over_the_campaign_report_for_it(world, weekly, username):
    with pytest.raises(PermissionDenied):
        tally_office_report_open(actor=world.users[username], form=weekly, day=d(6, 9))
    report = tally_office_report_open(actor=world.users["office"], form=weekly, day=d(6, 9))
    with pytest.raises(PermissionDenied):
        tally_value_set(actor=world.users[username], report=report, values={"firms": "1"})
    assert not TallyReport.objects.filter(group=None).exclude(pk=report.pk).exists()


def test_it_keeps_one_office_report_per_tier_and_period(world, weekly):
    office = world.users["office"]
    whole = tally_office_report_open(actor=office, form=weekly, day=d(6, 9))
    assert tally_office_report_open(actor=office, form=weekly, day=d(6, 12)) == whole
    tier = tally_office_report_open(actor=office, form=weekly, day=d(6, 9), tier="city")
    assert tier != whole and str(tier).startswith("活动办(市派)")
    with pytest.raises(ValidationError):
        tally_office_report_open(actor=office, form=weekly, day=d(6, 9), tier="moon")
    with pytest.raises(IntegrityError), transaction.atomic():
        TallyReport.objects.create(
            form=weekly, group=world.group, tier="city", period_start=d(6, 9), period_end=d(6, 15)
        )


def test_it_returns_an_office_report_for_correction_and_audits_it(world, weekly):
    report = office_report(world, weekly, firms="5049")
    tally_report_reopen(actor=world.users["office"], report=report, reason="数字有误")
    assert AuditLog.objects.filter(
        action=AuditAction.TALLY_REPORT_REOPEN, summary__contains="活动办(全行动)"
    ).exists()


def test_it_fills_the_office_report_on_its_page_and_shows_it_on_the_table(world, weekly):
    url = f"/tallies/{weekly.pk}/office/?period={WEEK}&tier=province"
    client = client_for("office")
    page = client.get(url)
    assert page.status_code == 200 and "活动办(省派)" in page.content.decode()
    data = {f"v_{f.code}": "0" for f in weekly.fields.all()} | {"v_firms": "200", "submit": "1"}
    r = post_form(client, url, data)
    assert r.status_code == 302
    report = TallyReport.objects.get(group=None, tier="province")
    assert report.status == "submitted"
    table = client.get(f"/tallies/{weekly.pk}/?period={WEEK}").content.decode()
    assert "报送(活动办)" in table and "走访企业其中省派200家" in table


@pytest.mark.parametrize("username", ["member", "unit"])
def test_it_shows_the_office_page_read_only_to_others_who_see_the_form(world, weekly, username):
    url = f"/tallies/{weekly.pk}/office/?period={WEEK}"
    client = client_for(username)
    page = client.get(url)
    assert page.status_code == 200 and "readonly" in page.content.decode()
    assert post_form(client, url, {"v_firms": "1"}).status_code == 403
    assert not TallyReport.objects.filter(group=None).exists()


def test_it_hides_the_office_page_from_an_outsider_and_refuses_a_bad_tier(world, weekly):
    assert client_for("outsider").get(f"/tallies/{weekly.pk}/office/").status_code == 404
    assert client_for("office").get(f"/tallies/{weekly.pk}/office/?tier=moon").status_code == 404


def test_it_counts_a_visit_part_of_a_counted_entry_once_in_the_itemised_visits(world):
    from sijin.fieldwork.models import Visit
    from sijin.fieldwork.tests.test_visit_counts import range_and_part
    from sijin.tallies.sources import FIXED, counts

    month, single = range_and_part(world)
    visits = next(s for s in FIXED if s.code == "visits")
    others = sum(
        v.occasions for v in Visit.objects.filter(group=world.group).exclude(pk__in=[month.pk, single.pk])
    )
    assert counts(world.campaign, visits, [world.group], d(6, 1), d(6, 30))[world.group.pk] == 21 + others
