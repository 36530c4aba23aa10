"""系统管理 writes go through the services: the same checks, side effects and audit rows as the app's pages.

The forms are opened and posted back as a person would (every input of the rendered form, one value changed).
"""

import importlib
import inspect
import typing
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import RequestFactory

from sijin.accounts.models import Role, RoleGrant, User
from sijin.accounts.services import role_grant, user_ensure
from sijin.campaigns.models import (
    Campaign,
    Category,
    GroupDocument,
    Indicator,
    MeasureType,
    Membership,
    Posting,
    Target,
    TargetCadre,
    TargetKind,
    WorkGroup,
)
from sijin.campaigns.people import posting_create, target_cadre_add
from sijin.campaigns.services import (
    group_document_add,
    group_ensure,
    measure_type_create,
    target_create,
    target_update,
)
from sijin.core.admin import AuditedAdmin, ServiceAdmin, ServiceInline, Services
from sijin.core.models import AuditLog, Notification
from sijin.directory.models import Organization, Person
from sijin.fieldwork.models import Checklist, Feedback, Measure, Outcome, PlanStep, SupportPlan, Visit
from sijin.fieldwork.services import feedback_record, measure_record, plan_create, plan_update
from sijin.reports.models import WorkMethod
from sijin.testing import client_for, superuser


class _FormReader(HTMLParser):
    """What a browser would submit from the admin's form: every named input, select and textarea."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea = ""
        self._in_form = False

    def _put(self, name: str, value: str) -> None:
        if "__prefix__" not in name:  # the empty template row of an inline is not submitted
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or tag == "form":
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._put(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._put(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._put(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = ""
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea in self.data:  # (not the empty template row's)
            # The browser drops the one newline that follows <textarea>.
            values = self.data[self._textarea]
            values[-1] += data.removeprefix("\n") if values[-1] == "" else data


def read_form(client, url: str) -> dict[str, list[str]]:
    r = client.get(url)
    assert r.status_code == 200, url
    reader = _FormReader()
    reader.feed(r.content.decode())
    assert reader.data, f"no admin form at {url}"
    return reader.data


def post_back(client, url: str, **changes):
    """Open the admin form at ``url``, change some inputs, post it."""
    data = read_form(client, url)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [str(value)]
    return client.post(url, data)


def last_audit(model) -> AuditLog:
    return AuditLog.objects.filter(object_type=model._meta.label_lower).latest("id")


# -- Bug 1: a target's work group edited in the admin --------------------------------------------------------


@pytest.fixture
def other_group(world):
    """A second group of the campaign, stationed in the other county (汶上县)."""
    return group_ensure(
        actor=None,
        campaign=world.campaign,
        name="另一工作组",
        region=world.other_county,
        tier="county",
        dispatching_org=world.unit_org,
        start=world.group.start,
    )


def test_it_moves_a_targets_problems_when_the_admin_changes_its_group(world, other_group):
    target = world.project
    assert target.problems.exists()
    region = world.other_county.code
    r = post_back(
        client_for("admin"),
        f"/admin/campaigns/target/{target.pk}/change/",
        group=other_group.pk,
        region=region,
    )
    assert r.status_code == 302
    assert set(target.problems.values_list("region_id", "group_id")) == {(region, other_group.pk)}
    assert last_audit(Target).action == "target_update"


def test_it_refuses_to_clear_the_group_of_a_target_with_problems_in_the_admin(world):
    target = world.village
    r = post_back(client_for("admin"), f"/admin/campaigns/target/{target.pk}/change/", group="")
    assert r.status_code == 200
    assert "该帮扶对象已有问题,不能取消工作组" in r.content.decode()
    target.refresh_from_db()
    assert target.group_id == world.group.pk


def test_the_service_refuses_to_clear_the_group_of_a_target_with_problems(world):
    target = world.village
    with pytest.raises(ValidationError) as exc:
        target_update(actor=world.users["admin"], target=target, group=None)
    assert "不能取消工作组" in exc.value.message_dict["group"][0]
    target.refresh_from_db()
    assert target.group_id == world.group.pk


def test_it_lets_the_admin_clear_the_group_of_a_target_without_problems(world):
    target = target_create(
        actor=None,
        campaign=world.campaign,
        kind=world.kinds["village"],
        name="新村",
        region=world.county,
        group=world.group,
    )
    r = post_back(client_for("admin"), f"/admin/campaigns/target/{target.pk}/change/", group="")
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.group_id is None


# -- Bug 2: roles granted and withdrawn in the admin ----------------------------------------------------------


@pytest.fixture
def newcomer(world):
    return user_ensure(actor=None, username="newcomer", password="sijin-demo", display_name="新同事")


# The three administrators are appointed by a superuser (三员分立; sijin/accounts/tests/test_separation.py).


def test_an_auditor_granted_in_the_admin_reads_the_audit_log(newcomer):
    root = client_for(superuser().username)
    r = post_back(root, "/admin/accounts/rolegrant/add/", user=newcomer.pk, role=Role.AUDITOR)
    assert r.status_code == 302
    assert last_audit(RoleGrant).action == "role_grant"
    assert client_for("newcomer").get("/admin/core/auditlog/").status_code == 200


def test_a_security_admin_granted_on_the_user_page_keeps_the_logins(newcomer):
    r = post_back(
        client_for(superuser().username),
        f"/admin/accounts/user/{newcomer.pk}/change/",
        **{"grants-TOTAL_FORMS": 1, "grants-0-role": Role.SECURITY, "grants-0-user": newcomer.pk},
    )
    assert r.status_code == 302
    assert newcomer.grants.get().role == Role.SECURITY
    assert last_audit(RoleGrant).action == "role_grant"
    client = client_for("newcomer")
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/core/auditlog/").status_code == 403


def test_deleting_a_grant_in_the_admin_withdraws_the_admin_site(newcomer):
    grant = role_grant(actor=None, user=newcomer, role=Role.AUDITOR)
    r = client_for(superuser().username).post(
        f"/admin/accounts/rolegrant/{grant.pk}/delete/", {"post": "yes"}
    )
    assert r.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.is_staff
    assert not newcomer.user_permissions.exists()
    assert last_audit(RoleGrant).action == "role_revoke"
    assert client_for("newcomer").get("/admin/core/auditlog/").status_code == 302


def test_removing_a_grant_on_the_user_page_keeps_the_others(world, newcomer):
    office = role_grant(actor=None, user=newcomer, role=Role.OFFICE, region=world.city)
    role_grant(actor=None, user=newcomer, role=Role.LEADER, region=world.city)
    url = f"/admin/accounts/user/{newcomer.pk}/change/"
    root = client_for(superuser().username)
    data = read_form(root, url)
    row = next(n.removesuffix("-id") for n, v in data.items() if n.endswith("-id") and v == [str(office.pk)])
    r = post_back(root, url, **{f"{row}-DELETE": "on"})
    assert r.status_code == 302
    assert list(newcomer.grants.values_list("role", flat=True)) == [Role.LEADER]
    assert last_audit(RoleGrant).action == "role_revoke"


def test_a_password_set_in_the_admin_goes_through_the_service(newcomer):
    r = post_back(
        client_for(superuser().username),
        f"/admin/accounts/user/{newcomer.pk}/password/",
        password1="Sijin-2020-new!",
        password2="Sijin-2020-new!",
    )
    assert r.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.check_password("Sijin-2020-new!")
    row = last_audit(User)
    assert row.action == "user_password_set"
    assert "Sijin-2020-new!" not in str(row.data) + row.summary


# -- The rule: every admin write of a model that has a service goes through that service ---------------------


def service_models() -> dict[type[Model], str]:
    """Each model that some ``<app>/services.py`` function creates, changes or deletes, with that module.

    A service names its model by what it returns (``target_create(…) -> Target``) or, when it returns
    nothing, by the object it takes (``role_revoke(*, actor, grant: RoleGrant)``).
    """
    found: dict[type[Model], str] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("sijin."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.services")
        except ModuleNotFoundError:
            continue
        for fn in vars(module).values():
            ours = inspect.isfunction(fn) and fn.__module__ == module.__name__ and fn.__name__[0] != "_"
            if ours and (model := _service_model(fn)):
                found.setdefault(model, module.__name__)
    return found


def _service_model(fn) -> type[Model] | None:
    params = inspect.signature(fn).parameters
    if "actor" not in params:
        return None
    hints = typing.get_type_hints(fn)
    returned = hints.get("return")
    if isinstance(returned, type) and issubclass(returned, Model):
        return returned
    keywords = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY]
    taken = hints.get(keywords[1]) if returned is type(None) and len(keywords) > 1 else None
    return taken if isinstance(taken, type) and issubclass(taken, Model) else None


def _writes(admin_obj, request) -> dict[str, bool]:
    """Which writes an admin page (or inline) offers to a superuser."""
    if isinstance(admin_obj, InlineModelAdmin):
        return {
            "create": admin_obj.has_add_permission(request, None),
            "update": admin_obj.has_change_permission(request),
            "delete": admin_obj.can_delete and admin_obj.has_delete_permission(request),
        }
    return {
        "create": admin_obj.has_add_permission(request),
        "update": admin_obj.has_change_permission(request),
        "delete": admin_obj.has_delete_permission(request),
    }


def unwired(site: AdminSite, superuser: User) -> list[str]:
    """Every admin page or inline of ours that writes a model with a service some other way."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    with_service = service_models()
    found = []
    for model, model_admin in site._registry.items():
        if not model.__module__.startswith("sijin."):
            continue
        pages = [(model_admin, model._meta.label_lower)]
        if any(_writes(model_admin, request).values()):
            pages += [
                (cls(model, site), f"{model._meta.label_lower}>{cls.model._meta.label_lower}")
                for cls in model_admin.inlines
            ]
        for page, name in pages:
            writes = [op for op, offered in _writes(page, request).items() if offered]
            if not writes:
                continue
            if page.model not in with_service:
                # No service: the generic path audits the page's writes and its inline rows.
                if not isinstance(model_admin, AuditedAdmin):
                    found.append(f"{name}: {', '.join(writes)} without an audit row (use AuditedAdmin)")
                continue
            if not isinstance(page, ServiceAdmin | ServiceInline):
                found.append(f"{name}: {', '.join(writes)} bypass {with_service[page.model]}")
                continue
            for op in writes:
                service = getattr(page.services, op)
                if service is None or service.__module__ != with_service[page.model]:
                    found.append(f"{name}: {op} is not a service of {with_service[page.model]}")
                elif _service_model(service) is not page.model:
                    found.append(f"{name}: {op} service {service.__name__} writes another model")
    return found


def test_every_admin_write_of_a_model_with_a_service_goes_through_it(world):
    assert unwired(admin.site, superuser()) == []


def test_the_walker_finds_an_admin_that_bypasses_the_services(world):
    site = AdminSite(name="walker")

    class PlanStepInline(admin.TabularInline):
        model = PlanStep

    class PlanAdmin(ServiceAdmin):
        services = Services(create=plan_create, update=plan_update)
        inlines = [PlanStepInline]

    class WrongOutcomeAdmin(ServiceAdmin):
        services = Services(create=feedback_record)

    site.register(Feedback, AuditedAdmin)
    site.register(Visit)
    site.register(SupportPlan, PlanAdmin)
    site.register(Outcome, WrongOutcomeAdmin)
    site.register(Notification)
    assert sorted(unwired(site, superuser())) == [
        "core.notification: create, update, delete without an audit row (use AuditedAdmin)",
        "fieldwork.feedback: create, update, delete bypass sijin.fieldwork.services",
        "fieldwork.outcome: create service feedback_record writes another model",
        "fieldwork.supportplan>fieldwork.planstep: create, update, delete bypass sijin.fieldwork.services",
        "fieldwork.visit: create, update, delete bypass sijin.fieldwork.services",
    ]


# -- … proved by behaviour: each write the admin offers, posted as a person would, ends in its service --------

PASSWORD = "Sijin-2020-new!"
DAY = "2025-06-20"


def url_of(obj_or_model, view: str = "add") -> str:
    opts = obj_or_model._meta
    if view == "add":
        return f"/admin/{opts.app_label}/{opts.model_name}/add/"
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj_or_model.pk}/{view}/"


def by(model) -> str:
    """Who posts: the system admin, or for logins and grants a superuser (三员分立: the security admin's own
    pages are walked in sijin/accounts/tests/test_separation.py)."""
    return superuser().username if model._meta.app_label == "accounts" else "admin"


def add(model, **changes):
    return post_back(client_for(by(model)), url_of(model), **changes)


def change(obj, **changes):
    return post_back(client_for(by(obj)), url_of(obj, "change"), **changes)


def delete(obj):
    return client_for(by(obj)).post(url_of(obj, "delete"), {"post": "yes"})


def inline_add(parent, prefix: str, **changes):
    """Add a row to an inline the way its “add another” link does: a copy of the empty row, filled in."""
    client, url = client_for(by(parent)), url_of(parent, "change")
    page = client.get(url).content.decode()
    reader = _FormReader()
    reader.feed(page.replace("__prefix__", "__new__"))  # the empty row's template, read as a row
    data = {k: v for k, v in reader.data.items() if "-__new__-" not in k}
    n = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for name, value in reader.data.items():
        if name.startswith(f"{prefix}-__new__-"):
            data[name.replace("__new__", str(n))] = value
    data[f"{prefix}-TOTAL_FORMS"] = [str(n + 1)]
    data.update({f"{prefix}-{n}-{k}": v if isinstance(v, list) else [str(v)] for k, v in changes.items()})
    return client.post(url, data)


def inline_change(parent, prefix: str, **changes):
    return change(parent, **{f"{prefix}-0-{k}": v for k, v in changes.items()})


def feedback(w):
    return feedback_record(
        actor=None,
        target=w.village,
        group=w.group,
        speaker_name="王大爷",
        quote="帮了大忙",
        date=w.group.start,
    )


def briefing(w):
    from sijin.reports.services import briefing_generate

    group = w.group
    return briefing_generate(
        actor=w.users["admin"], period_start=group.start, period_end=group.end, group=group
    )


def measure_type(w) -> MeasureType:
    """A measure type of the campaign that no measure uses yet (so it may be deleted)."""
    return measure_type_create(
        actor=None, campaign=w.campaign, name="协调会", unit="次", units_label="协调部门"
    )


def document(w) -> GroupDocument:
    return group_document_add(actor=None, group=w.group, title="工作方案", issued_on=w.group.start)


def cadre(w) -> TargetCadre:
    return target_cadre_add(actor=None, target=w.project, person=w.member_person, role="liaison")


def posting(w) -> Posting:
    return posting_create(
        actor=None, person=w.member_person, role="group_member", start=w.group.start, group=w.group
    )


def measure(w) -> Measure:
    return measure_record(actor=None, group=w.group, type=measure_type(w), date=w.group.start, times=2)


def stranger(w):
    """Someone who is not in the group yet."""
    return Person.objects.exclude(memberships__group=w.group).first().pk


# Keyed by the admin page (model label, or parent>inline) and the write; each posts the form and checks the
# effect. The audit action is checked against the declaration by the test below.
CASES = {
    ("accounts.user", "create"): lambda w: add(
        User, username="new-login", password1=PASSWORD, password2=PASSWORD, usable_password="true"
    ),
    ("accounts.user", "update"): lambda w: change(User.objects.get(username="member"), first_name="组员甲"),
    ("accounts.rolegrant", "create"): lambda w: add(
        RoleGrant, user=User.objects.get(username="member").pk, role=Role.LEADER, region=w.city.code
    ),
    ("accounts.rolegrant", "delete"): lambda w: delete(RoleGrant.objects.get(user__username="auditor")),
    ("accounts.user>accounts.rolegrant", "create"): lambda w: inline_add(
        User.objects.get(username="member"), "grants", role=Role.LEADER, region=w.city.code
    ),
    ("accounts.user>accounts.rolegrant", "delete"): lambda w: inline_change(
        User.objects.get(username="auditor"), "grants", DELETE="on"
    ),
    ("directory.organization", "create"): lambda w: add(
        Organization, name="惠民县新单位", region=w.county.code
    ),
    ("directory.organization", "update"): lambda w: change(
        Organization.objects.first(), email="a@example.cn"
    ),
    ("directory.person", "create"): lambda w: add(
        Person, name="新同事", organization=Organization.objects.first().pk
    ),
    ("directory.person", "update"): lambda w: change(Person.objects.first(), mobile="138 0000 0000"),
    ("campaigns.campaign", "create"): lambda w: add(
        Campaign, name="新行动", level="county", region=w.county.code, start=DAY
    ),
    ("campaigns.campaign", "update"): lambda w: change(w.campaign, solve_days="20"),
    ("campaigns.campaign>campaigns.targetkind", "create"): lambda w: inline_add(
        w.campaign, "kinds", code="school", name="学校", schema="[]"
    ),
    ("campaigns.campaign>campaigns.targetkind", "update"): lambda w: inline_change(
        w.campaign, "kinds", slogan="新口号"
    ),
    ("campaigns.campaign>campaigns.category", "create"): lambda w: inline_add(
        w.campaign, "categories", name="新类别"
    ),
    ("campaigns.campaign>campaigns.category", "update"): lambda w: inline_change(
        w.campaign, "categories", solve_days="10"
    ),
    ("campaigns.campaign>campaigns.indicator", "create"): lambda w: inline_add(
        w.campaign, "indicators", code="new", name="新指标", unit="元"
    ),
    ("campaigns.campaign>campaigns.indicator", "update"): lambda w: inline_change(
        w.campaign, "indicators", order="9"
    ),
    ("campaigns.campaign>campaigns.measuretype", "create"): lambda w: inline_add(
        w.campaign, "measure_types", name="座谈会", unit="场"
    ),
    ("campaigns.campaign>campaigns.measuretype", "update"): lambda w: inline_change(
        measure_type(w).campaign, "measure_types", people_label="参会人数"
    ),
    ("campaigns.campaign>campaigns.measuretype", "delete"): lambda w: inline_change(
        measure_type(w).campaign, "measure_types", DELETE="on"
    ),
    ("campaigns.measuretype", "create"): lambda w: add(
        MeasureType, campaign=w.campaign.pk, name="座谈会", unit="场"
    ),
    ("campaigns.measuretype", "update"): lambda w: change(measure_type(w), people_label="参会人数"),
    ("campaigns.measuretype", "delete"): lambda w: delete(measure_type(w)),
    ("campaigns.targetkind", "create"): lambda w: add(
        TargetKind, campaign=w.campaign.pk, code="school", name="学校"
    ),
    ("campaigns.targetkind", "update"): lambda w: change(TargetKind.objects.first(), slogan="新口号"),
    ("campaigns.category", "create"): lambda w: add(Category, campaign=w.campaign.pk, name="新类别"),
    ("campaigns.category", "update"): lambda w: change(Category.objects.first(), solve_days="10"),
    ("campaigns.indicator", "create"): lambda w: add(
        Indicator, campaign=w.campaign.pk, code="new", name="新指标", unit="元"
    ),
    ("campaigns.indicator", "update"): lambda w: change(Indicator.objects.first(), order="9"),
    ("campaigns.workgroup", "create"): lambda w: add(
        WorkGroup,
        campaign=w.campaign.pk,
        name="新工作组",
        dispatching_org=w.group.dispatching_org_id,
        region=w.county.code,
        tier="county",
        start=DAY,
    ),
    ("campaigns.workgroup", "update"): lambda w: change(w.group, approach="新思路"),
    ("campaigns.workgroup>campaigns.membership", "create"): lambda w: inline_add(
        w.group, "memberships", person=stranger(w)
    ),
    ("campaigns.workgroup>campaigns.membership", "update"): lambda w: inline_change(
        w.group, "memberships", duty="新分工"
    ),
    ("campaigns.workgroup>campaigns.membership", "delete"): lambda w: inline_change(
        w.group, "memberships", DELETE="on"
    ),
    ("campaigns.workgroup>campaigns.groupdocument", "create"): lambda w: inline_add(
        w.group, "documents", title="管理办法", kind="rules", issued_on=DAY
    ),
    ("campaigns.workgroup>campaigns.groupdocument", "delete"): lambda w: inline_change(
        document(w).group, "documents", DELETE="on"
    ),
    ("campaigns.groupdocument", "create"): lambda w: add(
        GroupDocument, group=w.group.pk, title="管理办法", kind="rules", issued_on=DAY
    ),
    ("campaigns.groupdocument", "delete"): lambda w: delete(document(w)),
    ("campaigns.posting", "create"): lambda w: add(
        Posting, person=w.member_person.pk, role="group_member", group=w.group.pk, start=DAY
    ),
    ("campaigns.posting", "update"): lambda w: change(posting(w), term="2"),
    ("campaigns.posting", "delete"): lambda w: delete(posting(w)),
    ("campaigns.membership", "create"): lambda w: add(Membership, group=w.group.pk, person=stranger(w)),
    ("campaigns.membership", "update"): lambda w: change(Membership.objects.first(), duty="新分工"),
    ("campaigns.membership", "delete"): lambda w: delete(Membership.objects.first()),
    ("campaigns.target", "create"): lambda w: add(
        Target,
        campaign=w.campaign.pk,
        kind=w.campaign.kinds.get(code="village").pk,
        name="新村",
        region=w.county.code,
        group=w.group.pk,
    ),
    ("campaigns.target", "update"): lambda w: change(w.project, address="嘉祥县新地址"),
    ("campaigns.target>campaigns.targetcadre", "create"): lambda w: inline_add(
        w.project, "cadres", person=w.member_person.pk, role="lead", start=DAY
    ),
    ("campaigns.target>campaigns.targetcadre", "update"): lambda w: inline_change(
        cadre(w).target, "cadres", start=DAY
    ),
    ("campaigns.target>campaigns.targetcadre", "delete"): lambda w: inline_change(
        cadre(w).target, "cadres", DELETE="on"
    ),
    ("campaigns.targetcadre", "create"): lambda w: add(
        TargetCadre, target=w.project.pk, person=w.member_person.pk, role="lead", start=DAY
    ),
    ("campaigns.targetcadre", "update"): lambda w: change(cadre(w), start=DAY),
    ("campaigns.targetcadre", "delete"): lambda w: delete(cadre(w)),
    ("fieldwork.supportplan", "create"): lambda w: add(SupportPlan, target=w.project.pk, name="新方案"),
    ("fieldwork.supportplan", "update"): lambda w: change(w.plan, goal="新目标"),
    ("fieldwork.supportplan>fieldwork.planstep", "create"): lambda w: inline_add(
        w.plan, "steps", order="99", title="新步骤"
    ),
    ("fieldwork.supportplan>fieldwork.planstep", "update"): lambda w: inline_change(
        w.plan, "steps", note="新进展"
    ),
    ("fieldwork.visit", "create"): lambda w: add(
        Visit, group=w.group.pk, targets=[str(w.project.pk)], date=DAY, mode="individual", occasions="1"
    ),
    ("fieldwork.visit", "update"): lambda w: change(Visit.objects.first(), notes="补记"),
    ("fieldwork.outcome", "create"): lambda w: add(
        Outcome, target=w.project.pk, indicator=w.campaign.indicators.first().pk, value="3", date=DAY
    ),
    ("fieldwork.outcome", "update"): lambda w: change(Outcome.objects.first(), note="补记"),
    ("fieldwork.checklist", "create"): lambda w: add(
        Checklist, group=w.group.pk, name="新清单", kind="problem", created_on=DAY
    ),
    ("fieldwork.checklist", "update"): lambda w: change(w.checklist, note="补记"),
    ("fieldwork.feedback", "create"): lambda w: add(
        Feedback, target=w.project.pk, group=w.group.pk, speaker_name="张三", quote="好", date=DAY
    ),
    ("fieldwork.feedback", "update"): lambda w: change(feedback(w), rating="satisfied"),
    ("fieldwork.measure", "create"): lambda w: add(
        Measure, group=w.group.pk, type=measure_type(w).pk, date=DAY, times="3", units="5"
    ),
    ("fieldwork.measure", "update"): lambda w: change(measure(w), note="补记"),
    ("reports.workmethod", "create"): lambda w: add(WorkMethod, group=w.group.pk, title="新工作法"),
    ("reports.workmethod", "update"): lambda w: change(w.method, status="selected", selected_level="county"),
    ("reports.briefing", "update"): lambda w: change(briefing(w), title="新标题"),
}


def declared(site: AdminSite) -> dict[tuple[str, str], ServiceAdmin | ServiceInline]:
    """Each (page, write) that a ServiceAdmin or ServiceInline on the site sends to a service."""
    found: dict[tuple[str, str], ServiceAdmin | ServiceInline] = {}
    for model, model_admin in site._registry.items():
        if not isinstance(model_admin, ServiceAdmin):
            continue
        pages = [(model_admin, model._meta.label_lower)]
        pages += [
            (inline, f"{model._meta.label_lower}>{inline.model._meta.label_lower}")
            for inline in (cls(model, site) for cls in model_admin.inlines)
            if isinstance(inline, ServiceInline)
        ]
        for page, name in pages:
            for op in ("create", "update", "delete"):
                if getattr(page.services, op) is not None:
                    found[(name, op)] = page
    return found


def test_every_write_through_a_service_is_proved_below():
    assert sorted(declared(admin.site)) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES), ids="/".join)
def test_the_admin_writes_through_the_service(world, case):
    page = declared(admin.site)[case]
    service = getattr(page.services, case[1])
    before = AuditLog.objects.latest("id").id
    r = CASES[case](world)
    errors = r.context["adminform"].form.errors if r.status_code == 200 and r.context else ""
    assert r.status_code == 302, errors
    rows = AuditLog.objects.filter(id__gt=before)
    assert not rows.filter(action__startswith="admin_").exists()
    row = rows.get(object_type=page.model._meta.label_lower, action=service.__name__)
    stored = page.model._default_manager.filter(pk=row.object_id)
    assert stored.exists() != (case[1] == "delete")


def test_a_refusal_of_the_service_is_shown_on_the_admin_form(world):
    r = change(world.group, region=world.other_county.code)
    assert r.status_code == 200
    assert "不在新的驻点区划内" in r.content.decode()
    world.group.refresh_from_db()
    assert world.group.region_id == world.county.code


def test_it_offers_no_delete_where_no_service_deletes(world):
    client = client_for("admin")
    assert client.post(url_of(world.project, "delete"), {"post": "yes"}).status_code == 403
    root = client_for(superuser().username)  # not even a superuser deletes a login
    assert root.post(url_of(world.users["member"], "delete"), {"post": "yes"}).status_code == 403
    assert Target.objects.filter(pk=world.project.pk).exists()
