"""A whole election in pure code: define, nominate, key ceremony (5 trustees, k = 3),
credentials, ballots, re-votes, close, tally, 3 of 5 shares, decide, then a runoff
and a repeat round, and publication. The board is replayed and checked at the end.

The module fixture runs the whole election once; each test reads one part of it, so
the tests do not depend on their order (they may run on different workers)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    VOTING_CLOSE,
    VOTING_OPEN,
    Board,
    at,
    council,
    decrypt_round,
    issue,
    nominate_all,
    run_key_ceremony,
    vote,
)

from vybory import protocol
from vybory.errors import Refused
from vybory.model.board import EventKind
from vybory.protocol.state import Phase

SOUTH = ["Kuznetsova", "Volkov"]
NORTH_FIRST = ["Sidorov"] * 10
NORTH_LAST = ["Ivanov"] * 4 + ["Petrova"] * 3 + ["Sidorov"] * 3


@dataclass
class Election:
    board: Board
    phases: list[Phase]
    runoff: list[str]
    round2_form: Any
    round2_start: Any
    after_publication: Refused


@pytest.fixture(scope="module")
def election() -> Election:
    board = Board(council())
    phases = [board.state.phase]
    secrets = run_key_ceremony(board)
    nominate_all(board, {"north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
                         "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")]})
    board.append("nominations_closed", protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE),
                 NOMINATIONS_CLOSE)
    phases.append(board.state.phase)
    creds = issue(board, {"north": 10, "south": 10})
    phases.append(board.state.phase)
    opened = at(VOTING_OPEN, hours=-2)
    board.append("round_opened", protocol.open_round(board.state, now=opened), opened)

    # Round 1: everyone in the north votes twice (only the last counts); 4 of 10 in the south.
    now = at(VOTING_OPEN, hours=1)
    for secret, name in zip(creds["north"], NORTH_FIRST):
        vote(board, secret, {"north-seat": [name]}, now, seed="first")
    for secret, name in zip(creds["north"], NORTH_LAST):
        vote(board, secret, {"north-seat": [name]}, at(now, minutes=5), seed="second")
    for secret in creds["south"][:4]:
        vote(board, secret, {"south-seat": ["Volkov"], "south-recall": "yes"}, now)
    phases.append(board.state.phase)
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    phases.append(board.state.phase)
    decrypt_round(board, secrets, 1, (2, 4, 5), VOTING_CLOSE)

    # Round 2: the runoff in the north and the repeat election in the south.
    start = at(VOTING_CLOSE, hours=2)
    board.append("round_opened", protocol.open_next_round(board.state, now=start), start)
    runoff = list(board.state.rounds[2].contests["north-seat"].candidates)
    form = protocol.ballot_form(board.state, protocol.public_credential(creds["north"][0]))
    now = at(start, hours=1)
    for i, secret in enumerate(creds["north"]):
        vote(board, secret, {"north-seat": [runoff[0] if i < 6 else runoff[1]]}, now, seed="r2")
    for i, secret in enumerate(creds["south"]):
        vote(board, secret, {"south-seat": ["Kuznetsova" if i < 7 else "Volkov"]}, now, seed="r2")
    # Everyone has voted: the round may close before its deadline.
    board.append("round_closed", protocol.close_round(board.state, round=2, now=now), now)
    decrypt_round(board, secrets, 2, (1, 2, 3), now)
    board.append("election_published", protocol.publish_election(board.state, now=now), now)
    phases.append(board.state.phase)
    with pytest.raises(Refused) as info:
        board.append("round_opened", {}, now)
    return Election(board, phases, runoff, form, start, info.value)


def outcomes(board: Board, number: int) -> dict[str, dict[str, Any]]:
    return {o["contest"]: o["outcome"] for o in board.state.rounds[number].outcomes["outcomes"]}


def test_phases_follow_the_lifecycle(election):
    assert election.phases == [Phase.NOMINATIONS, Phase.CREDENTIALS, Phase.READY, Phase.VOTING, Phase.TALLY,
                               Phase.PUBLISHED]


def test_round_one_counts_the_last_ballot_per_credential(election):
    board = election.board
    assert board.state.rounds[1].ballots_cast == 24
    decrypted = {c["contest"]: c for c in board.state.rounds[1].decrypted["contests"]}
    assert decrypted["north-seat"]["counts"] == dict(Counter(NORTH_LAST))
    assert decrypted["north-seat"]["ballots"] == 10
    assert decrypted["south-seat"]["counts"] == {"Kuznetsova": 0, "Volkov": 4}
    assert decrypted["south-recall"]["counts"] == {"yes": 4, "no": 0, "abstain": 0}
    assert board.state.rounds[1].decrypted["shares_used"] == [2, 4, 5]


def test_round_one_outcomes_announce_a_runoff_and_a_repeat(election):
    board = election.board
    first = outcomes(board, 1)
    assert first["north-seat"]["status"] == "runoff_required"
    assert "Ivanov" in first["north-seat"]["runoff_candidates"]
    assert len(first["north-seat"]["runoff_candidates"]) == 2
    assert first["south-seat"]["status"] == "repeat_required"
    # Recall needs a majority of the registered voters: 4 of 10 is not enough.
    assert first["south-recall"]["status"] == "no_decision"
    following = board.state.rounds[1].outcomes["next_round"]
    kinds = {c["contest"]: (c["kind"], c["candidates"]) for c in following["contests"]}
    assert kinds["north-seat"] == ("runoff", sorted(first["north-seat"]["runoff_candidates"]))
    assert kinds["south-seat"] == ("repeat", SOUTH)
    assert "south-recall" not in kinds


def test_the_runoff_ballot_lists_only_the_runoff_candidates(election):
    board, form = election.board, election.round2_form
    rnd = board.state.rounds[2]
    assert set(rnd.contests) == {"north-seat", "south-seat"}
    assert rnd.closes_at == at(election.round2_start, days=14)  # the longer of runoff_days and repeat_days
    assert form.round == 2 and [layout.contest for layout in form.layouts] == ["north-seat"]
    assert list(form.layouts[0].candidates) == election.runoff
    assert board.state.rounds[2].closed and board.state.rounds[2].closed_at < rnd.closes_at


def test_round_two_decides_and_the_election_is_published(election):
    board = election.board
    second = outcomes(board, 2)
    assert second["north-seat"]["status"] == "elected"
    assert second["north-seat"]["winners"] == [election.runoff[0]]
    assert second["south-seat"]["status"] == "elected"
    assert second["south-seat"]["winners"] == ["Kuznetsova"]
    assert board.state.rounds[2].outcomes["next_round"] is None
    results = {r["contest"]: r for r in board.state.head.payload["results"]}
    assert results["north-seat"]["elected"] == [election.runoff[0]] and results["north-seat"]["round"] == 2
    assert results["south-recall"] == {"contest": "south-recall", "round": 1, "status": "no_decision",
                                       "elected": []}
    assert election.after_publication.code == "published"
    # Nothing waits but the trustees' countersignatures of the final board.
    waiting = protocol.pending(board.state, VOTING_CLOSE)
    assert {(p.role, p.who) for p in waiting} == {("witness", t.id) for t in board.state.trustees}
    assert all("after results published" in p.action for p in waiting)


def test_the_board_replays_to_the_same_state(election):
    board = election.board
    replayed = board.replayed()
    assert replayed.head == board.state.head
    assert replayed.phase == board.state.phase
    assert replayed.tracking_codes == board.state.tracking_codes
    assert replayed.ciphertexts_seen == board.state.ciphertexts_seen
    kinds = Counter(e.kind for e in board.events)
    assert kinds[EventKind.DECRYPTION_SHARE] == 6
    assert kinds[EventKind.ROUND_OPENED] == 2
    assert kinds[EventKind.BALLOT_CAST] == 24 + 20
    # No event carries a secret credential, a key share or randomness.
    text = "".join(e.to_line().decode() for e in board.events)
    assert "secret_share" not in text and "coefficients" not in text and "randomness" not in text
