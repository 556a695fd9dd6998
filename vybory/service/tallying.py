"""Counting a round: the encrypted tally from the board, decryption, decisions, next rounds.

These run inside a writing transaction of :class:`~vybory.service.ElectionService`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.model.board import Event, EventKind
from vybory.protocol import decide as protocol_decide
from vybory.protocol import rounds as protocol_rounds
from vybory.protocol import tally as protocol_tally
from vybory.protocol.state import ElectionState
from vybory.service.core import Board, Context
from vybory.service.results import Posted


@dataclass(frozen=True, slots=True)
class ContestResult:
    """One contest's outcome in one round, as declared on the board.

    ``outcome`` is the counting rule's ``Outcome.to_json()``; ``counts`` the
    decrypted totals per selection label.
    """

    contest: str
    title: str
    district: str
    method: str
    kind: str
    seats: int
    candidates: tuple[str, ...]
    status: str
    winners: tuple[str, ...]
    runoff_candidates: tuple[str, ...]
    reason: str
    counts: dict[str, int]
    ballots: int
    registered: int
    outcome: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "title": self.title,
            "district": self.district,
            "method": self.method,
            "kind": self.kind,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "status": self.status,
            "winners": list(self.winners),
            "runoff_candidates": list(self.runoff_candidates),
            "reason": self.reason,
            "counts": dict(self.counts),
            "ballots": self.ballots,
            "registered": self.registered,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What deciding a round did: the shares used and skipped (with why), each contest's
    result, and the next round opened (if a runoff or a repeat election is required)."""

    round: int
    shares_used: tuple[int, ...]
    skipped: dict[str, str]
    results: tuple[ContestResult, ...]
    next_round: int | None
    posted: tuple[Posted, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "shares_used": list(self.shares_used),
            "skipped": dict(self.skipped),
            "results": [r.to_json() for r in self.results],
            "next_round": self.next_round,
            "posted": [p.to_json() for p in self.posted],
        }


def round_ballots(board: Board, context: Context, number: int) -> Iterator[Event]:
    """The ``ballot_cast`` events of a round, read from the board in order."""
    rnd = context.state.round(number)
    for event in board.events(context.session, context.election_id, start=rnd.opened_position,
                              kinds=(EventKind.BALLOT_CAST.value,)):
        if event.payload["ballot"]["round"] == number:
            yield event


def encrypted_tally(board: Board, context: Context, number: int) -> dict[str, Any]:
    return protocol_tally.compute_encrypted_tally(context.state, round=number,
                                                  ballots=round_ballots(board, context, number), now=context.now)


def decide(board: Board, context: Context, number: int, *, booth: str | None = None) -> Decision:
    """Decrypts (if not yet), declares the outcomes, and opens the next round if one is announced
    (recording ``booth``, the served booth's SHA-256, when given)."""
    posted: list[Posted] = []
    state: ElectionState = context.state
    if state.round(number).decrypted is None:
        payload = protocol_tally.combine_shares(state, round=number, now=context.now)
        posted.append(Posted.of(board.append(context, EventKind.TALLY_DECRYPTED, payload)))
    payload = protocol_decide.declare_outcomes(context.state, round=number, now=context.now)
    posted.append(Posted.of(board.append(context, EventKind.OUTCOME_DECLARED, payload)))
    next_number = None
    if payload.get("next_round"):
        opened = protocol_rounds.open_next_round(context.state, now=context.now, booth=booth)
        posted.append(Posted.of(board.append(context, EventKind.ROUND_OPENED, opened)))
        next_number = opened["round"]
    return decision_of(context.state, number, tuple(posted), next_number)


def decision_of(state: ElectionState, number: int, posted: tuple[Posted, ...] = (),
                next_number: int | None = None) -> Decision:
    """The decision of a decided round, read from the state."""
    rnd = state.round(number)
    decrypted = rnd.decrypted or {}
    counts = {c["contest"]: c for c in decrypted.get("contests", [])}
    results = []
    for entry in (rnd.outcomes or {}).get("outcomes", []):
        contest = state.definition.contest(entry["contest"])
        outcome = entry["outcome"]
        tallied = counts.get(entry["contest"], {})
        results.append(ContestResult(
            contest=contest.id, title=contest.title, district=contest.district, method=contest.method,
            kind=entry["kind"], seats=entry["seats"], candidates=tuple(entry["candidates"]),
            status=outcome["status"], winners=tuple(outcome["winners"]),
            runoff_candidates=tuple(outcome.get("runoff_candidates", ())), reason=outcome.get("reason", ""),
            counts=dict(tallied.get("counts", {})), ballots=tallied.get("ballots", 0),
            registered=tallied.get("registered", 0), outcome=outcome))
    if next_number is None and rnd.outcomes and rnd.outcomes.get("next_round"):
        next_number = rnd.outcomes["next_round"]["round"]
    return Decision(number, tuple(decrypted.get("shares_used", ())), dict(decrypted.get("skipped", {})),
                    tuple(results), next_number, posted)


def publish(state: ElectionState, now: datetime) -> dict[str, Any]:
    return protocol_decide.publish_election(state, now=now)
