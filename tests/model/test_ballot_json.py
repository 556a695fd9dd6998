"""Ballots: JSON in and out, every field decoded canonically, every tampered field refused."""

from __future__ import annotations

import copy
import json

import pytest
from electionkit import COMMITTEE as BASE

from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidBallot, InvalidEncoding, InvalidProof
from vybory.model.ballot import Ballot, tracking_code
from vybory.model.canonical import canonical_json
from vybory.model.definition import fingerprint, parse_definition
from vybory.model.layout import compute_layout
from vybory.protocol.encrypt import BallotForm, encrypt_ballot
from vybory.verify.ballot import check_ballot

SECRET = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"


@pytest.fixture(scope="module")
def setup():
    text = BASE.replace('method = "majority"', 'method = "approval"\nmax_marks = 2')
    definition = parse_definition(text)
    layout = compute_layout(definition.contests[0], ["Ann", "Bob", "Cy"])
    x = Scalar.random(DeterministicRng(b"key"))
    form = BallotForm(fingerprint(definition), 1, Point.base_mul(x), "plant", (layout,), definition)
    ballot, _ = encrypt_ballot(form, SECRET, {"chair": ["Ann", "Cy"]}, DeterministicRng(b"ballot"))
    return form, ballot


def check(form, ballot):
    check_ballot(ballot, fingerprint=form.fingerprint, public_key=form.public_key, round=form.round,
                 layouts=form.layouts)


def test_round_trip_and_tracking_code(setup):
    form, ballot = setup
    check(form, ballot)
    obj = json.loads(json.dumps(ballot.to_json()))
    again = Ballot.from_json(obj)
    assert again == ballot
    assert tracking_code(again) == tracking_code(ballot)
    import hashlib
    assert tracking_code(ballot) == hashlib.sha256(canonical_json(ballot.to_json())).hexdigest()


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    else:
        yield path, obj


def _set(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _tampered(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if len(value) == 64:
        # Another valid-looking value: a different canonical scalar/point/hash.
        return Point.base_mul(Scalar.from_int(int(value[:8], 16) + 7)).to_hex()
    return value + "x"


def test_every_field_tampered_is_refused(setup):
    form, ballot = setup
    original = ballot.to_json()
    leaves = list(_leaves(original))
    assert len(leaves) > 40
    for path, value in leaves:
        obj = copy.deepcopy(original)
        _set(obj, path, _tampered(value))
        with pytest.raises((InvalidEncoding, InvalidBallot, InvalidProof)):
            check(form, Ballot.from_json(obj))


@pytest.mark.parametrize("path, value", [
    (("election",), "00" * 31),
    (("election",), "AB" * 32),
    (("round",), 0),
    (("round",), "1"),
    (("round",), True),
    (("credential",), "00" * 32),  # the identity
    (("credential",), "ff" * 32),  # not a canonical encoding
    (("contests",), []),
    (("contests", 0, "selections"), []),
    (("contests", 0, "selections", 0, "ciphertext", "alpha"), "00" * 32),
    (("contests", 0, "selections", 0, "proof", "responses", 0), "ff" * 32),  # scalar >= l
    (("contests", 0, "selections", 0, "proof", "challenges"), []),
    (("contests", 0, "range_proofs", 0), "proof"),
    (("signature", "response"), "ed" * 32),
    (("format",), "helios"),
    (("version",), 2),
])
def test_malformed_fields_are_refused_when_decoded(setup, path, value):
    obj = copy.deepcopy(setup[1].to_json())
    _set(obj, path, value)
    with pytest.raises(InvalidEncoding) as info:
        Ballot.from_json(obj)
    assert info.value.field.startswith("ballot")


def test_missing_extra_and_repeated_parts_are_refused(setup):
    original = setup[1].to_json()
    for mutate in (lambda o: o.pop("signature"), lambda o: o.update(extra=1),
                   lambda o: o["contests"].append(copy.deepcopy(o["contests"][0])),
                   lambda o: o["contests"][0].pop("range_proofs"),
                   lambda o: o["contests"][0]["selections"][0].update(weight=2)):
        obj = copy.deepcopy(original)
        mutate(obj)
        with pytest.raises(InvalidEncoding):
            Ballot.from_json(obj)
    for garbage in (None, 1, "x", [], {}):
        with pytest.raises(InvalidEncoding):
            Ballot.from_json(garbage)


def test_a_ballot_with_a_selection_dropped_or_swapped(setup):
    form, ballot = setup
    obj = copy.deepcopy(ballot.to_json())
    obj["contests"][0]["selections"].pop()
    with pytest.raises(InvalidBallot) as info:
        check(form, Ballot.from_json(obj))
    assert info.value.code == "wrong_selection_count"
    obj = copy.deepcopy(ballot.to_json())
    sel = obj["contests"][0]["selections"]
    sel[0], sel[1] = sel[1], sel[0]
    with pytest.raises(InvalidProof):  # the signature covers the order
        check(form, Ballot.from_json(obj))
