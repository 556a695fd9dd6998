"""Ballots checked in chunks (on the native backend, one proof batch for a whole chunk) get exactly the
verdicts, and the record exactly the report, that checking one ballot at a time gives.

The liar is whoever made the record: bad ballots sit among good ones in one chunk, so a batch that
let a bad proof through, blamed a good ballot, or reported the findings in another order than
reading the board would, fails these tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tamper import bump, load, manifest_for, rechain, record_files, resign, retrack, to_lines

from vybory import protocol
from vybory.crypto import backend
from vybory.verify import report as report_module
from vybory.verify import verify_record
from vybory.verify.jobs import (
    SEQUENTIAL_CHUNK,
    BallotJob,
    BallotVerdict,
    check_ballot_job,
    check_ballot_jobs,
)
from vybory.verify.lines import canonical, member_json
from vybory.verify.report import Findings


@pytest.fixture(params=["native", "sodium"])
def backend_in_force(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "native":
        assert backend.native_available(), "the native backend is not built (make setup where cargo exists)"
    backend.use(request.param)
    yield request.param
    backend.use(None)


def one_at_a_time(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
    for job in jobs:
        yield check_ballot_job(job)


def liars_record(exported: Any) -> tuple[Any, list[int]]:
    """The record with bad ballots 3 (a 0/1 proof), 7 (the signature) and 12 (a range proof) among
    good ones (3 and 12 signed again by the voter's own device: only the proofs tell), each with
    its tracking code recomputed, and ballot 5's stated tracking code wrong (a finding of the
    board's reading, between the ballots' verdicts); the chain is recomputed. Returns the files
    and the positions of ballots 3, 5, 7 and 12."""
    secrets = {protocol.public_credential(s).to_hex(): s for group in exported.election.credentials.values()
               for s in group}
    events = copy.deepcopy(load(exported.events))
    ballots = [e for e in events if e["kind"] == "ballot_cast"]
    assert len(ballots) > 12
    proof = ballots[3]["payload"]["ballot"]["contests"][0]["selections"][0]["proof"]
    proof["responses"][0] = bump(proof["responses"][0])
    signature = ballots[7]["payload"]["ballot"]["signature"]
    signature["response"] = bump(signature["response"])
    ranged = next(part for part in ballots[12]["payload"]["ballot"]["contests"] if part["range_proofs"])
    ranged["range_proofs"][0]["responses"][0] = bump(ranged["range_proofs"][0]["responses"][0])
    for k in (3, 12):
        resign(ballots[k]["payload"]["ballot"], secrets[ballots[k]["payload"]["ballot"]["credential"]])
    retrack(events)
    ballots[5]["payload"]["tracking_code"] = "00" * 32
    rechain(events)
    lines = to_lines(events)
    files = record_files(exported.files, lines, manifest=manifest_for(exported.files, lines, events))
    return files, [b["position"] for b in (ballots[3], ballots[5], ballots[7], ballots[12])]


def jobs_of(files: Any) -> list[BallotJob]:
    seen: list[BallotJob] = []

    def collect(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        for job in jobs:
            seen.append(job)
            yield check_ballot_job(job)

    verify_record(files, checker=collect)
    return seen


def test_a_chunk_gets_the_verdicts_of_one_ballot_at_a_time(exported, backend_in_force: str) -> None:  # type: ignore[no-untyped-def]
    files, (bad_proof, _, bad_signature, bad_range) = liars_record(exported)
    jobs = jobs_of(files)
    alone = [check_ballot_job(job) for job in jobs]
    assert {v.position: v.code for v in alone if not v.ok} == {
        bad_proof: "bad_selection_proof", bad_signature: "bad_signature", bad_range: "bad_range_proof"}
    assert check_ballot_jobs(jobs) == alone
    # A chunk of good ballots only, and a chunk whose only bad ballot is the last one.
    good = [job for job, verdict in zip(jobs, alone) if verdict.ok]
    assert check_ballot_jobs(good) == [check_ballot_job(job) for job in good]
    tail = [*good[:5], next(job for job in jobs if job.position == bad_range)]
    verdicts = check_ballot_jobs(tail)
    assert [v.ok for v in verdicts] == [True] * 5 + [False]
    assert verdicts[-1] == check_ballot_job(tail[-1])


def test_the_report_is_that_of_reading_and_checking_one_ballot_at_a_time(exported, backend_in_force: str) -> None:  # type: ignore[no-untyped-def]
    files, (bad_proof, wrong_code, bad_signature, bad_range) = liars_record(exported)
    chunked = verify_record(files)  # the default checker: this process, SEQUENTIAL_CHUNK ballots at a time
    single = verify_record(files, checker=one_at_a_time)
    assert chunked.to_json() == single.to_json()
    findings = chunked.check("ballots").findings
    assert [(f.position, f.code) for f in findings] == [
        (bad_proof, "bad_selection_proof"), (wrong_code, "tracking_code"), (bad_signature, "bad_signature"),
        (bad_range, "bad_range_proof")]
    assert bad_range - bad_proof < SEQUENTIAL_CHUNK  # all four in one chunk: the board was read ahead


def test_late_findings_keep_the_first_ones_in_board_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "MAX_FINDINGS", 3)
    out = Findings()
    for position in (1, 5, 6):
        out.fail("ballots", "early", "found reading the board", position=position)
    out.fail_late("ballots", "late", "a verdict", position=5)  # after the reading's finding at 5
    out.fail_late("ballots", "late", "a verdict", position=2)
    out.fail_late("ballots", "late", "a verdict", position=9)  # past the kept ones: counted, not listed
    kept = [(f.position, f.code) for f in out.by_check["ballots"]]
    assert kept == [(1, "early"), (2, "late"), (5, "early")]
    assert out.failures["ballots"] == 6


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@settings(deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=6), st.data())
def test_a_member_cut_out_of_the_whole_is_its_canonical_json(obj: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(obj)))
    whole = canonical(obj)
    assert member_json(whole, obj, key) == canonical(obj[key])
    # A whole that does not frame the member (not the object's canonical JSON) is not trusted.
    assert member_json(whole + b" ", obj, key) == canonical(obj[key])
    assert member_json(b"{}", obj, key) == canonical(obj[key])
