"""Create and edit 帮扶对象 with their kind's fields (thin: access, form, service, render or redirect)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.directory.models import Region

from . import services
from .forms import TargetForm
from .models import Target, TargetKind, WorkGroup


@login_required
def target_create(request: AuthenticatedRequest) -> HttpResponse:
    groups = access.visible_groups_for_write(request.user)
    if not groups.exists():
        raise PermissionDenied(_("您没有可以新增帮扶对象的工作组。"))
    kinds = TargetKind.objects.filter(campaign__in=groups.values("campaign")).order_by("campaign", "order")
    code = request.POST.get("kind") or request.GET.get("kind")
    kind = kinds.filter(code=code).order_by("-campaign__start").first() if code else None
    if kind is None:
        return render(request, "campaigns/target_form.html", {"kinds": kinds, "target": None})
    groups = groups.filter(campaign=kind.campaign_id).order_by("name")
    form = TargetForm(
        request.POST or None,
        kind=kind,
        groups=groups,
        regions=_regions(groups),
        initial={"group": groups.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            target = services.target_create(
                actor=request.user,
                campaign=kind.campaign,
                kind=kind,
                attributes=form.attributes(),
                **form.target_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已新增帮扶对象“%(name)s”。") % {"name": target.name})
            return redirect("desk:target_detail", target.pk)
    return _form_page(request, form, kind, None)


@login_required
def target_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    target = access.get_target_for(request.user, pk, write=True)
    groups = (
        access.visible_groups_for_write(request.user).filter(campaign=target.campaign_id).order_by("name")
    )
    form = TargetForm(
        request.POST or None,
        kind=target.kind,
        groups=groups,
        regions=_regions(groups, also=target.region_id),
        initial=TargetForm.initial_for(target),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.target_update(
                actor=request.user, target=target, attributes=form.attributes(), **form.target_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": form.cleaned_data["name"]})
            return redirect("desk:target_detail", target.pk)
    return _form_page(request, form, target.kind, target)


def _form_page(
    request: HttpRequest, form: TargetForm, kind: TargetKind, target: Target | None
) -> HttpResponse:
    return render(
        request,
        "campaigns/target_form.html",
        {"form": form, "kind": kind, "target": target},
        status=400 if form.errors else 200,
    )


def _regions(groups: QuerySet[WorkGroup], also: str | None = None) -> QuerySet[Region]:
    """Regions inside the groups' own regions (a code prefix each), plus the target's current one."""
    q = Q(pk=also) if also else Q(pk__in=[])
    for group in groups.select_related("region"):
        q |= Q(code__startswith=group.region.prefix)
    return Region.objects.filter(q).order_by("code")
