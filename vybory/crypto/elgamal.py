"""Exponential ElGamal on ristretto255 (spec §3).

Enc(pk, m; r) = (alpha, beta) = (g^r, pk^r · g^m). Ciphertexts add homomorphically
(the plaintexts add), can be multiplied by a public weight, re-randomised, and
decrypted to g^m, whose small discrete log ``dlog`` finds by baby-step giant-step.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidEncoding, InvalidInput
from . import _sodium, backend
from .backend import ops
from .encoding import expect_bytes
from .group import ORDER, Point, Scalar, _point

_G = Point.GENERATOR.encoding
_SMALL = 64  # g^0 .. g^63 are precomputed for encryption of small messages


@functools.cache
def _small_powers() -> tuple[bytes, ...]:
    powers = [_sodium.IDENTITY]
    for _ in range(_SMALL - 1):
        powers.append(ops.add(powers[-1], _G))
    return tuple(powers)


def g_power(m: int) -> bytes:
    """Encoding of g^m for 0 ≤ m < ℓ (table lookup for small m)."""
    if 0 <= m < _SMALL:
        return _small_powers()[m]
    return ops.scalarmult_base((m % ORDER).to_bytes(32, "little"))


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential-ElGamal ciphertext (alpha, beta) = (g^r, pk^r · g^m).

    Invariants: alpha and beta are group elements. A ciphertext decoded from a ballot
    never has the identity in either component; tally accumulators may (``zero()``).
    """

    alpha: Point
    beta: Point

    @staticmethod
    def zero() -> Ciphertext:
        """(1, 1): the neutral element for homomorphic addition (tally accumulators only)."""
        return Ciphertext(Point.IDENTITY, Point.IDENTITY)

    def __add__(self, other: Ciphertext) -> Ciphertext:
        """Component-wise product: Enc(m1) · Enc(m2) = Enc(m1 + m2)."""
        if not isinstance(other, Ciphertext):
            return NotImplemented
        return Ciphertext(
            _point(ops.add(self.alpha.encoding, other.alpha.encoding)),
            _point(ops.add(self.beta.encoding, other.beta.encoding)),
        )

    def scale(self, weight: int) -> Ciphertext:
        """(alpha^w, beta^w) = Enc(w · m) for a public integer weight w (taken mod ℓ)."""
        if type(weight) is not int:
            raise InvalidInput("a weight must be an integer", field="weight")
        w = (weight % ORDER).to_bytes(32, "little")
        return Ciphertext(
            _point(ops.scalarmult(w, self.alpha.encoding)),
            _point(ops.scalarmult(w, self.beta.encoding)),
        )

    def to_bytes(self) -> bytes:
        """alpha ‖ beta, 64 bytes."""
        return self.alpha.encoding + self.beta.encoding

    @staticmethod
    def from_bytes(data: bytes, field: str, *, allow_identity: bool = False) -> Ciphertext:
        """Decode 64 bytes alpha ‖ beta; identity components refused unless ``allow_identity``."""
        data = expect_bytes(data, field, 64)
        return Ciphertext(
            Point.from_bytes(data[:32], f"{field}.alpha", allow_identity=allow_identity),
            Point.from_bytes(data[32:], f"{field}.beta", allow_identity=allow_identity),
        )

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.to_hex(), "beta": self.beta.to_hex()}

    @staticmethod
    def from_json(obj: object, field: str, *, allow_identity: bool = False) -> Ciphertext:
        """Decode {"alpha": hex, "beta": hex} (exactly these keys)."""
        if not isinstance(obj, Mapping) or set(obj) != {"alpha", "beta"}:
            raise InvalidEncoding('expected an object with exactly "alpha" and "beta"', field=field)
        return Ciphertext(
            Point.from_hex(obj["alpha"], f"{field}.alpha", allow_identity=allow_identity),
            Point.from_hex(obj["beta"], f"{field}.beta", allow_identity=allow_identity),
        )


class CiphertextSums:
    """Running homomorphic sums of ciphertexts, slot by slot (a tally being added up, spec §3.2).

    On the native backend the sums stay in extended coordinates, so an addition costs one
    decoding and no encoding; ``totals()`` encodes them. Invariants: ``size`` slots, each the
    sum of the (weighted) ciphertexts added to it, starting at (1, 1).
    """

    __slots__ = ("_native", "_sums", "size")

    def __init__(self, size: int):
        self.size = size
        self._native = backend.new_sums(size)
        self._sums = [Ciphertext.zero()] * size

    def add(self, ciphertexts: list[Ciphertext], weight: int = 1) -> None:
        """Adds weight · ciphertexts[i] to slot i, for a public integer weight (taken mod ℓ)."""
        if len(ciphertexts) > self.size:
            raise InvalidInput(f"at most {self.size} ciphertexts can be added", field="ciphertexts")
        if type(weight) is not int:
            raise InvalidInput("a weight must be an integer", field="weight")
        if self._native is not None:
            self._native.add([ct.alpha.encoding + ct.beta.encoding for ct in ciphertexts],
                             (weight % ORDER).to_bytes(32, "little"))
            return
        for i, ct in enumerate(ciphertexts):
            self._sums[i] = self._sums[i] + (ct if weight == 1 else ct.scale(weight))

    def decoded(self, components: list[Any]) -> Any | None:
        """On the native backend, ciphertexts given as hex components (alpha_0, beta_0, …), decoded
        for :meth:`add_decoded` when every one is a valid point other than the identity; None
        otherwise, or on libsodium (then decode them with ``Ciphertext.from_json`` and use ``add``)."""
        if self._native is None or not components or len(components) > 2 * self.size:
            return None
        return backend.decode_ciphertexts_hex(components)

    def add_decoded(self, decoded: Any, weight: int = 1) -> None:
        """:meth:`add` for what :meth:`decoded` gave."""
        if type(weight) is not int:
            raise InvalidInput("a weight must be an integer", field="weight")
        assert self._native is not None, "decoded ciphertexts come from the native backend"
        self._native.add_decoded(decoded, (weight % ORDER).to_bytes(32, "little"))

    def totals(self) -> list[Ciphertext]:
        if self._native is None:
            return list(self._sums)
        return [Ciphertext(_point(ct[:32]), _point(ct[32:])) for ct in self._native.totals()]


def _check_message(message: int) -> None:
    if type(message) is not int or not 0 <= message < ORDER:
        raise InvalidInput("a message must be an integer in [0, ℓ)", field="message")


def encrypt(public_key: Point, message: int, randomness: Scalar) -> Ciphertext:
    """(g^r, pk^r · g^m); pk^r from a precomputed table of the key on the native backend."""
    _check_message(message)
    r = randomness.value.to_bytes(32, "little")
    table = backend.key_table(public_key.encoding)
    if table is not None:  # both multiplications from tables, one crossing into the native code
        both = table.encrypt(r, g_power(message))
        return Ciphertext(_point(both[:32]), _point(both[32:]))
    alpha = ops.scalarmult_base(r)
    beta = ops.add(ops.scalarmult(r, public_key.encoding), g_power(message))
    return Ciphertext(_point(alpha), _point(beta))


def sum_ciphertexts(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    """The homomorphic sum of many ciphertexts (added in extended coordinates on the native backend).

    The identity (1, 1) for none; a sum may hold the identity in either component.
    """
    total = backend.sum_ciphertexts([ct.alpha.encoding + ct.beta.encoding for ct in ciphertexts])
    return Ciphertext(_point(total[:32]), _point(total[32:]))


def rerandomise(public_key: Point, ciphertext: Ciphertext, randomness: Scalar) -> Ciphertext:
    """(alpha · g^r, beta · pk^r): the same plaintext under fresh randomness."""
    r = randomness.value.to_bytes(32, "little")
    return Ciphertext(
        _point(ops.add(ciphertext.alpha.encoding, ops.scalarmult_base(r))),
        _point(ops.add(ciphertext.beta.encoding, ops.scalarmult(r, public_key.encoding))),
    )


def decrypt_to_point(secret_key: Scalar, ciphertext: Ciphertext) -> Point:
    """g^m = beta / alpha^x."""
    x = secret_key.value.to_bytes(32, "little")
    return _point(ops.sub(ciphertext.beta.encoding, ops.scalarmult(x, ciphertext.alpha.encoding)))


def decrypt(secret_key: Scalar, ciphertext: Ciphertext, bound: int) -> int:
    """The m in [0, bound] with beta / alpha^x = g^m."""
    return dlog(decrypt_to_point(secret_key, ciphertext), bound)


# Discrete logarithm by baby-step giant-step (spec §3.4) ----------------------

MAX_TABLE = 1 << 18
"""At most this many baby steps are kept (about 30 MB); larger bounds take more giant steps."""


@functools.lru_cache(maxsize=4)
def _baby_steps(size: int) -> tuple[dict[int, int], dict[int, list[int]]]:
    """{first 8 bytes of g^i: i} for 0 ≤ i < size, plus any prefix collisions."""
    table: dict[int, int] = {}
    collisions: dict[int, list[int]] = {}
    acc = _sodium.IDENTITY
    for i in range(size):
        key = int.from_bytes(acc[:8], "little")
        if key in table:
            collisions.setdefault(key, []).append(i)
        else:
            table[key] = i
        acc = ops.add(acc, _G)
    return table, collisions


def table_size(bound: int) -> int:
    """Number of baby steps used for ``bound``: min(⌈√(bound+1)⌉, MAX_TABLE)."""
    return max(1, min(math.isqrt(bound) + 1, MAX_TABLE))


def dlog(point: Point, bound: int) -> int:
    """The unique m in [0, bound] with g^m = point; InvalidInput when there is none.

    Baby-step giant-step with t = table_size(bound) baby steps g^0..g^(t-1) and at most
    ⌊bound/t⌋ + 1 giant steps point · g^(-t·j). Memory is bounded by MAX_TABLE entries;
    time grows as bound / MAX_TABLE beyond MAX_TABLE² (≈ 6.9·10^10).
    """
    if type(bound) is not int or not 0 <= bound < ORDER:
        raise InvalidInput("the bound must be an integer in [0, ℓ)", field="bound")
    size = table_size(bound)
    table, collisions = _baby_steps(size)
    giant = ops.sub(_sodium.IDENTITY, g_power(size))
    target = point.encoding
    current = target
    for j in range(bound // size + 1):
        key = int.from_bytes(current[:8], "little")
        candidates = [table[key]] if key in table else []
        candidates += collisions.get(key, [])
        for i in candidates:
            m = j * size + i
            if m <= bound and g_power(m) == target:
                return m
        current = ops.add(current, giant)
    raise InvalidInput(
        f"no m in [0, {bound}] with g^m equal to this point (the plaintext is out of bounds)",
        field="plaintext", code="dlog_not_found",
    )
