"""One operation, one transaction: a failure half-way leaves nothing; several services
(processes) on one database stay consistent; a damaged board is reported, not used."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from kit import (
    SLUG,
    VOTING_CLOSE,
    board_snapshot,
    new_election,
)
from sqlalchemy import text

from vybory.errors import Refused
from vybory.model.board import check_chain
from vybory.service import ElectionService, tallying
from vybory.store import board as board_rows


@pytest.fixture
def election(service, clock):  # type: ignore[no-untyped-def]
    return new_election(service).open_for_voting()


def test_a_crash_between_two_events_of_one_operation_writes_neither(election, clock, monkeypatch) -> None:
    service = election.service
    for secret in election.credentials["north"]:
        election.vote(secret, {"north-seat": ["Ivanov"]})
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    election.decrypt((1, 2))
    before = board_snapshot(service)

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("power failure")

    # decide appends tally_decrypted, then fails while counting: nothing of it may remain.
    monkeypatch.setattr(tallying.protocol_decide, "declare_outcomes", crash)
    with pytest.raises(RuntimeError):
        service.decide(SLUG)
    assert board_snapshot(service) == before
    assert service.state(SLUG).rounds[1].decrypted is None  # the service's cached state was not kept
    monkeypatch.undo()
    decision = service.decide(SLUG)
    assert [p.kind for p in decision.posted][:2] == ["tally_decrypted", "outcome_declared"]
    assert check_chain(service.events(SLUG))


def test_a_crash_while_storing_a_ballot_leaves_no_trace(election, monkeypatch) -> None:
    service = election.service
    before = board_snapshot(service)
    ballot = election.make_ballot(election.credentials["north"][0], {"north-seat": ["Ivanov"]})
    real = board_rows.append

    def failing_append(session, election_id, event):  # type: ignore[no-untyped-def]
        real(session, election_id, event)
        raise OSError("disk full")

    monkeypatch.setattr(board_rows, "append", failing_append)
    with pytest.raises(OSError):
        service.cast_ballot(SLUG, ballot.to_json())
    monkeypatch.undo()
    assert board_snapshot(service) == before
    assert service.state(SLUG).rounds[1].ballots_cast == 0
    receipt = service.cast_ballot(SLUG, ballot.to_json())  # the same ballot is fine afterwards
    assert receipt.position == before[0].position + 1


def test_two_services_on_one_database_see_each_others_events(election, database, clock) -> None:
    first = election.service
    second = ElectionService(database, clock=clock)
    north = election.credentials["north"]
    election.vote(north[0], {"north-seat": ["Ivanov"]})
    assert second.state(SLUG).rounds[1].ballots_cast == 1
    second.cast_ballot(SLUG, election.make_ballot(north[1], {"north-seat": ["Petrova"]}).to_json())
    election.vote(north[2], {"north-seat": ["Sidorov"]})  # the first service's cache is behind: it catches up
    assert first.state(SLUG).rounds[1].ballots_cast == 3
    assert second.state(SLUG).rounds[1].ballots_cast == 3
    assert check_chain(first.events(SLUG))


def test_concurrent_ballots_from_several_services_never_fork_the_board(election, database, clock) -> None:
    voters = election.credentials["north"] + election.credentials["south"]
    ballots = [election.make_ballot(secret, {"north-seat": ["Ivanov"]} if secret in election.credentials["north"]
                           else {"south-seat": ["Volkov"]}) for secret in voters]
    services = [ElectionService(database, clock=clock) for _ in range(3)]
    errors: list[BaseException] = []

    def cast(service: ElectionService, mine: list) -> None:  # type: ignore[type-arg]
        try:
            for ballot in mine:
                service.cast_ballot(SLUG, ballot.to_json())
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=cast, args=(s, ballots[i::3])) for i, s in enumerate(services)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = election.service.events(SLUG)
    assert check_chain(events)
    assert election.service.state(SLUG).rounds[1].ballots_cast == len(voters)


def test_a_board_changed_behind_the_services_back_is_reported(election, database) -> None:
    election.vote(election.credentials["north"][0], {"north-seat": ["Ivanov"]})
    with database.transaction() as session:
        if database.is_postgresql:
            session.execute(text("ALTER TABLE board_events DISABLE TRIGGER board_events_append_only"))
        else:
            session.execute(text("DROP TRIGGER board_events_no_update"))
        session.execute(text("UPDATE board_events SET payload = replace(payload, 'fitter', 'baker')"))
    fresh = ElectionService(database)
    with pytest.raises(Refused) as caught:
        fresh.status(SLUG)
    assert caught.value.code == "board_damaged"
    assert "event" in str(caught.value)


def test_the_round_deadline_is_the_clock_of_the_service(election, clock) -> None:
    clock.set(VOTING_CLOSE - timedelta(seconds=1))
    election.vote(election.credentials["south"][0], {"south-seat": ["Volkov"]})
    clock.set(VOTING_CLOSE)
    with pytest.raises(Refused) as caught:
        election.vote(election.credentials["south"][1], {"south-seat": ["Volkov"]})
    assert caught.value.code == "round_closed"
