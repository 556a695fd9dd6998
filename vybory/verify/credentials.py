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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.crypto.group import Point
from vybory.errors import VyboryError
from vybory.model.definition import Definition
from vybory.model.roll import RollDistrict, read_roll, read_summary, roll_differences
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


def read_credentials(payload: Mapping[str, Any], definition: Definition, position: int,
                     out: Findings, roll: tuple[RollDistrict, ...] | None) -> dict[str, Credential]:
    """The credentials of a ``credentials_published`` payload (hex -> entry); every bad entry is
    named and left out. The list is held to the signed ``roll`` (None: no valid roll before it)."""
    kind = "credentials_published"
    need(payload, {"authority", "credentials", "districts", "at"}, kind)

    def fail(code: str, message: str) -> None:
        out.fail(CHECK, code, message, position=position, kind=kind)

    if payload["authority"] != definition.credential_authority.name:
        fail("credentials_authority", f"the list is signed off by {payload['authority']!r}, not by the "
                                      f"definition's credential authority {definition.credential_authority.name!r}")
    entries = payload["credentials"]
    if not isinstance(entries, list) or not entries:
        raise Malformed("credentials must be a non-empty list")
    credentials: dict[str, Credential] = {}
    # One Credential value per (district, weight), shared by every credential that has it: a
    # national list has millions of entries and a few thousand distinct values.
    shared: dict[tuple[str, int], Credential] = {}
    previous = ""
    for k, entry in enumerate(entries):
        out.count(CHECK)
        where = f"credentials[{k}]"
        if not isinstance(entry, Mapping) or set(entry) != {"credential", "district", "weight"}:
            fail("credential_entry", f"{where}: must have exactly credential, district, weight")
            continue
        text, district, weight = entry["credential"], entry["district"], entry["weight"]
        try:
            Point.from_hex(text, f"{where}.credential")
        except VyboryError as error:
            fail("credential_point", f"{where}: {error.message}")
            continue
        if text in credentials:
            fail("credential_duplicate", f"{where}: the credential {text} appears twice")
            continue
        if text <= previous:
            fail("credential_order", f"{where}: the list is not sorted by credential")
        previous = text
        if not isinstance(district, str) or not definition.has_district(district):
            fail("credential_district", f"{where}: {district!r} is not a district")
            continue
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
            fail("credential_weight", f"{where}: the weight {weight!r} is not a whole number from 1 to "
                                      f"{MAX_WEIGHT}")
            continue
        value = shared.get((district, weight))
        if value is None:
            value = shared[(district, weight)] = Credential(district, weight)
        credentials[text] = value
    if roll is None:
        fail("roll_missing", "no valid roll signed by the commission comes before the list")
        return credentials
    try:
        summary = read_summary(definition, payload["districts"])
    except VyboryError as error:
        fail("credentials_summary", f"{error.field}: {error.message}")
        return credentials
    listed = [(c.district, c.weight) for c in credentials.values()]
    for difference in roll_differences(roll, summary, listed):
        fail(difference.code, f"{difference.field}: {difference.message}")
    return credentials


__all__ = ["CHECK", "Credential", "read_credentials", "read_roll_event"]
