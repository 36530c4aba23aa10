"""The one way a list page takes ``?page=``: a page number that is not one (``abc``, ``1e30``, ``-1``, twenty
digits) or is past the last page is a 404, never a quiet fallback to page 1 and never a 500.

Two pagers. ``paginate`` is Django's (COUNT, then OFFSET): right for lists of hundreds of rows. ``keyset_paginate``
is for lists of a province (the 问题台账, a million problems): a page is found by *seeking* — "the 50 rows after
the last row of the page before, in the list's order", ``WHERE (reported_on, id) < (…, …)`` on an index — so page
200 costs what page 1 costs; page N is still shown as 第N页. Its links carry a cursor (``after=`` the last row of
the page they start from, or ``before=`` its first row) and the page number. A link may skip a few pages from
there (seek, then a small OFFSET); a page asked for by number alone is reached by OFFSET only for the first
``OFFSET_PAGES`` pages. The total is exact when it is cheap and an estimate when it is not (``count_total``); a
keyset page counts it in the query of its rows (``CappedCount``, a column of that query), and its links carry it
to the next pages, which do not count again.
"""

import base64
import binascii
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connections
from django.db.models import IntegerField, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

PAGE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also takes ² and ١


def paginate(request: HttpRequest, object_list, per_page: int) -> Page:
    """The page of ``object_list`` the request asks for (no ``page`` or an empty one: the first)."""
    raw = request.GET.get("page", "")
    paginator = Paginator(object_list, per_page)
    if raw == "":
        return paginator.page(1)
    if not PAGE_NUMBER.fullmatch(raw):
        raise Http404("页码不正确")
    try:
        return paginator.page(int(raw))
    except InvalidPage:
        raise Http404("页码超出范围") from None


# ---- totals ---------------------------------------------------------------------------------------------------
EXACT_COUNT_UNDER = 10_000  # up to here a COUNT is a few milliseconds on any engine: count exactly


@dataclass(frozen=True)
class Total:
    """How many rows a list has: ``exact``; an ``estimate`` (PostgreSQL's planner); or ``at_least`` ``n``
    (SQLite, counted up to a cap)."""

    n: int
    kind: str = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def __str__(self) -> str:
        """共 1,234 条 · 约2.6万条 · 10,000+ 条"""
        if self.kind == "estimate":
            return _("约%(n)s条") % {"n": _about(self.n)}
        if self.kind == "at_least":
            return _("%(n)s+ 条") % {"n": f"{self.n:,}"}
        return _("共 %(n)s 条") % {"n": f"{self.n:,}"}


def _about(n: int) -> str:
    """An estimate as a person says it: 30万, 2.6万, 2,600 (two significant digits below 万)."""
    if n >= 100_000:
        return f"{round(n / 10_000):,}万"
    if n >= 10_000:
        return f"{n / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    if n >= 100:
        digits = len(str(n)) - 2
        return f"{round(n, -digits):,}"
    return str(n)


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows of ``queryset`` (EXPLAIN: planned, no row read); None on SQLite, which
    keeps no statistics to make one from."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    explained = queryset.order_by().values("pk").explain(format="json")
    if not explained:  # a query that can find nothing (an empty scope) is never sent: nothing to explain
        return 0
    plan = json.loads(explained)
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCount(Subquery):
    """``SELECT COUNT(*) FROM (<queryset> LIMIT cap)`` as an expression: the rows of ``queryset`` counted up to
    ``cap``, never reading more. Uncorrelated, so the database computes it once however many rows carry it
    (PostgreSQL's InitPlan, SQLite's once-only subquery): a page's rows bring the list's total with them."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, cap: int):
        super().__init__(queryset.order_by().values("pk")[:cap])


def _counted(n: int, exact_under: int) -> Total:
    """A count that stopped at ``exact_under``: exact under it, "10,000+" at it."""
    return Total(n) if n < exact_under else Total(exact_under, "at_least")


def count_total(queryset: QuerySet, exact_under: int = EXACT_COUNT_UNDER) -> Total:
    """The rows of ``queryset``: exact when there are fewer than ``exact_under``, else an estimate.

    An exact COUNT reads every row of the filter (a second or more at a million), so PostgreSQL first asks its
    planner (``planner_estimate``) and counts only when the estimate is under the threshold; SQLite, which keeps
    no such statistics, counts up to the threshold and says "10,000+". Either count stops at the threshold, so
    an estimate that was too low costs no more than that. One query, two on PostgreSQL when the estimate is small.
    """
    estimate = planner_estimate(queryset)
    if estimate is not None and estimate >= exact_under:
        return Total(estimate, "estimate")
    return _counted(queryset.order_by().values("pk")[:exact_under].count(), exact_under)


# ---- keyset pages ---------------------------------------------------------------------------------------------
OFFSET_PAGES = 10  # a page asked for by number alone (typed, bookmarked): reached by OFFSET up to here
KEYSET_JUMP = 5  # a link goes at most this many pages from the page it starts at (seek, then a short OFFSET)


@dataclass(frozen=True)
class Key:
    """One column of a list's order: ``path`` as in ``order_by`` (``target__name``), descending or not, and
    whether it can be NULL (a nullable column or a nullable relation on the way)."""

    path: str
    descending: bool
    nullable: bool

    def value(self, row: Any) -> Any:
        for part in self.path.split("__"):
            row = getattr(row, part, None) if row is not None else None
        return row


def order_keys(model, order: Sequence[str]) -> list[Key]:
    """The keys of an ``order_by`` (``("-reported_on", "-id")``); it must end with a unique column (``id``)."""
    keys = []
    for item in order:
        path = item.lstrip("-")
        nullable, opts = False, model._meta
        for part in path.split("__"):
            field = opts.get_field(part)
            nullable = nullable or bool(getattr(field, "null", False))
            if field.is_relation:
                opts = field.related_model._meta
        keys.append(Key(path, item.startswith("-"), nullable))
    if keys[-1].path not in ("id", "pk"):
        raise ValueError("a keyset order must end with the primary key")
    return keys


def _field(model, path: str):
    opts = model._meta
    field = None
    for part in path.split("__"):
        field = opts.get_field(part)
        if field.is_relation and part != path.split("__")[-1]:
            opts = field.related_model._meta
    return field


TOTAL_KINDS = ("exact", "estimate", "at_least")


def _encode(number: int, total: Total | None, values: list[Any]) -> str:
    """A cursor: the page it comes from, the list's total as counted there (the next pages show it without
    counting again), and the key values of its row."""
    counted = [total.n, total.kind] if total is not None else None
    plain = [number, counted, *(v.isoformat() if hasattr(v, "isoformat") else v for v in values)]
    raw = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(model, keys: list[Key], cursor: str) -> tuple[int, Total | None, list[Any]]:
    """(the page the cursor comes from, the total counted there, the key values of its row); a cursor that is
    not one is a 404."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        number, counted, *raw = plain
        if not isinstance(number, int) or not 0 < number < 10**9 or len(raw) != len(keys):
            raise ValueError(cursor)
        total = None
        if counted is not None:
            n, kind = counted
            if type(n) is not int or not 0 <= n < 10**12 or kind not in TOTAL_KINDS:
                raise ValueError(cursor)
            total = Total(n, kind)
        values = [
            None if v is None else _field(model, k.path).to_python(v) for k, v in zip(keys, raw, strict=True)
        ]
    except (
        ValueError,
        TypeError,
        binascii.Error,
        ValidationError,
    ):  # JSON, base64, UTF-8 errors are ValueErrors
        raise Http404("翻页位置不正确") from None
    if values[-1] is None:
        raise Http404("翻页位置不正确")
    return number, total, values


def _beyond(key: Key, value: Any, forward: bool, nulls_largest: bool) -> Q:
    """Rows whose ``key`` comes after ``value`` (``forward``) or before it, in the list's order.

    NULLs sort where the database puts them (largest on PostgreSQL, smallest on SQLite), so that the order is the
    one an index on the column gives read forwards or backwards."""
    greater = forward != key.descending  # in ascending terms: do we want larger values?
    if value is None:
        # Only non-NULL values lie beyond a NULL, and only on the side where non-NULLs are.
        return Q(**{f"{key.path}__isnull": False}) if greater != nulls_largest else Q(pk__in=[])
    q = Q(**{f"{key.path}__{'gt' if greater else 'lt'}": value})
    if key.nullable and greater == nulls_largest:
        q |= Q(**{f"{key.path}__isnull": True})
    return q


def _equal(key: Key, value: Any) -> Q:
    return Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})


def seek_q(keys: list[Key], values: list[Any], forward: bool, nulls_largest: bool) -> Q:
    """Rows after (``forward``) or before the row with these key values, in the order of ``keys``:
    ``a < x OR (a = x AND id < y)``, plus ``a <= x`` on its own so that an index on ``a`` starts there."""
    q = Q(pk__in=[])
    for i, key in enumerate(keys):
        step = _beyond(key, values[i], forward, nulls_largest)
        for before, value in zip(keys[:i], values[:i], strict=True):
            step &= _equal(before, value)
        q |= step
    first, value = keys[0], values[0]
    if not first.nullable and value is not None and len(keys) > 1:
        q &= Q(**{f"{first.path}__{'gte' if forward != first.descending else 'lte'}": value})
    return q


@dataclass(frozen=True)
class PageLink:
    """A link of the pager: the page's number and its cursor (none for page 1)."""

    number: int
    after: str | None = None
    before: str | None = None


class KeysetPage:
    """One page of a keyset-paginated list: its rows, its number, and the links around it. Quacks like Django's
    Page where templates and tests use one (``has_next()``, ``paginator.count``)."""

    keyset = True

    def __init__(self, rows: list, number: int, per_page: int, *, has_next: bool, total: Total | None, keys):
        self.object_list = rows
        self.number = number
        self.per_page = per_page
        self._has_next = has_next
        self.total = total
        self._keys = keys

    def _cursor(self, row: Any) -> str:
        """Where a link from this page starts: the page's number, the total, and the row's key values."""
        return _encode(self.number, self.total, [k.value(row) for k in self._keys])

    def __iter__(self):
        return iter(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def __len__(self) -> int:
        return len(self.object_list)

    # Django's Page
    @property
    def paginator(self) -> "KeysetPage":
        return self

    @property
    def count(self) -> int | None:
        return self.total.n if self.total is not None else None

    @property
    def num_pages(self) -> int | None:
        """Pages in all, when the total is exact (with an estimate only "第N页" is known)."""
        if self.total is None or not self.total.exact:
            return None
        return max(1, math.ceil(self.total.n / self.per_page))

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    # links
    def link(self, number: int) -> PageLink:
        """The link to page ``number`` from this page (seek from its first or last row)."""
        if number == 1:
            return PageLink(1)
        if number > self.number:
            return PageLink(number, after=self._cursor(self.object_list[-1]))
        return PageLink(number, before=self._cursor(self.object_list[0]))

    def next_link(self) -> PageLink | None:
        return self.link(self.number + 1) if self.has_next() and self.object_list else None

    def previous_link(self) -> PageLink | None:
        return self.link(self.number - 1) if self.has_previous() and self.object_list else None

    def page_links(self) -> list[PageLink | None]:
        """1 … N-2 N-1 [N] N+1 N+2: page 1, and the pages a link may reach from here (None: a gap)."""
        if not self.object_list:
            return []
        last = self.num_pages
        ahead = 1 if self.has_next() else 0
        if last is not None:
            ahead = min(last - self.number, KEYSET_JUMP // 2)
        numbers = [n for n in range(self.number - KEYSET_JUMP // 2, self.number + ahead + 1) if n >= 1]
        links: list[PageLink | None] = []
        if numbers[0] > 1:
            links.append(self.link(1))
            if numbers[0] > 2:
                links.append(None)
        links += [self.link(n) for n in numbers]
        return links


def keyset_paginate(
    request: HttpRequest,
    queryset: QuerySet,
    order: Sequence[str],
    per_page: int,
    counted: bool = False,
    exact_under: int = EXACT_COUNT_UNDER,
) -> KeysetPage:
    """The page of ``queryset`` (in ``order``, ending with ``-id`` or ``id``) that the request asks for:
    ``?page=N`` with ``after=``/``before=`` a cursor from a link, or ``?page=N`` alone for the first pages.

    ``counted``: the page has the list's total (``page.total``, shown and bounding the pager), which the page
    itself never needs: a page reached by a link takes it from the link's cursor, a page that ends the list
    knows it from its own rows, and a first page counts it as ``count_total`` does — but in the query of its
    rows (``CappedCount``, a column of it) rather than a query of its own: one query on SQLite, two on
    PostgreSQL (the planner's estimate first). A page past the end, a cursor that is not one, a jump longer
    than a link makes, or a page too deep to reach without a cursor is a 404, like ``paginate``'s.
    """
    model = queryset.model
    keys = order_keys(model, order)
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    reverse = [f"{'' if k.descending else '-'}{k.path}" for k in keys]

    raw = request.GET.get("page", "") or "1"
    if not PAGE_NUMBER.fullmatch(raw) or int(raw) < 1:
        raise Http404("页码不正确")
    number = int(raw)
    after, before = request.GET.get("after"), request.GET.get("before")
    start, carried, values = _decode(model, keys, after or before or "") if after or before else (0, None, [])
    # The total (count_total's rule): brought by the link; else estimated (PostgreSQL) when the planner expects a
    # long list; else counted up to the cap by the query of the rows itself (a column of it).
    known, fold = carried, False
    if counted and known is None:
        estimate = planner_estimate(queryset)
        if estimate is not None and estimate >= exact_under:
            known = Total(estimate, "estimate")
        else:
            fold = True
    rows_qs = queryset.annotate(_counted=CappedCount(queryset, exact_under)) if fold else queryset
    ordered = rows_qs.order_by(*order)

    def page(rows: list, has_next: bool, at: int = number) -> KeysetPage:
        if not rows and at > 1:
            raise Http404("页码超出范围")
        total = None
        if counted and not has_next:  # the list ends here: that is the count, whatever was carried
            total = Total((at - 1) * per_page + len(rows))
        elif counted:
            total = known or _counted(rows[0]._counted, exact_under)
        return KeysetPage(rows, at, per_page, has_next=has_next, total=total, keys=keys)

    if after or before:
        skip = number - start - 1 if after else start - number - 1
        if not 0 <= skip < KEYSET_JUMP:
            raise Http404("页码超出范围")
        seek = seek_q(keys, values, forward=bool(after), nulls_largest=nulls_largest)
        if after:
            rows = list(ordered.filter(seek)[skip * per_page : (skip + 1) * per_page + 1])
            return page(rows[:per_page], len(rows) > per_page)
        rows = list(rows_qs.filter(seek).order_by(*reverse)[skip * per_page : (skip + 1) * per_page])
        if len(rows) < per_page or number == 1:  # rows came or went before it: start again from page 1
            rows = list(ordered[: per_page + 1])
            return page(rows[:per_page], len(rows) > per_page, at=1)
        rows.reverse()
        # There is a next page: the page the link was followed from.
        return page(rows, True)
    if number > OFFSET_PAGES:
        raise Http404("页码过大,请逐页翻看或缩小筛选范围")
    offset = (number - 1) * per_page
    rows = list(ordered[offset : offset + per_page + 1])
    return page(rows[:per_page], len(rows) > per_page)
