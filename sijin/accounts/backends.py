"""Admin-site permissions follow from role grants (三员分立), never from ``user_permissions`` or groups.

A grant's permissions are read when they are asked for, so a model added later is covered at once and a
revoked grant takes its permissions with it. Only the three administrators' roles open the admin site; case
data is reached through the pages, whose scope is ``access.py``'s. A superuser (made only at the command line)
passes every check, as in Django.
"""

from functools import cache

from django.apps import apps
from django.contrib.auth.backends import ModelBackend

from .access import roles
from .models import Role

# The system admin keeps the campaign's set-up and the reference data, and never the logins, the grants or
# the audit log.
SYSTEM_APPS = frozenset(
    {"core", "directory", "campaigns", "fieldwork", "problems", "reports", "django_tasks_database"}
)
NOT_SYSTEM = frozenset({"core.auditlog"})
# The security admin: logins and grants (of business roles: see access.logins_managed_by), and reading the
# directory to link a login to its person and to scope a grant.
SECURITY = frozenset(
    {
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_rolegrant",
        "accounts.add_rolegrant",
        "accounts.delete_rolegrant",
        "directory.view_person",
        "directory.view_organization",
        "directory.view_region",
    }
)
AUDITOR = frozenset({"core.view_auditlog"})


@cache
def system_permissions() -> frozenset[str]:
    perms: set[str] = set()
    for model in apps.get_models():
        opts = model._meta
        if opts.app_label not in SYSTEM_APPS or opts.label_lower in NOT_SYSTEM:
            continue
        perms.update(f"{opts.app_label}.{action}_{opts.model_name}" for action in opts.default_permissions)
        perms.update(f"{opts.app_label}.{codename}" for codename, _name in opts.permissions)
    return frozenset(perms)


def role_permissions(role: str) -> frozenset[str]:
    """The admin-site permissions (``app_label.codename``) that a grant of ``role`` gives."""
    if role == Role.ADMIN:
        return system_permissions()
    if role == Role.SECURITY:
        return SECURITY
    if role == Role.AUDITOR:
        return AUDITOR
    return frozenset()


class RoleBackend(ModelBackend):
    """Django's password sign-in, with the permissions of the user's grants."""

    def get_user_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return {perm for role in roles(user_obj) for perm in role_permissions(role)}

    def get_group_permissions(self, user_obj, obj=None):
        return set()
