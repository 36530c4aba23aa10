"""A region's briefing summarised, however many targets and groups it covers: a table by the areas one level
below the region and one by work group, each from one grouped query per kind of record."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from sijin.campaigns.models import WorkGroup
from sijin.directory.models import Region, RegionLevel
from sijin.problems.models import SOLVED_STATUSES

from .base import WriterBase
from .overdue import late_problems
from .phrases import cn_date, percent, whole_of

# A region's briefing summarises (unless the office asks for the targets one by one): by the areas one level
# below the region (the cities of a province, the counties of a city) and by group, each a table.
AREA_COLUMNS = ("地区", "工作组(个)", "帮扶对象(个)", "走访(次)", "发现问题(个)", "已办结(个)", "办结率")
# Eight columns: short headers and the counts' without a unit, so that they wrap as 帮扶/对象 and leave the group's
# name room for two lines (word.tight_widths); 走访次数 says its own.
GROUP_COLUMNS = ("序号", "工作组", "驻地", "帮扶对象", "走访次数", "发现问题", "已办结", "超期问题")
# A region's table of groups lists every group up to GROUPS_IN_FULL of them. Beyond (a province has
# thousands: a hundred pages of rows), the table by area above it covers them all and this one names only the
# GROUPS_NAMED with most overdue problems (the 督办's measure: a count of problems past their deadline says who
# is behind, where a 办结率 does not — one problem of one makes 0% or 100%, and problems not due yet lower
# it), the lower 办结率 first among equals. A county's briefing has no table by area: its groups are all
# listed, however many.
GROUPS_IN_FULL = 20
GROUPS_NAMED = 10
AREA_NAMES = {RegionLevel.PREFECTURE: "各市", RegionLevel.COUNTY: "各县(市、区)"}


def standout_groups(
    groups: list[WorkGroup], late: Mapping[int, int], problems: Mapping[int, Mapping[str, Any]]
) -> list[WorkGroup]:
    """The groups with overdue problems (``late``: how many, by group id), the most first; among equals the
    lower 办结率 of the period's problems (``problems``: total and solved by group id) first, a group that found
    none last; then in the order of the full table (by place and name)."""

    def rank(g: WorkGroup) -> tuple[int, Fraction, str, str, int]:
        found = problems.get(g.pk, {})
        total = found.get("total", 0)
        rate = Fraction(found.get("solved", 0), total) if total else Fraction(2)
        return (-late.get(g.pk, 0), rate, g.region_id, g.name, g.pk)

    return sorted((g for g in groups if late.get(g.pk)), key=rank)


class RegionSections(WriterBase):
    def by_area(self) -> None:
        """各县(市、区)工作情况: per area one row of groups, targets, visits, problems and their 办结率."""
        length = self.area_length()
        if length is None:
            return

        def area(field: str) -> Substr:
            return Substr(field, 1, length)

        groups: dict[str, int] = defaultdict(int)
        for g in self.groups:
            groups[g.region_id[:length]] += 1
        targets = dict(
            self.targets.order_by()
            .annotate(area=area("region_id"))
            .values("area")
            .annotate(n=Count("id"))
            .values_list("area", "n")
        )
        problems = {
            row["area"]: row
            for row in self.counted_problems()
            .annotate(area=area("region_id"))
            .values("area")
            .annotate(total=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES)))
        }
        visits = dict(
            self.counted_visits()
            .annotate(area=area("group__region_id"))
            .values("area")
            .annotate(n=Sum("occasions"))
            .values_list("area", "n")
        )
        codes = sorted(set(groups) | set(targets) | set(problems) | set(visits))
        if not codes:
            return
        names = dict(
            Region.objects.filter(code__in=[c.ljust(12, "0") for c in codes]).values_list("code", "name")
        )
        region = self.scope_region
        assert region is not None
        self.heading(f"{AREA_NAMES.get(RegionLevel(region.level + 1), '各地')}工作情况")
        rows = [list(AREA_COLUMNS)]
        for code in codes:
            found: Mapping[str, Any] = problems.get(code, {})
            total, solved = found.get("total", 0), found.get("solved", 0)
            rows.append(
                [
                    names.get(code.ljust(12, "0"), code),
                    str(groups.get(code, 0)),
                    str(targets.get(code, 0)),
                    str(visits.get(code) or 0),
                    str(total),
                    str(solved),
                    percent(solved, total),
                ]
            )
        self.table(rows)

    def by_group(self) -> None:
        """各工作组工作情况: per group one row; four grouped queries for all the groups. Beyond ``groups_in_full``
        groups (and below a table by area), only the ``GROUPS_NAMED`` with most overdue problems, after a
        sentence that counts them all: the same four queries, the last two for the groups named only."""
        if not self.groups:
            return
        as_of = min(self.end, timezone.localdate())
        late = dict(
            late_problems(self.scope_problems, as_of)
            .order_by()
            .values("group_id")
            .annotate(n=Count("id"))
            .values_list("group_id", "n")
        )
        problems = {
            row["group_id"]: row
            for row in self.counted_problems()
            .values("group_id")
            .annotate(total=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES)))
        }
        targets, visits = self.targets.order_by(), self.counted_visits()
        shown = sorted(self.groups, key=lambda g: (g.region_id, g.name, g.pk))
        summarised = len(self.groups) > self.groups_in_full and self.area_length() is not None
        if summarised:
            shown = standout_groups(self.groups, late, problems)[:GROUPS_NAMED]
            ids = [g.pk for g in shown]
            targets, visits = targets.filter(group_id__in=ids), visits.filter(group_id__in=ids)
        target_counts = dict(targets.values("group_id").annotate(n=Count("id")).values_list("group_id", "n"))
        visit_counts = dict(
            visits.values("group_id").annotate(n=Sum("occasions")).values_list("group_id", "n")
        )
        self.heading("各工作组工作情况")
        if summarised:
            self.para(self.standouts_said(as_of, sum(1 for n in late.values() if n), len(shown)))
            if not shown:
                return
        rows = [list(GROUP_COLUMNS)]
        for i, g in enumerate(shown, 1):
            found: Mapping[str, Any] = problems.get(g.pk, {})
            rows.append(
                [
                    str(i),
                    g.name,
                    g.region.name,
                    str(target_counts.get(g.pk, 0)),
                    str(visit_counts.get(g.pk) or 0),
                    str(found.get("total", 0)),
                    str(found.get("solved", 0)),
                    str(late.get(g.pk, 0)),
                ]
            )
        self.table(rows)

    def standouts_said(self, as_of: date, lagging: int, named: int) -> str:
        """全省共有N个工作组,各市汇总情况见上表。截至…,有M个工作组存在超期未办结问题,超期问题最多的10个工作组如下:"""
        region = self.scope_region
        assert region is not None
        areas = AREA_NAMES.get(RegionLevel(region.level + 1), "各地")
        text = f"{whole_of(region.name)}共有{len(self.groups)}个工作组,{areas}汇总情况见上表。截至{cn_date(as_of)},"
        if not lagging:
            return text + "各工作组均无超期未办结问题"
        text += f"有{lagging}个工作组存在超期未办结问题,"
        return text + (f"超期问题最多的{named}个工作组如下:" if lagging > named else "如下:")
