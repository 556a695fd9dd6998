"""Every refusal the issue lists, on SQLite and PostgreSQL: the refusal has a code and
words, and the board and its index tables are exactly as they were before."""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import timedelta

import pytest
from electionkit import signed
from kit import (
    DEFINITION,
    ROLL,
    SLUG,
    VOTING_CLOSE,
    board_snapshot,
    bump,
    new_election,
    rng,
)
from sqlalchemy import func, select

from vybory import protocol
from vybory.crypto.proofs import sign
from vybory.errors import (
    InvalidBallot,
    InvalidDefinition,
    InvalidEncoding,
    InvalidInput,
    InvalidProof,
    Refused,
    ThresholdNotMet,
    VyboryError,
)
from vybory.model.ballot import Ballot, signed_message
from vybory.store.tables import Election, Voter


@pytest.fixture
def election(service, clock):  # type: ignore[no-untyped-def]
    return new_election(service).open_for_voting()


def refused(service, call, error=VyboryError, code: str | None = None):  # type: ignore[no-untyped-def]
    """Runs ``call``, expects ``error`` (with ``code``), and checks that nothing changed."""
    before = board_snapshot(service)
    with pytest.raises(error) as caught:
        call()
    if code is not None:
        assert caught.value.code == code, caught.value
    assert str(caught.value)  # words for a person
    assert board_snapshot(service) == before
    return caught.value


def resign(ballot: dict, secret: str) -> dict:
    """The ballot signed again by its own credential (a voter who tampers and signs)."""
    parsed = Ballot.from_json(ballot)
    s = protocol.credential_scalar(secret)
    return Ballot(parsed.election, parsed.round, parsed.credential, parsed.contests,
                  sign(parsed.election, s, signed_message(parsed), rng("resign"))).to_json()


def test_a_wrong_proof_is_refused(election) -> None:
    secret = election.credentials["north"][0]
    ballot = election.make_ballot(secret, {"north-seat": ["Ivanov"]}).to_json()
    for path in ("selection", "range"):
        bad = copy.deepcopy(ballot)
        part = bad["contests"][0]
        proof = part["selections"][1]["proof"] if path == "selection" else part["range_proofs"][0]
        proof["responses"][0] = bump(proof["responses"][0])
        bad = resign(bad, secret)
        error = refused(election.service, lambda bad=bad: election.service.cast_ballot(SLUG, bad), InvalidProof)
        assert "contests[0]" in (error.field or "")
    # Unsigned again, the same tampering breaks the signature first.
    bad = copy.deepcopy(ballot)
    bad["contests"][0]["range_proofs"][0]["responses"][0] = bump(bad["contests"][0]["range_proofs"][0]["responses"][0])
    refused(election.service, lambda: election.service.cast_ballot(SLUG, bad), InvalidProof)


def test_a_signature_by_another_credential_is_refused(election) -> None:
    north = election.credentials["north"]
    ballot = election.make_ballot(north[0], {"north-seat": ["Ivanov"]})
    other = protocol.credential_scalar(north[1])
    forged = Ballot(ballot.election, ballot.round, ballot.credential, ballot.contests,
                    sign(ballot.election, other, signed_message(ballot), rng("forger")))
    error = refused(election.service, lambda: election.service.cast_ballot(SLUG, forged.to_json()), InvalidProof)
    assert "signature" in (error.field or "") + str(error)


def test_an_unknown_credential_is_refused(election) -> None:
    form = election.service.ballot_form(SLUG, protocol.public_credential(election.credentials["north"][0]))
    stranger, _ = protocol.generate_credential(rng("stranger"))
    ballot, _ = protocol.encrypt_ballot(form, stranger, {"north-seat": ["Ivanov"]}, rng("b"))
    refused(election.service, lambda: election.service.cast_ballot(SLUG, ballot.to_json()), InvalidBallot,
            "unknown_credential")


def test_a_replayed_ballot_gets_its_first_receipt_and_a_copied_ciphertext_is_refused(election) -> None:
    north = election.credentials["north"]
    ballot = election.make_ballot(north[0], {"north-seat": ["Ivanov"]})
    first = election.service.cast_ballot(SLUG, ballot.to_json())
    before = board_snapshot(election.service)
    # The same ballot again (a voter whose connection dropped): the same receipt, nothing appended.
    assert election.service.cast_ballot(SLUG, ballot.to_json()) == first
    assert board_snapshot(election.service) == before
    # Another voter copying one encrypted selection of that ballot into their own.
    mine = election.make_ballot(north[1], {"north-seat": ["Petrova"]}).to_json()
    mine["contests"][0]["selections"][0] = ballot.to_json()["contests"][0]["selections"][0]
    refused(election.service, lambda: election.service.cast_ballot(SLUG, mine), InvalidBallot,
            "replayed_ciphertext")


def test_an_old_receipt_goes_only_to_the_very_same_ballot(election) -> None:
    """The liar is whoever sends a ballot that is not the one on the board (another ballot of the
    same credential, or the same ciphertexts signed anew): it is cast or refused as any ballot is,
    never answered with the receipt of the ballot already there; and the very same ballot sent
    again after a re-vote gets its first receipt and does not count again."""
    service = election.service
    secret = election.credentials["north"][0]
    ballot = election.make_ballot(secret, {"north-seat": ["Ivanov"]})
    first = service.cast_ballot(SLUG, ballot.to_json())
    other = election.make_ballot(secret, {"north-seat": ["Petrova"]}, seed="re-vote")
    second = service.cast_ballot(SLUG, other.to_json())
    assert second.tracking_code != first.tracking_code and second.position > first.position
    assert second.replaced == first.tracking_code
    # The first ballot's ciphertexts under a fresh signature of its own credential: other bytes.
    refused(service, lambda: service.cast_ballot(SLUG, resign(ballot.to_json(), secret)), InvalidBallot,
            "replayed_ciphertext")
    before = board_snapshot(service)
    assert service.cast_ballot(SLUG, ballot.to_json()) == first
    assert service.cast_ballot(SLUG, other.to_json()) == second
    assert board_snapshot(service) == before
    last = service.state(SLUG).rounds[1].last_ballot[ballot.credential.to_hex()]
    assert last.tracking_code == second.tracking_code


def test_a_ballot_for_another_election_is_refused(service, clock, election) -> None:
    other = new_election(service, DEFINITION.replace(SLUG, "council-2026"), ROLL).open_for_voting()
    clock.set(clock() + timedelta(minutes=1))
    ballot = other.make_ballot(other.credentials["north"][0], {"north-seat": ["Ivanov"]})
    refused(service, lambda: service.cast_ballot(SLUG, ballot.to_json()), InvalidBallot, "wrong_election")
    service.cast_ballot("council-2026", ballot.to_json())  # it is good for its own election


def test_a_ballot_after_closing_is_refused(election, clock) -> None:
    secret = election.credentials["north"][0]
    ballot = election.make_ballot(secret, {"north-seat": ["Ivanov"]})
    clock.set(VOTING_CLOSE)
    # At the deadline the round no longer accepts ballots, closed or not.
    refused(election.service, lambda: election.service.cast_ballot(SLUG, ballot.to_json()), Refused,
            "round_closed")
    election.service.close_round(SLUG)
    refused(election.service, lambda: election.service.cast_ballot(SLUG, ballot.to_json()), Refused,
            "round_closed")


def test_garbage_ballots_are_refused_in_words(election) -> None:
    good = election.make_ballot(election.credentials["north"][0], {"north-seat": ["Ivanov"]}).to_json()
    no_signature = {k: v for k, v in good.items() if k != "signature"}
    bad_point = copy.deepcopy(good)
    bad_point["contests"][0]["selections"][0]["ciphertext"]["alpha"] = "ff" * 32
    for garbage, error in [("not json", InvalidEncoding), ("[1, 2]", InvalidEncoding), ("{}", InvalidEncoding),
                           (no_signature, InvalidEncoding), (bad_point, InvalidEncoding),
                           ('{"a": 1.5}', InvalidEncoding)]:
        refused(election.service, lambda garbage=garbage: election.service.cast_ballot(SLUG, garbage), error)


def test_revoting_can_be_forbidden_by_the_definition(service, clock) -> None:
    e = new_election(service, DEFINITION.replace('[credential_authority]',
                                                 'revote = false\n\n[credential_authority]')).open_for_voting()
    secret = e.credentials["south"][0]
    e.vote(secret, {"south-seat": ["Volkov"]})
    ballot = e.make_ballot(secret, {"south-seat": ["Kuznetsova"]}, seed="again")
    refused(service, lambda: service.cast_ballot(SLUG, ballot.to_json()), Refused, "revote_forbidden")


def test_a_share_with_a_bad_proof_is_skipped_and_named(election, clock) -> None:
    service = election.service
    for secret in election.credentials["north"]:
        election.vote(secret, {"north-seat": ["Ivanov"]})
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    state = election.state()
    bad = protocol.compute_decryption_share(state, election.trustees[1], round=1, now=clock(), rng=rng("x"))
    bad["share"]["proof"]["response"] = bump(bad["share"]["proof"]["response"])
    service.submit_decryption_share(SLUG, signed(state, "decryption_share", bad))  # as the trustee sent it
    election.decrypt((2,))
    # Only one valid share of the two needed: a clear error naming the bad one, nothing written.
    error = refused(service, lambda: service.decide(SLUG), ThresholdNotMet)
    assert "2 valid decryption shares are needed, 1 received" in str(error)
    assert "trustee 1 skipped" in str(error) and "trustee(s) 3" in str(error)
    election.decrypt((3,))
    decision = service.decide(SLUG)
    assert decision.shares_used == (2, 3)
    assert list(decision.skipped) == ["1"] and decision.skipped["1"]
    assert {r.contest: r.winners for r in decision.results}["north-seat"] == ("Ivanov",)


def test_fewer_than_k_shares_give_a_clear_error(election, clock) -> None:
    service = election.service
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG)
    refused(service, lambda: service.decide(SLUG), Refused, "no_tally")
    service.compute_tally(SLUG)
    refused(service, lambda: service.decide(SLUG), ThresholdNotMet)
    election.decrypt((3,))
    error = refused(service, lambda: service.decide(SLUG), ThresholdNotMet)
    assert "2 valid decryption shares are needed, 1 received" in str(error)
    assert "not yet received from trustee(s) 1, 2" in str(error)
    # A second share from the same trustee is refused outright.
    state = copy.deepcopy(election.state())
    del state.rounds[1].shares[3]
    again = protocol.compute_decryption_share(state, election.trustees[3], round=1, now=clock(), rng=rng("2"))
    refused(service, lambda: service.submit_decryption_share(SLUG, again), Refused, "already_published")


def test_one_organisation_holding_k_trustees_is_refused(service) -> None:
    text = re.sub(r'organisation = "youth"\n(signing_key = "[0-9a-f]{64}"\n)\n\[\[contests\]\]',
                  r'organisation = "coop"\n\1\n[[contests]]', DEFINITION, count=1)
    assert text != DEFINITION
    with pytest.raises(InvalidDefinition) as caught:
        service.create_election(text, roll_csv=ROLL)
    assert any("organisation 'coop' alone holds 2 trustees" in p for p in caught.value.problems)
    with service.database.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Election)) == 0
    # The explicit, recorded override.
    allowed = text.replace("threshold = 2", "threshold = 2\nallow_organisation_threshold = true")
    service.create_election(allowed, roll_csv=ROLL)
    assert service.state(SLUG).definition.allow_organisation_threshold is True
    assert service.events(SLUG)[0].payload["definition"]["commission"]["allow_organisation_threshold"] is True


def test_bad_files_leave_nothing_behind(service) -> None:
    cases = [
        ("slug = [", ROLL, InvalidDefinition),
        (DEFINITION.replace('method = "majority"', 'method = "nonsense"'), ROLL, InvalidDefinition),
        (DEFINITION, ROLL + "n99,Someone,atlantis,1\n", InvalidInput),
        (DEFINITION, "id,name\n1,x\n", InvalidInput),
        (DEFINITION, ROLL + "n1,Twice,north,1\n", InvalidInput),
    ]
    for definition, roll, error in cases:
        with pytest.raises(error):
            service.create_election(definition, roll_csv=roll)
    with service.database.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Election)) == 0
        assert session.scalar(select(func.count()).select_from(Voter)) == 0
    service.create_election(DEFINITION, roll_csv=ROLL)
    with pytest.raises(Refused) as caught:
        service.create_election(DEFINITION, roll_csv=ROLL)
    assert caught.value.code == "slug_taken"


def test_refused_nominations_and_steps_out_of_order(service, clock) -> None:
    e = new_election(service)
    cases = [
        (lambda: service.nominate(SLUG, organisation="union", contest="north-seat", name="X", consent=False),
         "consent_missing"),
        (lambda: service.nominate(SLUG, organisation="church", contest="north-seat", name="X", consent=True),
         "unknown_organisation"),
        (lambda: service.register_candidate(SLUG, 7), "no_such_nomination"),
        (lambda: service.close_nominations(SLUG), "nominations_still_open"),
        (lambda: service.open_round(SLUG), "not_ready"),
        (lambda: service.close_round(SLUG), "no_round"),
        (lambda: service.nominate("no-such-election", organisation="union", contest="north-seat", name="X",
                                  consent=True), "unknown_election"),
    ]
    for call, code in cases:
        refused(service, call, VyboryError, code)
    service.nominate(SLUG, organisation="union", contest="north-seat", name="Ivanov", consent=True)
    refused(service, lambda: service.nominate(SLUG, organisation="coop", contest="north-seat", name="ivanov",
                                              consent=True), Refused, "already_nominated")
    service.refuse_candidate(SLUG, 1, "not a member of the district")
    refused(service, lambda: service.register_candidate(SLUG, 1), Refused, "already_decided")
    service.nominate(SLUG, organisation="coop", contest="north-seat", name="Petrova", consent=True)
    refused(service, lambda: service.refuse_candidate(SLUG, 2, "  "), InvalidInput)
    clock.advance(timedelta(days=3))
    refused(service, lambda: service.lodge_appeal(SLUG, 1, "late"), Refused, "appeal_too_late")
    refused(service, lambda: service.submit_trustee_step(SLUG, "dkg_shares", {"trustee": 1, "shares": []}),
            Refused, "dkg_step_not_open")
    refused(service, lambda: service.submit_trustee_step(SLUG, "ballot_cast", {}), InvalidInput, "unknown_step")
    assert e.slug == SLUG


def test_a_batch_of_ballots_stores_the_good_ones_and_names_the_refused(election) -> None:
    north = election.credentials["north"]
    good = [election.make_ballot(secret, {"north-seat": ["Ivanov"]}) for secret in north[:3]]
    tampered = copy.deepcopy(good[2].to_json())
    tampered["contests"][0]["selections"][0]["proof"]["responses"][0] = bump(
        tampered["contests"][0]["selections"][0]["proof"]["responses"][0])
    before = board_snapshot(election.service)
    outcomes = election.service.cast_ballots(SLUG, [good[0], "not json", tampered, good[1], good[0]])
    assert [type(o).__name__ for o in outcomes] == ["Receipt", "InvalidEncoding", "InvalidProof", "Receipt",
                                                    "InvalidBallot"]
    assert outcomes[4].code == "replayed_ballot"
    head, counts = board_snapshot(election.service)
    assert head.position == before[0].position + 2
    assert counts[1] == before[1][1] + 2  # two ballots indexed
    assert election.service.find_ballot(SLUG, outcomes[3].tracking_code).counts


def test_a_round_closed_while_the_proofs_are_checked_refuses_the_ballot(election, clock, monkeypatch) -> None:
    """The proofs are checked outside the writer lock: whatever changes on the board meanwhile
    (here the deadline passes) is checked again inside it, and the ballot is refused."""
    ballot = election.make_ballot(election.credentials["north"][0], {"north-seat": ["Ivanov"]})
    real = protocol.rounds.check_ballot_proofs

    def slow_check(item, statement):  # type: ignore[no-untyped-def]
        real(item, statement)
        clock.set(VOTING_CLOSE)

    monkeypatch.setattr(protocol.rounds, "check_ballot_proofs", slow_check)
    refused(election.service, lambda: election.service.cast_ballot(SLUG, ballot.to_json()), Refused,
            "round_closed")


def test_the_same_ballot_cast_twice_at_once_lands_once(election) -> None:
    """Two requests with one ballot pass the checks before the lock together; inside it the
    second one meets the first on the board and is refused as a replay."""
    ballot = election.make_ballot(election.credentials["north"][0], {"north-seat": ["Ivanov"]}).to_json()
    out = election.service.cast_ballots(SLUG, [ballot, ballot])
    assert not isinstance(out[0], VyboryError)
    assert isinstance(out[1], InvalidBallot) and out[1].code == "replayed_ballot"


def test_proofs_checked_against_another_statement_are_checked_again(election) -> None:
    """A caller of ``admit_ballot`` that claims the proofs were checked against a statement the
    board no longer holds gets them checked again: a tampered proof is refused."""
    secret = election.credentials["north"][0]
    good = election.make_ballot(secret, {"north-seat": ["Ivanov"]}).to_json()
    other = election.make_ballot(secret, {"north-seat": ["Petrova"]}, seed="w").to_json()
    tampered = copy.deepcopy(good)
    tampered["contests"][0]["selections"][0]["proof"] = other["contests"][0]["selections"][0]["proof"]
    ballot = Ballot.from_json(resign(tampered, secret))
    state = election.service.state(SLUG)
    now = election.service.clock()
    statement = protocol.rounds.ballot_statement(state, ballot, now=now)
    stale = dataclasses.replace(statement, round=statement.round + 1)
    with pytest.raises(InvalidProof):
        protocol.rounds.admit_ballot(state, ballot, now=now, checked=stale)
