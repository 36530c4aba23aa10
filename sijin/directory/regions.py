"""A region's subtree as a range of codes: the condition every region-subtree filter is built from.

``accounts.access.region_within_q`` is how the apps above accounts ask for it; the directory app, below
accounts, builds it here itself (``code_range_q``).
"""

from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual, LessThan


class _Likely:
    """A region bound that SQLite is told holds for most rows (``likelihood(…, 0.9)``; elsewhere unchanged).

    SQLite keeps no statistics on ranges, so it takes any range for a handful of rows: for a city's subtree
    (a quarter of the problems) it would read the subtree through the region index and sort it, where reading
    the (reported_on, id) index in order and skipping other regions fills a page after a few hundred rows.
    The hint does not stop a count from using the region index."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection)  # type: ignore[attr-defined]
        return f"likelihood({sql}, 0.9)", params


class _RegionFrom(_Likely, GreaterThanOrEqual):
    pass


class _RegionBefore(_Likely, LessThan):
    pass


def code_range_q(field: str, prefix: str) -> Q:
    """``field >= prefix AND field < prefix with its last digit raised`` (a trailing 9 carries: ``'3719'`` →
    ``'372'``; a prefix of nines only has no upper end) — exactly ``field LIKE 'prefix%'`` for codes of ASCII
    digits. See ``accounts.access.region_within_q``."""
    q = Q(_RegionFrom(F(field), prefix))
    if head := prefix.rstrip("9"):
        q &= Q(_RegionBefore(F(field), head[:-1] + chr(ord(head[-1]) + 1)))
    return q
