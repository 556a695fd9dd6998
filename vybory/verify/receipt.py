"""A voter's receipt against a record: is the receipt's event in the record's chain, unchanged?

A receipt names the event of a cast ballot by its position and hash, with the
hash before it and the head of the board at that moment (which, the ballot
being the last event then, is the ballot's own event), and the election's
fingerprint. Because every event's hash covers the hash before it, a record
whose event at that position still has that hash holds the whole board up to
that moment unchanged: deleting, swapping or rewriting any earlier event and
re-hashing the chain changes the hash the receipt names; truncating the board
before it leaves no event at that position.

:func:`read_receipt` parses the receipt (every field checked, the field named
on refusal); :func:`check_receipt` compares it with the record's events and
returns the findings, each with a code: ``receipt_other_election``,
``receipt_event_missing``, ``receipt_event_changed``,
``receipt_previous_changed``, ``receipt_not_this_ballot``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidInput, VyboryError
from vybory.model.board import Event
from vybory.model.canonical import parse_json
from vybory.text import say
from vybory.verify.lines import read_event, read_json


@dataclass(frozen=True, slots=True)
class ReceiptClaim:
    """What a receipt says about the board (hashes as 64 lower-case hex digits)."""

    election: str
    fingerprint: str
    round: int
    tracking_code: str
    position: int
    event_hash: str
    previous_hash: str
    head_position: int
    head: str


@dataclass(frozen=True, slots=True)
class ReceiptFinding:
    code: str
    message: str


def _hex32(obj: Mapping[str, Any], name: str, where: str | None = None) -> str:
    value = obj.get(name)
    where = where or name
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput(say("the receipt's %(where)s must be 64 lower-case hex digits", where=where), field=f"receipt.{where}")
    return value


def _positive(obj: Mapping[str, Any], name: str, where: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(say("the receipt's %(where)s must be a whole number of at least 1", where=where), field=f"receipt.{where}")
    return value


def read_receipt(data: bytes | str) -> ReceiptClaim:
    """The receipt in ``data`` (the JSON the service returns on casting). Raises InvalidInput naming the field."""
    try:
        obj = parse_json(data)
    except VyboryError as error:
        raise InvalidInput(say("the receipt is not JSON: %(reason)s", reason=str(error)), field="receipt") from None
    if not isinstance(obj, Mapping):
        raise InvalidInput(say("the receipt must be a JSON object"), field="receipt")
    for name in ("election", "tracking_code"):
        if not isinstance(obj.get(name), str) or not obj[name]:
            raise InvalidInput(say("the receipt's %(name)s must be a non-empty string", name=name), field=f"receipt.{name}")
    head = obj.get("head")
    if not isinstance(head, Mapping):
        raise InvalidInput(say("the receipt's head must be an object with a position and a hash"), field="receipt.head")
    claim = ReceiptClaim(obj["election"], _hex32(obj, "fingerprint"), _positive(obj, "round", "round"),
                         obj["tracking_code"].strip().lower(), _positive(obj, "position", "position"),
                         _hex32(obj, "event_hash"), _hex32(obj, "previous_hash"),
                         _positive(head, "position", "head.position"), _hex32(head, "hash", "head.hash"))
    if claim.head_position < claim.position:
        raise InvalidInput(say("the receipt's head is before its own event"), field="receipt.head.position")
    if claim.head_position == claim.position and claim.head != claim.event_hash:
        raise InvalidInput(say("the receipt's head is at its event's position but names another hash"),
                           field="receipt.head.hash")
    return claim


def check_receipt(lines: Iterable[bytes], fingerprint: str, claim: ReceiptClaim) -> list[ReceiptFinding]:
    """The findings of ``claim`` against the record's event ``lines`` (its fingerprint ``fingerprint``).

    An empty list: the receipt's event, and the head it names, are in the record's chain at their
    positions with their hashes. The chain's own links and hashes are the verifier's check 2."""
    out: list[ReceiptFinding] = []
    found: dict[int, Event | None] = {}
    count = 0
    for count, line in enumerate(lines, start=1):
        if count in (claim.position, claim.head_position):
            try:
                found[count] = read_event(read_json(line))
            except VyboryError as error:
                found[count] = None
                out.append(ReceiptFinding("receipt_event_changed", say("event %(position)s is unreadable: %(reason)s", position=count, reason=str(error))))
        if count >= claim.head_position:
            break
    return check_receipt_events(found, count, fingerprint, claim) + out


def check_receipt_events(events: Mapping[int, Event | None], board_end: int, fingerprint: str,
                         claim: ReceiptClaim) -> list[ReceiptFinding]:
    """:func:`check_receipt` given the board's events at the receipt's position and head position
    (``events``: those the board has; None for an unreadable one) and the board's last position
    ``board_end`` (or the receipt's head position, if the board is longer): for a live board."""
    out: list[ReceiptFinding] = []
    count = board_end
    if fingerprint != claim.fingerprint:
        out.append(ReceiptFinding("receipt_other_election",
                                  say("the receipt is for the election with fingerprint %(theirs)s; this "
                                      "record's is %(ours)s", theirs=claim.fingerprint,
                                      ours=fingerprint or say("unknown"))))
    found: dict[int, tuple[str, str, Any]] = {
        position: ("", "", None) if event is None else (event.hash.hex(), event.previous_hash.hex(), event.payload)
        for position, event in events.items() if position <= board_end}
    if claim.position not in found:
        out.append(ReceiptFinding("receipt_event_missing",
                                  say("the board ends at event %(end)s, before the receipt's event %(position)s: "
                                      "events were removed from the record", end=count, position=claim.position)))
        return out
    digest, previous, payload = found[claim.position]
    if digest and digest != claim.event_hash:
        out.append(ReceiptFinding("receipt_event_changed",
                                  say("event %(position)s has the hash %(found)s, not the receipt's "
                                      "%(claimed)s: the board up to the ballot was rewritten",
                                      position=claim.position, found=digest, claimed=claim.event_hash)))
    if previous and previous != claim.previous_hash:
        out.append(ReceiptFinding("receipt_previous_changed",
                                  say("the event before the receipt's (event %(position)s) now has the hash "
                                      "%(found)s, not %(claimed)s", position=claim.position - 1, found=previous,
                                      claimed=claim.previous_hash)))
    if digest and (not isinstance(payload, Mapping) or payload.get("tracking_code") != claim.tracking_code):
        out.append(ReceiptFinding("receipt_not_this_ballot",
                                  say("event %(position)s is not the ballot %(code)s", position=claim.position,
                                      code=claim.tracking_code)))
    if claim.head_position != claim.position:
        if claim.head_position not in found:
            out.append(ReceiptFinding("receipt_event_missing",
                                      say("the board ends at event %(end)s, before the head the receipt names "
                                          "(event %(position)s)", end=count, position=claim.head_position)))
        elif found[claim.head_position][0] and found[claim.head_position][0] != claim.head:
            out.append(ReceiptFinding("receipt_event_changed",
                                      say("event %(position)s has the hash %(found)s, not the head %(claimed)s the "
                                          "receipt names", position=claim.head_position,
                                          found=found[claim.head_position][0], claimed=claim.head)))
    return out


__all__ = ["ReceiptClaim", "ReceiptFinding", "check_receipt", "check_receipt_events", "read_receipt"]
