"""A national-size record: generated, then verified on every local core and on a Dask cluster.

    .venv/bin/python bench/record.py [--ballots 10000,100000] [--districts 1143] [--folder DIR]
                                     [--workers W] [--skip-dask] [--backends sodium,native]
                                     [--results FILE]

For each size N it writes (once; kept in ``--folder``, default ``bench/out/``) the record of an
election of the 1937 shape: ``--districts`` single-seat districts (default 1143, fewer when N is
small: at least 8 voters each), two candidates from two organisations in each, three trustees
(k = 2), N voters, each of whom casts one ballot (signature, a 0/1 proof per selection and a
range proof, made on the voter's device: here by W worker processes). The record is written as
it is made (an ``events.jsonl`` streamed into the zip archive); the generator keeps the
election's state, never the ballots.

Then it runs the verifier as an auditor would, ``vybory verify RECORD`` in a fresh process:
once with ``--workers W`` (local cores), once with ``--dask ADDRESS`` on a
``distributed.LocalCluster`` of W single-threaded worker processes started in a process of its
own (the same code that runs on a real cluster: give the scheduler's address instead). It prints
for each: the wall-clock time, ballots per second, the CPU seconds of the verifying processes (the
verifier, its workers, for Dask the cluster's scheduler, nannies and workers), the peak resident
memory of the verifying process (the one that reads the record; the workers hold a bounded
number of ballots each) and of the whole process tree (that process and its workers, and for Dask
the cluster's process tree: the sum of their resident sets, sampled every 0.2 s),
the load average before and after, and how the time grows from the smallest size measured (the
per-ballot cost as a ratio to the smallest run's: 1.00 is linear).

Each run's figures are printed as soon as it ends and saved at once in ``--results`` (default
``bench/results/record.json``, with a Markdown table beside it): a run replaces the earlier
one of the same size and way, the others are kept, so a stopped run loses nothing that ended
and sizes measured on different days stay in one table.

With ``--backends sodium,native`` it also runs ``vybory verify RECORD --workers 1`` once per
crypto backend (``VYBORY_BACKEND``), alternately, and prints the CPU seconds of each verifying
process and their ratio (libsodium / native): on a shared machine CPU time, not wall-clock time,
says how much work each backend does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' election kit
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import TreeMemory, process_tree
from electionkit import (
    MARCH,
    T0,
    DefinitionToml,
    contest,
    credential_statement,
    decryption_share,
    nominate_all,
    rng,
    roll_of,
    roll_statement,
    run_key_ceremony,
)

from vybory import protocol
from vybory.crypto.backend import native_available
from vybory.model.board import Event, EventKind, next_event
from vybory.model.canonical import canonical_json
from vybory.model.definition import parse_definition
from vybory.protocol.state import ElectionState, replay
from vybory.scale.ballots import DASK_LOG_LENGTH
from vybory.verify import record as record_files

VYBORY = Path(sys.executable).parent / "vybory"
OUT = Path(__file__).resolve().parent / "out"
RESULTS = Path(__file__).resolve().parent / "results" / "record.json"
CANDIDATES = ("Ivanov", "Petrova")


def definition_text(districts: int) -> str:
    ids = [f"d{i:04d}" for i in range(1, districts + 1)]
    return DefinitionToml(
        slug="national", title="National election (generated)", seed="1937" * 8, deadlines=MARCH, threshold=2,
        districts=tuple((d, f"District {d[1:]}") for d in ids),
        organisations=(("a", "A", "trade_union"), ("b", "B", "cooperative"), ("c", "C", "youth")),
        trustees=(("t1", "T1", "a"), ("t2", "T2", "b"), ("t3", "T3", "c")),
        contests=tuple(contest(f"seat-{d}", f"Deputy for {d}", district=d, method="majority") for d in ids),
    ).text()


class StreamBoard:
    """A board whose events go to ``out`` as they are appended; only the state and the head are
    kept. Appends go through ``protocol.check_append`` except ballots (:meth:`add_ballot`)."""

    def __init__(self, definition: Any, now: datetime, out: Any):
        self.out = out
        self.digest = hashlib.sha256()
        self.size = self.count = 0
        first = next_event(None, EventKind.ELECTION_DEFINED, protocol.define(definition, now))
        self.definition_json = first.payload["definition"]
        self.state: ElectionState = replay([first])
        self.events = [first]  # the head only (electionkit's helpers read events[-1])
        self._write(first)

    def _write(self, event: Event) -> None:
        line = event.to_line() + b"\n"
        self.out.write(line)
        self.digest.update(line)
        self.size += len(line)
        self.count += 1

    def _add(self, event: Event) -> Event:
        self.state.apply(event)
        self.events[-1] = event
        self._write(event)
        return event

    def append(self, kind: EventKind | str, payload: dict[str, Any], now: datetime, **extra: Any) -> Event:
        checked = protocol.check_append(self.state, kind, payload, now=now, **extra)
        return self._add(next_event(self.events[-1], kind, checked))

    def add_ballot(self, payload: dict[str, Any]) -> Event:
        """An honest ballot, appended without the protocol's check (this benchmark times the verifier)."""
        return self._add(next_event(self.events[-1], EventKind.BALLOT_CAST, payload))


class BallotLines:
    """The ballot payloads of a record being written, read back from its spool file (as often as asked)."""

    def __init__(self, path: Path):
        self.path = path

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self.path.open("rb") as handle:
            for line in handle:
                yield json.loads(line)


def _credential(i: int) -> tuple[str, str]:
    secret = protocol.generate_credential(rng(f"credential-{i}"))[0]
    return secret, protocol.public_credential(secret).to_hex()


_FORMS: dict[str, Any] = {}


def _init(forms: dict[str, Any]) -> None:
    _FORMS.update(forms)


def _encrypt(job: tuple[int, int, str, str]) -> bytes:
    # The k-th voter of a district votes for the second candidate when k % 3 == 2: the first one
    # wins every district with an absolute majority (no runoff).
    i, k, district, secret = job
    ballot, _ = protocol.encrypt_ballot(_FORMS[district], secret,
                                        {f"seat-{district}": [CANDIDATES[1 if k % 3 == 2 else 0]]},
                                        rng(f"ballot-{i}"))
    return canonical_json(ballot.to_json())


def generate(path: Path, ballots: int, districts: int, workers: int) -> dict[str, Any]:
    """Writes the record of ``ballots`` voters in ``districts`` districts to ``path`` (a zip);
    returns its size, events and the seconds it took."""
    started = time.perf_counter()
    definition = parse_definition(definition_text(districts))
    now = T0
    spool = path.with_suffix(".ballots")
    temporary = path.with_name(f".{path.name}.partial")
    context = multiprocessing.get_context("forkserver")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open(record_files.EVENTS, "w", force_zip64=True) as out, \
            context.Pool(workers) as pool:
        board = StreamBoard(definition, now, out)
        nominate_all(board, {c.id: [("a", CANDIDATES[0]), ("b", CANDIDATES[1])] for c in definition.contests}, now)
        trustees = run_key_ceremony(board, now)  # type: ignore[arg-type]
        now = datetime(2025, 3, 11, tzinfo=UTC)
        board.append("nominations_closed", protocol.close_nominations(board.state, now=now), now)
        ids = [d.id for d in definition.districts]
        voters = [(i, ids[i % districts]) for i in range(ballots)]
        credentials = pool.map(_credential, range(ballots), chunksize=256)
        roll = roll_of([(district, 1) for _, district in voters])
        board.append("roll_published", roll_statement(board.state, roll), now)
        board.append("credentials_published", credential_statement(
            board.state, roll, [(public, district, 1) for (_, public), (_, district) in zip(credentials, voters, strict=True)]),
            now)
        board.append("round_opened", protocol.open_round(board.state, now=now), now)
        print(f"  {board.count} events before voting ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        forms: dict[str, Any] = {}
        for (secret, _), (_, district) in zip(credentials, voters, strict=True):
            if district not in forms:
                forms[district] = protocol.ballot_form(board.state, protocol.public_credential(secret))
        pool.close()
        now = datetime(2025, 3, 20, 7, tzinfo=UTC)
        stamp = protocol._common.at(now)
        with context.Pool(workers, initializer=_init, initargs=(forms,)) as encrypting, spool.open("wb") as kept:
            jobs = ((i, i // districts, district, credentials[i][0]) for i, district in voters)
            for k, text in enumerate(encrypting.imap(_encrypt, jobs, chunksize=32)):
                ballot = json.loads(text)
                payload = {"ballot": ballot, "tracking_code": hashlib.sha256(text).hexdigest(), "at": stamp}
                board.add_ballot(payload)
                kept.write(canonical_json(payload) + b"\n")
                if (k + 1) % 5000 == 0:
                    print(f"  {k + 1} ballots ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        del credentials
        now = datetime(2025, 3, 21, 20, tzinfo=UTC)
        board.append("round_closed", protocol.close_round(board.state, round=1, now=now), now)
        lines = BallotLines(spool)
        board.append("encrypted_tally", protocol.compute_encrypted_tally(board.state, round=1, ballots=lines,
                                                                         now=now), now, ballots=lines)
        for j in (1, 2):
            board.append("decryption_share", decryption_share(board.state, trustees[j], 1, now), now)
        board.append("tally_decrypted", protocol.combine_shares(board.state, round=1, now=now), now)
        board.append("outcome_declared", protocol.declare_outcomes(board.state, round=1, now=now), now)
        board.append("election_published", protocol.publish_election(board.state, now=now), now)
    spool.unlink()
    head = board.events[-1]
    with zipfile.ZipFile(temporary, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        definition_json = canonical_json(board.definition_json)
        fp = hashlib.sha256(definition_json).hexdigest()
        readme = record_files.readme_text(election="national", title="National election (generated)",
                                          fingerprint=fp, events=board.count, head=head.hash.hex()).encode()
        archive.writestr(record_files.DEFINITION, definition_json)
        archive.writestr(record_files.README, readme)
        manifest = record_files.Manifest("national", fp, board.count, head.hash.hex(), {
            record_files.DEFINITION: record_files.FileEntry(hashlib.sha256(definition_json).hexdigest(),
                                                            len(definition_json)),
            record_files.EVENTS: record_files.FileEntry(board.digest.hexdigest(), board.size),
            record_files.README: record_files.FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
        })
        archive.writestr(record_files.MANIFEST, json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n")
    os.replace(temporary, path)
    seconds = time.perf_counter() - started
    print(f"  written {path} ({path.stat().st_size / 1e6:.0f} MB, {board.count} events) in {seconds:.0f} s",
          file=sys.stderr)
    return {"seconds": round(seconds, 1), "mb": round(path.stat().st_size / 1e6, 1), "events": board.count}


def _cpu(processes: list[psutil.Process]) -> dict[psutil.Process, float]:
    """CPU seconds (user + system) each of ``processes`` has used so far."""
    used = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        used[process] = times.user + times.system
    return used


# A Dask LocalCluster in a process of its own (so that its scheduler, nannies and workers are one
# process tree, apart from this one): prints the scheduler's address, stops when stdin closes.
CLUSTER = """
import sys
from distributed import LocalCluster
cluster = LocalCluster(n_workers=int(sys.argv[1]), threads_per_worker=1, processes=True, dashboard_address=None,
                       silence_logs=40)
print(cluster.scheduler_address, flush=True)
sys.stdin.read()
cluster.close()
"""


def start_cluster(workers: int) -> tuple[subprocess.Popen[str], str]:
    """A LocalCluster of ``workers`` single-threaded worker processes, and its scheduler's address.
    Its scheduler keeps short message logs (as ``vybory.scale.connect`` does for the client): see
    docs/scale.md."""
    env = {**os.environ, "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": str(DASK_LOG_LENGTH)}
    process = subprocess.Popen([sys.executable, "-c", CLUSTER, str(workers)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        raise SystemExit("the Dask LocalCluster did not start")
    return process, address


def verify(path: Path, options: list[str], env: dict[str, str] | None = None,
           also: Sequence[int] = ()) -> dict[str, Any]:
    """``vybory verify RECORD OPTIONS`` in a fresh process: seconds, CPU seconds (the process, its
    workers and the processes ``also`` and theirs, e.g. a cluster's, as last sampled), peak RSS (MB)
    of the verifying process and of the tree (it, its descendants, ``also`` and theirs), the load
    average before and after; it must pass."""
    before = {process.pid: used for process, used in _cpu(process_tree(also)).items()}
    load = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen([str(VYBORY), "verify", str(path), *options], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=env)
    memory = TreeMemory([process.pid, *also])
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    tree_peak = memory.stop()
    reader = memory.cpu.pop(process.pid, 0.0)  # the verifying process alone, as last sampled
    cpu = max(usage.ru_utime + usage.ru_stime, reader)
    cpu += sum(used - before.get(pid, 0.0) for pid, used in memory.cpu.items())
    output = process.stdout.read().decode() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"vybory verify {' '.join(options)} failed on {path} (exit status {process.returncode}):\n"
                         f"{output[-2000:]}")
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "reader_cpu_s": round(reader, 2), "rss_mb": round(usage.ru_maxrss / 1024, 1),
            "tree_rss_mb": round(max(tree_peak, usage.ru_maxrss * 1024) / 2**20, 1),
            "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()]}


class Results:
    """The figures saved so far (``record.json``), each run written as soon as it ends."""

    def __init__(self, path: Path, command: str):
        self.path, self.command = path, command
        self.data: dict[str, Any] = {"runs": [], "generated": []}
        if path.exists():
            self.data = json.loads(path.read_text())

    def _put(self, table: str, row: dict[str, Any], key: tuple[str, ...]) -> None:
        rows = [r for r in self.data.setdefault(table, []) if tuple(r.get(k) for k in key) !=
                tuple(row[k] for k in key)]
        self.data[table] = sorted([*rows, row], key=lambda r: tuple(r[k] for k in key))
        self.data["cores"] = os.cpu_count()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.partial")
        temporary.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, self.path)
        self.path.with_suffix(".md").write_text(table_text(self.data["runs"]))

    def generated(self, ballots: int, districts: int, figures: dict[str, Any], workers: int) -> None:
        self._put("generated", {"ballots": ballots, "districts": districts, "workers": workers, **figures,
                                "load_after": [round(x, 2) for x in os.getloadavg()], "command": self.command,
                                "at": datetime.now(UTC).isoformat(timespec="seconds")}, ("ballots",))

    def run(self, ballots: int, districts: int, way: str, workers: int, backend: str, figures: dict[str, Any]) -> None:
        self._put("runs", {"ballots": ballots, "districts": districts, "way": way, "workers": workers,
                           "backend": backend, **figures, "command": self.command,
                           "at": datetime.now(UTC).isoformat(timespec="seconds")}, ("way", "ballots"))


WAYS = {"local": "local processes", "dask": "Dask LocalCluster"}


def run_line(run: dict[str, Any], base: dict[str, Any] | None) -> str:
    """One run's figures on a line, with its per-ballot time as a ratio to ``base``'s."""
    n = run["ballots"]
    linear = "" if base is None else (f", s/ballot {(run['seconds'] / n) / (base['seconds'] / base['ballots']):.2f}x "
                                      f"the {base['ballots']}-ballot run's")
    return (f"{n:9d} ballots, {WAYS.get(run['way'], run['way'])} ({run['workers']} workers, {run['backend']}): "
            f"{run['seconds']:.1f} s, {n / run['seconds']:.1f} ballots/s, {run['cpu_s']:.1f} CPU s "
            f"({run['cpu_s'] / n * 1e3:.2f} ms a ballot; the reading process "
            f"{run.get('reader_cpu_s', 0) / n * 1e3:.2f}), peak RSS {run['rss_mb']:.0f} MB (verifying process), "
            f"{run['tree_rss_mb']:.0f} MB (process tree){linear}; load average {run['load_before'][0]:.1f} "
            f"before, {run['load_after'][0]:.1f} after")


def table_text(runs: list[dict[str, Any]]) -> str:
    """The saved runs as a Markdown table, each way's per-ballot time against its smallest run."""
    smallest: dict[str, dict[str, Any]] = {}
    for r in runs:
        if r["way"] not in smallest or r["ballots"] < smallest[r["way"]]["ballots"]:
            smallest[r["way"]] = r
    header = ("| ballots | districts | way | workers | seconds | ballots/s | CPU ms a ballot | of which the reading "
              "process | s/ballot × smallest "
              "| peak RSS, verifying process (MB) | peak RSS, process tree (MB) | load average before / after |")
    lines = [header,
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(runs, key=lambda r: (r["ballots"], r["way"])):
        base = smallest[r["way"]]
        lines.append(f"| {r['ballots']:,} | {r['districts']:,} | {WAYS.get(r['way'], r['way'])} | {r['workers']} | "
                     f"{r['seconds']:.1f} | {r['ballots'] / r['seconds']:.1f} | {r['cpu_s'] / r['ballots'] * 1e3:.2f} "
                     f"| {r.get('reader_cpu_s', 0) / r['ballots'] * 1e3:.2f} | {(r['seconds'] / r['ballots']) / (base['seconds'] / base['ballots']):.2f} | "
                     f"{r['rss_mb']:.0f} | {r['tree_rss_mb']:.0f} | {r['load_before'][0]:.1f} / "
                     f"{r['load_after'][0]:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--districts", type=int, default=1143)
    parser.add_argument("--folder", type=Path, default=OUT)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-local", action="store_true", help="no run on every local core")
    parser.add_argument("--backends", default="", help="e.g. sodium,native: one-process CPU time per backend")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file the figures are saved in")
    args = parser.parse_args()
    sizes = [int(n) for n in args.ballots.split(",")]
    args.folder.mkdir(parents=True, exist_ok=True)
    results = Results(args.results, " ".join(["bench/record.py", *sys.argv[1:]]))
    backend = os.environ.get("VYBORY_BACKEND") or ("native" if native_available() else "sodium")
    cluster: subprocess.Popen[str] | None = None
    address = ""
    try:
        for n in sizes:
            districts = max(1, min(args.districts, n // 8))
            path = args.folder / f"national-{n}-{districts}.zip"
            if not path.exists():
                print(f"Generating {n} ballots in {districts} districts...", file=sys.stderr)
                results.generated(n, districts, generate(path, n, districts, args.workers), args.workers)
            ways: list[str] = [] if args.skip_local else ["local"]
            if args.backends:
                per_backend(path, n, args.backends.split(","))
            if not args.skip_dask:
                ways.append("dask")
            for way in ways:
                if way == "local":
                    figures = verify(path, ["--workers", str(args.workers)])
                else:
                    if cluster is None:
                        cluster, address = start_cluster(args.workers)
                    figures = verify(path, ["--dask", address], also=[cluster.pid])
                results.run(n, districts, way, args.workers, backend, figures)
                runs = [r for r in results.data["runs"] if r["way"] == way]
                base = min(runs, key=lambda r: r["ballots"])
                saved = next(r for r in runs if r["ballots"] == n)
                print(run_line(saved, None if base is saved else base), flush=True)
        print(f"\nSaved in {args.results}:\n\n{table_text(results.data['runs'])}", flush=True)
    finally:
        if cluster is not None:
            cluster.stdin.close()  # type: ignore[union-attr]
            cluster.wait(60)


def per_backend(path: Path, ballots: int, backends: list[str]) -> dict[str, float]:
    """CPU seconds of ``vybory verify PATH --workers 1`` on each backend, printed with their ratio."""
    cpu = {}
    for name in backends:
        run = verify(path, ["--workers", "1"], env={**os.environ, "VYBORY_BACKEND": name})
        cpu[name] = run["cpu_s"]
        print(f"{ballots:9d} ballots, one process, {name:>6}: {run['cpu_s']:8.1f} CPU s "
              f"({run['cpu_s'] / ballots * 1e3:.2f} ms a ballot), {run['seconds']:.0f} s wall, "
              f"peak RSS {run['rss_mb']:.0f} MB", flush=True)
    if "sodium" in cpu and "native" in cpu:
        print(f"{ballots:9d} ballots: libsodium / native {cpu['sodium'] / cpu['native']:.2f}x (CPU time; load average "
              f"{os.getloadavg()[0]:.1f})", flush=True)
    return cpu


if __name__ == "__main__":
    main()
