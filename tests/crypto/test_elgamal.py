"""Exponential ElGamal: round trips, homomorphism, weights, re-randomisation, decoding, dlog."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.crypto import elgamal
from vybory.crypto.elgamal import Ciphertext, decrypt, decrypt_to_point, dlog, encrypt, rerandomise
from vybory.crypto.group import GENERATOR, IDENTITY, ORDER, Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidEncoding, InvalidInput

SECRET = Scalar.from_int(0x1234567890ABCDEF)
PK = Point.base_mul(SECRET)
nonzero = st.integers(min_value=1, max_value=ORDER - 1).map(Scalar.from_int)
small = st.integers(min_value=0, max_value=10_000)


@settings(max_examples=30, deadline=None)
@given(small, nonzero)
def test_encrypt_decrypt_round_trip(m: int, r: Scalar) -> None:
    c = encrypt(PK, m, r)
    assert c.alpha == Point.base_mul(r)
    assert c.beta == PK * r + Point.base_mul(Scalar.from_int(m))
    assert decrypt(SECRET, c, 10_000) == m
    assert Ciphertext.from_bytes(c.to_bytes(), "c") == c
    assert Ciphertext.from_json(c.to_json(), "c") == c


@settings(max_examples=20, deadline=None)
@given(small, small, nonzero, nonzero, st.integers(min_value=0, max_value=50))
def test_homomorphism_and_weights(m1: int, m2: int, r1: Scalar, r2: Scalar, w: int) -> None:
    c1, c2 = encrypt(PK, m1, r1), encrypt(PK, m2, r2)
    total = c1 + c2
    assert total == encrypt(PK, m1 + m2, r1 + r2)
    assert decrypt(SECRET, total, 20_000) == m1 + m2
    assert decrypt(SECRET, c1.scale(w), 10_000 * 50) == w * m1
    assert c1 + Ciphertext.zero() == c1


@settings(max_examples=15, deadline=None)
@given(small, nonzero, nonzero)
def test_rerandomise_keeps_the_plaintext(m: int, r: Scalar, s: Scalar) -> None:
    c = encrypt(PK, m, r)
    c2 = rerandomise(PK, c, s)
    assert c2 != c and c2 == encrypt(PK, m, r + s)
    assert decrypt(SECRET, c2, 10_000) == m


def test_message_must_be_in_range() -> None:
    with pytest.raises(InvalidInput):
        encrypt(PK, -1, Scalar.from_int(1))
    with pytest.raises(InvalidInput):
        encrypt(PK, ORDER, Scalar.from_int(1))
    with pytest.raises(InvalidInput):
        Ciphertext.zero().scale(1.5)  # type: ignore[arg-type]


def test_large_messages_use_the_base_multiplication() -> None:
    c = encrypt(PK, 10**9, Scalar.from_int(99))
    assert decrypt_to_point(SECRET, c) == Point.base_mul(Scalar.from_int(10**9))


def test_ciphertext_decoding_names_the_component() -> None:
    c = encrypt(PK, 1, Scalar.from_int(5))
    data = c.to_bytes()
    with pytest.raises(InvalidEncoding, match="expected 64 bytes") as caught:
        Ciphertext.from_bytes(data[:63], "ballot.selections[0]")
    assert caught.value.field == "ballot.selections[0]"
    with pytest.raises(InvalidEncoding) as caught:
        Ciphertext.from_bytes(data[:32] + b"\xff" * 32, "ct")
    assert caught.value.field == "ct.beta"
    with pytest.raises(InvalidEncoding, match="identity") as caught:
        Ciphertext.from_bytes(bytes(32) + data[32:], "ct")
    assert caught.value.field == "ct.alpha"
    assert Ciphertext.from_bytes(bytes(64), "tally", allow_identity=True) == Ciphertext.zero()
    for bad in ({"alpha": c.alpha.to_hex()}, {"alpha": 1, "beta": 2}, [1, 2], {**c.to_json(), "x": "00"}):
        with pytest.raises(InvalidEncoding):
            Ciphertext.from_json(bad, "ct")


def test_dlog_small_and_bounds() -> None:
    for m in (0, 1, 2, 63, 64, 65, 999, 1000):
        assert dlog(Point.base_mul(Scalar.from_int(m)), 1000) == m
    with pytest.raises(InvalidInput, match="out of bounds") as caught:
        dlog(Point.base_mul(Scalar.from_int(1001)), 1000)
    assert caught.value.code == "dlog_not_found"
    with pytest.raises(InvalidInput):
        dlog(GENERATOR, -1)
    assert dlog(IDENTITY, 0) == 0


def test_dlog_large_bound_with_a_capped_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # A small table cap forces many giant steps: memory stays bounded, answers stay right.
    monkeypatch.setattr(elgamal, "MAX_TABLE", 64)
    elgamal._baby_steps.cache_clear()
    bound = 10**11
    assert elgamal.table_size(bound) == 64
    rng = DeterministicRng(b"dlog")
    for m in (0, 63, 64, 4095, 50_000, int.from_bytes(rng(2), "big")):
        assert dlog(Point.base_mul(Scalar.from_int(m)), bound) == m
    elgamal._baby_steps.cache_clear()


def test_dlog_memory_is_bounded_for_1e11() -> None:
    # √(10^11) > MAX_TABLE: the table stays at MAX_TABLE entries, the giant steps grow instead.
    assert elgamal.table_size(10**11) == elgamal.MAX_TABLE
    assert elgamal.table_size(10**6) == 1001
    assert elgamal.table_size(0) == 1
