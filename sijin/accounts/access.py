"""Who sees what: the ONE place that decides scope.

Every list goes through the model's ``visible_to(user)``; every single object through ``get_<noun>_for(user, pk,
write=False)``, which raises Http404 when the object is outside the user's scope (never revealing that it
exists) and PermissionDenied when the user may read it but not change it.

Scopes: admin — everything; office and leader — a region subtree (code prefix); dispatching unit — the groups
it sent; group leader and member — their group; handler — problems assigned to their organization (and the
targets of those problems). Security admin and auditor see no case data (三员分立). Leaders only read.

Models ask here through their querysets (``Problem.objects.visible_to(user)``, ``Target.objects.visible_to(user)``
…), which filter by the conditions built below. This module sits low in the layers (accounts), so it never
imports the case apps: the few object lookups take their model from the app registry.

Who may *act* on one problem (``acting_roles``) and who is *told* about it (``offices_over``,
``problem_handlers``) are decided here too, from the grants; the problem only says what it needs
(``Problem.office_level`` for an escalated one, ``Problem.handled_by_group``).
"""

from typing import Any, Protocol

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from sijin.directory.models import PREFIX_LENGTH, RegionLevel
from sijin.directory.regions import code_range_q

from .models import ADMIN_ROLES, BUSINESS_ROLES, SECOND_FACTOR_ROLES, Role, RoleGrant, User

# Whoever asks: a login, the anonymous visitor of a request, or nobody (a command or the sweep).
Viewer = User | AnonymousUser | None


class ProblemRow(Protocol):
    """What the scope module needs to know of a problem (it never imports the problems app)."""

    pk: Any
    region_id: Any
    group_id: Any
    handling_org_id: Any
    handler_id: Any
    group: Any

    @property
    def office_level(self) -> int | None: ...

    @property
    def handled_by_group(self) -> bool: ...


READ_ONLY_ROLES = {Role.LEADER}
NOTHING = Q(pk__in=[])


def grants(user: Viewer) -> list[RoleGrant]:
    """The user's role grants, cached on the user object for the request: one query per request, which the
    scope, the menu, the second-factor check and the pages' own scopes (a group's region: the 问题台账's
    drop-downs) all read."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_sijin_grants"):
        user._sijin_grants = list(user.grants.select_related("region", "organization", "work_group__region"))
    return user._sijin_grants


def roles(user: Viewer) -> set[str]:
    found = {g.role for g in grants(user)}
    if getattr(user, "is_superuser", False):
        found.add(Role.ADMIN)
    return found


def is_admin(user: Viewer) -> bool:
    return Role.ADMIN in roles(user)


def _ids(user: Viewer, role_set: set[str] | set[Role], attr: str) -> list:
    return [getattr(g, attr) for g in grants(user) if g.role in role_set]


def _prefixes(user: Viewer, role_set: set[str] | set[Role]) -> list[str]:
    return [g.region.prefix for g in grants(user) if g.role in role_set and g.region is not None]


def region_within_q(field: str, prefix: str) -> Q:
    """Condition "``field`` (a region code) lies in the subtree of ``prefix``", as a range of codes:
    ``field >= '3716' AND field < '3717'``.

    It means exactly ``field LIKE '3716%'`` — a region code is ASCII digits, so the codes that start with the
    prefix are those from the prefix up to (not including) the prefix with its last digit raised; a trailing 9
    carries (``'3719'`` → ``'372'``), and a prefix of nines only has no upper end. Unlike Django's
    ``__startswith`` (``LIKE '3716%' ESCAPE '\\'``) a range can use an ordinary index on SQLite as well as on
    PostgreSQL, under any collation. Every region-subtree filter is built here (the range by
    ``sijin.directory.regions.code_range_q``, which the directory app, below this one, uses itself).
    """
    return code_range_q(field, prefix)


def _region_q(field: str, prefixes: list[str]) -> Q:
    q = Q()
    for p in prefixes:
        q |= region_within_q(field, p)
    return q


REGION_ROLES = {Role.OFFICE, Role.LEADER}
GROUP_ROLES = {Role.GROUP_LEADER, Role.MEMBER}


def group_q(user: Viewer, prefix: str = "", region_roles: set[Role] = REGION_ROLES) -> Q:
    """Condition on WorkGroup (with ``prefix`` "group__" when filtering a related model); the region grants
    of ``region_roles`` count (the office's alone for writing)."""
    if is_admin(user):
        return Q()
    q = NOTHING
    if prefixes := _prefixes(user, region_roles):
        q |= _region_q(f"{prefix}region__code", prefixes)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(**{f"{prefix}dispatching_org_id__in": orgs})
    if groups := _ids(user, GROUP_ROLES, "work_group_id"):
        q |= Q(**{f"{prefix}id__in": groups})
    return q


def _case_q(user: Viewer, handling_org: str) -> Q:
    """Condition on a case row (problem, target) that carries its own region and group; a handler sees it
    through ``handling_org``, the path from the row to the handling department.

    The office's region prefix applies to the row's own region, so the common case needs no join.
    """
    if is_admin(user):
        return Q()
    q = NOTHING
    if prefixes := _prefixes(user, REGION_ROLES):
        q |= _region_q("region__code", prefixes)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(group__dispatching_org_id__in=orgs)
    if groups := _ids(user, GROUP_ROLES, "work_group_id"):
        q |= Q(group_id__in=groups)
    if orgs := _ids(user, {Role.HANDLER}, "organization_id"):
        q |= Q(**{f"{handling_org}__in": orgs})
    return q


def problem_q(user: Viewer) -> Q:
    return _case_q(user, "handling_org_id")


def problem_tally_q(user: Viewer, *, by_unit: bool = False) -> Q | None:
    """The user's problem scope (``problem_q``) as a condition on the rows of the kept tallies (problems.tally),
    or None when it cannot be one: a handler sees problems by their handling unit (which only the tallies
    ``by_unit`` key), and a region grant below the county splits a county. Each branch is the same grant's branch of
    ``_case_q``."""
    if is_admin(user):
        return Q()
    q = NOTHING
    for grant in grants(user):
        if grant.role in REGION_ROLES and grant.region is not None:
            if len(grant.region.prefix) > PREFIX_LENGTH[RegionLevel.COUNTY]:
                return None
            q |= region_within_q("county", grant.region.prefix)
        elif grant.role == Role.UNIT:
            q |= Q(group__dispatching_org_id__in=[grant.organization_id])
        elif grant.role in GROUP_ROLES:
            q |= Q(group_id__in=[grant.work_group_id])
        elif grant.role == Role.HANDLER:
            if not by_unit:
                return None
            q |= Q(handling_org_id__in=[grant.organization_id])
    return q


def target_q(user: Viewer) -> Q:
    return _case_q(user, "problems__handling_org_id")


def target_ids(user: Viewer) -> QuerySet:
    """The ids of the targets ``user`` sees (``target_q``), each once, as a one-column queryset to count or to
    filter by. A handler's (every grant a handler's) are the ``target_id`` of the unit's problems, read from
    those problems alone (index-only, from the index on (handling_org, target): problems migration 0016),
    where ``Target.objects.visible_to`` joins the targets to the problems and keeps each once, which the
    planner does by reading every target (at 1,000,000 problems a unit's 8,780 problems: 1 ms instead of 38–51)."""
    orgs = _ids(user, {Role.HANDLER}, "organization_id")
    if orgs and not is_admin(user) and all(g.role == Role.HANDLER for g in grants(user)):
        handled = _model("problems.Problem").objects.filter(handling_org_id__in=orgs)
        return handled.order_by().values("target_id").distinct()
    return _visible("campaigns.Target", user).order_by().values("pk")


def target_needs_distinct(user: Viewer) -> bool:
    """A handler's condition on targets crosses a to-many relation (problems): keep each target once."""
    return bool(_ids(user, {Role.HANDLER}, "organization_id")) and not is_admin(user)


def visit_q(user: Viewer) -> Q:
    return group_q(user, "group__")


def _model(label: str) -> Any:
    return apps.get_model(label)


def _visible(label: str, user: Viewer) -> QuerySet:
    """The model's own scoped queryset (``Model.objects.visible_to``), for the object lookups below."""
    return _model(label).objects.visible_to(user)


def can_write(user: Viewer, group_id: int | None = None) -> bool:
    """May the user change case data of this group (or any, when no group is given)?"""
    role_set = roles(user)
    if Role.ADMIN in role_set:
        return True
    writers = role_set - READ_ONLY_ROLES - {Role.SECURITY, Role.AUDITOR}
    if group_id is None:
        return bool(writers)
    return visible_groups_for_write(user).filter(id=group_id).exists()


def visible_groups_for_write(user: Viewer) -> QuerySet:
    """Groups whose case data the user may change: their scope minus read-only grants."""
    return _model("campaigns.WorkGroup").objects.filter(group_q(user, region_roles={Role.OFFICE}))


def briefing_q(user: Viewer) -> Q:
    """Group briefings of visible groups; unit briefings to that unit and to offices/leaders of its region;
    region briefings to offices/leaders whose subtree holds the region; and one's own drafts."""
    if is_admin(user):
        return Q()
    q = (Q(scope="group") & group_q(user, "group__")) | Q(created_by_id=user.pk)
    if orgs := _ids(user, {Role.UNIT}, "organization_id"):
        q |= Q(scope="unit", organization_id__in=orgs)
    for p in _prefixes(user, REGION_ROLES):
        q |= Q(scope="unit") & region_within_q("organization__region__code", p)
        q |= Q(scope="region") & region_within_q("region__code", p)
    return q


def unit_ids(user: Viewer) -> list[int]:
    """The dispatching units the user acts for."""
    return _ids(user, {Role.UNIT}, "organization_id")


def group_ids(user: Viewer) -> list[int]:
    """The work groups the user is a leader or member of."""
    return _ids(user, GROUP_ROLES, "work_group_id")


def handler_org_ids(user: Viewer) -> list[int]:
    """The organizations whose assigned problems the user handles."""
    return _ids(user, {Role.HANDLER}, "organization_id")


def can_write_briefing(user: Viewer, briefing) -> bool:
    """Who may edit and submit: writers of the group; the unit itself; an office covering the region."""
    if is_admin(user):
        return True
    if briefing.scope == "group":
        return briefing.group_id is not None and can_write(user, briefing.group_id)
    if briefing.scope == "unit":
        return briefing.organization_id in _ids(user, {Role.UNIT}, "organization_id")
    return briefing.region is not None and can_brief_region(user, briefing.region)


def can_brief_region(user: Viewer, region) -> bool:
    """Region briefings are drafted by the office whose subtree holds the region (or the admin)."""
    return is_admin(user) or any(region.code.startswith(p) for p in _prefixes(user, {Role.OFFICE}))


def get_briefing_for(user: Viewer, pk, write: bool = False) -> Any:
    briefing = _get(_visible("reports.Briefing", user).select_related("group", "organization", "region"), pk)
    if write and not can_write_briefing(user, briefing):
        raise PermissionDenied("只读权限,不能修改")
    return briefing


def _get(qs: QuerySet, pk) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404("不存在或无权查看") from None


def get_group_for(user: Viewer, pk, write: bool = False) -> Any:
    group = _get(_visible("campaigns.WorkGroup", user), pk)
    if write and not can_write(user, group.id):
        raise PermissionDenied("只读权限,不能修改")
    return group


def get_target_for(user: Viewer, pk, write: bool = False) -> Any:
    target = _get(
        _visible("campaigns.Target", user).select_related(
            "kind", "region", "group", "responsible", "campaign"
        ),
        pk,
    )
    if write and not (target.group_id and can_write(user, target.group_id)):
        raise PermissionDenied("只读权限,不能修改")
    return target


def get_problem_for(user: Viewer, pk, write: bool = False) -> Any:
    problem = _get(
        _visible("problems.Problem", user).select_related("target", "group", "handling_org", "handler"), pk
    )
    if write and roles(user) <= READ_ONLY_ROLES | {Role.SECURITY, Role.AUDITOR}:
        raise PermissionDenied("只读权限,不能修改")
    return problem


def get_visit_for(user: Viewer, pk) -> Any:
    return _get(_visible("fieldwork.Visit", user), pk)


def get_export_job_for(user: Viewer, pk) -> Any:
    """An export job is its maker's alone (it holds a copy of case data in the maker's scope)."""
    return _get(_model("reports.ExportJob").objects.filter(user_id=getattr(user, "pk", None)), pk)


def get_import_job_for(user: Viewer, pk) -> Any:
    """An import job is its maker's alone, as an export job is (it keeps the uploaded workbook)."""
    jobs = _model("reports.ImportJob").objects.filter(user_id=getattr(user, "pk", None))
    return _get(jobs.select_related("campaign"), pk)


def may_assign_cadres(user: Viewer, group: Any) -> bool:
    """包保 is decided by the group's leader, an office covering the group, or the admin (not by members)."""
    if group is None or not can_write(user, group.pk):
        return False
    if roles(user) & {Role.ADMIN, Role.OFFICE}:
        return True
    return any(g.role == Role.GROUP_LEADER and g.work_group_id == group.pk for g in grants(user))


# --- what the pages offer: menus and buttons ask the same rules as the views -----------------------------------

CASE_ROLES = BUSINESS_ROLES | {Role.ADMIN}


def sees_cases(user: Viewer) -> bool:
    """Does the user see case data at all? The security admin and the auditor do not (三员分立)."""
    return bool(roles(user) & CASE_ROLES)


def sees_groups(user: Viewer) -> bool:
    """Does the user see work groups (and their plans, outcomes, lists, methods)? A handler sees only the
    problems of their unit and the targets of those."""
    return is_admin(user) or bool(roles(user) & (REGION_ROLES | GROUP_ROLES | {Role.UNIT}))


# Where ``may_enter_visits`` keeps its answer for the request, on the user object as ``grants`` does; the
# request's other per-user questions may answer it in their query (accounts.middleware.request_facts).
WRITES_GROUPS = "_sijin_writes_groups"


def may_enter_visits(user: Viewer) -> bool:
    """走访 entry, 清单 and imports need a group the user may write to (``visible_groups_for_write``); asked
    once per request (the menu asks it for several entries)."""
    if not can_write(user):
        return False
    if not hasattr(user, WRITES_GROUPS):
        setattr(user, WRITES_GROUPS, visible_groups_for_write(user).exists())
    return getattr(user, WRITES_GROUPS)


def may_draft_briefing(user: Viewer) -> bool:
    """A briefing is drafted for a group one writes to, or a region by its office (``can_brief_region``)."""
    return can_write(user) and (bool(_prefixes(user, {Role.OFFICE})) or may_enter_visits(user))


def may_create_campaign(user: Viewer) -> bool:
    """新建行动 is the campaign office's, in its own region subtree (``campaign_region_q``)."""
    return can_write(user) and bool(_prefixes(user, {Role.OFFICE}))


def campaign_region_q(user: Viewer) -> Q:
    """Condition on Region: where the user's office may organise a campaign (its region and those below)."""
    prefixes = _prefixes(user, {Role.OFFICE})
    return _region_q("code", prefixes) if prefixes else NOTHING


def menu_for(user: Viewer) -> dict[str, bool]:
    """What the navigation and the pages' buttons offer the user: each entry is the rule its view applies."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cases, groups = sees_cases(user), sees_groups(user)
    writes_groups = may_enter_visits(user)
    return {
        "cases": cases,
        "groups": groups,
        "visit": writes_groups,
        "target_new": writes_groups,
        "checklist_new": writes_groups,
        "import": writes_groups,
        "briefing_new": may_draft_briefing(user),
        "campaign_new": may_create_campaign(user),
        "common": may_view_common(user),
        "admin": bool(getattr(user, "is_staff", False)),
    }


# --- acting on one problem, and who is told about it ---------------------------------------------------------


def may_view_common(user: Viewer) -> bool:
    """共性问题 (similar problems across groups) is the office's view (and its leaders'); others see their own."""
    return bool(roles(user) & {Role.OFFICE, Role.LEADER, Role.ADMIN})


def may_make_common_checklist(user: Viewer) -> bool:
    """A 共性问题清单 is made by the office (leaders only read)."""
    return bool(roles(user) & {Role.OFFICE, Role.ADMIN}) and can_write(user)


def may_issue_notice(user: Viewer) -> bool:
    """督办通知单 are issued by the campaign office (and the admin)."""
    return bool(roles(user) & {Role.OFFICE, Role.ADMIN})


def may_see_requester_contact(user: Viewer, problem: ProblemRow) -> bool:
    """A requester's name and phone, handed over with a demand (Open311), are shown in full to those who call
    back: the office over the problem's region and the handler of its unit. Everyone else sees them masked."""
    if any(problem.region_id.startswith(p) for p in _prefixes(user, {Role.OFFICE})):
        return True
    return problem.handling_org_id is not None and problem.handling_org_id in handler_org_ids(user)


def acting_roles(user: Viewer, problem: ProblemRow) -> set[str]:
    """The user's roles that apply to this problem (for the workflow table's ``roles``).

    An office cadre acts on problems in their region subtree (an escalated problem only at the office level it
    was escalated to); a group leader or member on their group's problems; a handler on problems of their
    organization; a dispatching unit on its groups' problems; the admin everywhere. When the group handles a
    problem itself (``Problem.handled_by_group``), the group's members act as its handler too.
    """
    result = set()
    for g in grants(user):
        if g.role == Role.OFFICE and _office_covers(g.region, problem.region_id, problem.office_level):
            result.add(g.role)
        elif g.role in GROUP_ROLES and g.work_group_id == problem.group_id:
            result.add(g.role)
            if problem.handled_by_group:
                result.add(Role.HANDLER)
        elif (g.role == Role.HANDLER and g.organization_id == problem.handling_org_id) or (
            g.role == Role.UNIT and g.organization_id == problem.group.dispatching_org_id
        ):
            result.add(g.role)
    if is_admin(user):
        result.add(Role.ADMIN)
    return result


def _office_covers(region, code: str, level: int | None = None) -> bool:
    """Does an office of ``region`` cover a row in region ``code`` (at most at region level ``level``)?"""
    if region is None or not code.startswith(region.prefix):
        return False
    return level is None or region.level <= level


def offices_over(code: str, level: int | None = None, office_grants: list[RoleGrant] | None = None) -> list:
    """(user, region) of every active office cadre whose subtree holds region ``code`` (at most at ``level``).

    The sweep passes the office grants it loaded once for all problems.
    """
    if office_grants is None:
        office_grants = active_office_grants()
    return [(g.user, g.region) for g in office_grants if _office_covers(g.region, code, level)]


def active_office_grants() -> list[RoleGrant]:
    """Every active office cadre's grant, with its region: loaded once by the sweep for all problems."""
    return list(
        RoleGrant.objects.filter(role=Role.OFFICE, user__is_active=True).select_related("user", "region")
    )


def problem_handlers(problem: ProblemRow) -> list[User]:
    """Who handles a problem: the named handler's logins; else the handling unit's handlers; for a problem the
    group handles itself, the group's leaders and members."""
    active = User.objects.filter(is_active=True)
    if problem.handler_id and (users := list(active.filter(person_id=problem.handler_id))):
        return users
    if problem.handling_org_id:
        return list(
            active.filter(
                grants__role=Role.HANDLER, grants__organization_id=problem.handling_org_id
            ).distinct()
        )
    return list(
        active.filter(grants__role__in=GROUP_ROLES, grants__work_group_id=problem.group_id).distinct()
    )


def problem_group_users(problem: ProblemRow) -> list[User]:
    """The problem's work group: its leaders' and members' active logins (told when a 回访 is due)."""
    return list(
        User.objects.filter(
            is_active=True, grants__role__in=GROUP_ROLES, grants__work_group_id=problem.group_id
        ).distinct()
    )


def problem_unit_users(problem: ProblemRow) -> list[User]:
    """The handling unit: its handlers, and the named handler's login."""
    users = {u.pk: u for u in problem_handlers(problem)}
    if problem.handling_org_id:
        for u in User.objects.filter(
            is_active=True, grants__role=Role.HANDLER, grants__organization_id=problem.handling_org_id
        ):
            users[u.pk] = u
    return list(users.values())


def problems_handlers(problems: "list[ProblemRow]") -> dict[Any, list[User]]:
    """``problem_handlers`` of many problems at once (the sweep's batch), by problem pk: three queries
    however many problems."""
    return {pk: handlers for pk, (handlers, _unit) in _people_of(problems).items()}


def problems_unit_users(problems: "list[ProblemRow]") -> dict[Any, list[User]]:
    """``problem_unit_users`` of many problems at once, by problem pk (its handlers, then the unit's)."""
    found = {}
    for pk, (handlers, unit) in _people_of(problems).items():
        users = {u.pk: u for u in handlers}
        for u in unit:
            users.setdefault(u.pk, u)
        found[pk] = list(users.values())
    return found


def _people_of(problems: "list[ProblemRow]") -> dict[Any, tuple[list[User], list[User]]]:
    """By problem pk: (its handlers as ``problem_handlers`` decides, its handling unit's handlers)."""
    by_person = _users_by(
        User.objects.filter(is_active=True, person_id__in=_keys(problems, "handler_id")), "person_id"
    )
    by_org = _grantees(
        Q(role=Role.HANDLER, organization_id__in=_keys(problems, "handling_org_id")), "organization_id"
    )
    by_group = _grantees(
        Q(role__in=GROUP_ROLES, work_group_id__in=_keys(problems, "group_id")), "work_group_id"
    )
    found = {}
    for p in problems:
        unit = by_org.get(p.handling_org_id, []) if p.handling_org_id else []
        if p.handler_id and by_person.get(p.handler_id):
            found[p.pk] = (by_person[p.handler_id], unit)
        elif p.handling_org_id:
            found[p.pk] = (unit, unit)
        else:
            found[p.pk] = (by_group.get(p.group_id, []), unit)
    return found


def _keys(problems: "list[ProblemRow]", attr: str) -> set:
    return {key for p in problems if (key := getattr(p, attr)) is not None}


def _users_by(users: QuerySet[User], attr: str) -> dict[Any, list[User]]:
    found: dict[Any, list[User]] = {}
    for u in users.order_by("pk"):
        found.setdefault(getattr(u, attr), []).append(u)
    return found


def _grantees(condition: Q, attr: str) -> dict[Any, list[User]]:
    """The active users holding a grant of ``condition``, each once, by the grant's ``attr``."""
    found: dict[Any, dict[Any, User]] = {}
    grants = (
        RoleGrant.objects.filter(condition, user__is_active=True).select_related("user").order_by("user_id")
    )
    for g in grants:
        found.setdefault(getattr(g, attr), {})[g.user_id] = g.user
    return {key: list(users.values()) for key, users in found.items()}


def reminders_recipients_sql(problems: str, *, unit: bool = False) -> tuple[str, list]:
    """SQL selecting ``(problem_id, user_id)``, each pair once: who is told of each problem of the table
    ``problems`` (columns ``id, handler_id, handling_org_id, group_id``) — ``problems_handlers``; with ``unit``
    ``problems_unit_users``. The sweep's reminders of thousands of problems at once, without a row through
    Python (test_sweep_bulk.py checks that both forms name the same people)."""
    qn = connection.ops.quote_name
    user, grant = qn(User._meta.db_table), qn(RoleGrant._meta.db_table)
    named = f"SELECT 1 FROM {user} n WHERE n.person_id = p.handler_id AND n.is_active"
    parts: list[tuple[str, list[Any]]] = [
        # The named handler's login.
        (
            f"SELECT p.id, u.id FROM {problems} p JOIN {user} u ON u.person_id = p.handler_id WHERE u.is_active",
            [],
        ),
        # The handling unit's handlers: when the named handler has no login (with ``unit``, always).
        (
            f"SELECT p.id, g.user_id FROM {problems} p JOIN {grant} g ON g.organization_id = p.handling_org_id "
            f"JOIN {user} u ON u.id = g.user_id WHERE g.role = %s AND u.is_active"
            + ("" if unit else f" AND NOT EXISTS ({named})"),
            [Role.HANDLER],
        ),
        # The group, for a problem it handles itself (no unit) when the named handler has no login.
        (
            f"SELECT p.id, g.user_id FROM {problems} p JOIN {grant} g ON g.work_group_id = p.group_id "
            f"JOIN {user} u ON u.id = g.user_id WHERE g.role IN (%s, %s) AND u.is_active "
            f"AND p.handling_org_id IS NULL AND NOT EXISTS ({named})",
            sorted(GROUP_ROLES),
        ),
    ]
    return " UNION ".join(sql for sql, _params in parts), [p for _sql, params in parts for p in params]


def reminders_offices_sql(problems: str) -> tuple[str, list]:
    """SQL selecting ``(region_id, user_id)``, each pair once: ``offices_over`` each region of the rows of the
    table (or WITH query) ``problems`` (column ``region_id``) — by region, not by problem: the sweep tells an
    office of many problems at once, and a batch of thousands of problems lies in far fewer regions.

    An office's subtree is its region's code prefix (``Region.prefix``), whose length is the region level's:
    for each level the prefix equals the first digits of the problem's region, an equality the database joins
    on (a hash of the few office grants) instead of comparing every region with every office."""
    qn = connection.ops.quote_name
    user, grant = qn(User._meta.db_table), qn(RoleGrant._meta.db_table)
    region = qn(RoleGrant._meta.get_field("region").related_model._meta.db_table)  # type: ignore[union-attr]
    parts = [
        (
            f"SELECT p.region_id, g.user_id FROM {grant} g JOIN {user} u ON u.id = g.user_id "
            f"JOIN {region} r ON r.code = g.region_id JOIN (SELECT DISTINCT region_id FROM {problems}) p "
            "ON substr(p.region_id, 1, %s) = substr(r.code, 1, %s) "
            "WHERE g.role = %s AND u.is_active AND r.level = %s",
            [length, length, Role.OFFICE, level],
        )
        for level, length in sorted(PREFIX_LENGTH.items())
    ]
    return " UNION ".join(sql for sql, _params in parts), [p for _sql, params in parts for p in params]


# --- 三员分立: who manages which login and grants which role -------------------------------------------------


def is_administrator(user: Viewer) -> bool:
    """A superuser or a holder of one of the three administrators' roles."""
    return bool(getattr(user, "is_superuser", False)) or bool(roles(user) & ADMIN_ROLES)


def administrators() -> QuerySet[User]:
    """The logins that only a superuser manages: superusers and the three administrators."""
    return User.objects.filter(Q(is_superuser=True) | Q(grants__role__in=ADMIN_ROLES)).distinct()


def manages_logins(actor: Viewer) -> bool:
    """The command line (``actor`` None), a superuser (made only at the command line) and the security admin
    manage logins; nobody else does."""
    return actor is None or bool(getattr(actor, "is_superuser", False)) or Role.SECURITY in roles(actor)


def logins_managed_by(actor: Viewer) -> QuerySet[User]:
    """The logins ``actor`` may change, unlock and set the password of: every login for a superuser; for the
    security admin the business logins, never a superuser's or an administrator's (his own included)."""
    if actor is None or getattr(actor, "is_superuser", False):
        return User.objects.all()
    if manages_logins(actor):
        return User.objects.exclude(pk__in=administrators().values("pk"))
    return User.objects.none()


def may_manage_login(actor: Viewer, user: User) -> bool:
    """``actor`` None is the command line (a loader, ``sijin manage``), which may do anything."""
    return actor is None or logins_managed_by(actor).filter(pk=user.pk).exists()


def roles_granted_by(actor: Viewer) -> frozenset[str]:
    """The roles ``actor`` may grant and withdraw: every role for a superuser or the command line, the
    business roles for the security admin, none for anyone else."""
    if actor is None or getattr(actor, "is_superuser", False):
        return frozenset(Role)
    if manages_logins(actor):
        return BUSINESS_ROLES
    return frozenset()


def second_factor_offered(user: Viewer) -> bool:
    """Is the user one who is offered a second factor (and must use one when SIJIN_REQUIRE_2FA is on)?"""
    return bool(getattr(user, "is_superuser", False)) or bool(roles(user) & SECOND_FACTOR_ROLES)
