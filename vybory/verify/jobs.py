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

from vybory.crypto.group import Point
from vybory.errors import VyboryError
from vybory.model.ballot import Ballot
from vybory.model.layout import Layout
from vybory.verify.ballot import check_ballot
from vybory.verify.lines import canonical, read_json


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


def check_ballot_job(job: BallotJob) -> BallotVerdict:
    """Decodes the ballot and checks its canonical form, its signature and every proof (the tracking
    code, the hash of the ballot, is checked where the board is read)."""
    ctx = job.context
    try:
        ballot = Ballot.from_json(read_json(job.ballot))
        if canonical(ballot.to_json()) != job.ballot:
            return BallotVerdict(job.position, job.tracking_code, "ballot_not_canonical",
                                 "the ballot is not written in its canonical form")
        if ctx.public_key is None:
            return BallotVerdict(job.position, job.tracking_code, "no_election_key",
                                 "the board has no valid election key to check the ballot's proofs against")
        check_ballot(ballot, fingerprint=ctx.fingerprint, public_key=ctx.public_key, round=ctx.round,
                     layouts=ctx.layouts[job.district])
    except VyboryError as error:
        return BallotVerdict(job.position, job.tracking_code, error.code, str(error))
    return BallotVerdict(job.position, job.tracking_code)


def check_ballot_jobs(jobs: Sequence[BallotJob]) -> list[BallotVerdict]:
    """:func:`check_ballot_job` on each job, in order (the unit of work sent to a worker)."""
    return [check_ballot_job(job) for job in jobs]


def check_sequentially(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
    """Checks the jobs one after the other in this process."""
    for job in jobs:
        yield check_ballot_job(job)


__all__ = [
    "BallotChecker",
    "BallotJob",
    "BallotVerdict",
    "RoundContext",
    "check_ballot_job",
    "check_ballot_jobs",
    "check_sequentially",
]
