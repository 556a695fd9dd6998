"""A thin ctypes binding to the system's libsodium (>= 1.0.18): ristretto255 and one AEAD.

Hazardous layer: every function here works on raw byte strings and trusts its
caller to pass well-formed inputs (32-byte encodings of valid points, 32-byte
little-endian scalars below 2^255). The safe types live in ``group.py``.

The library is the one the operating system ships (Debian/Ubuntu ``libsodium23``,
Homebrew ``libsodium``), found with ``ctypes.util.find_library("sodium")`` so
that an auditor can check exactly which binary does the group arithmetic.
"""

from __future__ import annotations

import ctypes
import ctypes.util

INSTALL_HINT = (
    "vybory needs the system libsodium >= 1.0.18 (with ristretto255): install it with "
    "'apt-get install libsodium23' (Debian/Ubuntu) or 'brew install libsodium' (macOS)"
)


class LibsodiumMissing(RuntimeError):
    """The system libsodium is absent or too old to offer ristretto255."""


def _load() -> ctypes.CDLL:
    name = ctypes.util.find_library("sodium")
    candidates = [name] if name else []
    candidates += ["libsodium.so.23", "libsodium.so", "libsodium.dylib"]
    for candidate in candidates:
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        if not hasattr(lib, "crypto_core_ristretto255_from_hash"):
            raise LibsodiumMissing(f"{candidate} has no ristretto255 (too old); {INSTALL_HINT}")
        return lib
    raise LibsodiumMissing(f"libsodium not found; {INSTALL_HINT}")


_lib = _load()
if _lib.sodium_init() < 0:  # 0: initialised now, 1: already initialised
    raise LibsodiumMissing(f"sodium_init() failed; {INSTALL_HINT}")

_lib.sodium_version_string.restype = ctypes.c_char_p
_lib.sodium_version_string.argtypes = []
VERSION: str = _lib.sodium_version_string().decode()

POINT_BYTES = 32
SCALAR_BYTES = 32
HASH_BYTES = 64
AEAD_KEY_BYTES = 32
AEAD_NONCE_BYTES = 24
AEAD_TAG_BYTES = 16
IDENTITY = bytes(32)

_p = ctypes.c_char_p
_ull = ctypes.c_ulonglong


def _bind(name: str, argtypes: list) -> ctypes._CFuncPtr:  # type: ignore[name-defined]
    function = getattr(_lib, name)
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function


_is_valid_point = _bind("crypto_core_ristretto255_is_valid_point", [_p])
_add = _bind("crypto_core_ristretto255_add", [_p, _p, _p])
_sub = _bind("crypto_core_ristretto255_sub", [_p, _p, _p])
_from_hash = _bind("crypto_core_ristretto255_from_hash", [_p, _p])
_scalarmult = _bind("crypto_scalarmult_ristretto255", [_p, _p, _p])
_scalarmult_base = _bind("crypto_scalarmult_ristretto255_base", [_p, _p])
_aead_encrypt = _bind(
    "crypto_aead_xchacha20poly1305_ietf_encrypt",
    [_p, ctypes.POINTER(_ull), _p, _ull, _p, _ull, _p, _p, _p],
)
_aead_decrypt = _bind(
    "crypto_aead_xchacha20poly1305_ietf_decrypt",
    [_p, ctypes.POINTER(_ull), _p, _p, _ull, _p, _ull, _p, _p],
)
_buffer = ctypes.create_string_buffer


def is_valid_point(encoding: bytes) -> bool:
    """True when ``encoding`` is the canonical encoding of a group element (the identity included).

    libsodium 1.0.18 ignores the top bit of the last byte when decoding, so it accepts a
    second, non-canonical encoding of every element (RFC 9496 §4.3.1 requires refusing it;
    later libsodium versions do). The bit is checked here, whatever the version.
    """
    return len(encoding) == POINT_BYTES and not encoding[31] & 0x80 and _is_valid_point(encoding) == 1


def add(p: bytes, q: bytes) -> bytes:
    """p + q (in the spec's multiplicative notation: p · q)."""
    out = _buffer(32)
    if _add(out, p, q) != 0:
        raise ValueError("ristretto255 addition refused an invalid encoding")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    """p - q (in the spec's multiplicative notation: p / q)."""
    out = _buffer(32)
    if _sub(out, p, q) != 0:
        raise ValueError("ristretto255 subtraction refused an invalid encoding")
    return out.raw


def scalarmult(scalar: bytes, point: bytes) -> bytes:
    """scalar · point. libsodium returns -1 when the result is the identity; that is mapped to it.

    The caller guarantees that ``point`` is valid (``group.Point`` does), so -1 can only
    mean an identity result (a scalar that is 0 mod ℓ, or ``point`` itself the identity).
    """
    out = _buffer(32)
    if _scalarmult(out, scalar, point) != 0:
        return IDENTITY
    return out.raw


def scalarmult_base(scalar: bytes) -> bytes:
    """scalar · B for the ristretto255 generator B; the identity when scalar ≡ 0 mod ℓ."""
    out = _buffer(32)
    if _scalarmult_base(out, scalar) != 0:
        return IDENTITY
    return out.raw


def from_hash(digest: bytes) -> bytes:
    """RFC 9496 one-way map (element derivation) of 64 uniformly random bytes."""
    if len(digest) != HASH_BYTES:
        raise ValueError("from_hash needs 64 bytes")
    out = _buffer(32)
    _from_hash(out, digest)
    return out.raw


def aead_encrypt(message: bytes, associated: bytes, nonce: bytes, key: bytes) -> bytes:
    """XChaCha20-Poly1305 (IETF) encryption: ciphertext ‖ 16-byte tag."""
    if len(nonce) != AEAD_NONCE_BYTES or len(key) != AEAD_KEY_BYTES:
        raise ValueError("aead_encrypt needs a 24-byte nonce and a 32-byte key")
    out = _buffer(len(message) + AEAD_TAG_BYTES)
    length = _ull(0)
    _aead_encrypt(
        out, ctypes.byref(length), message, len(message), associated, len(associated), None, nonce, key
    )
    return out.raw[: length.value]


def aead_decrypt(ciphertext: bytes, associated: bytes, nonce: bytes, key: bytes) -> bytes | None:
    """XChaCha20-Poly1305 (IETF) decryption; None when the tag does not authenticate."""
    if len(nonce) != AEAD_NONCE_BYTES or len(key) != AEAD_KEY_BYTES:
        raise ValueError("aead_decrypt needs a 24-byte nonce and a 32-byte key")
    if len(ciphertext) < AEAD_TAG_BYTES:
        return None
    out = _buffer(max(1, len(ciphertext) - AEAD_TAG_BYTES))
    length = _ull(0)
    status = _aead_decrypt(
        out, ctypes.byref(length), None, ciphertext, len(ciphertext), associated, len(associated),
        nonce, key,
    )
    if status != 0:
        return None
    return out.raw[: length.value]
