"""The orders and the random numbers of the Java platform, reproduced exactly.

RCTab (the tabulator many US election offices use) is written in Java. Two
things it leaves to the platform decide results: the random draws of its
seeded tiebreaks come from ``java.util.Random``, and the order in which a
``HashSet`` or ``HashMap`` of candidate names is walked decides which
candidate a draw's index points at after a previous-round comparison. A
count that must give RCTab's result from RCTab's seed therefore needs both,
bit for bit; this module has them and nothing else.

- :class:`JavaRandom`: the 48-bit linear congruential generator of
  ``java.util.Random`` (multiplier ``0x5DEECE66D``, addend ``0xB``), with
  ``nextInt(bound)``, ``nextDouble()`` and ``Collections.shuffle``.
- :func:`hash_order`: the iteration order of a ``HashMap``/``HashSet`` of
  strings filled in a given order (``String.hashCode``, the spread
  ``h ^ (h >>> 16)``, power-of-two tables that double past a load of 3/4,
  insertion order within a bucket).

This is not a source of secrets: it only replays a published seed.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from typing import TypeVar

T = TypeVar("T")

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class JavaRandom:
    """``java.util.Random`` seeded with a ``long``.

    Invariants: ``_seed`` is the generator's 48-bit state.
    """

    __slots__ = ("_seed",)

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ _MULTIPLIER) & _MASK

    def next_bits(self, bits: int) -> int:
        """``next(bits)``: the top ``bits`` of the new state, as a signed 32-bit int."""
        self._seed = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        return _int32(self._seed >> (48 - bits))

    def next_int(self, bound: int) -> int:
        """``nextInt(bound)``: uniform in ``[0, bound)``, with Java's rejection rule."""
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next_bits(31)
        m = bound - 1
        if bound & m == 0:
            return _int32((bound * r) >> 31)
        u = r
        while True:
            r = u % bound
            if _int32(u - r + m) >= 0:
                return r
            u = self.next_bits(31)

    def next_double(self) -> float:
        """``nextDouble()``: 53 random bits scaled into ``[0, 1)``."""
        return ((self.next_bits(26) << 27) + self.next_bits(27)) * (1.0 / (1 << 53))

    def shuffle(self, items: MutableSequence[T]) -> None:
        """``Collections.shuffle(list, random)``: swap ``i - 1`` with ``nextInt(i)``, from the end."""
        for i in range(len(items), 1, -1):
            j = self.next_int(i)
            items[i - 1], items[j] = items[j], items[i - 1]


def string_hash(text: str) -> int:
    """``String.hashCode()``: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 code units, in 32 bits."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h


def string_key(text: str) -> bytes:
    """A sort key giving ``String.compareTo``'s order (UTF-16 code units, not code points)."""
    return text.encode("utf-16-be")


def _table_size(capacity: int) -> int:
    size = 1
    while size < capacity:
        size <<= 1
    return max(size, 1)


def hash_order(keys: Iterable[str], *, capacity: int = 16) -> list[str]:
    """The order a Java ``HashMap``/``HashSet`` created with ``capacity`` walks
    ``keys`` (distinct, in insertion order) after they are all put in."""
    ordered = list(dict.fromkeys(keys))
    table = _table_size(capacity)
    for size in range(1, len(ordered) + 1):
        # put() doubles the table once the entries pass three quarters of it
        if size > table * 3 // 4:
            table <<= 1

    def bucket(item: tuple[int, str]) -> tuple[int, int]:
        h = string_hash(item[1])
        return ((h ^ (h >> 16)) & (table - 1), item[0])

    return [key for _, key in sorted(enumerate(ordered), key=bucket)]


def hash_set_order(keys: Iterable[str]) -> list[str]:
    """The order of ``new HashSet<>(collection)``: its table sized for the collection."""
    ordered = list(dict.fromkeys(keys))
    return hash_order(ordered, capacity=max(int(len(ordered) / 0.75) + 1, 16))
