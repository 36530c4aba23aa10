"""工作简报 written by the system from the data, in the shape of the reports offices send upward.

``briefing_text()`` gathers the facts of one scope (a group, a dispatching unit or a region subtree) and a
period, through the actor's scope (sijin.accounts.access), and returns a title and an editable body: HTML of
the kind ``body.clean_body`` keeps (sections ``<h2>``, one ``<h3>`` per target, paragraphs, a table of the four
rates and one of the overdue problems — a region's by handling unit, then its most overdue few; a region's
tables by area and by group, the latter naming only its groups with most overdue problems when they are many).
The section numbers are added when it is shown or laid out.

Every sentence is built from recorded fields (names, plans and steps, coordinated units, outcomes as typed,
feedback quotes); nothing is invented, and vague figures keep their qualifier (10余次, 200余亩); a region's
sums are its own and exact (累计走访2127次, with how many of its entries were vague). What the data
does not hold is not said: the 组长, the group's documents, 包保 cadres, measures, first secretaries and reported
figures (定期报送, set beside what is itemised) appear only once recorded, a dispatching unit not stated is left
out, and an unnamed target is worded as 一家企业 / 某村 (headed 某企业, 某企业甲 …). A visit of several targets is
counted once, in the overview; under a target only its own repeated visits and leaders' visits are told.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.html import escape

from sijin.accounts.access import Viewer, region_within_q
from sijin.campaigns.models import GroupTier, TargetKind, WorkGroup
from sijin.campaigns.naming import target_phrase
from sijin.core.quantities import format_quantity
from sijin.directory.models import Organization, Region
from sijin.fieldwork.models import Feedback, Outcome, Visit
from sijin.fieldwork.services import measure_totals
from sijin.fieldwork.totals import outcomes_total_text
from sijin.problems.rates import compute_rates

from ..models import MethodStatus, WorkMethod
from .facts import (
    cadre_phrase,
    cadre_phrase_of,
    first_secretaries,
    group_documents,
    group_leaders,
    office_figures,
    reported_as_of,
    reported_figures,
)
from .overdue import (
    LateProblem,
    deadline_shown,
    overdue_by_unit,
    overdue_days,
    overdue_problems,
)
from .phrases import (
    cn_date,
    cn_day,
    cn_period,
    documents_phrase,
    measure_phrase,
    period_length,
    person_phrase,
    posting_phrase,
    quote,
    sentence,
    unit_name,
    whole_of,
)
from .regional import GROUPS_IN_FULL, RegionSections
from .targets import TargetSections

# Measure words for counting targets of a kind; anything else is counted with 个.
MEASURE_WORDS = {"企业": "家"}
RATE_COLUMNS = ("发现问题(个)", "已办结(个)", "响应率", "办结率", "按期办结率", "满意率")
OVERDUE_COLUMNS = ("序号", "帮扶对象", "问题", "承办单位", "办结期限", "超期")
# A region's 通报 counts its overdue problems by handling unit (the first UNITS_SHOWN units a row each, the rest
# in one) and names only the LATE_SHOWN most overdue: its length does not grow with the problems.
LATE_UNIT_COLUMNS = ("序号", "承办单位", "超期问题(个)", "最长超期")
UNITS_SHOWN = 20
LATE_SHOWN = 10
# How the overview counts the targets whose kind is not decided yet (the 待定 kind).
UNDECIDED_COUNTED = "其他对象"
# Up to this many groups are told one by one in the overview; more are counted by campaign and tier, naming
# the first SHOWN units, places and approaches and then 等.
FEW_GROUPS = 5
SHOWN = 3
# Reported figures that stand in for the overview's itemised ones (tallies.sources codes).
VISITS_SOURCE, FOUND_SOURCE = "visits", "problems_found"


def first_few(names: list[str], measure: str) -> str:
    """甲、乙、丙; 甲、乙、丙等5个单位 beyond three."""
    if len(names) <= SHOWN:
        return "、".join(names)
    return "、".join(names[:SHOWN]) + f"等{len(names)}{measure}"


def by_day(days) -> list[tuple[date, int]]:
    """How many of ``days`` fall on each day, in order of the day."""
    counts: dict[date, int] = defaultdict(int)
    for day in days:
        counts[day] += 1
    return sorted(counts.items())


def moves_said(days: list[tuple[date, int]], year: int, each: str, spread: str) -> list[str]:
    """3个于6月10日起进驻 for each day (``each`` with the day) up to SHOWN days; beyond, one phrase for them all
    (2586个于3月2日至3月20日陆续进驻), that a province's overview does not name every day a group arrived."""
    if len(days) <= SHOWN:
        return [f"{n}个{each.format(cn_day(day, year))}" for day, n in days]
    first, last = cn_day(days[0][0], year), cn_day(days[-1][0], year)
    return [f"{sum(n for _, n in days)}个于{first}至{last}{spread}"]


@dataclass(frozen=True)
class BriefingText:
    title: str
    body: str


def scoped_groups(
    actor: Viewer,
    *,
    group: WorkGroup | None = None,
    organization: Organization | None = None,
    region: Region | None = None,
    period: tuple[date, date] | None = None,
) -> QuerySet[WorkGroup]:
    """The groups a briefing covers, always within the actor's scope. With a ``period``, a unit's or a region's
    briefing keeps only the groups whose stay ([start, end]) overlaps it, of whatever campaign (the briefing form
    picks no campaign); a group's own briefing is of that group whatever the period."""
    groups = WorkGroup.objects.visible_to(actor).select_related("dispatching_org", "region", "campaign")
    if group is not None:
        return groups.filter(pk=group.pk)
    if organization is not None:
        groups = groups.filter(dispatching_org=organization)
    elif region is not None:
        groups = groups.filter(region_within_q("region", region.prefix))
    else:
        return groups.none()
    if period is not None:
        start, end = period
        groups = groups.filter(start__lte=end).filter(Q(end=None) | Q(end__gte=start))
    return groups


# Official documents are written in Chinese whatever language the page is shown in.
@translation.override("zh-hans")
def briefing_text(
    actor: Viewer,
    *,
    period_start: date,
    period_end: date,
    group: WorkGroup | None = None,
    organization: Organization | None = None,
    region: Region | None = None,
    list_targets: bool | None = None,
    groups_in_full: int = GROUPS_IN_FULL,
) -> BriefingText:
    """The draft of a briefing. ``list_targets``: tell each target with news in a section of its own — the
    default for a group's and a unit's briefing; a region's (``list_targets`` not given) summarises instead, by
    area and by group, so that its length and its queries do not grow with the number of targets.
    ``groups_in_full``: a region's table of groups lists them all up to this many, then only the few that
    stand out (``GROUPS_NAMED``)."""
    groups = list(
        scoped_groups(
            actor, group=group, organization=organization, region=region, period=(period_start, period_end)
        )
    )
    return _Writer(
        actor,
        groups,
        period_start,
        period_end,
        group=group,
        organization=organization,
        region=region,
        list_targets=region is None if list_targets is None else list_targets,
        groups_in_full=groups_in_full,
    ).write()


class _Writer(RegionSections, TargetSections):
    """The briefing's writer: the overview, 工作措施, a region's summary (``RegionSections``) or the targets one by
    one (``TargetSections``), then 各方评价, the rates, the 通报 and the 工作法."""

    # ---- the whole text -------------------------------------------------------------------------------------
    def write(self) -> BriefingText:
        if not self.groups:
            return BriefingText(self.title(), "<p>范围内没有可查看的工作组。</p>")
        self.overview()
        self.work()
        if not self.list_targets:
            self.by_area()
            self.by_group()
        else:
            self.target_sections()
        self.feedback()
        self.rates()
        self.overdue()
        self.methods()
        return BriefingText(self.title(), "\n".join(self.lines))

    # ---- overview -------------------------------------------------------------------------------------------
    def overview(self) -> None:
        reported = reported_figures(self.groups, self.start, self.end)
        sources = {t.field.source for t in reported}
        parts = [f"{cn_period(self.start, self.end)}"]
        if len(self.groups) > FEW_GROUPS:
            parts.extend(self.groups_summary())
        else:
            parts.extend(self.groups_one_by_one())
        duration = self.duration()
        if duration:
            parts.append(f",在{duration}时间里")
        if reported:
            as_of = reported_as_of(self.groups, self.start, self.end)
            # Placed before 据定期报送 so that the figures follow it as they are reported.
            if as_of is not None:
                parts.append(f",截至{cn_day(as_of, self.start.year)}")
            parts.append(",据定期报送," + "、".join(t.phrase for t in reported))
        parts.extend(self.office_reported(after_groups=bool(reported)))
        if VISITS_SOURCE not in sources:
            summed = self.scope_region is not None or not self.list_targets
            parts.extend(self.visits_counted() if summed else self.visits_told())
        parts.extend(self.targets_told() if self.list_targets else self.targets_counted())
        rates = compute_rates(self.problems)
        if rates.total:
            if not rates.solved and not self.any_due():
                # Nothing solved and nothing due yet: a 0% rate would misread the period.
                found = "" if FOUND_SOURCE in sources else f"发现问题{rates.total}个,"
                parts.append(f";{found}正在推进解决")
            elif FOUND_SOURCE in sources:  # the reported count was given above: here what is itemised
                parts.append(f";有记录的问题中已办结{rates.solved}个,办结率{rates.solve_rate}%")
            else:
                parts.append(f";发现问题{rates.total}个,已办结{rates.solved}个,办结率{rates.solve_rate}%")
            if rates.response_rate is not None:
                parts.append(f",响应率{rates.response_rate}%")
            if rates.satisfaction_rate is not None:
                parts.append(f",满意率{rates.satisfaction_rate}%")
        outcomes = self.outcome_totals()
        if outcomes:
            parts.append(";取得成效:" + "、".join(outcomes))
        selected = self.selected_methods()
        if selected:
            names = "、".join(quote(m.title) for m in selected)
            parts.append(
                f"。总结的{names}工作法入选了{selected[0].selected_as or selected[0].get_selected_level_display()}"
            )
        text = "".join(parts)
        description = self.campaign_description()
        if description and description not in text:
            text = sentence(text) + description
        self.para(text)

    def visits_told(self) -> list[str]:
        """累计走访N次(集体出动N次、…), from the visits themselves (they are told under their targets too)."""
        visits = list(self.visits)
        if not visits:
            return []
        modes = defaultdict(list)
        for v in visits:
            modes[v.get_mode_display()].append(v)
        return [
            f",累计走访{self.visit_count(visits)}",
            "(" + "、".join(f"{mode}{self.visit_count(vs)}" for mode, vs in modes.items()) + ")",
        ]

    def visits_counted(self) -> list[str]:
        """A region's 累计走访N次(集体出动N次、…) by one grouped query, however many visits. The sum is ours, so it
        is written exact (never 2127余次): entries recorded as vague (10余次) count as their number, and how many
        they are is said."""
        rows = list(
            self.counted_visits()
            .values("mode")
            .annotate(n=Sum("occasions"), vague=Count("id", filter=~Q(occasions_qualifier="")))
            .order_by("mode")
        )
        if not rows:
            return []
        labels = dict(Visit._meta.get_field("mode").flatchoices)
        modes = "、".join(f"{labels.get(r['mode'], r['mode'])}{format_quantity(r['n'], '次')}" for r in rows)
        vague = sum(r["vague"] for r in rows)
        if vague:
            modes += f";其中{vague}条记录为约数,按所记次数计"
        return [f",累计走访{format_quantity(sum(r['n'] for r in rows), '次')}", f"({modes})"]

    def targets_told(self) -> list[str]:
        targets = list(self.targets)
        if not targets:
            return []
        counts: dict[str, int] = {}
        for t in targets:
            name = UNDECIDED_COUNTED if t.kind.undecided else t.kind.name
            counts[name] = counts.get(name, 0) + 1
        covered = "、".join(f"{name}{n}{MEASURE_WORDS.get(name, '个')}" for name, n in counts.items())
        parts = [f",覆盖{covered},共{len(targets)}个帮扶对象"]
        cadres = cadre_phrase(targets, self.end)
        if cadres:
            parts.append(f",{cadres}")
        return parts

    def targets_counted(self) -> list[str]:
        """覆盖企业N家、…,共N个帮扶对象 by one grouped query, and the 包保 cadres by their own count."""
        rows = list(
            self.targets.order_by()
            .values("kind_id", "kind__name", "kind__undecided", "kind__order")
            .annotate(n=Count("id"))
            .order_by("kind__order", "kind_id")
        )
        if not rows:
            return []
        counts: dict[str, int] = {}
        for row in rows:
            name = UNDECIDED_COUNTED if row["kind__undecided"] else row["kind__name"]
            counts[name] = counts.get(name, 0) + row["n"]
        covered = "、".join(f"{name}{n}{MEASURE_WORDS.get(name, '个')}" for name, n in counts.items())
        parts = [f",覆盖{covered},共{sum(counts.values())}个帮扶对象"]
        kind = TargetKind.objects.get(pk=rows[0]["kind_id"]) if len(rows) == 1 else None
        cadres = cadre_phrase_of(self.targets, kind, self.end)
        if cadres:
            parts.append(f",{cadres}")
        return parts

    # ---- a region's summary: by area and by group, each one grouped query per kind of record -----------------

    def groups_one_by_one(self) -> list[str]:
        """A few groups: each with its unit, tier, place, 组长, approach and documents, and when it arrived or
        left within the period."""
        parts = []
        leaders = group_leaders(self.groups)
        documents_of = group_documents(self.groups, self.start, self.end)
        for g in self.groups:
            campaign = g.campaign
            deployment = f"{campaign.deployment}," if campaign.deployment else ""
            unit = unit_name(g.dispatching_org)
            sent = f"{unit}{deployment}派出" if unit else deployment
            parts.append(f",{sent}{g.get_tier_display()}工作组入驻{g.region.name}")
            if self.arrived_within(g):
                parts.append(f"({cn_day(g.start, self.start.year)}起进驻)")
            leader = leaders.get(g.pk)
            if leader is not None:
                parts.append(f",由{person_phrase(leader, within=g.dispatching_org)}任组长")
            parts.append(f",开展{campaign.name}")
            if self.left_within(g):
                assert g.end is not None
                parts.append(f",已于{cn_day(g.end, self.start.year)}结束驻点")
            if g.approach:
                parts.append(f"。工作组确定了{quote(g.approach)}的思路")
            documents = documents_phrase(documents_of.get(g.pk, []))
            if documents:
                parts.append(f",{documents}" if g.approach else f"。工作组{documents}")
        return parts

    def office_reported(self, *, after_groups: bool) -> list[str]:
        """What the office reported for a campaign whose region the briefing's region holds (全省选派干部13730名
        (其中省派1000名)): set after the groups' reported figures, never summed with them; a group's or a unit's
        briefing does not speak for the whole campaign."""
        region = self.scope_region
        if region is None or self.scope_group is not None or self.scope_org is not None:
            return []
        campaigns = {g.campaign_id: g.campaign for g in self.groups}
        held = [c for c in campaigns.values() if c.region_id and c.region_id.startswith(region.prefix)]
        parts: list[str] = []
        for campaign in held:
            figures = office_figures([campaign], self.start, self.end)
            if not figures:
                continue
            lead = ";" if after_groups or parts else ","
            as_of = reported_as_of(
                [g for g in self.groups if g.campaign_id == campaign.pk], self.start, self.end, office=True
            )
            if as_of is not None:
                parts.append(f"{lead}截至{cn_day(as_of, self.start.year)}")
                lead = ","
            source = "据活动办报送" if after_groups else "据定期报送"
            parts.append(
                f"{lead}{source},{whole_of(campaign.region.name)}"
                + "、".join(t.office_phrase for t in figures)
            )
        return parts

    def groups_summary(self) -> list[str]:
        """Many groups: counted by campaign and tier (X、Y等N个单位派出N个工作组), a few of their approaches, and
        how many arrived or left within the period, by day."""
        parts = []
        by_campaign: dict[int, list[WorkGroup]] = defaultdict(list)
        for g in self.groups:
            by_campaign[g.campaign_id].append(g)
        for members in by_campaign.values():
            campaign = members[0].campaign
            deployment = f"{campaign.deployment}," if campaign.deployment else ""
            units = list(dict.fromkeys(u for u in (unit_name(g.dispatching_org) for g in members) if u))
            regions = list(dict.fromkeys(g.region.name for g in members))
            tiers: dict[str, int] = {}
            order = list(GroupTier.values)  # 省派 before 市派 before 县派
            for g in sorted(members, key=lambda g: order.index(g.tier) if g.tier in order else len(order)):
                tiers[g.get_tier_display()] = tiers.get(g.get_tier_display(), 0) + 1
            tier_text = (
                next(iter(tiers))
                if len(tiers) == 1
                else "其中" + "、".join(f"{tier}{n}个" for tier, n in tiers.items())
            )
            sent = f"{deployment}{first_few(units, '个单位')}派出" if units else deployment
            parts.append(
                f",{sent}{len(members)}个工作组({tier_text})入驻{first_few(regions, '地')},开展{campaign.name}"
            )
            year = self.start.year
            moves = moves_said(
                by_day(g.start for g in members if self.arrived_within(g)), year, "于{}起进驻", "陆续进驻"
            ) + moves_said(
                by_day(g.end for g in members if g.end is not None and self.left_within(g)),
                year,
                "已于{}结束驻点",
                "陆续结束驻点",
            )
            if moves:
                parts.append(",其中" + "、".join(moves))
            approaches = list(dict.fromkeys(g.approach.strip() for g in members if g.approach.strip()))
            if len(approaches) == 1:
                parts.append(f"。各工作组确定了{quote(approaches[0])}的思路")
            elif approaches:
                shown = "、".join(quote(a) for a in approaches[:SHOWN])
                more = "等" if len(approaches) > SHOWN else ""
                parts.append(f"。各工作组分别确定了{shown}{more}思路")
        return parts

    def arrived_within(self, g: WorkGroup) -> bool:
        """The group arrived after the period began (a group there from its first day says nothing new)."""
        return self.start < g.start <= self.end

    def left_within(self, g: WorkGroup) -> bool:
        """The group's stay ended before the period did."""
        return g.end is not None and self.start <= g.end < self.end

    def any_due(self) -> bool:
        """Whether any problem of the period had a deadline by its end (or by today, for a period not over)."""
        as_of = min(self.end, timezone.localdate())
        return self.problems.filter(deadline__lte=as_of).exists()

    def campaign_description(self) -> str:
        """The campaign's description, told once when the office's briefing covers the whole campaign: a region's
        briefing whose groups are all of one campaign organised within that region."""
        if self.scope_region is None:
            return ""
        campaigns = {g.campaign_id: g.campaign for g in self.groups}
        if len(campaigns) != 1:
            return ""
        campaign = next(iter(campaigns.values()))
        if not campaign.description.strip():
            return ""
        if not campaign.region.code.startswith(self.scope_region.prefix):
            return ""
        return sentence(campaign.description.strip())

    def work(self) -> None:
        """工作措施: the measures taken in the period, by type, with the notes of those taken on no target, and
        (for one group) its first secretaries."""
        who = "工作组" if len(self.groups) == 1 else "各工作组"
        parts = []
        totals = measure_totals(self.measures)
        if totals:
            notes: dict[int, list[str]] = defaultdict(list)
            for type_id, note in (
                self.measures.filter(target=None).exclude(note="").values_list("type_id", "note")
            ):
                if note.strip():
                    notes[type_id].append(re.sub("[。;;]+$", "", note.strip()))
            if notes:  # a measure told with its note: the types are then parted by ;
                parts.append(
                    who
                    + ";".join(
                        measure_phrase(t) + (f":{','.join(notes[t.type_id])}" if notes[t.type_id] else "")
                        for t in totals
                    )
                )
            else:
                parts.append(who + "、".join(measure_phrase(t) for t in totals))
        if self.scope_group is not None:
            phrases = [posting_phrase(p) for p in first_secretaries(self.scope_group, self.start, self.end)]
            if phrases:
                parts.append("、".join(phrases))
        self.para(";".join(parts))

    def duration(self) -> str:
        # The days any of the groups was there: from the first arrival to the last departure.
        first = max(self.start, min(g.start for g in self.groups))
        last = min(self.end, max(g.end or self.end for g in self.groups))
        return period_length(first, last)

    # ---- what is told under the targets, fetched once per kind of record (not once per target) --------------

    def outcome_totals(self) -> list[str]:
        by_indicator: dict[int, list[Outcome]] = defaultdict(list)
        for o in self.outcome_rows():
            by_indicator[o.indicator_id].append(o)
        return [f"{rows[0].indicator.name}{outcomes_total_text(rows)}" for rows in by_indicator.values()]

    # ---- one target -----------------------------------------------------------------------------------------

    # ---- feedback, 通报, 工作法 -------------------------------------------------------------------------------
    def feedback(self) -> None:
        rows = list(
            Feedback.objects.filter(
                group__in=self.groups,
                date__range=(self.start, self.end),
                target__in=self.targets.values("id"),
            )
            .select_related("target__kind")
            .order_by("date", "id")
        )
        if not rows:
            return
        self.heading("各方评价")
        for f in rows:
            to = f"对{f.addressee}" if f.addressee else ""
            self.lines.append(
                f"<p>{escape(f'{target_phrase(f.target)}{f.speaker_role}{f.speaker_name}{to}说:{quote(f.quote.strip())}')}</p>"
            )

    def overdue(self) -> None:
        """通报: every open problem of the scope past its deadline, whenever it was reported; a region's counted
        by handling unit, naming only the most overdue few (``overdue_summary``).

        Counted as of the period's end, or today for a period not over yet; days overdue are working days,
        as in the 督办通知单.
        """
        as_of = min(self.end, timezone.localdate())
        self.heading("超期问题通报")
        if self.scope_region is not None:
            self.overdue_summary(as_of)
            return
        late = overdue_problems(self.scope_problems, as_of)
        if not late:
            self.para(f"截至{cn_date(as_of)},无超期未办结问题")
            return
        self.para(f"截至{cn_date(as_of)},以下{len(late)}个问题超过办结期限仍未办结,予以通报:")
        self.overdue_table(late, overdue_days([p.deadline for p in late], as_of), as_of)

    def overdue_summary(self, as_of: date) -> None:
        """A region's 通报: how many are overdue, a row per handling unit (the most overdue first), then the
        ``LATE_SHOWN`` most overdue problems: three queries however many there are."""
        units = overdue_by_unit(self.scope_problems, as_of)
        if not units:
            self.para(f"截至{cn_date(as_of)},无超期未办结问题")
            return
        total = sum(u.count for u in units)
        late = overdue_problems(self.scope_problems, as_of, limit=LATE_SHOWN)
        days = overdue_days([u.oldest for u in units] + [p.deadline for p in late], as_of)
        self.para(f"截至{cn_date(as_of)},共有{total}个问题超过办结期限仍未办结,予以通报。按承办单位统计如下:")
        rows = [list(LATE_UNIT_COLUMNS)]
        shown, rest = units[:UNITS_SHOWN], units[UNITS_SHOWN:]
        for i, u in enumerate(shown, 1):
            rows.append([str(i), u.unit, str(u.count), days[u.oldest]])
        if rest:
            oldest = min(u.oldest for u in rest)
            rows.append(["", f"其他{len(rest)}个单位", str(sum(u.count for u in rest)), days[oldest]])
        self.table(rows)
        if total > len(late):
            self.para(f"其中超期时间最长的{len(late)}个问题如下:")
        else:
            self.para("超期问题如下:")
        self.overdue_table(late, days, as_of)

    def overdue_table(self, late: list[LateProblem], days: dict[date, str], as_of: date) -> None:
        rows = [list(OVERDUE_COLUMNS)]
        for i, p in enumerate(late, 1):
            rows.append(
                [str(i), p.target, p.title, p.unit, deadline_shown(p.deadline, as_of), days[p.deadline]]
            )
        self.table(rows)

    def rates(self) -> None:
        """问题办理情况: the problems reported in the period and the four rates, as a table."""
        rates = compute_rates(self.problems)
        self.heading("问题办理情况")
        if not rates.total:
            self.para(f"{cn_period(self.start, self.end)},未发现新问题")
            return
        self.para(f"{cn_period(self.start, self.end)},共发现问题{rates.total}个,已办结{rates.solved}个")
        values = [f"{v}%" if v is not None else "—" for _, v in rates.as_list()]
        self.table([list(RATE_COLUMNS), [str(rates.total), str(rates.solved), *values]])

    def selected_methods(self) -> list[WorkMethod]:
        return list(
            WorkMethod.objects.filter(group__in=self.groups, status=MethodStatus.SELECTED)
            .select_related("group")
            .order_by("id")
        )

    def methods(self) -> None:
        selected = self.selected_methods()
        if not selected:
            return
        self.heading("工作法入选情况")
        for m in selected:
            text = f"{m.group.name}总结的{quote(m.title)}工作法入选{m.selected_as or m.get_selected_level_display()}"
            if m.summary:
                text += f"。{m.summary}"
            self.para(text)
