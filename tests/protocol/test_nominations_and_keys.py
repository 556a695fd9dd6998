"""Nominations, appeals and the key ceremony: refusals, and who has not acted."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    T0,
    Board,
    at,
    council,
    identity_secret,
    rng,
    run_key_ceremony,
    signed,
)

from vybory import protocol
from vybory.crypto.group import Point, Scalar
from vybory.errors import InvalidInput, InvalidProof, Refused, ThresholdNotMet
from vybory.protocol.state import NominationStatus, Phase

LATER = at(T0, days=1)


def nominate(board, name="Ivanov", organisation="union", contest="north-seat", consent=True, now=T0):
    return protocol.nominate(board.state, organisation=organisation, contest=contest, name=name,
                             details={"age": 41, "occupation": "turner"}, consent=consent, now=now)


def test_nomination_rules():
    board = Board(council())
    board.append("nomination_submitted", nominate(board), T0)
    for kwargs, code in [
        ({"consent": False}, "consent_missing"),
        ({"organisation": "church"}, "unknown_organisation"),
        ({"contest": "mayor"}, "unknown_contest"),
        ({"contest": "south-recall"}, "motion_has_candidates"),
        ({"name": "ivanov"}, "already_nominated"),
        ({"now": NOMINATIONS_CLOSE, "name": "Late"}, "nominations_deadline_passed"),
    ]:
        with pytest.raises(Refused) as info:
            nominate(board, **kwargs)
        assert info.value.code == code, kwargs
    with pytest.raises(InvalidInput):
        nominate(board, name="  ")
    with pytest.raises(InvalidInput):
        nominate(board, name="Bad\x00Name")


def test_refusal_appeal_and_closing():
    board = Board(council())
    for name, org in (("Ivanov", "union"), ("Petrova", "coop"), ("Sidorov", "youth")):
        board.append("nomination_submitted", nominate(board, name=name, organisation=org), T0)
    board.append("candidate_registered", protocol.register_candidate(board.state, nomination=1, now=T0), T0)
    with pytest.raises(InvalidInput):
        protocol.refuse_candidate(board.state, nomination=2, reason="", now=T0)
    board.append("candidate_refused", protocol.refuse_candidate(
        board.state, nomination=2, reason="signatures missing", now=T0), T0)
    board.append("candidate_refused", protocol.refuse_candidate(
        board.state, nomination=3, reason="not resident", now=T0), T0)
    with pytest.raises(Refused) as info:
        protocol.register_candidate(board.state, nomination=2, now=T0)
    assert info.value.code == "already_decided"
    # The appeal window is two days from the refusal.
    with pytest.raises(Refused) as info:
        protocol.lodge_appeal(board.state, nomination=3, grounds="resident since 2019", now=at(T0, days=3))
    assert info.value.code == "appeal_too_late"
    board.append("appeal_lodged", protocol.lodge_appeal(
        board.state, nomination=2, grounds="signatures were filed on time", now=LATER), LATER)
    # The South has no candidate yet; closing is refused, and so it is while an appeal waits.
    with pytest.raises(Refused) as info:
        protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE)
    assert info.value.code == "nominations_not_ready"
    assert "appeal on nomination 2" in info.value.message and "south-seat" in info.value.message
    assert [(p.who, p.action.split()[0]) for p in protocol.pending(board.state, LATER) if p.role == "commission"] \
        == [("central commission", "decide"), ("commission", "publish")]  # the appeal, the signed roll
    board.append("appeal_decided", protocol.decide_appeal(
        board.state, nomination=2, upheld=True, reason="the filing was on time", now=LATER), LATER)
    assert board.state.nomination(2).status is NominationStatus.REGISTERED
    assert board.state.nomination(3).status is NominationStatus.REFUSED
    with pytest.raises(Refused) as info:
        protocol.close_nominations(board.state, now=at(T0, days=2))
    assert info.value.code == "nominations_still_open"
    board.append("nomination_submitted", nominate(board, name="Kuznetsova", contest="south-seat"), LATER)
    board.append("candidate_registered", protocol.register_candidate(board.state, nomination=4, now=LATER), LATER)
    closing = protocol.close_nominations(board.state, now=NOMINATIONS_CLOSE)
    # Every registered candidate, and only they, in ballot order.
    assert closing["candidates"] == {"north-seat": ["Ivanov", "Petrova"], "south-seat": ["Kuznetsova"],
                                     "south-recall": []}
    board.append("nominations_closed", closing, NOMINATIONS_CLOSE)
    with pytest.raises(Refused) as info:
        nominate(board, name="Too late")
    assert info.value.code == "nominations_closed"
    assert board.state.phase is Phase.KEY_CEREMONY


def test_key_ceremony_order_and_who_has_not_acted():
    board = Board(council())
    state = board.state
    secrets = {t.id: protocol.new_trustee_secrets(state, t.id, rng(t.id), signing_secret=identity_secret("trustee", t.id)) for t in state.definition.trustees}
    waiting = {p.who for p in protocol.pending(state, T0) if p.role == "trustee"}
    assert waiting == {"anna", "boris", "clara", "dmitri", "elena"}
    for tid in ("anna", "boris"):
        board.append("trustee_key", protocol.publish_trustee_key(board.state, secrets[tid], now=T0), T0)
        board.append("dkg_commitment_hash", protocol.publish_commitment_hash(board.state, secrets[tid], now=T0), T0)
    # Commit, then reveal: no reveal before every commitment is on the board.
    with pytest.raises(Refused) as info:
        protocol.publish_reveal(board.state, secrets["anna"], now=T0)
    assert info.value.code == "dkg_step_not_open" and "3, 4, 5" in info.value.message
    with pytest.raises(Refused) as info:
        protocol.publish_trustee_key(board.state, secrets["anna"], now=T0)
    assert info.value.code == "already_published"
    waiting = {p.who for p in protocol.pending(board.state, T0) if p.role == "trustee"}
    assert waiting == {"clara", "dmitri", "elena"}
    # A messaging key whose proof does not verify is refused; so is one filed for another trustee.
    payload = protocol.publish_trustee_key(board.state, secrets["clara"], now=T0)
    bad = copy.deepcopy(payload)
    bad["messaging_key"]["proof"]["response"] = Scalar.from_int(5).to_hex()
    with pytest.raises(InvalidProof):
        board.append("trustee_key", bad, T0)
    other = copy.deepcopy(payload)
    other["trustee"] = 4
    with pytest.raises(InvalidInput):
        board.append("trustee_key", other, T0)
    assert 3 not in board.state.keys.messaging_keys


def test_a_complete_ceremony_gives_everyone_a_share_that_matches():
    board = Board(council())
    secrets = run_key_ceremony(board)
    keys = board.state.keys
    assert keys.qualified == (1, 2, 3, 4, 5)
    assert set(keys.verification_keys) == set(secrets)
    for j, s in secrets.items():
        assert Point.base_mul(s.secret_share) == keys.verification_keys[j]
    with pytest.raises(Refused):
        protocol.complete_key_ceremony(board.state, now=T0)


def _ceremony_with_garbage(dealers: tuple[int, ...]) -> tuple[Board, dict[str, Any]]:
    """The council's ceremony up to the shares, ``dealers`` sending garbage to trustee 5 (their
    shares do not decrypt); returns the board and the trustees' secrets by id."""
    board = Board(council())
    state = board.state
    secrets = {t.id: protocol.new_trustee_secrets(state, t.id, rng(t.id), signing_secret=identity_secret("trustee", t.id))
               for t in state.definition.trustees}
    for s in secrets.values():
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=T0), T0)
        board.append("dkg_commitment_hash", protocol.publish_commitment_hash(board.state, s, now=T0), T0)
    for s in secrets.values():
        board.append("dkg_commitments", protocol.publish_reveal(board.state, s, now=T0), T0)
    for s in secrets.values():
        payload = protocol.publish_shares(board.state, s, now=T0)
        if s.trustee in dealers:
            for share in payload["shares"]:
                if share["recipient"] == 5:
                    share["ciphertext"] = "00" * 48
        board.append("dkg_shares", signed(board.state, "dkg_shares", payload), T0)
    return board, secrets


def test_too_few_qualified_trustees():
    board, secrets = _ceremony_with_garbage((1, 2, 3))
    for s in secrets.values():
        board.append("dkg_complaint", protocol.publish_complaints(board.state, s, now=T0), T0)
    assert len(board.state.keys.complaints[5]) == 3
    with pytest.raises(ThresholdNotMet) as info:
        protocol.complete_key_ceremony(board.state, now=T0)
    assert "trustee 1" in info.value.message and "justified complaint by trustee 5" in info.value.message


def test_two_complaints_about_one_dealer_are_refused():
    # A trustee that files two complaints about the same dealer (to make the result depend on
    # which is judged) is refused at the door, naming the field; nothing is appended.
    board, secrets = _ceremony_with_garbage((1,))
    fifth = secrets["elena"]
    payload = protocol.publish_complaints(board.state, fifth, now=T0)
    payload["complaints"] = payload["complaints"] * 2
    before = len(board.events)
    with pytest.raises(InvalidInput) as info:
        board.append("dkg_complaint", signed(board.state, "dkg_complaint", payload), T0)
    assert info.value.field == "complaints[1].dealer" and "one complaint per dealer" in info.value.message
    assert len(board.events) == before
