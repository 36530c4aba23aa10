"""The sections told target by target (a group's and a unit's briefing): per kind of target, one subsection
per target with news in the period — its profile, visits worth telling, measures, plans, problems, checklists,
工作法 and outcomes — from records fetched once per kind (``gather``), not once per target."""

import re
from collections import defaultdict

import cn2an

from sijin.campaigns.attributes import display_attributes
from sijin.campaigns.models import Target, TargetKind
from sijin.campaigns.naming import target_phrase
from sijin.fieldwork.models import Checklist, Outcome, SupportPlan, Visit
from sijin.fieldwork.services import measure_totals_by_target
from sijin.problems.models import SOLVED_STATUSES, Action, Problem

from ..models import WorkMethod
from .base import WriterBase
from .facts import unnamed_headings
from .phrases import cn_date, measure_phrase, quote, sentence

ORDINAL_STEP = re.compile(r"第[一二三四五六七八九十0-9]+步")
# The section of targets whose kind is not decided yet (the 待定 kind), and how the overview counts them.
UNDECIDED_HEADING = "其他帮扶对象"


class TargetSections(WriterBase):
    def target_sections(self) -> None:
        """One section per kind, one subsection per target with news in the period."""
        self.gather()
        # A target with nothing to tell in the period gets no heading (its profile alone is no news).
        targets = [t for t in self.targets if self.has_news(t)]
        self.headings = unnamed_headings(targets)
        kinds: list[TargetKind] = []
        for t in targets:
            if t.kind not in kinds:
                kinds.append(t.kind)
        # The 待定 kind comes last, under a neutral heading.
        for kind in sorted(kinds, key=lambda k: (k.undecided, k.order)):
            self.heading(UNDECIDED_HEADING if kind.undecided else kind.slogan or f"进{kind.name}")
            for target in (t for t in targets if t.kind_id == kind.id):
                self.target_section(target)

    def gather(self) -> None:
        ids = [t.pk for t in self.targets]
        self.visits_of: dict[int, list[tuple[Visit, list[Target]]]] = defaultdict(list)
        for v in self.visits:
            covered = list(v.targets.all())
            for t in covered:
                self.visits_of[t.pk].append((v, covered))
        self.problems_of: dict[int, list[Problem]] = defaultdict(list)
        for p in (
            self.problems.filter(target_id__in=ids)
            .select_related("handling_org", "handler", "category")
            .prefetch_related("events")
            .order_by("reported_on", "id")
        ):
            self.problems_of[p.target_id].append(p)
        self.plans_of: dict[int, list[SupportPlan]] = defaultdict(list)
        for plan in SupportPlan.objects.filter(target_id__in=ids).prefetch_related("steps").order_by("id"):
            self.plans_of[plan.target_id].append(plan)
        self.checklists_of: dict[int, list[Checklist]] = defaultdict(list)
        for c in Checklist.objects.filter(
            target_id__in=ids, group__in=self.groups, created_on__range=(self.start, self.end)
        ).order_by("id"):
            if c.target_id is not None:
                self.checklists_of[c.target_id].append(c)
        self.methods_of: dict[int, list[WorkMethod]] = defaultdict(list)
        for m in WorkMethod.objects.filter(target_id__in=ids, group__in=self.groups).order_by("id"):
            if m.target_id is not None:
                self.methods_of[m.target_id].append(m)
        self.outcomes_of: dict[int, list[Outcome]] = defaultdict(list)
        for o in self.outcome_rows():
            self.outcomes_of[o.target_id].append(o)
        on_targets = self.measures.filter(target_id__in=ids)
        self.measure_notes: dict[tuple[int, int], list[str]] = defaultdict(list)
        for target_id, type_id, note in on_targets.values_list("target_id", "type_id", "note"):
            if note.strip():
                self.measure_notes[(target_id, type_id)].append(re.sub("[。;;]+$", "", note.strip()))
        self.measures_of = measure_totals_by_target(on_targets)

    def has_news(self, target: Target) -> bool:
        """Whether anything is told of the target in the period besides its profile."""
        return any(
            records.get(target.pk)
            for records in (
                self.visits_of,
                self.problems_of,
                self.plans_of,
                self.checklists_of,
                self.methods_of,
                self.outcomes_of,
                self.measures_of,
            )
        )

    def target_section(self, target: Target) -> None:
        types = {item["label"]: item["type"] for item in target.kind.schema}
        attrs = display_attributes(target.kind.schema, target.attributes)
        profile = ",".join(
            f"{label}{'为' if types.get(label) == 'text' else ''}{value}" for label, value in attrs
        )
        name = target_phrase(target)
        self.subheading(self.headings.get(target.pk, name))
        self.para(profile)
        self.target_visits(target)
        self.target_measures(target)
        problems = self.problems_of.get(target.pk, [])
        if problems:
            found = "、".join(quote(p.title) for p in problems)
            self.para(f"工作组在{name}发现{found}等{len(problems)}个问题")
        for plan in self.plans_of.get(target.pk, []):
            self.plan(target, plan)
        for p in problems:
            self.problem(p)
        self.target_checklists(target)
        for m in self.methods_of.get(target.pk, []):
            self.para(f"工作组帮助制定了{quote(m.title)}工作法" + (f":{m.summary}" if m.summary else ""))
        outcomes = self.outcomes_of.get(target.pk, [])
        if outcomes:
            self.para(
                f"{name}取得成效:"
                + "、".join(
                    (
                        f"{o.indicator.name}{o.display_value}"
                        if o.value is not None
                        else o.display_value or o.note
                    )
                    + (f"({o.note})" if o.note and o.value is not None else "")
                    for o in outcomes
                )
            )

    def target_visits(self, target: Target) -> None:
        """The visits worth telling under a target: those of leaders, and repeated visits to it alone. A visit
        of several targets is counted once, in the overview, and not told again under each of them."""
        for v, covered in self.visits_of.get(target.pk, []):
            leaders = list(v.accompanying_leaders.all())
            if leaders:
                who = "、".join(
                    f"{p.organization.name if p.organization else ''}{p.name}{p.title}" for p in leaders
                )
                self.para(f"{cn_date(v.date)},{who}到{target_phrase(target)}{v.get_mode_display()}")
            elif len(covered) == 1 and (v.occasions > 1 or v.occasions_qualifier):
                self.para(f"工作组先后{v.occasions_display}{v.purpose or v.get_mode_display()}")

    def target_measures(self, target: Target) -> None:
        """工作组为某村召开协调会2次(协调部门3个):…: the measures recorded on the target, by type."""
        totals = self.measures_of.get(target.pk, [])
        if not totals:
            return
        chunks = []
        for total in totals:
            notes = self.measure_notes.get((target.pk, total.type_id), [])
            chunks.append(measure_phrase(total) + (f":{','.join(notes)}" if notes else ""))
        self.para(f"工作组为{target_phrase(target)}" + ";".join(chunks))

    def plan(self, target: Target, plan: SupportPlan) -> None:
        steps = list(plan.steps.all())
        named = f"{quote(plan.name)}帮扶方案" if plan.name else "帮扶方案"
        text = f"工作组为{target_phrase(target)}制定了{named}"
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
        # 自行办理: the group took it on itself, with no handling unit.
        by_group = p.handling_org_id is None and any(e.action == Action.SELF_HANDLE for e in p.events.all())
        if p.status in SOLVED_STATUSES:
            how = "经工作组直接协调办理," if by_group else ""
            text = (
                f"{quote(p.title)}问题{how}已解决{with_whom}:{p.resolution}"
                if p.resolution
                else f"{quote(p.title)}问题{how}已解决{with_whom}"
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
        elif by_group or p.handled_by_group:
            text += "由工作组直接协调办理"
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
        lists = self.checklists_of.get(target.pk, [])
        if not lists:
            return
        names = "、".join(quote(c.name) for c in lists)
        text = f"工作组形成{names}{len(lists)}项清单"
        if any(c.supervised for c in lists):
            text += ",及时督促整改"
        self.para(text)
