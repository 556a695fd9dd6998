"""Security headers, JSON errors without tracebacks, logins, session cookies and CSRF."""

from __future__ import annotations

import re

import pytest
from apikit import PASSWORD, Caller

from vybory.api.security import CONTENT_SECURITY_POLICY

PATHS = [
    "/",
    "/api/elections",
    "/openapi.json",
    "/login",
    "/static/vybory.css",
    "/nowhere",
    "/api/nowhere",
    "/i18n/en.json",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"accept": "text/html"})
    csp = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "style-src 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert csp == CONTENT_SECURITY_POLICY


def test_https_gets_strict_transport_security_and_secure_cookies(api_service) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from vybory.api import create_app

    app = create_app(service=api_service, secret_key=b"k")
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.post("/api/session", json={"username": "secretary", "password": PASSWORD})
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Secure" in cookie
        assert response.headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app) as plain:
        cookie = plain.post(
            "/api/session", json={"username": "secretary", "password": PASSWORD}
        ).headers["set-cookie"]
        assert "Secure" not in cookie and "HttpOnly" in cookie


def test_errors_are_json_with_code_message_field_and_never_a_traceback(
    client,
    api_service,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    missing = client.get("/api/elections/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "unknown_election",
        "message": missing.json()["message"],
        "field": "election",
        "words": missing.json()["words"],
    }
    assert "nope" in missing.json()["message"]
    # the same words as a message to translate: the English template and its parameters
    words = missing.json()["words"]
    assert words["id"] == "there is no election %(slug)s%(hint)s"
    assert words["params"]["slug"] == "'nope'"
    bad_query = client.get("/api/elections/nope/board?limit=100000")
    assert bad_query.status_code == 422 and bad_query.json()["code"] == "invalid_request"
    assert bad_query.json()["field"] == "limit"

    def broken() -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api_service, "list_elections", broken)
    failed = client.get("/api/elections")
    assert failed.status_code == 500
    assert failed.json()["code"] == "server_error"
    assert "secret internal detail" not in failed.text and "Traceback" not in failed.text
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 500 and "secret internal detail" not in page.text
    assert "<html" in page.text


def test_login_and_logout(client) -> None:  # type: ignore[no-untyped-def]
    wrong = client.post(
        "/api/session", json={"username": "secretary", "password": "wrong password!"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_login"
    nobody = client.post("/api/session", json={"username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401
    assert client.get("/api/session").status_code == 401
    caller = Caller(client, "secretary")
    assert caller.ok("GET", "/api/session")["login"] == {
        "username": "secretary",
        "role": "commission",
        "subject": None,
        "election": None,
    }
    caller.ok("DELETE", "/api/session")


def test_state_changes_need_the_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    caller = Caller(client, "secretary")
    body = {"username": "new-user", "password": PASSWORD, "role": "observer"}
    without = caller.call("POST", "/api/users", json=body, headers={"x-csrf-token": ""})
    assert without.status_code == 403 and without.json()["code"] == "csrf"
    forged = caller.call("POST", "/api/users", json=body, headers={"x-csrf-token": "A" * 43})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf"
    assert caller.call("POST", "/api/users", json=body).status_code == 201
    # A tampered session cookie is no session at all.
    client.cookies.set("vybory_session", "x" + caller.cookies["vybory_session"])
    assert client.get("/api/session").status_code == 401
    client.cookies.clear()


def test_page_forms_refuse_a_missing_or_wrong_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    login_page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
    refused = client.post(
        "/login",
        data={"username": "secretary", "password": PASSWORD, "csrf_token": "wrong"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "csrf" in refused.text
    wrong = client.post(
        "/login",
        data={"username": "secretary", "password": "not the password", "csrf_token": token},
        follow_redirects=False,
    )
    assert wrong.status_code == 401 and "wrong" in wrong.text
    ok = client.post(
        "/login",
        data={"username": "secretary", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/commission"
    page = client.get("/commission")
    assert page.status_code == 200
    new_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert new_token != token  # a login starts a new session
    stale = client.post(
        "/logout",
        data={"csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert stale.status_code == 403
    assert (
        client.post("/logout", data={"csrf_token": new_token}, follow_redirects=False).status_code
        == 303
    )
    assert (
        client.get("/commission", follow_redirects=False).headers["location"]
        == "/login?next=/commission"
    )
    client.cookies.clear()


def test_login_redirect_stays_on_this_site(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login?next=//evil.example/x")
    assert 'name="next" value=""' in page.text
    client.cookies.clear()
