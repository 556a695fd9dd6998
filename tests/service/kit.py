"""The service tests' election: the shared kit's small council (three trustees, k = 2, two seats,
twelve voters) run through the service, and what a refused operation must leave unchanged.

Trustees, the credential authority and voters compute their steps from a copy of the state (as
they would on their own machines) and hand only the public payloads to the service: see
:class:`electionkit.ServiceElection`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    ROLL,
    SLUG,
    T0,
    VOTING_CLOSE,
    VOTING_OPEN,
    ServiceElection,
    rng,
)
from electionkit import SMALL_COUNCIL as DEFINITION

from vybory.errors import VyboryError
from vybory.service import ElectionService


def new_election(service: ElectionService, definition: str = DEFINITION, roll: str | None = ROLL) -> ServiceElection:
    """The election created at T0 (the service's clock is set there)."""
    return ServiceElection.create(service, definition, roll)


def bump(scalar_hex: str) -> str:
    """Another canonical scalar (the next one): a well-formed but wrong response."""
    from vybory.crypto.group import Scalar

    return Scalar.from_int(int(Scalar.from_hex(scalar_hex, "s")) + 1).to_hex()


def refused(service: ElectionService, slug: str, call: Callable[[], object], code: str) -> VyboryError:
    """Runs ``call``, expects a refusal with ``code``, and checks that the board and the index
    tables are unchanged; returns the error."""
    before = board_snapshot(service, slug)
    with pytest.raises(VyboryError) as caught:
        call()
    assert caught.value.code == code, caught.value
    assert board_snapshot(service, slug) == before
    return caught.value


def board_snapshot(service: ElectionService, slug: str = SLUG) -> tuple[Any, ...]:
    """Everything a refused operation must leave unchanged: the board and the index tables."""
    from sqlalchemy import func, select

    from vybory.store.tables import BallotEntry, BoardEvent, CiphertextEntry, CredentialEntry

    head = service.head(slug)
    with service.database.transaction(write=False) as session:
        counts = tuple(session.scalar(select(func.count()).select_from(t))
                       for t in (BoardEvent, BallotEntry, CiphertextEntry, CredentialEntry))
    return head, counts


__all__ = ["DEFINITION", "NOMINATIONS_CLOSE", "ROLL", "SLUG", "T0", "VOTING_CLOSE", "VOTING_OPEN", "board_snapshot",
           "bump", "new_election", "refused", "rng"]
