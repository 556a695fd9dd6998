"""Logins, sessions and CSRF tokens.

A logged-in session is held by the server (``login_sessions``): the cookie
(``vybory_session``; HttpOnly, SameSite=Strict, Secure over https) carries only
its random token and the session's CSRF token, signed with the server's secret
(itsdangerous). Every request looks the token up, so a logout, a password change
or a disabled login ends the session at once, on every server process; a
session also ends after :data:`SESSION_SECONDS`. A login always starts a new
session (new token, new CSRF token: no session fixation). Passwords are
checked against the argon2id hashes of the store's ``users`` table (through
the service), behind the throttles of :mod:`vybory.api.throttle`.

CSRF: every page form carries the session's token in a hidden ``csrf_token``
field; API calls made with the session cookie send it in the
``X-CSRF-Token`` header. A state-changing request without the right token is
refused with 403 ``csrf``. Anonymous visitors get a session too (no login,
just a token, only in the cookie), so that the login form itself is protected.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from vybory.api.errors import ApiError
from vybory.text import say

COOKIE = "vybory_session"
SESSION_SECONDS = 12 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SELF_SERVICE = frozenset({("DELETE", "/api/session"), ("PUT", "/api/session/password")})
"""What every login may do for itself, an observer's too: log out, change its own password."""


@dataclass(frozen=True, slots=True)
class Login:
    """Who is logged in: name, role, the subject they speak for (trustee or organisation id), and
    the election they are limited to (``None``: every election)."""

    username: str
    role: str
    subject: str | None
    election: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "subject": self.subject,
            "election": self.election,
        }

    def covers(self, slug: str) -> bool:
        return self.election is None or self.election == slug


class Sessions:
    """Signs and reads session cookies with one server secret; logged-in sessions live in the
    service's store (``service.open_session`` / ``session_login`` / ``end_session``)."""

    def __init__(self, secret: bytes, *, secure: bool | None = None):
        self.serializer = URLSafeTimedSerializer(secret, salt="vybory-session")
        self.secure = secure

    def load(self, request: Request) -> dict[str, Any]:
        """The request's session (cached on the request); a new anonymous one if none is valid."""
        cached = getattr(request.state, "vybory_session", None)
        if cached is not None:
            return cached
        data: dict[str, Any] | None = None
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                loaded = self.serializer.loads(raw, max_age=SESSION_SECONDS)
                if isinstance(loaded, dict) and isinstance(loaded.get("csrf"), str):
                    data = {"csrf": loaded["csrf"]}
                    token = loaded.get("token")
                    if isinstance(token, str):
                        login = request.app.state.service.session_login(token)
                        # a session ended on the server: the cookie is worth nothing any more
                        data = {"csrf": loaded["csrf"], "token": token, "login": login} if login else None
            except BadSignature:
                data = None
        if data is None:
            data = {"csrf": secrets.token_urlsafe(32)}
            request.state.vybory_session_new = True
        request.state.vybory_session = data
        return data

    def login(self, request: Request) -> Login | None:
        found = self.load(request).get("login")
        if found is None:
            return None
        return Login(found["username"], found["role"], found.get("subject"), found.get("election"))

    def csrf_token(self, request: Request) -> str:
        return str(self.load(request)["csrf"])

    def start(self, request: Request, login: dict[str, Any]) -> dict[str, Any]:
        """A fresh server-side session for ``login``; the browser's previous one ends."""
        previous = self.load(request).get("token")
        token = request.app.state.service.open_session(
            login["username"], lifetime=timedelta(seconds=SESSION_SECONDS), replaces=previous
        )
        data = {"csrf": secrets.token_urlsafe(32), "token": token, "login": dict(login)}
        request.state.vybory_session = data
        request.state.vybory_session_new = True
        return data

    def end(self, request: Request) -> None:
        """Ends the session on the server (the old cookie no longer logs anyone in)."""
        token = self.load(request).get("token")
        if token:
            request.app.state.service.end_session(token)
        request.state.vybory_session = {"csrf": secrets.token_urlsafe(32)}
        request.state.vybory_session_new = True

    def write(self, request: Request, response: Response) -> None:
        """Sets the cookie on ``response`` if the request's session is new or changed."""
        if not getattr(request.state, "vybory_session_new", False):
            return
        secure = self.secure if self.secure is not None else request.url.scheme == "https"
        data = request.state.vybory_session
        cookie = {"csrf": data["csrf"]} | ({"token": data["token"]} if data.get("token") else {})
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(cookie),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/",
        )

    def check_csrf(self, request: Request, token: str | None) -> None:
        """Refuses (403 ``csrf``) unless ``token`` is this session's CSRF token."""
        expected = self.csrf_token(request)
        if not token or not hmac.compare_digest(token.encode(), expected.encode()):
            raise ApiError(
                403,
                say("the form or request is missing its security token, or the token is stale: reload the page and try again"),
                code="csrf",
                field=CSRF_FIELD,
            )


def sessions_of(request: Request) -> Sessions:
    return request.app.state.sessions  # type: ignore[no-any-return]


def current_login(request: Request) -> Login | None:
    return sessions_of(request).login(request)


def api_login(request: Request) -> Login:
    """The API caller's login; for unsafe methods also checks the X-CSRF-Token header."""
    sessions = sessions_of(request)
    login = sessions.login(request)
    if login is None:
        raise ApiError(401, say("log in first (POST /api/session)"), code="login_required")
    if request.method not in SAFE_METHODS:
        sessions.check_csrf(request, request.headers.get(CSRF_HEADER))
        if login.role == "observer" and (request.method, request.url.path) not in SELF_SERVICE:
            # checked before the body is read: an observer's session changes nothing, anywhere
            raise ApiError(403, say("an observer's login can only read: it changes nothing"), code="read_only")
    return login


def require_commission(login: Login, slug: str | None) -> None:
    """A commission login for this election (``slug`` None: a login for every election)."""
    if (
        login.role != "commission"
        or (slug is None and login.election is not None)
        or (slug is not None and not login.covers(slug))
    ):
        raise ApiError(403, say("only this election's commission may do this") if slug
                       else say("only the central commission may do this"), code="forbidden")


def require_commission_or_observer(login: Login, slug: str) -> None:
    """This election's commission, or an observer of it (reading only)."""
    if login.role == "observer" and login.covers(slug):
        return
    require_commission(login, slug)


def require_trustee(login: Login, slug: str) -> str:
    """A trustee login for this election; returns the trustee id it speaks for."""
    if login.role != "trustee" or not login.covers(slug) or not login.subject:
        raise ApiError(403, say("only a trustee of this election may do this"), code="forbidden")
    return login.subject


def require_organisation_or_commission(login: Login, slug: str, organisation: str) -> None:
    """The commission, or the organisation itself (its own login)."""
    if login.role == "commission" and login.covers(slug):
        return
    if login.role == "organisation" and login.covers(slug) and login.subject == organisation:
        return
    raise ApiError(
        403,
        say("only organisation %(organisation)s or the commission may do this", organisation=repr(organisation)),
        code="forbidden",
        field="organisation",
    )
