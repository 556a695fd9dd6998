"""A record with ranked contests: the mixes, the decrypted rankings and the ranked counts are
checked from the board, and tampering with any of them is named (spec §17)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from electionkit import signed_for
from ranked import build, files_of
from tamper import Events, bump, load, other_point, rechain, record_files, to_lines

from vybory.crypto.group import Scalar
from vybory.crypto.proofs import sign
from vybory.crypto.rng import DeterministicRng
from vybory.verify import verify_record
from vybory.verify.mix import signed_message
from vybory.verify.report import Report, Status

pytestmark = pytest.mark.xdist_group("verify-record")


@pytest.fixture(scope="module")
def election():  # type: ignore[no-untyped-def]
    return build()


@pytest.fixture(scope="module")
def events(election) -> Events:  # type: ignore[no-untyped-def]
    return load(election.lines())


def verify(events: Events) -> Report:
    events = copy.deepcopy(events)
    rechain(events)
    return verify_record(record_files(files_of(to_lines(events))))


def mixes(events: Events, contest: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "ballots_mixed" and e["payload"]["contest"] == contest]


def line_of(events: Events, event: dict[str, Any]) -> int:
    return next(i for i, e in enumerate(events, start=1) if e is event)


def resign(election, payload: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Signs a changed mix again with its trustee's secret share (a dishonest trustee could)."""
    secrets = election.trustees[payload["trustee"]]
    fingerprint = bytes.fromhex(election.board.events[0].payload["fingerprint"])
    payload["signature"] = sign(fingerprint, secrets.secret_share, signed_message(payload),
                                DeterministicRng(b"resign")).to_json()
    payload["signed"] = signed_for(election.state.definition, fingerprint, "ballots_mixed", payload)["signed"]


def codes_at(report: Report, check: str, position: int) -> set[str]:
    return {f.code for f in report.check(check).findings if f.position == position}


def test_the_ranked_record_verifies(events) -> None:  # type: ignore[no-untyped-def]
    report = verify(events)
    assert report.ok, [str(f) for f in report.failures]
    assert report.check("mixes").checked == 6
    decrypted = next(e for e in events if e["kind"] == "tally_decrypted")["payload"]
    chair = next(c for c in decrypted["contests"] if c["contest"] == "chair")
    assert len(chair["rankings"]) == 8 and sum(r["weight"] for r in chair["rankings"]) == 11
    assert {"invalid"} & {k for r in chair["rankings"] for k in r} == set()
    assert report.check("decisions").checked == 3


def test_a_changed_mixed_row_breaks_the_trustees_signature(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    mix = mixes(events, "chair")[1]
    row = mix["payload"]["rows"][3]
    row[0]["alpha"] = other_point(row[0]["alpha"])
    report = verify(events)
    assert "bad_mix_signature" in codes_at(report, "mixes", line_of(events, mix))


def test_a_changed_mixed_row_signed_again_fails_the_shuffle_proof(election, events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    mix = mixes(events, "board")[2]
    rows = mix["payload"]["rows"]
    rows[0], rows[1] = rows[1], [dict(ct) for ct in rows[1]]  # a row duplicated, another dropped
    resign(election, mix["payload"])
    report = verify(events)
    assert codes_at(report, "mixes", line_of(events, mix)) == {"bad_shuffle"}
    assert not report.ok


def test_a_changed_shuffle_proof_response(election, events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    mix = mixes(events, "chair")[0]
    proof = mix["payload"]["proof"]
    proof["s_prime"][2] = bump(proof["s_prime"][2])
    resign(election, mix["payload"])
    report = verify(events)
    assert codes_at(report, "mixes", line_of(events, mix)) == {"bad_shuffle"}


def test_a_removed_mix_leaves_the_next_one_stale(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    removed = mixes(events, "chair")[1]
    events.remove(removed)
    after = mixes(events, "chair")[1]
    report = verify(events)
    at = line_of(events, after)
    assert "stale_mix" in codes_at(report, "mixes", at)
    assert "bad_shuffle" in codes_at(report, "mixes", at)


def test_too_few_mixes_before_the_decryption(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    for mix in mixes(events, "chair")[1:]:
        events.remove(mix)
    first_share = next(e for e in events if e["kind"] == "decryption_share")
    report = verify(events)
    assert "mixing_incomplete" in codes_at(report, "mixes", line_of(events, first_share))


def test_a_mix_after_the_decryption_began(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    last = mixes(events, "board")[-1]
    events.remove(last)
    first_share = next(e for e in events if e["kind"] == "decryption_share")
    events.insert(line_of(events, first_share), last)
    report = verify(events)
    assert "mixing_closed" in codes_at(report, "mixes", line_of(events, last))


def test_a_second_mix_by_the_same_trustee(election, events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    mix = mixes(events, "chair")[-1]
    first = mixes(events, "chair")[0]["payload"]["trustee"]
    mix["payload"]["trustee"] = first
    resign(election, mix["payload"])
    report = verify(events)
    assert "already_mixed" in codes_at(report, "mixes", line_of(events, mix))


def test_changed_rankings_are_named(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    decrypted = next(e for e in events if e["kind"] == "tally_decrypted")
    chair = next(c for c in decrypted["payload"]["contests"] if c["contest"] == "chair")
    ranked = next(r for r in chair["rankings"] if len(r.get("ranking", [])) >= 2)
    ranked["ranking"][0], ranked["ranking"][1] = ranked["ranking"][1], ranked["ranking"][0]
    report = verify(events)
    position = line_of(events, decrypted)
    assert codes_at(report, "counts", position) == {"rankings_wrong"}


def test_the_outcome_is_recounted_from_the_rankings(events) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(events)
    declared = next(e for e in events if e["kind"] == "outcome_declared")
    board = next(o for o in declared["payload"]["outcomes"] if o["contest"] == "board")
    losers = [c for c in board["candidates"] if c not in board["outcome"]["winners"]]
    board["outcome"]["winners"] = [board["outcome"]["winners"][0], losers[0]]
    report = verify(events)
    assert "outcome_differs" in codes_at(report, "decisions", line_of(events, declared))
    assert report.check("mixes").status is Status.PASSED


def test_a_weight_changed_in_the_mixed_rows(election, events) -> None:  # type: ignore[no-untyped-def]
    """The last mix's weight column swapped for g^5: caught by the shuffle proof, and the decryption
    then reads other weights than the counts say."""
    events = copy.deepcopy(events)
    mix = mixes(events, "chair")[-1]
    weight = mix["payload"]["rows"][0][-1]
    five = Scalar.from_int(5)
    from vybory.crypto.group import Point

    weight["beta"] = (Point.from_hex(weight["beta"], "b") + Point.base_mul(five)).to_hex()
    resign(election, mix["payload"])
    report = verify(events)
    assert codes_at(report, "mixes", line_of(events, mix)) == {"bad_shuffle"}
