"""Pieces for a hot read of the API that answers before DRF's dispatch (the inject list, which
every console polls): a token from the Authorization header, the page parameters, and a JSON
response with the headers DRF would have sent.

A fast path only takes requests it understands completely and that cannot fail; anything else
(no or odd credentials, other media types, odd parameters) goes the regular way, which words
the error exactly as before. So these helpers answer None rather than raise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from rest_framework.utils.urls import remove_query_param, replace_query_param

# What TokenAuthentication accepts, limited to the keys it generates (40 hex digits; custom
# keys of other characters still work, through the regular path). ASCII only, so that no
# Unicode space or case folding can make it read a header differently from DRF.
_TOKEN_HEADER = re.compile(r"[ \t]*[Tt][Oo][Kk][Ee][Nn][ \t]+([0-9A-Za-z]{1,40})[ \t]*")
# Media types for which DRF picks its JSON renderer without parameters (no `; indent=`).
_JSON_ACCEPT = frozenset({"", "*/*", "application/json"})
# Positive whole numbers as the regular path reads them; 9 digits keep an offset in bigint.
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
ID = re.compile(r"[1-9][0-9]{0,17}")


def token_key(request: HttpRequest) -> str | None:
    """The key of an `Authorization: Token <key>` header, when it is a plain one."""
    found = _TOKEN_HEADER.fullmatch(request.META.get("HTTP_AUTHORIZATION", ""))
    return found.group(1) if found else None


def wants_plain_json(request: HttpRequest) -> bool:
    return request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPT


def page_and_size(query: Mapping[str, str], default_size: int, max_size: int) -> tuple[int, int] | None:
    """?page and ?page_size as the regular pagination reads them, or None when either is odd
    (the regular path then answers 404 for a bad page or ignores a bad size)."""
    page, size = query.get("page", "1"), query.get("page_size")
    if not _PAGE_NUMBER.fullmatch(page) or (size is not None and not _PAGE_NUMBER.fullmatch(size)):
        return None
    return int(page), min(int(size), max_size) if size is not None else default_size


def page_links(request: HttpRequest, page: int, has_next: bool) -> tuple[str | None, str | None]:
    """next and previous, as DRF's PageNumberPagination writes them."""
    url = request.build_absolute_uri()
    following = replace_query_param(url, "page", page + 1) if has_next else None
    if page == 1:
        return following, None
    return following, remove_query_param(url, "page") if page == 2 else replace_query_param(url, "page", page - 1)


def page_response(
    *, count: int, links: tuple[str | None, str | None], objects_json: str, headers: Mapping[str, str]
) -> HttpResponse:
    """A paginated list with the bytes DRF's JSONRenderer writes ({"count", "next", "previous",
    "results"}, compact, UTF-8, U+2028/U+2029 escaped); `objects_json` is the results' objects
    already in JSON, comma-separated."""
    following, previous = (json.dumps(link, ensure_ascii=False) for link in links)
    body = f'{{"count":{count},"next":{following},"previous":{previous},"results":[{objects_json}]}}'
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    response = HttpResponse(body.encode(), content_type="application/json")
    for name, value in headers.items():
        response.headers[name] = value
    return response
