"""Shared by the report commands: who acts, which group, which campaign, which dates."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Q

from sijin.accounts.models import Role, User
from sijin.campaigns.models import Campaign, WorkGroup
from sijin.core.dates import parse_date
from sijin.core.services import error_text

ADMIN_NOTE = "命令行以系统管理员身份运行,不受数据范围限制。"


def admin_actor(username: str | None = None) -> User:
    admins = Q(is_superuser=True) | Q(grants__role=Role.ADMIN)  # the system admin is not a superuser
    users = User.objects.filter(admins, is_active=True).distinct()
    if username:
        users = users.filter(username=username)
    user = users.order_by("id").first()
    if user is None:
        raise CommandError(
            "找不到可用的系统管理员账号,请先运行 sijin demo 或创建管理员(sijin manage createsuperuser)。"
        )
    return user


def find_group(text: str) -> WorkGroup:
    """GROUP as an id, or any part of the group's or its dispatching unit's name that names one group."""
    text = text.strip()
    if text.isdigit() and (group := WorkGroup.objects.filter(pk=int(text)).first()):
        return group
    groups = list(
        WorkGroup.objects.filter(
            Q(name__contains=text) | Q(dispatching_org__name__contains=text)
        ).select_related("dispatching_org")[:10]
    )
    if not groups:
        raise CommandError(f"找不到工作组“{text}”。")
    if len(groups) > 1:
        names = "\n  ".join(f"{g.id}  {g.name}" for g in groups)
        raise CommandError(f"“{text}”对应多个工作组,请写得更具体或使用编号:\n  {names}")
    return groups[0]


def find_campaign(text: str | None) -> Campaign:
    campaigns = Campaign.objects.all()
    if text:
        text = text.strip()
        campaigns = (
            campaigns.filter(pk=int(text)) if text.isdigit() else campaigns.filter(name__contains=text)
        )
    found = list(campaigns[:10])
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f"找不到行动“{text}”。" if text else "系统中还没有行动。")
    names = "\n  ".join(f"{c.id}  {c.name}" for c in found)
    raise CommandError(f"请用 --campaign 指定行动:\n  {names}")


def parse_day(text: str, option: str) -> date:
    """The date given to ``option``; a CommandError naming the option when it is not a date."""
    try:
        return parse_date(text)
    except ValidationError as exc:
        raise CommandError(f"{option} {error_text(exc)}") from None
