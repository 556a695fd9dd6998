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
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


# A credential list's entry written canonically, in the form the fast path reads (anything else,
# for example an escaped or non-ASCII district, goes through the JSON parser): a weight of at most
# 15 digits stays below 2^53, so the parser would have read it too.
_ENTRY = re.compile(rb'\{"credential":"([0-9a-f]{64})","district":"([\x20\x21\x23-\x5b\x5d-\x7e]*)",'
                    rb'"weight":(0|[1-9][0-9]{0,14})\}')
_LIST_KEY = b'"credentials":['
_LIST_KIND = "credentials_published"


@dataclass(frozen=True, slots=True)
class ListedEntries:
    """The entries of a ``credentials_published`` list, left in the line they were read from:
    each is read again (as a ``(credential, district, weight)`` triple) when iterated, so a list
    of millions of credentials is never held as millions of JSON objects."""

    line: bytes
    start: int
    stop: int
    count: int

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        districts: dict[bytes, str] = {}
        for match in _ENTRY.finditer(self.line, self.start, self.stop):
            credential, district, weight = match.groups()
            name = districts.get(district)
            if name is None:
                name = districts[district] = district.decode("ascii")
            yield credential.decode("ascii"), name, int(weight)

    def __len__(self) -> int:
        return self.count

    def to_json(self) -> list[dict[str, Any]]:
        return [{"credential": c, "district": d, "weight": w} for c, d, w in self]


@dataclass(frozen=True, slots=True)
class ReadLine:
    """An event line read: its JSON object, the canonical JSON of the whole and of its payload,
    and whether the line is exactly that canonical JSON (without its newline)."""

    obj: Any
    payload_json: bytes
    canonical: bool


def read_line(line: bytes) -> ReadLine:
    """Reads one board line (InvalidEncoding when it is not JSON).

    A ``credentials_published`` line holding a long list written canonically is read without
    parsing the list: the line with its list emptied is parsed and must be canonical, each entry
    must match the canonical entry's form, and the payload's ``credentials`` is then a
    :class:`ListedEntries`. Memory stays near the line's own size (a national list is one line of
    about 130 bytes a voter; parsed whole it would take about 500)."""
    fast = _read_listed(line)
    if fast is not None:
        return fast
    obj = read_json(line)
    whole = canonical(obj)
    payload_json = member_json(whole, obj, "payload") if isinstance(obj, dict) and "payload" in obj else b""
    return ReadLine(obj, payload_json, line.rstrip(b"\n") == whole)


def _read_listed(line: bytes) -> ReadLine | None:
    """``read_line``'s fast path for a credential list, or None to take the JSON parser."""
    head = line[:200]
    if b'"kind":"credentials_published"' not in head:
        return None
    start = line.find(_LIST_KEY)
    if start < 0:
        return None
    position = first = start + len(_LIST_KEY)
    count = 0
    match = _ENTRY.match
    while True:
        found = match(line, position)
        if found is None:
            return None
        count += 1
        position = found.end()
        following = line[position:position + 1]
        if following == b"]":
            break
        if following != b",":
            return None
        position += 1
    end = len(line) - 1 if line.endswith(b"\n") else len(line)
    rest = line[:first] + line[position:end]
    try:
        obj = read_json(rest)
    except InvalidEncoding:
        return None
    if not isinstance(obj, dict) or canonical(obj) != rest or obj.get("kind") != _LIST_KIND:
        return None
    payload = obj.get("payload")
    if not isinstance(payload, dict) or payload.get("credentials") != []:
        return None
    # The list emptied must be the payload's own: the line up to it is the canonical JSON of the
    # members before the payload and of the payload's members before "credentials".
    before = b"".join(canonical(k) + b":" + canonical(obj[k]) + b"," for k in sorted(obj) if k < "payload")
    inside = b"".join(canonical(k) + b":" + canonical(payload[k]) + b"," for k in sorted(payload)
                      if k < "credentials")
    if rest[:first] != b"{" + before + b'"payload":{' + inside + _LIST_KEY:
        return None
    after = b"".join(b"," + canonical(k) + b":" + canonical(obj[k]) for k in sorted(obj) if k > "payload") + b"}"
    payload_json = line[len(before) + len(b'{"payload":'):end - len(after)]
    obj["payload"] = {**payload, "credentials": ListedEntries(line, first, position, count)}
    return ReadLine(obj, payload_json, True)


def signed_json(kind: str, payload: Mapping[str, Any], payload_json: bytes) -> bytes:
    """The bytes a signer of this payload signed (``vybory.model.signing.signed_message``), cut out
    of ``payload_json`` = ``canonical(payload)`` when ``at`` and ``signed`` are its first and last
    members, else written again."""
    keys = sorted(payload)
    if keys and keys[0] == "at" and keys[-1] == "signed" and len(keys) > 2:
        prefix = b'{"at":' + canonical(payload["at"]) + b","
        suffix = b',"signed":' + canonical(payload["signed"]) + b"}"
        if payload_json.startswith(prefix) and payload_json.endswith(suffix) \
                and len(payload_json) > len(prefix) + len(suffix):
            body = payload_json[len(prefix):len(payload_json) - len(suffix)]
            return b'{"kind":' + canonical(str(kind)) + b',"payload":{' + body + b"}}"
    body_obj = {k: v for k, v in payload.items() if k not in ("at", "signed")}
    return canonical({"kind": str(kind), "payload": _plain(body_obj)})


def _plain(value: Any) -> Any:
    if isinstance(value, ListedEntries):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


__all__ = ["ListedEntries", "ReadLine", "canonical", "event_hash", "member_json", "read_event",
           "read_json", "read_line", "signed_json"]
