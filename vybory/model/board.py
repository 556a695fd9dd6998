"""The bulletin board: an append-only list of events, each hashing the one before.

An event is ``(position, kind, payload, previous_hash, hash)``. Positions
start at 1; the first event's ``previous_hash`` is 32 zero bytes. The hash is
``SHA-256(LP("VYBORY-V1-EVENT") || LP(u64(position)) || LP(kind) ||
LP(canonical_json(payload)) || LP(previous_hash))`` where ``LP`` prefixes a
part with its length as 4 bytes big-endian (docs/spec.md, "Board events").
Payloads never carry secrets or voter identities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vybory.errors import InvalidEncoding, InvalidInput
from vybory.model.canonical import canonical_json, parse_hex32, tagged_hash

EVENT_TAG = "VYBORY-V1-EVENT"
GENESIS_HASH = bytes(32)
FIRST_POSITION = 1


class EventKind(StrEnum):
    """The closed list of board events (docs/spec.md lists each payload)."""

    ELECTION_DEFINED = "election_defined"
    NOMINATION_SUBMITTED = "nomination_submitted"
    CANDIDATE_REGISTERED = "candidate_registered"
    CANDIDATE_REFUSED = "candidate_refused"
    APPEAL_LODGED = "appeal_lodged"
    APPEAL_DECIDED = "appeal_decided"
    NOMINATIONS_CLOSED = "nominations_closed"
    TRUSTEE_KEY = "trustee_key"
    DKG_COMMITMENT_HASH = "dkg_commitment_hash"
    DKG_COMMITMENTS = "dkg_commitments"
    DKG_SHARES = "dkg_shares"
    DKG_COMPLAINT = "dkg_complaint"
    KEY_CEREMONY_COMPLETED = "key_ceremony_completed"
    KEY_CEREMONY_RESTARTED = "key_ceremony_restarted"
    ROLL_PUBLISHED = "roll_published"
    ROLL_COMPLAINT = "roll_complaint"
    ROLL_COMPLAINTS_ANSWERED = "roll_complaints_answered"
    CREDENTIALS_PUBLISHED = "credentials_published"
    ROUND_OPENED = "round_opened"
    BALLOT_CAST = "ballot_cast"
    ROUND_CLOSED = "round_closed"
    ENCRYPTED_TALLY = "encrypted_tally"
    BALLOTS_MIXED = "ballots_mixed"
    DECRYPTION_SHARE = "decryption_share"
    TALLY_DECRYPTED = "tally_decrypted"
    OUTCOME_DECLARED = "outcome_declared"
    ELECTION_PUBLISHED = "election_published"
    HEAD_WITNESSED = "head_witnessed"


def compute_event_hash(position: int, kind: EventKind | str, payload: Mapping[str, Any],
                       previous_hash: bytes) -> bytes:
    """The hash of an event with these contents (32 bytes)."""
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 2**63:
        raise InvalidInput(f"position {position!r} must be a whole number >= 0", field="position")
    if len(previous_hash) != 32:
        raise InvalidInput("previous_hash must be 32 bytes", field="previous_hash")
    kind = EventKind(kind)
    return tagged_hash(
        EVENT_TAG,
        position.to_bytes(8, "big"),
        kind.value.encode("ascii"),
        canonical_json(payload),
        bytes(previous_hash),
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One event on the board.

    Invariants: ``hash == compute_event_hash(position, kind, payload,
    previous_hash)`` for events made by :func:`next_event`; events read with
    :meth:`from_json` are only well-formed until :func:`check_chain` accepts them.
    """

    position: int
    kind: EventKind
    payload: Mapping[str, Any]
    previous_hash: bytes
    hash: bytes

    def to_json(self) -> dict[str, Any]:
        """The event as one JSON object (one line of the record's board file)."""
        return {
            "position": self.position,
            "kind": self.kind.value,
            "payload": self.payload,
            "previous_hash": self.previous_hash.hex(),
            "hash": self.hash.hex(),
        }

    def to_line(self) -> bytes:
        """The canonical JSON of :meth:`to_json` (no newline)."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any) -> Event:
        """An event from its JSON object; every field checked for type and form.

        Raises :class:`~vybory.errors.InvalidEncoding` naming the field. The
        hash itself is checked by :func:`check_chain`.
        """
        if not isinstance(obj, Mapping):
            raise InvalidEncoding("an event must be a JSON object", field="event")
        expected = {"position", "kind", "payload", "previous_hash", "hash"}
        if set(obj) != expected:
            missing = sorted(expected - set(obj))
            extra = sorted(set(obj) - expected)
            raise InvalidEncoding(
                "event fields must be exactly position, kind, payload, previous_hash, hash"
                + (f" (missing: {', '.join(missing)})" if missing else "")
                + (f" (unknown: {', '.join(extra)})" if extra else ""),
                field="event",
            )
        position = obj["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < FIRST_POSITION:
            raise InvalidEncoding(f"must be a whole number >= {FIRST_POSITION}", field="event.position")
        where = f"event {position}"
        try:
            kind = EventKind(obj["kind"])
        except ValueError:
            raise InvalidEncoding(f"unknown event kind {obj['kind']!r}", field=f"{where}.kind") from None
        payload = obj["payload"]
        if not isinstance(payload, Mapping):
            raise InvalidEncoding("must be a JSON object", field=f"{where}.payload")
        canonical_json(payload)  # refuses floats and other values JSON cannot carry exactly
        return cls(position, kind, dict(payload), parse_hex32(obj["previous_hash"], f"{where}.previous_hash"),
                   parse_hex32(obj["hash"], f"{where}.hash"))


def next_event(previous: Event | None, kind: EventKind | str, payload: Mapping[str, Any]) -> Event:
    """The event that follows ``previous`` (``None`` for the first event of a board)."""
    position = FIRST_POSITION if previous is None else previous.position + 1
    previous_hash = GENESIS_HASH if previous is None else previous.hash
    kind = EventKind(kind)
    payload = dict(payload)
    return Event(position, kind, payload, previous_hash,
                 compute_event_hash(position, kind, payload, previous_hash))


def check_event(event: Event, previous: Event | None, *, hashed: bool = False) -> None:
    """Raises :class:`~vybory.errors.InvalidEncoding` unless ``event`` correctly follows ``previous``.

    ``hashed``: ``event.hash`` was computed from these very contents by the caller
    (:func:`next_event`), so it is not computed again; the position, the link and the kind are
    still checked."""
    expected_position = FIRST_POSITION if previous is None else previous.position + 1
    expected_previous = GENESIS_HASH if previous is None else previous.hash
    where = f"event {event.position}"
    if event.position != expected_position:
        raise InvalidEncoding(f"is at position {event.position}, expected {expected_position}",
                              field=where, code="board_order")
    if event.previous_hash != expected_previous:
        raise InvalidEncoding("previous_hash is not the hash of the event before it",
                              field=where, code="board_link")
    if not hashed and event.hash != compute_event_hash(event.position, event.kind, event.payload,
                                                       event.previous_hash):
        raise InvalidEncoding("hash does not match the event's contents", field=where, code="board_hash")
    if previous is None and event.kind is not EventKind.ELECTION_DEFINED:
        raise InvalidEncoding("the first event must be election_defined", field=where,
                              code="board_genesis")
    if previous is not None and event.kind is EventKind.ELECTION_DEFINED:
        raise InvalidEncoding("election_defined may only be the first event", field=where,
                              code="board_genesis")


def check_chain(events: Iterable[Event]) -> bytes:
    """Checks positions, links and hashes from the first event on; returns the head hash.

    Raises :class:`~vybory.errors.InvalidEncoding` naming the first event that
    breaks the chain. An empty board has the genesis hash as its head.
    """
    previous: Event | None = None
    for event in events:
        check_event(event, previous)
        previous = event
    return GENESIS_HASH if previous is None else previous.hash


__all__ = [
    "EVENT_TAG",
    "FIRST_POSITION",
    "GENESIS_HASH",
    "Event",
    "EventKind",
    "check_chain",
    "check_event",
    "compute_event_hash",
    "next_event",
]
