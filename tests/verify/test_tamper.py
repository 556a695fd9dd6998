"""Tampering with a valid record, one change at a time: `verify` must fail and name the item.

Each change is tried twice: naively (the changed event keeps its old hash,
so the chain breaks there) and as an attacker controlling the server would do
it (tracking codes recomputed, the chain re-hashed, the manifest rewritten),
so that the deeper checks alone must catch it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tamper import (
    Events,
    bump,
    find,
    load,
    naive,
    other_point,
    rechain,
    rechained,
    record_files,
    resign,
    retrack,
)

from vybory import protocol
from vybory.model.canonical import canonical_json
from vybory.verify import verify_record
from vybory.verify.report import Report


@dataclass(frozen=True)
class Expect:
    """A finding the report must hold: its check, the event (line) and, for a ballot, its tracking code.

    ``ballot`` is the ballot_cast event itself: its line and tracking code are read when the report is
    checked (an attacker who re-chains the board also recomputes the tracking codes).
    """

    check: str
    position: int | None
    tracking_code: str | None = None
    code: str | None = None
    ballot: Any = None

    def resolve(self, events: Events) -> Expect:
        if self.ballot is None:
            return self
        return Expect(self.check, line_of(events, self.ballot), self.ballot["payload"]["tracking_code"], self.code)


def line_of(events: Events, event: dict[str, Any]) -> int:
    return next(i for i, e in enumerate(events, start=1) if e is event)


def ballots(events: Events, round: int, district: str | None = None) -> list[dict[str, Any]]:
    out = [e for e in events if e["kind"] == "ballot_cast" and e["payload"]["ballot"]["round"] == round]
    if district is not None:
        out = [e for e in out if e["payload"]["ballot"]["contests"][0]["contest"].startswith(district)]
    return out


def counted_ballot(events: Events) -> dict[str, Any]:
    """A North ballot of round 1 that counts (the re-vote of the first North voter)."""
    return ballots(events, 1, "north")[8]


def expect_ballot(events: Events, event: dict[str, Any], check: str = "ballots", code: str | None = None) -> Expect:
    return Expect(check, None, None, code, ballot=event)


# --- the changes: each mutates the events and says which finding must appear -----------------


def ballot_ciphertext(events: Events) -> list[Expect]:
    e = counted_ballot(events)
    ct = e["payload"]["ballot"]["contests"][0]["selections"][0]["ciphertext"]
    ct["alpha"] = other_point(ct["alpha"])
    return [expect_ballot(events, e), Expect("encrypted_tally", line_of(events, find(events, "encrypted_tally")))]


def proof_response(events: Events) -> list[Expect]:
    e = ballots(events, 2, "south")[3]
    proof = e["payload"]["ballot"]["contests"][0]["selections"][1]["proof"]
    proof["responses"][0] = bump(proof["responses"][0])
    return [expect_ballot(events, e, code="bad_signature")]


def proof_response_resigned(events: Events) -> list[Expect]:
    e = ballots(events, 2, "south")[3]
    ballot = e["payload"]["ballot"]
    proof = ballot["contests"][0]["selections"][1]["proof"]
    proof["responses"][0] = bump(proof["responses"][0])
    resign(ballot, SECRETS[ballot["credential"]])
    return [expect_ballot(events, e, code="bad_selection_proof")]


def range_proof_response_resigned(events: Events) -> list[Expect]:
    e = ballots(events, 1, "south")[0]
    ballot = e["payload"]["ballot"]
    proof = ballot["contests"][1]["range_proofs"][0]
    proof["responses"][-1] = bump(proof["responses"][-1])
    resign(ballot, SECRETS[ballot["credential"]])
    return [expect_ballot(events, e, code="bad_range_proof")]


def ciphertext_resigned(events: Events) -> list[Expect]:
    """The voter's own device swaps a ciphertext and signs again: the proofs still tell."""
    e = ballots(events, 1, "north")[9]
    ballot = e["payload"]["ballot"]
    ct = ballot["contests"][0]["selections"][2]["ciphertext"]
    ct["beta"] = other_point(ct["beta"])
    resign(ballot, SECRETS[ballot["credential"]])
    return [expect_ballot(events, e, code="bad_selection_proof")]


def ciphertext_upper_case(events: Events) -> list[Expect]:
    """A counted ballot's ciphertext in upper-case hex, signed again: the verifier does not keep it
    from the first pass and reads it from the board again, where the tally cannot take it."""
    e = counted_ballot(events)
    ballot = e["payload"]["ballot"]
    ct = ballot["contests"][0]["selections"][0]["ciphertext"]
    ct["alpha"] = ct["alpha"].upper()
    resign(ballot, SECRETS[ballot["credential"]])
    return [expect_ballot(events, e), Expect("encrypted_tally", line_of(events, e), None, "ballot_unreadable")]


def commitment(events: Events) -> list[Expect]:
    e = find(events, "dkg_commitments", lambda e: e["payload"]["trustee"] == 2)
    reveal = e["payload"]["reveal"]
    reveal["commitments"][1] = other_point(reveal["commitments"][1])
    return [Expect("key_ceremony", line_of(events, e)),
            Expect("key_ceremony", line_of(events, find(events, "key_ceremony_completed")))]


def signature(events: Events) -> list[Expect]:
    e = ballots(events, 1, "north")[2]
    sig = e["payload"]["ballot"]["signature"]
    sig["response"] = bump(sig["response"])
    return [expect_ballot(events, e, code="bad_signature")]


def credential_in_list(events: Events) -> list[Expect]:
    e = find(events, "credentials_published")
    victim = counted_ballot(events)["payload"]["ballot"]["credential"]
    entry = next(c for c in e["payload"]["credentials"] if c["credential"] == victim)
    entry["credential"] = other_point(victim)
    e["payload"]["credentials"].sort(key=lambda c: c["credential"])
    cast = [b for b in ballots(events, 1) + ballots(events, 2) if b["payload"]["ballot"]["credential"] == victim]
    return [expect_ballot(events, b, code="unknown_credential") for b in cast]


def event_order(events: Events) -> list[Expect]:
    e = counted_ballot(events)
    events.remove(e)
    closed = find(events, "round_closed")
    events.insert(line_of(events, closed), e)  # right after round 1 closed
    return [expect_ballot(events, e, code="round_closed")]


def decryption_share(events: Events) -> list[Expect]:
    e = find(events, "decryption_share", lambda e: e["payload"]["trustee"] == 1)
    factors = e["payload"]["share"]["factors"]
    factors[0] = other_point(factors[0])
    return [Expect("decryption_shares", line_of(events, e), code="invalid_share_used")]


def decrypted_count(events: Events) -> list[Expect]:
    e = find(events, "tally_decrypted")
    north = next(c for c in e["payload"]["contests"] if c["contest"] == "north-seat")
    north["counts"]["Ivanov"] += 1
    return [Expect("counts", line_of(events, e), code="count_wrong")]


def announced_winner(events: Events) -> list[Expect]:
    e = find(events, "outcome_declared", nth=1)
    entry = next(o for o in e["payload"]["outcomes"] if o["contest"] == "north-seat")
    loser = next(c for c in entry["candidates"] if c not in entry["outcome"]["winners"])
    entry["outcome"]["winners"] = [loser]
    return [Expect("decisions", line_of(events, e), code="outcome_differs")]


def runoff_candidates(events: Events) -> list[Expect]:
    declared = find(events, "outcome_declared")
    opened = find(events, "round_opened", nth=1)
    for contests in (declared["payload"]["next_round"]["contests"], opened["payload"]["contests"]):
        north = next(c for c in contests if c["contest"] == "north-seat")
        out = next(n for n in ("Ivanov", "Petrova", "Sidorov") if n not in north["candidates"])
        north["candidates"][1] = out
        north["candidates"].sort()
    return [Expect("decisions", line_of(events, declared), code="next_round")]


def runoff_opened_alone(events: Events) -> list[Expect]:
    opened = find(events, "round_opened", nth=1)
    north = next(c for c in opened["payload"]["contests"] if c["contest"] == "north-seat")
    north["candidates"].append("Sidorov" if "Sidorov" not in north["candidates"] else "Ivanov")
    return [Expect("rounds", line_of(events, opened), code="round_candidates")]


def remove_ballot(events: Events) -> list[Expect]:
    events.remove(counted_ballot(events))
    return [Expect("counted_ballots", line_of(events, find(events, "round_closed")), code="round_closed_counts"),
            Expect("encrypted_tally", line_of(events, find(events, "encrypted_tally")))]


def duplicate_ballot(events: Events) -> list[Expect]:
    e = ballots(events, 2, "south")[4]
    copy_ = copy.deepcopy(e)
    events.insert(line_of(events, e), copy_)
    return [expect_ballot(events, copy_, "ciphertexts", "replayed_ciphertext"),
            Expect("counted_ballots", line_of(events, find(events, "round_closed", nth=1)))]


def ballot_of_another_round(events: Events) -> list[Expect]:
    """A round-1 ballot replayed while round 2 is open."""
    e = copy.deepcopy(ballots(events, 1, "south")[0])
    opened = find(events, "round_opened", nth=1)
    events.insert(line_of(events, opened), e)
    return [expect_ballot(events, e, code="round_closed"), expect_ballot(events, e, "ciphertexts")]


def published_result(events: Events) -> list[Expect]:
    e = find(events, "election_published")
    south = next(r for r in e["payload"]["results"] if r["contest"] == "south-seat")
    south["elected"] = ["Volkov"]
    return [Expect("publication", line_of(events, e), code="published_results")]


TAMPERS: dict[str, Callable[[Events], list[Expect]]] = {
    "ballot ciphertext": ballot_ciphertext,
    "selection proof response": proof_response,
    "selection proof response, signed again": proof_response_resigned,
    "range proof response, signed again": range_proof_response_resigned,
    "ciphertext, signed again": ciphertext_resigned,
    "ciphertext in upper-case hex, signed again": ciphertext_upper_case,
    "DKG commitment": commitment,
    "ballot signature": signature,
    "credential in the list": credential_in_list,
    "event order": event_order,
    "decryption share": decryption_share,
    "decrypted count": decrypted_count,
    "announced winner": announced_winner,
    "runoff candidate list": runoff_candidates,
    "runoff round opened with another list": runoff_opened_alone,
    "ballot removed": remove_ballot,
    "duplicate ballot inserted": duplicate_ballot,
    "ballot replayed into another round": ballot_of_another_round,
    "published result": published_result,
}


def named(report: Report, expect: Expect) -> bool:
    return any(f.check == expect.check and f.position == expect.position
               and (expect.tracking_code is None or f.tracking_code == expect.tracking_code)
               and (expect.code is None or f.code == expect.code)
               for f in report.failures)


def describe(report: Report) -> str:
    return "\n".join(f"{f.check}: {f}" for f in report.failures)


# Public credential -> the voter's secret (the tamper functions that sign again need it).
SECRETS: dict[str, str] = {}


@pytest.fixture(scope="module")
def original(exported) -> Events:  # type: ignore[no-untyped-def]
    for secrets in exported.election.credentials.values():
        SECRETS.update({protocol.public_credential(s).to_hex(): s for s in secrets})
    return load(exported.events)


def test_the_untouched_record_verifies(exported, original) -> None:  # type: ignore[no-untyped-def]
    report = verify_record(naive(exported.files, copy.deepcopy(original)))
    assert report.ok, describe(report)
    rechained_report = verify_record(rechained(exported.files, copy.deepcopy(original)))
    assert rechained_report.ok, describe(rechained_report)


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_named_when_the_chain_is_rehashed(exported, original, name: str) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(original)
    expected = TAMPERS[name](events)
    retrack(events)
    rechain(events)
    report = verify_record(rechained(exported.files, events))
    assert not report.ok
    # The attacker re-chained: the chain, the head and the files all check; the deeper check must catch it.
    for check in ("record", "board", "head"):
        assert report.check(check).status.value == "passed", describe(report)
    for expect in expected:
        assert named(report, expect.resolve(events)), f"{expect.resolve(events)} not in:\n{describe(report)}"


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_named_when_the_chain_is_left_broken(exported, original, name: str) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(original)
    expected = TAMPERS[name](events)
    report = verify_record(naive(exported.files, events))
    assert not report.ok
    board = report.check("board")
    assert board.status.value == "failed"
    for expect in expected:
        # The naive attacker left each ballot's tracking code as it is on the voter's receipt.
        assert named(report, expect.resolve(events)), f"{expect.resolve(events)} not in:\n{describe(report)}"
    assert report.check("record").status.value == "failed"  # the events file no longer has its digest


def test_a_changed_ballot_breaks_the_chain_at_that_event(exported, original) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(original)
    expected = ballot_ciphertext(events)[0].resolve(events)
    report = verify_record(naive(exported.files, events))
    board = [f for f in report.check("board").findings]
    assert [(f.position, f.code) for f in board] == [(expected.position, "board_hash")]
    codes = {f.code for f in report.failures if f.position == expected.position and f.check == "ballots"}
    assert "tracking_code" in codes


def test_a_removed_ballot_is_named_by_the_break_it_leaves(exported, original) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(original)
    victim = counted_ballot(events)
    at = line_of(events, victim)
    events.remove(victim)
    report = verify_record(naive(exported.files, events))
    assert (at, "board_order") in {(f.position, f.code) for f in report.check("board").findings}


def test_a_changed_head_in_the_manifest(exported) -> None:  # type: ignore[no-untyped-def]
    import json

    manifest = json.loads(exported.files["manifest.json"])
    manifest["head"] = "ab" * 32
    report = verify_record(record_files(exported.files, manifest=json.dumps(manifest).encode()))
    assert not report.ok
    assert [f.code for f in report.check("head").findings] == ["head_mismatch"]


def test_a_truncated_board_fails_against_the_published_head(exported, original) -> None:  # type: ignore[no-untyped-def]
    head = original[-1]["hash"]
    last_outcome = max(i for i, e in enumerate(original) if e["kind"] == "outcome_declared")
    events = copy.deepcopy(original)[:last_outcome]  # the last outcome, the publication and their witnesses dropped
    files = rechained(exported.files, events)
    assert verify_record(files).ok  # consistent in itself: only the published head tells
    report = verify_record(files, published_head=head)
    assert not report.ok
    assert [f.code for f in report.check("head").findings] == ["published_head_mismatch"]
    assert report.check("head").notes  # and it says the election is not published in this record


def test_every_tamper_changes_the_record(original) -> None:  # type: ignore[no-untyped-def]
    for name, tamper in TAMPERS.items():
        events = copy.deepcopy(original)
        tamper(events)
        assert canonical_json(events) != canonical_json(original), name
