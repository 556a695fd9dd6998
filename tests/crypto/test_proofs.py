"""Every proof: it verifies; any change to any field or to the statement makes it fail;
its encodings round-trip and refuse malformed input naming the field."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.crypto.elgamal import Ciphertext, encrypt
from vybory.crypto.group import GENERATOR, ORDER, Point, Scalar, hash_to_point
from vybory.crypto.proofs import (
    MAX_RANGE_WIDTH,
    EqualLogsProof,
    RangeProof,
    SchnorrProof,
    ShareProof,
    Signature,
    ZeroOneProof,
    prove_equal_logs,
    prove_knowledge,
    prove_range,
    prove_share,
    prove_zero_one,
    sign,
    verify_equal_logs,
    verify_knowledge,
    verify_range,
    verify_share,
    verify_signature,
    verify_zero_one,
)
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidEncoding, InvalidInput, InvalidProof

from .helpers import tamper

FP = b"\x01" * 32
OTHER_FP = b"\x02" * 32
SK = Scalar.from_int(0xC0FFEE)
PK = Point.base_mul(SK)
CRED_SECRET = Scalar.from_int(0xBEEF)
CRED = Point.base_mul(CRED_SECRET)
OTHER = Point.base_mul(Scalar.from_int(0xDEAD))


def moved(ct: Ciphertext, component: str) -> Ciphertext:
    return dataclasses.replace(ct, **{component: getattr(ct, component) + GENERATOR})


def assert_every_field_matters(proof: object, verify) -> None:  # type: ignore[no-untyped-def]
    changed = list(tamper(proof))
    assert changed, "the proof has fields to tamper with"
    for path, bad in changed:
        with pytest.raises(InvalidProof):
            verify(bad)
            pytest.fail(f"tampered field {path} still verifies")


# Schnorr proof of knowledge --------------------------------------------------------


def test_knowledge(rng: DeterministicRng) -> None:
    proof = prove_knowledge(FP, SK, PK, purpose="trustee key", rng=rng)
    verify_knowledge(FP, PK, proof, purpose="trustee key")
    assert_every_field_matters(proof, lambda p: verify_knowledge(FP, PK, p, purpose="trustee key"))
    for fp, public, purpose in ((OTHER_FP, PK, "trustee key"), (FP, OTHER, "trustee key"), (FP, PK, "other")):
        with pytest.raises(InvalidProof):
            verify_knowledge(fp, public, proof, purpose=purpose)
    assert SchnorrProof.from_bytes(proof.to_bytes(), "p") == proof
    assert SchnorrProof.from_json(proof.to_json(), "p") == proof
    assert len(proof.to_bytes()) == 64
    with pytest.raises(InvalidInput):
        prove_knowledge(FP, SK + SK, PK, purpose="x", rng=rng)


def test_schnorr_encodings_refuse_malformed_input(rng: DeterministicRng) -> None:
    data = prove_knowledge(FP, SK, PK, purpose="k", rng=rng).to_bytes()
    cases = {
        data[:63]: "key.proof",
        data + b"\x00": "key.proof",
        b"\xff" * 32 + data[32:]: "key.proof.commitment",
        data[:32] + ORDER.to_bytes(32, "little"): "key.proof.response",
    }
    for bad, field in cases.items():
        with pytest.raises(InvalidEncoding) as caught:
            SchnorrProof.from_bytes(bad, "key.proof")
        assert caught.value.field == field
    for bad_json in ({}, {"commitment": data[:32].hex()}, {"commitment": data[:32].hex(), "response": "zz"}, "x"):
        with pytest.raises(InvalidEncoding):
            SchnorrProof.from_json(bad_json, "p")


# Schnorr signature --------------------------------------------------------------------


def test_signature(rng: DeterministicRng) -> None:
    sig = sign(FP, CRED_SECRET, b"ballot bytes", rng=rng)
    verify_signature(FP, CRED, b"ballot bytes", sig)
    assert_every_field_matters(sig, lambda s: verify_signature(FP, CRED, b"ballot bytes", s))
    for fp, cred, msg in ((OTHER_FP, CRED, b"ballot bytes"), (FP, OTHER, b"ballot bytes"), (FP, CRED, b"ballot bytez")):
        with pytest.raises(InvalidProof):
            verify_signature(fp, cred, msg, sig)
    assert Signature.from_bytes(sig.to_bytes(), "s") == sig
    assert Signature.from_json(sig.to_json(), "s") == sig
    # A proof of knowledge is not a signature: different domain tags.
    proof = prove_knowledge(FP, CRED_SECRET, CRED, purpose="ballot bytes", rng=rng)
    with pytest.raises(InvalidProof):
        verify_signature(FP, CRED, b"ballot bytes", Signature(proof.commitment, proof.response))


# Chaum–Pedersen -------------------------------------------------------------------------


def test_equal_logs(rng: DeterministicRng) -> None:
    h = hash_to_point(b"test/h")
    x = Scalar.from_int(77)
    statement = (GENERATOR, Point.base_mul(x), h, h * x)
    proof = prove_equal_logs(FP, x, *statement, purpose="test", rng=rng)
    verify_equal_logs(FP, *statement, proof, purpose="test")
    assert_every_field_matters(proof, lambda p: verify_equal_logs(FP, *statement, p, purpose="test"))
    for i in range(4):
        changed = list(statement)
        changed[i] = changed[i] + GENERATOR
        with pytest.raises(InvalidProof):
            verify_equal_logs(FP, *changed, proof, purpose="test")
    with pytest.raises(InvalidProof):
        verify_equal_logs(OTHER_FP, *statement, proof, purpose="test")
    with pytest.raises(InvalidProof):
        verify_equal_logs(FP, *statement, proof, purpose="other")
    assert EqualLogsProof.from_bytes(proof.to_bytes(), "p") == proof
    assert EqualLogsProof.from_json(proof.to_json(), "p") == proof
    with pytest.raises(InvalidEncoding):
        EqualLogsProof.from_bytes(proof.to_bytes()[:95], "p")
    with pytest.raises(InvalidInput):
        prove_equal_logs(FP, x, GENERATOR, Point.base_mul(x), h, h, purpose="test", rng=rng)


# 0/1 proofs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("message", [0, 1])
def test_zero_one(message: int, rng: DeterministicRng) -> None:
    r = Scalar.random(rng)
    ct = encrypt(PK, message, r)
    proof = prove_zero_one(FP, CRED, PK, ct, message, r, rng=rng)
    verify_zero_one(FP, CRED, PK, ct, proof)
    assert_every_field_matters(proof, lambda p: verify_zero_one(FP, CRED, PK, ct, p))
    statements = [
        (OTHER_FP, CRED, PK, ct),          # another election
        (FP, OTHER, PK, ct),               # another voter's credential
        (FP, CRED, OTHER, ct),             # another public key
        (FP, CRED, PK, moved(ct, "alpha")),
        (FP, CRED, PK, moved(ct, "beta")),
    ]
    for statement in statements:
        with pytest.raises(InvalidProof):
            verify_zero_one(*statement, proof)
    # Swapping the two branches is caught too.
    swapped = ZeroOneProof(proof.commitments[::-1], proof.challenges[::-1], proof.responses[::-1])
    with pytest.raises(InvalidProof):
        verify_zero_one(FP, CRED, PK, ct, swapped)
    # A 0/1 proof is not a range proof over [0, 1]: the domain tags differ.
    with pytest.raises(InvalidProof):
        verify_range(FP, CRED, PK, ct, 0, 1, RangeProof(proof.commitments, proof.challenges, proof.responses))
    assert ZeroOneProof.from_bytes(proof.to_bytes(), "p") == proof
    assert ZeroOneProof.from_json(proof.to_json(), "p") == proof
    assert len(proof.to_bytes()) == 256


def test_zero_one_cannot_prove_two(rng: DeterministicRng) -> None:
    r = Scalar.random(rng)
    ct = encrypt(PK, 2, r)
    with pytest.raises(InvalidInput):
        prove_zero_one(FP, CRED, PK, ct, 2, r, rng=rng)
    for claimed in (0, 1):
        lie = prove_zero_one(FP, CRED, PK, ct, claimed, r, rng=rng)
        with pytest.raises(InvalidProof):
            verify_zero_one(FP, CRED, PK, ct, lie)


def test_zero_one_encodings_refuse_malformed_input(rng: DeterministicRng) -> None:
    r = Scalar.random(rng)
    ct = encrypt(PK, 1, r)
    data = prove_zero_one(FP, CRED, PK, ct, 1, r, rng=rng).to_bytes()
    with pytest.raises(InvalidEncoding, match="multiple of 128"):
        ZeroOneProof.from_bytes(data[:-1], "p")
    with pytest.raises(InvalidEncoding, match="multiple of 128"):
        ZeroOneProof.from_bytes(b"", "p")
    with pytest.raises(InvalidEncoding) as caught:
        ZeroOneProof.from_bytes(data[:64] + ORDER.to_bytes(32, "little") + data[96:], "p")
    assert caught.value.field == "p.challenges[0]"
    with pytest.raises(InvalidEncoding) as caught:
        ZeroOneProof.from_bytes(data[:128 + 32] + b"\xff" * 32 + data[192:], "p")
    assert caught.value.field == "p.commitments[1][1]"
    with pytest.raises(InvalidProof, match="expected 2 branches"):
        verify_zero_one(FP, CRED, PK, ct, ZeroOneProof.from_bytes(data[:128], "p"))
    good = ZeroOneProof.from_bytes(data, "p").to_json()
    for key in ("challenges", "responses"):
        with pytest.raises(InvalidEncoding):
            ZeroOneProof.from_json({**good, key: good[key][:1]}, "p")
    with pytest.raises(InvalidEncoding):
        ZeroOneProof.from_json({**good, "commitments": [[good["commitments"][0][0]]] * 2}, "p")


# Range proofs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "message"), [(0, 3, 0), (0, 3, 3), (1, 5, 2), (2, 2, 2), (10, 12, 11)])
def test_range(low: int, high: int, message: int, rng: DeterministicRng) -> None:
    r = Scalar.random(rng)
    ct = encrypt(PK, message, r)
    proof = prove_range(FP, CRED, PK, ct, message, r, low, high, rng=rng)
    verify_range(FP, CRED, PK, ct, low, high, proof)
    assert len(proof.commitments) == high - low + 1
    assert_every_field_matters(proof, lambda p: verify_range(FP, CRED, PK, ct, low, high, p))
    statements = [
        (OTHER_FP, CRED, PK, ct, low, high),
        (FP, OTHER, PK, ct, low, high),
        (FP, CRED, OTHER, ct, low, high),
        (FP, CRED, PK, moved(ct, "alpha"), low, high),
        (FP, CRED, PK, moved(ct, "beta"), low, high),
        (FP, CRED, PK, ct, low + 1, high + 1),  # same width, other bounds
        (FP, CRED, PK, ct, low, high + 1),
    ]
    for statement in statements:
        with pytest.raises(InvalidProof):
            verify_range(*statement, proof)
    assert RangeProof.from_bytes(proof.to_bytes(), "p") == proof
    assert RangeProof.from_json(proof.to_json(), "p") == proof


def test_range_refuses_out_of_range_messages_and_bad_bounds(rng: DeterministicRng) -> None:
    r = Scalar.random(rng)
    ct = encrypt(PK, 4, r)
    with pytest.raises(InvalidInput):
        prove_range(FP, CRED, PK, ct, 4, r, 0, 3, rng=rng)
    lie = prove_range(FP, CRED, PK, ct, 3, r, 0, 3, rng=rng)
    with pytest.raises(InvalidProof):
        verify_range(FP, CRED, PK, ct, 0, 3, lie)
    for low, high in ((3, 2), (-1, 2), (0, MAX_RANGE_WIDTH), (0, 2**64)):
        with pytest.raises(InvalidInput):
            prove_range(FP, CRED, PK, ct, 1, r, low, high, rng=rng)
        with pytest.raises(InvalidInput):
            verify_range(FP, CRED, PK, ct, low, high, lie)
    big = RangeProof.from_bytes(lie.to_bytes() * (MAX_RANGE_WIDTH // 4), "p")
    assert len(big.commitments) == MAX_RANGE_WIDTH
    with pytest.raises(InvalidEncoding):
        RangeProof.from_bytes(lie.to_bytes() * (MAX_RANGE_WIDTH // 4 + 1), "p")


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=6), st.data())
def test_range_property(low: int, width: int, data: st.DataObject) -> None:
    rng = DeterministicRng(f"{low}/{width}")
    message = data.draw(st.integers(min_value=low, max_value=low + width))
    r = Scalar.random(rng)
    ct = encrypt(PK, message, r)
    proof = prove_range(FP, CRED, PK, ct, message, r, low, low + width, rng=rng)
    verify_range(FP, CRED, PK, ct, low, low + width, proof)


# Decryption-share proofs ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_share_proof(count: int, rng: DeterministicRng) -> None:
    x = Scalar.random(rng)
    key = Point.base_mul(x)
    cts = tuple(encrypt(PK, m, Scalar.random(rng)) for m in range(count))
    factors = tuple(c.alpha * x for c in cts)
    proof = prove_share(FP, 3, x, key, cts, factors, rng=rng)
    verify_share(FP, 3, key, cts, factors, proof)
    assert len(proof.commitments) == count + 1
    assert_every_field_matters(proof, lambda p: verify_share(FP, 3, key, cts, factors, p))
    for i in range(count):
        for component in ("alpha", "beta"):
            changed = cts[:i] + (moved(cts[i], component),) + cts[i + 1 :]
            with pytest.raises(InvalidProof):
                verify_share(FP, 3, key, changed, factors, proof)
        wrong = factors[:i] + (factors[i] + GENERATOR,) + factors[i + 1 :]
        with pytest.raises(InvalidProof):
            verify_share(FP, 3, key, cts, wrong, proof)
    for fp, trustee, k in ((OTHER_FP, 3, key), (FP, 4, key), (FP, 3, OTHER)):
        with pytest.raises(InvalidProof):
            verify_share(fp, trustee, k, cts, factors, proof)
    with pytest.raises(InvalidProof):
        verify_share(FP, 3, key, cts[:-1], factors[:-1], proof)
    assert ShareProof.from_bytes(proof.to_bytes(), "p") == proof
    assert ShareProof.from_json(proof.to_json(), "p") == proof
    with pytest.raises(InvalidEncoding):
        ShareProof.from_bytes(proof.to_bytes()[:-1], "p")
    with pytest.raises(InvalidEncoding):
        ShareProof.from_bytes(proof.to_bytes()[:64], "p")
    with pytest.raises(InvalidInput):
        prove_share(FP, 3, x, key, cts, factors[:-1], rng=rng)
