"""Fieldwork in the JSON API: 走访 (the list, one visit, 记录走访), 帮扶方案 and their steps (制定, 更新进展),
成效 (the list, 录入成效) and 清单 (the list, one checklist).

The same scope as the pages (``Visit.objects.visible_to``, ``access.get_visit_for``; plans and outcomes of the
targets the caller sees, ``access.get_target_for(…, write=True)`` to record on one; checklists of the groups the
caller sees), the same forms and the same services. Photos are the page's (an upload, not JSON); the problems
found on a visit are reported with ``POST /problems`` and the visit's id.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.campaigns.models import Target, WorkGroup
from sijin.core.jsonapi import BodyIn, Day, ErrorOut, Id, In, Page, PageQuery, Ref, cursor_page

from .forms import OutcomeForm, PlanForm, PlanStepForm, StepProgressForm, VisitForm
from .models import Checklist, Outcome, PlanStep, SupportPlan, Visit
from .services import outcome_record, plan_create, plan_step_update, visit_record

router = Router(tags=["走访"])
Date = date  # for the classes below that have a field named ``date``
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class VisitOut(Schema):
    id: int
    group: Ref
    targets: list[Ref]
    date: date
    end_date: Date | None
    mode: str
    mode_display: str
    occasions: int
    occasions_qualifier: str
    part_of_id: int | None = Field(description="所计入的汇总走访")
    participants: list[Ref]
    purpose: str
    notes: str
    latitude: Decimal | None
    longitude: Decimal | None

    @staticmethod
    def resolve_group(obj: Visit) -> dict:
        return {"id": obj.group_id, "name": obj.group.name}

    @staticmethod
    def resolve_targets(obj: Visit) -> list[dict]:
        return [{"id": t.pk, "name": t.name} for t in obj.targets.all()]

    @staticmethod
    def resolve_participants(obj: Visit) -> list[dict]:
        return [{"id": p.pk, "name": p.name} for p in obj.participants.all()]

    @staticmethod
    def resolve_mode_display(obj: Visit) -> str:
        return str(obj.get_mode_display())


class VisitFilters(In):
    group: Id | None = None
    target: Id | None = None
    date_from: Day | None = None
    date_to: Day | None = None


class VisitIn(BodyIn):
    group: Id = Field(description="工作组 id(须可录入)")
    targets: list[Id] = Field(description="走访对象 id(本组的帮扶对象)", max_length=200)
    date: Day
    mode: str = Field(
        description="方式:collective 集体出动、individual 分散走访、symposium 座谈会、onsite 现场办公"
    )
    end_date: Day | None = Field(None, description="合并录入一段时间的走访时的截止日期")
    occasions: int | None = Field(None, description="共走访几次(默认1)")
    part_of: Id | None = Field(None, description="已计入的汇总走访 id")
    participants: list[Id] = Field(default_factory=list, max_length=200)
    notes: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _loaded(qs):
    return qs.select_related("group").prefetch_related("targets", "participants")


@router.get("/visits", response={200: Page[VisitOut], **ERRORS}, summary="走访")
def visit_list(request: AuthenticatedRequest, filters: Query[VisitFilters], page: Query[PageQuery]):
    visits = Visit.objects.visible_to(request.user)
    if filters.group is not None:
        visits = visits.filter(group_id=filters.group)
    if filters.target is not None:
        visits = visits.filter(
            pk__in=Visit.targets.through.objects.filter(target_id=filters.target).values("visit_id")
        )
    if filters.date_from:
        visits = visits.filter(Q(end_date__gte=filters.date_from) | Q(date__gte=filters.date_from))
    if filters.date_to:
        visits = visits.filter(date__lte=filters.date_to)
    return cursor_page(_loaded(visits), ("-date", "-id"), page.cursor, page.limit)


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS}, summary="一次走访")
def visit_detail(request: AuthenticatedRequest, visit_id: Id):
    return _loaded(Visit.objects).get(pk=access.get_visit_for(request.user, visit_id).pk)


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="记录走访")
def visit_create(request: AuthenticatedRequest, payload: VisitIn):
    groups = access.visible_groups_for_write(request.user).order_by("name")
    if not groups.exists():
        raise PermissionDenied("您没有可录入走访的工作组。")
    group = groups.filter(pk=payload.group).first()
    if group is None:
        raise ValidationError({"group": ["请选择您所在的工作组。"]})
    data = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    form = VisitForm(data, groups=groups, group=group)
    for name in ("token", "photos", "keep_location"):  # the page's one-time token and uploads
        del form.fields[name]
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    cleaned = form.cleaned_data
    visit = visit_record(
        actor=request.user,
        group=cleaned["group"],
        targets=list(cleaned["targets"]),
        date=cleaned["date"],
        end_date=cleaned["end_date"],
        occasions=cleaned["occasions"],
        mode=cleaned["mode"],
        participants=list(cleaned["participants"]),
        notes=cleaned["notes"],
        part_of=cleaned["part_of"],
        latitude=cleaned["latitude"],
        longitude=cleaned["longitude"],
    )
    return Status(201, _loaded(Visit.objects).get(pk=visit.pk))


# ---- 帮扶方案 ---------------------------------------------------------------------------------------------------
class StepOut(Schema):
    id: int
    order: int
    group_label: str
    title: str
    owner: Ref | None
    due: date | None
    status: str
    done_on: date | None
    note: str

    @staticmethod
    def resolve_owner(obj: PlanStep) -> dict | None:
        return {"id": obj.owner_id, "name": obj.owner.name} if obj.owner_id else None


class PlanOut(Schema):
    id: int
    target: Ref
    name: str
    display_name: str
    goal: str
    summary: str
    owner: Ref | None
    made_on: date | None
    steps: list[StepOut]

    @staticmethod
    def resolve_target(obj: SupportPlan) -> dict:
        return {"id": obj.target_id, "name": obj.target.name}

    @staticmethod
    def resolve_owner(obj: SupportPlan) -> dict | None:
        return {"id": obj.owner_id, "name": obj.owner.name} if obj.owner_id else None

    @staticmethod
    def resolve_steps(obj: SupportPlan) -> list:
        return list(obj.steps.all())


class StepIn(BodyIn):
    title: str = Field(max_length=200)
    group_label: str = Field("", max_length=20, description="分组,如“三早”")
    owner: Id | None = Field(None, description="负责人(工作组成员的人员 id)")
    due: Day | None = None


class PlanIn(BodyIn):
    target: Id
    name: str = Field("", max_length=100)
    goal: str = Field("", max_length=200)
    summary: str = ""
    owner: Id | None = None
    made_on: Day | None = None
    steps: list[StepIn] = Field(default_factory=list, max_length=20)


class StepProgressIn(BodyIn):
    status: str = Field(description="todo 未开始、doing 推进中、done 已完成")
    done_on: Day | None = None
    note: str = ""


class TargetFilter(In):
    target: Id | None = None


def _plans(user):
    plans = SupportPlan.objects.filter(target__in=Target.objects.visible_to(user))
    return plans.select_related("target", "owner").prefetch_related("steps__owner")


@router.get("/plans", response={200: Page[PlanOut], **ERRORS}, summary="帮扶方案", tags=["帮扶方案"])
def plan_list(request: AuthenticatedRequest, filters: Query[TargetFilter], page: Query[PageQuery]):
    plans = _plans(request.user)
    if filters.target is not None:
        plans = plans.filter(target_id=filters.target)
    return cursor_page(plans, ("target__name", "id"), page.cursor, page.limit)


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="一个帮扶方案", tags=["帮扶方案"])
def plan_detail(request: AuthenticatedRequest, plan_id: Id):
    return _plans(request.user).get(pk=plan_id)  # DoesNotExist: 404


@router.post("/plans", response={201: PlanOut, **ERRORS}, summary="制定帮扶方案", tags=["帮扶方案"])
def plan_create_api(request: AuthenticatedRequest, payload: PlanIn):
    target = access.get_target_for(request.user, payload.target, write=True)
    form = PlanForm(payload.dict(exclude={"target", "steps"}, exclude_none=True), target=target)
    errors = {} if form.is_valid() else dict(form.errors.as_data())
    steps = []
    for i, spec in enumerate(payload.steps):
        row = PlanStepForm(spec.dict(exclude_none=True), target=target)
        if row.is_valid():
            steps.append({k: row.cleaned_data.get(k) for k in ("group_label", "title", "owner", "due")})
        errors |= {f"steps.{i}.{name}": e for name, e in row.errors.as_data().items()}
    if errors:
        raise ValidationError(errors)
    plan = plan_create(actor=request.user, target=target, steps=steps, **form.cleaned_data)
    return Status(201, _plans(request.user).get(pk=plan.pk))


@router.post(
    "/plan-steps/{step_id}/progress",
    response={200: StepOut, **ERRORS},
    summary="更新步骤进展",
    tags=["帮扶方案"],
)
def plan_step_progress(request: AuthenticatedRequest, step_id: Id, payload: StepProgressIn):
    step = PlanStep.objects.select_related("plan", "owner").filter(pk=step_id).first()
    if step is None:
        raise Http404("不存在或无权查看")
    access.get_target_for(request.user, step.plan.target_id, write=True)
    form = StepProgressForm(payload.dict(exclude_none=True))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return plan_step_update(actor=request.user, step=step, **form.cleaned_data)


# ---- 成效 ------------------------------------------------------------------------------------------------------
class OutcomeOut(Schema):
    id: int
    target: Ref
    indicator: Ref
    unit: str
    as_typed: str = Field(description="按原话填写的数值")
    value: Decimal | None
    date: date
    note: str
    plan_id: int | None
    problem_id: int | None
    beneficiaries: list[int]

    @staticmethod
    def resolve_target(obj: Outcome) -> dict:
        return {"id": obj.target_id, "name": obj.target.name}

    @staticmethod
    def resolve_indicator(obj: Outcome) -> dict:
        return {"id": obj.indicator_id, "name": obj.indicator.name}

    @staticmethod
    def resolve_unit(obj: Outcome) -> str:
        return obj.indicator.unit

    @staticmethod
    def resolve_beneficiaries(obj: Outcome) -> list[int]:
        return [t.pk for t in obj.beneficiaries.all()]


class OutcomeFilters(In):
    target: Id | None = None
    indicator: Id | None = None


class OutcomeIn(BodyIn):
    target: Id
    indicator: Id
    value: str = Field("", max_length=100, description="按原话填写,如“2万斤”“约200”“10-20万元”")
    date: Day
    plan: Id | None = None
    problem: Id | None = None
    beneficiaries: list[Id] = Field(default_factory=list, max_length=200)
    split: bool = False
    note: str = Field("", max_length=300)


def _outcomes(user):
    outcomes = Outcome.objects.filter(target__in=Target.objects.visible_to(user))
    return outcomes.select_related("target", "indicator").prefetch_related("beneficiaries")


@router.get("/outcomes", response={200: Page[OutcomeOut], **ERRORS}, summary="成效", tags=["成效"])
def outcome_list(request: AuthenticatedRequest, filters: Query[OutcomeFilters], page: Query[PageQuery]):
    outcomes = _outcomes(request.user)
    if filters.target is not None:
        outcomes = outcomes.filter(target_id=filters.target)
    if filters.indicator is not None:
        outcomes = outcomes.filter(indicator_id=filters.indicator)
    return cursor_page(outcomes, ("-date", "-id"), page.cursor, page.limit)


@router.post("/outcomes", response={201: OutcomeOut, **ERRORS}, summary="录入成效", tags=["成效"])
def outcome_create(request: AuthenticatedRequest, payload: OutcomeIn):
    target = access.get_target_for(request.user, payload.target, write=True)
    form = OutcomeForm(payload.dict(exclude={"target"}, exclude_none=True), target=target, user=request.user)
    if not payload.beneficiaries and not payload.split:
        form.fields.pop("beneficiaries", None)
        form.fields.pop("split", None)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    outcome = outcome_record(actor=request.user, target=target, **form.cleaned_data)
    return Status(201, _outcomes(request.user).get(pk=outcome.pk))


# ---- 清单 ------------------------------------------------------------------------------------------------------
class ChecklistItemOut(Schema):
    id: int
    text: str
    responsible: str
    due: date | None
    done: bool


class ChecklistOut(Schema):
    id: int
    group: Ref
    target: Ref | None
    name: str
    kind: str
    note: str
    supervised: bool
    created_on: date
    problems: list[int] = Field(description="纳入的问题 id")
    items: list[ChecklistItemOut]

    @staticmethod
    def resolve_group(obj: Checklist) -> dict:
        return {"id": obj.group_id, "name": obj.group.name}

    @staticmethod
    def resolve_target(obj: Checklist) -> dict | None:
        return {"id": obj.target_id, "name": obj.target.name} if obj.target_id else None

    @staticmethod
    def resolve_problems(obj: Checklist) -> list[int]:
        return [p.pk for p in obj.problems.all()]

    @staticmethod
    def resolve_items(obj: Checklist) -> list:
        return list(obj.items.all())


class ChecklistFilters(In):
    kind: str | None = Field(
        None, max_length=16, description="problem 问题清单、rectify 整改清单、responsibility 责任清单"
    )
    group: Id | None = None


def _checklists(user):
    checklists = Checklist.objects.filter(group__in=WorkGroup.objects.visible_to(user))
    return checklists.select_related("group", "target").prefetch_related("problems", "items")


@router.get("/checklists", response={200: Page[ChecklistOut], **ERRORS}, summary="清单", tags=["清单"])
def checklist_list(request: AuthenticatedRequest, filters: Query[ChecklistFilters], page: Query[PageQuery]):
    checklists = _checklists(request.user)
    if filters.kind:
        checklists = checklists.filter(kind=filters.kind)
    if filters.group is not None:
        checklists = checklists.filter(group_id=filters.group)
    return cursor_page(checklists, ("-created_on", "-id"), page.cursor, page.limit)


@router.get(
    "/checklists/{checklist_id}", response={200: ChecklistOut, **ERRORS}, summary="一份清单", tags=["清单"]
)
def checklist_detail(request: AuthenticatedRequest, checklist_id: Id):
    return _checklists(request.user).get(pk=checklist_id)  # DoesNotExist: 404
