"""The verifier follows a key ceremony restarted because it stalled (spec §5.8), and names a restart
dated before the stalled attempt's deadline or naming the wrong trustees as absent."""

from __future__ import annotations

from typing import Any

from conformance_kit import as_record, findings_of, record_files, resigned
from electionkit import (
    VOTING_OPEN,
    Board,
    at,
    council,
    identity_secret,
    key_ceremony_steps,
    rng,
    signed,
    signing_key,
)
from tamper import Events, find, load, rechain, to_lines

from vybory import protocol
from vybory.crypto.group import Point
from vybory.model.definition import Trustee
from vybory.verify import verify_record

LATE = at(VOTING_OPEN, minutes=5)


def stalled_then_restarted() -> list[bytes]:
    """Every trustee publishes its messaging key and nobody commits; after the deadline the
    commission gives seat 2 to a newcomer of the same organisation and attempt 2 completes."""
    board = Board(council())
    for t in board.state.trustees:
        s = protocol.new_trustee_secrets(board.state, t.id, rng(f"stall-{t.id}"),
                                         signing_secret=identity_secret("trustee", t.id))
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=board.state.defined_at),
                     board.state.defined_at)
    newcomer = Trustee("bogdan", "Bogdan", "union", Point.from_hex(signing_key("trustee", "bogdan"), "k"))
    body = protocol.restart_key_ceremony(board.state, reason="no trustee committed by the deadline", now=LATE,
                                         replacements={2: newcomer})
    board.append("key_ceremony_restarted", signed(board.state, "key_ceremony_restarted", body), LATE)
    key_ceremony_steps(lambda: board.state, lambda kind, p: board.append(kind, p, LATE), LATE, "after-stall")
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=LATE), LATE)
    return board.lines()


def report_of(events: Events) -> list[dict[str, Any]]:
    return findings_of(verify_record(as_record(record_files(to_lines(events)))))


def test_a_stalled_ceremony_restarted_after_its_deadline_verifies() -> None:
    events = load(stalled_then_restarted())
    restart = find(events, "key_ceremony_restarted")
    assert restart["payload"]["outcome"]["result"] == "stalled"
    assert restart["payload"]["outcome"]["waiting"] == {str(j): "dkg_commitment_hash" for j in range(1, 6)}
    report = verify_record(as_record(record_files(to_lines(events))))
    assert findings_of(report) == []
    # The report tells an observer what happened, in words.
    notes = next(c.notes for c in report.checks if c.name == "key_ceremony")
    assert any("attempt 1 stalled, restarted as attempt 2" in n and "seat 2: Boris (boris) replaced by Bogdan "
               "(bogdan, union)" in n for n in notes), notes


def test_a_restart_dated_before_the_deadline_is_named() -> None:
    # The server dates the restart before the deadline (an honest server could not have appended it).
    events = load(stalled_then_restarted())
    restart = find(events, "key_ceremony_restarted")
    restart["payload"]["at"] = "2025-03-19T06:00:00Z"
    rechain(events)
    position = events.index(restart) + 1
    assert report_of(events) == [{"check": "key_ceremony", "code": "restart_not_failed",
                                                  "position": position}]


def test_a_restart_naming_a_trustee_who_acted_as_absent_is_named() -> None:
    # The commission says seat 1 never published its messaging key (signing its own lie).
    events = load(stalled_then_restarted())
    restart = find(events, "key_ceremony_restarted")
    restart["payload"]["outcome"]["waiting"]["1"] = "trustee_key"
    resigned(events, restart)
    rechain(events)
    position = events.index(restart) + 1
    assert report_of(events) == [{"check": "key_ceremony", "code": "restart_outcome", "position": position}]
