"""Checking ballots in parallel: on every local core, or on a Dask cluster.

Both take the verifier's stream of :class:`~vybory.verify.jobs.BallotJob`
and give back their :class:`~vybory.verify.jobs.BallotVerdict` in the same
order, so they plug into ``vybory.verify.verify_record(checker=...)``.

Jobs are cut into chunks; at most ``in_flight`` chunks are being checked at
any moment, and the next chunk is read from the stream only when the oldest
one's verdicts have been handed back. Memory therefore stays bounded by
``in_flight * chunk`` ballots, whatever the size of the record.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

from vybory.errors import InvalidInput
from vybory.verify.jobs import BallotChecker, BallotJob, BallotVerdict, check_ballot_jobs

# A chunk is checked as one batch on the native backend (a fraction of a millisecond a ballot), so
# it must be large enough for the cost of sending it and of starting a batch to stay small beside
# the work in it (on 10,000 ballots, 8 a chunk took twice as long as 128), and small enough to keep
# the workers evenly loaded. A job carries its district's layouts only (RoundContext.narrowed).
DEFAULT_CHUNK = 128


def local_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def chunks(jobs: Iterator[BallotJob], size: int) -> Iterator[list[BallotJob]]:
    """Consecutive lists of ``size`` jobs (the last may be shorter), read lazily."""
    while True:
        chunk = list(islice(jobs, size))
        if not chunk:
            return
        yield chunk


def bounded_map(submit: Callable[[list[BallotJob]], Any], result: Callable[[Any], list[BallotVerdict]],
                jobs: Iterator[BallotJob], *, chunk: int, in_flight: int) -> Iterator[BallotVerdict]:
    """Submits chunks with ``submit`` keeping at most ``in_flight`` pending; yields verdicts in order."""
    if chunk < 1 or in_flight < 1:
        raise ValueError("chunk and in_flight must be at least 1")
    pending: deque[Any] = deque()
    source = chunks(jobs, chunk)
    exhausted = False
    while True:
        while not exhausted and len(pending) < in_flight:
            try:
                pending.append(submit(next(source)))
            except StopIteration:
                exhausted = True
        if not pending:
            return
        yield from result(pending.popleft())


def _context() -> multiprocessing.context.BaseContext:
    # Forking a process that runs threads (the progress bar's, a Dask client's) can deadlock;
    # a fork server starts workers from a clean process.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def process_checker(workers: int | None = None, *, chunk: int = DEFAULT_CHUNK,
                    in_flight: int | None = None) -> BallotChecker:
    """A checker that runs on a pool of ``workers`` local processes (default: every core)."""
    count = workers or local_cores()

    def check(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        with ProcessPoolExecutor(max_workers=count, mp_context=_context()) as pool:
            def submit(items: list[BallotJob]) -> Future[list[BallotVerdict]]:
                return pool.submit(check_ballot_jobs, items)

            yield from bounded_map(submit, lambda f: f.result(), jobs, chunk=chunk,
                                   in_flight=in_flight or 4 * count)

    return check


# How many messages a Dask client keeps of its stream to the scheduler, for debugging. Each holds
# a chunk of ballots, and Dask's default (1,000) made the verifying process grow by about one
# ballot's bytes per ballot checked (about 270 MB at 100,000 ballots).
DASK_LOG_LENGTH = 16


def connect(address: str, timeout: float = 10) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` whose logs of the messages it
    sends stay short (:data:`DASK_LOG_LENGTH`)."""
    import dask
    from distributed import Client

    try:
        with dask.config.set({"distributed.admin.low-level-log-length": DASK_LOG_LENGTH}):
            return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise InvalidInput(f"cannot reach the Dask scheduler at {address!r}: {error}", field="--dask",
                           code="dask_unreachable") from None


def dask_checker(address: Any, *, chunk: int = 2 * DEFAULT_CHUNK, in_flight: int | None = None,
                 timeout: float = 10) -> BallotChecker:
    """A checker that sends chunks of ballots to the Dask cluster at ``address``
    (a scheduler address such as ``tcp://10.0.0.5:8786``, or a ``distributed.Client``, whose
    message logs should then be kept short as :func:`connect` does)."""

    def check(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        from distributed import Client

        own = not isinstance(address, Client)
        client = connect(address, timeout) if own else address
        try:
            threads = sum(client.nthreads().values()) or 1

            def submit(items: list[BallotJob]) -> Any:
                return client.submit(check_ballot_jobs, items, pure=False)

            yield from bounded_map(submit, lambda f: f.result(), jobs, chunk=chunk,
                                   in_flight=in_flight or 2 * threads)
        finally:
            if own:
                client.close()

    return check


__all__ = ["DASK_LOG_LENGTH", "DEFAULT_CHUNK", "bounded_map", "chunks", "connect", "dask_checker", "local_cores",
           "process_checker"]
