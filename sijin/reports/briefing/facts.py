"""What a briefing gathers about its groups besides the case data: who leads them, their documents, the
包保 cadres and first secretaries, the figures they reported (定期报送), and how unnamed targets are headed.
Each takes the groups the writer already scoped to its reader."""

from collections import defaultdict
from dataclasses import replace
from datetime import date

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce

from sijin.campaigns.models import (
    Campaign,
    GroupDocument,
    MemberRole,
    Membership,
    Posting,
    PostingRole,
    Target,
    TargetCadre,
    TargetKind,
    WorkGroup,
)
from sijin.campaigns.naming import kind_noun
from sijin.campaigns.people import cadre_count
from sijin.directory.models import Person
from sijin.tallies.models import TallyReport, TallyStatus
from sijin.tallies.totals import FieldTotal, counted_in, office_totals, reported_totals

STEMS = "甲乙丙丁戊己庚辛壬癸"  # several unnamed targets of a kind: 某企业甲, 某企业乙 …


def group_leaders(groups: list[WorkGroup]) -> dict[int, Person]:
    """Each group's 组长 (its first member in the leader role), by group id; a group without one is absent."""
    rows = (
        Membership.objects.filter(group__in=groups, role=MemberRole.LEADER)
        .select_related("person__organization")
        .order_by("-id")
    )
    return {m.group_id: m.person for m in rows}  # the earliest membership wins


def group_documents(groups: list[WorkGroup], start: date, end: date) -> dict[int, list[GroupDocument]]:
    """Each group's documents issued in the period (and those without a date), by group id."""
    docs = (
        GroupDocument.objects.filter(group__in=groups)
        .filter(Q(issued_on__range=(start, end)) | Q(issued_on=None))
        .order_by("issued_on", "id")
    )
    out: dict[int, list[GroupDocument]] = defaultdict(list)
    for doc in docs:
        out[doc.group_id].append(doc)
    return out


def cadre_phrase(targets: list[Target], on: date) -> str:
    """N名干部包保M家企业, once 包保 cadres are recorded for the targets (a 包保责任人 alone says nothing new);
    the kind is named when all the targets are of one kind."""
    ids = [t.pk for t in targets]
    if not TargetCadre.objects.filter(target_id__in=ids).exists():
        return ""
    count = cadre_count(Target.objects.filter(pk__in=ids), on=on)
    kinds = {t.kind_id: t.kind for t in targets}
    kind = next(iter(kinds.values())) if len(kinds) == 1 else None
    return count.phrase(kind) if count.cadres else ""


def cadre_phrase_of(targets: QuerySet[Target], kind: TargetKind | None, on: date) -> str:
    """``cadre_phrase`` counted in the database, for targets too many to load (a region's): ``kind`` when they
    are all of one kind."""
    if not TargetCadre.objects.filter(target_id__in=targets.order_by().values("pk")).exists():
        return ""
    count = cadre_count(Target.objects.filter(pk__in=targets.order_by().values("pk")), on=on)
    return count.phrase(kind) if count.cadres else ""


def first_secretaries(group: WorkGroup, start: date, end: date) -> QuerySet[Posting]:
    """The group's 驻村第一书记 whose term overlaps the period."""
    return (
        Posting.objects.filter(role=PostingRole.FIRST_SECRETARY)
        .filter(Q(group=group) | Q(target__group=group))
        .filter(start__lte=end)
        .filter(Q(end=None) | Q(end__gte=start))
        .select_related("person__organization", "target__kind", "region")
        .order_by("start", "id")
    )


def reported_figures(groups: list[WorkGroup], start: date, end: date) -> list[FieldTotal]:
    """The figures the groups reported for the period (定期报送), each beside what they itemised; none when no
    report was submitted. A label reported on two forms of a campaign (周报 and 月报) is given once."""
    by_campaign: dict[int, list[WorkGroup]] = defaultdict(list)
    for g in groups:
        by_campaign[g.campaign_id].append(g)
    out: list[FieldTotal] = []
    for members in by_campaign.values():
        seen: set[str] = set()
        for total in reported_totals(members[0].campaign, members, (start, end)):
            if total.reported is None or total.field.label in seen:
                continue
            seen.add(total.field.label)
            out.append(total)
    return out


def reported_as_of(groups: list[WorkGroup], start: date, end: date, *, office: bool = False) -> date | None:
    """The day the reported figures stand at (截至…): the latest among the submitted reports that
    ``reported_figures`` sums (a 行动全程 report's 截至 day, another's period end); with ``office``, among the
    office's reports of the groups' campaigns (``office_figures``). None when no report was submitted."""
    reports = TallyReport.objects.filter(form__active=True, status=TallyStatus.SUBMITTED).filter(
        counted_in(start, end)
    )
    if office:
        reports = reports.filter(group=None, form__campaign_id__in={g.campaign_id for g in groups})
    else:
        reports = reports.filter(group__in=groups)
    latest: date | None = reports.aggregate(day=Max(Coalesce("as_of", "period_end")))["day"]
    return latest


def office_figures(campaigns: list[Campaign], start: date, end: date) -> list[FieldTotal]:
    """The figures the office reported for its campaigns in the period (活动办报送: campaign-wide and per tier),
    apart from the groups' (never summed with them). A label reported on two forms is given once: the first
    campaign-wide figure, with the tiers' sub-totals of either (one form for the totals, another for 省直)."""
    out: list[FieldTotal] = []
    for campaign in campaigns:
        seen: dict[str, int] = {}
        for total in office_totals(campaign, (start, end)):
            label = total.field.label
            if label not in seen:
                seen[label] = len(out)
                out.append(total)
                continue
            first = out[seen[label]]
            known = {name for name, _, _ in first.tiers}
            out[seen[label]] = replace(
                first,
                office=first.office if first.office is not None else total.office,
                office_qualifier=first.office_qualifier
                if first.office is not None
                else total.office_qualifier,
                tiers=first.tiers + tuple(t for t in total.tiers if t[0] not in known),
            )
    return out


def unnamed_headings(targets: list[Target]) -> dict[int, str]:
    """The heading of each unnamed target: 某企业, or 某企业甲、某企业乙 when several of a kind are told (not
    某企业(一): the heading is numbered (一)(二) itself when laid out)."""
    by_noun: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        if t.unnamed or not t.name.strip():
            by_noun[kind_noun(t.kind)].append(t)
    headings = {}
    for noun, same in by_noun.items():
        for n, t in enumerate(same, 1):
            mark = "" if len(same) == 1 else STEMS[n - 1] if n <= len(STEMS) else str(n)
            headings[t.pk] = f"某{noun}{mark}"
    return headings
