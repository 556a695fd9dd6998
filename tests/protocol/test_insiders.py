"""The key-ceremony insiders, played against the real protocol: a server (or database operator)
that puts its own messaging key in a trustee's place to read that trustee's shares, a trustee
that signs for another, a complaint the board's key cannot explain. Each is refused by name."""

from __future__ import annotations

import pytest
from electionkit import T0, Board, council, identity_secret, rng, signed

from vybory import protocol
from vybory.crypto import threshold
from vybory.crypto.group import Point, Scalar
from vybory.crypto.proofs import SchnorrProof, prove_knowledge, verify_knowledge
from vybory.errors import InvalidProof, Refused
from vybory.model.board import EventKind, next_event
from vybory.model.signing import sign_payload, trustee_signer
from vybory.protocol.state import replay


def honest(board: Board) -> dict[int, threshold.TrusteeSecrets]:
    out = {}
    for t in board.state.definition.trustees:
        s = protocol.new_trustee_secrets(board.state, t.id, rng(f"insider-{t.id}"),
                                         signing_secret=identity_secret("trustee", t.id))
        out[s.trustee] = s
    return out


def server_key_for(board: Board, trustee: int) -> dict:
    """A messaging key the server made for ``trustee`` (valid proof of knowledge: the server knows
    its secret), signed with a key of the server's own."""
    mine = threshold.new_trustee(trustee, board.state.threshold, rng("server"))
    payload = {"trustee": trustee,
               "messaging_key": threshold.generate_messaging_key(board.state.fingerprint, mine, rng("k")).to_json()}
    return sign_payload(board.state.fingerprint, Scalar.from_int(424242), trustee_signer(trustee), "trustee_key",
                        payload)


def test_the_service_door_refuses_a_messaging_key_the_trustee_did_not_sign() -> None:
    board = Board(council())
    forged = server_key_for(board, 3)
    with pytest.raises(Refused) as refused:
        board.append("trustee_key", forged, T0)
    assert refused.value.code == "bad_signature" and "trustee/3" in refused.value.message
    unsigned = {k: v for k, v in forged.items() if k != "signed"}
    with pytest.raises(Refused) as refused:
        board.append("trustee_key", unsigned, T0)
    assert refused.value.code == "missing_signature"
    assert len(board.events) == 1  # nothing was appended


def test_a_trustee_cannot_sign_for_another() -> None:
    board = Board(council())
    secrets = honest(board)
    mine = protocol.publish_trustee_key(board.state, secrets[3], now=T0, rng=rng("k3"))
    body = {k: v for k, v in mine.items() if k != "signed"}
    # Trustee 2 signs trustee 3's message with its own key, as itself or as trustee 3.
    as_itself = sign_payload(board.state.fingerprint, identity_secret("trustee", "boris"), trustee_signer(2),
                             "trustee_key", body)
    as_other = sign_payload(board.state.fingerprint, identity_secret("trustee", "boris"), trustee_signer(3),
                            "trustee_key", body)
    for payload, code in ((as_itself, "wrong_signer"), (as_other, "bad_signature")):
        with pytest.raises(Refused) as refused:
            board.append("trustee_key", payload, T0)
        assert refused.value.code == code
    board.append("trustee_key", mine, T0)  # trustee 3's own message goes through


def test_a_key_file_with_another_identity_is_refused() -> None:
    board = Board(council())
    with pytest.raises(Refused) as refused:
        protocol.new_trustee_secrets(board.state, "clara", rng("c"), signing_secret=Scalar.from_int(7))
    assert refused.value.code == "wrong_identity_key"


def _written_around_the_door(board: Board, kind: str, payload: dict) -> None:
    """What a database operator does: write the event straight into the board."""
    board.events.append(next_event(board.events[-1], kind, {**payload, "at": "2025-03-01T09:00:00Z"}))
    board.state = replay(board.events)


def test_an_honest_trustee_sends_no_share_to_a_substituted_key() -> None:
    """The man in the middle: the server's key for trustee 3 is on the board (written around the
    service's check); trustee 1's software refuses to encrypt any share before it reads one."""
    board = Board(council())
    secrets = honest(board)
    for i, s in secrets.items():
        if i == 3:
            _written_around_the_door(board, "trustee_key", server_key_for(board, 3))
        else:
            board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=T0, rng=rng("k")), T0)
    for s in secrets.values():
        _written_around_the_door(board, "dkg_commitment_hash",
                                 protocol.publish_commitment_hash(board.state, s, now=T0)
                                 if s.trustee != 3 else signed(board.state, "dkg_commitment_hash", {
                                     "trustee": 3, "commitment": threshold.compute_commitment(
                                         board.state.fingerprint, s).to_json()}))
    with pytest.raises(Refused) as refused:
        protocol.publish_shares(board.state, secrets[1], now=T0, rng=rng("s"))
    assert refused.value.code == "recipient_key_unsigned" and "trustee 3" in refused.value.message
    # Trustee 3 itself sees that the board does not hold the key it sent, and stops.
    with pytest.raises(Refused) as refused:
        protocol.publish_reveal(board.state, secrets[3], now=T0, rng=rng("r"))
    assert refused.value.code == "own_key_replaced"


def test_a_complaint_the_boards_key_cannot_explain_is_refused() -> None:
    """A complaint whose proof fails under the board's key is evidence against the board, never a
    'false complaint' that changes nothing."""
    board = Board(council())
    secrets = honest(board)
    for s in secrets.values():
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=T0, rng=rng("k")), T0)
        board.append("dkg_commitment_hash", protocol.publish_commitment_hash(board.state, s, now=T0), T0)
    for s in secrets.values():
        board.append("dkg_commitments", protocol.publish_reveal(board.state, s, now=T0, rng=rng("r")), T0)
    for s in secrets.values():
        board.append("dkg_shares", protocol.publish_shares(board.state, s, now=T0, rng=rng("s")), T0)
    share = next(x for x in board.state.keys.shares[1] if x.recipient == 2)
    complaint = threshold.make_complaint(board.state.fingerprint, secrets[2], share, rng("c"))
    broken = threshold.Complaint(complaint.dealer, complaint.recipient,
                                 complaint.shared_secret + Point.GENERATOR, complaint.proof)
    payload = signed(board.state, "dkg_complaint", {"trustee": 2, "complaints": [broken.to_json()]})
    with pytest.raises(Refused) as refused:
        board.append("dkg_complaint", payload, T0)
    assert refused.value.code == "complaint_against_board"


def test_a_proof_of_knowledge_for_the_identity_is_refused() -> None:
    identity = Point.from_bytes(bytes(32), "p", allow_identity=True)
    forged = SchnorrProof(Point.base_mul(Scalar.from_int(5)), Scalar.from_int(5))  # g^5 = A · I^c for any c
    with pytest.raises(InvalidProof) as refused:
        verify_knowledge(b"\0" * 32, identity, forged, purpose="dkg-messaging-key/1")
    assert refused.value.field == "public"
    real = prove_knowledge(b"\0" * 32, Scalar.from_int(9), Point.base_mul(Scalar.from_int(9)), purpose="x")
    verify_knowledge(b"\0" * 32, Point.base_mul(Scalar.from_int(9)), real, purpose="x")


def test_every_trustee_message_kind_is_signed() -> None:
    from vybory.model.signing import SIGNED_KINDS

    for kind in ("trustee_key", "dkg_commitment_hash", "dkg_commitments", "dkg_shares", "dkg_complaint",
                 "ballots_mixed", "decryption_share"):
        assert SIGNED_KINDS[kind] == "trustee", kind
    assert EventKind.TRUSTEE_KEY.value in SIGNED_KINDS


def test_an_honest_trustee_sends_no_share_to_a_seat_a_forged_restart_gave_away() -> None:
    """The database operator writes a restart of the key ceremony around the door, signed with a
    key of its own instead of the commission's, that seats its own trustee in seat 3, then that
    seat's messaging key signed by the same key: every signature it made checks under the seat it
    made up. Trustee 1's software takes the seats only as the commission signed them, and refuses
    before it encrypts a share."""
    board = Board(council())
    operator = Scalar.from_int(424242)
    seats = [t.to_json() for t in board.state.trustees]
    seats[2] = {**seats[2], "id": "mallory", "name": "Mallory", "signing_key": Point.base_mul(operator).to_hex()}
    at = "2025-03-01T09:00:00Z"
    forged = sign_payload(board.state.fingerprint, operator, "commission", "key_ceremony_restarted",
                          {"attempt": 2, "outcome": {"result": "stalled"}, "reason": "the operator says so",
                           "trustees": seats, "at": at})
    board.events.append(next_event(board.events[-1], "key_ceremony_restarted", forged))
    board.state = replay(board.events)
    assert board.state.attempt == 2 and board.state.trustees[2].id == "mallory"
    mine = threshold.new_trustee(3, board.state.threshold, rng("operator"), attempt=2)
    key = threshold.generate_messaging_key(board.state.ceremony_fingerprint, mine, rng("k")).to_json()
    board.events.append(next_event(board.events[-1], "trustee_key", sign_payload(
        board.state.fingerprint, operator, trustee_signer(3), "trustee_key",
        {"trustee": 3, "attempt": 2, "messaging_key": key, "at": at})))
    board.state = replay(board.events)
    anna = protocol.new_trustee_secrets(board.state, "anna", rng("insider-anna"),
                                        signing_secret=identity_secret("trustee", "anna"))
    board.append("trustee_key", protocol.publish_trustee_key(board.state, anna, now=T0, rng=rng("k1")), T0)
    with pytest.raises(Refused) as refused:
        protocol.publish_shares(board.state, anna, now=T0, rng=rng("s"))
    assert refused.value.code == "recipient_key_unsigned" and "trustee 3" in refused.value.message
