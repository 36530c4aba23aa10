"""Problems in the JSON API: the 问题台账 (with the page's filters), one problem with the actions open to the
caller, its timeline, 上报, and the workflow's actions (``POST /problems/{id}/actions/{action}``).

The same code as the pages: the scope (``Problem.objects.visible_to``, ``access.get_problem_for``), the
ledger's filter form (``ProblemFilterForm``, ``filter_problems``), each action's form (``ActionForm``, built
from the TRANSITIONS table) and ``problem_transition``. An action carries the ``version`` the caller read: if
the problem changed since, the answer is 409 and nothing changes.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.campaigns.models import Category
from sijin.core.jsonapi import BodyIn, Day, ErrorOut, Id, In, Page, PageQuery, Ref, cursor_page
from sijin.fieldwork.models import Visit

from .forms import OUTCOME_ROWS, ActionForm, ProblemFilterForm, filter_problems
from .models import Action, Problem
from .services import problem_report
from .supervision import problem_light
from .workflow import STALE_MESSAGE, TRANSITIONS, StaleProblem, allowed_actions, problem_transition

router = Router(tags=["问题"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
ORDER = ("-reported_on", "-id")  # the 问题台账's default order


class ProblemOut(Schema):
    id: int
    title: str
    description: str
    status: str = Field(description="状态代码(reported、assigned …)")
    status_display: str = Field(description="状态名称")
    level: str
    light: str = Field(description="亮灯:green、yellow、red、closed_late、none")
    campaign_id: int
    target: Ref
    group: Ref
    visit_id: int | None
    region: str = Field(description="所在区划代码")
    category: Ref | None
    handling_org: Ref | None
    handler: Ref | None
    reported_on: date
    assigned_on: date | None
    accept_by: date | None
    accepted_on: date | None
    deadline_days: int | None
    deadline: date | None
    resolved_on: date | None
    closed_on: date | None
    review_on: date | None
    measures: str
    resolution: str
    coordinated_with: str
    satisfaction: str
    merged_into_id: int | None
    version: int = Field(description="办理操作须带上读到的版本号;他人先改过则返回 409")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_status_display(obj: Problem) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_light(obj: Problem) -> str:
        return str(problem_light(obj))

    @staticmethod
    def resolve_region(obj: Problem) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_target(obj: Problem) -> dict:
        return {"id": obj.target_id, "name": obj.target.name}

    @staticmethod
    def resolve_group(obj: Problem) -> dict:
        return {"id": obj.group_id, "name": obj.group.name}

    @staticmethod
    def resolve_category(obj: Problem) -> dict | None:
        return {"id": obj.category_id, "name": obj.category.name} if obj.category_id else None

    @staticmethod
    def resolve_handling_org(obj: Problem) -> dict | None:
        return {"id": obj.handling_org_id, "name": obj.handling_org.name} if obj.handling_org_id else None

    @staticmethod
    def resolve_handler(obj: Problem) -> dict | None:
        return {"id": obj.handler_id, "name": obj.handler.name} if obj.handler_id else None


class ProblemDetailOut(ProblemOut):
    actions: list[str] = Field(description="当前用户现在可以执行的操作")


class EventOut(Schema):
    id: int
    action: str
    action_display: str
    from_status: str
    to_status: str
    comment: str
    actor: str | None
    at: datetime
    on_date: date | None
    data: dict[str, Any]

    @staticmethod
    def resolve_action_display(obj: Any) -> str:
        return Action.label_of(obj.action)

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ProblemFilters(In):
    """The 问题台账's filters (problems.forms.ProblemFilterForm); a value outside the caller's scope is refused."""

    q: str | None = Field(None, description="关键词(问题或帮扶对象名称)", max_length=100)
    status: str | None = None
    light: str | None = None
    level: str | None = None
    category: Id | None = None
    handling_org: Id | None = None
    kind: Id | None = Field(None, description="帮扶对象类型 id")
    region: str | None = Field(None, description="区划代码(含下级)", max_length=12)
    reported_from: Day | None = None
    reported_to: Day | None = None


class ProblemIn(BodyIn):
    target: Id = Field(description="帮扶对象 id")
    title: str = Field(max_length=200)
    description: str = ""
    reported_on: Day | None = Field(None, description="发现日期,默认今天")
    visit: Id | None = Field(None, description="发现问题的走访 id")
    category: Id | None = Field(None, description="问题类别 id")


class OutcomeIn(BodyIn):
    indicator: Id = Field(description="成效指标 id")
    value: str = Field(max_length=50, description="数值,如“2万斤”“3.5万元”")
    note: str = Field("", max_length=300)


class MeasureIn(BodyIn):
    type: Id = Field(description="措施类型 id")
    times: int | None = None
    units: int | None = None
    people: int | None = None


class ActionIn(BodyIn):
    """The fields an action takes (see TRANSITIONS): only those of the action are accepted."""

    version: int = Field(description="读到的版本号")
    on_date: Day | None = Field(None, description="发生日期,默认今天(补录时填实际日期)")
    level: str | None = None
    handling_org: Id | None = None
    handler: Id | None = None
    category: Id | None = None
    deadline_days: int | None = None
    complex: bool | None = None
    resolution: str | None = None
    measures: str | None = None
    coordinated_with: str | None = None
    reason: str | None = None
    comment: str | None = None
    new_deadline: Day | None = None
    satisfaction: str | None = None
    review_on: Day | None = None
    merged_into: Id | None = None
    outcomes: list[OutcomeIn] | None = Field(None, max_length=OUTCOME_ROWS)
    measure: MeasureIn | None = None


def _loaded(qs):
    return qs.select_related("target", "group", "category", "handling_org", "handler", "campaign")


@router.get("/problems", response={200: Page[ProblemOut], **ERRORS}, summary="问题台账")
def problem_list(request: AuthenticatedRequest, filters: Query[ProblemFilters], page: Query[PageQuery]):
    visible = Problem.objects.visible_to(request.user)
    data = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in filters.dict().items() if v}
    form = ProblemFilterForm(data or None, user=request.user)
    if data and not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return cursor_page(_loaded(filter_problems(visible, form)), ORDER, page.cursor, page.limit)


@router.get("/problems/{problem_id}", response={200: ProblemDetailOut, **ERRORS}, summary="问题详情")
def problem_detail(request: AuthenticatedRequest, problem_id: Id):
    problem = access.get_problem_for(request.user, problem_id)
    problem.actions = allowed_actions(request.user, problem)
    return problem


@router.get("/problems/{problem_id}/events", response={200: Page[EventOut], **ERRORS}, summary="问题流转记录")
def problem_events(request: AuthenticatedRequest, problem_id: Id, page: Query[PageQuery]):
    problem = access.get_problem_for(request.user, problem_id)
    events = problem.events.select_related("actor")
    return cursor_page(events, ("-id",), page.cursor, page.limit)


@router.post("/problems", response={201: ProblemDetailOut, **ERRORS}, summary="上报问题")
def problem_create(request: AuthenticatedRequest, payload: ProblemIn):
    target = access.get_target_for(request.user, payload.target, write=True)
    visit = None
    if payload.visit is not None:
        visit = (
            Visit.objects.visible_to(request.user).filter(pk=payload.visit, group_id=target.group_id).first()
        )
        if visit is None:
            raise ValidationError({"visit": ["所选走访不存在,或不是该帮扶对象所在工作组的走访。"]})
    category = None
    if payload.category is not None:
        category = Category.objects.filter(pk=payload.category, campaign_id=target.campaign_id).first()
        if category is None:
            raise ValidationError({"category": ["问题类别不属于该行动。"]})
    problem = problem_report(
        actor=request.user,
        target=target,
        title=payload.title,
        description=payload.description,
        reported_on=payload.reported_on or timezone.localdate(),
        visit=visit,
        category=category,
    )
    problem = _loaded(Problem.objects).get(pk=problem.pk)
    problem.actions = allowed_actions(request.user, problem)
    return Status(201, problem)


# Form field → API field, for the errors of an action's form.
_FORM_NAMES = {
    **{
        f"outcome{i}_{part}": f"outcomes.{i}.{part}"
        for i in range(OUTCOME_ROWS)
        for part in ("indicator", "value", "note")
    },
    "measure_type": "measure.type",
    "measure_times": "measure.times",
    "measure_units": "measure.units",
    "measure_people": "measure.people",
}


def _form_data(action: str, payload: ActionIn) -> dict[str, Any]:
    """The payload as the action's form would have it posted (prefixed by the action)."""
    values: dict[str, Any] = {}
    for name, value in payload.dict(exclude={"outcomes", "measure"}).items():
        if value is not None:
            values[name] = value.isoformat() if isinstance(value, date) else value
    for i, outcome in enumerate(payload.outcomes or ()):
        values |= {f"outcome{i}_{k}": v for k, v in outcome.dict().items()}
    if payload.measure is not None:
        values |= {f"measure_{k}": v for k, v in payload.measure.dict().items() if v is not None}
    return {f"{action}-{k}": v for k, v in values.items()}


@router.post(
    "/problems/{problem_id}/actions/{action}",
    response={200: ProblemDetailOut, 409: ErrorOut, **ERRORS},
    summary="办理操作(分级交办、签收、办结、回访……)",
)
def problem_act(request: AuthenticatedRequest, problem_id: Id, action: str, payload: ActionIn):
    problem = access.get_problem_for(request.user, problem_id, write=True)
    if action not in Action.values:
        raise Http404("没有这个操作")
    if payload.version != problem.version:
        raise StaleProblem(STALE_MESSAGE)
    form = ActionForm(
        _form_data(action, payload),
        action=action,
        transition=TRANSITIONS.get((problem.status, action)),
        problem=problem,
        user_problems=Problem.objects.visible_to(request.user).exclude(pk=problem.pk),
        user=request.user,
    )
    given = payload.model_fields_set - {"version", "on_date"}
    offered = (
        {f for f in form.fields if f not in _FORM_NAMES}
        | ({"outcomes"} if form.takes_outcomes else set())
        | ({"measure"} if form.takes_measure else set())
    )
    if TRANSITIONS.get((problem.status, action)) is not None and (refused := given - offered):
        label = Action.label_of(action)
        raise ValidationError({name: [f"“{label}”不接受此字段。"] for name in sorted(refused)})
    if not form.is_valid():
        raise ValidationError({_FORM_NAMES.get(k, k): v for k, v in form.errors.as_data().items()})
    problem = problem_transition(
        actor=request.user,
        problem=problem,
        action=action,
        version=form.cleaned_data["version"],
        on_date=form.cleaned_data["on_date"],
        **form.transition_fields(),
    )
    problem = _loaded(Problem.objects).get(pk=problem.pk)
    problem.actions = allowed_actions(request.user, problem)
    return problem
