"""Reading the board's lines (spec §9.1, §10.1), fast enough for millions of ballots.

A line is read with the JSON parser refusing floats, NaN, infinities and
integers outside ±(2^53 − 1); it must then be exactly the canonical JSON of
what it holds (sorted keys, no white space, each key once), which
:func:`canonical` gives without walking the value in Python: for values read
this way, ``json.dumps`` with sorted keys, no spaces and no escaping of
non-ASCII characters writes the same bytes as
:func:`vybory.model.canonical.canonical_json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vybory.errors import InvalidEncoding
from vybory.model.board import EVENT_TAG, FIRST_POSITION, Event, EventKind
from vybory.model.canonical import MAX_SAFE_INTEGER, tagged_hash

EVENT_FIELDS = frozenset({"position", "kind", "payload", "previous_hash", "hash"})
KINDS = {k.value: k for k in EventKind}


def _no_float(text: str) -> Any:
    raise InvalidEncoding(f"number {text} is not an integer", field="json")


def _no_constant(text: str) -> Any:
    raise InvalidEncoding(f"{text} is not allowed", field="json")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise InvalidEncoding(f"integer {text} is outside +-(2**53 - 1)", field="json")
    return value


def read_json(data: bytes | str) -> Any:
    """A JSON value; InvalidEncoding for text that is not JSON or holds what canonical JSON cannot."""
    try:
        return json.loads(data, parse_float=_no_float, parse_constant=_no_constant, parse_int=_safe_int)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidEncoding(f"not JSON: {error}", field="json") from None


# json.dumps with these arguments makes a new encoder at each call; one is enough.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical(value: Any) -> bytes:
    """The canonical JSON of a value obtained from :func:`read_json` (or of plain JSON values)."""
    return _ENCODE(value).encode("utf-8")


def member_json(whole: bytes, obj: Mapping[str, Any], key: str) -> bytes:
    """``canonical(obj[key])``, cut out of ``whole`` = ``canonical(obj)`` instead of written again.

    The canonical JSON of an object is its members in sorted key order, ``"key":value`` joined by
    commas; the members around ``key`` are written (they are small here: hashes, times, codes) and
    must frame it exactly, else the member is written in full."""
    before = b"".join(canonical(k) + b":" + canonical(obj[k]) + b"," for k in sorted(obj) if k < key)
    after = b"".join(b"," + canonical(k) + b":" + canonical(obj[k]) for k in sorted(obj) if k > key)
    prefix, suffix = b"{" + before + canonical(key) + b":", after + b"}"
    if len(whole) > len(prefix) + len(suffix) and whole.startswith(prefix) and whole.endswith(suffix):
        return whole[len(prefix):len(whole) - len(suffix)]
    return canonical(obj[key])


def _hash_hex(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidEncoding("must be 64 lower-case hexadecimal digits", field=field)
    return bytes.fromhex(value)


def read_event(obj: Any) -> Event:
    """An event from its JSON object, every field checked for type and form (not yet its hash)."""
    if not isinstance(obj, Mapping) or set(obj) != EVENT_FIELDS:
        raise InvalidEncoding("an event must be an object with exactly position, kind, payload, previous_hash, "
                              "hash", field="event")
    position = obj["position"]
    if isinstance(position, bool) or not isinstance(position, int) or position < FIRST_POSITION:
        raise InvalidEncoding(f"must be a whole number >= {FIRST_POSITION}", field="event.position")
    kind = KINDS.get(obj["kind"]) if isinstance(obj["kind"], str) else None
    if kind is None:
        raise InvalidEncoding(f"unknown event kind {obj['kind']!r}", field="event.kind")
    if not isinstance(obj["payload"], dict):
        raise InvalidEncoding("must be a JSON object", field="event.payload")
    return Event(position, kind, obj["payload"], _hash_hex(obj["previous_hash"], "event.previous_hash"),
                 _hash_hex(obj["hash"], "event.hash"))


def event_hash(event: Event, payload_json: bytes | None = None) -> bytes:
    """SHA-256(lp("VYBORY-V1-EVENT") ‖ lp(u64be(position)) ‖ lp(kind) ‖ lp(canonical_json(payload))
    ‖ lp(previous_hash)) (spec §10.1); ``payload_json``, when given, is ``canonical(event.payload)``."""
    return tagged_hash(EVENT_TAG, event.position.to_bytes(8, "big"), event.kind.value.encode("ascii"),
                       canonical(event.payload) if payload_json is None else payload_json, event.previous_hash)


__all__ = ["canonical", "event_hash", "member_json", "read_event", "read_json"]
