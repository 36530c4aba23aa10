"""定期报送 in the JSON API, read-only: the report forms of the caller's campaigns and the groups' (and the
office's) reports with their figures. Filling and submitting stay on the pages.

The same scope as the pages: ``TallyForm.objects.visible_to`` and ``TallyReport.objects.visible_to``.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sijin.core.jsonapi import ErrorOut, Id, In, Page, PageQuery, cursor_page

from .models import TallyField, TallyForm, TallyReport, TallyValue

router = Router(tags=["定期报送"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class TallyFieldOut(Schema):
    id: int
    code: str
    label: str
    unit: str


class TallyFormOut(Schema):
    id: int
    campaign_id: int
    name: str
    period_kind: str = Field(description="报送周期")
    active: bool
    fields: list[TallyFieldOut]

    @staticmethod
    def resolve_fields(obj: TallyForm) -> list[TallyField]:
        return list(obj.fields.all())


class TallyValueOut(Schema):
    field_id: int
    value: Decimal | None
    qualifier: str
    as_typed: str = Field(description="按原话填写的数值")


class TallyReportOut(Schema):
    id: int
    form_id: int
    group_id: int | None = Field(description="工作组;为空是活动办的报送")
    reporter: str
    period_start: date
    period_end: date
    status: str
    submitted_at: datetime | None
    values: list[TallyValueOut]

    @staticmethod
    def resolve_values(obj: TallyReport) -> list[TallyValue]:
        return list(obj.values.all())


class TallyReportFilters(In):
    form: Id | None = None
    group: Id | None = None


@router.get("/tallies/forms", response={200: Page[TallyFormOut], **ERRORS}, summary="报送表")
def tally_form_list(request: HttpRequest, page: Query[PageQuery]):
    forms = TallyForm.objects.visible_to(request.user).prefetch_related("fields")
    return cursor_page(forms, ("id",), page.cursor, page.limit)


@router.get("/tallies/reports", response={200: Page[TallyReportOut], **ERRORS}, summary="定期报送")
def tally_report_list(request: HttpRequest, filters: Query[TallyReportFilters], page: Query[PageQuery]):
    reports = TallyReport.objects.visible_to(request.user).select_related("group").prefetch_related("values")
    if filters.form is not None:
        reports = reports.filter(form_id=filters.form)
    if filters.group is not None:
        reports = reports.filter(group_id=filters.group)
    return cursor_page(reports, ("-period_start", "-id"), page.cursor, page.limit)
