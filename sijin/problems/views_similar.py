"""可能相同的问题 (while a title is typed, and on a problem's page, with 合并) and 共性问题 (clusters across groups,
turned into a 共性问题清单). Thin: access, form, service, render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.directory.models import Organization

from .common import (
    CHECKLIST_LIMIT,
    CLUSTER_SAMPLE,
    CLUSTER_THRESHOLD,
    MIN_GROUPS,
    cluster_of,
    common_checklist_create,
    common_clusters,
    department_choices,
)
from .models import Action
from .similar import MIN_TRIGRAM_QUERY, similar_problems
from .workflow import allowed_actions

PROPOSALS = 5


@login_required
@require_GET
@vary_on_headers("HX-Request")
def problem_similar(request: AuthenticatedRequest) -> HttpResponse:
    """可能相同的问题 for a title being typed (``title``), near the target it is reported at (``target``)."""
    title = request.GET.get("title", "").strip()[:200]
    region = None
    if target_id := request.GET.get("target"):
        try:
            region = access.get_target_for(request.user, target_id).region
        except Http404:
            region = None  # a target the user cannot see: look across the user's scope, never reveal it
    found = []
    if len(title) >= MIN_TRIGRAM_QUERY and access.sees_cases(request.user):
        found = similar_problems(title, user=request.user, region=region, limit=PROPOSALS)
    return render(request, "problems/_similar.html#proposals", {"similar": found, "title": title})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def problem_similar_panel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """相似问题 on a problem's page: the open problems like it, each with 合并 when the user may merge."""
    problem = access.get_problem_for(request.user, pk)
    found = similar_problems(problem, user=request.user, limit=PROPOSALS)
    may_merge = Action.MERGE in allowed_actions(request.user, problem)
    return render(
        request,
        "problems/_similar.html#panel",
        {"problem": problem, "similar": found, "may_merge": may_merge},
    )


class CommonChecklistForm(forms.Form):
    """形成共性问题清单 from one cluster of the page (named by its label: computed again on submit)."""

    label = forms.CharField(widget=forms.HiddenInput, max_length=200)
    name = forms.CharField(label=gettext_lazy("清单名称"), max_length=100)
    department: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("统一交办至"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=gettext_lazy("暂不交办"),
        help_text=gettext_lazy("待交办的问题按分级交办交给该单位;已交办的保持不变"),
    )
    deadline_days = forms.IntegerField(
        label=gettext_lazy("办理时限(工作日)"), min_value=1, max_value=365, required=False
    )

    def __init__(self, *args, user: access.Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_choices(user)  # type: ignore[attr-defined]


@login_required
@require_GET
def common_list(request: AuthenticatedRequest) -> HttpResponse:
    """共性问题: clusters of alike open problems across work groups, in the user's scope."""
    if not access.may_view_common(request.user):
        raise PermissionDenied(_("共性问题仅供活动办和领导查看。"))
    clusters, read = common_clusters(request.user)
    maker = access.may_make_common_checklist(request.user)
    rows = [
        {
            "cluster": c,
            "form": CommonChecklistForm(
                user=request.user,
                initial={"label": c.label, "name": _("%(label)s共性问题清单") % {"label": c.label}},
                auto_id=f"c{i}-%s",
            )
            if maker
            else None,
        }
        for i, c in enumerate(clusters)
    ]
    return render(
        request,
        "problems/clusters.html",
        {
            "rows": rows,
            "read": read,
            "sample": CLUSTER_SAMPLE,
            "threshold": CLUSTER_THRESHOLD,
            "min_groups": MIN_GROUPS,
            "limit": CHECKLIST_LIMIT,
        },
    )


@login_required
@require_POST
def common_checklist(request: AuthenticatedRequest) -> HttpResponse:
    """Turn one cluster into a 共性问题清单 (and hand it to one department)."""
    if not access.may_make_common_checklist(request.user):
        raise PermissionDenied(_("您无权形成共性问题清单。"))
    form = CommonChecklistForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("problems:common_list")
    data = form.cleaned_data
    cluster = cluster_of(request.user, data["label"])
    if cluster is None:
        messages.error(request, _("该共性问题已变化,请刷新后重试。"))
        return redirect("problems:common_list")
    try:
        made = common_checklist_create(
            actor=request.user,
            problem_ids=cluster.problem_ids[:CHECKLIST_LIMIT],
            name=data["name"],
            department=data["department"],
            deadline_days=data["deadline_days"],
        )
    except ValidationError as exc:
        messages.error(request, "".join(exc.messages))
        return redirect("problems:common_list")
    text = _("已形成“%(name)s”,列入%(n)d个问题") % {"name": made.checklist.name, "n": made.size}
    if data["department"] is not None:
        text += _(",统一交办%(org)s %(n)d 件") % {"org": data["department"].name, "n": len(made.assigned)}
    messages.success(request, text + "。")
    return redirect("fieldwork:checklist_list")
