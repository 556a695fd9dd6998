"""The prime-order group ristretto255: ``Scalar`` and ``Point`` (spec §1–§2).

All group arithmetic goes through the backend in force (``backend.ops``: the system
libsodium or curve25519-dalek, with identical results); scalar arithmetic mod ℓ uses
Python integers. Points are kept as their canonical encodings, whichever backend.

The spec writes the group multiplicatively (g^x, a · b); the code writes it
additively (``x * G``, ``a + b``) as libsodium does. Same group, same encodings.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from ..errors import InvalidEncoding, InvalidInput
from . import _sodium, backend
from .backend import ops
from .encoding import GROUP_NAME, SPEC_VERSION, expect_bytes, from_hex, lp
from .tags import GENERATOR as _GENERATOR_TAG

ORDER = 2**252 + 27742317777372353535851937790883648493
"""ℓ, the order of ristretto255."""

Rng = Callable[[int], bytes]
"""A source of random bytes: ``rng(n)`` returns n bytes. Defaults to ``secrets.token_bytes``."""


@dataclass(frozen=True, slots=True, repr=False)
class Scalar:
    """An integer mod ℓ.

    Invariants: 0 ≤ value < ℓ. Encoded as 32 bytes little-endian (spec §1.2).
    """

    value: int

    def __post_init__(self) -> None:
        if type(self.value) is not int or not 0 <= self.value < ORDER:
            raise InvalidEncoding("a scalar must be an integer in [0, ℓ)", field="scalar")

    # Constructors -------------------------------------------------------------

    @staticmethod
    def from_canonical(data: bytes, field: str) -> Scalar:
        """Decode 32 bytes little-endian; refuses a wrong length or a value ≥ ℓ."""
        data = expect_bytes(data, field, 32)
        value = int.from_bytes(data, "little")
        if value >= ORDER:
            raise InvalidEncoding("non-canonical scalar (not below the group order ℓ)", field=field)
        return _scalar(value)

    @staticmethod
    def from_hex(text: str, field: str) -> Scalar:
        """Decode 64 lowercase hex digits (the canonical 32-byte encoding)."""
        return Scalar.from_canonical(from_hex(text, field, 32), field)

    @staticmethod
    def from_wide(data: bytes) -> Scalar:
        """Reduce 64 bytes (little-endian) mod ℓ: for hash output and random bytes."""
        data = expect_bytes(data, "scalar", 64)
        return _scalar(int.from_bytes(data, "little") % ORDER)

    @staticmethod
    def from_int(n: int) -> Scalar:
        """n mod ℓ (negative n allowed)."""
        if type(n) is not int:
            raise InvalidInput(f"expected an integer, got {type(n).__name__}", field="scalar")
        return _scalar(n % ORDER)

    @staticmethod
    def random(rng: Rng | None = None) -> Scalar:
        """A uniform non-zero scalar: 64 bytes from ``rng`` reduced mod ℓ, redrawn if 0 (spec §1.3)."""
        draw = rng if rng is not None else secrets.token_bytes
        while True:
            data = draw(64)
            if len(data) != 64:
                raise InvalidInput("the random source returned the wrong number of bytes", field="rng")
            value = int.from_bytes(data, "little") % ORDER
            if value:
                return _scalar(value)

    # Encodings ----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(32, "little")

    def to_hex(self) -> str:
        return self.to_bytes().hex()

    def __int__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        # Scalars are often secret: never print them whole.
        return "Scalar(<hidden>)"

    # Arithmetic mod ℓ ---------------------------------------------------------

    def __add__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _scalar((self.value + other.value) % ORDER)

    def __sub__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _scalar((self.value - other.value) % ORDER)

    def __neg__(self) -> Scalar:
        return _scalar(-self.value % ORDER)

    def __mul__(self, other):  # type: ignore[no-untyped-def]
        if isinstance(other, Scalar):
            return _scalar(self.value * other.value % ORDER)
        if isinstance(other, Point):
            return other.__mul__(self)
        return NotImplemented

    def inverse(self) -> Scalar:
        """1/s mod ℓ; refuses 0."""
        if self.value == 0:
            raise InvalidInput("zero has no inverse mod ℓ", field="scalar")
        return _scalar(pow(self.value, -1, ORDER))

    def is_zero(self) -> bool:
        return self.value == 0


def _scalar(value: int) -> Scalar:
    """Internal constructor for a value already reduced mod ℓ."""
    s = object.__new__(Scalar)
    object.__setattr__(s, "value", value)
    return s


@dataclass(frozen=True, slots=True, repr=False)
class Point:
    """An element of ristretto255, kept as its canonical 32-byte encoding.

    Invariants: ``encoding`` is the canonical encoding of a group element (which may be
    the identity: arithmetic can produce it; decoding refuses it unless allowed). Equal
    elements have equal encodings, so ``==`` and ``hash`` compare encodings.
    """

    encoding: bytes

    GENERATOR: ClassVar[Point]
    IDENTITY: ClassVar[Point]

    def __post_init__(self) -> None:
        if type(self.encoding) is not bytes or not ops.is_valid_point(self.encoding):
            raise InvalidEncoding("not the canonical encoding of a ristretto255 element", field="point")

    @staticmethod
    def from_bytes(data: bytes, field: str, *, allow_identity: bool = False) -> Point:
        """Decode 32 bytes; refuses a wrong length, a non-canonical or invalid encoding,
        and the identity unless ``allow_identity``. Errors name ``field``."""
        data = expect_bytes(data, field, 32)
        if not ops.is_valid_point(data):
            raise InvalidEncoding("not the canonical encoding of a ristretto255 element", field=field)
        if data == _sodium.IDENTITY and not allow_identity:
            raise InvalidEncoding("the identity element is not allowed here", field=field)
        return _point(data)

    @staticmethod
    def from_hex(text: str, field: str, *, allow_identity: bool = False) -> Point:
        """Decode 64 lowercase hex digits, then as ``from_bytes``."""
        return Point.from_bytes(from_hex(text, field, 32), field, allow_identity=allow_identity)

    @staticmethod
    def base_mul(scalar: Scalar) -> Point:
        """g^s: scalar multiplication of the generator (libsodium's fast base path)."""
        return _point(ops.scalarmult_base(scalar.value.to_bytes(32, "little")))

    def to_bytes(self) -> bytes:
        return self.encoding

    def to_hex(self) -> str:
        return self.encoding.hex()

    def is_identity(self) -> bool:
        return self.encoding == _sodium.IDENTITY

    def __repr__(self) -> str:
        return f"Point({self.encoding.hex()})"

    def __add__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return _point(ops.add(self.encoding, other.encoding))

    def __sub__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return _point(ops.sub(self.encoding, other.encoding))

    def __neg__(self) -> Point:
        return _point(ops.sub(_sodium.IDENTITY, self.encoding))

    def __mul__(self, other: Scalar) -> Point:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _point(ops.scalarmult(other.value.to_bytes(32, "little"), self.encoding))

    __rmul__ = __mul__


def _point(encoding: bytes) -> Point:
    """Internal constructor for an encoding libsodium produced (hence valid)."""
    p = object.__new__(Point)
    object.__setattr__(p, "encoding", encoding)
    return p


Point.GENERATOR = _point(ops.scalarmult_base((1).to_bytes(32, "little")))
Point.IDENTITY = _point(_sodium.IDENTITY)
GENERATOR = Point.GENERATOR
IDENTITY = Point.IDENTITY


def multiscalar_mul(scalars: Iterable[Scalar], points: Iterable[Point]) -> Point:
    """Σ s_i · P_i (Π P_i^{s_i} in the spec), constant time in the scalars."""
    scalars = list(scalars)
    points = list(points)
    if len(scalars) != len(points):
        raise InvalidInput("as many scalars as points are needed", field="multiscalar_mul")
    return _point(backend.multiscalar_mul([s.value.to_bytes(32, "little") for s in scalars],
                                          [p.encoding for p in points]))


def hash_to_scalar(*parts: bytes) -> Scalar:
    """int_le(SHA-512(lp(part_1) ‖ … ‖ lp(part_n))) mod ℓ (spec §2.1)."""
    h = hashlib.sha512()
    for part in parts:
        h.update(lp(expect_bytes(part, "hash_to_scalar")))
    return _scalar(int.from_bytes(h.digest(), "little") % ORDER)


def hash_to_point(label: bytes) -> Point:
    """An independent generator derived from ``label`` (spec §2.3).

    from_hash(SHA-512(lp(tag) ‖ lp(version) ‖ lp(group) ‖ lp("") ‖ lp("label") ‖ lp(label)))
    with tag VYBORY-V1-GENERATOR: the transcript layout of §2.2 with an empty fingerprint,
    mapped by RFC 9496's one-way map, so nobody knows its discrete log to base g.
    """
    label = expect_bytes(label, "label")
    h = hashlib.sha512()
    for part in (_GENERATOR_TAG.encode(), SPEC_VERSION.encode(), GROUP_NAME.encode(), b"", b"label", label):
        h.update(lp(part))
    return _point(ops.from_hash(h.digest()))
