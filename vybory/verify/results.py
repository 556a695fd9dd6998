"""A downloaded results file against a record: does it say what the record's board says?

The results a server offers for download (``/elections/{slug}/results.json``, docs/api.md) are
what newspapers copy; whoever runs the server could publish there other figures than the
board's. The file names, for each declared round, the ``outcome_declared`` event it copies
(position and hash) and the head of the board when it was made. :func:`read_results` parses
the file (every field checked, the field named on refusal); :func:`check_results` compares it
with the record's events and returns the findings (docs/verifier.md, "Results file"):
``results_other_election``, ``results_head``, ``results_event_missing``,
``results_event_changed``, ``results_differ``, ``results_left_out``, ``results_twice``.
The record itself is checked by ``vybory verify``; a file that matches a verified record says
what the verified count says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidInput, VyboryError
from vybory.model.board import Event, EventKind
from vybory.model.canonical import canonical_json, parse_json
from vybory.text import Text, say
from vybory.verify.lines import read_event, read_json

RESULTS_FORMAT = "vybory-results"
RESULTS_VERSION = 1
FIELDS = {"format", "version", "election", "title", "fingerprint", "head", "rounds"}
ROUND_FIELDS = {"round", "event", "outcomes", "next_round"}


@dataclass(frozen=True, slots=True)
class DeclaredRound:
    """One round of the file: the event it copies and what it says that event holds."""

    round: int
    position: int
    hash: str
    outcomes: Any
    next_round: Any


@dataclass(frozen=True, slots=True)
class ResultsFile:
    election: str
    fingerprint: str
    head_position: int
    head_hash: str
    rounds: tuple[DeclaredRound, ...]


@dataclass(frozen=True, slots=True)
class ResultsFinding:
    code: str
    message: Text


def _refuse(message: Text, where: str) -> InvalidInput:
    return InvalidInput(message, field=f"results.{where}")


def _hex32(obj: Mapping[str, Any], name: str, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise _refuse(say("the results file's %(where)s must be 64 lower-case hex digits", where=where), where)
    return value


def _positive(obj: Mapping[str, Any], name: str, where: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _refuse(say("the results file's %(where)s must be a whole number of at least 1", where=where), where)
    return value


def _exactly(obj: Any, fields: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping) or set(obj) != fields:
        raise _refuse(say("the results file's %(where)s must be an object with exactly the keys %(keys)s",
                          where=where, keys=", ".join(sorted(fields))), where)
    return obj


def read_results(data: bytes | str) -> ResultsFile:
    """The results file in ``data`` (as ``/elections/{slug}/results.json`` gives it). Raises
    InvalidInput naming the field."""
    try:
        obj = parse_json(data)
    except VyboryError as error:
        raise InvalidInput(say("the results file is not JSON: %(reason)s", reason=str(error)), field="results") from None
    top = _exactly(obj, FIELDS, "top level")
    if top["format"] != RESULTS_FORMAT:
        raise _refuse(say("the results file's format must be %(format)s", format=repr(RESULTS_FORMAT)), "format")
    if top["version"] != RESULTS_VERSION or isinstance(top["version"], bool):
        raise _refuse(say("the results file's version must be %(version)s", version=RESULTS_VERSION), "version")
    for name in ("election", "title"):
        if not isinstance(top[name], str) or not top[name]:
            raise _refuse(say("the results file's %(where)s must be a non-empty string", where=name), name)
    head = _exactly(top["head"], {"position", "hash"}, "head")
    if not isinstance(top["rounds"], list):
        raise _refuse(say("the results file's %(where)s must be a list", where="rounds"), "rounds")
    rounds = []
    for k, item in enumerate(top["rounds"]):
        where = f"rounds[{k}]"
        entry = _exactly(item, ROUND_FIELDS, where)
        event = _exactly(entry["event"], {"position", "hash"}, f"{where}.event")
        outcomes, following = where + ".outcomes", where + ".next_round"
        if not isinstance(entry["outcomes"], list):
            raise _refuse(say("the results file's %(where)s must be a list", where=outcomes), outcomes)
        if entry["next_round"] is not None and not isinstance(entry["next_round"], Mapping):
            raise _refuse(say("the results file's %(where)s must be an object or null", where=following), following)
        rounds.append(DeclaredRound(_positive(entry, "round", f"{where}.round"),
                                    _positive(event, "position", f"{where}.event.position"),
                                    _hex32(event, "hash", f"{where}.event.hash"), entry["outcomes"],
                                    entry["next_round"]))
    return ResultsFile(top["election"], _hex32(top, "fingerprint", "fingerprint"),
                       _positive(head, "position", "head.position"), _hex32(head, "hash", "head.hash"), tuple(rounds))


def check_results(lines: Iterable[bytes], fingerprint: str, results: ResultsFile) -> list[ResultsFinding]:
    """The findings of ``results`` against the record's event ``lines`` (its fingerprint
    ``fingerprint``); an empty list: the file's head is in the record's chain, and every
    ``outcome_declared`` event up to it is in the file, at its position, with its hash, and
    with exactly its round, outcomes and next round (compared as canonical JSON)."""
    out: list[ResultsFinding] = []
    if results.fingerprint != fingerprint:
        out.append(ResultsFinding("results_other_election", say(
            "the results file is for the election with fingerprint %(theirs)s; this record's is %(ours)s",
            theirs=results.fingerprint, ours=fingerprint)))
    declared: dict[int, Event] = {}
    hashes: dict[int, str] = {}
    count = 0
    for count, line in enumerate(lines, start=1):
        if count > results.head_position:
            count -= 1
            break
        try:
            event = read_event(read_json(line))
        except VyboryError as error:
            out.append(ResultsFinding("results_event_changed", say(
                "event %(position)s is unreadable: %(reason)s", position=count, reason=str(error))))
            continue
        hashes[count] = event.hash.hex()
        if event.kind is EventKind.OUTCOME_DECLARED:
            declared[count] = event
    if count < results.head_position:
        out.append(ResultsFinding("results_head", say(
            "the record ends at event %(end)s, before the head the results file names (event %(position)s)",
            end=count, position=results.head_position)))
    elif hashes.get(results.head_position, results.head_hash) != results.head_hash:
        out.append(ResultsFinding("results_head", say(
            "event %(position)s has the hash %(found)s, not the head %(claimed)s the results file names",
            position=results.head_position, found=hashes[results.head_position], claimed=results.head_hash)))
    seen: set[int] = set()
    for r in results.rounds:
        if r.position in seen:
            out.append(ResultsFinding("results_twice", say(
                "the results file lists event %(position)s twice", position=r.position)))
            continue
        seen.add(r.position)
        if r.position not in declared:
            out.append(ResultsFinding("results_event_missing", say(
                "the results file names event %(position)s, which is not an outcome_declared event of the record "
                "up to the file's head", position=r.position)))
            continue
        event = declared[r.position]
        if event.hash.hex() != r.hash:
            out.append(ResultsFinding("results_event_changed", say(
                "event %(position)s has the hash %(found)s, not the results file's %(claimed)s",
                position=r.position, found=event.hash.hex(), claimed=r.hash)))
        payload = event.payload
        for name, given, board in (("round", r.round, payload.get("round")),
                                   ("outcomes", r.outcomes, payload.get("outcomes")),
                                   ("next_round", r.next_round, payload.get("next_round"))):
            if canonical_json(given) != canonical_json(board):
                out.append(ResultsFinding("results_differ", say(
                    "the results file's %(what)s for event %(position)s is not the board's",
                    what=name, position=r.position)))
    for position in sorted(set(declared) - seen):
        out.append(ResultsFinding("results_left_out", say(
            "the results file leaves out the outcomes declared at event %(position)s (round %(round)s)",
            position=position, round=declared[position].payload.get("round"))))
    return out


__all__ = ["RESULTS_FORMAT", "RESULTS_VERSION", "ResultsFile", "ResultsFinding", "check_results", "read_results"]
