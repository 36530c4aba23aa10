"""数据看板: its numbers equal the ledgers' numbers, in every scope."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from sijin.reports.dashboard import Filters, dashboard_data
from sijin.reports.ledgers import ledger_export
from sijin.testing import client_for


def ledger_rows(kind: str, user, **filters) -> list[tuple]:
    out = io.BytesIO()
    ledger_export(kind, user, out, **filters)
    return list(
        load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(min_row=3, values_only=True)
    )


@pytest.mark.parametrize(("username", "expected"), [("office", 6), ("member", 6), ("handler", 3)])
def test_it_matches_the_ledger_counts(world, username, expected):
    user = world.users[username]
    data = dashboard_data(user, Filters())
    rows = ledger_rows("problems", user)
    assert data["total"] == len(rows) == expected
    assert sum(n for _, n in data["by_status"]) == len(rows)
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for row in rows:
        by_kind[row[3]] = by_kind.get(row[3], 0) + 1
        by_status[row[12]] = by_status.get(row[12], 0) + 1
    assert dict(data["by_kind"]) == by_kind
    assert dict(data["by_status"]) == by_status
    assert sum(w["found"] for w in data["trend"]) == len(rows)
    assert data["rates"]["total"] == expected
    assert data["rates"]["solved"] == sum(1 for r in rows if r[12] in ("已办结", "已销号"))


def test_it_filters_by_period_like_the_ledger(world):
    user = world.users["office"]
    start, end = date(2025, 6, 11), date(2025, 6, 11)  # the day the three at 嘉祥县水务局 were reported
    data = dashboard_data(user, Filters(start=start, end=end))
    assert data["total"] == len(ledger_rows("problems", user, start=start, end=end)) == 3


def test_it_sums_outcomes_with_units(world):
    data = dashboard_data(world.users["member"], Filters())
    totals = {o["indicator"]: o["total"] for o in data["outcomes"]}
    assert totals == {"争取资金": "3.5万元", "新增产值": "10万元", "销售农产品": "2万斤"}
    assert data["groups"][0]["办结率"] == data["rates"]["办结率"]


def test_it_shows_nothing_to_an_outsider(world):
    from sijin.testing import outsider

    data = dashboard_data(outsider(), Filters())
    assert data["total"] == 0 and data["outcomes"] == [] and data["groups"] == []


def test_it_renders_the_dashboard_page_with_echarts(world):
    r = client_for("handler").get(f"/reports/dashboard/?region={world.county.code}")
    page = r.content.decode()
    assert r.status_code == 200
    assert 'id="sj-total">3<' in page and "vendor/echarts/echarts.min.js" in page
