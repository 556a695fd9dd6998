"""A signer's long-term identity key (docs/spec.md §10.5): a trustee's, the credential
authority's or the commission's.

Made offline before the election is defined (``vybory trustee init``, ``vybory
credentials init``, ``vybory commission init``); its public half goes into the
definition, so the fingerprint binds it; its secret half never leaves the
signer's machine. The file is JSON::

    {"format": "vybory-identity-key", "version": 1, "role": "trustee" | "authority" | "commission",
     "id": str, "signing_secret": hex, "signing_key": hex}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.crypto.group import Point, Rng, Scalar
from vybory.errors import InvalidInput, VyboryError
from vybory.model.canonical import parse_json

FORMAT = "vybory-identity-key"
VERSION = 1
ROLES = ("trustee", "authority", "commission")


@dataclass(frozen=True, slots=True)
class IdentityKey:
    """Invariants: ``signing_key = g^signing_secret``; the secret is not zero; ``role`` in ``ROLES``."""

    role: str
    id: str
    signing_secret: Scalar

    @property
    def signing_key(self) -> Point:
        return Point.base_mul(self.signing_secret)

    @staticmethod
    def generate(role: str, id: str, rng: Rng | None = None) -> IdentityKey:
        if role not in ROLES:
            raise InvalidInput(f"must be one of {', '.join(ROLES)}", field="role")
        secret = Scalar.random(rng)
        while secret.is_zero():
            secret = Scalar.random(rng)
        return IdentityKey(role, id, secret)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "role": self.role, "id": self.id,
                "signing_secret": self.signing_secret.to_hex(), "signing_key": self.signing_key.to_hex()}


def identity_from_json(obj: Any, *, role: str | None = None, source: str = "identity key") -> IdentityKey:
    """The identity key in ``obj`` (as ``to_json`` writes it); refuses another role than ``role``."""
    if not isinstance(obj, Mapping) or obj.get("format") != FORMAT:
        raise InvalidInput(f"{source} is not a vybory identity key file (format {FORMAT!r})", field="format")
    if obj.get("version") != VERSION:
        raise InvalidInput(f"{source}: this vybory reads identity key version {VERSION}", field="version")
    if obj.get("role") not in ROLES:
        raise InvalidInput(f"{source}: role must be one of {', '.join(ROLES)}", field="role")
    if role is not None and obj["role"] != role:
        raise InvalidInput(f"{source} is the identity key of a {obj['role']}, not of a {role}", field="role")
    if not isinstance(obj.get("id"), str):
        raise InvalidInput(f"{source}: id must be a string", field="id")
    try:
        secret = Scalar.from_hex(obj.get("signing_secret"), "signing_secret")  # type: ignore[arg-type]
        public = Point.from_hex(obj.get("signing_key"), "signing_key")  # type: ignore[arg-type]
    except (VyboryError, TypeError, AttributeError):
        raise InvalidInput(f"{source}: signing_secret and signing_key must be 64 hexadecimal digits "
                           "encoding a scalar and a point", field="signing_secret") from None
    key = IdentityKey(obj["role"], obj["id"], secret)
    if secret.is_zero() or key.signing_key != public:
        raise InvalidInput(f"{source}: signing_key is not the public key of signing_secret", field="signing_key")
    return key


def read_identity(text: str | bytes, *, role: str | None = None, source: str = "identity key") -> IdentityKey:
    try:
        obj = parse_json(text)
    except VyboryError as exc:
        raise InvalidInput(f"{source} is not valid JSON: {exc.message}", field="identity") from None
    return identity_from_json(obj, role=role, source=source)
