"""The board table is append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import IntegrityError

from vybory.store import Database, board
from vybory.store.tables import BoardEvent, Election

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _election_with_two_events(database: Database) -> int:
    with database.transaction() as session:
        election = Election(slug="e", title="E", fingerprint="f" * 64, definition_source="", created_at=NOW)
        session.add(election)
        session.flush()
        board.append(session, election.id, board.StoredEvent(0, "election_defined", "{}", "0" * 64, "a" * 64, NOW))
        board.append(session, election.id, board.StoredEvent(1, "round_opened", '{"round":1}', "a" * 64, "b" * 64, NOW))
        return election.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE board_events SET payload = 'forged' WHERE position = 1",
        "UPDATE board_events SET kind = 'ballot_cast'",
        "DELETE FROM board_events WHERE position = 1",
        "DELETE FROM board_events",
    ],
)
def test_sql_that_changes_or_removes_an_event_is_refused(database: Database, statement: str) -> None:
    election_id = _election_with_two_events(database)
    with pytest.raises(IntegrityError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    with database.transaction(write=False) as session:
        rows = list(board.events(session, election_id))
    assert [(r.position, r.kind, r.payload) for r in rows] == [
        (0, "election_defined", "{}"),
        (1, "round_opened", '{"round":1}'),
    ]


def test_orm_update_and_delete_are_refused(database: Database) -> None:
    election_id = _election_with_two_events(database)
    with pytest.raises(IntegrityError, match="append-only"), database.transaction() as session:
        session.execute(update(BoardEvent).values(hash="c" * 64))
    with pytest.raises(IntegrityError, match="append-only"), database.transaction() as session:
        row = session.get(BoardEvent, 1)
        session.delete(row)
    with pytest.raises(IntegrityError, match="append-only"), database.transaction() as session:
        session.execute(delete(BoardEvent).where(BoardEvent.election_id == election_id))
    with database.transaction(write=False) as session:
        assert board.count(session, election_id) == 2


def test_emptying_the_board_is_refused(database: Database) -> None:
    # SQLite has no TRUNCATE; its "DELETE FROM t" fast path is disabled by the trigger.
    statement = "TRUNCATE board_events" if database.is_postgresql else "DELETE FROM board_events"
    election_id = _election_with_two_events(database)
    with pytest.raises(IntegrityError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    with database.transaction(write=False) as session:
        assert board.count(session, election_id) == 2


def test_a_second_event_at_the_same_position_is_refused(database: Database) -> None:
    election_id = _election_with_two_events(database)
    with pytest.raises(IntegrityError), database.transaction() as session:
        board.append(session, election_id, board.StoredEvent(1, "round_opened", "{}", "a" * 64, "d" * 64, NOW))
    with database.transaction(write=False) as session:
        assert board.head(session, election_id).hash == "b" * 64  # type: ignore[union-attr]


def test_events_stream_in_order_in_batches(database: Database) -> None:
    with database.transaction() as session:
        election = Election(slug="e", title="E", fingerprint="f" * 64, definition_source="", created_at=NOW)
        session.add(election)
        session.flush()
        previous = "0" * 64
        for position in range(25):
            digest = f"{position:064x}"
            board.append(session, election.id, board.StoredEvent(position, "k", "{}", previous, digest, NOW))
            previous = digest
    with database.transaction(write=False) as session:
        got = [e.position for e in board.events(session, election.id, start=3, stop=20, batch=4)]
        assert got == list(range(3, 20))
        assert board.head(session, election.id).position == 24  # type: ignore[union-attr]
        assert board.event_at(session, election.id, 7).hash == f"{7:064x}"  # type: ignore[union-attr]
