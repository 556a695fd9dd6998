"""Structured logs: one JSON object per line, and every line a request causes carries its id.

Each request gets an id (the client's ``X-Request-ID`` when it is a short token of letters,
digits, ``.``, ``_`` and ``-``; otherwise a random one), sent back in the ``X-Request-ID``
response header, and one ``vybory.access`` line when it ends: method, path (never the query
string), status, milliseconds. The lines are JSON (``vybory serve --log-format json``, the
default) or plain text (``text``).

What is never logged: request and response bodies, cookies, headers and query strings, so no
password, credential, session token, CSRF token or key reaches a log line
(tests/api/test_logs.py runs a whole election through the server and looks for each).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from vybory.api.security import Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str | None] = ContextVar("vybory_request_id", default=None)
FORMAT_VARIABLE = "VYBORY_LOG_FORMAT"
FORMATS = ("json", "text")
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_FIELDS = ("method", "path", "status", "ms")

access = logging.getLogger("vybory.access")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, process id, request id,
    and the access fields when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker of `vybory serve --workers N`
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = REQUEST_ID.get()
        fields = " ".join(f"{n}={getattr(record, n)}" for n in _FIELDS if hasattr(record, n))
        return " ".join(part for part in (line, f"request_id={request_id}" if request_id else "", fields) if part)


def configure(form: str = "json", level: int = logging.INFO) -> None:
    """Sends vybory's and uvicorn's log lines to stderr in ``form`` (``json`` or ``text``)."""
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("vybory", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level if name == "vybory" else logging.WARNING)
        logger.propagate = False


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _GOOD_ID.fullmatch(text):
                return text
    return secrets.token_hex(8)


class RequestLog:
    """ASGI middleware: gives each HTTP request its id and logs one access line when it ends."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope.get("headers", []))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access.info("request", extra={"method": scope.get("method"), "path": scope.get("path"),
                                          "status": status, "ms": round((time.perf_counter() - started) * 1000, 1)})
            REQUEST_ID.reset(token)
