"""截至: a 行动全程 report's cumulative figures stand at a day (``as_of``, set when it is submitted, by default
today or the period's end once past) and count in any period that holds that day; the briefing says 截至 that
day, and a region's briefing sets the office's campaign-wide figures beside the groups', never summed."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sijin.reports.briefing import briefing_text
from sijin.tallies.models import TallyReport
from sijin.tallies.services import (
    tally_form_define,
    tally_office_report_open,
    tally_report_open,
    tally_report_submit,
    tally_value_set,
)
from sijin.tallies.totals import reported_totals
from sijin.testing import client_for, d, post_form

FIELDS = [
    {"code": "cadres", "label": "选派干部", "unit": "名"},
    {"code": "teams", "label": "工作组", "unit": "个"},
]


@pytest.fixture
def whole(world):
    return tally_form_define(
        actor=world.users["office"],
        campaign=world.campaign,
        name="总结",
        period_kind="campaign",
        fields=FIELDS,
    )


def group_report(world, form, as_of=None, **typed):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=form, group=world.group, day=d(6, 10))
    tally_value_set(actor=member, report=report, values={"cadres": "0", "teams": "0"} | typed)
    return tally_report_submit(actor=member, report=report, as_of=as_of)


def office_report(world, form, as_of=None, tier="", **typed):
    office = world.users["office"]
    report = tally_office_report_open(actor=office, form=form, day=d(6, 10), tier=tier)
    tally_value_set(actor=office, report=report, values={"cadres": "0", "teams": "0"} | typed)
    return tally_report_submit(actor=office, report=report, as_of=as_of)


def cadres(world, start, end):
    totals = {t.field.code: t for t in reported_totals(world.campaign, [world.group], (start, end))}
    return totals["cadres"].reported


def test_it_counts_a_whole_campaign_report_in_a_period_holding_its_as_of_day(world, whole):
    group_report(world, whole, as_of=d(6, 20), cadres="12")
    assert cadres(world, d(6, 16), d(6, 22)) == 12  # the week of 6月20日, far from the campaign's end
    assert cadres(world, d(6, 3), d(6, 19)) is None  # before the figures stood
    assert cadres(world, d(6, 21), d(6, 30)) is None


def test_it_dates_a_report_submitted_without_a_day_today_while_the_campaign_runs_on(world, whole):
    report = group_report(world, whole, cadres="12")  # opened in 2025: its period then ended on 2025-12-31
    today = timezone.localdate()
    assert report.as_of == today
    report.refresh_from_db()
    assert report.as_of == today and report.period_end == today.replace(month=12, day=31)


def test_it_dates_a_report_of_an_ended_campaign_at_the_campaigns_end(world, whole):
    world.campaign.end = d(6, 30)
    world.campaign.save(update_fields=["end"])
    report = group_report(world, whole, cadres="12")
    assert (report.as_of, report.period_end) == (d(6, 30), d(6, 30))
    with pytest.raises(ValidationError, match="截至日期应在2025-06-03至2025-06-30之间"):
        office_report(world, whole, as_of=d(7, 1))


def test_it_refuses_an_as_of_day_outside_the_period_and_leaves_the_report_unsent(world, whole):
    with pytest.raises(ValidationError) as exc:
        group_report(world, whole, as_of=d(5, 1), cadres="12")
    assert "截至日期" in str(exc.value)
    report = TallyReport.objects.get(form=whole)
    assert (report.status, report.as_of) == ("draft", None)


def test_it_refuses_an_as_of_day_on_a_weekly_report(world, weekly):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=weekly, group=world.group, day=d(6, 10))
    tally_value_set(actor=member, report=report, values={f.code: "0" for f in weekly.fields.all()})
    with pytest.raises(ValidationError, match="只有行动全程"):
        tally_report_submit(actor=member, report=report, as_of=d(6, 10))


def test_it_takes_the_as_of_day_from_the_fill_page(world, whole):
    url = f"/tallies/{whole.pk}/groups/{world.group.pk}/?period=2025-06-10"
    client = client_for("member")
    page = client.get(url).content.decode()
    assert 'name="as_of"' in page
    data = {"v_cadres": "12", "v_teams": "2", "submit": "1"}
    bad = post_form(client, url, data | {"as_of": "明天"})
    assert bad.status_code == 400 and "截至日期格式不正确" in bad.content.decode()
    assert not TallyReport.objects.filter(form=whole, status="submitted").exists()
    assert post_form(client, url, data | {"as_of": "2025-06-20"}).status_code == 302
    assert TallyReport.objects.get(form=whole).as_of == d(6, 20)
    assert "数字截至2025-06-20" in client.get(url).content.decode()


def test_it_says_as_of_in_a_briefing_ending_before_the_campaign(world, whole):
    group_report(world, whole, as_of=d(6, 20), cadres="12")
    body = briefing_text(
        world.users["office"], region=world.city, period_start=d(6, 3), period_end=d(6, 20)
    ).body
    assert "截至6月20日,据定期报送,选派干部12名" in body


def test_it_sets_the_offices_figures_beside_the_groups_in_a_regions_briefing(world, whole):
    group_report(world, whole, as_of=d(6, 20), cadres="12", teams="1")
    office_report(world, whole, as_of=d(6, 18), cadres="300", teams="40")
    office_report(world, whole, as_of=d(6, 18), tier="city", cadres="100", teams="20")
    office = world.users["office"]
    body = briefing_text(office, region=world.city, period_start=d(6, 3), period_end=d(6, 20)).body
    assert "截至6月20日,据定期报送,选派干部12名、工作组1个" in body
    assert "截至6月18日,据活动办报送,全市选派干部300名(其中市派100名)、工作组40个(其中市派20个)" in body
    assert "312" not in body  # never summed
    unit = briefing_text(
        office, organization=world.group.dispatching_org, period_start=d(6, 3), period_end=d(6, 20)
    )
    assert "300名" not in unit.body


def test_it_gives_the_offices_figures_alone_when_no_group_reported(world, whole):
    office_report(world, whole, as_of=d(6, 18), cadres="300", teams="40")
    body = briefing_text(
        world.users["office"], region=world.city, period_start=d(6, 3), period_end=d(6, 20)
    ).body
    assert "截至6月18日,据定期报送,全市选派干部300名、工作组40个" in body
    before = briefing_text(
        world.users["office"], region=world.city, period_start=d(6, 3), period_end=d(6, 17)
    )
    assert "300名" not in before.body
