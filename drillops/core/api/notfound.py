"""The answer to an API path that names no route: a JSON 404, like every other API answer.

Without it, `/api/v1/drills/0.5/` or `/api/v1/scenarios/x/events/` (an id the route's pattern does
not take) fall through to Django's HTML 404 page, which no API client can read and the schema
cannot describe. Callers without credentials get 401 first, as everywhere in the API."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class NotFoundView(APIView):
    schema = None  # not an operation: the schema's operations document their own 404

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    post = put = patch = delete = get
