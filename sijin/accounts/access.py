"""Who sees what: the ONE place that decides scope.

Every list goes through ``visible_<nouns>(user)``; every single object through ``get_<noun>_for(user, pk,
write=False)``, which raises Http404 when the object is outside the user's scope (never revealing that it
exists) and PermissionDenied when the user may read it but not change it.

Scopes: admin — everything; office and leader — a region subtree (code prefix); dispatching unit — the groups
it sent; group leader and member — their group; handler — problems assigned to their organization (and the
targets of those problems). Security admin and auditor see no case data (三员分立). Leaders only read.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sijin.campaigns.models import Target, WorkGroup
from sijin.fieldwork.models import Visit
from sijin.problems.models import Problem
from sijin.reports.models import Briefing

from .models import Role, RoleGrant

READ_ONLY_ROLES = {Role.LEADER}
NOTHING = Q(pk__in=[])


def grants(user) -> list[RoleGrant]:
    """The user's role grants, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_sijin_grants"):
        user._sijin_grants = list(user.grants.select_related("region", "organization", "work_group"))
    return user._sijin_grants


def roles(user) -> set[str]:
    found = {g.role for g in grants(user)}
    if getattr(user, "is_superuser", False):
        found.add(Role.ADMIN)
    return found


def is_admin(user) -> bool:
    return Role.ADMIN in roles(user)


def _ids(user, role_set: set[str] | set[Role], attr: str) -> list:
    return [getattr(g, attr) for g in grants(user) if g.role in role_set]


def _prefixes(user, role_set: set[str] | set[Role]) -> list[str]:
    return [g.region.prefix for g in grants(user) if g.role in role_set and g.region is not None]


def _region_q(field: str, prefixes: list[str]) -> Q:
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field}__startswith": p})
    return q


REGION_ROLES = {Role.OFFICE, Role.LEADER}
GROUP_ROLES = {Role.GROUP_LEADER, Role.MEMBER}


def group_q(user, prefix: str = "") -> Q:
    """Condition on WorkGroup (with ``prefix`` "group__" when filtering a related model)."""
    if is_admin(user):
        return Q()
    q = NOTHING
    if prefixes := _prefixes(user, REGION_ROLES):
        q |= _region_q(f"{prefix}region__code", prefixes)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(**{f"{prefix}dispatching_org_id__in": orgs})
    if groups := _ids(user, GROUP_ROLES, "work_group_id"):
        q |= Q(**{f"{prefix}id__in": groups})
    return q


def _case_q(user, region_field: str) -> Q:
    """Condition on a case row (problem, target) that carries its own region and group.

    The office's region prefix applies to the row's own region, so the common case needs no join.
    """
    q = NOTHING
    if prefixes := _prefixes(user, REGION_ROLES):
        q |= _region_q(region_field, prefixes)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(group__dispatching_org_id__in=orgs)
    if groups := _ids(user, GROUP_ROLES, "work_group_id"):
        q |= Q(group_id__in=groups)
    return q


def problem_q(user) -> Q:
    if is_admin(user):
        return Q()
    q = _case_q(user, "region__code")
    if orgs := _ids(user, {Role.HANDLER}, "organization_id"):
        q |= Q(handling_org_id__in=orgs)
    return q


def target_q(user) -> Q:
    if is_admin(user):
        return Q()
    q = _case_q(user, "region__code")
    if orgs := _ids(user, {Role.HANDLER}, "organization_id"):
        q |= Q(problems__handling_org_id__in=orgs)
    return q


def visible_groups(user) -> QuerySet[WorkGroup]:
    return WorkGroup.objects.filter(group_q(user))


def visible_targets(user) -> QuerySet[Target]:
    qs = Target.objects.filter(target_q(user))
    # A handler's condition crosses a to-many relation; keep each target once.
    return qs.distinct() if _ids(user, {Role.HANDLER}, "organization_id") and not is_admin(user) else qs


def visible_problems(user) -> QuerySet[Problem]:
    return Problem.objects.filter(problem_q(user))


def visible_visits(user) -> QuerySet[Visit]:
    return Visit.objects.filter(group_q(user, "group__"))


def can_write(user, group_id: int | None = None) -> bool:
    """May the user change case data of this group (or any, when no group is given)?"""
    role_set = roles(user)
    if Role.ADMIN in role_set:
        return True
    writers = role_set - READ_ONLY_ROLES - {Role.SECURITY, Role.AUDITOR}
    if group_id is None:
        return bool(writers)
    return visible_groups_for_write(user).filter(id=group_id).exists()


def visible_groups_for_write(user) -> QuerySet[WorkGroup]:
    """Groups whose case data the user may change: their scope minus read-only grants."""
    if is_admin(user):
        return WorkGroup.objects.all()
    q = NOTHING
    if prefixes := _prefixes(user, {Role.OFFICE}):
        q |= _region_q("region__code", prefixes)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(dispatching_org_id__in=orgs)
    if groups := _ids(user, GROUP_ROLES, "work_group_id"):
        q |= Q(id__in=groups)
    return WorkGroup.objects.filter(q)


def briefing_q(user) -> Q:
    """Group briefings of visible groups; unit briefings to that unit and to offices/leaders of its region;
    region briefings to offices/leaders whose subtree holds the region; and one's own drafts."""
    if is_admin(user):
        return Q()
    q = Q(scope="group", group__in=visible_groups(user)) | Q(created_by_id=user.pk)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(scope="unit", organization_id__in=orgs)
    for p in _prefixes(user, REGION_ROLES):
        q |= Q(scope="unit", organization__region__code__startswith=p)
        q |= Q(scope="region", region__code__startswith=p)
    return q


def unit_ids(user) -> list[int]:
    """The dispatching units the user acts for."""
    return _ids(user, {Role.UNIT}, "organization_id")


def group_ids(user) -> list[int]:
    """The work groups the user is a leader or member of."""
    return _ids(user, GROUP_ROLES, "work_group_id")


def handler_org_ids(user) -> list[int]:
    """The organizations whose assigned problems the user handles."""
    return _ids(user, {Role.HANDLER}, "organization_id")


def visible_briefings(user) -> QuerySet[Briefing]:
    return Briefing.objects.filter(briefing_q(user))


def can_write_briefing(user, briefing: Briefing) -> bool:
    """Who may edit and submit: writers of the group; the unit itself; an office covering the region."""
    if is_admin(user):
        return True
    if briefing.scope == "group":
        return briefing.group_id is not None and can_write(user, briefing.group_id)
    if briefing.scope == "unit":
        return briefing.organization_id in _ids(user, {Role.UNIT}, "organization_id")
    return briefing.region is not None and can_brief_region(user, briefing.region)


def can_brief_region(user, region) -> bool:
    """Region briefings are drafted by the office whose subtree holds the region (or the admin)."""
    return is_admin(user) or any(region.code.startswith(p) for p in _prefixes(user, {Role.OFFICE}))


def get_briefing_for(user, pk, write: bool = False) -> Briefing:
    briefing = _get(visible_briefings(user).select_related("group", "organization", "region"), pk)
    if write and not can_write_briefing(user, briefing):
        raise PermissionDenied("只读权限,不能修改")
    return briefing


def _get(qs: QuerySet, pk) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404("不存在或无权查看") from None


def get_group_for(user, pk, write: bool = False) -> WorkGroup:
    group = _get(visible_groups(user), pk)
    if write and not can_write(user, group.id):
        raise PermissionDenied("只读权限,不能修改")
    return group


def get_target_for(user, pk, write: bool = False) -> Target:
    target = _get(
        visible_targets(user).select_related("kind", "region", "group", "responsible", "campaign"), pk
    )
    if write and not (target.group_id and can_write(user, target.group_id)):
        raise PermissionDenied("只读权限,不能修改")
    return target


def get_problem_for(user, pk, write: bool = False) -> Problem:
    problem = _get(visible_problems(user).select_related("target", "group", "handling_org", "handler"), pk)
    if write and roles(user) <= READ_ONLY_ROLES | {Role.SECURITY, Role.AUDITOR}:
        raise PermissionDenied("只读权限,不能修改")
    return problem


def get_visit_for(user, pk) -> Visit:
    return _get(visible_visits(user), pk)
