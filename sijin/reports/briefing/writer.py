"""工作简报 written by the system from the data, in the shape of the reports offices send upward.

``briefing_text()`` gathers the facts of one scope (a group, a dispatching unit or a region subtree) and a
period, through the actor's scope (sijin.accounts.access), and returns a title and an editable body: HTML of
the kind ``body.clean_body`` keeps (sections ``<h2>``, one ``<h3>`` per target, paragraphs, a table of the four
rates and one of the overdue problems). The section numbers are added when it is shown or laid out.

Every sentence is built from recorded fields (names, plans and steps, coordinated units, outcomes as typed,
feedback quotes); nothing is invented, and vague figures keep their qualifier (10余次, 200余亩).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import cn2an
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import escape

from sijin.accounts.access import Viewer
from sijin.campaigns.attributes import display_attributes
from sijin.campaigns.models import Campaign, Target, WorkGroup
from sijin.core.quantities import format_quantity
from sijin.core.workdays import workdays_between
from sijin.directory.models import Organization, OrganizationKind, Region
from sijin.fieldwork.models import Checklist, Feedback, Outcome, SupportPlan, Visit, visit_total
from sijin.problems.models import SOLVED_STATUSES, Light, Problem
from sijin.problems.rates import compute_rates
from sijin.problems.supervision import light_q

from ..models import MethodStatus, WorkMethod

# Measure words for counting targets of a kind; anything else is counted with 个.
MEASURE_WORDS = {"企业": "家"}
ORDINAL_STEP = re.compile(r"第[一二三四五六七八九十0-9]+步")
RATE_COLUMNS = ("发现问题(个)", "已办结(个)", "响应率", "办结率", "按期办结率", "满意率")
OVERDUE_COLUMNS = ("序号", "帮扶对象", "问题", "承办单位", "办结期限", "超期")


@dataclass(frozen=True)
class BriefingText:
    title: str
    body: str


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_period(start: date, end: date) -> str:
    tail = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    return f"{cn_date(start)}至{tail}"


def duration_text(days: int) -> str:
    """Whole weeks as an office writes them (三周), otherwise days."""
    if days >= 7 and days % 7 == 0:
        return f"{cn2an.an2cn(days // 7)}周"
    return f"{days}天"


def quote(text: str) -> str:
    return f"“{text}”"


def sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。!?!?”::" else f"{text}。"


def scoped_groups(
    actor: Viewer,
    *,
    group: WorkGroup | None = None,
    organization: Organization | None = None,
    region: Region | None = None,
) -> QuerySet[WorkGroup]:
    """The groups a briefing covers, always within the actor's scope."""
    groups = WorkGroup.objects.visible_to(actor).select_related("dispatching_org", "region", "campaign")
    if group is not None:
        return groups.filter(pk=group.pk)
    if organization is not None:
        return groups.filter(dispatching_org=organization)
    if region is not None:
        return groups.filter(region__code__startswith=region.prefix)
    return groups.none()


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
) -> BriefingText:
    groups = list(scoped_groups(actor, group=group, organization=organization, region=region))
    return _Writer(
        actor, groups, period_start, period_end, group=group, organization=organization, region=region
    ).write()


class _Writer:
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
    ) -> None:
        self.groups, self.start, self.end = groups, start, end
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
        self.lines: list[str] = []

    # ---- the whole text -------------------------------------------------------------------------------------
    def write(self) -> BriefingText:
        if not self.groups:
            return BriefingText(self.title(), "<p>范围内没有可查看的工作组。</p>")
        self.overview()
        targets = list(self.targets)
        kinds = []
        for t in targets:
            if t.kind not in kinds:
                kinds.append(t.kind)
        for kind in sorted(kinds, key=lambda k: k.order):
            self.heading(kind.slogan or f"进{kind.name}")
            for target in (t for t in targets if t.kind_id == kind.id):
                self.target_section(target)
        self.feedback()
        self.rates()
        self.overdue()
        self.methods()
        return BriefingText(self.title(), "\n".join(self.lines))

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

    # ---- overview -------------------------------------------------------------------------------------------
    def overview(self) -> None:
        parts = [f"{cn_period(self.start, self.end)}"]
        for g in self.groups:
            campaign = g.campaign
            deployment = f"{campaign.deployment}," if campaign.deployment else ""
            parts.append(
                f",{g.dispatching_org.name}{deployment}派出{g.get_tier_display()}工作组入驻{g.region.name},"
                f"开展{campaign.name}"
            )
            if g.approach:
                parts.append(f"。工作组确定了{quote(g.approach)}的思路")
        parts.append(f",在{self.duration()}时间里")
        visits = list(self.visits)
        if visits:
            parts.append(f",累计走访{self.visit_count(visits)}")
            modes = defaultdict(list)
            for v in visits:
                modes[v.get_mode_display()].append(v)
            parts.append("(" + "、".join(f"{mode}{self.visit_count(vs)}" for mode, vs in modes.items()) + ")")
        targets = list(self.targets)
        if targets:
            counts: dict[str, int] = {}
            for t in targets:
                counts[t.kind.name] = counts.get(t.kind.name, 0) + 1
            covered = "、".join(f"{name}{n}{MEASURE_WORDS.get(name, '个')}" for name, n in counts.items())
            parts.append(f",覆盖{covered},共{len(targets)}个帮扶对象")
        rates = compute_rates(self.problems)
        if rates.total:
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
        self.para("".join(parts))

    def duration(self) -> str:
        first = max([self.start, *(g.start for g in self.groups)])
        last = min([self.end, *(g.end or self.end for g in self.groups)])
        return duration_text(max((last - first).days + 1, 0))

    @staticmethod
    def visit_count(visits: list[Visit]) -> str:
        return visit_total(visits)

    def outcome_rows(self) -> QuerySet[Outcome]:
        return (
            Outcome.objects.filter(target__in=self.targets.values("id"), date__range=(self.start, self.end))
            .select_related("indicator", "target")
            .order_by("indicator__order", "id")
        )

    def outcome_totals(self) -> list[str]:
        by_indicator: dict[int, list[Outcome]] = defaultdict(list)
        for o in self.outcome_rows():
            by_indicator[o.indicator_id].append(o)
        out = []
        for rows in by_indicator.values():
            ind = rows[0].indicator
            if len(rows) == 1:
                out.append(f"{ind.name}{rows[0].display_value}")
            else:
                total = sum((o.value for o in rows), Decimal(0))
                qualifier = next((o.qualifier for o in rows if o.qualifier), "")
                out.append(f"{ind.name}{format_quantity(total, ind.unit, qualifier)}")
        return out

    # ---- one target -----------------------------------------------------------------------------------------
    def target_section(self, target: Target) -> None:
        types = {item["label"]: item["type"] for item in target.kind.schema}
        attrs = display_attributes(target.kind.schema, target.attributes)
        profile = ",".join(
            f"{label}{'为' if types.get(label) == 'text' else ''}{value}" for label, value in attrs
        )
        self.subheading(target.name)
        self.para(profile)
        self.target_visits(target)
        problems = list(
            self.problems.filter(target=target)
            .select_related("handling_org", "handler", "category")
            .prefetch_related("events")
            .order_by("reported_on", "id")
        )
        if problems:
            found = "、".join(quote(p.title) for p in problems)
            self.para(f"工作组在{target.name}发现{found}等{len(problems)}个问题")
        for plan in SupportPlan.objects.filter(target=target).prefetch_related("steps").order_by("id"):
            self.plan(target, plan)
        for p in problems:
            self.problem(p)
        self.target_checklists(target)
        for m in WorkMethod.objects.filter(target=target, group__in=self.groups).order_by("id"):
            self.para(f"工作组帮助制定了{quote(m.title)}工作法" + (f":{m.summary}" if m.summary else ""))
        outcomes = [o for o in self.outcome_rows() if o.target_id == target.id]
        if outcomes:
            self.para(
                f"{target.name}取得成效:"
                + "、".join(
                    f"{o.indicator.name}{o.display_value}" + (f"({o.note})" if o.note else "")
                    for o in outcomes
                )
            )

    def target_visits(self, target: Target) -> None:
        for v in self.visits:
            if target not in v.targets.all():
                continue
            leaders = list(v.accompanying_leaders.all())
            if leaders:
                who = "、".join(
                    f"{p.organization.name if p.organization else ''}{p.name}{p.title}" for p in leaders
                )
                self.para(f"{cn_date(v.date)},{who}到{target.name}{v.get_mode_display()}")
            elif v.occasions > 1 or v.occasions_qualifier:
                self.para(f"工作组先后{v.occasions_display}{v.purpose or v.get_mode_display()}")

    def plan(self, target: Target, plan: SupportPlan) -> None:
        steps = list(plan.steps.all())
        text = f"工作组为{target.name}制定了{quote(plan.name)}帮扶方案"
        if plan.goal:
            text += f",{plan.goal}"
        if steps:
            labels = []
            for s in steps:
                if s.group_label not in labels:
                    labels.append(s.group_label)
            if len(labels) > 1 or (labels[0] and labels[0] != plan.name):
                chunks = [
                    f"{label}:" + "、".join(self.step_text(s) for s in steps if s.group_label == label)
                    for label in labels
                ]
                text += ",即" + ";".join(chunks)
            elif all(ORDINAL_STEP.fullmatch(s.title) for s in steps):
                text += f",分{cn2an.an2cn(len(steps))}步推进"
            else:
                text += f",共{len(steps)}步:" + "、".join(self.step_text(s) for s in steps)
        self.para(text)

    @staticmethod
    def step_text(step) -> str:
        status = {"done": "(已完成)", "doing": "(推进中)"}.get(step.status, "")
        return f"{step.title}{status}"

    def problem(self, p: Problem) -> None:
        with_whom = (
            f",协调{p.coordinated_with}"
            if p.coordinated_with and p.coordinated_with not in (p.resolution or "")
            else ""
        )
        if p.status in SOLVED_STATUSES:
            text = (
                f"{quote(p.title)}问题已解决{with_whom}:{p.resolution}"
                if p.resolution
                else f"{quote(p.title)}问题已解决{with_whom}"
            )
            if p.measures and not all(m.strip() in p.resolution for m in re.split("[;;]", p.measures)):
                text = f"{sentence(text)}办理措施:{p.measures}"
            self.para(text)
            return
        text = f"{quote(p.title)}问题"
        if p.handling_org:
            text += f"交{p.handling_org.name}办理({p.get_level_display()})"
            if p.deadline:
                text += f",办结期限{cn_date(p.deadline)}"
        text += f"{with_whom},目前{p.get_status_display()}"
        progress = [e.comment for e in p.events.all() if e.action == "progress" and e.comment]
        if progress:
            text += ":" + ";".join(c.rstrip("。") for c in progress)
        if p.measures:
            text = f"{sentence(text)}办理措施:{p.measures}"
        self.para(text)

    def target_checklists(self, target: Target) -> None:
        lists = list(
            Checklist.objects.filter(
                target=target, group__in=self.groups, created_on__range=(self.start, self.end)
            ).order_by("id")
        )
        if not lists:
            return
        names = "、".join(quote(c.name) for c in lists)
        text = f"工作组形成{names}{len(lists)}项清单"
        if any(c.supervised for c in lists):
            text += ",及时督促整改"
        self.para(text)

    # ---- feedback, 通报, 工作法 -------------------------------------------------------------------------------
    def feedback(self) -> None:
        rows = list(
            Feedback.objects.filter(
                group__in=self.groups,
                date__range=(self.start, self.end),
                target__in=self.targets.values("id"),
            )
            .select_related("target")
            .order_by("date", "id")
        )
        if not rows:
            return
        self.heading("各方评价")
        for f in rows:
            to = f"对{f.addressee}" if f.addressee else ""
            self.lines.append(
                f"<p>{escape(f'{f.target.name}{f.speaker_role}{f.speaker_name}{to}说:{quote(f.quote.strip())}')}</p>"
            )

    def overdue(self) -> None:
        """通报: every open problem of the scope past its deadline, whenever it was reported.

        Counted as of the period's end, or today for a period not over yet; days overdue are working days,
        as in the 督办通知单.
        """
        as_of = min(self.end, timezone.localdate())
        late = list(
            self.scope_problems.filter(light_q(Light.RED, as_of))
            .select_related("target", "handling_org")
            .order_by("deadline", "id")
        )
        self.heading("超期问题通报")
        if not late:
            self.para(f"截至{cn_date(as_of)},无超期未办结问题")
            return
        # In the table a deadline of the year of the 通报 goes without its year, so that it stays on one line.
        self.para(f"截至{cn_date(as_of)},以下{len(late)}个问题超过办结期限仍未办结,予以通报:")
        rows = [list(OVERDUE_COLUMNS)]
        for i, p in enumerate(late, 1):
            assert p.deadline is not None  # the overdue list only holds problems with a deadline
            org = p.handling_org.name if p.handling_org else "未交办"
            days = workdays_between(p.deadline, as_of)
            deadline = (
                cn_date(p.deadline)
                if p.deadline.year != as_of.year
                else f"{p.deadline.month}月{p.deadline.day}日"
            )
            rows.append([str(i), p.target.name, p.title, org, deadline, f"{days}个工作日"])
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
            WorkMethod.objects.filter(group__in=self.groups, status=MethodStatus.SELECTED).order_by("id")
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


# ---- 版头 and 版记 defaults ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    """Who compiles a briefing (编发单位) and to whom it goes (报 / 送 / 发): suggestions the office edits."""

    issuer: str
    report_to: str
    copy_to: str
    issue_to: str


def _office_over(region: Region, *, above: bool) -> Organization | None:
    """The nearest campaign office (活动办) whose region holds ``region`` (strictly above it if ``above``)."""
    own = len(region.prefix)
    codes = [region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12) if n < own or (n == own and not above)]
    offices = Organization.objects.filter(kind=OrganizationKind.OFFICE, region__code__in=codes)
    return max(offices, key=lambda o: o.region_id, default=None)


def briefing_distribution(
    *, group: WorkGroup | None = None, organization: Organization | None = None, region: Region | None = None
) -> Distribution:
    if group is not None:
        office = _office_over(group.region, above=False)
        return Distribution(
            issuer=group.name,
            report_to=office.name if office else "",
            copy_to=group.dispatching_org.name,
            issue_to="工作组全体成员",
        )
    if organization is not None:
        office = _office_over(organization.region, above=False) if organization.region else None
        return Distribution(
            issuer=organization.name,
            report_to=office.name if office else "",
            copy_to="",
            issue_to="各驻点工作组",
        )
    assert region is not None
    own, upper = _office_over(region, above=False), _office_over(region, above=True)
    return Distribution(
        issuer=own.name if own else f"{region.name}活动办",
        report_to=upper.name if upper and upper != own else "",
        copy_to="",
        issue_to="各驻点工作组、各派出单位",
    )


def series_name(
    *, group: WorkGroup | None = None, organization: Organization | None = None, region: Region | None = None
) -> str:
    """The 版头 of a new series: 〈the campaign〉工作简报 when the scope's groups are all in one campaign."""
    if group is not None:
        campaigns = Campaign.objects.filter(pk=group.campaign_id)
    elif organization is not None:
        campaigns = Campaign.objects.filter(groups__dispatching_org=organization)
    elif region is not None:
        campaigns = Campaign.objects.filter(groups__region__code__startswith=region.prefix)
    else:
        campaigns = Campaign.objects.none()
    names = list(campaigns.values_list("name", flat=True).distinct()[:2])
    return f"{names[0]}工作简报" if len(names) == 1 else "工作简报"
