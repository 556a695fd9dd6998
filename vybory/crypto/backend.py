"""Which library does the group arithmetic: ``native`` or ``sodium`` (spec §1.4).

``native`` is the extension module ``vybory_native`` (built from ``native/`` on
curve25519-dalek where cargo exists); ``sodium`` is the system libsodium through
``_sodium``. Both offer the same hazardous operations on 32-byte encodings, with
the same results and the same refusals (tests/crypto/test_backends.py feeds them the
same inputs); the native one adds proof batches (``new_batch``) and fixed-base
tables. Records are byte for byte the same whichever backend made or checked them.

``ops`` holds the operations in force; callers look them up at each call
(``ops.add(p, q)``), so that :func:`use` can switch backends in a running process.
By default the native backend is used when it is built, libsodium otherwise; the
shell passes ``VYBORY_BACKEND`` to :func:`use`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import _sodium

try:
    import vybory_native as _native_module
except ImportError:  # not built (no cargo where vybory was installed)
    _native: ModuleType | None = None
else:
    _native = _native_module

NAMES = ("native", "sodium")
IDENTITY = _sodium.IDENTITY

_OPERATIONS = ("is_valid_point", "add", "sub", "scalarmult", "scalarmult_base", "from_hash")


class Ops:
    """The hazardous operations of the backend in force (see ``_sodium`` for their contracts).

    Invariants: ``name`` is one of NAMES, and every operation comes from that backend's module.
    """

    __slots__ = ("name", *_OPERATIONS)

    name: str
    is_valid_point: Callable[[bytes], bool]
    add: Callable[[bytes, bytes], bytes]
    sub: Callable[[bytes, bytes], bytes]
    scalarmult: Callable[[bytes, bytes], bytes]
    scalarmult_base: Callable[[bytes], bytes]
    from_hash: Callable[[bytes], bytes]


ops = Ops()


def native_available() -> bool:
    """True when the native extension is built and importable."""
    return _native is not None


def describe() -> str:
    """One line naming the backend in force, for ``vybory --version``."""
    if ops.name == "native":
        return f"native (curve25519-dalek, vybory_native {_native.VERSION})"  # type: ignore[union-attr]
    built = "" if _native is not None else "; the native backend is not built"
    return f"sodium (libsodium {_sodium.VERSION}{built})"


def use(name: str | None = None) -> str:
    """Switch to backend ``name`` (``native`` or ``sodium``); None or "" picks native when built.

    Raises ValueError for an unknown name or a native backend that is not built.
    """
    if not name:
        name = "native" if _native is not None else "sodium"
    if name not in NAMES:
        raise ValueError(f"unknown crypto backend {name!r}: choose native or sodium")
    if name == "native" and _native is None:
        raise ValueError("the native crypto backend is not built (it needs cargo: run make setup where cargo exists)")
    module: Any = _native if name == "native" else _sodium
    for operation in _OPERATIONS:
        setattr(ops, operation, getattr(module, operation))
    ops.name = name
    return name


def is_native() -> bool:
    return ops.name == "native"


def new_batch() -> Any | None:
    """An empty native proof batch (``vybory_native.Batch``), or None on the sodium backend."""
    return _native.Batch() if ops.name == "native" and _native is not None else None


def new_sums(size: int) -> Any | None:
    """Native running sums of ``size`` ciphertexts (``vybory_native.CiphertextSums``), or None on libsodium."""
    return _native.CiphertextSums(size) if ops.name == "native" and _native is not None else None


def ballot_shape(fingerprint: bytes, round: int, public_key: bytes, prefixes: tuple[bytes, bytes, bytes],
                 contests: list[tuple[bytes, list[int], list[tuple[list[int], int, int]]]]) -> Any | None:
    """The native description of the ballots of one round in one district
    (``vybory_native.BallotShape``), for ``Batch.add_ballot``; None on libsodium or for a shape
    the native reader does not take (the ballots are then checked the ordinary way)."""
    if ops.name != "native" or _native is None:
        return None
    try:
        return _native.BallotShape(fingerprint, round, public_key, *prefixes, contests)
    except (ValueError, OverflowError, TypeError):
        return None


def decode_ciphertexts_hex(components: list[Any]) -> Any | None:
    """alpha_0, beta_0, alpha_1, … (lowercase hex, no identity) decoded natively for
    ``CiphertextSums.add_decoded``; None on libsodium or when any component is not such a point."""
    if ops.name != "native" or _native is None:
        return None
    try:
        return _native.decode_ciphertexts_hex(components)
    except TypeError:  # a component that is not a string
        return None


@functools.lru_cache(maxsize=16)
def _table(encoding: bytes) -> Any:
    assert _native is not None
    return _native.FixedBase(encoding)


def key_table(encoding: bytes) -> Any | None:
    """The native precomputed table of a point used many times (the election key), built once
    and kept for the 16 most recent points; None on libsodium. ``encoding`` must be valid."""
    return _table(encoding) if ops.name == "native" and _native is not None else None


def disjunction_commitments(table: Any, low: int, randomness: bytes, message: int, scalars: list[bytes]) -> bytes:
    """The native prover's branch commitments, from fixed-base tables alone and the same work on
    every branch (see vybory_native.disjunction_commitments)."""
    assert _native is not None
    return _native.disjunction_commitments(table, low, randomness, message, scalars)  # type: ignore[no-any-return]


def sum_ciphertexts(ciphertexts: list[bytes]) -> bytes:
    """(Σ alpha, Σ beta) of 64-byte ciphertexts alpha ‖ beta; the natives add in extended coordinates."""
    if ops.name == "native" and _native is not None:
        return _native.sum_ciphertexts(ciphertexts)  # type: ignore[no-any-return]
    alpha = beta = IDENTITY
    for ct in ciphertexts:
        alpha, beta = _sodium.add(alpha, ct[:32]), _sodium.add(beta, ct[32:])
    return alpha + beta


def multiscalar_mul(scalars: list[bytes], points: list[bytes]) -> bytes:
    """Σ s_i · P_i, constant time in the scalars."""
    if ops.name == "native" and _native is not None:
        return _native.multiscalar_mul(scalars, points)  # type: ignore[no-any-return]
    acc = IDENTITY
    for s, p in zip(scalars, points):
        acc = _sodium.add(acc, _sodium.scalarmult(s, p))
    return acc


def vartime_multiscalar_mul(scalars: list[bytes], points: list[bytes]) -> bytes:
    """Σ s_i · P_i for public scalars and points only (variable time on the native backend)."""
    if ops.name == "native" and _native is not None:
        return _native.vartime_multiscalar_mul(scalars, points)  # type: ignore[no-any-return]
    return multiscalar_mul(scalars, points)


use()
