"""Check 7: the signed roll and the list of public credentials (spec §12.1, §10.3).

The roll (``roll_published``, by the commission) comes before the list and
gives each district's voters, weights and commitment. One list, before round
1, from the definition's credential authority: every entry a valid point
other than the identity, no credential twice, sorted by credential, a known
district, a weight from 1 to 10^6; per district as many credentials as the
roll has voters, with the roll's multiset of weights, issued from the roll
with the signed commitment. Only public credentials, districts and weights:
no identity.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto.group import Point
from vybory.errors import VyboryError
from vybory.model.definition import Definition
from vybory.model.roll import RollDistrict, read_roll, read_summary, roll_differences
from vybory.verify.lines import ListedEntries
from vybory.verify.payloads import Malformed, need
from vybory.verify.report import Findings

CHECK = "credentials"
MAX_WEIGHT = 10**6


@dataclass(frozen=True, slots=True)
class Credential:
    """A listed credential's district and weight."""

    district: str
    weight: int


def read_roll_event(payload: Mapping[str, Any], definition: Definition, position: int,
                    out: Findings) -> tuple[RollDistrict, ...] | None:
    """The districts of a ``roll_published`` payload, or None (named) when they break a rule."""
    kind = "roll_published"
    need(payload, {"districts", "at"}, kind)
    out.count(CHECK)
    try:
        roll = read_roll(definition, payload["districts"])
    except VyboryError as error:
        code = error.code if error.code.startswith("roll_") else "roll_malformed"
        out.fail(CHECK, code, f"{error.field}: {error.message}", position=position, kind=kind)
        return None
    if not any(line.voters for line in roll):
        out.fail(CHECK, "roll_empty", "the roll has no voter", position=position, kind=kind)
        return None
    return roll


class CredentialList(Mapping[str, Credential]):
    """The listed credentials: hex -> :class:`Credential`, kept compactly for national lists.

    Each credential is 32 bytes of one sorted buffer, with the index of its (district, weight)
    value in a 4-byte array, about 36 bytes a credential in all (a dict of hex strings takes
    about 250). A credential is found by binary search; ``index`` gives its place in the sorted
    list, which :class:`~vybory.verify.rounds.LastBallots` uses as its key."""

    __slots__ = ("_keys", "_kinds", "_size", "_values")

    def __init__(self, keys: bytes = b"", values: array[int] | None = None,
                 kinds: Sequence[Credential] = ()):
        self._keys = bytes(keys)
        self._values = values if values is not None else array("I")
        self._kinds = tuple(kinds)
        self._size = len(self._keys) // 32

    def _key(self, i: int) -> bytes:
        return self._keys[32 * i:32 * i + 32]

    def index(self, text: object) -> int | None:
        """The place of the credential ``text`` (64 lower-case hex digits) in the list, or None."""
        if type(text) is not str or len(text) != 64:
            return None
        try:
            key = bytes.fromhex(text)
        except ValueError:
            return None
        if key.hex() != text:  # upper case: not the listed text
            return None
        i = bisect.bisect_left(range(self._size), key, key=self._key)
        return i if i < self._size and self._key(i) == key else None

    def at(self, i: int) -> Credential:
        """The district and weight of the ``i``-th credential."""
        return self._kinds[self._values[i]]

    def hex_at(self, i: int) -> str:
        return self._key(i).hex()

    def distinct(self) -> tuple[Credential, ...]:
        """The (district, weight) values the list holds, each once."""
        return self._kinds

    def __getitem__(self, text: str) -> Credential:
        i = self.index(text)
        if i is None:
            raise KeyError(text)
        return self.at(i)

    def __contains__(self, text: object) -> bool:
        return self.index(text) is not None

    def __iter__(self) -> Iterator[str]:
        return (self.hex_at(i) for i in range(self._size))

    def __len__(self) -> int:
        return self._size


class _Builder:
    """Collects a list's valid entries in list order into a :class:`CredentialList`."""

    def __init__(self) -> None:
        self.keys = bytearray()
        self.values = array("I")
        self.kinds: list[Credential] = []
        # One Credential value per (district, weight), shared by every credential that has it: a
        # national list has millions of entries and a few thousand distinct values.
        self.shared: dict[tuple[str, int], int] = {}
        self.previous = b""
        # Once the list is found out of order: every key seen, to find a repeated one.
        self.seen: set[bytes] | None = None

    def repeated(self, key: bytes) -> bool:
        """Whether ``key`` is already listed. While the list is sorted only the key before can be
        equal; once it is not, every key seen is kept in a set to find a repeated one."""
        if self.seen is None and key <= self.previous:
            self.seen = {bytes(self.keys[i:i + 32]) for i in range(0, len(self.keys), 32)}
        return self.seen is not None and key in self.seen

    def out_of_order(self, key: bytes) -> bool:
        """Whether ``key`` does not come after the key before it."""
        late = key <= self.previous
        self.previous = key
        return late

    def add(self, key: bytes, district: str, weight: int) -> None:
        value = self.shared.get((district, weight))
        if value is None:
            value = self.shared[(district, weight)] = len(self.kinds)
            self.kinds.append(Credential(district, weight))
        self.keys += key
        self.values.append(value)
        if self.seen is not None:
            self.seen.add(key)

    def build(self) -> CredentialList:
        if self.seen is None:  # already sorted: the list's own order
            return CredentialList(bytes(self.keys), self.values, self.kinds)
        order = sorted(range(len(self.values)), key=lambda i: self.keys[32 * i:32 * i + 32])
        keys = b"".join(bytes(self.keys[32 * i:32 * i + 32]) for i in order)
        return CredentialList(keys, array("I", (self.values[i] for i in order)), self.kinds)


def read_credentials(payload: Mapping[str, Any], definition: Definition, position: int,
                     out: Findings, roll: tuple[RollDistrict, ...] | None) -> CredentialList:
    """The credentials of a ``credentials_published`` payload; every bad entry is named and left
    out. The list is held to the signed ``roll`` (None: no valid roll before it).

    ``payload["credentials"]`` is a JSON list of entries, or (for a long list read straight from
    its line, :class:`vybory.verify.lines.ListedEntries`) a sequence of ``(credential, district,
    weight)`` triples already known to have the entry's form."""
    kind = "credentials_published"
    need(payload, {"authority", "credentials", "districts", "at"}, kind)

    def fail(code: str, message: str) -> None:
        out.fail(CHECK, code, message, position=position, kind=kind)

    if payload["authority"] != definition.credential_authority.name:
        fail("credentials_authority", f"the list is signed off by {payload['authority']!r}, not by the "
                                      f"definition's credential authority {definition.credential_authority.name!r}")
    entries = payload["credentials"]
    if not isinstance(entries, (list, ListedEntries)) or not entries:
        raise Malformed("credentials must be a non-empty list")
    built = _Builder()
    for k, entry in enumerate(entries):
        out.count(CHECK)
        where = f"credentials[{k}]"
        if isinstance(entry, tuple):
            text, district, weight = entry
        elif not isinstance(entry, Mapping) or set(entry) != {"credential", "district", "weight"}:
            fail("credential_entry", f"{where}: must have exactly credential, district, weight")
            continue
        else:
            text, district, weight = entry["credential"], entry["district"], entry["weight"]
        try:
            key = Point.from_hex(text, f"{where}.credential").to_bytes()
        except VyboryError as error:
            fail("credential_point", f"{where}: {error.message}")
            continue
        if built.repeated(key):
            fail("credential_duplicate", f"{where}: the credential {text} appears twice")
            continue
        if built.out_of_order(key):
            fail("credential_order", f"{where}: the list is not sorted by credential")
        if not isinstance(district, str) or not definition.has_district(district):
            fail("credential_district", f"{where}: {district!r} is not a district")
            continue
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
            fail("credential_weight", f"{where}: the weight {weight!r} is not a whole number from 1 to "
                                      f"{MAX_WEIGHT}")
            continue
        built.add(key, district, weight)
    credentials = built.build()
    if roll is None:
        fail("roll_missing", "no valid roll signed by the commission comes before the list")
        return credentials
    try:
        summary = read_summary(definition, payload["districts"])
    except VyboryError as error:
        fail("credentials_summary", f"{error.field}: {error.message}")
        return credentials
    listed = (credentials.at(i) for i in range(len(credentials)))
    for difference in roll_differences(roll, summary, ((c.district, c.weight) for c in listed)):
        fail(difference.code, f"{difference.field}: {difference.message}")
    return credentials


__all__ = ["CHECK", "Credential", "CredentialList", "read_credentials", "read_roll_event"]
