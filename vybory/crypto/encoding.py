"""Byte-level encodings shared by every hash and serialisation (spec §1).

Nothing here knows about the group: lengths, fixed-width integers and hex.
"""

from __future__ import annotations

from ..errors import InvalidEncoding

SPEC_VERSION = "VYBORY-V1"
GROUP_NAME = "ristretto255"
U64_MAX = 2**64 - 1


def u32(n: int) -> bytes:
    """4-byte big-endian unsigned integer."""
    return n.to_bytes(4, "big")


def u64(n: int) -> bytes:
    """8-byte big-endian unsigned integer; refuses negatives and n ≥ 2^64."""
    if not 0 <= n <= U64_MAX:
        raise ValueError(f"{n} does not fit an unsigned 64-bit integer")
    return n.to_bytes(8, "big")


def lp(data: bytes) -> bytes:
    """Length-prefixed field: u32(len(data)) ‖ data."""
    return len(data).to_bytes(4, "big") + data


def from_hex(text: object, field: str, length: int | None = None) -> bytes:
    """Decode lowercase hex (no prefix, even length); refuses anything else naming ``field``."""
    if not isinstance(text, str):
        raise InvalidEncoding(f"expected a hex string, got {type(text).__name__}", field=field)
    try:
        data = bytes.fromhex(text)
    except ValueError:
        data = None
    # fromhex also takes upper case and spaces: only the text that it gives back is canonical.
    if data is None or data.hex() != text:
        raise InvalidEncoding("expected lowercase hexadecimal digits, even length", field=field)
    if length is not None and len(data) != length:
        raise InvalidEncoding(f"expected {length} bytes ({2 * length} hex digits), got {len(data)}", field=field)
    return data


def expect_bytes(data: object, field: str, length: int | None = None) -> bytes:
    """Check that ``data`` is a bytes value (of ``length`` bytes when given)."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InvalidEncoding(f"expected bytes, got {type(data).__name__}", field=field)
    if length is not None and len(data) != length:
        raise InvalidEncoding(f"expected {length} bytes, got {len(data)}", field=field)
    return data


def expect_index(value: object, field: str, *, low: int = 0, high: int = U64_MAX) -> int:
    """An integer in [low, high] (bool refused), as read from JSON or a caller."""
    if type(value) is not int:
        raise InvalidEncoding(f"expected an integer, got {type(value).__name__}", field=field)
    if not low <= value <= high:
        raise InvalidEncoding(f"expected an integer in [{low}, {high}], got {value}", field=field)
    return value
