"""The native backend reads a whole ballot in one call (``Batch.add_ballot``): it may only accept
what the ordinary check accepts, and every verdict stays the one libsodium gives ballot by ballot.

The liar is the voter's own device (or whoever made the record): it casts a ballot that is
changed in one place, signed again so that only the changed field can tell, or written in a
form that is not canonical. For every such ballot the verdict of the native chunk check must be
the libsodium verdict of that ballot alone, and the native reader must never take a ballot that
the ordinary check refuses."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tamper import bump, record_files, resign
from test_chunked import jobs_of

from vybory import protocol
from vybory.crypto import backend
from vybory.crypto.elgamal import CiphertextSums
from vybory.crypto.group import ORDER
from vybory.errors import VyboryError
from vybory.verify.jobs import BallotJob, BallotVerdict, _shape, check_ballot_job, check_ballot_jobs
from vybory.verify.lines import canonical
from vybory.verify.tally import TallySum


@pytest.fixture(scope="module", autouse=True)
def native() -> None:
    """These tests compare the native reader with the ordinary check: without the native backend
    they fail (make setup builds it where cargo exists), they never vanish."""
    assert backend.native_available(), "the native backend is not built (make setup where cargo exists)"


@pytest.fixture(scope="module")
def jobs_and_secrets(exported: Any) -> tuple[list[BallotJob], dict[str, Any]]:
    secrets = {protocol.public_credential(s).to_hex(): s for group in exported.election.credentials.values()
               for s in group}
    return jobs_of(record_files(exported.files)), secrets


def _on(name: str, job: BallotJob) -> BallotVerdict:
    backend.use(name)
    try:
        return check_ballot_job(job)
    finally:
        backend.use(None)


def _native_chunk(jobs: list[BallotJob]) -> list[BallotVerdict]:
    backend.use("native")
    try:
        return check_ballot_jobs(jobs)
    finally:
        backend.use(None)


def _read_natively(job: BallotJob) -> bool:
    """Whether the native reader takes the ballot and its batch holds."""
    backend.use("native")
    try:
        shape = _shape(job.context, job.district)
        batch = backend.new_batch()
        return shape is not None and batch.add_ballot(shape, job.ballot) and batch.first_failure() is None
    finally:
        backend.use(None)


def _agree(jobs: list[BallotJob]) -> None:
    """The native chunk's verdicts are libsodium's, ballot by ballot; what the native reader takes,
    libsodium accepts."""
    alone = [_on("sodium", job) for job in jobs]
    assert _native_chunk(jobs) == alone
    for job, verdict in zip(jobs, alone):
        if _read_natively(job):
            assert verdict.ok, f"the native reader took a ballot libsodium refuses: {verdict}"


def _with(job: BallotJob, ballot: bytes) -> BallotJob:
    return replace(job, ballot=ballot)


def test_every_good_ballot_is_read_natively(jobs_and_secrets: tuple[list[BallotJob], dict[str, Any]]) -> None:
    jobs, _ = jobs_and_secrets
    assert jobs and all(_on("sodium", job).ok for job in jobs)
    assert all(_read_natively(job) for job in jobs)
    assert any(json.loads(job.ballot)["contests"][0]["range_proofs"] for job in jobs)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*path, i))


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value


def _is_scalar(text: str) -> bool:
    try:
        return int.from_bytes(bytes.fromhex(text), "little") < ORDER
    except ValueError:
        return False


def _changes(value: Any) -> Iterator[Any]:
    """What a lying device could put in place of one value of the ballot."""
    if isinstance(value, str):
        if len(value) == 64:
            yield value[:-1] + ("0" if value[-1] != "0" else "1")  # another encoding, often invalid
            yield value.upper() if value != value.upper() else value.lower() + "g"
            yield "00" * 32  # the identity
            yield ORDER.to_bytes(32, "little").hex()  # ℓ: a scalar that is not reduced
            if _is_scalar(value):
                yield bump(value)  # another canonical scalar
        yield value + "0"
        yield 7
    elif isinstance(value, bool) or value is None:
        yield "x"
    elif isinstance(value, int):
        yield value + 1
        yield str(value)
    elif isinstance(value, list):
        if value:
            yield value[:-1]
            yield [*value, value[0]]
            yield list(reversed(value))
            yield [value[0]] * len(value)  # one selection repeated
        yield {}
    elif isinstance(value, dict):
        yield {**value, "extra": 1}
        yield dict(list(value.items())[:-1])
        yield []


def test_each_changed_field_gets_libsodiums_verdict(jobs_and_secrets: tuple[list[BallotJob], dict[str, Any]]) -> None:
    jobs, secrets = jobs_and_secrets
    job = next(j for j in jobs if json.loads(j.ballot)["contests"][0]["range_proofs"])
    original = json.loads(job.ballot)
    variants = []
    for path, value in _leaves(original):
        if not path:
            continue
        for change in _changes(value):
            ballot = copy.deepcopy(original)
            _set(ballot, path, change)
            variants.append(_with(job, canonical(ballot)))
            if path[0] != "signature" and ballot.get("credential") in secrets:  # signed again by the device
                try:
                    resign(ballot, secrets[ballot["credential"]])
                except (VyboryError, KeyError, TypeError, ValueError, AttributeError):
                    continue  # a ballot so broken that it cannot be signed any more
                variants.append(_with(job, canonical(ballot)))
    assert len(variants) > 300
    refused = 0
    for start in range(0, len(variants), 32):
        chunk = [*variants[start:start + 32], job]  # a good ballot among the liars
        _agree(chunk)
        refused += sum(not v.ok for v in _native_chunk(chunk))
    assert refused > 250


def test_a_ballot_not_written_canonically_is_left_to_the_ordinary_check(
        jobs_and_secrets: tuple[list[BallotJob], dict[str, Any]]) -> None:
    jobs, _ = jobs_and_secrets
    job = jobs[0]
    text = job.ballot
    forms = [
        text + b"\n", b" " + text, text.replace(b":", b": ", 1), text.replace(b",", b", ", 1),
        json.dumps(json.loads(text), sort_keys=False, separators=(",", ":")).encode()[::1],
        json.dumps(json.loads(text), sort_keys=True, indent=1).encode(),
        text.replace(b'"version":1', b'"version":1.0'), text.replace(b'"version":1', b'"version":true'),
        text[:-1], text[1:], b"", b"{}", text.replace(b'"a', b'"\\u0061', 1),
    ]
    reordered = json.loads(text)
    reordered = {k: reordered[k] for k in sorted(reordered, reverse=True)}
    forms.append(json.dumps(reordered, separators=(",", ":")).encode())
    for form in forms:
        if form == text:
            continue
        assert not _read_natively(_with(job, form)), form[:80]
    _agree([_with(job, form) for form in forms] + [job])


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_bytes_get_libsodiums_verdict(jobs_and_secrets: tuple[list[BallotJob], dict[str, Any]],
                                               data: st.DataObject) -> None:
    jobs, _ = jobs_and_secrets
    job = data.draw(st.sampled_from(jobs[:8]))
    text = bytearray(job.ballot)
    at = data.draw(st.integers(0, len(text) - 1))
    how = data.draw(st.sampled_from(["flip", "insert", "delete"]))
    if how == "flip":
        text[at] ^= 1 << data.draw(st.integers(0, 7))
    elif how == "insert":
        text.insert(at, data.draw(st.sampled_from(b'0af ",:{}[]\\')))
    else:
        del text[at]
    damaged = _with(job, bytes(text))
    _agree([job, damaged, jobs[1]])


def _tally_outcome(name: str, rnd_sizes: dict[str, int], ballots: list[Any]) -> list[Any]:
    """What adding each ballot to a fresh tally gives on backend ``name``: the error, or the sums."""
    backend.use(name)
    try:
        out: list[Any] = []
        for ballot in ballots:
            tally = TallySum({c: CiphertextSums(n) for c, n in rnd_sizes.items()}, dict.fromkeys(rnd_sizes, 0),
                             dict.fromkeys(rnd_sizes, 0))
            try:
                kept = tally.add(ballot, 3, keep=())
                out.append(("added", kept, {c: [ct.to_json() for ct in s.totals()] for c, s in tally.sums.items()},
                            tally.ballots, tally.weights))
            except (VyboryError, KeyError, TypeError, ValueError, AttributeError) as error:
                out.append(("refused", type(error).__name__, str(error),
                            {c: [ct.to_json() for ct in s.totals()] for c, s in tally.sums.items()}))
        return out
    finally:
        backend.use(None)


def test_the_tally_adds_natively_what_libsodium_adds(jobs_and_secrets: tuple[list[BallotJob], dict[str, Any]]) -> None:
    """The second pass adds counted ballots natively from their hex: a ballot whose ciphertexts are
    damaged is refused with libsodium's error and adds nothing, in any contest."""
    jobs, _ = jobs_and_secrets
    original = json.loads(jobs[0].ballot)
    sizes = {part["contest"]: len(part["selections"]) for part in original["contests"]}
    ballots = [original]
    for path, value in _leaves(original["contests"]):
        if path and (path[-1] in ("alpha", "beta", "ciphertext") or path[-1] == "selections"):
            for change in _changes(value):
                contests = copy.deepcopy(original["contests"])
                _set(contests, path, change)
                ballots.append({**original, "contests": contests})
    assert len(ballots) > 20
    native = _tally_outcome("native", sizes, ballots)
    assert native == _tally_outcome("sodium", sizes, ballots)
    assert native[0][0] == "added" and sum(o[0] == "refused" for o in native) > 15
