"""A report may not say which unit sent the group (派出单位未载明): nothing asks Sijin to invent one."""

from django.utils import timezone

from sijin.campaigns.services import group_update
from sijin.reports.briefing import briefing_text
from sijin.testing import client_for


def test_it_keeps_a_group_whose_dispatching_unit_is_not_known(world):
    group = group_update(actor=None, group=world.group, dispatching_org=None)
    group.refresh_from_db()
    assert group.dispatching_org is None

    page = client_for("office").get(f"/groups/{group.pk}/").content.decode()
    assert "未载明" in page
    assert "None" not in page
    assert "未载明" in client_for("office").get("/groups/").content.decode()

    text = briefing_text(
        world.users["office"],
        period_start=group.start,
        period_end=group.end or timezone.localdate(),
        group=group,
    )
    assert "None" not in text.body
    assert client_for("office").get("/reports/dashboard/").status_code == 200


def test_the_unit_no_longer_sees_a_group_nobody_says_it_sent(world):
    before = client_for("unit").get(f"/groups/{world.group.pk}/").status_code
    group_update(actor=None, group=world.group, dispatching_org=None)
    assert before == 200
    assert client_for("unit").get(f"/groups/{world.group.pk}/").status_code == 404
