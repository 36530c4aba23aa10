"""One timeline per target: visits, problems (with their events), plans, outcomes and feedback, by date."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from .models import Target


@dataclass
class Entry:
    on: date
    kind: str  # visit / problem / event / plan / outcome / feedback
    label: str
    title: str
    detail: str = ""
    obj: Any = None


def target_timeline(target: Target) -> list[Entry]:
    entries: list[Entry] = []
    for v in target.visits.prefetch_related("participants", "accompanying_leaders").order_by("date"):
        who = "、".join(p.name for p in v.participants.all())
        leaders = "、".join(f"{p.organization or ''}{p.name}{p.title}" for p in v.accompanying_leaders.all())
        title = f"{v.get_mode_display()} · {v.purpose}" if v.purpose else v.get_mode_display()
        if v.occasions > 1:
            title += f"(先后{v.occasions_display})"
        detail = v.notes + (f" 参加:{who}" if who else "") + (f" 领导:{leaders}" if leaders else "")
        entries.append(Entry(v.date, "visit", "走访", title, detail, v))
    for p in target.problems.select_related("handling_org").prefetch_related("events"):
        entries.append(Entry(p.reported_on, "problem", "发现问题", p.title, p.description, p))
        for e in p.events.all():
            if e.action == "report":
                continue
            from sijin.problems.workflow import ACTION_LABELS

            entries.append(
                Entry(
                    e.on_date or e.at.date(),
                    "event",
                    ACTION_LABELS.get(e.action, e.action),
                    p.title,
                    e.comment,
                    e,
                )
            )
    for plan in target.plans.prefetch_related("steps"):
        steps = ";".join(f"{s.group_label + ':' if s.group_label else ''}{s.title}" for s in plan.steps.all())
        entries.append(Entry(plan.created_at.date(), "plan", "帮扶方案", f"“{plan.name}”", steps, plan))
    for o in target.outcomes.select_related("indicator"):
        entries.append(Entry(o.date, "outcome", "成效", f"{o.indicator.name} {o.display_value}", o.note, o))
    for f in target.feedback.all():
        entries.append(
            Entry(f.date, "feedback", "评价", f"{f.speaker_role}{f.speaker_name}", f"“{f.quote}”", f)
        )
    order = {"visit": 0, "problem": 1, "event": 2, "plan": 3, "outcome": 4, "feedback": 5}
    entries.sort(key=lambda e: (e.on, order[e.kind]))
    return entries
