"""The FastAPI application: the REST API, the pages, security headers, sessions.

``create_app(database_url)`` builds the whole web server on one database; the
command ``vybory serve`` runs it with Uvicorn. Tests pass their own
``service`` (with a manual clock).
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

from vybory.api import counting, elections, errors, logs, openapi, voting
from vybory.api.auth import Sessions
from vybory.api.errors import ApiError
from vybory.api.logs import RequestLog
from vybory.api.security import SecurityHeaders
from vybory.api.throttle import Throttles
from vybory.service import Clock, ElectionService, system_clock
from vybory.store import Database, migrate
from vybory.store.attempts import StoredAttempts
from vybory.text import say

SECRET_VARIABLE = "VYBORY_SECRET_KEY"

MAX_BODY_BYTES = 32 * 1024 * 1024
"""The largest request body any address accepts (rolls, credential lists, mixes); addresses that
anyone may call accept less (a ballot 8 MiB, a login 16 KiB). Bodies are counted while they
stream in: a ``Content-Length`` above the limit is refused before reading, a body that grows past
it is refused as soon as it does (413, nothing stored)."""
SECURE_VARIABLE = "VYBORY_SECURE_COOKIES"

DESCRIPTION = """\
The vybory election server. Every operation of the election service is here;
errors are JSON objects `{code, message, field}` with an HTTP status
(422 bad input, 409 refused by the election's state, 404 unknown, 401 login
needed, 403 not allowed or CSRF, 413 body too long, 429 too many failed attempts,
with `Retry-After`). Logged-in calls use the session cookie from
`POST /api/session` and send its `csrf_token` in the `X-CSRF-Token` header.
See docs/api.md.
"""


def create_app(
    database_url: str | None = None,
    *,
    service: ElectionService | None = None,
    clock: Clock | None = None,
    secret_key: bytes | str | None = None,
    secure_cookies: bool | None = None,
    pages: bool = True,
    throttles: Throttles | None = None,
) -> FastAPI:
    """The web application on ``database_url`` (default: ``$VYBORY_DATABASE_URL`` or ./vybory.sqlite).

    ``service``: use this election service instead of opening the database
    (tests, ``vybory serve --demo``). ``secret_key`` signs session cookies
    (default ``$VYBORY_SECRET_KEY``, else a random key: sessions then end
    when the server restarts). ``secure_cookies``: ``None`` marks cookies
    Secure when the request came over https, or always when
    ``$VYBORY_SECURE_COOKIES=1`` (behind a proxy that ends TLS). ``pages``:
    also serve the HTML pages. ``throttles``: the brute-force limits (default
    :class:`~vybory.api.throttle.Throttles`, counting in the database).
    """
    if secure_cookies is None and os.environ.get(SECURE_VARIABLE) == "1":
        secure_cookies = True
    if service is None:
        service = ElectionService(Database(database_url), clock=clock or system_clock)
    key = secret_key or os.environ.get(SECRET_VARIABLE) or secrets.token_bytes(32)
    if isinstance(key, str):
        key = key.encode("utf-8")

    app = FastAPI(
        title="vybory",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.service = service
    app.state.sessions = Sessions(key, secure=secure_cookies)
    # the attempt counts live in the database: shared by every worker, kept across restarts
    app.state.throttles = throttles or Throttles(counts=StoredAttempts(service.database))
    errors.install(app)

    @app.middleware("http")
    async def session_cookie(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        app.state.sessions.write(request, response)
        return response

    # The security headers wrap the whole stack, the server-error handler included,
    # so that a 500 carries them too.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: RequestLog(SecurityHeaders(  # type: ignore[method-assign]
        build_stack(), always_https=bool(secure_cookies)
    ))
    form = os.environ.get(logs.FORMAT_VARIABLE)
    if form in logs.FORMATS:  # set by `vybory serve` for itself and its worker processes
        logs.configure(form)

    @app.get("/api", tags=["sessions"])
    def api_root() -> dict[str, Any]:
        """What this server is and where its description is."""
        return {"name": "vybory", "openapi": "/openapi.json", "elections": "/api/elections"}

    @app.get("/api/health", tags=["sessions"])
    def health() -> dict[str, Any]:
        """Alive: the process answers (no database touched). For the process supervisor."""
        return {"status": "alive"}

    schema = migrate.head_revision()

    @app.get("/api/ready", tags=["sessions"], responses={503: {
        "description": "the database cannot be reached, or is not at this server's schema: send no voter here",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
    }})
    def ready() -> dict[str, Any]:
        """Ready: the database answers and is at this server's schema (else 503). For the load balancer."""
        database = app.state.service.database
        try:
            current = database.revision()
        except DBAPIError as error:
            logs.access.warning("not ready: the database cannot be reached (%s)", type(error).__name__)
            message = say("the database cannot be reached just now; nothing was changed: try again in a moment")
            raise ApiError(503, message, code="database_unavailable", headers={"retry-after": "5"}) from None
        if current != schema:
            raise ApiError(503, say("the database is not at this server's schema: run `vybory db upgrade`"),
                           code="schema_out_of_date", headers={"retry-after": "5"})
        return {"status": "ready"}

    app.include_router(elections.router)
    app.include_router(voting.router)
    app.include_router(counting.router)
    routers = [elections.router, voting.router, counting.router]
    app.openapi = lambda: openapi.document(app, routers)  # type: ignore[method-assign]
    if pages:
        from vybory import web

        web.register(app)
    return app
