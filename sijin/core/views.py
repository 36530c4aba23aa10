"""工作台: my to-dos and my numbers."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.shortcuts import render
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.quantities import readable_total
from sijin.fieldwork.models import Outcome, PlanStep, visit_total
from sijin.problems.rates import compute_rates
from sijin.problems.supervision import SWEPT_STATUSES, annotate_light, light_q


@login_required
def workbench(request):
    user = request.user
    roles = access.roles(user)
    problems = access.visible_problems(user).select_related("target", "handling_org")
    todo = Q(pk__in=[])
    if roles & {Role.OFFICE, Role.ADMIN}:
        # To route, to rule on, and to chase: overdue problems are the office's business too (督办).
        todo |= Q(status__in=("reported", "returned", "escalated"))
        todo |= light_q("red")
    if roles & {Role.GROUP_LEADER, Role.MEMBER}:
        todo |= Q(
            status__in=("reported", "resolved"),
            group_id__in=access.group_ids(user),
        )
    if Role.HANDLER in roles:
        todo |= Q(status__in=SWEPT_STATUSES, handling_org_id__in=access.handler_org_ids(user))
    my_problems = annotate_light(problems.filter(todo)).order_by("deadline", "reported_on")[:30]
    targets = access.visible_targets(user)
    visits = access.visible_visits(user)
    steps = (
        PlanStep.objects.filter(plan__target__in=targets)
        .exclude(status="done")
        .select_related("plan", "plan__target")
        .order_by("due", "plan_id", "order")[:20]
    )
    outcomes = [
        {"name": row["indicator__name"], "total": readable_total(row["total"], row["indicator__unit"])}
        for row in Outcome.objects.filter(target__in=targets)
        .values("indicator__name", "indicator__unit", "indicator__order")
        .annotate(total=Sum("value"))
        .order_by("indicator__order")
    ]
    numbers = {
        "groups": access.visible_groups(user).count(),
        "targets": targets.count(),
        "visits": visit_total(visits.only("occasions", "occasions_qualifier")),
        "problems": problems.count(),
        "solved": problems.filter(status__in=("resolved", "closed")).count(),
    }
    return render(
        request,
        "core/workbench.html",
        {
            "my_problems": my_problems,
            "steps": steps,
            "numbers": numbers,
            "rates": compute_rates(problems),
            "outcomes": outcomes,
            "today": timezone.localdate(),
            "recent": problems.order_by("-updated_at")[:10],
        },
    )
