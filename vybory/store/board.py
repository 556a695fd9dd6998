"""Reading and appending board events, in a transaction the caller holds.

Rows are plain storage: ``payload`` is the canonical JSON text, hashes are
lower-case hex. Turning rows into ``vybory.model.board.Event`` values (and
checking the chain) is the service's job; this module never decides whether
an event is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vybory.store.tables import BoardEvent, Election, table_of


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One board row as stored.

    Invariants: ``payload`` is canonical JSON text; ``hash`` and
    ``previous_hash`` are 64 lower-case hex digits.
    """

    position: int
    kind: str
    payload: str
    previous_hash: str
    hash: str
    recorded_at: datetime


def _stored(row: BoardEvent) -> StoredEvent:
    return StoredEvent(row.position, row.kind, row.payload, row.previous_hash, row.hash, row.recorded_at)


def lock_election(session: Session, election_id: int) -> None:
    """Takes the election's writer lock for the rest of the transaction (PostgreSQL).

    On SQLite the writing transaction already holds the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Election.id).where(Election.id == election_id).with_for_update()).one()


def head(session: Session, election_id: int) -> StoredEvent | None:
    """The last event of the election's board, or ``None`` for an empty board."""
    row = session.scalars(
        select(BoardEvent)
        .where(BoardEvent.election_id == election_id)
        .order_by(BoardEvent.position.desc())
        .limit(1)
    ).first()
    return None if row is None else _stored(row)


def count(session: Session, election_id: int, kind: str | None = None) -> int:
    query = select(func.count()).select_from(BoardEvent).where(BoardEvent.election_id == election_id)
    if kind is not None:
        query = query.where(BoardEvent.kind == kind)
    return int(session.scalar(query) or 0)


def events(
    session: Session,
    election_id: int,
    *,
    start: int = 0,
    stop: int | None = None,
    kinds: tuple[str, ...] | None = None,
    batch: int = 2000,
) -> Iterator[StoredEvent]:
    """Events in board order with ``start <= position < stop``, streamed in batches."""
    position = start
    while True:
        query = (
            select(BoardEvent)
            .where(BoardEvent.election_id == election_id, BoardEvent.position >= position)
            .order_by(BoardEvent.position)
            .limit(batch)
        )
        if stop is not None:
            query = query.where(BoardEvent.position < stop)
        if kinds is not None:
            query = query.where(BoardEvent.kind.in_(kinds))
        rows = session.scalars(query).all()
        for row in rows:
            yield _stored(row)
        if len(rows) < batch:
            return
        position = rows[-1].position + 1


def event_at(session: Session, election_id: int, position: int) -> StoredEvent | None:
    row = session.scalars(
        select(BoardEvent).where(BoardEvent.election_id == election_id, BoardEvent.position == position)
    ).first()
    return None if row is None else _stored(row)


def append(session: Session, election_id: int, event: StoredEvent) -> None:
    """Inserts one event; the unique (election, position) constraint refuses a fork."""
    session.connection().execute(
        insert(table_of(BoardEvent)),
        [{
            "election_id": election_id,
            "position": event.position,
            "kind": event.kind,
            "payload": event.payload,
            "previous_hash": event.previous_hash,
            "hash": event.hash,
            "recorded_at": event.recorded_at,
        }],
    )
