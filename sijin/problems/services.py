"""Creating problems, their photos, and acting on many at once. Every change of a problem's state goes through
workflow.problem_transition()."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import Category, Target, WorkGroup
from sijin.campaigns.services import check_date
from sijin.core.audit import audit
from sijin.core.bulk import insert_rows
from sijin.core.models import AuditAction
from sijin.core.services import recorded_actor, validated
from sijin.directory.models import Organization, Person
from sijin.fieldwork.models import Visit
from sijin.fieldwork.photos import photo_prepared, stored_name, visit_photo_add
from sijin.fieldwork.services import location_checked, visit_record

from .models import VOID_STATUSES, Action, Level, Problem, ProblemAttachment, ProblemEvent, Status
from .supervision import problem_urge
from .workflow import problem_transition, routing_orgs


@transaction.atomic
def problem_report(
    *,
    actor: User | None,
    target: Target,
    title: str,
    reported_on: date,
    visit: Visit | None = None,
    category: Category | None = None,
    description: str = "",
    responsible: Person | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Problem:
    """上报: a problem found at a target, optionally on a visit, optionally where it was seen (``latitude``,
    ``longitude``: both or neither). Starts as 已上报 with one event."""
    if target.group_id is None:
        raise ValidationError({"target": ["该帮扶对象尚未分配工作组,不能上报问题。"]})
    if category is not None and category.campaign_id != target.campaign_id:
        raise ValidationError({"category": ["问题类别不属于该行动。"]})
    check_date(target.campaign, reported_on, "reported_on")
    latitude, longitude = location_checked(latitude, longitude)
    problem = Problem(
        campaign_id=target.campaign_id,
        target=target,
        group_id=target.group_id,
        visit=visit,
        region_id=target.region_id,
        category=category,
        title=title.strip(),
        description=description,
        reported_on=reported_on,
        responsible=responsible,
        latitude=latitude,
        longitude=longitude,
        created_by=recorded_actor(actor),
    )
    validated(problem, exclude=["created_by"])
    problem.save()
    ProblemEvent.objects.create(
        problem=problem,
        actor=problem.created_by,
        action="report",
        from_status="",
        to_status=Status.REPORTED,
        comment=description,
        on_date=reported_on,
    )
    audit(actor, AuditAction.PROBLEM_REPORT, problem, f"上报问题 {problem.title}")
    return problem


# An event as ``problem_events_insert`` takes it: the values of these columns, in this order.
EVENT_COLUMNS = ("problem_id", "action", "from_status", "to_status", "comment", "data", "on_date")
EventRow = tuple[int, str, str, str, str, dict[str, Any], date | None]


def problem_events_insert(*, actor: User | None, events: Sequence[EventRow]) -> list[int]:
    """Write many events at once, each the values of ``EVENT_COLUMNS`` (problem id, action, from and to status,
    comment, data, business date), by ``actor`` as ``problem_report`` and ``problem_transition`` record it and
    stamped now: in order, in one statement, with no instance made (``core.bulk.insert_rows``). For an import of
    thousands of problems that has checked every row as those services check it; the audit rows are the
    caller's. Returns the events' ids, in order."""
    by = recorded_actor(actor)
    by_id = by.pk if by is not None else None
    return insert_rows(ProblemEvent, ("actor_id", *EVENT_COLUMNS), [(by_id, *event) for event in events])


def problem_ensure(
    *, actor: User | None, target: Target, title: str, reported_on: date, **fields: Any
) -> Problem:
    return Problem.objects.filter(target=target, title=title).first() or problem_report(
        actor=actor, target=target, title=title, reported_on=reported_on, **fields
    )


@transaction.atomic
def visit_report(
    *,
    actor: User | None,
    group: WorkGroup,
    targets: list[Target],
    date: date,
    mode: str,
    participants: list[Person],
    notes: str = "",
    end_date: date | None = None,
    occasions: int = 1,
    problems: Iterable[dict[str, Any]] = (),
    photos: Iterable[File] = (),
    keep_location: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Visit:
    """A visit with the problems found on it and its photos, as the field entry sends them: all saved or none.

    One entry may cover several targets and a date range with a count (3月共走访21次: ``date`` … ``end_date``,
    ``occasions=21``); it is counted once. Each problem is a dict with ``target``, ``title`` and optionally
    ``description``, ``category`` (of the group's campaign) and ``latitude``/``longitude``; it is reported on the
    visit's date. ``latitude``/``longitude`` are where the visit was recorded (both or neither). The photos lose
    their GPS location unless ``keep_location``.
    """
    visit = visit_record(
        actor=actor,
        group=group,
        targets=targets,
        date=date,
        end_date=end_date,
        occasions=occasions,
        mode=mode,
        participants=participants,
        notes=notes,
        latitude=latitude,
        longitude=longitude,
    )
    for row in problems:
        problem_report(
            actor=actor,
            visit=visit,
            target=row["target"],
            title=row["title"],
            description=row.get("description") or "",
            category=row.get("category"),
            reported_on=date,
            latitude=row.get("latitude"),
            longitude=row.get("longitude"),
        )
    for uploaded in photos:
        visit_photo_add(actor=actor, visit=visit, uploaded_file=uploaded, keep_location=keep_location)
    return visit


# ---- photos of a problem --------------------------------------------------------------------------------------
MAX_PROBLEM_PHOTOS = 30


@transaction.atomic
def problem_photo_add(
    *, actor: User | None, problem: Problem, uploaded_file: File, comment: str = ""
) -> ProblemAttachment:
    """A photo of the problem itself (the site, the progress, the result), by anyone who acts on it: the group,
    the office, the handling unit. Checked and cleaned like a visit photo (type by content, size and pixel
    caps, upright, no GPS location; HEIC stored as JPEG), kept as an attachment of a 添加照片 event, served
    only through the problem's scoped view."""
    if not access.acting_roles(actor, problem):
        raise PermissionDenied("您无权为此问题添加照片。")
    if problem.status in VOID_STATUSES:
        raise ValidationError("已撤销或已合并的问题不能添加照片。")
    if len(comment) > 200:
        raise ValidationError({"comment": [f"照片说明不能超过200字(当前{len(comment)}字)。"]})
    taken = ProblemAttachment.objects.filter(event__problem=problem, event__action=Action.PHOTO).count()
    if taken >= MAX_PROBLEM_PHOTOS:
        raise ValidationError(f"每个问题最多{MAX_PROBLEM_PHOTOS}张照片。")
    name = getattr(uploaded_file, "name", "") or "照片"
    stored, content_type = photo_prepared(uploaded_file)
    event = ProblemEvent.objects.create(
        problem=problem,
        actor=recorded_actor(actor),
        action=Action.PHOTO,
        from_status=problem.status,
        to_status=problem.status,
        comment=comment.strip(),
        data={"evidence": [name[:200]]},
        on_date=timezone.localdate(),
    )
    attachment = ProblemAttachment(event=event, name=name[:200], content_type=content_type, size=stored.size)
    attachment.file.save(stored_name(content_type), stored, save=False)
    attachment.save()
    audit(
        actor, AuditAction.PROBLEM_EVENT, problem, f"添加照片:{problem.title}", event=event.pk, step="photo"
    )
    return attachment


# ---- many problems at once ------------------------------------------------------------------------------------
BULK_LIMIT = 200
BULK_ACTIONS = (Action.TRIAGE, Action.URGE)


@dataclass
class BulkResult:
    """What a bulk action did: the problems it acted on and, for each one it could not, why."""

    done: list[Problem] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (id, title, reason)


def problem_bulk_act(
    *,
    actor: User | None,
    ids: Sequence[int],
    action: str,
    level: str = "",
    handling_org: Organization | None = None,
    handler: Person | None = None,
    deadline_days: int | None = None,
    comment: str = "",
) -> BulkResult:
    """分级交办 or 催办 each of the problems ``ids``, one transaction per problem, through the same services and
    permission checks as one at a time (problem_transition, problem_urge). A problem it may not act on is
    left as it was and named with the reason; the others are done."""
    if action not in BULK_ACTIONS:
        raise ValidationError("批量操作只能是分级交办或催办。")
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationError("请先勾选问题。")
    if len(wanted) > BULK_LIMIT:
        raise ValidationError(f"一次最多处理{BULK_LIMIT}件问题(已选{len(wanted)}件)。")
    if action == Action.TRIAGE and (level not in Level.values or handling_org is None):
        raise ValidationError("批量交办须选择办理层级和承办单位。")
    if handler is not None and handling_org is not None and handler.organization_id != handling_org.pk:
        raise ValidationError("承办人不属于所选承办单位。")
    visible = Problem.objects.visible_to(actor).select_related("campaign", "group", "region", "category")
    found = {p.pk: p for p in visible.filter(pk__in=wanted)}
    result = BulkResult()
    for pk in wanted:
        problem = found.get(pk)
        if problem is None:
            result.failed.append((pk, "", "不存在或无权查看"))
            continue
        try:
            if action == Action.URGE:
                problem_urge(actor=actor, problem=problem, comment=comment)
            else:
                _bulk_triage(actor, problem, level, handling_org, handler, deadline_days, comment)
        except (ValidationError, PermissionDenied) as exc:
            reason = "".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.failed.append((pk, problem.title, reason))
        else:
            result.done.append(problem)
    return result


def _bulk_triage(
    actor: User | None,
    problem: Problem,
    level: str,
    handling_org: Organization | None,
    handler: Person | None,
    deadline_days: int | None,
    comment: str,
) -> Problem:
    if handling_org is None or not routing_orgs(problem).filter(pk=handling_org.pk).exists():
        raise ValidationError("承办单位不在该问题所在区划,不能交办。")
    fields: dict[str, Any] = {"level": level, "handling_org": handling_org}
    if handler is not None:
        fields["handler"] = handler
    if deadline_days:
        fields["deadline_days"] = deadline_days
    if comment:
        fields["comment"] = comment
    return problem_transition(actor=actor, problem=problem, action=Action.TRIAGE, **fields)
