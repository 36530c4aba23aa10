"""共性问题: the same problem met by several work groups, found by title, and turned into one 共性问题清单.

Clusters (``common_clusters``) are computed on demand from the open problems in the user's scope, in bounded
work: at most ``CLUSTER_SAMPLE`` of the most recently found ones are read (id, title, group, region).

The method, in three steps a reader can check by hand:
1. Each title is normalised: numbers, punctuation and spaces are dropped, and a trailing stock word (问题, 困难,
   难题, 诉求) is cut, so 用工缺口问题12 and 用工缺口 have the same key.
2. Keys are taken from the most frequent down (ties: the shorter first, as the more general wording). Each key
   joins the first cluster whose seed key it resembles (trigram similarity ≥ ``CLUSTER_THRESHOLD``, the same
   measure as problems.similar), else seeds a cluster of its own. One pass; an inverted index from trigram to
   clusters keeps each key's comparisons to the clusters that share a trigram with it.
3. A cluster is 共性 when its problems come from at least ``MIN_GROUPS`` work groups; the list is ordered by the
   number of problems.

``common_checklist_create`` turns the chosen problems of a cluster into one 问题清单 and, when a department is
given, hands each problem that is waiting to be routed to it by the workflow's own 分级交办 — all in one
transaction, audited by the services it calls.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import WorkGroup
from sijin.directory.models import Organization, OrganizationKind, Region, RegionLevel
from sijin.fieldwork.models import Checklist, ChecklistKind
from sijin.fieldwork.services import checklist_create

from .models import OPEN_STATUSES, ROUTING_STATUSES, Action, Level, Problem
from .similar import trigrams
from .workflow import allowed_actions, problem_transition, routing_orgs

CLUSTER_SAMPLE = 20_000  # open problems read per computation (the most recently found)
# Key-to-seed similarity to join a cluster: 季节性用工缺口 joins 企业用工缺口 (3 of 12 trigrams, 0.25);
# 企业技术改造资金不足 does not (0.13: they share only the 企业 at the start).
CLUSTER_THRESHOLD = 0.2
MIN_GROUPS = 2  # 共性: met by at least this many work groups
MAX_CLUSTERS = 50  # shown on the page
CHECKLIST_LIMIT = 200  # problems on one 共性问题清单 (each handed over in the same transaction)

_NOISE = re.compile(r"[\d\W_]+")
_STOCK_ENDINGS = ("问题", "困难", "难题", "诉求")


def title_key(title: str) -> str:
    """A title without its numbers, punctuation and stock ending: what problems of one kind share."""
    key = _NOISE.sub("", title.lower())
    for ending in _STOCK_ENDINGS:
        if key.endswith(ending) and len(key) > len(ending) + 1:
            key = key[: -len(ending)]
            break
    return key


@dataclass
class Cluster:
    """Open problems whose titles are alike, from several groups: one row of the 共性问题 page."""

    label: str  # the seed key: the most frequent wording
    problem_ids: list[int] = field(default_factory=list)
    groups: set[int] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    titles: Counter = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.problem_ids)

    @property
    def counties(self) -> int:
        return len({code[:6] for code in self.regions})

    def examples(self, n: int = 3) -> list[str]:
        return [t for t, _count in self.titles.most_common(n)]


def common_clusters(
    user: access.Viewer, *, problems: QuerySet[Problem] | None = None
) -> tuple[list[Cluster], int]:
    """The 共性 clusters among the open problems in the user's scope (or ``problems``, already scoped), and how
    many problems were read (at most ``CLUSTER_SAMPLE``)."""
    qs = problems if problems is not None else Problem.objects.visible_to(user)
    rows = list(
        qs.filter(status__in=OPEN_STATUSES)
        .order_by("-reported_on", "-id")
        .values_list("id", "title", "group_id", "region_id")[:CLUSTER_SAMPLE]
    )
    by_key: dict[str, list[tuple[int, str, int, str]]] = defaultdict(list)
    for row in rows:
        key = title_key(row[1])
        if key:
            by_key[key].append(row)
    clusters: list[Cluster] = []
    seeds: list[set[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)  # trigram → clusters whose seed has it
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), len(k), k)):
        grams = trigrams(key)
        home = None
        for i in sorted({i for g in grams for i in postings[g]}):
            if _jaccard(grams, seeds[i]) >= CLUSTER_THRESHOLD:
                home = i
                break
        if home is None:
            home = len(clusters)
            clusters.append(Cluster(label=key))
            seeds.append(grams)
            for g in grams:
                postings[g].append(home)
        cluster = clusters[home]
        for pk, title, group_id, region_id in by_key[key]:
            cluster.problem_ids.append(pk)
            cluster.groups.add(group_id)
            cluster.regions.add(region_id)
            cluster.titles[title] += 1
    common = [c for c in clusters if len(c.groups) >= MIN_GROUPS]
    common.sort(key=lambda c: (-c.size, -len(c.groups), c.label))
    return common[:MAX_CLUSTERS], len(rows)


def _jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


# --- 共性问题清单 -------------------------------------------------------------------------------------------

_LEVEL_OF_REGION: dict[int, str] = {RegionLevel.PROVINCE: Level.PROVINCE, RegionLevel.PREFECTURE: Level.CITY}


@dataclass
class CommonChecklist:
    checklist: Checklist
    assigned: list[Problem]
    kept: list[
        Problem
    ]  # on the list, not handed over (already routed, or not the actor's nor the unit's to take)

    @property
    def size(self) -> int:
        return len(self.assigned) + len(self.kept)


@transaction.atomic
def common_checklist_create(
    *,
    actor: User,
    problem_ids: Sequence[int],
    name: str,
    department: Organization | None = None,
    deadline_days: int | None = None,
    note: str = "",
) -> CommonChecklist:
    """Make a 共性问题清单 of these problems and hand the ones waiting to be routed to ``department``.

    The list belongs to the work group with most of the problems (a 清单 is a group's; the note names how many
    groups it spans). Each problem must be open and in the actor's scope (else nothing is made). 分级交办 goes
    through the workflow for each problem whose state and the actor's role allow it and whose region line the
    department serves (``workflow.routing_orgs``); the others stay on the list as they are.
    """
    if not access.may_make_common_checklist(actor):
        raise PermissionDenied("您无权形成共性问题清单。")
    ids = sorted({int(pk) for pk in problem_ids})
    if not ids:
        raise ValidationError("请至少选择一个问题。")
    if len(ids) > CHECKLIST_LIMIT:
        raise ValidationError(f"一个共性问题清单最多{CHECKLIST_LIMIT}个问题。")
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["请填写清单名称。"]})
    problems = list(
        Problem.objects.visible_to(actor)
        .filter(pk__in=ids, status__in=OPEN_STATUSES)
        .select_related("group", "region", "campaign", "target")
        .order_by("id")
    )
    if len(problems) != len(ids):
        raise ValidationError("所选问题中有的不存在、无权查看或已不在办理中,请刷新后重试。")
    counts = Counter(p.group_id for p in problems)
    group = WorkGroup.objects.select_related("campaign").get(pk=min(counts, key=lambda g: (-counts[g], g)))
    head = f"共性问题:{len(problems)}个问题,涉及{len(counts)}个工作组。"
    assigned: list[Problem] = []
    kept: list[Problem] = []
    for problem in problems:
        if department is not None and _may_hand_over(actor, problem, department):
            fields: dict = {
                "level": _LEVEL_OF_REGION.get(department.region.level, Level.COUNTY),
                "handling_org": department,
                "comment": f"列入“{name}”,统一交办。",
            }
            if deadline_days:
                fields["deadline_days"] = deadline_days
            assigned.append(problem_transition(actor=actor, problem=problem, action=Action.TRIAGE, **fields))
        else:
            kept.append(problem)
    if department is not None:
        head += f"统一交办{department.name}{len(assigned)}件"
        head += f",{len(kept)}件未交办(已交办他单位或非本单位职责区域)。" if kept else "。"
    checklist = checklist_create(
        actor=actor,
        group=group,
        name=name,
        kind=ChecklistKind.PROBLEM,
        created_on=timezone.localdate(),
        note=(head + ("\n" + note.strip() if note.strip() else ""))[:2000],
        supervised=department is not None,
        problems=problems,
    )
    return CommonChecklist(checklist=checklist, assigned=assigned, kept=kept)


def _may_hand_over(actor: User, problem: Problem, department: Organization) -> bool:
    """Waiting to be routed, the actor may 交办 it, and the department is on its region line."""
    return (
        problem.status in ROUTING_STATUSES
        and Action.TRIAGE in allowed_actions(actor, problem)
        and routing_orgs(problem).filter(pk=department.pk).exists()
    )


def department_choices(user: access.Viewer) -> QuerySet[Organization]:
    """Departments the office may hand a 共性问题清单 to: those in its region subtree."""
    orgs = Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)
    if not access.is_admin(user):
        orgs = orgs.filter(region__in=Region.objects.filter(access.campaign_region_q(user)))
    return orgs.select_related("region").order_by("region_id", "name")


def cluster_of(user: access.Viewer, label: str) -> Cluster | None:
    """The cluster with this label, as the 共性问题 page shows it now (computed again, same rules)."""
    clusters, _read = common_clusters(user)
    return next((c for c in clusters if c.label == label), None)
