"""Create and edit 帮扶对象 with their kind's fields, add them in bulk, name their 包保 cadres, and keep a
group's documents (thin: access, form, service, render or redirect)."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.core.audit import audit_read
from sijin.core.models import AuditAction
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.services import error_text
from sijin.directory.models import Region

from . import people, services
from .forms import UNDECIDED, BulkTargetForm, CadreForm, GroupDocumentForm, TargetForm
from .models import GroupDocument, Target, TargetCadre, TargetKind, WorkGroup


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
        q |= access.region_within_q("code", group.region.prefix)
    return Region.objects.filter(q).order_by("code")


# ---- 批量新增 --------------------------------------------------------------------------------------------------
@login_required
def group_targets_bulk(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """新增12家未具名企业, or a pasted list of names: all or nothing (the group page holds the short form)."""
    group = access.get_group_for(request.user, pk, write=True)
    form = BulkTargetForm(request.POST or None, group=group)
    if request.method == "POST":
        if not form_token_fresh(request):
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("desk:group_detail", group.pk)
        if form.is_valid():
            try:
                with form_token_spend(request):
                    made = services.targets_bulk_add(
                        actor=request.user,
                        group=group,
                        kind=_bulk_kind(request, group, form.cleaned_data["kind"]),
                        count=form.cleaned_data["count"],
                        names=form.cleaned_data["names"],
                    )
            except FormTokenSpent:
                messages.warning(request, _("该表单已提交,请勿重复提交。"))
                return redirect("desk:group_detail", group.pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已新增%(n)d个帮扶对象。") % {"n": len(made)})
                return redirect("desk:group_detail", group.pk)
    return render(
        request,
        "campaigns/target_bulk.html",
        {"group": group, "form": form, "form_token": form_token(request)},
        status=400 if form.errors else 200,
    )


def _bulk_kind(request: AuthenticatedRequest, group: WorkGroup, code: str) -> TargetKind:
    if code == UNDECIDED:
        return services.undecided_kind_ensure(actor=request.user, campaign=group.campaign)
    return group.campaign.kinds.get(code=code)


# ---- 包保干部 --------------------------------------------------------------------------------------------------
def _cadre_target(request: AuthenticatedRequest, pk: int) -> Target:
    target = access.get_target_for(request.user, pk, write=True)
    if not access.may_assign_cadres(request.user, target.group):
        raise PermissionDenied(_("包保干部由组长或活动办安排。"))
    return target


@login_required
@require_POST
def target_cadre_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    target = _cadre_target(request, pk)
    form = CadreForm(request.POST, people=people.cadre_people(target))
    if not form.is_valid():
        messages.error(request, ";".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("desk:target_detail", target.pk)
    try:
        cadre = people.target_cadre_add(actor=request.user, target=target, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已安排%(cadre)s包保。") % {"cadre": cadre})
    return redirect("desk:target_detail", target.pk)


@login_required
@require_POST
def target_cadre_remove(request: AuthenticatedRequest, pk: int, cadre: int) -> HttpResponse:
    target = _cadre_target(request, pk)
    row = TargetCadre.objects.filter(target=target, pk=cadre).select_related("person", "target").first()
    if row is None:
        raise Http404("不存在或无权查看")
    people.target_cadre_remove(actor=request.user, cadre=row)
    messages.success(request, _("已取消%(cadre)s的包保。") % {"cadre": row})
    return redirect("desk:target_detail", target.pk)


# ---- 工作组文件 ------------------------------------------------------------------------------------------------
@login_required
@require_POST
def group_document_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk, write=True)
    form = GroupDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, ";".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("desk:group_detail", group.pk)
    try:
        document = services.group_document_add(actor=request.user, group=group, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已添加文件“%(title)s”。") % {"title": document.display_title})
    return redirect("desk:group_detail", group.pk)


def _document(request: AuthenticatedRequest, pk: int, document: int, write: bool = False) -> GroupDocument:
    group = access.get_group_for(request.user, pk, write=write)
    row = GroupDocument.objects.filter(group=group, pk=document).select_related("group").first()
    if row is None:
        raise Http404("不存在或无权查看")
    return row


@login_required
def group_document_file(request: AuthenticatedRequest, pk: int, document: int) -> FileResponse:
    """The document's file, to whoever may see the group (never from a public media URL); audited."""
    row = _document(request, pk, document)
    if not row.file:
        raise Http404("文件不存在")
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    audit_read(request, AuditAction.GROUP_DOCUMENT_DOWNLOAD, row, f"下载工作组文件 {row.title}")
    name = f"{row.title}{PurePath(row.file.name or '').suffix}"
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def group_document_delete(request: AuthenticatedRequest, pk: int, document: int) -> HttpResponse:
    row = _document(request, pk, document, write=True)
    services.group_document_delete(actor=request.user, document=row)
    messages.success(request, _("已删除文件“%(title)s”。") % {"title": row.title})
    return redirect("desk:group_detail", row.group_id)
