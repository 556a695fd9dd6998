"""What the service returns: small frozen values, safe to hand to the CLI, the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.model.board import Event
from vybory.model.definition import format_time


@dataclass(frozen=True, slots=True)
class Posted:
    """An event the service appended: its position, kind and hash (hex)."""

    position: int
    kind: str
    hash: str

    @staticmethod
    def of(event: Event) -> Posted:
        return Posted(event.position, event.kind.value, event.hash.hex())

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position, "kind": self.kind, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class ElectionSummary:
    """One election as lists show it."""

    slug: str
    title: str
    fingerprint: str
    phase: str
    head_position: int
    head_hash: str
    voters_on_roll: int

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "fingerprint": self.fingerprint,
            "phase": self.phase,
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "voters_on_roll": self.voters_on_roll,
        }


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a voter keeps after casting: the tracking code and where the ballot is on the board.

    The event's position and hash, the hash before it and the head at that moment anchor the
    whole board up to the ballot: ``vybory verify-ballot RECORD --receipt FILE`` checks them.

    ``replaced`` is the tracking code of the same credential's earlier ballot
    in this round, which no longer counts (re-voting: the last ballot counts).
    """

    election: str
    round: int
    tracking_code: str
    position: int
    event_hash: str
    replaced: str | None = None
    previous_hash: str = ""
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        # The ballot is the last event when the receipt is made: the head is its own event.
        return {
            "election": self.election,
            "fingerprint": self.fingerprint,
            "round": self.round,
            "tracking_code": self.tracking_code,
            "position": self.position,
            "event_hash": self.event_hash,
            "previous_hash": self.previous_hash,
            "head": {"position": self.position, "hash": self.event_hash},
            "replaced": self.replaced,
        }


@dataclass(frozen=True, slots=True)
class BallotLookup:
    """Where a tracking code is on the board and whether that ballot counts.

    ``counts`` is False when a later ballot with the same credential in the
    same round replaced it (``superseded_by`` names that ballot's code).
    """

    tracking_code: str
    round: int
    position: int
    counts: bool
    superseded_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "round": self.round,
            "position": self.position,
            "counts": self.counts,
            "superseded_by": self.superseded_by,
        }


@dataclass(frozen=True, slots=True)
class Waiting:
    """Someone the election waits for: role, who (id), name (in words), what to do, by when
    (``None``: the definition sets no deadline for it)."""

    role: str
    who: str
    action: str
    deadline: datetime | None
    overdue: bool
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "who": self.who,
            "name": self.name or self.who,
            "action": self.action,
            "deadline": None if self.deadline is None else format_time(self.deadline),
            "overdue": self.overdue,
        }


@dataclass(frozen=True, slots=True)
class RoundSummary:
    number: int
    contests: dict[str, tuple[str, ...]]
    kinds: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    closed: bool
    ballots_cast: int
    counted: int
    shares: tuple[int, ...]
    decided: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "contests": {c: list(names) for c, names in self.contests.items()},
            "kinds": dict(self.kinds),
            "opens_at": format_time(self.opens_at),
            "closes_at": format_time(self.closes_at),
            "closed": self.closed,
            "ballots_cast": self.ballots_cast,
            "counted": self.counted,
            "shares": list(self.shares),
            "decided": self.decided,
        }


@dataclass(frozen=True, slots=True)
class ElectionStatus:
    """Where an election stands: phase, deadlines, rounds, and who has not yet acted."""

    slug: str
    title: str
    fingerprint: str
    phase: str
    now: datetime
    deadlines: dict[str, datetime]
    head_position: int
    head_hash: str
    waiting: tuple[Waiting, ...]
    rounds: tuple[RoundSummary, ...]
    credentials: int
    voters_on_roll: int
    public_key: str | None
    nominations: tuple[dict[str, Any], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "fingerprint": self.fingerprint,
            "phase": self.phase,
            "now": format_time(self.now),
            "deadlines": {k: format_time(v) for k, v in self.deadlines.items()},
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "waiting": [w.to_json() for w in self.waiting],
            "rounds": [r.to_json() for r in self.rounds],
            "credentials": self.credentials,
            "voters_on_roll": self.voters_on_roll,
            "public_key": self.public_key,
            "nominations": list(self.nominations),
        }
