"""Regions (行政区划) in the JSON API: the reference list every form's region field takes its codes from.

Regions are not case data: every signed-in caller reads them (the API's authentication still applies).
"""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from sijin.core.jsonapi import ErrorOut, In, Page, PageQuery, cursor_page

from .models import Region, RegionLevel

router = Router(tags=["行政区划"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut}
CODE = r"^[0-9]{12}$"


class RegionOut(Schema):
    code: str
    name: str
    level: int = Field(description="1 省级,2 地级,3 县级,4 乡级,5 村级")
    parent: str | None = Field(description="上级区划代码")

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent_id


class RegionFilters(In):
    parent: str | None = Field(None, pattern=CODE, description="上级区划代码:只列其直接下级")
    level: int | None = Field(None, ge=RegionLevel.PROVINCE, le=RegionLevel.VILLAGE)
    q: str | None = Field(None, max_length=64, description="名称包含")


@router.get("/regions", response={200: Page[RegionOut], **ERRORS}, summary="行政区划")
def region_list(request: HttpRequest, filters: Query[RegionFilters], page: Query[PageQuery]):
    regions = Region.objects.all()
    if filters.parent:
        regions = regions.filter(parent_id=filters.parent)
    if filters.level:
        regions = regions.filter(level=filters.level)
    if filters.q:
        regions = regions.filter(name__contains=filters.q)
    return cursor_page(regions, ("code",), page.cursor, page.limit)


@router.get("/regions/{code}", response={200: RegionOut, **ERRORS}, summary="一个行政区划")
def region_detail(request: HttpRequest, code: str):
    return get_object_or_404(Region, code=code if len(code) == 12 and code.isdigit() else "")
