"""Fiat–Shamir transcripts: exact byte layout, every field counted, registered tags only."""

from __future__ import annotations

import hashlib

import pytest

from vybory.crypto.group import GENERATOR, ORDER, Scalar
from vybory.crypto.transcript import Transcript, encode_value


def lp(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def test_exact_byte_layout() -> None:
    fingerprint = bytes(range(32))
    t = Transcript("VYBORY-V1-KNOWLEDGE", fingerprint)
    t.append("purpose", "test").append("n", 258).append("public", GENERATOR).append("s", Scalar.from_int(3))
    t.append("raw", b"\x00\x01")
    expected = (
        lp(b"VYBORY-V1-KNOWLEDGE") + lp(b"VYBORY-V1") + lp(b"ristretto255") + lp(fingerprint)
        + lp(b"purpose") + lp(b"test")
        + lp(b"n") + lp((258).to_bytes(8, "big"))
        + lp(b"public") + lp(GENERATOR.to_bytes())
        + lp(b"s") + lp((3).to_bytes(32, "little"))
        + lp(b"raw") + lp(b"\x00\x01")
    )
    digest = hashlib.sha512(expected).digest()
    assert t.digest() == digest
    assert t.challenge().value == int.from_bytes(digest, "little") % ORDER
    # Reading the challenge does not end the transcript.
    assert t.digest() == digest


def test_append_raw_matches_append() -> None:
    a = Transcript("VYBORY-V1-ZERO-ONE", b"f").append("A", GENERATOR)
    b = Transcript("VYBORY-V1-ZERO-ONE", b"f")
    b.append_raw(b"A", GENERATOR.to_bytes())
    assert a.digest() == b.digest()


def test_every_field_changes_the_challenge() -> None:
    def make(tag="VYBORY-V1-RANGE", fp=b"election", label="x", value=b"v") -> bytes:
        return Transcript(tag, fp).append(label, value).digest()

    base = make()
    assert len({base, make(tag="VYBORY-V1-ZERO-ONE"), make(fp=b"other"), make(label="y"), make(value=b"w")}) == 5
    # Field boundaries are unambiguous.
    assert make(label="xv", value=b"") != make(label="x", value=b"v")


def test_unregistered_tags_and_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        Transcript("VYBORY-V1-MADE-UP", b"")
    with pytest.raises(TypeError):
        Transcript("VYBORY-V1-RANGE", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        encode_value(True)
    with pytest.raises(ValueError):
        encode_value(-1)
    with pytest.raises(ValueError):
        encode_value(2**64)
