"""Who is responsible where: 包保 cadres of a target (TargetCadre), people's terms in places (Posting), and the
counts reports quote (“N名干部包保M家企业”). Writes follow the services' rules: one transaction, audited."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sijin.accounts.access import region_within_q
from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.directory.models import Person, Region

from .models import CadreRole, Campaign, Posting, Target, TargetCadre, TargetKind, WorkGroup
from .naming import count_phrase
from .services import check_date


# ---- 包保干部 --------------------------------------------------------------------------------------------------
def cadre_people(target: Target) -> QuerySet[Person]:
    """Whom a target's cadres are chosen from: the group's members, its dispatching unit's people and the people
    of units inside the group's region (county leaders hold targets too)."""
    group = target.group
    if group is None:
        return Person.objects.none()
    return (
        Person.objects.filter(
            Q(memberships__group=group)
            | Q(organization=group.dispatching_org_id)
            | region_within_q("organization__region", group.region.prefix)
        )
        .select_related("organization")
        .distinct()
        .order_by("name")
    )


def _check_cadre(cadre: TargetCadre) -> None:
    campaign = cadre.target.campaign
    check_date(campaign, cadre.start, "start")
    if cadre.end and cadre.end > (campaign.end or date.max):
        raise ValidationError({"end": ["截止日期不能晚于行动结束日期。"]})


@transaction.atomic
def target_cadre_add(
    *,
    actor: User | None,
    target: Target,
    person: Person,
    role: str = CadreRole.LIAISON,
    start: date | None = None,
    end: date | None = None,
) -> TargetCadre:
    cadre = TargetCadre(target=target, person=person, role=role, start=start, end=end)
    _check_cadre(cadre)
    # Audited as a change of the target (a kind of its own would need a core migration).
    return saved(
        actor, cadre, AuditAction.TARGET_CADRE_ADD, f"{target.name} 包保:{person}({cadre.get_role_display()})"
    )


@transaction.atomic
def target_cadre_update(*, actor: User | None, cadre: TargetCadre, **fields: Any) -> TargetCadre:
    cadre = locked(cadre, **fields)
    _check_cadre(cadre)
    return saved(
        actor,
        cadre,
        AuditAction.TARGET_CADRE_UPDATE,
        f"{cadre.target.name} 修改包保:{cadre.person}",
        fields=list(fields),
    )


@transaction.atomic
def target_cadre_remove(*, actor: User | None, cadre: TargetCadre) -> None:
    """A cadre no longer holds the target (to keep the history, give an end date instead)."""
    audit(actor, AuditAction.TARGET_CADRE_REMOVE, cadre, f"{cadre.target.name} 取消包保:{cadre.person}")
    cadre.delete()


# ---- 派驻 ------------------------------------------------------------------------------------------------------
def _check_posting(posting: Posting) -> None:
    errors: dict[str, list[str]] = {}
    if posting.region_id is None:
        place = posting.target or posting.group
        if place is None:
            raise ValidationError({"region": ["请选择派驻的对象、工作组或区划。"]})
        posting.region_id = place.region_id
    if posting.target_id and posting.group_id and posting.target.group_id != posting.group_id:
        errors["target"] = ["该帮扶对象不属于所选工作组。"]
    if posting.target_id and not posting.target.region_id.startswith(posting.region.prefix):
        errors.setdefault("region", []).append("派驻区划须包含该帮扶对象所在区划。")
    if posting.end and posting.start and posting.end < posting.start:
        errors["end"] = ["结束日期不能早于派驻日期。"]
    if posting.start and posting.start > timezone.localdate():
        errors.setdefault("start", []).append("派驻日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    overlapping = (
        Posting.objects.filter(person=posting.person_id, role=posting.role)
        .exclude(pk=posting.pk)
        .filter(Q(end__isnull=True) | Q(end__gte=posting.start))
    )
    if posting.end:
        overlapping = overlapping.filter(start__lte=posting.end)
    other = overlapping.select_related("region").first()
    if other is not None:
        until = _day(other.end) if other.end else "今"
        raise ValidationError(
            {
                "start": [
                    f"{posting.person}在{_day(other.start)}至{until}已任“{other.get_role_display()}”"
                    f"({other.region.name}),同一身份的任期不能重叠。"
                ]
            }
        )


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@transaction.atomic
def posting_create(
    *,
    actor: User | None,
    person: Person,
    role: str,
    start: date,
    region: Region | None = None,
    group: WorkGroup | None = None,
    target: Target | None = None,
    end: date | None = None,
    term: int | None = None,
) -> Posting:
    """A person's term in a place; the region defaults to the target's or the group's."""
    posting = Posting(
        person=person, role=role, start=start, region=region, group=group, target=target, end=end, term=term
    )
    _check_posting(posting)
    # Audited as a membership change (a kind of its own would need a core migration).
    return saved(actor, posting, AuditAction.POSTING_CREATE, f"{person} 派驻为{posting.get_role_display()}")


@transaction.atomic
def posting_update(*, actor: User | None, posting: Posting, **fields: Any) -> Posting:
    posting = locked(posting, **fields)
    _check_posting(posting)
    return saved(actor, posting, AuditAction.POSTING_UPDATE, f"修改派驻 {posting}", fields=list(fields))


@transaction.atomic
def posting_delete(*, actor: User | None, posting: Posting) -> None:
    audit(actor, AuditAction.POSTING_DELETE, posting, f"删除派驻 {posting}")
    posting.delete()


# ---- 包保统计 --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CadreCount:
    """Distinct cadres (包保 cadres and 包保责任人) and the distinct targets they hold."""

    cadres: int
    targets: int

    def phrase(self, kind: TargetKind | None = None) -> str:
        """12名干部包保30家企业."""
        return f"{self.cadres}名干部包保{count_phrase(kind, self.targets)}"


def cadre_count(targets: QuerySet[Target], on: date | None = None) -> CadreCount:
    """Count over ``targets`` (a group's, a campaign's, a region's …); ``on`` keeps only cadres whose from/to
    covers that day."""
    cadres = TargetCadre.objects.filter(target__in=targets)
    if on is not None:
        cadres = cadres.filter(Q(start__isnull=True) | Q(start__lte=on), Q(end__isnull=True) | Q(end__gte=on))
    people = (
        cadres.order_by()
        .values("person_id")
        .union(targets.exclude(responsible=None).order_by().values("responsible_id"))
    )
    held = targets.filter(Q(responsible__isnull=False) | Q(pk__in=cadres.values("target_id")))
    return CadreCount(cadres=people.count(), targets=held.count())


def group_cadre_count(group: WorkGroup, on: date | None = None) -> CadreCount:
    return cadre_count(Target.objects.filter(group=group), on)


def campaign_cadre_count(
    campaign: Campaign, region: Region | None = None, on: date | None = None
) -> CadreCount:
    """A campaign's count, or within one region's subtree."""
    targets = Target.objects.filter(campaign=campaign)
    if region is not None:
        targets = targets.filter(region_within_q("region", region.prefix))
    return cadre_count(targets, on)
