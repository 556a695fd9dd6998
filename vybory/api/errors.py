"""Errors as JSON: ``{"code", "message", "field"}`` with the right HTTP status, never a traceback.

Every :class:`~vybory.errors.VyboryError` becomes a response naming its code,
its words and its field. Bad input is 422 (Unprocessable), a refusal by the
election's state 409 (Conflict), something that does not exist 404, a login
missing 401, a login without the right 403 and too many failed attempts 429 (with
``Retry-After``). A definition refused for
several problems lists them all in ``problems``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from vybory.errors import (
    InvalidBallot,
    InvalidDefinition,
    InvalidEncoding,
    InvalidInput,
    InvalidProof,
    Refused,
    ThresholdNotMet,
    VyboryError,
)
from vybory.store.database import is_outage
from vybory.text import Text, say

log = logging.getLogger("vybory.api")

# Refusal codes that mean "no such thing" rather than "not now".
NOT_FOUND_CODES = frozenset(
    {
        "unknown_election",
        "no_such_round",
        "no_such_nomination",
        "unknown_tracking_code",
        "unknown_user",
        "no_event",
    }
)


class ApiError(VyboryError):
    """An error of the HTTP layer itself (login, permission, CSRF, size), with its status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message, field=field, code=code)
        self.status = status
        self.headers = headers


def status_of(error: VyboryError) -> int:
    """The HTTP status a vybory error deserves."""
    if isinstance(error, ApiError):
        return error.status
    if isinstance(error, Refused) and error.code in NOT_FOUND_CODES:
        return 404
    if isinstance(
        error, (InvalidDefinition, InvalidInput, InvalidEncoding, InvalidBallot, InvalidProof)
    ):
        return 422
    if isinstance(error, (Refused, ThresholdNotMet)):
        return 409
    return 400


def error_body(error: VyboryError) -> dict[str, Any]:
    """``code``, ``message`` (English) and ``field``; ``words``: the message's id and parameters
    for a translation (:meth:`vybory.text.Text.to_json`), when it has them; for a refused
    definition, ``problems`` (English lines) and ``problem_words`` (the same as messages, in order:
    parameters ``source``, ``key`` and ``rule``)."""
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if isinstance(error.message, Text):
        body["words"] = error.message.to_json()
    if isinstance(error, InvalidDefinition):
        body["problems"] = list(error.problems)
        body["problem_words"] = [
            p.to_json() if isinstance(p, Text) else {"id": "%(words)s", "params": {"words": str(p)}}
            for p in error.problems
        ]
    return body


def json_error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "field": field}, status_code=status, headers=headers
    )


def wants_html(request: Request) -> bool:
    """Pages get HTML error pages; the API (and anything asking for JSON) gets JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/i18n/")) or path == "/api":
        return False
    return "text/html" in request.headers.get("accept", "")


async def vybory_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, VyboryError)
    status = status_of(error)
    headers = error.headers if isinstance(error, ApiError) else None
    if wants_html(request):
        from vybory.web.render import error_page

        page = error_page(request, status, error.code, error.message, error.field)
        page.headers.update(headers or {})
        return page  # type: ignore[return-value]
    return JSONResponse(error_body(error), status_code=status, headers=headers)


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    field = None
    for item in error.errors():
        location = ".".join(
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")
        )
        field = field or location or None
        problems.append(f"{location or 'request'}: {item.get('msg', 'is not valid')}")
    message = "; ".join(problems) or "the request is not valid"
    if wants_html(request):
        from vybory.web.render import error_page

        return error_page(request, 422, "invalid_request", message, field)  # type: ignore[return-value]
    return JSONResponse(
        {"code": "invalid_request", "message": message, "field": field, "problems": problems},
        status_code=422,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_attempts",
}


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        # Starlette's and FastAPI's answer to a body they could not decode (JSON too deep or not
        # UTF-8, broken multipart or form data): bad input like any other, so a 422 naming the body
        if "multipart" in request.headers.get("content-type", ""):
            words = say("the request body is not multipart form data that this address can read")
        elif "form-urlencoded" in request.headers.get("content-type", ""):
            words = say("the request body is not form data that this address can read")
        else:
            words = say("the request body is not JSON that this address can read")
        if wants_html(request):
            from vybory.web.render import error_page

            return error_page(request, 422, "invalid_request", words, "body")  # type: ignore[return-value]
        return json_error(422, "invalid_request", words, "body")
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
    if error.status_code == 404 and message in ("Not Found", "not found"):
        message = say("there is nothing at %(path)s", path=request.url.path)
    field = None
    if error.status_code == 413:
        limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
        message = say("the request body is longer than the %(limit)s bytes %(path)s accepts", limit=limit, path=request.url.path)
        field = "body"
    if wants_html(request):
        from vybory.web.render import error_page

        return error_page(request, error.status_code, code, message, field)  # type: ignore[return-value]
    return json_error(error.status_code, code, message, field, headers=getattr(error, "headers", None))


async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    if is_outage(error):
        # The database is down, restarting or busy: the transaction did not happen; try again soon.
        # (A missing table or a refused password is no outage: a 500, logged with its cause.)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__)
        message = say("the database cannot be reached just now; nothing was changed: try again in a moment")
        if wants_html(request):
            from vybory.web.render import error_page

            page = error_page(request, 503, "database_unavailable", message, None)
            page.headers["retry-after"] = "1"
            return page  # type: ignore[return-value]
        return json_error(503, "database_unavailable", message, headers={"retry-after": "1"})
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    message = say("the server failed to complete this request; nothing was changed")
    if wants_html(request):
        from vybory.web.render import error_page

        return error_page(request, 500, "server_error", message, None)  # type: ignore[return-value]
    return json_error(500, "server_error", message)


def install(app: Any) -> None:
    app.add_exception_handler(VyboryError, vybory_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
