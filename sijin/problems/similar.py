"""Title search and similar problems, on trigrams (no word segmentation needed for Chinese).

The index is the database's own (migration 0011_title_trigram):
- PostgreSQL: ``pg_trgm`` and a GIN index ``problem_title_trgm_idx`` (``gin_trgm_ops``) on ``problems_problem.title``.
  It serves ``ILIKE '%…%'`` (``title_filter``) and the ``%`` similarity operator (``similar_problems``).
- SQLite: the FTS5 table ``problems_problem_title_fts`` (``tokenize='trigram'``), external content over
  ``problems_problem(title)``, kept in step by three triggers. A quoted phrase ``MATCH`` is a substring search.

A trigram is three characters, so a query of one or two characters has none: those fall back to a plain
``contains`` (a scan; still cheap with the ledger's other filters). A CJK title is one "word" to pg_trgm; its
trigrams are its runs of three characters, which is what makes 用工缺口 and 企业用工缺口大 similar.

Similarity is pg_trgm's: shared trigrams over all trigrams of both (words padded, lower-cased), from
``SIMILARITY_THRESHOLD`` on. Where it is computed:
- in one county (the proposal while a title is typed at a target): over the county's open problems in the
  user's scope — ``similarity()`` on PostgreSQL, the same measure in Python on SQLite (a few thousand titles
  at a province's scale, read through the region index), so both databases propose the same problems;
- wider (a problem's panel, which also looks at its category; no region): PostgreSQL's ``%`` operator on the
  GIN index; on SQLite FTS5 ranks candidates (bm25 over the title's trigrams OR-ed) and the best
  ``RERANK_CANDIDATES`` are re-ranked in Python by the same measure.
"""

import re
from collections.abc import Iterable

from django.db import connections, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from sijin.accounts import access
from sijin.campaigns.models import Category
from sijin.directory.models import PREFIX_LENGTH, Region, RegionLevel

from .models import OPEN_STATUSES, Problem

FTS_TABLE = "problems_problem_title_fts"
# Two titles are proposed as "maybe the same" from this similarity on. Chinese titles are short and one word
# each: 厂区安全出口被堵 and 安全出口堵塞 share 2 of 14 trigrams (0.14); titles that share one stock word only
# (…问题) stay under 0.1. pg_trgm's default (0.3) would find little but the same title retyped.
SIMILARITY_THRESHOLD = 0.14
# Candidates the SQLite path re-ranks (the best by bm25); enough for a list of five.
RERANK_CANDIDATES = 40
MIN_TRIGRAM_QUERY = 3
COUNTY_PREFIX = PREFIX_LENGTH[RegionLevel.COUNTY]

_WORD = re.compile(r"\w+")


def _vendor(qs: QuerySet) -> str:
    return connections[qs.db].vendor


def _phrase(text: str) -> str:
    """An FTS5 string literal: the text as one phrase (with the trigram tokenizer: a substring)."""
    return '"' + text.replace('"', '""') + '"'


def title_filter(qs: QuerySet[Problem], q: str) -> QuerySet[Problem]:
    """``qs`` narrowed to the problems whose title contains ``q`` (case-insensitive), through the trigram index
    when ``q`` has three characters or more."""
    q = q.strip()
    if not q:
        return qs
    if len(q) < MIN_TRIGRAM_QUERY:
        return qs.filter(title__icontains=q)
    if _vendor(qs) == "sqlite":
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return qs.filter(pk__in=RawSQL(sql, [_phrase(q)]))
    # PostgreSQL: title ILIKE '%q%', which the GIN trigram index serves (Django's icontains is
    # UPPER(title) LIKE UPPER(…), which no index on title serves).
    return qs.filter(_ILike(F("title"), Value(f"%{_like_escaped(q)}%")))


class _ILike(Func):
    arg_joiner = " ILIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- similarity ---------------------------------------------------------------------------------------------


def trigrams(text: str) -> set[str]:
    """The trigrams of ``text`` as pg_trgm makes them: per word (letters, digits, CJK), lower-cased, padded
    with two spaces in front and one behind."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower().replace("_", " ")):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def title_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over the trigrams of either."""
    ta, tb = trigrams(a), trigrams(b)
    union = len(ta | tb)
    return len(ta & tb) / union if union else 0.0


class _Similarity(Func):
    function = "SIMILARITY"
    output_field = FloatField()


class _SimilarTo(Func):
    """``title % 'text'``: true when the similarity reaches ``pg_trgm.similarity_threshold`` (index-served)."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def area_prefix(region: Region) -> str:
    """The code prefix of the area similar problems are looked for in: the county of a town or village, else
    the region itself (a problem at a city's own level looks across the city)."""
    if region.level >= RegionLevel.COUNTY:
        return region.code[: PREFIX_LENGTH[RegionLevel.COUNTY]]
    return region.prefix


def area_q(prefix: str) -> Q:
    """Problems whose region code starts with ``prefix``, as a range: an index serves it on SQLite too (whose
    LIKE 'prefix%' reads the whole table)."""
    return Q(region_id__gte=prefix, region_id__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def similar_problems(
    problem_or_title: Problem | str,
    *,
    user: access.Viewer,
    region: Region | None = None,
    category: Category | None = None,
    limit: int = 5,
) -> list[Problem]:
    """Open problems in the user's scope whose title is like the given one, most similar first.

    Given a problem, its own region (the county around it) and category are the defaults, and the problem
    itself and whatever was merged into it are left out. Looked for in the area of ``region`` or with
    ``category`` (either); with neither, in all the user's scope. Each returned problem carries
    ``similarity`` (0–1).
    """
    exclude: list[int] = []
    if isinstance(problem_or_title, Problem):
        problem = problem_or_title
        title = problem.title
        region = region or problem.region
        category = category or problem.category
        exclude = [problem.pk]
    else:
        title = problem_or_title
    title = title.strip()[:200]
    if not trigrams(title) or limit <= 0:
        return []
    qs = Problem.objects.visible_to(user).filter(status__in=OPEN_STATUSES).exclude(pk__in=exclude)
    if exclude:
        qs = qs.exclude(merged_into_id__in=exclude)
    near = Q()
    if region is not None:
        near |= area_q(area_prefix(region))
    if category is not None:
        near |= Q(category=category)
    if near:
        qs = qs.filter(near)
    # Within one county (a few thousand open problems at a province's scale) reading the area is cheaper than
    # the trigram index, whose hits for a stock word run to tens of thousands; wider, the index finds them.
    by_area = region is not None and category is None and len(area_prefix(region)) >= COUNTY_PREFIX
    if _vendor(qs) == "postgresql":
        ranked = _similar_pg(qs, title, limit, by_area)
    elif by_area:
        ranked = _best(title, qs.values_list("pk", "title"), limit)
    else:
        ranked = _best(title, qs.filter(pk__in=_fts_candidates(qs, title)).values_list("pk", "title"), limit)
    found = qs.select_related("group", "target", "region").in_bulk([pk for pk, _s in ranked])
    result = []
    for pk, similarity in ranked:
        problem = found[pk]
        problem.similarity = similarity  # type: ignore[attr-defined]
        result.append(problem)
    return result


def _similar_pg(qs: QuerySet[Problem], title: str, limit: int, by_area: bool) -> list[tuple[int, float]]:
    """(id, similarity) of the best ``limit``: ``similarity()`` over the area, or the ``%`` operator (GIN)."""
    ranked = qs.annotate(similarity=_Similarity(F("title"), Value(title))).order_by("-similarity", "-id")
    if by_area:
        return list(
            ranked.filter(similarity__gte=SIMILARITY_THRESHOLD).values_list("pk", "similarity")[:limit]
        )
    with transaction.atomic(using=qs.db), connections[qs.db].cursor() as cursor:
        # SET LOCAL: the threshold of the ``%`` operator, for this transaction only.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)]
        )
        return list(
            ranked.filter(_SimilarTo(F("title"), Value(title))).values_list("pk", "similarity")[:limit]
        )


def _fts_query(title: str) -> str:
    """The title's trigrams OR-ed, each a phrase (the FTS5 trigram tokenizer ignores shorter words)."""
    grams = sorted({g for word in _WORD.findall(title.lower()) for g in _grams(word)})
    return " OR ".join(_phrase(g) for g in grams)


def _grams(word: str) -> Iterable[str]:
    return (word[i : i + 3] for i in range(len(word) - 2))


def _fts_candidates(qs: QuerySet[Problem], title: str) -> list[int]:
    """The ``RERANK_CANDIDATES`` problems of ``qs`` that FTS5 ranks best (bm25) for the title's trigrams."""
    match = _fts_query(title)
    if not match:
        return []
    scoped, params = qs.values("pk").query.sql_with_params()
    sql = (
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
        f"AND rowid IN ({scoped}) ORDER BY bm25({FTS_TABLE}) LIMIT %s"
    )
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [match, *params, RERANK_CANDIDATES])
        return [row[0] for row in cursor.fetchall()]


def _best(title: str, rows: Iterable[tuple[int, str]], limit: int) -> list[tuple[int, float]]:
    """(id, similarity) of the ``limit`` titles most like ``title`` (ties: the newest first)."""
    grams = trigrams(title)
    scored = []
    for pk, other in rows:
        theirs = trigrams(other)
        union = len(grams | theirs)
        similarity = len(grams & theirs) / union if union else 0.0
        if similarity >= SIMILARITY_THRESHOLD:
            scored.append((pk, similarity))
    scored.sort(key=lambda row: (-row[1], -row[0]))
    return scored[:limit]
