"""The styled 400 page exists as a static file for nginx's error_page (long request lines never reach Django)."""

import io

from django.core.management import call_command


def test_it_writes_the_styled_error_pages_for_nginx(tmp_path):
    call_command("errorpages", "-o", str(tmp_path), stdout=io.StringIO())
    page = (tmp_path / "400.html").read_text(encoding="utf-8")
    assert "请求无效" in page and "<html" in page and "/static/" in page
    assert "500" in (tmp_path / "500.html").read_text(encoding="utf-8")
