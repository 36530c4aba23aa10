"""What every app's JSON API (``<app>/api.py``, mounted by ``sijin/api.py``) shares: cursor pagination and the
shape of an error.

Every list is a page of ``items`` and a ``next`` cursor (null on the last page). The cursor is opaque: the
last row's values of the list's order, signed, so that a client cannot forge one and a cursor of one list is
refused by another. The order is stable (it ends with the id), so rows added or removed while a client pages
are neither skipped nor repeated — unlike an offset, which shifts.

Errors are ``{"detail": "中文消息", "errors": {"field": ["中文", …]}}`` (``errors`` only when a field is at fault).
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, field_validator

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
CURSOR_SALT = "sijin.api.cursor"
BAD_CURSOR = "翻页游标无效,请从第一页重新开始。"


# An id in a path, a query or a body: a positive number the database's 64-bit integer holds (a longer one is the
# id of nothing; passed on, SQLite's driver would raise an overflow error), as sijin.core.converters does.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _iso_day(value: Any) -> Any:
    """A day is written 2025-06-18: not a number of seconds since 1970, which pydantic would also take."""
    if isinstance(value, date):
        return value
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise ValueError("日期格式不正确,应如 2025-06-18。")
    return value


# A day in a query or a body.
Day = Annotated[date, BeforeValidator(_iso_day)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    return False


class In(Schema):
    """Input (a query's parameters): no text may hold a NUL character, which PostgreSQL refuses to store or
    compare (Django's form fields refuse it the same way)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("不能包含空字符(\\x00)。")
        return value


class BodyIn(In):
    """A request body: a field the endpoint does not take is refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    """Another object, by id and name."""

    id: int
    name: str


class Page(Schema, Generic[T]):
    """One page of a list: ``next`` is the cursor of the following page, null on the last one."""

    items: list[T]
    next: str | None = Field(None, description="下一页的游标(最后一页为 null)")


class PageQuery(In):
    """The paging parameters every list takes."""

    cursor: str = Field("", description="上一页返回的 next;不填为第一页", max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数,1–{MAX_LIMIT}")


class ErrorOut(Schema):
    """An error: a message, and the fields at fault with theirs."""

    detail: str
    errors: dict[str, list[str]] | None = None


def _field(model: type[Model], path: str) -> Any:
    """The model field at the end of a lookup path (``kind__order``)."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    return model._meta.get_field(name)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def cursor_page(qs: QuerySet, order: tuple[str, ...], cursor: str | None, limit: int) -> dict[str, Any]:
    """The page of ``qs`` after ``cursor`` in ``order`` (columns that are never null, ending with the id).

    Keyset paging: the next page is the rows after the last one sent, a condition an index on the order's
    columns serves however deep the client pages.
    """
    assert order[-1].lstrip("-") in ("id", qs.model._meta.pk.name), (
        "the order must end with the id, its tiebreak"
    )
    key = f"{qs.model._meta.label_lower}:{','.join(order)}"
    if cursor:
        qs = qs.filter(_after(qs.model, order, _values(qs.model, order, key, cursor)))
    rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        last = rows[-1]
        values = [_plain(_value(last, f.lstrip("-"))) for f in order]
        following = signing.dumps({"k": key, "v": values}, salt=CURSOR_SALT, compress=True)
    return {"items": rows, "next": following}


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def _values(model: type[Model], order: tuple[str, ...], key: str, cursor: str) -> list[Any]:
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        if payload["k"] != key or len(payload["v"]) != len(order):
            raise ValueError(cursor)
        return [_field(model, f.lstrip("-")).to_python(v) for f, v in zip(order, payload["v"], strict=True)]
    except (signing.BadSignature, ValidationError, ValueError, KeyError, TypeError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None


def _after(model: type[Model], order: tuple[str, ...], values: list[Any]) -> Q:
    """Rows after ``values`` in ``order``: (a > a0) or (a = a0 and b > b0) …, each column in its direction."""
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(order, values, strict=True):
        column = name.lstrip("-")
        op = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{column}__{op}": value})
        equal &= Q(**{column: value})
    return condition


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


def validation_errors(exc: ValidationError, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """A Django ValidationError (a service's or a form's) as an error body; ``fields`` renames form fields to
    the API's names (``__all__`` errors go to ``detail``)."""
    if not hasattr(exc, "error_dict"):
        return error_body("".join(exc.messages))
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    for name, messages in exc.message_dict.items():
        if name in ("__all__", ""):
            general.extend(messages)
        else:
            errors.setdefault((fields or {}).get(name, name), []).extend(messages)
    detail = "".join(general) or "提交的数据有误,请按提示修改。"
    return error_body(detail, errors)
