"""The OpenAPI document: every status an address can answer, in vybory's error shape.

FastAPI describes the success and its own validation error; this adds, per operation, the
4xx answers vybory gives (``{code, message, field}``), as :func:`statuses` derives them; the
fuzzer (tests/fuzz/test_api_schema.py) checks that nothing else is ever answered.
The downloads are described by what they are (NDJSON lines, a zip), not as JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from vybory.api.auth import api_login

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "field"],
    "properties": {
        "code": {"type": "string", "description": "what went wrong, for programs (e.g. bad_login)"},
        "message": {"type": "string", "description": "what went wrong, in words"},
        "field": {"type": ["string", "null"], "description": "the field or parameter it is about"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}

WORDS = {
    "401": "not logged in (or the session ended)",
    "403": "not allowed for this login, or the CSRF token is missing or stale",
    "404": "the election, round, nomination, event or tracking code does not exist",
    "409": "refused by the election's state (wrong phase, deadline, already done)",
    "413": "the request body is longer than this address accepts",
    "422": "bad input: the field and the rule are named",
    "429": "too many failed attempts: wait the Retry-After seconds",
}

THROTTLED = {
    ("post", "/api/session"),
    ("put", "/api/session/password"),
    ("post", "/api/elections/{slug}/ballots"),
    ("get", "/api/elections/{slug}/ballots/{tracking_code}"),
    ("post", "/api/elections/{slug}/roll/complaints"),
}

DOWNLOADS: dict[str, dict[str, Any]] = {
    "/api/elections/{slug}/board.jsonl": {
        "application/x-ndjson": {"schema": {"type": "string", "description": "one event per line"}}
    },
    "/api/elections/{slug}/record": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}}
    },
}


def _needs_login(dependant: Dependant) -> bool:
    return any(d.call is api_login or _needs_login(d) for d in dependant.dependencies)


STATE_FREE = {
    ("post", "/api/session"),
    ("delete", "/api/session"),
    ("put", "/api/session/password"),
    ("post", "/api/users/{username}/disable"),
    ("post", "/api/elections/{slug}/receipt"),
}
"""Changes (and checks) that no election's state can refuse: no 409."""

EXTRA: dict[tuple[str, str], set[str]] = {
    ("post", "/api/session"): {"401"},  # a wrong user name or password
    ("post", "/api/elections"): {"409"},  # the election exists already
    ("post", "/api/elections/upload"): {"409"},
    ("post", "/api/users"): {"409"},  # the user exists already
    ("get", "/api/elections/{slug}/roll/public"): {"409"},  # the election does not publish its roll
}


def statuses(method: str, path: str, route: APIRoute) -> list[str]:
    """The 4xx statuses of one operation: 422 everywhere (bad input), 404 where the path names
    something, 401 and 403 (no login, the wrong login, no CSRF token) where a login is needed,
    413 on every change (a body over the limit), 409 where the election's state can refuse a change, 429 where
    attempts are limited."""
    found = {"422"} | EXTRA.get((method, path), set())
    if "{" in path:
        found.add("404")
    if _needs_login(route.dependant):
        found |= {"401", "403"}
    if method != "get":  # a Content-Length over the server's limit, whatever the address reads
        found.add("413")
    if method != "get" and "{slug}" in path and (method, path) not in STATE_FREE:
        found.add("409")
    if (method, path) in THROTTLED:
        found.add("429")
    return sorted(found)


def document(app: FastAPI, routers: list[APIRouter]) -> dict[str, Any]:
    """The OpenAPI document of ``app``, whose API operations are those of ``routers`` (built
    once, then cached like FastAPI's own)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        spec["components"]["schemas"].pop(name, None)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    candidates = [r for router in [app.router, *routers] for r in router.routes]
    routes = {(m.lower(), r.path): r for r in candidates if isinstance(r, APIRoute) for m in r.methods or ()}
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.startswith("2") and path in DOWNLOADS:
                    response["content"] = DOWNLOADS[path]
                elif status.startswith("2") and "content" not in response:
                    response["content"] = {"application/json": {"schema": {"type": "object"}}}
            route = routes.get((method, path))
            for status in statuses(method, path, route) if route is not None else ["422"]:
                responses[status] = {"description": WORDS[status], "content": error}
                if status == "429":
                    responses[status]["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
                    }
    app.openapi_schema = spec
    return spec
