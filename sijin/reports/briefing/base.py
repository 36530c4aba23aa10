"""What every part of a briefing's writer shares: the scope's records as querysets (read through the actor's
scope), and the lines of the body as they are written (``heading``, ``para``, ``table``).

The writer (``writer._Writer``) is this base with the region's summary (``regional``) and the sections told
target by target (``targets``) mixed in.
"""

from datetime import date

from django.db.models import Q, QuerySet, Subquery
from django.utils.html import escape

from sijin.accounts.access import Viewer
from sijin.campaigns.models import Target, WorkGroup
from sijin.directory.models import PREFIX_LENGTH, Organization, Region, RegionLevel
from sijin.fieldwork.models import Measure, Outcome, Visit, visit_total
from sijin.problems.models import VOID_STATUSES, Problem

from .phrases import cn_period, sentence


class WriterBase:
    def __init__(
        self,
        actor: Viewer,
        groups: list[WorkGroup],
        start: date,
        end: date,
        *,
        group: WorkGroup | None,
        organization: Organization | None,
        region: Region | None,
        list_targets: bool = True,
        groups_in_full: int,
    ) -> None:
        self.groups, self.start, self.end = groups, start, end
        self.list_targets, self.groups_in_full = list_targets, groups_in_full
        self.scope_group, self.scope_org, self.scope_region = group, organization, region
        ids = [g.id for g in groups]
        # All the scope's problems (the 通报 names old ones still open) and those reported in the period.
        self.scope_problems = Problem.objects.visible_to(actor).filter(group_id__in=ids)
        self.problems = self.scope_problems.filter(reported_on__range=(start, end))
        self.visits = (
            Visit.objects.visible_to(actor)
            .filter(group_id__in=ids)
            .filter(Q(date__range=(start, end)) | Q(date__lte=end, end_date__gte=start))
            .prefetch_related("targets", "accompanying_leaders__organization")
            .order_by("date", "id")
        )
        self.targets = (
            Target.objects.visible_to(actor)
            .filter(group_id__in=ids)
            .select_related("kind", "campaign")
            .order_by("kind__order", "id")
        )
        self.measures = (
            Measure.objects.visible_to(actor)
            .filter(group_id__in=ids, date__range=(start, end))
            .order_by("date", "id")
        )
        self.lines: list[str] = []
        self.headings: dict[int, str] = {}
        self._outcomes: list[Outcome] | None = None

    def title(self) -> str:
        if self.scope_group is not None:
            name = self.scope_group.name
        elif self.scope_org is not None:
            name = f"{self.scope_org.name}驻点帮扶"
        else:
            name = f"{self.scope_region.name}驻点帮扶" if self.scope_region else "驻点帮扶"
        return f"{name}工作简报({cn_period(self.start, self.end)})"

    def heading(self, text: str) -> None:
        """A section: numbered 一、二、 when shown or laid out."""
        self.lines.append(f"<h2>{escape(text)}</h2>")

    def subheading(self, text: str) -> None:
        """A subsection (one target): numbered (一)(二) within its section."""
        self.lines.append(f"<h3>{escape(text)}</h3>")

    def para(self, text: str) -> None:
        if text.strip():
            self.lines.append(f"<p>{escape(sentence(text))}</p>")

    def table(self, rows: list[list[str]]) -> None:
        """A table whose first row is its header (plain cells, as the editor keeps them)."""
        cells = (("".join(f"<td>{escape(c)}</td>" for c in row)) for row in rows)
        self.lines.append("<table><tbody>" + "".join(f"<tr>{r}</tr>" for r in cells) + "</tbody></table>")

    def area_length(self) -> int | None:
        """The code length of the areas one level below the briefing's region, down to counties; None when the
        region is a county or below (its groups are the summary)."""
        region = self.scope_region
        if region is None or region.level >= RegionLevel.COUNTY:
            return None
        return PREFIX_LENGTH[RegionLevel(region.level + 1)]

    def counted_problems(self) -> QuerySet[Problem]:
        """The period's problems as the rates count them (merged and cancelled ones left out)."""
        return self.problems.exclude(status__in=VOID_STATUSES).order_by()

    def counted_visits(self) -> QuerySet[Visit]:
        """The period's visits each counted once (``visit_count``'s rule: a time of an entry in the period adds
        nothing), for sums by group or area."""
        visits = self.visits.order_by().prefetch_related(None)
        return visits.exclude(part_of__in=Subquery(visits.values("pk")))

    @staticmethod
    def visit_count(visits: list[Visit]) -> str:
        return visit_total(visits)

    def outcome_rows(self) -> list[Outcome]:
        if self._outcomes is None:
            self._outcomes = list(
                Outcome.objects.filter(
                    target__in=self.targets.values("id"), date__range=(self.start, self.end)
                )
                .select_related("indicator")
                .order_by("indicator__order", "id")
            )
        return self._outcomes
