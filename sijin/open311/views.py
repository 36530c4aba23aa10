"""Open311 GeoReport v2 at /open311/v2/: services (the campaign's problem categories), and requests (demands
handed over by a client system with an API key, read back with their status).

Every request but the service list needs ``api_key``; a client reads only the requests it filed, and only while
its system login may see their problems (accounts.access). A key may make SIJIN_API_RATE requests per window, as
an API token may; the one over is answered 429 with ``Retry-After``, in the spec's error shape."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sijin.accounts.apiauth import RateLimited
from sijin.campaigns.models import Campaign, Category
from sijin.problems.models import Action, Problem, ProblemEvent, Status

from .forms import RequestForm, posted, spec_name
from .models import Open311Client, Open311Request
from .services import Demand, client_for_key, open311_request_submit

CLOSED = {Status.RESOLVED, Status.CLOSED, Status.CANCELLED, Status.MERGED}
# What a requester may read in status_notes: the steps of the case, not the office's internal reminders.
PUBLIC_ACTIONS = {
    Action.REPORT,
    Action.TRIAGE,
    Action.RESOLVE_ON_SITE,
    Action.SELF_HANDLE,
    Action.ACCEPT,
    Action.PROGRESS,
    Action.APPROVE_EXTENSION,
    Action.RESOLVE,
    Action.VERIFY,
    Action.ESCALATE,
    Action.DEFER,
    Action.RESUME,
    Action.CANCEL,
    Action.MERGE,
}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


def _render(fmt: str, data: Any, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ElementTree.Element(root)
        for row in data:
            node = ElementTree.SubElement(top, item)
            for key, value in row.items():
                _xml(node, key, value)
        body = ElementTree.tostring(top, encoding="unicode")
        return HttpResponse(
            f'<?xml version="1.0" encoding="utf-8"?>{body}',
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _xml(parent: ElementTree.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        holder = ElementTree.SubElement(parent, key)
        for entry in value:
            node = ElementTree.SubElement(holder, key.rstrip("s"))
            for k, v in entry.items():
                _xml(node, k, v)
        return
    node = ElementTree.SubElement(parent, key)
    node.text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _errors(fmt: str, status: int, *messages: str) -> HttpResponse:
    return _render(fmt, [{"code": status, "description": m} for m in messages], "errors", "error", status)


def _limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a request whose key has made its SIJIN_API_RATE requests in this window (``client_for_key``
    raises RateLimited before anything is read or written) with 429 and ``Retry-After``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except RateLimited as exc:
            response = _errors(fmt, 429, f"请求过于频繁,请 {exc.retry_after} 秒后再试。")
            response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapped


def _client(request: HttpRequest) -> Open311Client | None:
    key = request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")
    return client_for_key(key or "")


def _service(category: Category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": f"{category.campaign.name} · {category.name}",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": category.campaign.name,
    }


def _campaign(request: HttpRequest) -> Campaign | None:
    """The campaign whose categories are the services: the client's, or the one named by jurisdiction_id."""
    client = _client(request)
    if client is not None:
        return client.campaign
    jurisdiction = request.GET.get("jurisdiction_id", "")
    return (
        Campaign.objects.filter(pk=int(jurisdiction)).first()
        if jurisdiction.isdigit() and len(jurisdiction) < 10
        else None
    )


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "changeset": "2026-11-30T00:00:00+08:00",
            "contact": "请联系本系统的活动办",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": request.build_absolute_uri(),
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@_limited
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    campaign = _campaign(request)
    if campaign is None:
        return _errors(fmt, 400, "请提供 api_key 或 jurisdiction_id(行动编号)。")
    categories = (
        Category.objects.filter(campaign=campaign).select_related("campaign").order_by("order", "name")
    )
    return _render(fmt, [_service(c) for c in categories], "services", "service")


ATTRIBUTES = [
    {
        "variable": True,
        "code": "credit_code",
        "datatype": "string",
        "required": False,
        "datatype_description": "18位统一社会信用代码",
        "order": 1,
        "description": "诉求涉及的企业(已是帮扶对象时),按统一社会信用代码找到它",
    },
    {
        "variable": True,
        "code": "region_code",
        "datatype": "string",
        "required": False,
        "datatype_description": "12位行政区划代码",
        "order": 2,
        "description": "诉求所在的区划:不知道是哪个帮扶对象时,问题记在该区划一个未具名对象上,转交驻点工作组",
    },
]


@require_GET
@_limited
def service_detail(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    campaign = _campaign(request)
    category = Category.objects.filter(campaign=campaign, pk=int(code)).first() if campaign else None
    if category is None:
        return _errors(fmt, 404, "没有这个服务类别。")
    definition = {"service_code": code, "attributes": ATTRIBUTES}
    if fmt == "xml":
        top = ElementTree.Element("service_definition")
        for key, value in definition.items():
            _xml(top, key, value)
        body = ElementTree.tostring(top, encoding="unicode")
        return HttpResponse(
            f'<?xml version="1.0" encoding="utf-8"?>{body}', content_type="text/xml; charset=utf-8"
        )
    return JsonResponse(definition, json_dumps_params={"ensure_ascii": False})


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _end_of(day: date | None) -> str | None:
    """A deadline day as the spec's datetime: the end of that day, local time."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59))).isoformat(timespec="seconds")


def _requests_for(client: Open311Client) -> QuerySet[Open311Request]:
    """The client's own requests that its login may still see, newest first."""
    return (
        Open311Request.objects.filter(client=client, problem__in=Problem.objects.visible_to(client.user))
        .select_related("problem", "problem__category", "problem__handling_org")
        .order_by("-requested_at", "-id")
    )


def _with_notes(rows: QuerySet[Open311Request]) -> QuerySet[Open311Request]:
    """Each request with its problem's last public step (action and comment), in the same query as the rows."""
    last = ProblemEvent.objects.filter(problem=OuterRef("problem"), action__in=PUBLIC_ACTIONS).order_by(
        "-at", "-id"
    )
    return rows.annotate(
        note_action=Subquery(last.values("action")[:1]), note_comment=Subquery(last.values("comment")[:1])
    )


def _status_notes(req: Open311Request) -> str:
    action = getattr(req, "note_action", None)
    if not action:
        return ""
    label, comment = Action.label_of(action), getattr(req, "note_comment", "")
    return f"{label}:{comment}" if comment else str(label)


def _request_row(req: Open311Request) -> dict:
    p = req.problem
    return {
        "service_request_id": str(p.pk),
        "status": "closed" if p.status in CLOSED else "open",
        "status_notes": _status_notes(req),
        "service_name": p.category.name if p.category else "",
        "service_code": str(p.category_id or ""),
        "description": req.description,
        "agency_responsible": p.handling_org.name if p.handling_org else "",
        "service_notice": "",
        "requested_datetime": _iso(req.requested_at),
        "updated_datetime": _iso(p.updated_at),
        "expected_datetime": _end_of(p.deadline),
        "address": req.address_string,
        "address_id": str(p.target_id),
        "zipcode": "",
        "lat": str(p.latitude) if p.latitude is not None else None,
        "long": str(p.longitude) if p.longitude is not None else None,
        "media_url": req.media_url,
    }


@csrf_exempt  # a client system with an API key, not a browser with a session
@require_http_methods(["GET", "POST"])
@_limited
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _errors(fmt, 403, "api_key 无效或已停用。")
    if request.method == "POST":
        return _submit(request, client, fmt)
    return _search(request, client, fmt)


def _submit(request: HttpRequest, client: Open311Client, fmt: str) -> HttpResponse:
    form = RequestForm(posted(request.POST))
    if not form.is_valid():
        return _errors(
            fmt,
            400,
            *[
                f"{spec_name(f) if f != '__all__' else ''} {m}".strip()
                for f, ms in form.errors.items()
                for m in ms
            ],
        )
    data = form.cleaned_data
    category = Category.objects.filter(campaign=client.campaign, pk=data["service_code"]).first()
    if category is None:
        return _errors(fmt, 400, "service_code 没有这个服务类别。")
    demand = Demand(
        category=category,
        description=data["description"],
        credit_code=data.get("credit_code") or "",
        target_id=data.get("address_id"),
        region_code=data.get("region_code") or "",
        latitude=data.get("lat"),
        longitude=data.get("long"),
        **{
            k: data.get(k) or ""
            for k in (
                "address_string",
                "first_name",
                "last_name",
                "phone",
                "email",
                "device_id",
                "account_id",
                "media_url",
            )
        },
    )
    try:
        req = open311_request_submit(client=client, demand=demand)
    except ValidationError as exc:
        messages = (
            [f"{f} {m}" for f, ms in exc.message_dict.items() for m in ms]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        return _errors(fmt, 400, *messages)
    except PermissionDenied as exc:
        return _errors(fmt, 403, str(exc) or "无权转交该诉求。")
    notice = f"已转交{req.problem.group.name}处理" if req.problem.group_id else ""
    return _render(
        fmt,
        [{"service_request_id": str(req.problem_id), "service_notice": notice, "account_id": None}],
        "service_requests",
        "request",
    )


def _when(raw: str | None, fmt: str, name: str) -> datetime | None:
    if not raw:
        return None
    moment = parse_datetime(raw) if len(raw) <= 40 else None
    if moment is None:
        raise ValueError(f"{name} 应为 ISO 8601 时间,如 2026-11-30T09:00:00+08:00。")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _search(request: HttpRequest, client: Open311Client, fmt: str) -> HttpResponse:
    rows = _with_notes(_requests_for(client))
    ids = request.GET.get("service_request_id", "")
    if ids:
        parts = ids.split(",")
        if len(parts) > 100 or not all(p.strip().isdigit() and len(p.strip()) < 10 for p in parts):
            return _errors(fmt, 400, "service_request_id 应为以逗号分隔的编号(至多100个)。")
        return _render(
            fmt,
            [_request_row(r) for r in rows.filter(problem_id__in=[int(p) for p in parts])],
            "service_requests",
            "request",
        )
    try:
        start = _when(request.GET.get("start_date"), fmt, "start_date")
        end = _when(request.GET.get("end_date"), fmt, "end_date")
    except ValueError as exc:
        return _errors(fmt, 400, str(exc))
    if start is None:
        start = (end or timezone.now()) - timedelta(days=DEFAULT_DAYS)
    rows = rows.filter(requested_at__gte=start)
    if end is not None:
        rows = rows.filter(requested_at__lte=end)
    if code := request.GET.get("service_code", ""):
        if not code.isdigit() or len(code) > 9:
            return _errors(fmt, 400, "service_code 应为数字。")
        rows = rows.filter(problem__category_id=int(code))
    if status := request.GET.get("status", ""):
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            return _errors(fmt, 400, "status 只能是 open 或 closed。")
        if wanted == {"open"}:
            rows = rows.exclude(problem__status__in=CLOSED)
        elif wanted == {"closed"}:
            rows = rows.filter(problem__status__in=CLOSED)
    return _render(fmt, [_request_row(r) for r in rows[:MAX_RESULTS]], "service_requests", "request")


@require_GET
@_limited
def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _errors(fmt, 403, "api_key 无效或已停用。")
    req = _with_notes(_requests_for(client)).filter(problem_id=int(pk)).first()
    if req is None:
        return _errors(fmt, 404, "没有这个诉求,或不是本系统转来的。")
    return _render(fmt, [_request_row(req)], "service_requests", "request")
