"""verify-ballot: a voter finds their ballot counted, superseded by a later one, or not on the board."""

from __future__ import annotations

import copy

from tamper import bump, load, rechained, record_files, to_lines

from vybory.cli.record import open_record
from vybory.verify import BallotState, find_ballot


def receipts(exported, round: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [r for r in exported.election.receipts if r.round == round]


def test_a_counted_ballot(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = receipts(exported, 1)[8]  # the first North voter's re-vote: it counts
    with open_record(exported.path) as files:
        status = find_ballot(files, receipt.tracking_code)
    assert status.state is BallotState.COUNTED
    assert (status.position, status.round) == (receipt.position, 1)
    assert status.board_intact and status.tally_matches
    tally = next(e for e in load(exported.events) if e["kind"] == "encrypted_tally")
    assert status.tally_position == tally["position"]


def test_a_superseded_ballot_names_the_later_one(exported) -> None:  # type: ignore[no-untyped-def]
    first, later = receipts(exported, 1)[0], receipts(exported, 1)[8]
    assert later.replaced == first.tracking_code
    # Written as a person might copy it from a receipt: upper case, in groups.
    written = "-".join(first.tracking_code[i:i + 8] for i in range(0, 64, 8)).upper()
    with open_record(exported.path) as files:
        status = find_ballot(files, written)
    assert status.state is BallotState.SUPERSEDED
    assert status.position == first.position
    assert status.superseded_by == (later.position, later.tracking_code)


def test_a_ballot_of_a_later_round(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = receipts(exported, 2)[10]
    with open_record(exported.path) as files:
        status = find_ballot(files, receipt.tracking_code)
    assert status.state is BallotState.COUNTED and status.round == 2


def test_a_tracking_code_that_is_not_on_the_board(exported) -> None:  # type: ignore[no-untyped-def]
    with open_record(exported.path) as files:
        status = find_ballot(files, "ab" * 32)
    assert status.state is BallotState.NOT_FOUND
    assert status.position is None and status.board_intact


def test_a_ballot_removed_from_the_board_is_not_found(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = receipts(exported, 1)[9]
    events = [e for e in load(exported.events) if e.get("payload", {}).get("tracking_code") != receipt.tracking_code]
    status = find_ballot(rechained(exported.files, events), receipt.tracking_code)
    assert status.state is BallotState.NOT_FOUND


def test_a_changed_ballot_is_invalid(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = receipts(exported, 1)[9]
    events = load(exported.events)
    event = next(e for e in events if e["payload"].get("tracking_code") == receipt.tracking_code)
    sig = event["payload"]["ballot"]["signature"]
    sig["response"] = bump(sig["response"])
    status = find_ballot(record_files(exported.files, to_lines(events)), receipt.tracking_code)
    assert status.state is BallotState.INVALID
    assert "tracking code" in status.problem or "signature" in status.problem
    assert not status.board_intact


def test_a_ballot_in_a_round_not_yet_tallied(exported) -> None:  # type: ignore[no-untyped-def]
    events = load(exported.events)
    cut = next(i for i, e in enumerate(events) if e["kind"] == "round_closed")
    receipt = receipts(exported, 1)[9]
    status = find_ballot(rechained(exported.files, copy.deepcopy(events[:cut])), receipt.tracking_code)
    assert status.state is BallotState.NOT_YET_COUNTED and status.round == 1
