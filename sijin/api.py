"""The JSON API at /api/v1/: one NinjaAPI that mounts each app's Router (``sijin/<app>/api.py``).

Who calls: a personal token (``Authorization: Bearer sijin_…``, made on the page “API 令牌”) or the site's own
session (with the CSRF token on writes); see sijin/accounts/apiauth.py. Every endpoint is thin — the same scope
module (accounts.access) and the same services as the pages — so an object the caller may not see is 404,
one they may only read is 403, a stale ``version`` is 409. Errors are ``{"detail": …, "errors": {field: […]}}``
in Chinese (sijin/core/jsonapi.py). The spec is at /api/v1/openapi.json, its page at /api/v1/docs.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from sijin.accounts.apiauth import CsrfRefused, RateLimited, SessionAuth, TokenAuth, TokenRefused
from sijin.campaigns.api import router as campaigns_router
from sijin.core.jsonapi import error_body, validation_errors
from sijin.directory.api import router as directory_router
from sijin.fieldwork.api import router as fieldwork_router
from sijin.problems.api import router as problems_router
from sijin.problems.workflow import StaleProblem
from sijin.reports.api import router as reports_router
from sijin.tallies.api import router as tallies_router


class Docs(DocsBase):
    """Swagger UI from static/vendor/swagger-ui-dist (no CDN), started by static/sijin/api-docs.js: the
    site's CSP allows no inline script, so the settings travel in a JSON data block."""

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "deepLinking": True, "validatorUrl": None}
        return render(request, "api/docs.html", {"api": api, "settings": settings})


class OneValueParser(Parser):
    """A parameter that is not a list may be given once: ``?q=a&q=b`` is refused (应为字符串。), not read as
    its last value, which would let a value the spec rules out (``q`` too long) pass beside a valid one."""

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        for key in data:
            if key not in list_fields and len(data.getlist(key)) > 1:
                result[key] = data.getlist(key)
        return result


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as it is, not \uXXXX


api = NinjaAPI(
    title="四进 JSON API",
    version="1",
    description=(
        "驻点帮扶工作组的帮扶对象、走访、问题督办等数据接口。认证:在“API 令牌”页面创建个人令牌,"
        "请求头带 `Authorization: Bearer <令牌>`;令牌与本人账号的权限和范围相同。列表按游标翻页:"
        '把上一页返回的 `next` 作为 `cursor` 传入。错误返回 `{"detail": "…", "errors": {"字段": ["…"]}}`。'
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    renderer=Renderer(),
    parser=OneValueParser(),
    docs=Docs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", directory_router)
api.add_router("/", campaigns_router)
api.add_router("/", fieldwork_router)
api.add_router("/", problems_router)
api.add_router("/", tallies_router)
api.add_router("/", reports_router)

# What a refusal of the input's shape says, by pydantic's error type ({…} from its context).
INPUT_MESSAGES = {
    "missing": "此项必填。",
    "extra_forbidden": "不接受此字段。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "float_parsing": "应为数字。",
    "float_type": "应为数字。",
    "decimal_parsing": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "bool_type": "应为 true 或 false。",
    "string_type": "应为字符串。",
    "string_too_long": "不能超过{max_length}个字符。",
    "string_too_short": "至少{min_length}个字符。",
    "greater_than_equal": "不能小于{ge}。",
    "greater_than": "应大于{gt}。",
    "less_than_equal": "不能大于{le}。",
    "less_than": "应小于{lt}。",
    "date_parsing": "日期格式不正确,应如 2025-06-18。",
    "date_from_datetime_parsing": "日期格式不正确,应如 2025-06-18。",
    "date_from_datetime_inexact": "日期格式不正确,应如 2025-06-18。",
    "date_type": "日期格式不正确,应如 2025-06-18。",
    "list_type": "应为数组。",
    "too_long": "最多{max_length}项。",
    "dict_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "literal_error": "取值无效,应为:{expected}。",
    "enum": "取值无效,应为:{expected}。",
    "json_invalid": "请求体不是有效的 JSON。",
}


def _input_field(loc: list[Any]) -> str:
    """("body", "payload", "title") → "title"; ("query", "limit") → "limit"; ("body", "payload") → "body"."""
    source, *rest = [str(part) for part in loc] or ["body"]
    if source == "body" and rest:
        rest = rest[1:]
    return ".".join(rest) or source


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        template = INPUT_MESSAGES.get(error.get("type", ""), "格式不正确。")
        if error.get("type") == "value_error":  # our own validators' messages (sijin.core.jsonapi)
            template = (
                str(error.get("ctx", {}).get("error", "格式不正确。")).replace("{", "{{").replace("}", "}}")
            )
        try:
            message = template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            message = template
        errors.setdefault(_input_field(list(error.get("loc", ()))), []).append(message)
    return api.create_response(request, error_body("提交的数据有误,请按提示修改。", errors), status=400)


@api.exception_handler(StaleProblem)
def _stale(request: HttpRequest, exc: StaleProblem) -> HttpResponse:
    return api.create_response(request, error_body("".join(exc.messages)), status=409)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if isinstance(exc, StaleProblem):
        return _stale(request, exc)
    return api.create_response(request, validation_errors(exc), status=400)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body(str(exc) or "无权操作。"), status=403)


@api.exception_handler(CsrfRefused)
def _csrf(request: HttpRequest, exc: CsrfRefused) -> HttpResponse:
    return api.create_response(request, error_body(str(exc)), status=403)


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("不存在或无权查看。"), status=404)


@api.exception_handler(AuthenticationError)
@api.exception_handler(TokenRefused)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = (
        str(exc) if isinstance(exc, TokenRefused) else "未登录:请在请求头带 Authorization: Bearer <令牌>。"
    )
    response = api.create_response(request, error_body(message), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="sijin"'
    return response


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    message = f"请求过于频繁,请 {exc.retry_after} 秒后再试。"
    response = api.create_response(request, error_body(message), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)
