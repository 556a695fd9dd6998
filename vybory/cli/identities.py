"""Identity keys for simulated elections (``vybory demo``, ``vybory serve --demo``).

In a real election each trustee, the credential authority and the commission
make their own key with ``vybory ... init`` on their own machine; a simulation
plays all of them in one process, so it makes their keys here (from the demo's
seed, so that a seeded demo is reproducible).
"""

from __future__ import annotations

from collections.abc import Iterable

from vybory.crypto.rng import DeterministicRng
from vybory.model.identity import IdentityKey


def simulated_identities(trustee_ids: Iterable[str], seed: str | None = None) -> dict[tuple[str, str], IdentityKey]:
    """Keys by (role, id): every trustee's, and ("authority", "authority"), ("commission", "commission")."""
    people = [("trustee", t) for t in trustee_ids] + [("authority", "authority"), ("commission", "commission")]
    return {(role, id): IdentityKey.generate(role, id, None if seed is None else
                                             DeterministicRng(f"vybory-demo-identity:{seed}:{role}:{id}".encode()))
            for role, id in people}


def key_line(identities: dict[tuple[str, str], IdentityKey], role: str, id: str | None = None) -> str:
    """The definition's ``signing_key = "..."`` line for that signer."""
    return f'signing_key = "{identities[(role, id or role)].signing_key.to_hex()}"'
