"""A compact set of 16-byte digests, each with the board position where it was first seen.

The verifier keeps the digest of every selection ciphertext on the board (check 9: no
ciphertext appears twice), two or more a ballot: at a million ballots a dict of integers
took about 260 bytes a ballot. :class:`DigestTable` is an open-addressing hash table
(linear probing) in two flat arrays: 16 bytes of digest and 4 of position a slot, at most
three quarters full, so about 27 to 53 bytes a digest.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator

# Slots in a new table (a power of two), and the share of slots that may be taken before it doubles.
FIRST_CAPACITY = 1 << 10
MOST_FULL = 0.75
WIDTH = 16


def ciphertext_digest(ciphertext: bytes) -> bytes:
    """The digest by which a selection ciphertext ``alpha ‖ beta`` (64 bytes) is recognised on
    the board (spec §12.5, rule 11): the first 16 bytes of its SHA-256. The server and the
    verifier compare these, so they refuse the same ballots."""
    return hashlib.sha256(ciphertext).digest()[:WIDTH]


class DigestTable:
    """16-byte digests -> the position (at least 1) first put with each.

    Invariants: the capacity is a power of two; slot ``i`` is empty when ``positions[i] == 0``,
    else ``keys[16 i : 16 i + 16]`` is its digest; a digest's slot is the first free or matching
    slot from ``digest[:8] mod capacity`` onwards (digests are hash output, so spread evenly);
    fewer than ``MOST_FULL`` of the slots are taken.
    """

    __slots__ = ("_count", "_keys", "_mask", "_positions")

    def __init__(self, capacity: int = FIRST_CAPACITY):
        size = 1
        while size < capacity:
            size *= 2
        self._mask = size - 1
        self._keys = bytearray(WIDTH * size)
        self._positions = array("I", bytes(4 * size))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def capacity(self) -> int:
        return self._mask + 1

    def nbytes(self) -> int:
        """The bytes the two arrays take."""
        return len(self._keys) + self._positions.itemsize * len(self._positions)

    def _slot(self, digest: bytes) -> int:
        """The slot holding ``digest``, or the empty slot where it would go."""
        if len(digest) != WIDTH:
            raise ValueError(f"a digest is {WIDTH} bytes, not {len(digest)}")
        mask, keys, positions = self._mask, self._keys, self._positions
        i = int.from_bytes(digest[:8], "little") & mask
        while positions[i] and keys[WIDTH * i:WIDTH * i + WIDTH] != digest:
            i = (i + 1) & mask
        return i

    def get(self, digest: bytes) -> int | None:
        """The position put with ``digest``, or None."""
        return self._positions[self._slot(digest)] or None

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, bytes) and self.get(digest) is not None

    def put(self, digest: bytes, position: int) -> None:
        """Keeps ``digest`` with ``position`` (replacing the position it had, if any)."""
        if position < 1:
            raise ValueError("positions start at 1")
        i = self._slot(digest)
        if not self._positions[i]:
            if self._count + 1 > MOST_FULL * self.capacity:
                self._grow()
                i = self._slot(digest)
            self._keys[WIDTH * i:WIDTH * i + WIDTH] = digest
            self._count += 1
        self._store(i, position)

    def items(self) -> Iterator[tuple[bytes, int]]:
        """Every (digest, position), in slot order."""
        keys = self._keys
        for i, position in enumerate(self._positions):
            if position:
                yield bytes(keys[WIDTH * i:WIDTH * i + WIDTH]), position

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DigestTable):
            return NotImplemented
        return len(self) == len(other) and all(other.get(digest) == position for digest, position in self.items())

    __hash__ = None  # type: ignore[assignment]

    def _store(self, i: int, position: int) -> None:
        try:
            self._positions[i] = position
        except OverflowError:  # past 2**32 - 1: 8 bytes a position from now on
            self._positions = array("Q", self._positions)
            self._positions[i] = position

    def _grow(self) -> None:
        old_keys, old_positions = self._keys, self._positions
        mask = 2 * len(old_positions) - 1
        keys = bytearray(2 * len(old_keys))
        positions = array(old_positions.typecode, bytes(2 * old_positions.itemsize * len(old_positions)))
        from_bytes = int.from_bytes
        for old, position in enumerate(old_positions):
            if position:
                digest = old_keys[WIDTH * old:WIDTH * old + WIDTH]
                i = from_bytes(digest[:8], "little") & mask
                while positions[i]:  # every digest is here once: only empty slots end the search
                    i = (i + 1) & mask
                keys[WIDTH * i:WIDTH * i + WIDTH] = digest
                positions[i] = position
        self._mask, self._keys, self._positions = mask, keys, positions


__all__ = ["DigestTable", "ciphertext_digest"]
