"""数据看板: its numbers equal the ledgers' numbers, in every scope."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from sijin.core.testing import client_for
from sijin.reports.dashboard import Filters, dashboard_data
from sijin.reports.ledgers import ledger_export


def ledger_rows(kind: str, user, **filters) -> list[tuple]:
    out = io.BytesIO()
    ledger_export(kind, user, out, **filters)
    return list(
        load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(min_row=3, values_only=True)
    )


@pytest.mark.parametrize(("username", "expected"), [("office", 8), ("member", 8), ("handler", 2)])
def test_it_matches_the_ledger_counts(demo, username, expected):
    user = demo["users"][username]
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


def test_it_filters_by_period_like_the_ledger(demo):
    user = demo["users"]["office"]
    start, end = date(2020, 3, 11), date(2020, 3, 11)
    data = dashboard_data(user, Filters(start=start, end=end))
    assert data["total"] == len(ledger_rows("problems", user, start=start, end=end)) == 2


def test_it_sums_outcomes_with_units(demo):
    data = dashboard_data(demo["users"]["member"], Filters())
    totals = {o["indicator"]: o["total"] for o in data["outcomes"]}
    assert totals == {"挽回损失": "3.5万元", "新增产值": "10万元", "销售农产品": "2万斤", "完善措施": "3处"}
    assert data["groups"][0]["办结率"] == data["rates"]["办结率"]


def test_it_shows_nothing_to_an_outsider(demo):
    from sijin.core.testing import outsider

    data = dashboard_data(outsider(), Filters())
    assert data["total"] == 0 and data["outcomes"] == [] and data["groups"] == []


def test_it_renders_the_dashboard_page_with_echarts(demo):
    r = client_for("handler").get("/reports/dashboard/?region=371621000000")
    page = r.content.decode()
    assert r.status_code == 200
    assert 'id="sj-total">2<' in page and "vendor/echarts/echarts.min.js" in page
