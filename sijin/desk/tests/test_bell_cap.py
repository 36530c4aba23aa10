"""The navbar bell counts a user's unread notifications up to a hundred: above 99 it shows 99+ and says so,
without counting every one of an office's thousands of unread reminders."""

import re

import pytest

from sijin.accounts.middleware import BELL_CAP
from sijin.core.models import Notification
from sijin.testing import client_for

pytestmark = pytest.mark.django_db


def unread_for(world, username: str, n: int) -> None:
    user = world.users[username]
    Notification.objects.bulk_create(
        Notification(user=user, kind="urge", title=f"【催办】第{i}个问题", url="/problems/") for i in range(n)
    )


def bell(page: str) -> str:
    found = re.search(r'<a class="btn btn-sm btn-outline-light sj-bell[^>]*>.*?</a>', page, re.S)
    assert found, "no bell on the page"
    return found.group(0)


@pytest.mark.parametrize(("n", "badge", "label"), [(7, ">7<", "通知,7条未读"), (99, ">99<", "通知,99条未读")])
def test_it_shows_the_exact_count_up_to_99(world, n, badge, label):
    unread_for(world, "handler", n)
    shown = bell(client_for("handler").get("/notifications/").content.decode())
    assert badge in shown and label in shown


@pytest.mark.parametrize("n", [100, BELL_CAP + 150])
def test_it_shows_99_plus_above_99(world, n):
    unread_for(world, "handler", n)
    shown = bell(client_for("handler").get("/notifications/").content.decode())
    assert ">99+<" in shown and "通知,99条以上未读" in shown
    assert '条未读"' not in shown.replace("99条以上未读", "")


def test_it_counts_no_further_than_the_cap(world):
    from sijin.accounts.middleware import request_facts

    unread_for(world, "handler", BELL_CAP + 150)
    assert request_facts(world.users["handler"]).unread == BELL_CAP
