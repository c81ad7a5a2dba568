"""The error answers of every API operation, documented in one place (a drf-spectacular hook).

DESIGN.md "API v1", Errors: bad input answers 400 with field messages (`{"field": ["message"]}`);
a request without credentials 401; an action the caller's role may not take 403; an object the
caller may not see (or a page past the last) 404; a rule of the domain 409 (core.exceptions).
Views document only their success bodies and the answers that differ from these (the import's
`{"errors": [...]}`, the token door's lockout 403 and throttle 429, the only door throttled);
this hook adds the rest to each operation where it can happen, so that the schema names every
answer a client may get.
"""

from __future__ import annotations

from typing import Any

DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"

SCHEMAS: dict[str, dict[str, Any]] = {
    DETAIL: {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": 'Messages per field of the input, e.g. `{"title": ["This field is required."]}`; '
        "`non_field_errors` for the input as a whole.",
        "additionalProperties": {},
    },
}

DESCRIPTIONS = {
    "400": "Bad input: messages per field; nothing was changed.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The caller's role may not take this action on this object.",
    "404": "No such object among those the caller may see (or no such page).",
    "409": "A rule of the domain refuses this now (for example a transition that is not allowed), with the reason.",
}
UNSAFE = {"post", "put", "patch", "delete"}


def error_codes(method: str, operation: dict[str, Any]) -> list[str]:
    """The error answers an operation can give, from what the schema says about it."""
    parameters = operation.get("parameters", [])
    anonymous = {} in operation.get("security", [])
    codes = []
    if method in {"post", "put", "patch"} or any(p.get("in") == "query" for p in parameters):
        codes.append("400")
    if not anonymous:
        codes.append("401")
    codes.append("403")
    if any(p.get("in") in {"path", "query"} for p in parameters):
        codes.append("404")  # an id the caller may not see, or ?page= past the last
    if method in UNSAFE and not anonymous:
        codes.append("409")
    return codes


def _response(code: str) -> dict[str, Any]:
    schema = FIELD_ERRORS if code == "400" else DETAIL
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: adds the missing error answers to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code in error_codes(method, operation):
                operation["responses"].setdefault(code, _response(code))
    return result
