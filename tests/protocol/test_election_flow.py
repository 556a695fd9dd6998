"""A whole election in pure code: define, nominate, key ceremony (5 trustees, k = 3),
credentials, ballots, re-votes, close, tally, 3 of 5 shares, decide, then a runoff
and a repeat round, and publication. The board is replayed and checked at the end."""

from __future__ import annotations

from collections import Counter

import pytest
from election_kit import (
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

NORTH = ["Ivanov", "Petrova", "Sidorov"]
SOUTH = ["Kuznetsova", "Volkov"]

# The tests below follow one election step by step: keep them on one worker, in order.
pytestmark = pytest.mark.xdist_group("protocol-election-flow")


@pytest.fixture(scope="module")
def election():
    board = Board(council())
    assert board.state.phase is Phase.NOMINATIONS
    secrets = run_key_ceremony(board)
    nominate_all(board, {"north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
                         "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")]})
    board.append("nominations_closed", protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE),
                 NOMINATIONS_CLOSE)
    assert board.state.phase is Phase.CREDENTIALS
    creds = issue(board, {"north": 10, "south": 10})
    assert board.state.phase is Phase.READY
    opened = at(VOTING_OPEN, hours=-2)
    board.append("round_opened", protocol.open_round(board.state, now=opened), opened)
    return board, secrets, creds


def test_round_one_counts_the_last_ballot_per_credential(election):
    board, secrets, creds = election
    now = at(VOTING_OPEN, hours=1)
    north_first = ["Sidorov"] * 10
    north_last = ["Ivanov"] * 4 + ["Petrova"] * 3 + ["Sidorov"] * 3
    for secret, name in zip(creds["north"], north_first):
        vote(board, secret, {"north-seat": [name]}, now, seed="first")
    # Everyone re-votes: only the last ballot counts.
    for secret, name in zip(creds["north"], north_last):
        vote(board, secret, {"north-seat": [name]}, at(now, minutes=5), seed="second")
    # Four of ten in the south: below the quorum of one half.
    for secret in creds["south"][:4]:
        vote(board, secret, {"south-seat": ["Volkov"], "south-recall": "yes"}, now)
    assert board.state.phase is Phase.VOTING
    assert board.state.rounds[1].ballots_cast == 24
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    assert board.state.phase is Phase.TALLY
    decrypt_round(board, secrets, 1, (2, 4, 5), VOTING_CLOSE)

    decrypted = {c["contest"]: c for c in board.state.rounds[1].decrypted["contests"]}
    assert decrypted["north-seat"]["counts"] == dict(Counter(north_last))
    assert decrypted["north-seat"]["ballots"] == 10
    assert decrypted["south-seat"]["counts"] == {"Kuznetsova": 0, "Volkov": 4}
    assert decrypted["south-recall"]["counts"] == {"yes": 4, "no": 0, "abstain": 0}
    assert board.state.rounds[1].decrypted["shares_used"] == [2, 4, 5]

    outcomes = {o["contest"]: o["outcome"] for o in board.state.rounds[1].outcomes["outcomes"]}
    assert outcomes["north-seat"]["status"] == "runoff_required"
    assert "Ivanov" in outcomes["north-seat"]["runoff_candidates"]
    assert len(outcomes["north-seat"]["runoff_candidates"]) == 2
    assert outcomes["south-seat"]["status"] == "repeat_required"
    # Recall needs a majority of the registered voters: 4 of 10 is not enough.
    assert outcomes["south-recall"]["status"] == "no_decision"
    following = board.state.rounds[1].outcomes["next_round"]
    kinds = {c["contest"]: (c["kind"], c["candidates"]) for c in following["contests"]}
    assert kinds["north-seat"][0] == "runoff"
    assert kinds["north-seat"][1] == sorted(outcomes["north-seat"]["runoff_candidates"])
    assert kinds["south-seat"] == ("repeat", SOUTH)
    assert "south-recall" not in kinds


def test_runoff_and_repeat_round(election):
    board, secrets, creds = election
    start = at(VOTING_CLOSE, hours=2)
    board.append("round_opened", protocol.open_next_round(board.state, now=start), start)
    rnd = board.state.rounds[2]
    assert set(rnd.contests) == {"north-seat", "south-seat"}
    assert rnd.closes_at == at(start, days=14)  # the longer of runoff_days and repeat_days
    runoff = list(rnd.contests["north-seat"].candidates)
    # The runoff ballot lists only the two runoff candidates.
    form = protocol.ballot_form(board.state, protocol.public_credential(creds["north"][0]))
    assert form.round == 2 and [l.contest for l in form.layouts] == ["north-seat"]
    assert list(form.layouts[0].candidates) == runoff
    now = at(start, hours=1)
    for i, secret in enumerate(creds["north"]):
        vote(board, secret, {"north-seat": [runoff[0] if i < 6 else runoff[1]]}, now, seed="r2")
    for i, secret in enumerate(creds["south"]):
        vote(board, secret, {"south-seat": ["Kuznetsova" if i < 7 else "Volkov"]}, now, seed="r2")
    # Everyone has voted: the round may close before its deadline.
    board.append("round_closed", protocol.close_round(board.state, round=2, now=now), now)
    assert board.state.rounds[2].closed
    decrypt_round(board, secrets, 2, (1, 2, 3), now)
    outcomes = {o["contest"]: o["outcome"] for o in board.state.rounds[2].outcomes["outcomes"]}
    assert outcomes["north-seat"]["status"] == "elected"
    assert outcomes["north-seat"]["winners"] == [runoff[0]]
    assert outcomes["south-seat"]["status"] == "elected"
    assert outcomes["south-seat"]["winners"] == ["Kuznetsova"]
    assert board.state.rounds[2].outcomes["next_round"] is None
    published = protocol.publish_election(board.state, now=now)
    board.append("election_published", published, now)
    results = {r["contest"]: r for r in board.state.head.payload["results"]}
    assert results["north-seat"]["elected"] == [runoff[0]] and results["north-seat"]["round"] == 2
    assert results["south-recall"]["status"] == "no_decision"
    assert board.state.phase is Phase.PUBLISHED
    with pytest.raises(Refused) as info:
        board.append("round_opened", {}, now)
    assert info.value.code == "published"


def test_the_board_replays_to_the_same_state(election):
    board, _, _ = election
    replayed = board.replayed()
    assert replayed.head == board.state.head
    assert replayed.phase == board.state.phase
    assert replayed.tracking_codes == board.state.tracking_codes
    assert replayed.ciphertexts_seen == board.state.ciphertexts_seen
    kinds = Counter(e.kind for e in board.events)
    assert kinds[EventKind.DECRYPTION_SHARE] == 6
    assert kinds[EventKind.ROUND_OPENED] == 2
    # No event carries a secret credential or a voter identity.
    text = "".join(e.to_line().decode() for e in board.events)
    assert "secret" not in text and "coefficients" not in text
