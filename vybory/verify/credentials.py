"""Check 7: the list of public credentials (spec §12.1, §10.3).

One list, before round 1, from the definition's credential authority: every
entry a valid point other than the identity, no credential twice, sorted by
credential, a known district, a weight from 1 to 10^6. Only public
credentials, districts and weights: no identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.crypto.group import Point
from vybory.errors import VyboryError
from vybory.model.definition import Definition
from vybory.verify.payloads import Malformed, need
from vybory.verify.report import Findings

CHECK = "credentials"
MAX_WEIGHT = 10**6


@dataclass(frozen=True, slots=True)
class Credential:
    """A listed credential's district and weight."""

    district: str
    weight: int


def read_credentials(payload: Mapping[str, Any], definition: Definition, position: int,
                     out: Findings) -> dict[str, Credential]:
    """The credentials of a ``credentials_published`` payload (hex -> entry); every bad entry is
    named and left out."""
    kind = "credentials_published"
    need(payload, {"authority", "credentials", "at"}, kind)

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
    return credentials


__all__ = ["CHECK", "Credential", "read_credentials"]
