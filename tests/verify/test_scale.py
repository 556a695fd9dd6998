"""Ballots checked on local processes and on a Dask cluster give the same report as in one process;
the stream is read with a bounded number of ballots in flight."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from tamper import bump, load, naive

from vybory.scale import bounded_map, dask_checker, process_checker
from vybory.verify import verify_record
from vybory.verify.jobs import BallotJob, BallotVerdict, check_ballot_jobs


def tampered(exported):  # type: ignore[no-untyped-def]
    """The record with two ballots' signatures changed (so the verdicts differ from ballot to ballot)."""
    events = load(exported.events)
    ballots = [e for e in events if e["kind"] == "ballot_cast"]
    for e in (ballots[3], ballots[30]):
        e["payload"]["ballot"]["signature"]["response"] = bump(e["payload"]["ballot"]["signature"]["response"])
    return naive(exported.files, events)


def same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.to_json() == b.to_json()


def test_local_processes_give_the_same_report(exported) -> None:  # type: ignore[no-untyped-def]
    files = tampered(exported)
    sequential = verify_record(files)
    parallel = verify_record(files, checker=process_checker(2, chunk=5, in_flight=3))
    assert not sequential.ok
    assert len(sequential.check("ballots").findings) == 4  # two tracking codes, two signatures
    assert same(sequential, parallel)


def test_a_dask_cluster_gives_the_same_report(exported) -> None:  # type: ignore[no-untyped-def]
    import distributed
    files = tampered(exported)
    sequential = verify_record(files)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        report = verify_record(files, checker=dask_checker(cluster.scheduler_address, chunk=7, in_flight=2))
        with distributed.Client(cluster) as client:
            again = verify_record(naive(exported.files, load(exported.events)),
                                  checker=dask_checker(client, chunk=4))
    assert same(sequential, report)
    assert again.ok


def test_bounded_map_keeps_order_and_bounds_the_work_in_flight() -> None:
    read = 0
    pending: list[list[int]] = []
    most = 0

    def jobs() -> Iterator[int]:
        nonlocal read
        for i in range(103):
            read += 1
            yield i

    def submit(chunk):  # type: ignore[no-untyped-def]
        nonlocal most
        pending.append(chunk)
        most = max(most, len(pending))
        return chunk

    def result(chunk):  # type: ignore[no-untyped-def]
        pending.remove(chunk)
        return [x * 10 for x in chunk]

    out = []
    for value in bounded_map(submit, result, jobs(), chunk=5, in_flight=3):  # type: ignore[arg-type]
        out.append(value)
        # Never more than in_flight chunks read ahead of what was handed back.
        assert read - len(out) <= 3 * 5
    assert out == [x * 10 for x in range(103)]
    assert most == 3


def test_bounded_map_refuses_nonsense_sizes() -> None:
    with pytest.raises(ValueError):
        list(bounded_map(lambda c: c, lambda c: c, iter([]), chunk=0, in_flight=1))  # type: ignore[arg-type]


def captured_jobs(exported) -> list[BallotJob]:  # type: ignore[no-untyped-def]
    """The jobs the verifier hands to its checker for the exported record (each found valid)."""
    captured: list[BallotJob] = []

    def capture(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        for job in jobs:
            captured.append(job)
            yield BallotVerdict(job.position, job.tracking_code)

    verify_record(naive(exported.files, load(exported.events)), checker=capture)
    return captured


def test_jobs_travel_and_come_back_unchanged(exported) -> None:  # type: ignore[no-untyped-def]
    import pickle

    captured = captured_jobs(exported)
    assert len(captured) == 36
    travelled = pickle.loads(pickle.dumps(captured[:5]))
    assert check_ballot_jobs(travelled) == check_ballot_jobs(copy.deepcopy(captured[:5]))
    assert all(v.ok for v in check_ballot_jobs(travelled))


def test_an_unreachable_dask_scheduler_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    from vybory.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        verify_record(naive(exported.files, load(exported.events)), checker=dask_checker("tcp://127.0.0.1:9", timeout=1))
    assert info.value.code == "dask_unreachable" and "tcp://127.0.0.1:9" in str(info.value)


def test_a_worker_keeps_one_shape_per_district_however_many_chunks_it_receives(exported) -> None:  # type: ignore[no-untyped-def]
    """Each chunk a worker receives is a fresh copy of the jobs and their contexts: the native
    shapes it keeps are one per round and district, and no context outlives its chunk."""
    import gc
    import pickle

    from vybory.crypto import backend
    from vybory.verify import jobs as jobs_module
    from vybory.verify.jobs import RoundContext

    captured = captured_jobs(exported)
    # A job carries the layouts of its own district only, not every district's.
    assert all(set(job.context.layouts) == {job.district} for job in captured)
    kinds = {(job.context.round, job.district) for job in captured}
    assert len(kinds) >= 2
    message = pickle.dumps(captured)

    def contexts_alive() -> int:
        gc.collect()
        return sum(isinstance(o, RoundContext) for o in gc.get_objects())

    backend.use("native")
    try:
        jobs_module._SHAPES.clear()
        before = contexts_alive()
        for _ in range(40):
            travelled = pickle.loads(message)
            assert all(v.ok for v in check_ballot_jobs(travelled))
        del travelled
        assert len(jobs_module._SHAPES) == len(kinds)
        assert contexts_alive() == before
    finally:
        backend.use(None)
        jobs_module._SHAPES.clear()


def test_the_dask_client_keeps_a_short_log_of_the_ballots_it_sent(exported) -> None:  # type: ignore[no-untyped-def]
    """Dask keeps the last messages a client sent (1,000 by default), each a chunk of ballots: the
    verifier's client keeps DASK_LOG_LENGTH, so its memory does not grow with the record."""
    import distributed

    from vybory.scale.ballots import DASK_LOG_LENGTH, connect

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        client = connect(cluster.scheduler_address)
        try:
            report = verify_record(naive(exported.files, load(exported.events)),
                                   checker=dask_checker(client, chunk=1, in_flight=1))
            log = client.scheduler_comm.recent_message_log
            assert report.ok
            assert log.maxlen == DASK_LOG_LENGTH < 36  # one message at least per ballot here
            assert len(log) <= DASK_LOG_LENGTH
        finally:
            client.close()
