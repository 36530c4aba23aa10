"""The one way a list page takes ``?page=``: a page number that is not one (``abc``, ``1e30``, ``-1``, twenty
digits) or is past the last page is a 404, never a quiet fallback to page 1 and never a 500."""

import re

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest

PAGE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also takes ² and ١


def paginate(request: HttpRequest, object_list, per_page: int) -> Page:
    """The page of ``object_list`` the request asks for (no ``page`` or an empty one: the first)."""
    raw = request.GET.get("page", "")
    paginator = Paginator(object_list, per_page)
    if raw == "":
        return paginator.page(1)
    if not PAGE_NUMBER.fullmatch(raw):
        raise Http404("页码不正确")
    try:
        return paginator.page(int(raw))
    except InvalidPage:
        raise Http404("页码超出范围") from None
