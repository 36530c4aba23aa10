"""Errors are pages of the site, in Chinese, with a way back (400, 403, 404, 500); bad numbers in an address
are a 404, never a 500.

pytest-django runs with DEBUG off, as production does, so these are the pages users see.
"""

import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

import sijin.urls
from sijin.testing import client_for

HUGE = "9" * 23  # more than SQLite's and PostgreSQL's 64-bit integers hold


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied("只有活动办可以签发督办通知单")


# This module is also the URLconf of the tests marked ``urls``: the site plus a view that crashes.
urlpatterns = [path("boom/", boom), path("forbidden/", forbidden), *sijin.urls.urlpatterns]


def routes(patterns=None, prefix: str = ""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def with_huge_ids(route: str) -> str:
    address = re.sub(r"<(?:int|id):\w+>", HUGE, route)
    return "/" + re.sub(r"<\w+:\w+>", "x", address)


# The admin site's own routes send a non-staff user to its login page whatever the id.
NUMBERED = sorted(
    with_huge_ids(r) for r in routes() if re.search(r"<(?:int|id):", r) and not r.startswith("admin/")
)


def test_there_are_numbered_addresses_to_check():
    assert "/problems/99999999999999999999999/" in NUMBERED
    assert len(NUMBERED) > 15


@pytest.mark.parametrize("address", NUMBERED)
def test_it_answers_404_for_an_id_too_large_for_the_database(world, address):
    client = client_for("office")
    for method in (client.get, client.post):
        r = method(address)
        assert r.status_code == 404, (method, address)
    assert "页面不存在" in r.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        f"/targets/?group={HUGE}",
        f"/targets/?responsible={HUGE}",
        "/targets/?group=²",
        f"/visits/new/?group={HUGE}",
    ],
)
def test_it_answers_404_for_a_query_id_that_is_no_number_or_too_large(world, address):
    assert client_for("office").get(address).status_code == 404


def test_it_shows_the_404_page_in_the_sites_layout(world):
    r = client_for("member").get("/no-such-page/")
    assert r.status_code == 404
    page = r.content.decode()
    assert "页面不存在" in page
    assert 'href="/"' in page  # back to the workbench
    assert "四进 · 驻点帮扶" in page  # the navbar
    assert "退出" in page  # the member's menu: they are logged in


@pytest.mark.urls(__name__)
def test_it_shows_why_access_is_refused_on_the_403_page(world):
    r = client_for("member").get("/forbidden/")
    assert r.status_code == 403
    page = r.content.decode()
    assert "没有权限" in page
    assert "只有活动办可以签发督办通知单" in page


def test_it_shows_a_views_refusal_on_the_403_page(world):
    r = client_for("leader").get("/reports/import/")
    assert r.status_code == 403
    assert "只读权限,不能导入" in r.content.decode()


def test_it_explains_an_expired_form_on_the_csrf_403_page(world):
    r = Client(enforce_csrf_checks=True).post("/login/", {"username": "office", "password": "x"})
    assert r.status_code == 403
    page = r.content.decode()
    assert "页面已过期" in page
    assert 'href="/login/"' in page


@pytest.mark.urls(__name__)
def test_it_shows_the_500_page_when_a_view_crashes(world):
    client = client_for("office")
    client.raise_request_exception = False
    r = client.get("/boom/")
    assert r.status_code == 500
    page = r.content.decode()
    assert "系统出错" in page
    assert "a bug" not in page
    assert "/static/sijin/app.css" in page


def test_the_500_page_needs_no_request_and_no_database():
    page = render_to_string("500.html")  # no ``db`` fixture: a query would raise
    assert "系统出错" in page
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page


def test_it_answers_a_form_with_too_many_fields_with_the_400_page(db):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    r = Client().post("/login/", fields)
    assert r.status_code == 400
    page = r.content.decode()
    assert "请求无效" in page
    assert "四进 · 驻点帮扶" in page
