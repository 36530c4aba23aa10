"""Every paginated list takes ``?page=`` through core.pagination: junk or out of range is 404, never page 1."""

import pytest

from sijin.testing import client_for

LISTS = ["/targets/", "/support/plans/", "/support/outcomes/", "/support/checklists/"]
JUNK = ["1e30", "99999999999999999999", "-1", "abc", "0", "2", "inf", "１", "²"]


@pytest.mark.parametrize("url", LISTS)
def test_it_answers_404_for_a_junk_or_missing_page(world, url):
    client = client_for("office")
    assert client.get(url).status_code == 200
    assert client.get(url, {"page": "1"}).status_code == 200
    for page in JUNK:
        assert client.get(url, {"page": page}).status_code == 404, (url, page)
