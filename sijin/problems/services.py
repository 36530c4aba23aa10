"""Creating problems. Every later change of a problem goes through workflow.problem_transition()."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from sijin.accounts.models import User
from sijin.campaigns.models import Category, Target, WorkGroup
from sijin.campaigns.services import check_date
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import recorded_actor, validated
from sijin.directory.models import Person
from sijin.fieldwork.models import Visit
from sijin.fieldwork.photos import visit_photo_add
from sijin.fieldwork.services import visit_record

from .models import Problem, ProblemEvent, Status


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
) -> Problem:
    """上报: a problem found at a target, optionally on a visit. Starts as 已上报 with one event."""
    if target.group_id is None:
        raise ValidationError({"target": ["该帮扶对象尚未分配工作组,不能上报问题。"]})
    if category is not None and category.campaign_id != target.campaign_id:
        raise ValidationError({"category": ["问题类别不属于该行动。"]})
    check_date(target.campaign, reported_on, "reported_on")
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
) -> Visit:
    """A visit with the problems found on it and its photos, as the field entry sends them: all saved or none.

    One entry may cover several targets and a date range with a count (3月共走访21次: ``date`` … ``end_date``,
    ``occasions=21``); it is counted once. Each problem is a dict with ``target``, ``title`` and optionally
    ``description``; it is reported on the visit's date. The photos lose their GPS location unless
    ``keep_location``.
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
    )
    for row in problems:
        problem_report(
            actor=actor,
            visit=visit,
            target=row["target"],
            title=row["title"],
            description=row.get("description", ""),
            reported_on=date,
        )
    for uploaded in photos:
        visit_photo_add(actor=actor, visit=visit, uploaded_file=uploaded, keep_location=keep_location)
    return visit
