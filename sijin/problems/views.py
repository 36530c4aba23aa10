"""问题台账, the problem page with its actions, evidence, and 督办 (near-due and overdue problems by handling
unit, with the printable 督办通知单 .docx). Thin: access, form, service, render."""

from datetime import date
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.audit import audit_read
from sijin.core.models import AuditAction
from sijin.core.pagination import paginate
from sijin.core.workdays import workdays_left
from sijin.directory.models import Organization
from sijin.fieldwork.models import Visit, VisitPhoto

from .forms import SORTS, ActionForm, ProblemFilterForm
from .models import RUNNING_STATUSES, Action, Problem, ProblemAttachment, Status
from .notice import notice_docx, notice_issue
from .rates import compute_rates
from .supervision import annotate_light, light_q, problem_light
from .workflow import TRANSITIONS, StaleProblem, allowed_actions, problem_transition

PAGE_SIZE = 50
SUPERVISION_LIMIT = 1000  # rows shown on the 督办 page; the ledger export has all of them
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_COLUMNS = (
    "id", "title", "status", "level", "reported_on", "deadline", "resolved_on", "campaign_id",
    "target__name", "handling_org__name", "category__name",
)  # fmt: skip


@login_required
def problem_list(request):
    visible = Problem.objects.visible_to(request.user)
    form = ProblemFilterForm(request.GET or None, problems=visible)
    problems = _filtered(visible, form)
    problems = (
        annotate_light(problems).select_related("target", "handling_org", "category").only(*LIST_COLUMNS)
    )
    ordering = form.ordering()
    page = paginate(request, problems.order_by(ordering, "-id"), PAGE_SIZE)
    return render(
        request,
        "problems/problem_list.html",
        {"form": form, "page_obj": page, "sort": ordering, "sorts": SORTS},
    )


@login_required
@vary_on_headers("HX-Request")
def problem_detail(request, pk):
    problem = access.get_problem_for(request.user, pk)
    return _render_detail(request, problem)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def problem_act(request, pk, action):
    """Apply one action. An HTMX form gets the re-rendered panel; a plain form (no JS) a redirect."""
    problem = access.get_problem_for(request.user, pk, write=True)
    if action not in Action.values:
        raise Http404("没有这个操作")
    form = _action_form(request, problem, action, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _render_detail(request, problem, failed=form, status=400)
    try:
        problem = problem_transition(
            actor=request.user,
            problem=problem,
            action=action,
            version=form.cleaned_data["version"],
            on_date=form.cleaned_data["on_date"],
            **form.transition_fields(),
        )
    except StaleProblem as exc:
        return _render_detail(request, problem, failed=form, error=exc.messages[0], status=409)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
            form.add_error(None, exc)  # shown next to the field it is about (发生日期 …)
            error = _("未能%(action)s,请按提示修改。") % {"action": Action.label_of(action)}
            return _render_detail(request, problem, failed=form, error=error, status=400)
        return _render_detail(request, problem, failed=form, error="".join(exc.messages), status=400)
    except PermissionDenied as exc:
        return _render_detail(request, problem, failed=form, error=str(exc) or _("无权操作。"), status=403)
    notice = _action_notice(problem, action)
    if request.htmx:
        return _render_detail(request, problem, notice=notice)
    messages.success(request, notice)
    return redirect("problems:problem_detail", problem.pk)


def deadline_note(problem: Problem, today: date) -> str:
    """What the 办结期限 means today: working days left while it runs (an approved 延期 counts from the new
    date), how late a problem is, or when a solved one was solved."""
    if problem.deadline is None:
        return ""
    if problem.status in RUNNING_STATUSES:
        left = workdays_left(problem.deadline, today)
        if left > 0:
            return _("剩余%(n)d个工作日") % {"n": left}
        if left == 0:
            return _("今天到期")
        return _("已超期%(n)d个工作日") % {"n": -left}
    if problem.resolved_on:
        late = problem.resolved_on > problem.deadline
        return (_("逾期办结于%(day)s") if late else _("按期办结于%(day)s")) % {
            "day": f"{problem.resolved_on:%Y-%m-%d}"
        }
    return ""


def _action_notice(problem: Problem, action: str) -> str:
    """What the action did, in words; 回访 says plainly whether it closed the problem (销号) or reopened it."""
    if action == Action.VERIFY and problem.status == Status.CLOSED:
        return _("回访%(satisfaction)s,已销号。") % {"satisfaction": problem.get_satisfaction_display()}
    if action == Action.VERIFY:
        return _("回访不满意,已转重办,新的办结期限为%(deadline)s。") % {
            "deadline": f"{problem.deadline:%Y-%m-%d}" if problem.deadline else "—"
        }
    return _("已%(action)s,当前状态:%(status)s。") % {
        "action": Action.label_of(action),
        "status": problem.get_status_display(),
    }


def _filtered(problems, form: ProblemFilterForm):
    """Apply the filters that are valid; a mistyped one is ignored rather than hiding every row."""
    if not form.is_bound:
        return problems
    form.is_valid()
    data = form.cleaned_data
    if q := data.get("q"):
        problems = problems.filter(Q(title__contains=q) | Q(target__name__contains=q))
    for name in ("status", "level", "category", "handling_org"):
        if value := data.get(name):
            problems = problems.filter(**{name: value})
    if region := data.get("region"):
        problems = problems.filter(region__code__startswith=region.prefix)
    if kind := data.get("kind"):
        problems = problems.filter(target__kind=kind)
    if light := data.get("light"):
        problems = problems.filter(light_q(light))
    if start := data.get("reported_from"):
        problems = problems.filter(reported_on__gte=start)
    if end := data.get("reported_to"):
        problems = problems.filter(reported_on__lte=end)
    return problems


def _action_form(request, problem: Problem, action: str, data=None, files=None) -> ActionForm:
    return ActionForm(
        data,
        files,
        action=action,
        transition=TRANSITIONS.get((problem.status, action)),
        problem=problem,
        user_problems=Problem.objects.visible_to(request.user).exclude(pk=problem.pk),
        user=request.user,
        initial={"version": problem.version},
    )


def _render_detail(
    request,
    problem: Problem,
    failed: ActionForm | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
):
    """The detail page, or for an HTMX request only its ``detail-panel`` partial.

    An HTMX render of a refused action is sent as 200, not 400/403/409: htmx 2 does not swap 4xx responses
    by default, and widening ``htmx.config.responseHandling`` site-wide would also swap Django's full-page
    403/404 into whatever element asked. The plain (no-JS) form keeps the real status codes.
    """
    actions = []
    for action in allowed_actions(request.user, problem):
        form = (
            failed
            if failed is not None and failed.action == action
            else _action_form(request, problem, action)
        )
        actions.append({"action": action, "label": Action.label_of(action), "form": form})
    if failed is not None and failed.action not in {a["action"] for a in actions}:
        error = error or _("您无权对此问题执行“%(action)s”。") % {"action": Action.label_of(failed.action)}
    # Only photos the user may open (a handler is not in the visit's scope: no broken thumbnails).
    photos = (
        VisitPhoto.objects.filter(
            visit_id=problem.visit_id, visit__in=Visit.objects.visible_to(request.user)
        ).only("id")
        if problem.visit_id
        else []
    )
    today = timezone.localdate()
    context = {
        "problem": problem,
        "light": problem_light(problem, today),
        "deadline_note": deadline_note(problem, today),
        "events": problem.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"),
        "actions": actions,
        "error": error,
        "notice": notice,
        "failed_action": failed.action if failed is not None else "",
        "photos": photos,
        "outcomes": problem.outcomes.select_related("indicator").order_by("id"),
    }
    if request.htmx:
        return render(request, "problems/problem_detail.html#detail-panel", context)
    return render(request, "problems/problem_detail.html", context, status=status)


@login_required
def problem_attachment(request, pk):
    """Evidence of an event, served only to people who can see its problem (404 for anyone else)."""
    attachment = ProblemAttachment.objects.filter(pk=pk).select_related("event").first()
    if attachment is None:
        raise Http404("不存在或无权查看")
    access.get_problem_for(request.user, attachment.event.problem_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    audit_read(request, AuditAction.EVIDENCE_DOWNLOAD, attachment, f"下载佐证材料 {attachment.name}")
    response = FileResponse(
        handle, content_type=attachment.content_type, as_attachment=True, filename=attachment.name
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- 督办 ------------------------------------------------------------------------------------------------------
def _attention(user, today: date):
    """The user's visible near-due (yellow) and overdue (red) problems, most overdue first."""
    problems = Problem.objects.visible_to(user).filter(light_q("yellow", today) | light_q("red", today))
    return (
        annotate_light(problems, today)
        .select_related("handling_org", "target")
        .order_by("handling_org__name", "handling_org_id", "deadline", "id")
    )


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(_attention(request.user, today)[:SUPERVISION_LIMIT])
    visible = Problem.objects.visible_to(request.user)
    units = []
    for org_id, items in groupby(rows, key=lambda p: p.handling_org_id):
        problems = list(items)
        units.append(
            {
                "org": problems[0].handling_org,
                "problems": problems,
                "red": sum(p.light == "red" for p in problems),
                "yellow": sum(p.light == "yellow" for p in problems),
                "rates": compute_rates(visible.filter(handling_org_id=org_id)).as_list(),
            }
        )
    return render(
        request,
        "problems/supervision.html",
        {
            "units": units,
            "today": today,
            "rates": compute_rates(visible).as_list(),
            "truncated": len(rows) == SUPERVISION_LIMIT,
            "can_issue": access.may_issue_notice(request.user),
        },
    )


@login_required
def supervision_notice(request: HttpRequest, org_id: int) -> HttpResponse:
    today = timezone.localdate()
    problems = list(
        _attention(request.user, today)
        .filter(handling_org_id=org_id)
        .select_related("campaign", "group__dispatching_org")
    )
    if not problems:
        raise Http404("不存在或无权查看")
    if not access.may_issue_notice(request.user):
        raise PermissionDenied("只有活动办可以签发督办通知单")
    org = problems[0].handling_org
    notice = notice_issue(
        actor=request.user, org=org, problems=problems, issuer=_issuer(request.user), day=today
    )
    body = notice_docx(notice, problems)
    pks = [p.pk for p in problems]
    audit_read(request, AuditAction.NOTICE_DOWNLOAD, org, problems=pks, reference=notice.reference)
    response = HttpResponse(body, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''notice-{org.pk}-{today:%Y%m%d}.docx"
    return response


def _issuer(user) -> str:
    """The issuing office: the user's own unit, else the office unit of their region, else the region's 活动办."""
    if user.person_id and user.person.organization_id:
        return user.person.organization.name
    for g in access.grants(user):
        if g.role == Role.OFFICE:
            office = Organization.objects.filter(kind="office", region=g.region).first()
            return office.name if office else f"{g.region.name}“四进”攻坚行动办公室"
    return "“四进”攻坚行动办公室"
