"""Ids in URLs and query strings: digits that fit the database's 64-bit integer.

A longer number is the id of nothing, so a 404, never an overflow error from the database driver (SQLite's
raises one: a 500). ``<id:pk>`` in a URL pattern (registered in sijin/urls.py) matches only such numbers;
``query_id`` reads one from a query string or a form.
"""

import re

from django.http import Http404


class IdConverter:
    regex = "[0-9]{1,18}"  # below 2**63

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


def query_id(raw: str | None) -> int | None:
    """The id in a query-string or form value (``?group=12``); None when absent or empty. Anything else —
    letters, a number too long for the database — is a 404, as the same id in a URL would be."""
    if not raw:
        return None
    if not re.fullmatch(IdConverter.regex, raw):
        raise Http404("不存在或无权查看")
    return int(raw)
