"""Fiat–Shamir transcripts (spec §2.2).

A transcript is SHA-512 over a sequence of length-prefixed fields:

    lp(tag) ‖ lp("VYBORY-V1") ‖ lp("ristretto255") ‖ lp(fingerprint)
      ‖ lp(label_1) ‖ lp(value_1) ‖ … ‖ lp(label_n) ‖ lp(value_n)

where lp(x) = u32be(len(x)) ‖ x. Values are encoded as: bytes as they are, str as
UTF-8, int as u64be, Point / Scalar / Ciphertext by their canonical ``to_bytes()``.
The challenge is the 64-byte digest reduced mod ℓ.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from .encoding import GROUP_NAME, SPEC_VERSION, lp, u64
from .group import ORDER, Scalar, _scalar
from .tags import ALL as _ALL_TAGS


class _Encodable(Protocol):
    def to_bytes(self) -> bytes: ...


Value = bytes | str | int | _Encodable


def encode_value(value: Value) -> bytes:
    """The bytes a transcript value contributes (before its length prefix)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bool):
        raise TypeError("booleans have no transcript encoding")
    if isinstance(value, int):
        return u64(value)
    return value.to_bytes()


def prefix(tag: str, fingerprint: bytes) -> bytes:
    """The bytes every transcript of ``tag`` for this election starts with:
    lp(tag) ‖ lp("VYBORY-V1") ‖ lp("ristretto255") ‖ lp(fingerprint)."""
    if tag not in _ALL_TAGS:
        raise ValueError(f"unregistered domain tag {tag!r}")
    if not isinstance(fingerprint, bytes):
        raise TypeError("the election fingerprint must be bytes")
    return b"".join(lp(part) for part in (tag.encode(), SPEC_VERSION.encode(), GROUP_NAME.encode(), fingerprint))


class Transcript:
    """The running hash of one proof's statement and commitments.

    Invariants: starts with tag, spec version, group name and election fingerprint;
    every later field is a (label, value) pair, each length-prefixed.
    """

    __slots__ = ("_hash",)

    def __init__(self, tag: str, fingerprint: bytes):
        self._hash = hashlib.sha512(prefix(tag, fingerprint))

    def append(self, label: str, value: Value) -> Transcript:
        """Add lp(label) ‖ lp(encoding of value); returns the transcript for chaining."""
        self._hash.update(lp(label.encode("utf-8")))
        self._hash.update(lp(encode_value(value)))
        return self

    def append_raw(self, label: bytes, encoded: bytes) -> None:
        """Fast path for hot loops: ``label`` and ``encoded`` already bytes."""
        self._hash.update(len(label).to_bytes(4, "big") + label + len(encoded).to_bytes(4, "big") + encoded)

    def copy(self) -> Transcript:
        """An independent transcript with the same fields so far (to derive several challenges)."""
        other = object.__new__(Transcript)
        other._hash = self._hash.copy()
        return other

    def digest(self) -> bytes:
        """SHA-512 of everything appended so far (64 bytes); the transcript can continue."""
        return self._hash.copy().digest()

    def challenge(self) -> Scalar:
        """int_le(digest) mod ℓ."""
        return _scalar(int.from_bytes(self._hash.copy().digest(), "little") % ORDER)
