"""Ranked contests end to end: encrypted ranked ballots -> mixes by three trustees -> decryption by
three of five -> the counting rule; the result is the plaintext count of the same choices.
Every way to tamper with a mix is refused and named."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
from electionkit import at, rng, signed
from mix_kit import VOTERS, VOTING_CLOSE, Election, build

from vybory import protocol, rules
from vybory.crypto import elgamal
from vybory.crypto.group import Scalar
from vybory.crypto.proofs import sign
from vybory.errors import InvalidEncoding, InvalidInput, InvalidProof, Refused, VyboryError
from vybory.model.board import EventKind
from vybory.protocol.decide import rules_contest
from vybory.protocol.state import Phase, replay
from vybory.protocol.tally import ranked_ballots_of
from vybory.rules.base import RankedBallot
from vybory.verify.mix import ranked_totals, signed_message

LATER = at(VOTING_CLOSE, hours=5)
# The module's fixtures build one tallied election (the costly part): on one worker, built once.
pytestmark = pytest.mark.xdist_group("protocol-mix")


@pytest.fixture(scope="module")
def tallied() -> Election:
    return build()


@pytest.fixture(scope="module")
def decided(tallied: Election) -> Election:
    e = tallied.copy()
    for j in (1, 3, 5):
        e.mix(j, "chair")
    for j in (5, 1, 3):  # any qualified trustee, in any order
        e.mix(j, "board")
    for j in (2, 4, 5):  # three of five decrypt, two of them never mixed
        e.share(j)
    e.board.append("tally_decrypted", protocol.combine_shares(e.state, round=1, now=LATER), LATER)
    e.board.append("outcome_declared", protocol.declare_outcomes(e.state, round=1, now=LATER), LATER)
    return e


def plaintext_ballots(contest: str) -> list[RankedBallot]:
    return [RankedBallot(tuple((name,) for name in choices[contest]), weight) for weight, choices in VOTERS]


def decrypted(e: Election, contest: str) -> dict:
    return next(c for c in e.state.rounds[1].decrypted["contests"] if c["contest"] == contest)


@pytest.mark.parametrize("contest", ["chair", "board"])
def test_the_outcome_is_the_plaintext_count_of_the_same_choices(decided: Election, contest: str) -> None:
    state = decided.state
    rc = state.rounds[1].contests[contest]
    method = state.definition.contest(contest).method
    expected = rules.count(method, rules_contest(state, 1, rc), ballots=plaintext_ballots(contest))
    declared = next(o for o in state.rounds[1].outcomes["outcomes"] if o["contest"] == contest)
    assert declared["outcome"] == expected.to_json()
    assert expected.winners  # the count elects someone: the comparison is not between two empty results


@pytest.mark.parametrize("contest", ["chair", "board"])
def test_each_ballot_comes_out_once_with_its_weight(decided: Election, contest: str) -> None:
    entry = decrypted(decided, contest)
    got = Counter((tuple(r["ranking"]), r["weight"]) for r in entry["rankings"])
    want = Counter((tuple(choices[contest]), weight) for weight, choices in VOTERS)
    assert got == want
    assert Counter(r["weight"] for r in entry["rankings"]) == Counter({1: 17, 2: 2, 3: 1})
    # The homomorphic tally of the same contest agrees with the decrypted ballots.
    layout = decided.state.rounds[1].layouts[contest]
    assert ranked_totals(layout, entry["rankings"]) == entry["counts"]
    assert [b.weight for b in ranked_ballots_of(entry)] == [r["weight"] for r in entry["rankings"]]


def test_the_homomorphic_contest_of_the_same_round_is_counted_as_before(decided: Election) -> None:
    counts = decrypted(decided, "canteen")["counts"]
    want = Counter()
    for weight, choices in VOTERS:
        want[choices["canteen"]] += weight
    assert counts == {c: want[c] for c in ("yes", "no", "abstain")}
    assert "rankings" not in decrypted(decided, "canteen")


def test_the_chain_of_mixes_is_on_the_board(decided: Election) -> None:
    mixes = [e for e in decided.board.events if e.kind is EventKind.BALLOTS_MIXED]
    chair = [e for e in mixes if e.payload["contest"] == "chair"]
    assert [e.payload["trustee"] for e in chair] == [1, 3, 5]
    assert [e.payload["input"] for e in chair] == [None, chair[0].position, chair[1].position]
    board_cts = {bytes.fromhex(s["ciphertext"]["alpha"]) for e in decided.board.ballots(1)
                 for part in e.payload["ballot"]["contests"] for s in part["selections"]}
    for event in mixes:
        assert len(event.payload["rows"]) == 20  # one row per credential: the superseded ballot is not there
        for row in event.payload["rows"]:
            assert not {bytes.fromhex(ct["alpha"]) for ct in row} & board_cts  # every ciphertext re-encrypted
    replayed = decided.board.replayed()
    assert replayed.rounds[1].decrypted == decided.state.rounds[1].decrypted
    assert replayed.rounds[1].mixed_rows == decided.state.rounds[1].mixed_rows


def test_phase_and_who_must_mix(tallied: Election) -> None:
    e = tallied.copy()
    assert e.state.phase is Phase.MIXING
    waiting = [(p.who, p.action) for p in protocol.pending(e.state, LATER) if p.role == "trustee"]
    assert len(waiting) == 10 and all("mix the ballots of " in a for _, a in waiting)
    assert protocol.contests_to_mix(e.state, 1) == ["chair", "board"]
    for j in (2, 4, 1):
        e.mix(j, "chair")
    assert protocol.contests_to_mix(e.state, 1, trustee=2) == ["board"]
    assert e.state.phase is Phase.MIXING
    with pytest.raises(Refused) as refused:
        e.share(1)
    assert refused.value.code == "mixing_incomplete" and "board" in refused.value.message
    for j in (3, 4, 5):
        e.mix(j, "board")
    assert e.state.phase is Phase.DECRYPTION and protocol.mixing_complete(e.state, 1)
    e.mix(5, "chair")  # more than k trustees may mix, until the decryption begins
    e.share(2)
    with pytest.raises(Refused) as refused:
        e.mix(3, "chair")
    assert refused.value.code == "mixing_closed"


def test_a_share_of_the_tally_alone_is_refused_for_a_ranked_round(decided: Election) -> None:
    e = decided
    before = next(ev for ev in e.board.events if ev.kind is EventKind.TALLY_DECRYPTED).position
    state = replay(e.board.events[:before - 2])  # two shares on the board, one still to come
    size = sum(len(c["ciphertexts"]) for c in state.rounds[1].encrypted_tally["contests"])
    from vybory.crypto import threshold
    from vybory.protocol.tally import tally_ciphertexts

    secrets = e.trustees[1]
    short = threshold.compute_share(state.fingerprint, 1, secrets.secret_share,
                                    tally_ciphertexts(state.rounds[1].encrypted_tally), rng("short"))
    assert len(short.factors) == size
    with pytest.raises(InvalidInput) as refused:
        protocol.check_append(state, "decryption_share", signed(state, "decryption_share", {
            "round": 1, "trustee": 1, "share": short.to_json()}),
                              now=LATER)
    assert refused.value.field == "share.factors"


# --- refusals and tampering ---------------------------------------------------------------


@pytest.fixture(scope="module")
def one_mix(tallied: Election) -> Election:
    """Trustee 1 has mixed the chair; trustee 2's mix is the one tampered with."""
    e = tallied.copy()
    e.mix(1, "chair")
    return e


@pytest.fixture(scope="module")
def honest(one_mix: Election) -> dict:
    return protocol.compute_mix(one_mix.state, one_mix.trustees[2], round=1, contest="chair", now=LATER,
                                rng=rng("honest"))


def resign(e: Election, payload: dict, trustee: int) -> dict:
    payload = dict(payload)
    payload["signature"] = sign(e.state.fingerprint, e.trustees[trustee].secret_share, signed_message(payload),
                                rng("resign")).to_json()
    return signed(e.state, "ballots_mixed", payload)


def refused(e: Election, payload: dict) -> VyboryError:
    length = len(e.board.events)
    with pytest.raises(VyboryError) as caught:
        e.board.append("ballots_mixed", {k: v for k, v in payload.items() if k != "at"}, LATER)
    assert len(e.board.events) == length
    return caught.value


def test_the_honest_mix_is_accepted(one_mix: Election, honest: dict) -> None:
    e = one_mix.copy()
    e.board.append("ballots_mixed", {k: v for k, v in honest.items() if k != "at"}, LATER)
    assert [m.trustee for m in e.state.rounds[1].mixes["chair"]] == [1, 2]


def _encrypt(e: Election, value: int) -> dict:
    return elgamal.encrypt(e.state.public_key, value, Scalar.random(rng(f"enc{value}"))).to_json()


def _add_one(e: Election, ct: dict) -> dict:
    changed = elgamal.Ciphertext.from_json(ct, "ct") + elgamal.Ciphertext.from_json(_encrypt(e, 1), "one")
    return changed.to_json()


TAMPERS = {
    # name: (change of the payload, re-signed by trustee 2?, expected error type, code)
    "a row replaced": (lambda e, p: p["rows"].__setitem__(3, [_encrypt(e, 0) for _ in p["rows"][3]]),
                       True, InvalidProof, "bad_shuffle"),
    "a vote changed inside a row": (lambda e, p: p["rows"][0].__setitem__(0, _add_one(e, p["rows"][0][0])),
                                    True, InvalidProof, "bad_shuffle"),
    "the weight of a row changed": (lambda e, p: p["rows"][5].__setitem__(-1, _add_one(e, p["rows"][5][-1])),
                                    True, InvalidProof, "bad_shuffle"),
    "a row duplicated over another": (lambda e, p: p["rows"].__setitem__(1, list(p["rows"][0])),
                                      True, InvalidProof, "bad_shuffle"),
    "two rows swapped": (lambda e, p: p["rows"].__setitem__(slice(0, 2), [p["rows"][1], p["rows"][0]]),
                         True, InvalidProof, "bad_shuffle"),
    "a row dropped": (lambda e, p: p["rows"].pop(), True, InvalidEncoding, "mix_shape"),
    "a row added": (lambda e, p: p["rows"].append(list(p["rows"][0])), True, InvalidEncoding, "mix_shape"),
    "a ciphertext dropped from every row": (lambda e, p: [row.pop() for row in p["rows"]],
                                            True, InvalidEncoding, "invalid_encoding"),
    "a proof response changed": (lambda e, p: p["proof"].__setitem__("s1", p["proof"]["s2"]),
                                 True, InvalidProof, "bad_shuffle"),
    "a column response changed": (lambda e, p: p["proof"]["s4"].__setitem__(0, p["proof"]["s3"]),
                                  True, InvalidProof, "bad_shuffle"),
    "a commitment changed": (lambda e, p: p["proof"]["t_hat"].__setitem__(2, p["proof"]["t_hat"][3]),
                             True, InvalidProof, "bad_shuffle"),
    "the rows changed after signing": (lambda e, p: p["rows"].__setitem__(1, list(p["rows"][0])),
                                       False, InvalidProof, "bad_mix_signature"),
    "signed as another trustee": (lambda e, p: p.__setitem__("trustee", 4), False, InvalidProof,
                                  "bad_mix_signature"),
    "the list it takes is not the latest": (lambda e, p: p.__setitem__("input", None), True, Refused,
                                            "stale_mix"),
    "a trustee who mixed already": (lambda e, p: p.__setitem__("trustee", 1), False, Refused, "already_mixed"),
    "not a trustee": (lambda e, p: p.__setitem__("trustee", 9), False, Refused, "not_qualified"),
    "a homomorphic contest": (lambda e, p: p.__setitem__("contest", "canteen"), True, Refused, "not_ranked"),
    "an unknown contest": (lambda e, p: p.__setitem__("contest", "treasurer"), True, Refused, "no_such_contest"),
    "a round that does not exist": (lambda e, p: p.__setitem__("round", 2), True, Refused, "no_such_round"),
    "a point that is not canonical": (lambda e, p: p["rows"][2][0].__setitem__("alpha", "ff" * 32), True,
                                      InvalidEncoding, "invalid_encoding"),
    "garbage for a proof": (lambda e, p: p.__setitem__("proof", {"t1": "00"}), True, InvalidEncoding,
                            "invalid_encoding"),
    "an extra field": (lambda e, p: p.__setitem__("note", "x"), False, InvalidInput, "invalid_input"),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_a_tampered_mix_is_refused_and_named(one_mix: Election, honest: dict, name: str) -> None:
    change, again, error, code = TAMPERS[name]
    payload = copy.deepcopy(honest)
    change(one_mix, payload)
    if again:
        payload = resign(one_mix, payload, payload["trustee"] if payload["trustee"] in one_mix.trustees else 2)
    caught = refused(one_mix, payload)
    assert isinstance(caught, error), caught
    assert caught.code == code, caught
    assert str(caught)  # a message that names the field and the rule


def test_the_refusal_names_the_failing_equation(one_mix: Election, honest: dict) -> None:
    payload = copy.deepcopy(honest)
    payload["proof"]["s_hat"][4] = payload["proof"]["s_hat"][5]
    caught = refused(one_mix, resign(one_mix, payload, 2))
    assert "chain link equation of row 4" in caught.message and caught.field == "proof"


def test_mixing_is_refused_while_the_round_is_open(tallied: Election) -> None:
    closed = next(ev for ev in tallied.board.events if ev.kind is EventKind.ROUND_CLOSED).position
    state = replay(tallied.board.events[:closed - 1])
    with pytest.raises(Refused) as caught:
        protocol.compute_mix(state, tallied.trustees[1], round=1, contest="chair", now=LATER)
    assert caught.value.code == "round_open"


def test_a_contest_without_ballots_needs_no_mix(tallied: Election) -> None:
    e = tallied.copy()
    e.state.rounds[1].ranked_rows.pop("board")
    assert protocol.contests_to_mix(e.state, 1) == ["chair"]
    with pytest.raises(Refused) as caught:
        protocol.compute_mix(e.state, e.trustees[1], round=1, contest="board", now=LATER)
    assert caught.value.code == "nothing_to_mix"
