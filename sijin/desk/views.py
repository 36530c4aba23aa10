"""Pages that gather several domains: the workbench, the work groups, the targets with their timeline, and
the 走访 quick entry (a visit and the problems found on it, in one form).

Each page asks the scope module (``sijin.accounts.access``) for what the user may see and the domain apps for
the rest; this app sits above all of them and nothing imports it.
"""

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.campaigns.attributes import display_attributes
from sijin.campaigns.forms import BulkTargetForm, CadreForm, GroupDocumentForm
from sijin.campaigns.models import Category, Target, TargetKind, WorkGroup
from sijin.campaigns.people import cadre_people, group_cadre_count
from sijin.core.converters import query_id
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.pagination import paginate
from sijin.directory.models import Person, Region
from sijin.fieldwork.forms import ProblemFoundFormSet, VisitForm, problems_found
from sijin.fieldwork.models import Checklist, Outcome, PlanStep, StepStatus, visit_total
from sijin.fieldwork.totals import scope_outcome_totals, scope_visit_total
from sijin.problems.models import (
    SOLVED_STATUSES,
    VOID_STATUSES,
    Problem,
    Status,
)
from sijin.problems.rates import Rates, compute_rates, rate_counts
from sijin.problems.services import visit_report
from sijin.problems.supervision import annotate_light, light_conditions, light_q
from sijin.problems.tally import scope_rates, tally_q
from sijin.reports.models import WorkMethod

from . import todos
from .timeline import target_timeline


# ---- 工作台 ----------------------------------------------------------------------------------------------------
@login_required
def workbench(request: AuthenticatedRequest) -> HttpResponse:
    """My to-dos and my numbers. A fixed number of queries whatever the scope, each reading a bounded number
    of rows where it can: the deadline clock once, the to-dos in one query (at most a hundred of each kind:
    ``todos.board``) and the thirty listed in one, the problems and their rates from the kept tallies
    (``_problem_numbers``) and the visits' (``scope_visit_total``), a handler's targets from its unit's
    problems alone (``access.target_ids``)."""
    user = request.user
    today = timezone.localdate()
    lights = light_conditions(today)
    problems = Problem.objects.visible_to(user)
    kind = request.GET.get("todo", "")
    kind = kind if kind in todos.KINDS else ""
    board = todos.board(user, today, kind)
    waiting = dict(board.ids)
    # Only what the rows show (desk/workbench.html, includes/light.html): not the target's attributes.
    listed = (
        problems.filter(pk__in=waiting)
        .select_related("target", "handling_org")
        .only("title", "status", "deadline", "resolved_on", "target__name", "handling_org__name")
    )
    by_pk = {p.pk: p for p in annotate_light(listed, today, lights)}
    my_problems = [by_pk[pk] for pk, _kind in board.ids if pk in by_pk]
    # Labels said once here, not by ``get_status_display`` per row (which translates every status each time).
    kind_labels = {k: str(label) for k, (label, _statuses) in todos.KINDS.items()}
    for p in my_problems:
        p.waiting = waiting[p.pk]  # type: ignore[attr-defined]
        p.waiting_label = kind_labels[p.waiting]  # type: ignore[attr-defined]
        p.status_label = Status.label_of(p.status)  # type: ignore[attr-defined]
    targets = Target.objects.visible_to(user)
    # Plan steps are the group's work: a handler, who sees a target only through a problem, gets none.
    steps = (
        PlanStep.objects.filter(
            plan__target__in=targets, plan__target__group__in=WorkGroup.objects.visible_to(user)
        )
        .exclude(status=StepStatus.DONE)
        .select_related("plan", "plan__target")
        .order_by("due", "plan_id", "order")[:20]
    )
    # From the kept tally (fieldwork.totals.scope_outcome_totals) where the scope can be said on it.
    outcomes = [{"name": row["indicator__name"], "total": row["text"]} for row in scope_outcome_totals(user)]
    counted, solved, rates = _problem_numbers(user, problems, today)
    numbers = {
        "groups": WorkGroup.objects.visible_to(user).count(),
        "targets": access.target_ids(user).count(),  # a handler's from the unit's problems alone
        "visits": scope_visit_total(user),
        "problems": counted,
        "solved": solved,
    }
    return render(
        request,
        "desk/workbench.html",
        {
            "my_problems": my_problems,
            "todo_counts": board.counts,
            "todo_kind": kind,
            "todo_total": board.total_label,
            "todo_more": f"{reverse('problems:problem_list')}?{urlencode(todos.ledger_query(kind))}"
            if board.total > todos.LIMIT
            else "",
            "todo_limit": todos.LIMIT,
            "steps": steps,
            "numbers": numbers,
            "rates": rates,
            "outcomes": outcomes,
            "today": today,
            "recent": _recent(problems),
        },
    )


def _recent(problems: QuerySet[Problem]) -> list[Problem]:
    """最近动态: read newest first from the updated_at index (problems 0009_list_indexes)."""
    recent = list(problems.order_by("-updated_at").only("id", "title", "status", "updated_at")[:10])
    for p in recent:
        p.status_label = Status.label_of(p.status)  # type: ignore[attr-defined]
    return recent


def _problem_numbers(user, problems: QuerySet[Problem], today: date) -> tuple[int, int, Rates]:
    """How many problems the user sees, how many of them are solved, and their rates.

    From the kept tallies (problems.tally) when the user's scope can be said on them: by work group and county
    (an office or leader over a county or more, a unit, a group, the admin), else by handling unit too (a
    handler) — a few rows per status, not the problems: an office's are hundreds of thousands at a province's
    scale, a handler's unit's thousands. Otherwise (a region grant below the county) by status, in one grouped
    query: every problem once, so the rows add up to the count, the solved and, without the void ones as the
    rates count, the rates."""
    if (q := tally_q(user)) is not None:
        n, rates = scope_rates(q, today)
        return n, rates.solved, rates
    if (q := access.problem_tally_q(user, by_unit=True)) is not None:
        n, rates = scope_rates(q, today, by_unit=True)
        return n, rates.solved, rates
    grouped = problems.order_by().values("status").annotate(**rate_counts(today))
    by_status = cast(list[dict[str, Any]], list(grouped))  # the annotations' keys: not in the stubs' row type
    return (
        sum(row["total"] for row in by_status),
        sum(row["total"] for row in by_status if row["status"] in SOLVED_STATUSES),
        Rates.summed(row for row in by_status if row["status"] not in VOID_STATUSES),
    )


# ---- 工作组 ----------------------------------------------------------------------------------------------------
@login_required
def group_list(request: AuthenticatedRequest) -> HttpResponse:
    groups = (
        WorkGroup.objects.visible_to(request.user)
        .select_related("dispatching_org", "region", "campaign")
        .annotate(n_targets=Count("targets", distinct=True))
    )
    return render(request, "desk/group_list.html", {"groups": groups})


@login_required
def group_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    targets = group.targets.select_related("kind", "responsible").order_by("kind__order", "name")
    problems = Problem.objects.visible_to(request.user).filter(group=group)
    visits = group.visits.all()
    context = {
        "group": group,
        "memberships": group.memberships.select_related("person", "person__organization"),
        "targets": targets,
        "visit_count": visit_total(visits),
        "visits": visits.prefetch_related("targets", "accompanying_leaders")[:50],
        "problem_count": problems.count(),
        "rates": compute_rates(problems),
        "methods": WorkMethod.objects.filter(group=group).select_related("target"),
        "checklists": Checklist.objects.filter(group=group).select_related("target"),
        "leadership_visits": visits.filter(accompanying_leaders__isnull=False)
        .distinct()
        .prefetch_related("accompanying_leaders", "targets"),
        **_group_people_and_documents(request, group),
    }
    return render(request, "desk/group_detail.html", context)


def _group_people_and_documents(request: AuthenticatedRequest, group: WorkGroup) -> dict:
    """The group page's 包保/派驻 counts and lists, its documents, and the bulk-add and document forms."""
    writable = access.can_write(request.user, group.pk)
    return {
        "cadre_count": group_cadre_count(group),
        "postings": group.postings.select_related("person", "target", "region"),
        "documents": group.documents.all(),
        "can_write_group": writable,
        "bulk_form": BulkTargetForm(group=group) if writable else None,
        "document_form": GroupDocumentForm() if writable else None,
        "form_token": form_token(request) if writable else "",
    }


# ---- 帮扶对象 --------------------------------------------------------------------------------------------------
@login_required
def target_list(request: AuthenticatedRequest) -> HttpResponse:
    targets = Target.objects.visible_to(request.user).select_related("kind", "region", "group", "responsible")
    kinds = TargetKind.objects.filter(targets__in=targets).distinct()
    if kind := request.GET.get("kind"):
        targets = targets.filter(kind__code=kind)
    if q := request.GET.get("q", "").strip():
        targets = targets.filter(Q(name__contains=q) | Q(address__contains=q))
    filters = _target_filters(request.user)
    if region := Region.objects.filter(pk=request.GET.get("region") or None).first():
        targets = targets.filter(access.region_within_q("region", region.prefix))
    if (group := query_id(request.GET.get("group"))) is not None:
        targets = targets.filter(group_id=group)
    if (responsible := query_id(request.GET.get("responsible"))) is not None:
        targets = targets.filter(responsible_id=responsible)
    if request.GET.get("red"):
        # The same 超期 light as everywhere (problems.supervision), on problems the user may see.
        red = Problem.objects.visible_to(request.user).filter(light_q("red"))
        targets = targets.filter(pk__in=red.values("target_id"))
    targets = targets.annotate(n_problems=Count("problems", distinct=True)).order_by("kind__order", "name")
    page = paginate(request, targets, 50)
    return render(
        request,
        "desk/target_list.html",
        {"page_obj": page, "kinds": kinds, "q": q, "can_create": access.can_write(request.user), **filters},
    )


def _target_filters(user) -> dict:
    """Options of the region, group and 包保责任人 filters: only what the user's targets use."""
    visible = Target.objects.visible_to(user)
    groups = WorkGroup.objects.visible_to(user)
    return {
        "regions": Region.objects.filter(
            Q(code__in=visible.values("region_id")) | Q(code__in=groups.values("region_id"))
        ).order_by("code"),
        "groups": groups.order_by("name"),
        "people": Person.objects.filter(responsible_for__in=visible).distinct().order_by("name"),
    }


@login_required
def target_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    target = access.get_target_for(request.user, pk)
    problems = Problem.objects.visible_to(request.user).filter(target=target)
    # A handler sees the target only through their unit's problems: not the group's other work.
    full = WorkGroup.objects.visible_to(request.user).filter(pk=target.group_id).exists()
    context = {
        "target": target,
        "attributes": display_attributes(target.kind.schema, target.attributes),
        "timeline": target_timeline(target, problems, full),
        "problems": problems,
        "plans": target.plans.prefetch_related("steps", "steps__owner") if full else [],
        "outcomes": Outcome.objects.filter(Q(target=target) | Q(beneficiaries=target))
        .distinct()
        .select_related("indicator")
        .prefetch_related("beneficiaries")
        if full
        else [],
        "checklists": target.checklists.all() if full else [],
        "methods": target.methods.all() if full else [],
        "can_write": bool(target.group_id) and access.can_write(request.user, target.group_id),
        "cadres": target.cadres.select_related("person", "person__organization") if full else [],
        "cadre_form": CadreForm(people=cadre_people(target))
        if full and access.may_assign_cadres(request.user, target.group)
        else None,
    }
    return render(request, "desk/target_detail.html", context)


# ---- 走访 ------------------------------------------------------------------------------------------------------
@login_required
def visit_create(request: AuthenticatedRequest) -> HttpResponse:
    groups = access.visible_groups_for_write(request.user).order_by("name")
    if not groups.exists():
        raise PermissionDenied(_("您没有可录入走访的工作组。"))
    group = _chosen_group(groups, request.POST.get("group") or request.GET.get("group"))
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = VisitForm(data, files, groups=groups, group=group, initial=_initial(request, group))
    problems = ProblemFoundFormSet(data, prefix="problems", form_kwargs={"group": group})
    if request.method == "POST":
        if not form_token_fresh(request, "token"):
            messages.warning(request, _("该走访已提交,请勿重复提交。"))
            return redirect(_visit_form_url(group=group.pk))
        if form.is_valid() and problems.is_valid():
            try:
                cleaned = form.cleaned_data
                with form_token_spend(request, "token"):
                    visit = visit_report(
                        actor=request.user,
                        group=cleaned["group"],
                        targets=list(cleaned["targets"]),
                        date=cleaned["date"],
                        end_date=cleaned["end_date"],
                        occasions=cleaned["occasions"],
                        mode=cleaned["mode"],
                        participants=list(cleaned["participants"]),
                        notes=cleaned["notes"],
                        latitude=cleaned["latitude"],
                        longitude=cleaned["longitude"],
                        problems=problems_found(problems, cleaned["latitude"], cleaned["longitude"]),
                        photos=cleaned["photos"],
                        keep_location=cleaned["keep_location"],
                    )
            except FormTokenSpent:
                messages.warning(request, _("该走访已提交,请勿重复提交。"))
                return redirect(_visit_form_url(group=group.pk))
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("走访已保存(%(date)s,%(n)d个问题)。")
                    % {"date": visit.date, "n": len(visit.problems.all())},
                )
                return redirect(_visit_form_url(group=group.pk, saved=visit.pk))
    return render(
        request,
        "desk/visit_form.html",
        {
            "form": form,
            "problems": problems,
            "group": group,
            "groups": groups,
            "has_categories": Category.objects.filter(campaign_id=group.campaign_id).exists(),
            "saved": request.GET.get("saved"),
        },
        status=400 if form.is_bound else 200,
    )


def _visit_form_url(**query: int) -> str:
    return f"{reverse('desk:visit_create')}?{urlencode(query)}"


def _chosen_group(groups, raw):
    chosen = groups.filter(pk=pk).first() if (pk := query_id(raw)) is not None else None
    return chosen or groups.first()


def _initial(request: AuthenticatedRequest, group) -> dict:
    return {"group": group, "date": timezone.localdate(), "token": form_token(request, "token")}


def _attach_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
