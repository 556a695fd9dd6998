"""Hostile requests from anyone on the network: huge numbers, deep nesting, huge bodies, crashes.

Each is refused with a 4xx in vybory's error shape (code, message, field), nothing
is stored, and the server keeps serving; a 500 still carries the security headers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest
from apikit import create

from vybory.errors import InvalidEncoding
from vybory.model.canonical import MAX_DEPTH, parse_json

HUGE = [str(10**25), str(2**63), str(2**64 + 1)]


def board_length(client: Any, slug: str) -> int:
    return int(client.get(f"/api/elections/{slug}/board").json()["head"]["position"])


@pytest.mark.parametrize("number", HUGE)
def test_huge_integers_in_board_addresses_are_refused_with_422(election, number: str) -> None:  # type: ignore[no-untyped-def]
    create(election)
    client, slug = election.client, election.slug
    for path, field in [
        (f"/api/elections/{slug}/board?start={number}", "start"),
        (f"/api/elections/{slug}/board/{number}", "position"),
    ]:
        response = client.get(path)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["field"] == field and response.json()["code"] == "invalid_request"
    for path in (f"/elections/{slug}/board?page={number}", f"/elections/{slug}/board/{number}"):
        page = client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 422, (path, page.text[:300])
    assert client.get(f"/api/elections/{slug}/board?start=2").status_code == 200


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_deeply_nested_json_is_refused_by_the_decoder() -> None:
    assert parse_json(nested(MAX_DEPTH)) == parse_json(nested(MAX_DEPTH))
    with pytest.raises(InvalidEncoding, match="nested deeper"):
        parse_json(nested(MAX_DEPTH + 1))
    with pytest.raises(InvalidEncoding, match="nested deeper"):
        parse_json(b'{"a": ' * 5000 + b"1" + b"}" * 5000)
    # brackets inside strings are text, not nesting
    assert parse_json('["' + "[" * 100 + '\\"{"]') == ["[" * 100 + '"{']


def test_a_deeply_nested_ballot_or_login_gets_422_and_nothing_is_stored(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    client, slug = election.client, election.slug
    before = board_length(client, slug)
    ballot = b'{"format": ' + nested(1000) + b"}"
    response = client.post(
        f"/api/elections/{slug}/ballots", content=ballot, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "ballot" and "nested deeper" in response.json()["message"]
    login = client.post(
        "/api/session", content=b'{"username": ' + nested(5000) + b"}",
        headers={"content-type": "application/json"},
    )
    assert login.status_code == 422 and login.json()["field"] == "body", login.text
    garbage = client.post(
        "/api/session", content=b"\xff\xfe not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 422 and set(garbage.json()) >= {"code", "message", "field"}
    assert board_length(client, slug) == before


CHUNK = 1024 * 1024


def asgi_post(app: Any, path: str, total: int, method: str = "POST") -> tuple[int, bytes, int]:
    """POSTs ``total`` bytes in 1 MiB chunks without a Content-Length; returns status, body, bytes taken."""
    taken = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += CHUNK
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": taken < total}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {},
    }
    # In a thread of its own: a browser test before this one on the same worker may have left an
    # event loop running in this thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], body, taken


def test_bodies_over_the_limit_are_refused_while_streaming(election) -> None:  # type: ignore[no-untyped-def]
    from vybory.api.app import MAX_BODY_BYTES
    from vybory.api.elections import MAX_LOGIN_BYTES
    from vybory.api.voting import MAX_BALLOT_BYTES

    create(election)
    client, slug = election.client, election.slug
    before = board_length(client, slug)
    # no Content-Length: the body streams in and is cut off once it passes the limit
    status, body, received = asgi_post(client.app, f"/api/elections/{slug}/ballots", 64 * 1024 * 1024)
    assert status == 413, body
    refusal = json.loads(body)
    assert refusal["code"] == "too_large" and refusal["field"] == "body"
    assert str(MAX_BALLOT_BYTES) in refusal["message"]
    assert received <= MAX_BALLOT_BYTES + 2 * CHUNK, "the whole body was read"
    # a Content-Length over the limit is refused before anything is read
    login = client.post("/api/session", content=b"{" + b" " * MAX_LOGIN_BYTES + b"}",
                        headers={"content-type": "application/json"})
    assert login.status_code == 413
    form = client.post("/login", data={"username": "x" * MAX_LOGIN_BYTES, "password": "y"})
    assert form.status_code == 413
    roll = client.put(f"/api/elections/{slug}/roll", content=b" " * (MAX_BODY_BYTES + 1),
                      headers={"content-type": "application/json"})
    assert roll.status_code == 413
    status, body, received = asgi_post(client.app, f"/api/elections/{slug}/roll", 64 * 1024 * 1024, "PUT")
    assert status == 413 and str(MAX_BODY_BYTES) in json.loads(body)["message"]
    assert received <= MAX_BODY_BYTES + 2 * CHUNK
    assert board_length(client, slug) == before
    assert client.get("/api/elections").status_code == 200


def test_a_server_error_still_carries_the_security_headers(client, api_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api_service, "list_elections", broken)
    for accept in ("application/json", "text/html"):
        for path in ("/api/elections", "/"):
            failed = client.get(path, headers={"accept": accept})
            assert failed.status_code == 500
            assert "secret internal detail" not in failed.text
            assert "frame-ancestors 'none'" in failed.headers["content-security-policy"]
            assert failed.headers["x-frame-options"] == "DENY"
            assert failed.headers["x-content-type-options"] == "nosniff"
            assert failed.headers["cache-control"] == "no-store"
