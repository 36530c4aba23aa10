"""Work groups and targets: lists through the scope module, details through access functions."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render

from sijin.accounts import access
from sijin.directory.models import Person, Region
from sijin.fieldwork.models import Checklist, visit_total
from sijin.problems.rates import compute_rates
from sijin.problems.supervision import light_q
from sijin.reports.models import WorkMethod

from .attributes import display_attributes
from .models import TargetKind
from .timeline import target_timeline


@login_required
def group_list(request):
    groups = (
        access.visible_groups(request.user)
        .select_related("dispatching_org", "region", "campaign")
        .annotate(n_targets=Count("targets", distinct=True))
    )
    return render(request, "campaigns/group_list.html", {"groups": groups})


@login_required
def group_detail(request, pk):
    group = access.get_group_for(request.user, pk)
    targets = group.targets.select_related("kind", "responsible").order_by("kind__order", "name")
    problems = access.visible_problems(request.user).filter(group=group)
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
    }
    return render(request, "campaigns/group_detail.html", context)


@login_required
def target_list(request):
    targets = access.visible_targets(request.user).select_related("kind", "region", "group", "responsible")
    kinds = TargetKind.objects.filter(targets__in=targets).distinct()
    if kind := request.GET.get("kind"):
        targets = targets.filter(kind__code=kind)
    if q := request.GET.get("q", "").strip():
        targets = targets.filter(Q(name__contains=q) | Q(address__contains=q))
    filters = _target_filters(request.user)
    if region := Region.objects.filter(pk=request.GET.get("region") or None).first():
        targets = targets.filter(region__code__startswith=region.prefix)
    if (group := request.GET.get("group", "")).isdigit():
        targets = targets.filter(group_id=group)
    if (responsible := request.GET.get("responsible", "")).isdigit():
        targets = targets.filter(responsible_id=responsible)
    if request.GET.get("red"):
        # The same 超期 light as everywhere (problems.supervision), on problems the user may see.
        red = access.visible_problems(request.user).filter(light_q("red"))
        targets = targets.filter(pk__in=red.values("target_id"))
    targets = targets.annotate(n_problems=Count("problems", distinct=True)).order_by("kind__order", "name")
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/target_list.html",
        {"page_obj": page, "kinds": kinds, "q": q, "can_create": access.can_write(request.user), **filters},
    )


def _target_filters(user) -> dict:
    """Options of the region, group and 包保责任人 filters: only what the user's targets use."""
    visible = access.visible_targets(user)
    groups = access.visible_groups(user)
    return {
        "regions": Region.objects.filter(
            Q(code__in=visible.values("region_id")) | Q(code__in=groups.values("region_id"))
        ).order_by("code"),
        "groups": groups.order_by("name"),
        "people": Person.objects.filter(responsible_for__in=visible).distinct().order_by("name"),
    }


@login_required
def target_detail(request, pk):
    target = access.get_target_for(request.user, pk)
    problems = access.visible_problems(request.user).filter(target=target)
    # A handler sees the target only through their unit's problems: not the group's other work.
    full = access.visible_groups(request.user).filter(pk=target.group_id).exists()
    context = {
        "target": target,
        "attributes": display_attributes(target.kind.schema, target.attributes),
        "timeline": target_timeline(target, problems, full),
        "problems": problems,
        "plans": target.plans.prefetch_related("steps", "steps__owner") if full else [],
        "outcomes": target.outcomes.select_related("indicator") if full else [],
        "checklists": target.checklists.all() if full else [],
        "methods": target.methods.all() if full else [],
        "can_write": bool(target.group_id) and access.can_write(request.user, target.group_id),
    }
    return render(request, "campaigns/target_detail.html", context)
