"""The cryptographic check of many ballots, in a form that can run anywhere.

The verifier's main pass decides, for every ``ballot_cast`` event, the round
and the contests the ballot must hold (from the board). The expensive part,
decoding the ballot and verifying its signature and every proof, is a
:class:`BallotJob`: a plain value that can be sent to another process or
another machine. :func:`check_ballot_jobs` checks a list of jobs and returns a
:class:`BallotVerdict` for each, in order; :func:`check_sequentially` is the
in-process way. ``vybory.scale`` runs the same function on a process pool or a
Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from vybory.crypto import backend
from vybory.crypto.group import Point
from vybory.crypto.proofs import ProofBatch
from vybory.errors import InvalidProof, VyboryError
from vybory.model.ballot import Ballot
from vybory.model.layout import Layout
from vybory.verify.ballot import add_ballot_proofs, ballot_shape, check_ballot
from vybory.verify.lines import canonical, read_json

# Ballots checked in this process are checked in chunks of this many (one batch on native).
SEQUENTIAL_CHUNK = 64


@dataclass(frozen=True, slots=True)
class RoundContext:
    """What checking a ballot of one round needs: the election, its key, the layouts per district.

    Invariants: ``public_key`` is None only when the board has no usable
    election key (every ballot then fails, naming why); ``layouts[d]`` are the
    round's layouts for district ``d`` in definition order.
    """

    fingerprint: bytes
    public_key: Point | None
    round: int
    layouts: Mapping[str, tuple[Layout, ...]]

    def narrowed(self, district: str) -> RoundContext:
        """The same context with the layouts of ``district`` only: what a job of that district
        carries, so that sending a job costs a few hundred bytes, not every district's layouts."""
        return RoundContext(self.fingerprint, self.public_key, self.round,
                            {district: self.layouts[district]} if district in self.layouts else {})


@dataclass(frozen=True, slots=True)
class BallotJob:
    """One ballot to check: its place on the board, its tracking code (to name it), its canonical JSON.

    Invariants: ``district`` is the credential's district in the published list; ``ballot`` is
    the canonical JSON (bytes) of the ballot object as the board holds it.
    """

    context: RoundContext
    position: int
    tracking_code: str
    district: str
    ballot: bytes


@dataclass(frozen=True, slots=True)
class BallotVerdict:
    """The result of one job: ``code`` and ``message`` are empty when the ballot is valid."""

    position: int
    tracking_code: str
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.code


# A way to check jobs: takes an iterator of jobs, yields their verdicts in the same order.
BallotChecker = Callable[[Iterator[BallotJob]], Iterable[BallotVerdict]]


def _decoded(job: BallotJob) -> Ballot | BallotVerdict:
    """The job's ballot, decoded and found canonical with a key to check it against, or the
    verdict that stops it there. Raises VyboryError for a ballot that cannot be decoded."""
    ballot = Ballot.from_json(read_json(job.ballot))
    if canonical(ballot.to_json()) != job.ballot:
        return BallotVerdict(job.position, job.tracking_code, "ballot_not_canonical",
                             "the ballot is not written in its canonical form")
    if job.context.public_key is None:
        return BallotVerdict(job.position, job.tracking_code, "no_election_key",
                             "the board has no valid election key to check the ballot's proofs against")
    return ballot


def check_ballot_job(job: BallotJob) -> BallotVerdict:
    """Decodes the ballot and checks its canonical form, its signature and every proof (the tracking
    code, the hash of the ballot, is checked where the board is read)."""
    ctx = job.context
    try:
        ballot = _decoded(job)
        if isinstance(ballot, BallotVerdict):
            return ballot
        assert ctx.public_key is not None
        check_ballot(ballot, fingerprint=ctx.fingerprint, public_key=ctx.public_key, round=ctx.round,
                     layouts=ctx.layouts[job.district])
    except VyboryError as error:
        return BallotVerdict(job.position, job.tracking_code, error.code, str(error))
    return BallotVerdict(job.position, job.tracking_code)


def check_ballot_jobs(jobs: Sequence[BallotJob]) -> list[BallotVerdict]:
    """The verdict of :func:`check_ballot_job` for each job, in order (the unit of work sent to a
    worker).

    On the native backend the proofs of every ballot of the list that reaches them are checked
    as one batch (spec §1.4): one random linear combination for the whole list. A well-formed
    ballot is read in one native call (``Batch.add_ballot``, its canonical JSON, transcripts and
    proofs in Rust); any other goes through the ordinary decoding. When the batch fails, every
    one of those ballots is checked again on its own, so each verdict is exactly the one
    :func:`check_ballot_job` gives. On libsodium each ballot is checked on its own.
    """
    if not backend.is_native():
        return [check_ballot_job(job) for job in jobs]
    verdicts: list[BallotVerdict | None] = []
    fast = backend.new_batch()
    assert fast is not None
    batch = ProofBatch()
    for job in jobs:
        ctx = job.context
        shape = _shape(ctx, job.district)
        if shape is not None and fast.add_ballot(shape, job.ballot):
            verdicts.append(None)
            continue
        try:
            ballot = _decoded(job)
            if isinstance(ballot, BallotVerdict):
                verdicts.append(ballot)
                continue
            assert ctx.public_key is not None
            add_ballot_proofs(batch, ballot, fingerprint=ctx.fingerprint, public_key=ctx.public_key,
                              round=ctx.round, layouts=ctx.layouts[job.district])
        except VyboryError as error:
            verdicts.append(BallotVerdict(job.position, job.tracking_code, error.code, str(error)))
            continue
        verdicts.append(None)
    try:
        batch.verify()
        if fast.first_failure() is not None:
            raise InvalidProof("a ballot of the chunk does not verify", field="ballot")
    except VyboryError:  # some proof fails: each ballot alone names its own first failure
        return [check_ballot_job(job) if verdict is None else verdict for job, verdict in zip(jobs, verdicts)]
    return [BallotVerdict(job.position, job.tracking_code) if verdict is None else verdict
            for job, verdict in zip(jobs, verdicts)]


# Native ballot shapes, by what they are made of (fingerprint, key, round, layouts), so a worker
# that unpickles a new copy of the same context with every chunk keeps one shape per district and
# round, and no context; emptied when full.
_SHAPES: dict[tuple[bytes, Point, int, tuple[Layout, ...]], Any] = {}
_SHAPES_KEPT = 4096
_NONE = object()  # no shape kept yet (a kept None: the native reader does not take these ballots)


def _shape(ctx: RoundContext, district: str) -> Any | None:
    """The native ballot shape of the context's layouts for ``district`` (see ``ballot_shape``),
    made once per content; None when there is none (no key, no such district)."""
    layouts = ctx.layouts.get(district)
    if layouts is None or ctx.public_key is None:
        return None
    key = (ctx.fingerprint, ctx.public_key, ctx.round, layouts)
    shape = _SHAPES.get(key, _NONE)
    if shape is _NONE:
        shape = ballot_shape(fingerprint=ctx.fingerprint, public_key=ctx.public_key, round=ctx.round,
                             layouts=layouts)
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        _SHAPES[key] = shape
    return shape


def check_sequentially(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
    """Checks the jobs in this process, :data:`SEQUENTIAL_CHUNK` at a time (:func:`check_ballot_jobs`)."""
    source = iter(jobs)
    while chunk := list(islice(source, SEQUENTIAL_CHUNK)):
        yield from check_ballot_jobs(chunk)


__all__ = [
    "BallotChecker",
    "BallotJob",
    "BallotVerdict",
    "RoundContext",
    "check_ballot_job",
    "check_ballot_jobs",
    "check_sequentially",
]
