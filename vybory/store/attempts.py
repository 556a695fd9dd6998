"""The throttles' failed attempts (table ``attempts``): one row per key, shared by every server
process on the database and kept when a server restarts.

The store only keeps the numbers; what a failure does to them (the backoff) is decided by the
caller (:mod:`vybory.api.throttle`), inside the same write transaction, so that two processes
counting failures of one key at once never lose one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vybory.store.database import Database
from vybory.store.tables import Attempt

Count = tuple[int, float, float]
"""failures, locked until, last failure (Unix seconds)."""


class StoredAttempts:
    """Failure counts per key in ``database``."""

    def __init__(self, database: Database):
        self.database = database

    def get(self, key: str) -> Count | None:
        with self.database.transaction(write=False) as session:
            row = session.get(Attempt, key)
            return None if row is None else (row.failures, row.locked_until, row.last)

    def update(self, key: str, change: Callable[[Count | None], Count], *, idle_before: float,
               prefix: str = "") -> None:
        """Replaces the count of ``key`` by ``change(count)`` (``None``: no count yet), with the
        row locked meanwhile; deletes the rows of the same throttle (keys starting with ``prefix``)
        whose last failure is before ``idle_before`` and whose lock has run out (another throttle
        may keep its counts longer)."""
        with self.database.transaction() as session:
            _insert_missing(session, key)
            row = session.get(Attempt, key, with_for_update=True, populate_existing=True)
            assert row is not None
            current = None if row.failures == 0 else (row.failures, row.locked_until, row.last)
            row.failures, row.locked_until, row.last = change(current)
            session.flush()
            session.execute(delete(Attempt).where(Attempt.key.startswith(prefix, autoescape=True),
                                                  Attempt.last < idle_before,
                                                  Attempt.locked_until < idle_before, Attempt.key != key))

    def clear(self, key: str) -> None:
        with self.database.transaction() as session:
            session.execute(delete(Attempt).where(Attempt.key == key))


def _insert_missing(session: Session, key: str) -> None:
    """An empty row for ``key`` unless there is one (two processes may insert it at once)."""
    values = {"key": key, "failures": 0, "locked_until": 0.0, "last": 0.0}
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Attempt).values(**values).on_conflict_do_nothing(index_elements=["key"]))
