"""Targets (帮扶对象) in the JSON API: the list with the 帮扶对象 page's filters, one target, and 新增帮扶对象.

The same scope (``Target.objects.visible_to``, ``access.get_target_for``), the same form (``TargetForm``, with
the kind's attribute fields) and the same service (``target_create``) as the pages. The page's 超期 filter
(targets with a red-light problem) is not offered: problems sit above this app.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from ninja import Field, Query, Router, Schema, Status

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.core.jsonapi import BodyIn, ErrorOut, Id, In, Page, PageQuery, Ref, cursor_page
from sijin.directory.models import Region

from . import services
from .forms import ATTR_PREFIX, TargetForm
from .models import Target, TargetKind
from .views import _regions

router = Router(tags=["帮扶对象"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
ORDER = ("kind__order", "name", "id")  # the 帮扶对象 page's order


class KindOut(Schema):
    id: int
    code: str
    name: str


class TargetOut(Schema):
    id: int
    name: str
    unnamed: bool = Field(description="名称暂不知道(未具名企业 1 …)")
    kind: KindOut
    campaign_id: int
    region: str = Field(description="所在区划代码")
    address: str
    credit_code: str
    attributes: dict[str, Any]
    group: Ref | None
    responsible: Ref | None
    contacts: str
    profile: str

    @staticmethod
    def resolve_region(obj: Target) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_group(obj: Target) -> dict | None:
        return {"id": obj.group_id, "name": obj.group.name} if obj.group_id else None

    @staticmethod
    def resolve_responsible(obj: Target) -> dict | None:
        return {"id": obj.responsible_id, "name": obj.responsible.name} if obj.responsible_id else None


class TargetFilters(In):
    """The 帮扶对象 page's filters."""

    kind: str | None = Field(None, max_length=32, description="对象类型代码(enterprise、project …)")
    q: str | None = Field(None, max_length=100, description="名称或地址包含")
    region: str | None = Field(None, pattern=r"^[0-9]{12}$", description="区划代码(含下级)")
    group: Id | None = None
    responsible: Id | None = Field(None, description="包保责任人(人员 id)")


class TargetIn(BodyIn):
    kind: Id = Field(description="对象类型 id(所在行动的)")
    group: Id = Field(description="工作组 id")
    name: str = Field(max_length=100, description="名称;暂不知道时填“某企业”“某村”等")
    region: str = Field(max_length=12, description="所在区划代码")
    address: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=18, description="统一社会信用代码(企业)")
    responsible: Id | None = Field(None, description="包保责任人(工作组成员的人员 id)")
    contacts: str = ""
    profile: str = ""
    attributes: dict[str, str] = Field(
        default_factory=dict, description='按对象类型定义的属性,如 {"employees": "300余人"}'
    )


def _loaded(qs):
    return qs.select_related("kind", "group", "responsible")


@router.get("/targets", response={200: Page[TargetOut], **ERRORS}, summary="帮扶对象")
def target_list(request: AuthenticatedRequest, filters: Query[TargetFilters], page: Query[PageQuery]):
    targets = Target.objects.visible_to(request.user)
    if filters.kind:
        targets = targets.filter(kind__code=filters.kind)
    if filters.q:
        targets = targets.filter(Q(name__contains=filters.q) | Q(address__contains=filters.q))
    if filters.region and (region := Region.objects.filter(pk=filters.region).first()):
        targets = targets.filter(access.region_within_q("region", region.prefix))
    if filters.group is not None:
        targets = targets.filter(group_id=filters.group)
    if filters.responsible is not None:
        targets = targets.filter(responsible_id=filters.responsible)
    return cursor_page(_loaded(targets), ORDER, page.cursor, page.limit)


@router.get("/targets/{target_id}", response={200: TargetOut, **ERRORS}, summary="一个帮扶对象")
def target_detail(request: AuthenticatedRequest, target_id: Id):
    return access.get_target_for(request.user, target_id)


@router.post("/targets", response={201: TargetOut, **ERRORS}, summary="新增帮扶对象")
def target_create(request: AuthenticatedRequest, payload: TargetIn):
    groups = access.visible_groups_for_write(request.user)
    if not groups.exists():
        raise PermissionDenied("您没有可以新增帮扶对象的工作组。")
    kind = TargetKind.objects.filter(pk=payload.kind, campaign__in=groups.values("campaign")).first()
    if kind is None:
        raise ValidationError({"kind": ["所选对象类型无效。"]})
    groups = groups.filter(campaign=kind.campaign_id).order_by("name")
    data: dict[str, Any] = payload.dict(exclude={"kind", "attributes"})
    data |= {ATTR_PREFIX + key: value for key, value in payload.attributes.items()}
    unknown = set(payload.attributes) - {item["key"] for item in kind.schema}
    if unknown:
        raise ValidationError({f"attributes.{key}": ["该对象类型没有此属性。"] for key in sorted(unknown)})
    form = TargetForm(
        {k: v for k, v in data.items() if v is not None}, kind=kind, groups=groups, regions=_regions(groups)
    )
    if not form.is_valid():
        raise ValidationError({_api_name(k): v for k, v in form.errors.as_data().items()})
    target = services.target_create(
        actor=request.user,
        campaign=kind.campaign,
        kind=kind,
        attributes=form.attributes(),
        **form.target_fields(),
    )
    return Status(201, _loaded(Target.objects).get(pk=target.pk))


def _api_name(field: str) -> str:
    return f"attributes.{field.removeprefix(ATTR_PREFIX)}" if field.startswith(ATTR_PREFIX) else field
