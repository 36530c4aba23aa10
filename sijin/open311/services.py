"""Open311 writes: client systems and their keys (each keyed request counted against the key's rate limit), and a
demand handed over, which becomes a 已上报 problem through problems.services.problem_report (the same service the
visit form uses)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.apiauth import rate_count
from sijin.accounts.models import User
from sijin.campaigns.models import Campaign, Category, Target
from sijin.campaigns.services import target_create, undecided_kind_ensure
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.directory.models import Region
from sijin.problems.services import problem_report

from .models import Open311Client, Open311Request

KEY_BYTES = 32
TITLE_MAX = 60


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(
    *, actor: User | None, name: str, user: User, campaign: Campaign
) -> tuple[Open311Client, str]:
    """A client system and its API key; the key is returned once and only its digest is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["请填写来源系统名称。"]})
    if not access.can_write(user):
        raise ValidationError({"user": ["系统账号须有可上报问题的角色(如某区划的活动办)。"]})
    key = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client(
        name=name, user=user, campaign=campaign, key_prefix=key[:8], key_hash=key_digest(key)
    )
    client.full_clean()
    client.save()
    audit(
        actor, AuditAction.OPEN311_CLIENT_CREATE, client, f"新增 Open311 接入系统 {name}", user=user.username
    )
    return client, key


@transaction.atomic
def open311_client_revoke(*, actor: User | None, client: Open311Client) -> Open311Client:
    """Stop a client's key at once (its requests stay)."""
    if client.active:
        client.active, client.revoked_at = False, timezone.now()
        client.save(update_fields=["active", "revoked_at"])
        audit(actor, AuditAction.OPEN311_CLIENT_REVOKE, client, f"停用 Open311 接入系统 {client.name}")
    return client


def client_for_key(key: str) -> Open311Client | None:
    """The active client whose key this is, with this request counted (``accounts.apiauth.rate_count``); None for an
    unknown or revoked key, or a client whose system login is disabled."""
    if not key or len(key) > 200:
        return None
    client = (
        Open311Client.objects.select_related("user", "campaign")
        .filter(key_hash=key_digest(key), active=True)
        .first()
    )
    if client is None or not client.user.is_active:
        return None
    rate_count(Open311Client.objects.filter(pk=client.pk), timezone.now())
    return client


@dataclass(frozen=True)
class Demand:
    """A demand as posted (POST requests.json), already checked for length and type by the view's form."""

    category: Category
    description: str
    credit_code: str = ""
    target_id: int | None = None
    region_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address_string: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""


def _target(client: Open311Client, demand: Demand) -> Target:
    """The target the demand is about: named by id or credit code among the targets the client may see, else a
    new unnamed target (kind 待定) in the region, with the work group stationed nearest above it."""
    targets = Target.objects.visible_to(client.user).filter(campaign=client.campaign)
    if demand.target_id is not None:
        target = targets.filter(pk=demand.target_id).first()
        if target is None:
            raise ValidationError({"address_id": ["没有这个帮扶对象,或不在本系统的受理范围内。"]})
        return target
    if demand.credit_code:
        target = targets.filter(credit_code=demand.credit_code.upper()).first()
        if target is None:
            raise ValidationError(
                {"attribute[credit_code]": ["没有这个统一社会信用代码的帮扶对象,或不在受理范围内。"]}
            )
        return target
    if not demand.region_code:
        raise ValidationError(
            {
                "attribute[region_code]": [
                    "请提供 address_id、attribute[credit_code] 或 attribute[region_code] 之一。"
                ]
            }
        )
    region = Region.objects.filter(code=demand.region_code).first()
    if region is None:
        raise ValidationError({"attribute[region_code]": ["没有这个区划代码(应为12位)。"]})
    code = region.code
    above = {code[:2] + "0" * 10, code[:4] + "0" * 8, code[:6] + "0" * 6, code[:9] + "000", code}
    group = (
        access.visible_groups_for_write(client.user)
        .filter(campaign=client.campaign, region_id__in=above)
        .order_by(
            "-region_id", "id"
        )  # the most specific region first (a longer non-zero prefix sorts higher)
        .first()
    )
    if group is None:
        raise ValidationError({"attribute[region_code]": ["该区划没有本系统可转交的驻点工作组。"]})
    return target_create(
        actor=client.user,
        campaign=client.campaign,
        kind=undecided_kind_ensure(actor=client.user, campaign=client.campaign),
        name="",
        region=region,
        group=group,
        address=demand.address_string,
    )


def _title(description: str) -> str:
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


@transaction.atomic
def open311_request_submit(
    *, client: Open311Client, demand: Demand, today: datetime | None = None
) -> Open311Request:
    """POST requests.json: the demand becomes a 已上报 problem of the client's campaign, on its target, reported
    by the client's system login; nothing is saved if any part is refused."""
    if demand.category.campaign_id != client.campaign_id:
        raise ValidationError({"service_code": ["没有这个服务类别。"]})
    target = _target(client, demand)
    if not access.can_write(client.user, target.group_id):
        raise PermissionDenied("本系统无权向该工作组转交诉求。")
    problem = problem_report(
        actor=client.user,
        target=target,
        title=_title(demand.description),
        reported_on=timezone.localdate(),
        category=demand.category,
        description=demand.description,
        latitude=demand.latitude,
        longitude=demand.longitude,
    )
    request = Open311Request(
        problem=problem,
        client=client,
        description=demand.description,
        first_name=demand.first_name,
        last_name=demand.last_name,
        phone=demand.phone,
        email=demand.email,
        device_id=demand.device_id,
        account_id=demand.account_id,
        address_string=demand.address_string,
        media_url=demand.media_url,
    )
    request.full_clean(exclude=["problem", "client"])
    request.save()
    audit(
        client.user,
        AuditAction.OPEN311_REQUEST_RECEIVE,
        request,
        f"受理{client.name}转来的诉求 {problem.title}",
        client=client.name,
        problem=problem.pk,
    )
    return request
