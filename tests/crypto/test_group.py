"""Scalars and points on ristretto255: RFC 9496 vectors, decoding rules, arithmetic."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.crypto import _sodium
from vybory.crypto.encoding import from_hex, lp
from vybory.crypto.group import (
    GENERATOR,
    IDENTITY,
    ORDER,
    Point,
    Scalar,
    hash_to_point,
    hash_to_scalar,
    multiscalar_mul,
)
from vybory.crypto.rng import DeterministicRng
from vybory.crypto.transcript import Transcript
from vybory.errors import InvalidEncoding, InvalidInput

RFC = json.loads((Path(__file__).parents[1] / "vectors" / "ristretto255.json").read_text())
scalars = st.integers(min_value=0, max_value=ORDER - 1).map(Scalar.from_int)


def test_order_is_the_ristretto255_group_order() -> None:
    assert ORDER == 7237005577332262213973186563042994240857116359379907606001950938285454250989
    assert (GENERATOR * Scalar.from_int(ORDER - 1)) + GENERATOR == IDENTITY


@pytest.mark.parametrize("k", range(16))
def test_rfc9496_multiples_of_the_generator(k: int) -> None:
    expected = RFC["generator_multiples"]["encodings"][k]
    assert Point.base_mul(Scalar.from_int(k)).to_hex() == expected
    assert (GENERATOR * Scalar.from_int(k)).to_hex() == expected
    if k:
        assert Point.from_hex(expected, "p").to_hex() == expected
    else:
        assert Point.from_hex(expected, "p", allow_identity=True) == IDENTITY


INVALID = [(group, h) for group, items in RFC["invalid_encodings"]["groups"].items() for h in items]


@pytest.mark.parametrize(("group", "encoding"), INVALID)
def test_rfc9496_invalid_encodings_are_refused_naming_the_field(group: str, encoding: str) -> None:
    with pytest.raises(InvalidEncoding) as caught:
        Point.from_hex(encoding, "ballot.alpha", allow_identity=True)
    assert caught.value.field == "ballot.alpha"
    assert "canonical" in caught.value.message


@pytest.mark.parametrize("case", RFC["from_uniform_bytes"]["cases"])
def test_rfc9496_element_derivation(case: dict[str, str]) -> None:
    assert _sodium.from_hash(bytes.fromhex(case["input"])).hex() == case["output"]


def test_point_decoding_refuses_wrong_length_garbage_and_identity() -> None:
    five = Point.base_mul(Scalar.from_int(5)).to_bytes()
    for bad in (b"", five[:31], five + b"\x00"):
        with pytest.raises(InvalidEncoding, match="expected 32 bytes") as caught:
            Point.from_bytes(bad, "key")
        assert caught.value.field == "key"
    with pytest.raises(InvalidEncoding, match="identity"):
        Point.from_bytes(bytes(32), "public_key")
    assert Point.from_bytes(bytes(32), "tally", allow_identity=True).is_identity()
    with pytest.raises(InvalidEncoding, match="expected bytes"):
        Point.from_bytes("not bytes", "key")  # type: ignore[arg-type]
    # A top bit set makes any encoding non-canonical.
    with pytest.raises(InvalidEncoding):
        Point.from_bytes(five[:31] + bytes([five[31] | 0x80]), "key")
    with pytest.raises(InvalidEncoding):
        Point(b"\xff" * 32)


def test_point_hex_must_be_lowercase_and_exact() -> None:
    five = Point.base_mul(Scalar.from_int(5)).to_hex()
    for bad in (five.upper(), five[:-2], five + "00", "0x" + five[2:], five[:-1] + "g", 5):
        with pytest.raises(InvalidEncoding) as caught:
            Point.from_hex(bad, "credential")  # type: ignore[arg-type]
        assert caught.value.field == "credential"


def test_scalar_decoding_refuses_non_canonical_and_wrong_length() -> None:
    with pytest.raises(InvalidEncoding, match="non-canonical") as caught:
        Scalar.from_canonical(ORDER.to_bytes(32, "little"), "proof.response")
    assert caught.value.field == "proof.response"
    with pytest.raises(InvalidEncoding, match="non-canonical"):
        Scalar.from_canonical(b"\xff" * 32, "s")
    with pytest.raises(InvalidEncoding, match="expected 32 bytes"):
        Scalar.from_canonical(b"\x01" * 31, "s")
    assert Scalar.from_canonical((ORDER - 1).to_bytes(32, "little"), "s").value == ORDER - 1
    with pytest.raises(InvalidEncoding):
        Scalar.from_hex("zz" * 32, "s")
    with pytest.raises(InvalidEncoding):
        Scalar(ORDER)
    with pytest.raises(InvalidEncoding):
        Scalar(-1)


def test_scalar_from_int_from_wide_and_random() -> None:
    assert Scalar.from_int(-1).value == ORDER - 1
    assert Scalar.from_int(ORDER + 5).value == 5
    wide = bytes(range(64))
    assert Scalar.from_wide(wide).value == int.from_bytes(wide, "little") % ORDER
    with pytest.raises(InvalidEncoding):
        Scalar.from_wide(bytes(32))
    with pytest.raises(InvalidInput):
        Scalar.from_int(1.5)  # type: ignore[arg-type]
    a, b = DeterministicRng(b"x"), DeterministicRng(b"x")
    assert Scalar.random(a) == Scalar.random(b)
    assert Scalar.random() != Scalar.random()
    # A zero draw is redrawn: the next 64 bytes are used.
    draws = iter([bytes(64), ORDER.to_bytes(64, "little"), (7).to_bytes(64, "little")])
    assert Scalar.random(lambda n: next(draws)).value == 7
    with pytest.raises(InvalidInput):
        Scalar.random(lambda n: b"short")


def test_scalar_repr_hides_the_value() -> None:
    assert "1234" not in repr(Scalar.from_int(1234)) and "hidden" in repr(Scalar.from_int(1234))


@settings(max_examples=40, deadline=None)
@given(scalars, scalars)
def test_scalar_arithmetic_matches_integers_mod_order(a: Scalar, b: Scalar) -> None:
    assert (a + b).value == (a.value + b.value) % ORDER
    assert (a - b).value == (a.value - b.value) % ORDER
    assert (a * b).value == a.value * b.value % ORDER
    assert (-a + a).is_zero()
    assert Scalar.from_canonical(a.to_bytes(), "s") == a
    assert Scalar.from_hex(a.to_hex(), "s") == a
    assert int(a) == a.value
    if not a.is_zero():
        assert (a * a.inverse()).value == 1


def test_inverse_of_zero_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Scalar.from_int(0).inverse()


@settings(max_examples=25, deadline=None)
@given(scalars, scalars)
def test_point_arithmetic_is_a_homomorphism_of_scalars(a: Scalar, b: Scalar) -> None:
    pa, pb = Point.base_mul(a), Point.base_mul(b)
    assert pa + pb == Point.base_mul(a + b)
    assert pa - pb == Point.base_mul(a - b)
    assert -pa == Point.base_mul(-a)
    assert pa * b == Point.base_mul(a * b) == b * pa
    assert Point.from_bytes(pa.to_bytes(), "p", allow_identity=True) == pa
    assert Point.from_hex(pa.to_hex(), "p", allow_identity=True) == pa
    assert hash(pa) == hash(Point.from_bytes(pa.to_bytes(), "p", allow_identity=True))


def test_identity_results_are_handled() -> None:
    zero = Scalar.from_int(0)
    assert Point.base_mul(zero) == IDENTITY
    assert GENERATOR * zero == IDENTITY
    assert IDENTITY * Scalar.from_int(5) == IDENTITY
    assert GENERATOR - GENERATOR == IDENTITY
    assert IDENTITY + GENERATOR == GENERATOR


def test_multiscalar_mul() -> None:
    s = [Scalar.from_int(i) for i in (3, 5, 0)]
    p = [Point.base_mul(Scalar.from_int(i)) for i in (7, 11, 13)]
    assert multiscalar_mul(s, p) == Point.base_mul(Scalar.from_int(3 * 7 + 5 * 11))
    assert multiscalar_mul([], []) == IDENTITY
    with pytest.raises(InvalidInput):
        multiscalar_mul(s, p[:2])


def test_hash_to_scalar_layout() -> None:
    parts = (b"VYBORY-V1-SOMETHING", b"", b"abc")
    expected = int.from_bytes(hashlib.sha512(b"".join(lp(p) for p in parts)).digest(), "little") % ORDER
    assert hash_to_scalar(*parts).value == expected
    # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    assert hash_to_scalar(b"ab", b"c") != hash_to_scalar(b"a", b"bc")


def test_hash_to_point_is_the_generator_transcript_mapped_by_rfc9496() -> None:
    h = hash_to_point(b"pedersen/h")
    digest = Transcript("VYBORY-V1-GENERATOR", b"").append("label", b"pedersen/h").digest()
    assert h.to_bytes() == _sodium.from_hash(digest)
    assert h != hash_to_point(b"pedersen/h2") and not h.is_identity() and h != GENERATOR


def test_points_are_immutable() -> None:
    with pytest.raises(AttributeError):
        GENERATOR.encoding = bytes(32)  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.binary(max_size=6).map(bytes.hex),
                 st.binary(max_size=6).map(lambda b: b.hex().upper()), st.binary(max_size=6).map(lambda b: b.hex() + " ")))
def test_hex_decoding_accepts_exactly_lowercase_pairs(text: str) -> None:
    canonical = re.fullmatch(r"(?:[0-9a-f]{2})*", text) is not None
    try:
        data = from_hex(text, "field")
    except InvalidEncoding as error:
        assert not canonical
        assert error.field == "field"
        assert "lowercase hexadecimal" in error.message
    else:
        assert canonical
        assert data.hex() == text
