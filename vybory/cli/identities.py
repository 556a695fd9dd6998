"""Identity keys for simulated elections (``vybory demo``, ``vybory serve --demo``).

In a real election each trustee, the credential authority and the commission
make their own key with ``vybory ... init`` on their own machine; a simulation
plays all of them in one process, so it makes their keys here (from the demo's
seed, so that a seeded demo is reproducible).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vybory import protocol
from vybory.crypto.group import Point
from vybory.crypto.rng import DeterministicRng
from vybory.model.definition import Voter
from vybory.model.identity import IdentityKey
from vybory.model.signing import AUTHORITY, COMMISSION, sign_payload


def simulated_identities(trustee_ids: Iterable[str], seed: str | None = None) -> dict[tuple[str, str], IdentityKey]:
    """Keys by (role, id): every trustee's, and ("authority", "authority"), ("commission", "commission")."""
    people = [("trustee", t) for t in trustee_ids] + [("authority", "authority"), ("commission", "commission")]
    return {(role, id): IdentityKey.generate(role, id, None if seed is None else
                                             DeterministicRng(f"vybory-demo-identity:{seed}:{role}:{id}".encode()))
            for role, id in people}


def key_line(identities: dict[tuple[str, str], IdentityKey], role: str, id: str | None = None) -> str:
    """The definition's ``signing_key = "..."`` line for that signer."""
    return f'signing_key = "{identities[(role, id or role)].signing_key.to_hex()}"'


def sign_roll_and_issue(service: Any, slug: str, identities: dict[tuple[str, str], IdentityKey],
                        seed: str | None = None) -> list[tuple[Voter, str, Point]]:
    """The simulated commission signs the stored roll and publishes it; the simulated credential
    authority issues one credential per voter from it and publishes the signed public list.
    Returns ``(voter, secret credential, public credential)`` per voter of the roll."""
    def rng(label: str) -> DeterministicRng | None:
        return None if seed is None else DeterministicRng(f"{seed}:{label}".encode())

    state = service.state(slug)
    roll = service.roll(slug)
    service.publish_roll(slug, sign_payload(state.fingerprint, identities[(COMMISSION, COMMISSION)].signing_secret,
                                            COMMISSION, "roll_published",
                                            protocol.publish_roll(state.definition, roll), rng("roll")))
    issued = protocol.issue_credentials(roll, rng("credentials"))
    body = protocol.credential_list(state.definition, roll,
                                    [(public, voter.district, voter.weight) for voter, _s, public in issued])
    service.publish_credentials(slug, sign_payload(state.fingerprint, identities[(AUTHORITY, AUTHORITY)].signing_secret,
                                                   AUTHORITY, "credentials_published", body, rng("credential-list")))
    return issued
