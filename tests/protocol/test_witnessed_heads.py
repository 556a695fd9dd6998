"""Witnessed heads, played against the real protocol: the server's door for ``head_witnessed`` and
the trustee's own tool, which checks the chain it signs up to and refuses a board the server
rewrote after the trustee witnessed it (even re-hashed), by name, before it signs anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    T0,
    Board,
    council,
    identity_secret,
    nominate_all,
    run_key_ceremony,
    signed,
)

from vybory import protocol
from vybory.crypto.group import Point, Scalar
from vybory.errors import InvalidInput, Refused
from vybory.model.board import Event, EventKind, next_event
from vybory.model.signing import sign_payload, trustee_signer
from vybory.protocol.witness import witness_head
from vybory.verify.heads import Head

PLAN = {"north-seat": [("union", "Ivanov"), ("coop", "Petrova")], "south-seat": [("youth", "Orlova")]}


@pytest.fixture(scope="module")
def ceremony() -> Board:
    """A council board with its nominations and a completed key ceremony."""
    board = Board(council())
    nominate_all(board, PLAN)
    run_key_ceremony(board)
    return board


def witness(board: Board, trustee_id: str, heads: tuple[Head, ...] = ()) -> Any:
    return witness_head(board.events, trustee_id=trustee_id, signing_secret=identity_secret("trustee", trustee_id),
                        heads=heads)


def post(board: Board, payload: dict[str, Any]) -> Event:
    position = payload.get("position")
    before = board.events[position - 1] if type(position) is int and 1 <= position <= len(board.events) else None
    return board.append("head_witnessed", payload, T0, witnessed=before)


def rebuilt(events: list[Event], change: Callable[[list[Event]], None]) -> list[Event]:
    """The board after ``change`` and a full re-hash: what a server that controls the database serves."""
    changed = list(events)
    change(changed)
    out: list[Event] = []
    for e in changed:
        out.append(next_event(out[-1] if out else None, e.kind, e.payload))
    return out


def test_a_trustee_witnesses_the_head_it_computed_and_the_board_takes_it(ceremony: Board) -> None:
    board = ceremony.copy()
    made = witness(board, "anna")
    assert made.head == Head(len(board.events), board.events[-1].hash.hex(), "key ceremony done")
    assert made.payload["signed"]["signer"] == "trustee/1"
    event = post(board, made.payload)
    assert event.kind is EventKind.HEAD_WITNESSED and board.state.witnesses[1] == (made.head.position,
                                                                                   made.head.hash)
    # Boris witnesses the same head (Anna's witness is not itself witnessed); Anna has nothing new.
    assert witness(board, "boris").head == made.head
    post(board, witness(board, "boris").payload)
    with pytest.raises(Refused) as refused:
        witness(board, "anna", heads=(made.head,))
    assert refused.value.code == "nothing_new"
    # After the next phase change, Anna's earlier head is checked again, and the new one signed.
    board.append("nominations_closed", protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE),
                 NOMINATIONS_CLOSE)
    again = witness(board, "anna", heads=(made.head,))
    assert again.witnessed_before == 2 and again.head.label == "nominations closed"
    post(board, again.payload)


def test_the_door_refuses_a_witness_that_does_not_name_the_board(ceremony: Board) -> None:
    board = ceremony.copy()
    good = witness(board, "clara").payload
    cases: list[tuple[dict[str, Any], str]] = [
        # the server's own signature in the trustee's place
        (sign_payload(board.state.fingerprint, Scalar.from_int(4242), trustee_signer(3), "head_witnessed",
                      {k: v for k, v in good.items() if k != "signed"}), "bad_signature"),
        ({k: v for k, v in good.items() if k != "signed"}, "missing_signature"),
        # signed by another trustee, in its own name or in clara's
        (sign_payload(board.state.fingerprint, identity_secret("trustee", "boris"), trustee_signer(2),
                      "head_witnessed", {k: v for k, v in good.items() if k != "signed"}), "wrong_signer"),
        # clara signs a hash the board does not have, or a head beyond the board
        (signed(board.state, "head_witnessed", {**good, "hash": "ab" * 32}), "witness_hash_mismatch"),
        (signed(board.state, "head_witnessed", {**good, "position": len(board.events) + 1}), "witness_beyond_head"),
        # an earlier event under the head's hash
        (signed(board.state, "head_witnessed", {**good, "position": 3}), "witness_hash_mismatch"),
    ]
    for payload, code in cases:
        with pytest.raises(Refused) as refused:
            post(board, payload)
        assert refused.value.code == code, payload
    for payload, field in (({**good, "position": "12"}, "position"), ({**good, "position": 0}, "position"),
                           ({**good, "hash": "AB" * 32}, "hash"), ({**good, "hash": None}, "hash"),
                           ({**good, "extra": 1}, "payload")):
        with pytest.raises(InvalidInput) as bad:
            post(board, signed(board.state, "head_witnessed", payload))
        assert bad.value.field == field, payload
    assert len(board.events) == len(ceremony.events)  # nothing was appended
    post(board, good)
    with pytest.raises(Refused) as refused:  # the same head again, or an older one
        post(board, good)
    assert refused.value.code == "witness_not_newer"


def test_the_trustee_tool_refuses_a_board_rewritten_after_its_witness(ceremony: Board) -> None:
    """The server deletes a nomination, swaps two events or truncates the board after Anna witnessed
    it, re-hashes the whole chain and serves that: Anna's tool signs nothing."""
    board = ceremony.copy()
    head = witness(board, "anna")
    post(board, head.payload)
    witnessed = board.events
    changes: dict[str, Callable[[list[Event]], None]] = {
        "delete": lambda ev: ev.pop(3),
        "swap": lambda ev: ev.__setitem__(slice(2, 4), [ev[3], ev[2]]),
        "truncate": lambda ev: ev.__delitem__(slice(head.head.position - 2, None)),
    }
    for name, change in changes.items():
        served = rebuilt(witnessed, change)
        # With its own heads file, or from the witnesses on the board alone (a truncation removes them).
        with pytest.raises(Refused) as refused:
            witness_head(served, trustee_id="anna", signing_secret=identity_secret("trustee", "anna"),
                         heads=(head.head,))
        assert refused.value.code == "history_rewritten", name
        if name != "truncate":
            with pytest.raises(Refused) as refused:
                witness_head(served, trustee_id="boris", signing_secret=identity_secret("trustee", "boris"))
            assert refused.value.code == "history_rewritten", name


def test_the_trustee_tool_refuses_a_broken_chain_a_forged_witness_and_another_identity(ceremony: Board) -> None:
    board = ceremony.copy()
    post(board, witness(board, "anna").payload)
    events = list(board.events)
    # An event changed without re-hashing: not one chain.
    changed = events[4]
    events[4] = Event(changed.position, changed.kind, {**changed.payload, "at": "2030-01-01T00:00:00Z"},
                      changed.previous_hash, changed.hash)
    with pytest.raises(Refused) as refused:
        witness_head(events, trustee_id="boris", signing_secret=identity_secret("trustee", "boris"))
    assert refused.value.code == "board_broken" and "event 5" in refused.value.message
    # A witness the server wrote itself, the chain re-hashed around it.
    last = board.events[-1]
    forged = {**last.payload, "signed": {**last.payload["signed"], "response": Scalar.from_int(7).to_hex()}}
    served = rebuilt(board.events, lambda ev: ev.__setitem__(-1, Event(last.position, last.kind, forged,
                                                                       last.previous_hash, last.hash)))
    with pytest.raises(Refused) as refused:
        witness_head(served, trustee_id="boris", signing_secret=identity_secret("trustee", "boris"))
    assert refused.value.code == "board_broken" and "not a trustee's valid witness" in refused.value.message
    for trustee, secret, code in (("boris", identity_secret("trustee", "anna"), "wrong_identity_key"),
                                  ("nobody", identity_secret("trustee", "anna"), "unknown_trustee")):
        with pytest.raises(Refused) as refused:
            witness_head(board.events, trustee_id=trustee, signing_secret=secret)
        assert refused.value.code == code
    with pytest.raises(Refused) as refused:
        witness_head([], trustee_id="anna", signing_secret=identity_secret("trustee", "anna"))
    assert refused.value.code == "board_broken"


def test_the_trustee_tool_refuses_a_restart_the_commission_did_not_sign(ceremony: Board) -> None:
    """The liar is the server alone: it puts a restart of the key ceremony on the board that gives
    seat 2 to a key of its own, then a witness signed with that key as trustee 2. Trustee 1's tool
    takes a restart's trustees only under the commission's signature: it names the board broken
    and signs nothing."""
    board = ceremony.copy()
    state = board.state
    server = Scalar.from_int(424242)
    seats = [t.to_json() for t in state.trustees]
    seats[1] = {**seats[1], "id": "mallory", "name": "Mallory", "signing_key": Point.base_mul(server).to_hex()}
    restart = sign_payload(state.fingerprint, server, "commission", "key_ceremony_restarted",
                           {"attempt": 2, "outcome": {"result": "stalled"}, "reason": "the server says so",
                            "trustees": seats, "at": "2025-05-01T09:00:00Z"})
    claim = {k: v for k, v in witness(board, "boris").payload.items() if k != "signed"}
    forged = sign_payload(state.fingerprint, server, trustee_signer(2), "head_witnessed", claim)
    served = rebuilt(board.events, lambda ev: ev.extend(
        Event(0, kind, payload, b"", b"") for kind, payload in ((EventKind.KEY_CEREMONY_RESTARTED, restart),
                                                                (EventKind.HEAD_WITNESSED, forged))))
    with pytest.raises(Refused) as refused:
        witness_head(served, trustee_id="anna", signing_secret=identity_secret("trustee", "anna"))
    assert refused.value.code == "board_broken"
    assert f"restart at event {len(board.events) + 1}" in refused.value.message

