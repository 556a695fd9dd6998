"""Canonical JSON and length-prefixed hashing: the bytes every hash is taken over.

``canonical_json`` gives one byte string per JSON value: object keys sorted by
their Unicode code points (Python's ``sorted`` on ``str``), no white space, UTF-8 without escaping non-ASCII
characters, integers only (floats, NaN and infinities are refused), object keys
are strings. See docs/spec.md, section "Canonical JSON".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from vybory.errors import InvalidEncoding

# Largest integer canonical JSON carries: 2**53 - 1, so that every reader
# (JavaScript included) reads it exactly.
MAX_SAFE_INTEGER = 2**53 - 1

# Deepest nesting of arrays and objects a vybory document may have; the deepest
# format (a mix's proof inside a board event inside a record line) needs far less.
MAX_DEPTH = 32

_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_depth(text: str, *, field: str = "json") -> None:
    """Refuses JSON text nested deeper than :data:`MAX_DEPTH` (before any parser recurses into it)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidEncoding(
                    f"arrays and objects are nested deeper than {MAX_DEPTH} levels", field=field
                )
        elif token in ("]", "}"):
            depth -= 1


def _check(value: Any, path: str) -> Any:
    """``value`` as plain JSON types (dict, list, str, int, bool, None)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidEncoding(f"integer {value} is outside +-(2**53 - 1)", field=path)
        return int(value)
    if isinstance(value, float):
        raise InvalidEncoding("floats are not allowed in canonical JSON; use integers", field=path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEncoding(f"object key {key!r} is not a string", field=path)
            out[key] = _check(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_check(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise InvalidEncoding(f"a {type(value).__name__} cannot be written as canonical JSON", field=path)


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only dicts, lists, tuples, strings, booleans, None and safe
    integers: then json writes it as it is, and no copy of it needs to be made."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        else:
            return False
    return True


def canonical_json(obj: Any) -> bytes:
    """The canonical JSON encoding of ``obj`` (sorted keys, no spaces, UTF-8, integers only).

    Raises :class:`~vybory.errors.InvalidEncoding` naming the path of the first
    value that JSON cannot carry exactly (a float, bytes, a non-string key).
    """
    # Plain values (every payload the code builds) are written directly; anything else
    # (a mapping type, a float, ...) goes through the careful copy that names what is wrong.
    checked = obj if _plain(obj) else _check(obj, "")
    return json.dumps(checked, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def parse_json(data: bytes | str, *, field: str = "json") -> Any:
    """A JSON value from text, refusing floats, NaN, infinities and duplicate keys."""

    def no_float(text: str) -> Any:
        raise InvalidEncoding(f"number {text} is not an integer", field=field)

    def no_constant(text: str) -> Any:
        raise InvalidEncoding(f"{text} is not allowed", field=field)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InvalidEncoding(f"key {key!r} appears twice", field=field)
            out[key] = value
        return out

    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        check_depth(text, field=field)
        return json.loads(text, parse_float=no_float, parse_constant=no_constant,
                          object_pairs_hook=no_duplicates)
    except UnicodeDecodeError:
        raise InvalidEncoding("not UTF-8 text", field=field) from None
    except json.JSONDecodeError as exc:
        raise InvalidEncoding(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                              field=field) from None


def parse_hex32(value: Any, field: str) -> bytes:
    """32 bytes from their one spelling in JSON: 64 lower-case hexadecimal digits."""
    if not isinstance(value, str) or len(value) != 64:
        raise InvalidEncoding("must be 64 lower-case hexadecimal digits", field=field)
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise InvalidEncoding("must be 64 lower-case hexadecimal digits", field=field) from None
    if raw.hex() != value:
        raise InvalidEncoding("must be 64 lower-case hexadecimal digits", field=field)
    return raw


def length_prefixed(*parts: bytes) -> bytes:
    """Each part preceded by its length as 4 bytes, big-endian."""
    out = bytearray()
    for part in parts:
        if len(part) >= 2**32:
            raise InvalidEncoding("a hashed part is longer than 2**32 - 1 bytes")
        out += len(part).to_bytes(4, "big")
        out += part
    return bytes(out)


def tagged_hash(tag: str, *parts: bytes) -> bytes:
    """SHA-256 over the length-prefixed domain tag followed by the length-prefixed parts."""
    return hashlib.sha256(length_prefixed(tag.encode("ascii"), *parts)).digest()


__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "canonical_json", "check_depth", "length_prefixed", "parse_hex32", "parse_json", "tagged_hash"]
