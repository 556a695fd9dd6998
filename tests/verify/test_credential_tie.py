"""verify-ballot with the voter's own credential: the ballot of the tracking code is the voter's.

The adversary is a lying voting device (or a booth page the server altered): it casts one
ballot and shows its tracking code to two voters, or shows a voter someone else's ballot as
theirs. Each voter's own check, with the secret credential of their letter (the public one
derived on their machine), catches the voter whose ballot it is not (``ballot_not_yours``),
and a letter whose credential is not on the list is named (``credential_not_listed``).
"""

from __future__ import annotations

from vybory.cli.record import open_record
from vybory.protocol.credentials import public_credential
from vybory.verify import BallotState, find_ballot
from vybory.verify.lookup import tie_credential


def public(secret: str) -> str:
    return public_credential(secret).to_hex()


def test_my_ballot_is_mine_and_my_latest_ballots_are_listed(exported) -> None:  # type: ignore[no-untyped-def]
    e = exported.election
    mine = e.credentials["north"][0]
    revote = e.receipts[8]  # the first North voter's re-vote in round 1
    with open_record(exported.path) as files:
        status = find_ballot(files, revote.tracking_code, public(mine))
    assert status.state is BallotState.COUNTED and status.tie is not None
    assert status.tie.findings == [] and status.tie.listed and status.tie.district == "north"
    assert status.tie.ballot_credential == public(mine)
    rounds = [r for r, _, _ in status.tie.own_ballots]
    assert rounds == [1, 2] and status.tie.own_ballots[0][1:] == (revote.position, revote.tracking_code)
    assert status.to_json()["credential"]["yours"] is True


def test_a_device_showing_two_voters_one_ballot_is_caught_by_the_other_voter(exported) -> None:  # type: ignore[no-untyped-def]
    e = exported.election
    first_voter, second_voter = e.credentials["north"][0], e.credentials["north"][1]
    shown = e.receipts[8].tracking_code  # the first voter's ballot, shown to the second as theirs
    with open_record(exported.path) as files:
        status = find_ballot(files, shown, public(second_voter))
    # The ballot itself is fine and counted: only the tie to the voter tells.
    assert status.state is BallotState.COUNTED and status.tie is not None
    assert [code for code, _ in status.tie.findings] == ["ballot_not_yours"]
    assert public(first_voter) in status.tie.findings[0][1]
    # The second voter's own latest ballot is listed, so the voter sees which ballot is really theirs.
    assert status.tie.own_ballots and status.tie.own_ballots[0][2] != shown


def test_a_letter_not_on_the_list_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    stranger = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
    with open_record(exported.path) as files:
        status = find_ballot(files, exported.election.receipts[8].tracking_code, public(stranger))
    assert status.tie is not None and not status.tie.listed and status.tie.own_ballots == ()
    assert [code for code, _ in status.tie.findings] == ["credential_not_listed", "ballot_not_yours"]
    # Not found at all: only the list is checked.
    with open_record(exported.path) as files:
        status = find_ballot(files, "cd" * 32, public(exported.election.credentials["south"][0]))
    assert status.state is BallotState.NOT_FOUND and status.tie is not None and status.tie.findings == []


def test_the_tie_compares_exactly() -> None:
    listed = {"aa" * 32: "north"}
    assert tie_credential("AA" * 32, listed, "aa" * 32).findings == []
    assert [c for c, _ in tie_credential("aa" * 32, listed, ["aa" * 32]).findings] == ["ballot_not_yours"]
    assert [c for c, _ in tie_credential("bb" * 32, listed, None).findings] == ["credential_not_listed"]
