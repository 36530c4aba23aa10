"""One timeline per target: visits, problems (with their events), plans, outcomes and feedback, newest first."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sijin.campaigns.models import Target
from sijin.fieldwork.models import Satisfaction
from sijin.problems.models import Action, Level

ORDER = {"visit": 0, "problem": 1, "event": 2, "plan": 3, "outcome": 4, "feedback": 5}
COLOURS = {"problem": "danger", "outcome": "success", "feedback": "warning"}  # the rest: primary


@dataclass
class Entry:
    on: date
    kind: str  # visit / problem / event / plan / outcome / feedback
    label: str
    title: str
    detail: str = ""
    obj: Any = None

    @property
    def colour(self) -> str:
        """The Bootstrap colour of the entry's mark on the timeline."""
        return COLOURS.get(self.kind, "primary")


def event_detail(event) -> str:
    """What an event did, in words: the comment plus the fields it set (承办单位, 时限, 满意度 …)."""
    data = event.data or {}
    parts = []
    if isinstance(category := data.get("category"), dict):
        parts.append(_("类别:%s") % category.get("name", ""))
    if org := data.get("handling_org"):
        parts.append(_("承办单位:%s") % (org["name"] if isinstance(org, dict) else org))
    if level := data.get("level"):
        parts.append(_("层级:%s") % (Level(level).label if level in Level.values else level))
    if days := data.get("deadline_days"):
        parts.append(_("时限%s个工作日") % days)
    if new := data.get("new_deadline"):
        parts.append(_("延期至%s") % new)
    if sat := data.get("satisfaction"):
        parts.append(_("满意度:%s") % (Satisfaction(sat).label if sat in Satisfaction.values else sat))
    if isinstance(measure := data.get("measure"), dict):
        parts.append(_("措施:%s") % measure.get("name", ""))
    if who := data.get("coordinated_with"):
        parts.append(_("协调:%s") % who)
    if event.action == Action.SELF_HANDLE:
        parts.insert(0, _("工作组自行办理"))
    if event.comment:
        parts.append(event.comment)
    if event.entered_late:  # 补录: the entry is dated by when it happened; say when it was written down
        parts.append(_("补录于%s") % event.entered_on.isoformat())
    return ";".join(parts)


def target_timeline(target: Target, problems: QuerySet, full: bool = True) -> list[Entry]:
    """The target's story as one list, newest first. ``problems`` is the viewer's scoped queryset of the target's
    problems; with ``full`` False (a handler who sees the target only through a problem of their unit) the
    group's visits, plans, outcomes and feedback are left out."""
    entries: list[Entry] = []
    visits = target.visits.all() if full else target.visits.none()
    for v in visits.prefetch_related("participants", "accompanying_leaders").order_by("date"):
        who = "、".join(p.name for p in v.participants.all())
        leaders = "、".join(f"{p.organization or ''}{p.name}{p.title}" for p in v.accompanying_leaders.all())
        title = f"{v.get_mode_display()} · {v.purpose}" if v.purpose else v.get_mode_display()
        if v.occasions > 1:
            title += _("(先后%s)") % v.occasions_display
        detail = v.notes + (_(" 参加:%s") % who if who else "") + (_(" 领导:%s") % leaders if leaders else "")
        entries.append(Entry(v.date, "visit", _("走访"), title, detail, v))
    for p in problems.select_related("handling_org").prefetch_related("events"):
        entries.append(Entry(p.reported_on, "problem", _("发现问题"), p.title, p.description, p))
        for e in p.events.all():
            if e.action == Action.REPORT:  # the problem entry itself says it was found
                continue
            entries.append(
                Entry(
                    e.on_date or e.at.date(),
                    "event",
                    Action.label_of(e.action),
                    p.title,
                    event_detail(e),
                    e,
                )
            )
    if not full:
        return newest_first(entries)
    for plan in target.plans.prefetch_related("steps"):
        steps = ";".join(f"{s.group_label + ':' if s.group_label else ''}{s.title}" for s in plan.steps.all())
        entries.append(
            Entry(
                plan.made_on or plan.created_at.date(), "plan", _("帮扶方案"), f"“{plan.name}”", steps, plan
            )
        )
    for o in target.outcomes.select_related("indicator"):
        entries.append(
            Entry(o.date, "outcome", _("成效"), f"{o.indicator.name} {o.display_value}", o.note, o)
        )
    for f in target.feedback.all():
        entries.append(
            Entry(f.date, "feedback", _("评价"), f"{f.speaker_role}{f.speaker_name}", f"“{f.quote}”", f)
        )
    return newest_first(entries)


def newest_first(entries: list[Entry]) -> list[Entry]:
    """Latest day first; within a day the later kind (a visit, then its problems, their steps …) and, among
    steps of one day, the one entered last come first."""
    order = {id(e): n for n, e in enumerate(entries)}
    return sorted(entries, key=lambda e: (e.on, ORDER[e.kind], order[id(e)]), reverse=True)
