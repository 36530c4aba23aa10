"""HTML views (thin: access, form, service, render)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.core.once import form_token, form_token_fresh, form_token_spend

from .forms import ProblemFoundFormSet, VisitForm
from .models import VisitPhoto
from .photos import visit_photo_add
from .services import visit_record


@login_required
def visit_create(request):
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
            return redirect(f"/visits/new/?group={group.pk}")
        if form.is_valid() and problems.is_valid():
            try:
                visit = _save(request.user, form.cleaned_data, problems)
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                form_token_spend(request, "token")
                messages.success(
                    request,
                    _("走访已保存(%(date)s,%(n)d个问题)。")
                    % {"date": visit.date, "n": len(visit.problems.all())},
                )
                return redirect(f"/visits/new/?group={group.pk}&saved={visit.pk}")
    return render(
        request,
        "fieldwork/visit_form.html",
        {
            "form": form,
            "problems": problems,
            "group": group,
            "groups": groups,
            "saved": request.GET.get("saved"),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def visit_photo(request, pk):
    photo = VisitPhoto.objects.filter(pk=pk).only("id", "visit_id", "file", "content_type").first()
    if photo is None:
        raise Http404("不存在或无权查看")
    access.get_visit_for(request.user, photo.visit_id)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _chosen_group(groups, raw):
    chosen = groups.filter(pk=raw).first() if raw and str(raw).isdigit() else None
    return chosen or groups.first()


def _initial(request, group) -> dict:
    return {"group": group, "date": timezone.localdate(), "token": form_token(request, "token")}


@transaction.atomic
def _save(actor, data: dict, problems):
    """The visit, its problems and its photos: all saved or none."""
    specs = [
        {
            "target": row["target"],
            "title": row["title"],
            "description": row.get("description", ""),
            "reported_on": data["date"],
        }
        for row in problems.cleaned_data
        if row.get("title")
    ]
    visit = visit_record(
        actor=actor,
        group=data["group"],
        targets=list(data["targets"]),
        date=data["date"],
        mode=data["mode"],
        participants=list(data["participants"]),
        notes=data["notes"],
        problems=specs,
    )
    for uploaded in data["photos"]:
        visit_photo_add(actor=actor, visit=visit, uploaded_file=uploaded)
    return visit


def _attach_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
