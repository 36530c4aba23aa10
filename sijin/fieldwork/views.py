"""帮扶方案, 成效, 评价 and 清单 pages, and the visit photos (thin: access, form, service, render or redirect).

The 走访 quick entry page lives in sijin.desk: it reports problems too, and problems sit above fieldwork.
Lists go through the scope module (visible targets or groups); a write needs the target's group to be
writable for the user (403 when the user only reads it, 404 when it is out of scope).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.campaigns.models import Target, WorkGroup
from sijin.core.audit import audit_read
from sijin.core.models import AuditAction
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.pagination import paginate

from .forms import (
    ChecklistForm,
    ChecklistItemFormSet,
    FeedbackForm,
    MeasureForm,
    OutcomeForm,
    PlanForm,
    PlanStepFormSet,
    StepProgressForm,
    TargetPickForm,
    checklist_items,
    plan_steps,
)
from .models import Checklist, Measure, Outcome, PlanStep, StepStatus, SupportPlan, VisitPhoto
from .services import (
    checklist_create,
    feedback_record,
    measure_record,
    measure_totals,
    outcome_record,
    plan_create,
    plan_step_update,
)
from .totals import outcome_totals


@login_required
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    plans = (
        SupportPlan.objects.filter(target__in=Target.objects.visible_to(request.user))
        .select_related("target", "target__group", "owner")
        .prefetch_related(Prefetch("steps", queryset=PlanStep.objects.select_related("owner")))
        .annotate(
            n_steps=Count("steps", distinct=True),
            n_done=Count("steps", filter=Q(steps__status=StepStatus.DONE), distinct=True),
        )
        .order_by("target__name", "id")
    )
    page = paginate(request, plans, 20)
    writable = set(access.visible_groups_for_write(request.user).values_list("id", flat=True))
    return render(
        request,
        "fieldwork/plan_list.html",
        {"page_obj": page, "writable": writable, "today": timezone.localdate()},
    )


@login_required
def plan_create_view(request: AuthenticatedRequest, target_pk: int) -> HttpResponse:
    target = _target_for_write(request, target_pk)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, target=target, initial={"made_on": timezone.localdate()})
    steps = PlanStepFormSet(data, prefix="steps", form_kwargs={"target": target})
    if data is not None and all([form.is_valid(), steps.is_valid()]):  # both, so every error shows
        try:
            plan = plan_create(
                actor=request.user, target=target, steps=plan_steps(steps), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("已制定帮扶方案“%(name)s”(%(n)d步)。")
                % {"name": plan.display_name, "n": len(plan_steps(steps))},
            )
            return redirect("fieldwork:plan_list")
    return _page(
        request, "fieldwork/plan_form.html", form, target=target, steps=steps, title=_("制定帮扶方案")
    )


@login_required
def plan_step_update_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    step = PlanStep.objects.select_related("plan").filter(pk=pk).first()
    if step is None:
        raise Http404("不存在或无权查看")
    target = access.get_target_for(request.user, step.plan.target_id, write=True)
    initial = {"status": step.status, "done_on": step.done_on or timezone.localdate(), "note": step.note}
    form = StepProgressForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_step_update(actor=request.user, step=step, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已更新“%(title)s”的进展。") % {"title": step.title})
            return redirect("fieldwork:plan_list")
    return _page(request, "fieldwork/form.html", form, target=target, step=step, title=_("更新步骤进展"))


@login_required
def outcome_list(request: AuthenticatedRequest) -> HttpResponse:
    outcomes = Outcome.objects.filter(target__in=Target.objects.visible_to(request.user))
    totals = outcome_totals(outcomes, "indicator__campaign__name")
    rows = outcomes.select_related("target", "indicator").order_by("-date", "-id")
    page = paginate(request, rows, 50)
    return render(request, "fieldwork/outcome_list.html", {"totals": totals, "page_obj": page})


@login_required
def outcome_record_view(request: AuthenticatedRequest, target_pk: int) -> HttpResponse:
    target = _target_for_write(request, target_pk)
    data = request.POST if request.method == "POST" else None
    form = OutcomeForm(data, target=target, user=request.user, initial={"date": timezone.localdate()})

    def save() -> str:
        outcome = outcome_record(actor=request.user, target=target, **form.cleaned_data)
        return _("已录入成效:%(indicator)s %(value)s。") % {
            "indicator": outcome.indicator.name,
            "value": outcome.display_value,
        }

    return _target_form(request, target, form, save, title=_("录入成效"))


@login_required
def feedback_record_view(request: AuthenticatedRequest, target_pk: int) -> HttpResponse:
    target = _target_for_write(request, target_pk)
    data = request.POST if request.method == "POST" else None
    form = FeedbackForm(data, initial={"date": timezone.localdate()})

    def save() -> str:
        feedback_record(actor=request.user, target=target, group=_group_of(target), **form.cleaned_data)
        return _("已记录%(name)s的评价。") % {"name": form.cleaned_data["speaker_name"]}

    return _target_form(request, target, form, save, title=_("记录评价"))


def _target_form(
    request: AuthenticatedRequest, target: Target, form: Any, save: Callable[[], str], title: str
) -> HttpResponse:
    """A form that records something on a target: saved once (one-time token, spent in the save's
    transaction), a service's refusal shown on the form, and back to the target's page with ``save``'s message."""
    if request.method == "POST" and not form_token_fresh(request):
        messages.warning(request, _("该表单已提交,请勿重复提交。"))
        return redirect("desk:target_detail", target.pk)
    if request.method == "POST" and form.is_valid():
        try:
            with form_token_spend(request):
                done = save()
        except FormTokenSpent:
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("desk:target_detail", target.pk)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, done)
            return redirect("desk:target_detail", target.pk)
    return _page(request, "fieldwork/form.html", form, target=target, title=title)


@login_required
def checklist_list(request: AuthenticatedRequest) -> HttpResponse:
    checklists = (
        Checklist.objects.filter(group__in=WorkGroup.objects.visible_to(request.user))
        .select_related("group", "target")
        .annotate(n_problems=Count("problems", distinct=True), n_items=Count("items", distinct=True))
        .order_by("-created_on", "-id")
    )
    if kind := request.GET.get("kind"):
        checklists = checklists.filter(kind=kind)
    page = paginate(request, checklists, 50)
    can_create = access.visible_groups_for_write(request.user).exists()
    return render(request, "fieldwork/checklist_list.html", {"page_obj": page, "can_create": can_create})


@login_required
def checklist_create_view(request: AuthenticatedRequest) -> HttpResponse:
    groups = access.visible_groups_for_write(request.user)
    if not groups.exists():
        raise PermissionDenied(_("您没有可以形成清单的工作组。"))
    targets = Target.objects.visible_to(request.user).filter(group__in=groups).order_by("kind__order", "name")
    raw = request.POST.get("target") or request.GET.get("target")
    pick = TargetPickForm({"target": raw} if raw else None, targets=targets)
    if not pick.is_bound or not pick.is_valid():
        return render(request, "fieldwork/checklist_form.html", {"pick": pick}, status=_status(request, pick))
    target: Target = pick.cleaned_data["target"]
    data = request.POST if request.method == "POST" else None
    problems = target.problems.visible_to(request.user).order_by("-id")  # type: ignore[attr-defined]
    form = ChecklistForm(data, problems=problems, initial={"created_on": timezone.localdate()})
    items = ChecklistItemFormSet(data, prefix="items")
    if data is not None and all([form.is_valid(), items.is_valid()]):
        try:
            checklist = checklist_create(
                actor=request.user,
                group=_group_of(target),
                target=target,
                items=checklist_items(items),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已形成清单“%(name)s”。") % {"name": checklist.name})
            return redirect("fieldwork:checklist_list")
    return _page(
        request,
        "fieldwork/checklist_form.html",
        form,
        target=target,
        pick=pick,
        items=items,
        title=_("形成清单"),
    )


@login_required
def measure_list(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    """A group's 帮扶措施: totals by type, the entries, and (for whoever may write the group) the form to add one."""
    group = access.get_group_for(request.user, group_pk, write=request.method == "POST")
    can_write = access.can_write(request.user, group.pk)
    measures = Measure.objects.visible_to(request.user).filter(group=group)
    form = None
    if can_write:
        problems = group.problems.visible_to(request.user).order_by("-id")
        data = request.POST if request.method == "POST" else None
        form = MeasureForm(
            data, group=group, problems=problems, initial={"date": timezone.localdate(), "times": 1}
        )
        if data is not None and not form_token_fresh(request):
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("fieldwork:measure_list", group.pk)
        if data is not None and form.is_valid():
            try:
                with form_token_spend(request):
                    measure = measure_record(actor=request.user, group=group, **form.cleaned_data)
            except FormTokenSpent:
                messages.warning(request, _("该表单已提交,请勿重复提交。"))
                return redirect("fieldwork:measure_list", group.pk)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("已记录帮扶措施:%(type)s%(times)s。")
                    % {"type": measure.type.name, "times": measure.times_display},
                )
                return redirect("fieldwork:measure_list", group.pk)
    rows = measures.select_related("type", "target", "plan_step", "created_by").order_by("-date", "-id")
    page = paginate(request, rows, 50)
    return render(
        request,
        "fieldwork/measure_list.html",
        {
            "group": group,
            "totals": measure_totals(measures),
            "page_obj": page,
            "form": form,
            "form_token": form_token(request) if form is not None else "",
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def visit_photo(request: AuthenticatedRequest, pk: int) -> FileResponse:
    photo = VisitPhoto.objects.filter(pk=pk).only("id", "visit_id", "file", "content_type").first()
    if photo is None:
        raise Http404("不存在或无权查看")
    access.get_visit_for(request.user, photo.visit_id)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在") from None
    audit_read(request, AuditAction.PHOTO_DOWNLOAD, photo, f"查看走访照片(走访 {photo.visit_id})")
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _target_for_write(request: AuthenticatedRequest, pk: int) -> Target:
    target = access.get_target_for(request.user, pk, write=True)
    _group_of(target)
    return target


def _group_of(target: Target) -> WorkGroup:
    """The target's work group: the pages write only for a target that has one."""
    if target.group is None:
        raise PermissionDenied(_("该帮扶对象尚未分配工作组。"))
    return target.group


def _status(request: AuthenticatedRequest, form: Any) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _page(request: AuthenticatedRequest, template: str, form: Any, **context: Any) -> HttpResponse:
    bound_errors = bool(form.errors) or any(
        getattr(fs, "total_error_count", lambda: 0)()
        for fs in context.values()
        if hasattr(fs, "management_form")
    )
    return render(
        request,
        template,
        {"form": form, "form_token": form_token(request), **context},
        status=400 if request.method == "POST" and bound_errors else 200,
    )
