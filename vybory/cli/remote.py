"""A trustee's witness through a server's API, from the trustee's own machine (`vybory trustee witness
--server URL`): the board is downloaded whole (``board.jsonl``) and checked here, the head the server
shows is held to it, and only the signed ``head_witnessed`` goes back (docs/spec.md §10.6).

The functions take an ``httpx.Client`` whose base URL is the server, so that tests can hand them the
real application (``fastapi.testclient.TestClient`` is one) with a lying service behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vybory.crypto.group import Scalar
from vybory.errors import Refused
from vybory.model.board import Event
from vybory.model.canonical import parse_json
from vybory.protocol.witness import Witness, witness_head
from vybory.verify.heads import Head


def _answer(response: Any, what: str) -> Any:
    """The JSON of a successful answer, else Refused with the server's code and message."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        code = body.get("code", "server_refused") if isinstance(body, dict) else "server_refused"
        message = body.get("message", response.text[:200]) if isinstance(body, dict) else response.text[:200]
        raise Refused(f"{what}: the server answered {response.status_code} ({code}): {message}", field="server",
                      code=str(code))
    return body


def log_in(client: Any, username: str, password: str) -> str:
    """Logs in (the client keeps the session cookie); returns the CSRF token for later writes."""
    body = _answer(client.post("/api/session", json={"username": username, "password": password}), "logging in")
    return str(body["csrf_token"])


def board_events(client: Any, slug: str) -> list[Event]:
    """Every event of the board as the server gives it (``board.jsonl``), each line decoded."""
    response = client.get(f"/api/elections/{slug}/board.jsonl")
    if response.status_code >= 400:
        _answer(response, "downloading the board")
    return [Event.from_json(parse_json(line, field="board.jsonl")) for line in response.content.splitlines()
            if line.strip()]


def shown_head(client: Any, slug: str) -> tuple[int, str]:
    """The head the server shows on the election's status (position, hash)."""
    body = _answer(client.get(f"/api/elections/{slug}"), "reading the election")
    return int(body["head_position"]), str(body["head_hash"])


def witness_through(client: Any, slug: str, csrf: str, *, trustee_id: str, signing_secret: Scalar,
                    heads: Sequence[Head] = ()) -> tuple[Witness, dict[str, Any]]:
    """Checks the board the server gives (:func:`~vybory.protocol.witness.witness_head`), holds the head
    the server shows to it, signs, and posts the witness; returns the witness and the server's answer.

    Refused, with nothing signed or posted, when the shown head is not an event of the board read with
    that hash (``head_mismatch``: the server shows one board and serves another), and for every reason
    of ``witness_head``."""
    position, digest = shown_head(client, slug)
    events = board_events(client, slug)
    found = events[position - 1].hash.hex() if 1 <= position <= len(events) else None
    if found != digest:
        raise Refused(f"the server shows the head {position} {digest}, but the board it gave has "
                      f"{found or 'no event'} there: it shows one board and serves another; nothing is signed",
                      field="board", code="head_mismatch")
    made = witness_head(events, trustee_id=trustee_id, signing_secret=signing_secret, heads=heads)
    answer = _answer(client.post(f"/api/elections/{slug}/witnesses", json={"payload": made.payload},
                                 headers={"x-csrf-token": csrf}), "posting the witness")
    return made, answer


__all__ = ["board_events", "log_in", "shown_head", "witness_through"]
