"""Canonical JSON and the hash-chained board."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from vybory.errors import InvalidEncoding, InvalidInput
from vybory.model.board import (
    GENESIS_HASH,
    Event,
    EventKind,
    check_chain,
    compute_event_hash,
    next_event,
)
from vybory.model.canonical import canonical_json, length_prefixed, parse_json


def test_canonical_json_sorts_keys_and_has_no_spaces():
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    assert canonical_json({"a": {"z": 1, "y": 2}}) == b'{"a":{"y":2,"z":1}}'


@pytest.mark.parametrize("value", [1.5, float("nan"), b"raw", {1: "x"}, 2**60, {"a": {1, 2}}])
def test_canonical_json_refuses_what_json_cannot_carry_exactly(value):
    with pytest.raises(InvalidEncoding):
        canonical_json({"a": value})


def test_parse_json_refuses_floats_duplicates_and_garbage():
    assert parse_json(b'{"a":[1,2]}') == {"a": [1, 2]}
    for bad in (b'{"a":1.0}', b'{"a":1,"a":2}', b"{", b"\xff", b'{"a":NaN}'):
        with pytest.raises(InvalidEncoding):
            parse_json(bad)


def test_event_hash_is_the_documented_formula():
    payload = {"x": 1}
    expected = hashlib.sha256(length_prefixed(
        b"VYBORY-V1-EVENT", (1).to_bytes(8, "big"), b"election_defined", b'{"x":1}', GENESIS_HASH)).digest()
    assert compute_event_hash(1, EventKind.ELECTION_DEFINED, payload, GENESIS_HASH) == expected
    first = next_event(None, "election_defined", payload)
    assert first.position == 1 and first.previous_hash == GENESIS_HASH and first.hash == expected


def _chain(n=4):
    events = [next_event(None, EventKind.ELECTION_DEFINED, {"n": 0})]
    for i in range(1, n):
        events.append(next_event(events[-1], EventKind.BALLOT_CAST, {"n": i}))
    return events


def test_check_chain_accepts_an_intact_board_and_returns_its_head():
    events = _chain()
    assert check_chain(events) == events[-1].hash
    assert check_chain([]) == GENESIS_HASH
    assert [Event.from_json(e.to_json()) for e in events] == events


@pytest.mark.parametrize("tamper, code", [
    (lambda es: es.__setitem__(2, replace(es[2], payload={"n": 99})), "board_hash"),
    (lambda es: es.__setitem__(2, replace(es[2], kind=EventKind.ROUND_CLOSED)), "board_hash"),
    (lambda es: es.__setitem__(2, replace(es[2], previous_hash=bytes(32))), "board_link"),
    (lambda es: es.__setitem__(2, replace(es[2], position=7)), "board_order"),
    (lambda es: es.__delitem__(1), "board_order"),
    (lambda es: es.insert(2, es[1]), "board_order"),
    (lambda es: es.reverse(), "board_order"),
])
def test_check_chain_names_the_first_broken_event(tamper, code):
    events = _chain()
    tamper(events)
    with pytest.raises(InvalidEncoding) as info:
        check_chain(events)
    assert info.value.code == code and info.value.field.startswith("event ")


def test_the_first_event_defines_the_election_and_only_it():
    with pytest.raises(InvalidEncoding) as info:
        check_chain([next_event(None, EventKind.BALLOT_CAST, {})])
    assert info.value.code == "board_genesis"
    events = _chain(2)
    events.append(next_event(events[-1], EventKind.ELECTION_DEFINED, {}))
    with pytest.raises(InvalidEncoding):
        check_chain(events)


@pytest.mark.parametrize("mutate", [
    lambda o: o.pop("hash"),
    lambda o: o.update(extra=1),
    lambda o: o.update(position=0),
    lambda o: o.update(position="1"),
    lambda o: o.update(kind="ballot_stuffed"),
    lambda o: o.update(payload=[]),
    lambda o: o.update(payload={"a": 0.5}),
    lambda o: o.update(hash="00"),
    lambda o: o.update(hash="Z" * 64),
    lambda o: o.update(previous_hash=o["previous_hash"].upper().replace("0", "A")),
])
def test_event_from_json_refuses_each_malformed_field(mutate):
    obj = _chain(2)[1].to_json()
    mutate(obj)
    with pytest.raises(InvalidEncoding):
        Event.from_json(obj)


def test_event_from_json_refuses_garbage():
    for garbage in (None, [], "event", 3):
        with pytest.raises(InvalidEncoding):
            Event.from_json(garbage)
    with pytest.raises(InvalidInput):
        compute_event_hash(-1, EventKind.BALLOT_CAST, {}, GENESIS_HASH)
