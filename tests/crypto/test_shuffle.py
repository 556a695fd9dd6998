"""Verifiable shuffle: honest shuffles verify; any change to the proof or the statement fails."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.crypto.elgamal import Ciphertext, decrypt, encrypt, rerandomise
from vybory.crypto.group import GENERATOR, Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.crypto.shuffle import (
    ShuffleProof,
    ShuffleWitness,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)
from vybory.errors import InvalidEncoding, InvalidInput, InvalidProof

from .helpers import tamper

FP = b"shuffle test election"
SK = Scalar.from_int(0x5EC12E7)
PK = Point.base_mul(SK)


def make_rows(rng: DeterministicRng, n: int, w: int) -> list[list[Ciphertext]]:
    return [[encrypt(PK, 10 * i + k, Scalar.random(rng)) for k in range(w)] for i in range(n)]


def plain(rows) -> list[list[int]]:  # type: ignore[no-untyped-def]
    return [[decrypt(SK, c, 1000) for c in row] for row in rows]


@pytest.fixture(scope="module")
def case() -> tuple[list[list[Ciphertext]], tuple, ShuffleProof]:
    rng = DeterministicRng(b"shuffle fixture")
    rows = make_rows(rng, 4, 2)
    outputs, witness = shuffle(PK, rows, rng)
    return rows, outputs, prove_shuffle(FP, PK, rows, outputs, witness, rng)


def test_shuffle_permutes_and_rerandomises(case) -> None:  # type: ignore[no-untyped-def]
    rows, outputs, proof = case
    verify_shuffle(FP, PK, rows, outputs, proof)
    assert sorted(plain(outputs)) == sorted(plain(rows))
    assert not {c for row in rows for c in row} & {c for row in outputs for c in row}


def test_every_proof_field_matters(case) -> None:  # type: ignore[no-untyped-def]
    rows, outputs, proof = case
    changed = list(tamper(proof))
    assert len(changed) == 4 + 4 + 3 + 4 + 4 + 3 + 2 + 4 + 4
    for path, bad in changed:
        with pytest.raises(InvalidProof):
            verify_shuffle(FP, PK, rows, outputs, bad)
            pytest.fail(f"tampered field {path} still verifies")


def test_every_statement_field_matters(case) -> None:  # type: ignore[no-untyped-def]
    rows, outputs, proof = case
    for fp, pk in ((b"another election", PK), (FP, PK + GENERATOR)):
        with pytest.raises(InvalidProof):
            verify_shuffle(fp, pk, rows, outputs, proof)
    for side in ("inputs", "outputs"):
        for i in range(4):
            for k in range(2):
                for component in ("alpha", "beta"):
                    ins = [list(r) for r in rows]
                    outs = [list(r) for r in outputs]
                    target = ins if side == "inputs" else outs
                    c = target[i][k]
                    target[i][k] = dataclasses.replace(c, **{component: getattr(c, component) + GENERATOR})
                    with pytest.raises(InvalidProof):
                        verify_shuffle(FP, PK, ins, outs, proof)
    swapped = [outputs[1], outputs[0], *outputs[2:]]
    with pytest.raises(InvalidProof):
        verify_shuffle(FP, PK, rows, swapped, proof)
    with pytest.raises(InvalidProof, match="shape"):
        verify_shuffle(FP, PK, rows, outputs[:3], proof)
    with pytest.raises(InvalidProof, match="not for 3 rows"):
        verify_shuffle(FP, PK, rows[:3], outputs[:3], proof)


def test_a_dishonest_mix_cannot_prove(case) -> None:  # type: ignore[no-untyped-def]
    rows, _, _ = case
    rng = DeterministicRng(b"dishonest")
    outs, witness = shuffle(PK, rows, rng)
    # Replace one output by an encryption of another vote, keeping the honest witness.
    forged = [list(r) for r in outs]
    forged[2][1] = rerandomise(PK, encrypt(PK, 99, Scalar.from_int(1)), Scalar.from_int(2))
    proof = prove_shuffle(FP, PK, rows, forged, witness, rng)
    with pytest.raises(InvalidProof):
        verify_shuffle(FP, PK, rows, forged, proof)
    # Columns must follow the same permutation: swapping one column between two rows fails.
    mixed = [list(r) for r in outs]
    mixed[0][0], mixed[1][0] = mixed[1][0], mixed[0][0]
    proof = prove_shuffle(FP, PK, rows, mixed, witness, rng)
    with pytest.raises(InvalidProof):
        verify_shuffle(FP, PK, rows, mixed, proof)
    with pytest.raises(InvalidInput):
        prove_shuffle(FP, PK, rows, outs, ShuffleWitness((0, 0, 1, 2), witness.randomness), rng)


@settings(max_examples=6, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=3), st.binary(min_size=1, max_size=8))
def test_shuffles_of_any_shape_verify(n: int, w: int, seed: bytes) -> None:
    rng = DeterministicRng(seed)
    rows = make_rows(rng, n, w)
    outputs, witness = shuffle(PK, rows, rng)
    assert sorted(witness.permutation) == list(range(n))
    proof = prove_shuffle(FP, PK, rows, outputs, witness, rng)
    verify_shuffle(FP, PK, rows, outputs, proof)
    assert sorted(plain(outputs)) == sorted(plain(rows))


def test_encodings(case) -> None:  # type: ignore[no-untyped-def]
    _, _, proof = case
    data = proof.to_bytes()
    assert len(data) == 8 + 32 * (5 * 4 + 6 + 3 * 2)
    assert ShuffleProof.from_bytes(data, "p") == proof
    assert ShuffleProof.from_json(proof.to_json(), "p") == proof
    for bad in (data[:-1], data + b"\x00", b"", data[:4] + (3).to_bytes(4, "big") + data[8:]):
        with pytest.raises(InvalidEncoding):
            ShuffleProof.from_bytes(bad, "mix[0].proof")
    offset = 8 + 32 * (4 + 4 + 3 + 4 + 4)  # the first scalar, s1
    with pytest.raises(InvalidEncoding) as caught:
        ShuffleProof.from_bytes(data[:offset] + b"\xff" * 32 + data[offset + 32 :], "mix[0].proof")
    assert caught.value.field == "mix[0].proof.s[0]"
    with pytest.raises(InvalidEncoding) as caught:
        ShuffleProof.from_bytes(data[:8] + b"\xff" * 32 + data[40:], "mix[0].proof")
    assert caught.value.field == "mix[0].proof.permutation_commitments[0]"
    good = proof.to_json()
    for key, value in (("t_hat", good["t_hat"][:3]), ("s4", []), ("t4", [good["t4"][0][:1]]), ("extra", 1)):
        with pytest.raises(InvalidEncoding):
            ShuffleProof.from_json({**good, key: value}, "p")
    assert "hidden" in repr(ShuffleWitness((0,), ((Scalar.from_int(1),),)))


def test_bad_rows_are_refused() -> None:
    rng = DeterministicRng(b"bad rows")
    rows = make_rows(rng, 2, 2)
    for bad in ([], [rows[0], rows[1][:1]], [[]], [[1, 2]]):
        with pytest.raises(InvalidInput):
            shuffle(PK, bad, rng)  # type: ignore[arg-type]
