"""问题台账, the problem page with its actions, evidence, and 督办 (near-due and overdue problems by handling
unit, with the printable 督办通知单 .docx). Thin: access, form, service, render."""

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.audit import audit_read
from sijin.core.models import AuditAction
from sijin.core.once import FormTokenSpent, form_token, form_token_spend
from sijin.core.pagination import keyset_paginate, paginate
from sijin.core.workdays import workdays_left, workdays_since
from sijin.directory.models import Organization
from sijin.fieldwork.models import VisitPhoto

from .forms import (
    SORTS,
    ActionForm,
    BulkForm,
    IdListField,
    ProblemFilterForm,
    ProblemPhotoForm,
    bulk_orgs,
    filter_problems,
)
from .lights import LightClock
from .models import (
    RUNNING_STATUSES,
    VOID_STATUSES,
    WORKING_STATUSES,
    Action,
    Level,
    Light,
    Problem,
    ProblemAttachment,
    Status,
)
from .notice import notice_docx, notice_issue
from .rates import Rates, counted, rate_counts
from .services import BULK_LIMIT, BulkResult, problem_bulk_act, problem_photo_add
from .supervision import (
    URGERS,
    annotate_light,
    light_conditions,
    may_urge,
    problem_light,
    problem_urge,
    yellow_until,
)
from .tally import unit_first_ids, unit_rows
from .workflow import (
    TRANSITIONS,
    TRIAGERS,
    StaleProblem,
    allowed_actions,
    pending_extension,
    problem_transition,
)

PAGE_SIZE = 50
SUPERVISION_UNITS = 10  # handling units on one 督办 page
SUPERVISION_ROWS = 5  # rows shown per unit, most overdue first; the 问题台账 has the rest
# url_of_ids: an id no row has (core.converters.IdConverter takes up to 18 digits).
ID_MARKER = 918_273_645_546_372_819
# The 问题台账's 状态 and 层级 columns (translated when shown; get_<field>_display rebuilds the choices each call).
STATUS_LABELS, LEVEL_LABELS = dict(Status.choices), dict(Level.choices)
# What the 督办 page shows of a problem and what may_urge (access.acting_roles) asks of it.
SUPERVISION_COLUMNS = (
    "id", "title", "status", "level", "deadline", "resolved_on", "accepted_on", "accept_by", "region_id",
    "group_id", "handling_org_id", "target__name", "handling_org__name", "group__dispatching_org_id",
)  # fmt: skip
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_COLUMNS = (
    "id", "title", "status", "level", "reported_on", "deadline", "resolved_on", "campaign_id",
    "target__name", "handling_org__name", "category__name", "campaign__yellow_days",
)  # fmt: skip


@login_required
def problem_list(request):
    """问题台账: the user's problems, filtered and sorted, a keyset page at a time (core.pagination), with the
    total exact when cheap and estimated when not. Eight queries at most whatever the rows: the request's own
    four (session, user, grants, and accounts.middleware.request_facts), then one for the filters' four
    drop-downs, one for the page's rows and their total (on PostgreSQL the planner's estimate first: one more;
    a page reached by a link has the total already) and one for the working-day clock of the lights (a light
    filter reads it in two, shared with the lights: nine on PostgreSQL). The bulk bar's units and handlers are
    read only when it is opened (``problem_bulk_options``)."""
    form = ProblemFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    if form.is_bound:
        form.is_valid()  # the valid filters apply, the others are ignored (filter_problems)
    lights = light_conditions(today) if getattr(form, "cleaned_data", {}).get("light") else None
    problems = filter_problems(Problem.objects.visible_to(request.user), form, lights=lights)
    rows = problems.select_related("target", "handling_org", "category", "campaign").only(*LIST_COLUMNS)
    if lights is not None:
        rows = annotate_light(rows, lights=lights)
    page = keyset_paginate(request, rows, form.order_by(), PAGE_SIZE, counted=True)
    actions = _bulk_actions(request.user)
    _page_rows(page, today, lights=lights is None, picks=bool(actions))
    export_query = request.GET.copy()  # 导出当前筛选: every filter, applied by the export with the same code
    for name in ("page", "after", "before", "bulk"):
        export_query.pop(name, None)
    return render(
        request,
        "problems/problem_list.html",
        {
            "form": form,
            "page_obj": page,
            "sort": form.ordering(),
            "sorts": SORTS,
            **_bulk_bar(request, actions, [p.pk for p in page]),
            "export_query": export_query.urlencode(),
            "query": request.GET.urlencode(),
        },
    )


def _bulk_bar(request, actions: list[str], ids: list[int]) -> dict:
    """The bulk bar of a page of ``ids``, for those who have ``actions``. Its 承办单位 and 承办人 (some hundreds
    of options) are not in the page: the bar fetches them when it opens (``bulk_options``, the address of
    ``problem_bulk_options``); without JS its button asks for the page again with them in (``?bulk=1``)."""
    if not actions or not ids:
        return {"bulk": None}
    opened = request.GET.get("bulk") == "1"
    orgs = bulk_orgs(Problem.objects.filter(pk__in=ids)) if opened else Organization.objects.none()
    options = ""
    if Action.TRIAGE in actions and not opened:
        options = f"{reverse('problems:problem_bulk_options')}?{urlencode({'problems': ids}, doseq=True)}"
    return {
        "bulk": BulkForm(actions=actions, orgs=orgs, auto_id="bulk-%s"),
        "bulk_open": opened,
        "bulk_options": options,
        "bulk_limit": BULK_LIMIT,
        "form_token": form_token(request),
    }


def _page_rows(rows, today: date, lights: bool = True, picks: bool = False) -> None:
    """What each row shows besides its columns, worked out here once rather than by a template include or a
    ``get_<field>_display`` per row (those were most of the page's time): its address, its status's and level's
    labels, and with ``picks`` its checkbox's label. With
    ``lights`` its ``light`` too, as ``supervision.problem_light`` decides it — the working-day clock read once
    per distinct ``yellow_days`` of the page (one campaign, one reading) rather than once per row."""
    until: dict[int, date] = {}
    detail = url_of_ids("problems:problem_detail")
    pick = _("选择“%(title)s”")
    for p in rows:
        p.url = detail(p.pk)
        p.status_label = STATUS_LABELS.get(p.status, p.status)
        p.level_label = LEVEL_LABELS.get(p.level, p.level)
        if picks:
            p.pick_label = pick % {"title": p.title}
        if lights and p.status in RUNNING_STATUSES and p.deadline is not None and p.deadline >= today:
            days = p.campaign.yellow_days
            if days not in until:
                until[days] = yellow_until(today, days)
            p.light = Light.YELLOW if p.deadline < until[days] else Light.GREEN
        elif lights:
            p.light = problem_light(p, today)  # no clock needed: none, red, or solved on time or late


def url_of_ids(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for the many rows of a page from one ``reverse`` (a few microseconds a row
    instead of some twenty): the URL with a marker id, cut where the marker stands (an id is its digits)."""
    head, _marker, tail = reverse(name, args=[ID_MARKER]).partition(str(ID_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


def _bulk_actions(user) -> list[str]:
    """The bulk actions offered to this user: 交办 to those who route problems, 催办 to the office."""
    held = access.roles(user)
    return [a for a, who in ((Action.TRIAGE, TRIAGERS), (Action.URGE, URGERS)) if held & who]


@login_required
@require_safe
def problem_bulk_options(request):
    """The bulk bar's 承办单位 and 承办人 for the problems of a page (``?problems=…``), fetched when the bar is
    opened (static/sijin/problem-bulk.js): the units of the problems' region lines and their groups' sending
    units (``bulk_orgs``), and their people. Only the user's own problems count (``visible_to``); 403 for
    those who may not 交办."""
    if Action.TRIAGE not in _bulk_actions(request.user):
        raise PermissionDenied(_("您无权批量操作问题。"))
    try:
        ids = IdListField(required=False).clean(request.GET.getlist("problems"))[:BULK_LIMIT]
    except ValidationError:
        raise Http404("所选问题编号不正确") from None
    problems = Problem.objects.visible_to(request.user).filter(pk__in=ids)
    bulk = BulkForm(actions=[Action.TRIAGE], orgs=bulk_orgs(problems), auto_id="bulk-%s")
    return render(request, "problems/problem_list.html#bulk-options", {"bulk": bulk})


@login_required
@require_POST
def problem_bulk(request):
    """批量交办/催办 of the ticked problems: each through the same service and checks as one at a time; the
    page's one-time token makes a second submit (double tap, reload) do nothing."""
    back = _list_url(request.POST.get("query", ""))
    actions = _bulk_actions(request.user)
    if not actions:
        raise PermissionDenied(_("您无权批量操作问题。"))
    orgs = Organization.objects.all()  # each problem is checked against its own region line by the service
    form = BulkForm(request.POST, actions=actions, orgs=orgs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    try:
        with form_token_spend(request):
            pass  # spent on its own: each problem below is its own transaction
    except FormTokenSpent:
        messages.warning(request, _("该批量操作已提交过,未重复执行。"))
        return redirect(back)
    data = form.cleaned_data
    try:
        result = problem_bulk_act(
            actor=request.user,
            ids=data["problems"],
            action=data["action"],
            level=data.get("level") or "",
            handling_org=data.get("handling_org"),
            handler=data.get("handler"),
            deadline_days=data.get("deadline_days"),
            comment=data.get("comment") or "",
        )
    except ValidationError as exc:
        messages.error(request, "".join(exc.messages))
        return redirect(back)
    _bulk_messages(request, data["action"], result)
    return redirect(back)


def _bulk_messages(request, action: str, result: BulkResult) -> None:
    """已交办 5 件,3 件未能交办:#12 标题(原因);…"""
    verb = Action.label_of(action) if action == Action.URGE else _("交办")
    summary = _("已%(verb)s %(n)d 件") % {"verb": verb, "n": len(result.done)}
    if not result.failed:
        messages.success(request, summary + "。")
        return
    reasons = ";".join(
        f"#{pk}{(' ' + title) if title else ''}({reason.rstrip('。')})" for pk, title, reason in result.failed
    )
    text = summary + _(",%(n)d 件未能%(verb)s:") % {"n": len(result.failed), "verb": verb} + reasons
    (messages.warning if result.done else messages.error)(request, text)


def _list_url(query: str) -> str:
    """The 问题台账 with the filters it was on (only a query string is taken from the form)."""
    query = query.strip()[:2000]
    url = reverse("problems:problem_list")
    return f"{url}?{query}" if query and "\n" not in query and "\r" not in query else url


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


def extension_note(problem: Problem) -> str:
    """A 申请延期 waiting for the office, said next to the deadline it would move."""
    request = pending_extension(problem) if problem.status in WORKING_STATUSES else None
    if request is None:
        return ""
    return _("延期申请待审批:申请延至%(day)s") % {"day": request.data.get("new_deadline", "—")}


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
    photo_form: "ProblemPhotoForm | None" = None,
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
    # The photos of the visit it was found on, served through this problem (so its handler sees them too),
    # and the photos added to the problem itself.
    photos = VisitPhoto.objects.filter(visit_id=problem.visit_id).only("id") if problem.visit_id else []
    problem_photos = ProblemAttachment.objects.filter(
        event__problem=problem, content_type__startswith="image/"
    ).order_by("-id")
    today = timezone.localdate()
    context = {
        "problem": problem,
        "light": problem_light(problem, today),
        "deadline_note": deadline_note(problem, today),
        "extension_note": extension_note(problem),
        # Newest first: by the day it happened, then as entered.
        "events": problem.events.select_related("actor")
        .prefetch_related("attachments")
        .order_by(F("on_date").desc(nulls_last=True), "-at", "-id"),
        "actions": actions,
        "error": error,
        "notice": notice,
        "failed_action": failed.action if failed is not None else "",
        "photos": photos,
        "problem_photos": problem_photos,
        "photo_form": photo_form
        if photo_form is not None
        else (ProblemPhotoForm() if _may_add_photo(request.user, problem) else None),
        "may_urge": may_urge(request.user, problem),
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
    # A photo (its type read from its content when stored) is shown in the page; other files are downloaded.
    inline = attachment.content_type in ("image/jpeg", "image/png")
    response = FileResponse(
        handle, content_type=attachment.content_type, as_attachment=not inline, filename=attachment.name
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def problem_visit_photo(request, pk, photo_pk):
    """A photo of the visit the problem was found on, to anyone who sees the problem (its handler too)."""
    problem = access.get_problem_for(request.user, pk)
    photo = (
        VisitPhoto.objects.filter(pk=photo_pk, visit_id=problem.visit_id)
        .only("id", "visit_id", "file", "content_type")
        .first()
        if problem.visit_id
        else None
    )
    if photo is None:
        raise Http404("不存在或无权查看")
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在") from None
    audit_read(
        request, AuditAction.PHOTO_DOWNLOAD, photo, f"查看走访照片(问题 {problem.pk},走访 {photo.visit_id})"
    )
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _may_add_photo(user, problem: Problem) -> bool:
    return bool(access.acting_roles(user, problem)) and problem.status not in VOID_STATUSES


@login_required
@require_POST
def problem_photo(request, pk):
    """添加照片 to a problem from its page."""
    problem = access.get_problem_for(request.user, pk, write=True)
    form = ProblemPhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(
            request, problem, photo_form=form, error=_("未能添加照片,请按提示修改。"), status=400
        )
    try:
        for uploaded in form.cleaned_data["photos"]:
            problem_photo_add(
                actor=request.user,
                problem=problem,
                uploaded_file=uploaded,
                comment=form.cleaned_data["comment"],
            )
    except ValidationError as exc:
        return _render_detail(request, problem, photo_form=form, error="".join(exc.messages), status=400)
    except PermissionDenied as exc:
        return _render_detail(request, problem, error=str(exc), status=403)
    n = len(form.cleaned_data["photos"])
    messages.success(request, _("已添加%(n)d张照片。") % {"n": n})
    return redirect("problems:problem_detail", problem.pk)


@login_required
@require_POST
def problem_urge_view(request, pk):
    """催办 from the 督办 page or the problem page; back to where it was asked."""
    problem = access.get_problem_for(request.user, pk, write=True)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/"
    ):
        back = reverse("problems:problem_detail", args=[problem.pk])
    try:
        problem_urge(actor=request.user, problem=problem, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, f"{problem.title}:{''.join(exc.messages)}")
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    else:
        messages.success(request, _("已催办“%(title)s”,承办人将收到提醒。") % {"title": problem.title})
    return redirect(back)


# ---- 督办 ------------------------------------------------------------------------------------------------------
def _attention(user, clock: LightClock):
    """The user's visible near-due (yellow) and overdue (red) problems."""
    return Problem.objects.visible_to(user).filter(clock.chased())


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """Near-due and overdue problems by handling unit, the units with most overdue first, a page of units at a
    time with the most overdue rows of each (the rest in the 问题台账, filtered by unit and light).

    A fixed number of queries whatever the rows: the deadline clock (two, once: lights.LightClock), every
    unit's red and yellow counts and rates (from the kept tallies by handling unit, problems.tally.unit_rows,
    or one grouped query over a scope they cannot serve; their sum is the rates overall), the rows shown (their
    ids: a LIMIT per unit, or a window for few rows, problems.tally.unit_first_ids; then the rows, with only the
    columns shown and asked by ``may_urge``), and their working days overdue (one query for the holiday
    overrides, counted once per distinct deadline). Each row is written out by ``{% supervision_row %}``."""
    today = timezone.localdate()
    clock = LightClock(today)
    visible = Problem.objects.visible_to(request.user)
    grouped = unit_rows(request.user, today)
    if grouped is None:  # a scope below the county, or one group's few problems: counted live
        lights = clock.conditions()
        grouped = [
            dict(row)
            for row in counted(visible)
            .order_by()
            .values("handling_org_id", "handling_org__name")
            .annotate(
                **rate_counts(today),
                red=Count("id", filter=lights[Light.RED]),
                yellow=Count("id", filter=lights[Light.YELLOW]),
            )
        ]
    chased = sorted(
        (u for u in grouped if u["red"] or u["yellow"]),
        key=lambda u: (-u["red"], -u["yellow"], u["handling_org__name"] or "", u["handling_org_id"] or 0),
    )
    page = paginate(request, chased, SUPERVISION_UNITS)
    org_ids = [u["handling_org_id"] for u in page]
    by_unit: dict[int | None, list[Problem]] = {pk: [] for pk in org_ids}
    if org_ids:
        ranked = unit_first_ids(_attention(request.user, clock), list(page), SUPERVISION_ROWS)
        # The ids first, as a list: as a subquery the planner cannot tell it is a few rows.
        rows = (
            Problem.objects.filter(pk__in=list(ranked))
            .select_related("handling_org", "target", "group")
            .only(*SUPERVISION_COLUMNS)
            .order_by("deadline", "id")
        )
        for row in rows:
            # Red or yellow, as ranked: red once its deadline has passed (lights.LightClock).
            overdue = row.deadline is not None and row.deadline < today
            row.light = Light.RED if overdue else Light.YELLOW  # type: ignore[attr-defined]
            by_unit[row.handling_org_id].append(row)
    late = workdays_since((p.deadline for ps in by_unit.values() for p in ps if p.deadline), today)
    detail, urge = url_of_ids("problems:problem_detail"), url_of_ids("problems:problem_urge")
    for ps in by_unit.values():
        for p in ps:
            p.url, p.urge_url = detail(p.pk), urge(p.pk)  # type: ignore[attr-defined]
            overdue = p.deadline is not None and p.light == Light.RED  # type: ignore[attr-defined]
            p.days_overdue = late[p.deadline] if overdue else 0  # type: ignore[attr-defined,index]
            p.may_urge = may_urge(request.user, p)  # type: ignore[attr-defined]
            p.status_label = STATUS_LABELS.get(p.status, p.status)  # type: ignore[attr-defined]
    ledger = reverse("problems:problem_list")
    units = [
        {
            "org": by_unit[u["handling_org_id"]][0].handling_org if by_unit[u["handling_org_id"]] else None,
            "name": u["handling_org__name"],
            "problems": by_unit[u["handling_org_id"]],
            "red": u["red"],
            "yellow": u["yellow"],
            "more": u["red"] + u["yellow"] - len(by_unit[u["handling_org_id"]]),
            "rates": Rates.of(u).as_list(),
            # The unit's whole list, by light, in the ledger (which has no filter for 工作组自办).
            "red_url": _ledger_url(ledger, u["handling_org_id"], Light.RED),
            "yellow_url": _ledger_url(ledger, u["handling_org_id"], Light.YELLOW),
        }
        for u in page
    ]
    return render(
        request,
        "problems/supervision.html",
        {
            "units": units,
            "page_obj": page,
            "totals": {
                "units": len(chased),
                "red": sum(u["red"] for u in chased),
                "yellow": sum(u["yellow"] for u in chased),
            },
            "rows_per_unit": SUPERVISION_ROWS,
            "today": today,
            "rates": Rates.summed(grouped).as_list(),
            "can_issue": access.may_issue_notice(request.user),
            "here": request.get_full_path(),
        },
    )


def _ledger_url(ledger: str, org_id: int | None, light: str) -> str:
    if org_id is None:
        return ""
    return f"{ledger}?{urlencode({'handling_org': str(org_id), 'light': light, 'sort': 'deadline'})}"


@login_required
def supervision_notice(request: HttpRequest, org_id: int) -> HttpResponse:
    today = timezone.localdate()
    problems = list(
        _attention(request.user, LightClock(today))
        .filter(handling_org_id=org_id)
        .select_related("handling_org", "target", "campaign", "group__dispatching_org")
        .order_by("deadline", "id")
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
