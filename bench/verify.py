"""Benchmark of `vybory verify`: ballots verified per second, in one process and on every core.

    .venv/bin/python bench/verify.py [--ballots N] [--workers W] [--repeat R]

Builds an election in memory with the protocol (one district, a 4-candidate
approval contest and a motion; 3 trustees, k = 2; N voters, each casting one
ballot), writes its record as the verifier reads it, then times the whole
verification (every check of docs/verifier.md) with the ballots checked in this
process and then on W local processes (default: every core), alternately, R
times each (best kept). Prints ballots per second for both and their ratio.
On a machine busy with other work the wall-clock ratio says little, so the CPU
time of each part of the parallel path is measured too (in the workers
themselves): the share of the work left in the main process bounds the ratio
idle cores would give.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' election kit

from electionkit import (
    MARCH,
    T0,
    Board,
    DefinitionToml,
    contest,
    decrypt_round,
    nominate_all,
    publish_credentials,
    rng,
    run_key_ceremony,
)

from vybory import protocol
from vybory.model.board import Event, next_event
from vybory.model.canonical import canonical_json
from vybory.model.definition import parse_definition
from vybory.scale import bounded_map, local_cores, process_checker
from vybory.scale.ballots import DEFAULT_CHUNK
from vybory.verify import RecordFiles, verify_record
from vybory.verify.jobs import BallotJob, BallotVerdict, check_ballot_jobs
from vybory.verify.record import FileEntry, Manifest, readme_text

DEFINITION = DefinitionToml(
    slug="bench", title="Benchmark election", seed="0123456789abcdef" * 2, deadlines=MARCH, threshold=2,
    districts=(("all", "Everyone"),),
    organisations=(("a", "A", "trade_union"), ("b", "B", "cooperative"), ("c", "C", "youth")),
    trustees=(("t1", "T1", "a"), ("t2", "T2", "b"), ("t3", "T3", "c")),
    contests=(contest("board", "Board", method="approval"), contest("motion", "Motion", method="motion"))).text()
CANDIDATES = ["Antonova", "Belov", "Chernova", "Dubov"]


def add_unchecked(board: Board, kind: str, payload: dict[str, Any]) -> Event:
    """Appends without the protocol's check (for honest ballots: this benchmark times the verifier)."""
    event = next_event(board.events[-1], kind, payload)
    board.events.append(event)
    board.state.apply(event)
    return event


def build(ballots: int) -> list[bytes]:
    """The event lines of an election with ``ballots`` voters who each vote once."""
    b = Board(parse_definition(DEFINITION), T0)
    nominate_all(b, {"board": [("abc"[i % 3], name) for i, name in enumerate(CANDIDATES)]}, T0)
    secrets = run_key_ceremony(b, T0)
    now = datetime(2025, 3, 11, tzinfo=UTC)
    b.append("nominations_closed", protocol.close_nominations(b.state, now=now), now)
    voters = publish_credentials(b, [("all", 1)] * ballots, now)
    b.append("round_opened", protocol.open_round(b.state, now=now), now)
    now = datetime(2025, 3, 20, 7, tzinfo=UTC)
    started = time.perf_counter()
    for i, secret in enumerate(voters):
        form = protocol.ballot_form(b.state, protocol.public_credential(secret))
        marks = [CANDIDATES[i % 4], CANDIDATES[(i * 7 + 1) % 4]]
        ballot, _ = protocol.encrypt_ballot(form, secret, {"board": sorted(set(marks)),
                                                           "motion": ("yes", "no", "abstain")[i % 3]},
                                            rng(f"ballot-{i}"))
        data = ballot.to_json()
        add_unchecked(b, "ballot_cast", {"ballot": data, "tracking_code": hashlib.sha256(canonical_json(data)).hexdigest(),
                                         "at": protocol._common.at(now)})
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} ballots encrypted ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    now = datetime(2025, 3, 21, 20, tzinfo=UTC)
    b.append("round_closed", protocol.close_round(b.state, round=1, now=now), now)
    decrypt_round(b, secrets, 1, (1, 2), now)
    b.append("election_published", protocol.publish_election(b.state, now=now), now)
    return b.lines()


def record(lines: list[bytes]) -> RecordFiles:
    import json

    first = json.loads(lines[0])
    definition = canonical_json(first["payload"]["definition"])
    events = b"".join(lines)
    head = json.loads(lines[-1])["hash"]
    readme = readme_text(election="bench", title="Benchmark election", fingerprint=first["payload"]["fingerprint"],
                         events=len(lines), head=head).encode()
    manifest = Manifest("bench", first["payload"]["fingerprint"], len(lines), head, {
        "definition.json": FileEntry(hashlib.sha256(definition).hexdigest(), len(definition)),
        "events.jsonl": FileEntry(hashlib.sha256(events).hexdigest(), len(events)),
        "README.md": FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
    })
    return RecordFiles(canonical_json(manifest.to_json()), definition, readme, lambda: iter(lines))


def timed_check(jobs: list[BallotJob]) -> tuple[list[BallotVerdict], float, int]:
    """``check_ballot_jobs`` in a worker, with the CPU time it took there and the worker's pid."""
    started = time.process_time()
    verdicts = check_ballot_jobs(jobs)
    return verdicts, time.process_time() - started, os.getpid()


def cpu_accounting(files: RecordFiles, workers: int) -> tuple[float, dict[int, float]]:
    """The parallel path's CPU time: in this process, and in each worker (measured there)."""
    spent: dict[int, float] = {}

    def checker(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            def result(future: Any) -> list[BallotVerdict]:
                verdicts, cpu, pid = future.result()
                spent[pid] = spent.get(pid, 0.0) + cpu
                return verdicts

            yield from bounded_map(lambda chunk: pool.submit(timed_check, chunk), result, jobs,
                                   chunk=DEFAULT_CHUNK, in_flight=4 * workers)

    started = time.process_time()
    assert verify_record(files, checker=checker).ok
    return time.process_time() - started, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=400)
    parser.add_argument("--workers", type=int, default=local_cores())
    parser.add_argument("--repeat", type=int, default=2, help="runs of each way (best is kept)")
    args = parser.parse_args()
    print(f"Building an election with {args.ballots} ballots…", file=sys.stderr)
    files = record(build(args.ballots))

    load = os.getloadavg()[0]
    one = many = float("inf")
    one_cpu = 0.0
    # Alternating runs, best of each: load from other processes hits both alike.
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), time.process_time()
        sequential = verify_record(files)
        if time.perf_counter() - started < one:
            one, one_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        parallel = verify_record(files, checker=process_checker(args.workers))
        many = min(many, time.perf_counter() - started)
        assert sequential.ok and parallel.ok, [str(f) for f in sequential.failures + parallel.failures]
        assert sequential.to_json() == parallel.to_json()

    n = sequential.ballots
    print(f"record: {sequential.events} events, {n} ballots (approval over 4 candidates + a motion: "
          f"7 ciphertexts, 7 selection proofs and 2 range proofs per ballot)")
    print(f"whole verification, ballots checked in this process: {one:7.2f} s  {n / one:8.1f} ballots/s")
    print(f"whole verification, ballots checked on {args.workers} processes: {many:7.2f} s  "
          f"{n / many:8.1f} ballots/s")
    print(f"ratio (parallel / sequential): {one / many:.2f}x on {local_cores()} cores")
    print(f"(load average {load:.1f} when the timing began: other work on the machine lowers both wall-clock "
          "figures and the ratio)")
    main_cpu, spent = cpu_accounting(files, args.workers)
    busiest = max(spent.values())
    print(f"CPU time: one process {one_cpu:.2f} s ({n / one_cpu:.1f} ballots per CPU-second); on {args.workers} "
          f"processes: {main_cpu:.2f} s reading the board here + {sum(spent.values()):.2f} s in the workers "
          f"(busiest {busiest:.2f} s)")
    serial = main_cpu / (main_cpu + sum(spent.values()))
    print(f"work left in this process: {100 * serial:.0f}%; on {args.workers} idle cores the ratio is at most "
          f"{1 / (serial + (1 - serial) / args.workers):.2f}x (Amdahl's bound from this split)")


if __name__ == "__main__":
    main()
