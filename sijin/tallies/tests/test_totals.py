from sijin.tallies.periods import period_of
from sijin.tallies.services import tally_report_open, tally_report_submit, tally_value_set
from sijin.tallies.totals import reported_totals
from sijin.testing import d


def report(world, form, day, **typed):
    member = world.users["member"]
    r = tally_report_open(actor=member, form=form, group=world.group, day=day)
    tally_value_set(actor=member, report=r, values={"firms": "0", **typed})
    return r


def by_code(totals):
    return {t.field.code: t for t in totals}


def test_it_sets_the_reported_sum_beside_the_itemised_one(world, weekly):
    tally_report_submit(actor=world.users["member"], report=report(world, weekly, d(6, 9), visits="120"))
    week = period_of("week", world.campaign, d(6, 9))
    totals = by_code(reported_totals(world.campaign, [world.group], week))
    visits = totals["visits"]
    assert (visits.reported, visits.itemised, visits.reports) == (120, 13, 1)
    assert visits.phrase == "走访次数120次(其中13次有记录)"
    assert totals["found"].phrase == "发现问题6个(均有记录)"
    assert totals["firms"].phrase == "走访企业0家"


def test_it_sums_only_submitted_reports(world, weekly):
    report(world, weekly, d(6, 9), visits="120")  # a draft
    totals = by_code(reported_totals(world.campaign, [world.group], (d(6, 9), d(6, 15))))
    assert totals["visits"].reported is None
    assert totals["visits"].phrase == "走访次数13次(据系统记录)"


def test_it_sums_the_weeks_of_a_longer_period_and_keeps_vagueness(world, weekly):
    for day, visits, firms in ((d(6, 9), "20", "30余"), (d(6, 16), "15", "5")):
        tally_report_submit(
            actor=world.users["member"], report=report(world, weekly, day, visits=visits, firms=firms)
        )
    totals = by_code(reported_totals(world.campaign, [world.group], (d(6, 1), d(6, 30))))
    assert totals["visits"].reported == 35 and totals["visits"].reports == 2
    assert totals["firms"].phrase == "走访企业35余家"
    itemised_june = totals["visits"].itemised
    assert itemised_june is not None and itemised_june >= 13


def test_it_counts_only_the_groups_given(world, weekly, other_group):
    tally_report_submit(actor=world.users["member"], report=report(world, weekly, d(6, 9), visits="120"))
    totals = by_code(reported_totals(world.campaign, [other_group], (d(6, 9), d(6, 15))))
    assert totals["visits"].reported is None and totals["visits"].itemised == 0
