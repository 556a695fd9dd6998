"""Every refusal of the protocol: the board is left exactly as it was, and the error has a code."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from typing import Any

import pytest
from electionkit import (
    COUNCIL,
    NOMINATIONS_CLOSE,
    VOTING_CLOSE,
    VOTING_OPEN,
    Board,
    at,
    council,
    credential_statement,
    decrypt_round,
    identity_secret,
    issue,
    nominate_all,
    publish_roll,
    rng,
    roll_of,
    roll_statement,
    run_key_ceremony,
    signed,
    vote,
)

from vybory import protocol
from vybory.crypto.group import Scalar
from vybory.crypto.proofs import sign
from vybory.errors import (
    InvalidBallot,
    InvalidEncoding,
    InvalidInput,
    InvalidProof,
    Refused,
    ThresholdNotMet,
    VyboryError,
)
from vybory.model.ballot import Ballot, signed_message, tracking_code
from vybory.model.definition import parse_definition
from vybory.protocol.credentials import credential_scalar
from vybory.protocol.state import ciphertext_key
from vybory.verify import digests
from vybory.verify.digests import ciphertext_digest

NOW = at(VOTING_OPEN, hours=1)


def ready_board(text: str = COUNCIL, voters: int = 4):
    board = Board(parse_definition(text))
    secrets = run_key_ceremony(board)
    nominate_all(board, {"north-seat": [("union", "Ivanov"), ("coop", "Petrova")],
                         "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")]})
    board.append("nominations_closed", protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE),
                 NOMINATIONS_CLOSE)
    creds = issue(board, {"north": voters, "south": voters})
    board.append("round_opened", protocol.open_round(board.state, now=VOTING_OPEN), VOTING_OPEN)
    return board, secrets, creds


@pytest.fixture
def ready():
    return ready_board()


def make_ballot(board, secret, choices=None, seed="b"):
    form = protocol.ballot_form(board.state, protocol.public_credential(secret))
    return protocol.encrypt_ballot(form, secret, choices or {"north-seat": ["Ivanov"]}, rng(seed))


def refused(board, payload, now=NOW, kind="ballot_cast", **extra):
    """Appends and expects a refusal that leaves the board unchanged; returns the error."""
    before = list(board.events)
    head = board.state.head
    with pytest.raises(VyboryError) as info:
        board.append(kind, payload, now, **extra)
    assert board.events == before and board.state.head == head
    assert info.value.code and info.value.code != "error"
    return info.value


def test_a_valid_ballot_is_accepted(ready):
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["north"][0])
    event = board.append("ballot_cast", {"ballot": ballot.to_json()}, NOW)
    assert event.payload["tracking_code"] == board.state.rounds[1].last_ballot[ballot.credential.to_hex()].tracking_code


def test_a_wrong_selection_proof(ready):
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["north"][0])
    obj = ballot.to_json()
    proof = obj["contests"][0]["selections"][1]["proof"]
    proof["responses"][0], proof["responses"][1] = proof["responses"][1], proof["responses"][0]
    # Re-sign so that only the proof is wrong.
    tampered = Ballot.from_json(obj)
    s = credential_scalar(creds["north"][0])
    obj = replace(tampered, signature=sign(board.state.fingerprint, s, signed_message(tampered))).to_json()
    error = refused(board, {"ballot": obj})
    assert isinstance(error, InvalidProof) and error.code == "bad_selection_proof"
    assert "Petrova" in error.message and error.field == "ballot.contests[0].selections[1].proof"


def test_a_wrong_range_proof(ready):
    board, _, creds = ready
    secret = creds["north"][0]
    ballot, _ = make_ballot(board, secret)
    other, _ = make_ballot(board, secret, seed="other")
    # Take the range proof of another (valid) ballot: it proves a statement about other ciphertexts.
    part = replace(ballot.contests[0], range_proofs=other.contests[0].range_proofs)
    tampered = replace(ballot, contests=(part,))
    tampered = replace(tampered, signature=sign(board.state.fingerprint, credential_scalar(secret),
                                                signed_message(tampered)))
    error = refused(board, {"ballot": tampered.to_json()})
    assert error.code == "bad_range_proof" and error.field == "ballot.contests[0].range_proofs[0]"


def test_a_ballot_marking_two_names_is_refused_before_encryption(ready):
    board, _, creds = ready
    with pytest.raises(InvalidBallot) as info:
        make_ballot(board, creds["north"][0], {"north-seat": ["Ivanov", "Petrova"]})
    assert info.value.code == "wrong_mark_count"
    with pytest.raises(InvalidBallot) as info:
        make_ballot(board, creds["north"][0], {"north-seat": ["Nobody"]})
    assert info.value.code == "unknown_candidate"


def test_a_signature_by_another_credential(ready):
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["north"][0])
    thief = credential_scalar(creds["north"][1])
    forged = replace(ballot, signature=sign(board.state.fingerprint, thief, signed_message(ballot)))
    error = refused(board, {"ballot": forged.to_json()})
    assert isinstance(error, InvalidProof) and error.code == "bad_signature"


def test_an_unknown_credential(ready):
    board, _, creds = ready
    outsider, public = protocol.generate_credential(rng("outsider"))
    form = protocol.ballot_form(board.state, protocol.public_credential(creds["north"][0]))
    ballot, _ = protocol.encrypt_ballot(form, outsider, {"north-seat": ["Ivanov"]}, rng("o"))
    assert ballot.credential == public
    error = refused(board, {"ballot": ballot.to_json()})
    assert isinstance(error, InvalidBallot) and error.code == "unknown_credential"
    with pytest.raises(InvalidBallot):
        protocol.ballot_form(board.state, public)


def test_a_replayed_ballot_and_a_replayed_ciphertext(ready):
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["north"][0])
    board.append("ballot_cast", {"ballot": ballot.to_json()}, NOW)
    error = refused(board, {"ballot": ballot.to_json()}, at(NOW, minutes=1))
    assert error.code == "replayed_ballot"
    # A new signature over the same ciphertexts (a different tracking code) is a replay too.
    again = replace(ballot, signature=sign(board.state.fingerprint, credential_scalar(creds["north"][0]),
                                           signed_message(ballot), rng("again")))
    error = refused(board, {"ballot": again.to_json()}, at(NOW, minutes=1))
    assert error.code == "replayed_ciphertext"


def test_the_board_recognises_a_ciphertext_by_the_verifiers_digest(ready, monkeypatch):
    """The liar is a voter who finds two ciphertexts with the same 16-byte digest (about 2**64
    hashes) and casts the second: had the server compared whole ciphertexts, it would take a
    ballot the verifier then reports as replayed, and the record would fail. The server compares
    the verifier's digests: with a digest that makes every ciphertext collide, any second
    ballot is refused as a replay."""
    board, _, creds = ready
    first, _ = make_ballot(board, creds["north"][0])
    board.append("ballot_cast", {"ballot": first.to_json()}, NOW)
    seen = board.state.ciphertexts_seen
    raw = [ciphertext_key(s.ciphertext) for part in first.contests for s in part.selections]
    assert len(seen) == len(set(raw)) and seen.nbytes() < 64 * 1024
    position = board.state.tracking_codes[tracking_code(first)].position
    assert all(seen.get(ciphertext_digest(key)) == position for key in raw)

    class Collapsed:
        @staticmethod
        def sha256(data: bytes) -> Any:
            return hashlib.sha256(b"")

    monkeypatch.setattr(digests, "hashlib", Collapsed)
    assert ciphertext_digest(raw[0]) == ciphertext_digest(raw[1])
    board, _, creds = ready_board()
    board.append("ballot_cast", {"ballot": make_ballot(board, creds["north"][0])[0].to_json()}, NOW)
    assert len(board.state.ciphertexts_seen) == 1
    other, _ = make_ballot(board, creds["north"][1], seed="other")
    assert refused(board, {"ballot": other.to_json()}, at(NOW, minutes=1)).code == "replayed_ciphertext"


def test_a_ballot_for_another_election(ready):
    board, _, _ = ready
    other, _, other_creds = ready_board(COUNCIL.replace('slug = "council-2025"', 'slug = "council-2026"'))
    assert other.state.fingerprint != board.state.fingerprint
    ballot, _ = make_ballot(other, other_creds["north"][0])
    error = refused(board, {"ballot": ballot.to_json()})
    assert isinstance(error, InvalidBallot) and error.code == "wrong_election"


def test_ballots_outside_the_voting_window(ready):
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["north"][0])
    assert refused(board, {"ballot": ballot.to_json()}, at(VOTING_OPEN, minutes=-1)).code == "round_not_open"
    assert refused(board, {"ballot": ballot.to_json()}, VOTING_CLOSE).code == "round_closed"
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    error = refused(board, {"ballot": ballot.to_json()}, at(VOTING_CLOSE, minutes=-30))
    assert error.code == "round_closed" and "closed at" in error.message


def test_a_round_closes_early_only_when_everyone_has_voted(ready):
    board, _, creds = ready
    assert refused(board, {"round": 1}, NOW, kind="round_closed").code == "round_still_open"
    for secret in creds["north"] + creds["south"]:
        choices = {"north-seat": ["Ivanov"]} if secret in creds["north"] else {
            "south-seat": ["Volkov"], "south-recall": "abstain"}
        vote(board, secret, choices, NOW)
    board.append("round_closed", protocol.close_round(board.state, round=1, now=NOW), NOW)
    assert board.state.head.payload["early"] is True and board.state.head.payload["voters"] == 8


def test_revoting_forbidden_by_the_definition():
    board, _, creds = ready_board(COUNCIL.replace('[credential_authority]',
                                                  'revote = false\n\n[credential_authority]'))
    vote(board, creds["north"][0], {"north-seat": ["Ivanov"]}, NOW)
    ballot, _ = make_ballot(board, creds["north"][0], seed="second")
    assert refused(board, {"ballot": ballot.to_json()}).code == "revote_forbidden"


def test_a_ballot_missing_a_contest_of_the_district(ready):
    board, _, creds = ready
    secret = creds["south"][0]
    ballot, _ = make_ballot(board, secret, {"south-seat": ["Volkov"], "south-recall": "no"})
    short = replace(ballot, contests=ballot.contests[:1])
    short = replace(short, signature=sign(board.state.fingerprint, credential_scalar(secret),
                                          signed_message(short)))
    error = refused(board, {"ballot": short.to_json()})
    assert error.code == "wrong_contests" and "south-recall" in error.message


def test_a_ballot_of_another_district_names_the_credentials_district(ready):
    """A voter holding a North credential filled in the South ballot: told which district is theirs."""
    board, _, creds = ready
    ballot, _ = make_ballot(board, creds["south"][0], {"south-seat": ["Volkov"], "south-recall": "no"})
    north = creds["north"][0]
    moved = replace(ballot, credential=protocol.credentials.public_credential(north))
    moved = replace(moved, signature=sign(board.state.fingerprint, credential_scalar(north),
                                          signed_message(moved)))
    error = refused(board, {"ballot": moved.to_json()})  # refused: the board is unchanged
    assert error.code == "wrong_district" and error.field == "ballot.credential"
    assert "belongs to district 'North'" in error.message and "'South'" in error.message


def test_a_motion_needs_an_answer(ready):
    board, _, creds = ready
    with pytest.raises(InvalidBallot) as info:
        make_ballot(board, creds["south"][0], {"south-seat": ["Volkov"]})
    assert info.value.code == "motion_choice"


def test_garbage_instead_of_a_ballot(ready):
    board, _, _ = ready
    for garbage in (None, 7, "ballot", [], {"ballot": 1}, {}):
        error = refused(board, {"ballot": garbage})
        assert isinstance(error, InvalidEncoding)


def test_the_benaloh_audit_opens_a_ballot_and_catches_a_lie(ready):
    board, _, creds = ready
    secret = creds["south"][0]
    form = protocol.ballot_form(board.state, protocol.public_credential(secret))
    ballot, audit = protocol.encrypt_ballot(form, secret, {"south-seat": ["Volkov"], "south-recall": "no"},
                                            rng("audit"))
    opened = protocol.open_ballot(form, ballot, protocol.BallotSecrets.from_json(audit.to_json()))
    assert opened == {"south-seat": ["Volkov"], "south-recall": "no"}
    lie = audit.to_json()
    lie["contests"][0]["values"] = [1, 0]  # claims Kuznetsova
    with pytest.raises(InvalidBallot) as info:
        protocol.open_ballot(form, ballot, protocol.BallotSecrets.from_json(lie))
    assert info.value.code == "audit_mismatch"


def _closed_with_tally(board, creds):
    for i, secret in enumerate(creds["north"]):
        vote(board, secret, {"north-seat": ["Ivanov" if i < 3 else "Petrova"]}, NOW)
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    ballots = board.ballots(1)
    board.append("encrypted_tally", protocol.compute_encrypted_tally(
        board.state, round=1, ballots=ballots, now=VOTING_CLOSE), VOTING_CLOSE, ballots=ballots)


def _bad_share(board, secrets, j):
    payload = protocol.compute_decryption_share(board.state, secrets[j], round=1, now=VOTING_CLOSE,
                                                rng=rng("bad"))
    payload = copy.deepcopy(payload)
    payload["share"]["proof"]["response"] = Scalar.from_int(12345).to_hex()
    return payload


def test_a_share_with_a_bad_proof_is_skipped_and_named(ready):
    board, secrets, creds = ready
    _closed_with_tally(board, creds)
    board.append("decryption_share", signed(board.state, "decryption_share", _bad_share(board, secrets, 1)),
                 VOTING_CLOSE)
    for j in (2, 3, 4):
        board.append("decryption_share", protocol.compute_decryption_share(
            board.state, secrets[j], round=1, now=VOTING_CLOSE, rng=rng("ok")), VOTING_CLOSE)
    board.append("tally_decrypted", protocol.combine_shares(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    decrypted = board.state.rounds[1].decrypted
    assert decrypted["shares_used"] == [2, 3, 4]
    assert decrypted["skipped"] == {"1": "the proof does not verify"}
    counts = {c["contest"]: c["counts"] for c in decrypted["contests"]}
    assert counts["north-seat"] == {"Ivanov": 3, "Petrova": 1}


def test_fewer_than_k_valid_shares(ready):
    board, secrets, creds = ready
    _closed_with_tally(board, creds)
    board.append("decryption_share", signed(board.state, "decryption_share", _bad_share(board, secrets, 1)),
                 VOTING_CLOSE)
    board.append("decryption_share", protocol.compute_decryption_share(
        board.state, secrets[5], round=1, now=VOTING_CLOSE, rng=rng("ok")), VOTING_CLOSE)
    with pytest.raises(ThresholdNotMet) as info:
        protocol.combine_shares(board.state, round=1, now=VOTING_CLOSE)
    message = info.value.message
    assert "3 valid decryption shares are needed, 1 received" in message
    assert "trustee 1 skipped" in message and "2, 3, 4" in message
    assert refused(board, {"round": 1}, VOTING_CLOSE, kind="tally_decrypted").code == "threshold_not_met"
    # The stalled trustees are listed as not having acted.
    waiting = {p.who for p in protocol.pending(board.state, VOTING_CLOSE) if p.role == "trustee"}
    assert waiting == {"boris", "clara", "dmitri"}
    # A second share from the same trustee is refused.
    again = dict(board.state.rounds[1].shares[5])
    assert refused(board, again, VOTING_CLOSE, kind="decryption_share").code == "already_published"
    with pytest.raises(Refused):
        protocol.compute_decryption_share(board.state, secrets[5], round=1, now=VOTING_CLOSE)


def test_a_tally_needs_every_counted_ballot(ready):
    board, _, creds = ready
    for secret in creds["north"]:
        vote(board, secret, {"north-seat": ["Ivanov"]}, NOW)
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    with pytest.raises(Refused) as info:
        protocol.compute_encrypted_tally(board.state, round=1, ballots=board.ballots(1)[1:], now=VOTING_CLOSE)
    assert info.value.code == "ballots_missing"
    forged = protocol.compute_encrypted_tally(board.state, round=1, ballots=board.ballots(1), now=VOTING_CLOSE)
    forged["contests"][0]["ballots"] += 1
    error = refused(board, forged, VOTING_CLOSE, kind="encrypted_tally", ballots=board.ballots(1))
    assert error.code == "payload_mismatch"


def test_forged_commission_payloads_are_refused():
    board = Board(council())
    run_key_ceremony(board)
    nominate_all(board, {"north-seat": [("union", "Ivanov"), ("coop", "Petrova")],
                         "south-seat": [("union", "Kuznetsova")]})
    honest = protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE)
    forged = copy.deepcopy(honest)
    forged["candidates"]["north-seat"].remove("Petrova")  # a registered candidate left off the ballot
    assert refused(board, forged, NOMINATIONS_CLOSE, kind="nominations_closed").code == "payload_mismatch"
    board.append("nominations_closed", honest, NOMINATIONS_CLOSE)
    issue(board, {"north": 2, "south": 2})
    opened = protocol.open_round(board.state, now=VOTING_OPEN)
    longer = dict(opened, closes_at="2030-01-01T00:00:00Z")
    assert refused(board, longer, VOTING_OPEN, kind="round_opened").code == "payload_mismatch"
    board.append("round_opened", opened, VOTING_OPEN)
    assert refused(board, opened, VOTING_OPEN, kind="round_opened").code == "no_next_round"


def test_empty_round_decrypts_to_zero(ready):
    board, secrets, _ = ready
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    decrypt_round(board, secrets, 1, (3, 4, 5), VOTING_CLOSE)
    decrypted = board.state.rounds[1].decrypted["contests"]
    assert all(v == 0 for c in decrypted for v in c["counts"].values())
    outcomes = {o["contest"]: o["outcome"]["status"] for o in board.state.rounds[1].outcomes["outcomes"]}
    assert outcomes["north-seat"] == "repeat_required"  # nobody voted: quorum not met


def test_outside_payloads_must_have_exactly_their_fields():
    board = Board(council())
    state = board.state
    secrets = protocol.new_trustee_secrets(state, "anna", rng("anna"), signing_secret=identity_secret("trustee", "anna"))
    payload = protocol.publish_trustee_key(state, secrets, now=NOW)
    padded = dict(payload, note="hello")
    assert refused(board, padded, NOW, kind="trustee_key").code == "invalid_input"
    board.append("trustee_key", payload, NOW)
    assert board.state.keys.messaging_keys[1].trustee == 1
    # The server's clock, not the sender's, dates the event.
    assert board.state.head.payload["at"] == "2025-03-20T07:00:00Z"


def test_credential_list_rules():
    board = Board(council())
    gen = rng("c")
    roll = roll_of([("north", 1)] * 3)
    entries = [(protocol.generate_credential(gen)[1], "north", 1) for _ in range(3)]
    body = credential_statement(board.state, roll, entries)
    assert refused(board, body, NOW, kind="credentials_published").code == "roll_missing"
    publish_roll(board, roll, NOW)
    payload = dict(body)
    for mutate, code in [
        (lambda p: p["credentials"].append(dict(p["credentials"][0])), "invalid_input"),
        (lambda p: p["credentials"].reverse(), "invalid_input"),
        (lambda p: p["credentials"][0].update(district="west"), "invalid_input"),
        (lambda p: p["credentials"][0].update(weight=0), "invalid_input"),
        (lambda p: p["credentials"][0].update(credential="00" * 32), "invalid_encoding"),
        (lambda p: p.update(credentials=[]), "invalid_input"),
        (lambda p: p.update(authority="Somebody else"), "wrong_authority"),
        (lambda p: p.pop("districts"), "invalid_input"),
        (lambda p: p["districts"].reverse(), "roll_districts"),
        (lambda p: p["districts"][0].update(commitment="ab" * 32), "roll_commitment_mismatch"),
        (lambda p: p["districts"][0].update(voters=4), "credentials_summary_mismatch"),
        (lambda p: p["credentials"][0].update(weight=2), "roll_weights_mismatch"),
        (lambda p: p["credentials"].pop(), "roll_count_mismatch"),
    ]:
        bad = copy.deepcopy(payload)
        mutate(bad)
        assert refused(board, bad, NOW, kind="credentials_published").code == code
    board.append("credentials_published", payload, NOW)
    assert refused(board, payload, NOW, kind="credentials_published").code == "credentials_already_published"
    assert len(board.state.credentials) == 3
    assert refused(board, roll_statement(board.state, roll), NOW, kind="roll_published").code == \
        "roll_after_credentials"


def test_roll_rules():
    board = Board(council())
    roll = roll_of([("north", 2), ("south", 1), ("north", 1)])
    payload = roll_statement(board.state, roll)
    assert [d["district"] for d in payload["districts"]] == [d.id for d in board.state.definition.districts]
    for mutate, code in [
        (lambda p: p["districts"].reverse(), "roll_districts"),
        (lambda p: p["districts"].pop(), "roll_districts"),
        (lambda p: p.update(districts="all"), "roll_districts"),
        (lambda p: p["districts"][0].update(voters=3), "roll_totals"),
        (lambda p: p["districts"][0].update(weight=2), "roll_totals"),
        (lambda p: p["districts"][0].update(voters=-1), "invalid_input"),
        (lambda p: p["districts"][0].update(weights=[[2, 1], [1, 1]]), "invalid_input"),
        (lambda p: p["districts"][0].update(weights=[[0, 2]], weight=0), "invalid_input"),
        (lambda p: p["districts"][0].update(commitment="AB" * 32), "invalid_input"),
        (lambda p: p["districts"][0].pop("weights"), "invalid_input"),
        (lambda p: p.update(note="hello"), "invalid_input"),
        (lambda p: [d.update(voters=0, weight=0, weights=[]) for d in p["districts"]], "roll_empty"),
    ]:
        bad = copy.deepcopy(payload)
        mutate(bad)
        assert refused(board, bad, NOW, kind="roll_published").code == code
    publish_roll(board, roll, NOW)
    assert board.state.registered_voters("north") == 3
    assert board.state.registered_voters("south") == 1
    # A corrected roll before the credentials replaces it.
    publish_roll(board, roll[:2], NOW)
    assert board.state.registered_voters("north") == 2


def test_secret_credentials_are_printable_and_checked():
    secret, public = protocol.generate_credential(rng("p"))
    assert len(secret) == 29 and secret.count("-") == 5
    assert protocol.public_credential(secret.lower().replace("-", " ")) == public
    for bad in ("ABCD", "ABCD-EFGH-IJKL-MNOP-QRST-UVW0", 42):
        with pytest.raises(InvalidInput):
            protocol.public_credential(bad)
