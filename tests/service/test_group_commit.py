"""Group commits of ballots, on SQLite and PostgreSQL: ballots whose threads wait for the
election's writer lock are appended in one transaction, every receipt stands for a ballot that
is on the board once the receipt is handed out, and a group whose transaction fails loses no
ballot and hands out no receipt for a ballot that is not stored.

The adversaries: a voter who sends the same ballot twice at once (the copy must not land, the
group must not fail), and a failing disk or an index that refuses a row in the middle of a group
(the others must still land, each in its own transaction, and the failed one must get an error,
never a receipt).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any

import pytest
from kit import SLUG, new_election
from sqlalchemy import text

from vybory import protocol
from vybory.errors import Refused, VyboryError
from vybory.model import board as board_model
from vybory.model.ballot import Ballot, tracking_code
from vybory.model.board import check_chain
from vybory.service import ElectionService
from vybory.store import board as board_rows


@pytest.fixture
def election(service, clock):  # type: ignore[no-untyped-def]
    return new_election(service).open_for_voting()


def cast_together(service: ElectionService, ballots: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[list[Any], int]:
    """Casts ``ballots`` from one thread each, all of them waiting for the writer lock before the
    first one takes it. Returns each thread's receipt or exception, and how many writing
    transactions the service opened."""
    checked = threading.Barrier(len(ballots) + 1)
    held = threading.Event()
    real_check = protocol.rounds.check_ballot_proofs

    def check_then_wait(ballot, statement):  # type: ignore[no-untyped-def]
        real_check(ballot, statement)
        checked.wait(timeout=30)
        held.wait(timeout=30)

    monkeypatch.setattr(protocol.rounds, "check_ballot_proofs", check_then_wait)
    real_writing = service.board.writing
    transactions = []

    @contextmanager
    def counted(slug, now):  # type: ignore[no-untyped-def]
        transactions.append(slug)
        with real_writing(slug, now) as ctx:
            yield ctx

    monkeypatch.setattr(service.board, "writing", counted)
    outcomes: list[Any] = [None] * len(ballots)

    def cast(i: int) -> None:
        try:
            outcomes[i] = service.cast_ballot(SLUG, ballots[i])
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[i] = error

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(len(ballots))]
    for t in threads:
        t.start()
    checked.wait(timeout=30)
    queue = service._queue(SLUG)
    with service.board.election_lock(SLUG):
        held.set()
        deadline = time.monotonic() + 30
        while len(queue.items) < len(ballots) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(queue.items) == len(ballots)
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    return outcomes, len(transactions)


def stored(database: Any, clock: Any, receipt: Any) -> bool:
    """Whether another server (no cache, its own connections) finds the receipt's ballot where
    the receipt says, with the receipt's hash."""
    other = ElectionService(database, clock=clock)
    events = {e.position: e for e in other.events(SLUG)}
    event = events.get(receipt.position)
    return (event is not None and event.hash.hex() == receipt.event_hash
            and event.payload["tracking_code"] == receipt.tracking_code
            and other.find_ballot(SLUG, receipt.tracking_code).counts)


def test_ballots_waiting_for_the_lock_are_appended_in_one_transaction(election, database, clock,
                                                                      monkeypatch) -> None:
    north = election.credentials["north"]
    ballots = [election.make_ballot(secret, {"north-seat": ["Ivanov"]}).to_json() for secret in north[:4]]
    head = election.service.head(SLUG).position
    outcomes, transactions = cast_together(election.service, ballots, monkeypatch)
    assert transactions == 1
    assert sorted(r.position for r in outcomes) == [head + 1, head + 2, head + 3, head + 4]
    assert all(stored(database, clock, r) for r in outcomes)
    assert check_chain(election.service.events(SLUG))


def test_a_copy_in_the_same_group_gets_the_same_receipt_and_the_others_land(election, database, clock,
                                                                  monkeypatch) -> None:
    north = election.credentials["north"]
    first = election.make_ballot(north[0], {"north-seat": ["Ivanov"]}).to_json()
    second = election.make_ballot(north[1], {"north-seat": ["Petrova"]}).to_json()
    outcomes, transactions = cast_together(election.service, [first, first, second], monkeypatch)
    assert transactions == 1
    # the copy is not appended: it gets the receipt of the first (the same ballot, sent twice)
    assert not any(isinstance(o, Exception) for o in outcomes)
    assert outcomes[0] == outcomes[1] and outcomes[2] != outcomes[0]
    receipts = [outcomes[0], outcomes[2]]
    assert all(stored(database, clock, r) for r in receipts)
    assert election.service.state(SLUG).rounds[1].ballots_cast == 2


def test_a_group_whose_transaction_fails_gives_each_ballot_its_own(election, database, clock,
                                                                   monkeypatch) -> None:
    north = election.credentials["north"]
    ballots = [election.make_ballot(secret, {"north-seat": ["Ivanov"]}).to_json() for secret in north[:3]]
    doomed = tracking_code(Ballot.from_json(ballots[1]))
    real_append = board_rows.append

    def failing_disk(session, election_id, event):  # type: ignore[no-untyped-def]
        real_append(session, election_id, event)
        if doomed in event.payload:  # the stored row is canonical JSON text
            raise OSError("disk full")

    monkeypatch.setattr(board_rows, "append", failing_disk)
    outcomes, transactions = cast_together(election.service, ballots, monkeypatch)
    assert transactions == 1 + 3  # the group, then one for each of its ballots
    assert isinstance(outcomes[1], OSError)
    assert all(stored(database, clock, outcomes[i]) for i in (0, 2))
    events = election.service.events(SLUG)
    assert check_chain(events)
    assert all(e.payload.get("tracking_code") != doomed for e in events)
    assert election.service.state(SLUG).rounds[1].ballots_cast == 2


def test_a_ballot_is_checked_encoded_and_hashed_once(election, monkeypatch) -> None:
    """The costly work of one ballot is done once: its proofs before the lock, its JSON body and
    tracking code before the lock, and its event's hash once inside it (not again when the event
    is folded into the state). A second server process catching up with the board hashes each
    new event once too, and still refuses one whose hash is wrong."""
    service = election.service
    north = election.credentials["north"]
    ballot = election.make_ballot(north[0], {"north-seat": ["Ivanov"]})
    counts = {"proofs": 0, "hash": 0, "to_json": 0}
    real_check, real_hash, real_to_json = (protocol.rounds.check_ballot_proofs, board_model.compute_event_hash,
                                           Ballot.to_json)

    def count(name, real):  # type: ignore[no-untyped-def]
        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return real(*args, **kwargs)
        return counted

    monkeypatch.setattr(protocol.rounds, "check_ballot_proofs", count("proofs", real_check))
    monkeypatch.setattr(board_model, "compute_event_hash", count("hash", real_hash))
    monkeypatch.setattr(Ballot, "to_json", count("to_json", real_to_json))
    service.state(SLUG)  # the cache is current: what follows is one ballot's work
    receipt = service.cast_ballot(SLUG, ballot)
    assert counts == {"proofs": 1, "hash": 1, "to_json": 1}
    assert stored(service.database, service.clock, receipt)

    other = ElectionService(service.database, clock=service.clock)
    other.state(SLUG)
    later = service.cast_ballot(SLUG, election.make_ballot(north[1], {"north-seat": ["Petrova"]}))
    counts.update(hash=0)
    assert other.state(SLUG).head.position == later.position  # caught up by one event...
    assert counts["hash"] == 1  # ...hashed once
    monkeypatch.undo()

    # The catch-up still checks each event's hash: a row changed in the database is refused.
    third = service.cast_ballot(SLUG, election.make_ballot(north[2], {"north-seat": ["Ivanov"]}))
    with service.database.transaction() as session:
        if service.database.is_postgresql:
            session.execute(text("ALTER TABLE board_events DISABLE TRIGGER board_events_append_only"))
        else:
            session.execute(text("DROP TRIGGER board_events_no_update"))
        session.execute(text("UPDATE board_events SET payload = replace(payload, :code, :other)"),
                        {"code": third.tracking_code, "other": "0" * 64})
    with pytest.raises(Refused) as caught:
        other.state(SLUG)
    assert caught.value.code == "board_damaged" and f"event {third.position}" in str(caught.value)


def test_a_ballot_needs_one_transaction_when_the_cache_is_current(
        election, database, clock, monkeypatch) -> None:
    """With the process's cached state current, a ballot's statement comes from the cache: one
    transaction (the append), not two."""
    service = election.service
    north = election.credentials["north"]
    ballot = election.make_ballot(north[0], {"north-seat": ["Ivanov"]})
    service.state(SLUG)
    real_transaction = service.database.transaction
    opened: list[bool] = []

    @contextmanager
    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(kwargs.get("write", True))
        with real_transaction(*args, **kwargs) as session:
            yield session

    monkeypatch.setattr(service.database, "transaction", counted)
    receipt = service.cast_ballot(SLUG, ballot)
    assert opened == [True]
    # The same ballot again: its receipt, read from the board, and nothing appended.
    assert service.cast_ballot(SLUG, ballot) == receipt
    assert opened == [True, False]
    monkeypatch.undo()
    assert stored(database, clock, receipt) and service.head(SLUG).position == receipt.position


def test_a_cache_behind_the_board_refuses_no_ballot(service, database, clock) -> None:
    """Another server opened the round after this one last read the board: its cached state
    has no round 1, yet the ballot is not refused on the cache's word; the board decides."""
    from electionkit import NOMINATIONS_CLOSE, VOTING_OPEN, at

    election = new_election(service)
    election.nominate_all()
    election.key_ceremony()
    clock.set(at(NOMINATIONS_CLOSE, days=3))
    service.close_nominations(SLUG)
    election.issue_credentials()
    behind = ElectionService(database, clock=clock)
    assert 1 not in behind.state(SLUG).rounds  # its cache: no round yet
    service.open_round(SLUG)
    clock.set(at(VOTING_OPEN, hours=1))
    ballot = election.make_ballot(election.credentials["north"][0], {"north-seat": ["Ivanov"]})
    receipt = behind.cast_ballot(SLUG, ballot)
    assert stored(database, clock, receipt)
    # And a ballot the board refuses is refused, whichever state was cached.
    with pytest.raises(VyboryError) as caught:
        behind.cast_ballot(SLUG, _for_other_election(ballot))
    assert caught.value.code == "wrong_election"


def _for_other_election(ballot: Ballot) -> dict[str, Any]:
    body = ballot.to_json()
    body["election"] = "00" * 32
    return body
