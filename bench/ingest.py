"""Benchmark of ballot ingestion through HTTP, against the pure ballot check measured in the same run.

    .venv/bin/python bench/ingest.py [--ballots N] [--workers 1,2,4] [--clients C] [--postgres URL]
                                     [--results DIR] [--docs FILE]

For each database (SQLite in a temporary folder; PostgreSQL too when ``--postgres`` or
``$VYBORY_TEST_POSTGRES_URL`` gives one) and each number of server processes W, it seeds a
fresh election open for voting (the demo's: a 3-candidate majority contest and a 4-candidate
strike-out contest per ballot), encrypts N ballots beforehand, starts ``vybory serve --workers
W`` on loopback and sends the ballots from C load-generator processes, each on one keep-alive
connection, every ballot once. A ballot counts when its receipt came back (HTTP 201): the
signature and every proof were checked and the transaction holding it had committed. Before
each run the board is checked to hold every ballot.

Printed per run: ballots per second, the p50 and p99 latency of one ``POST``, and the rate as a
ratio to ``W x`` the pure check rate (``vybory.protocol.rounds.check_ballot_proofs`` on the same
ballots in this process, one core, measured just before the run) and to ``min(W, cores) x``
that rate. The run is bounded: N ballots, a deadline (``--deadline`` seconds) after which the
server and the clients are stopped.

Each run is saved as it ends in ``DIR/ingest.json`` (with the command, the number of cores and
the load average) and ``DIR/ingest.md`` (the table); with ``--docs`` the table also goes into
that file between its ``<!-- ingest table -->`` markers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from benchkit import update_docs

from vybory import protocol
from vybory.cli.serve import DemoClock, seed_demo
from vybory.crypto import backend
from vybory.model.ballot import Ballot
from vybory.protocol import rounds as protocol_rounds
from vybory.scale import local_cores
from vybory.service import ElectionService
from vybory.store import Database

ROOT = Path(__file__).resolve().parent.parent
VYBORY = Path(sys.executable).parent / "vybory"
CHOICES = {
    "plant": {"plant-delegate": ["Ivan Petrov"], "plant-committee": ["Nina Volkova", "Daria Popova"]},
    "office": {"office-delegate": ["Elena Fedorova"], "agreement": "yes"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, slug: str, ballots: int, folder: Path) -> tuple[ElectionService, list[bytes]]:
    """A fresh election open now with ``ballots`` voters (the plant's district), and one
    encrypted ballot per voter as the JSON the booth sends."""
    service = ElectionService(Database(url, upgrade=True), clock=(clock := DemoClock()))
    demo = seed_demo(service, clock, folder, voters=2 * ballots, ballots=0, slug=slug, logins=False)
    secrets = demo.credentials["plant"][:ballots]
    form = service.ballot_form(slug, protocol.public_credential(secrets[0]))
    out = []
    for secret in secrets:
        ballot, _ = protocol.encrypt_ballot(form, secret, CHOICES["plant"])
        out.append(json.dumps(ballot.to_json()).encode())
    return service, out


def pure_rate(service: ElectionService, slug: str, ballots: list[bytes], sample: int) -> tuple[float, float]:
    """Ballots per second that ``check_ballot_proofs`` checks in this process (best of 2), and
    the CPU seconds one check takes."""
    state = service.state(slug)
    now = service.clock()
    parsed = [Ballot.from_json(json.loads(b)) for b in ballots[:sample]]
    statements = [protocol_rounds.ballot_statement(state, b, now=now) for b in parsed]
    best = cpu = float("inf")
    for _ in range(2):
        started, used = time.perf_counter(), time.process_time()
        for ballot, statement in zip(parsed, statements, strict=True):
            protocol_rounds.check_ballot_proofs(ballot, statement)
        best = min(best, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - used)
    return len(parsed) / best, cpu / len(parsed)


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and its children (the server's workers)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def client(port: int, path: str, ballots: list[bytes], start: Any, out: Any) -> None:
    """One load generator: every ballot POSTed in turn on one connection; (status, seconds) each."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    results = []
    start.wait()
    for body in ballots:
        started = time.perf_counter()
        try:
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        results.append((status, time.perf_counter() - started))
    out.put(results)


def wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server ended early: {log.read_text(errors='replace')[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer in time")


def run(url: str, workers: int, clients: int, ballots: int, deadline_s: float, label: str) -> dict[str, Any]:
    slug = f"ingest-{workers}-{os.getpid()}-{int(time.time())}"
    with tempfile.TemporaryDirectory() as folder:
        service, bodies = prepare(url, slug, ballots + 2 * workers, Path(folder))
        warm, bodies = bodies[:2 * workers], bodies[2 * workers:]
        rate, check_cpu = pure_rate(service, slug, bodies, min(40, len(bodies)))
        port = free_port()
        env = {**os.environ, "VYBORY_DATABASE_URL": url}
        # The server's log (a line per request) goes to a file: a pipe nobody reads would fill
        # up and stop the server at its next line.
        log = Path(folder) / "server.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen([str(VYBORY), "serve", "--port", str(port), "--workers", str(workers)],
                                      env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
        path = f"/api/elections/{slug}/ballots"
        context = multiprocessing.get_context("fork")
        processes: list[Any] = []
        try:
            deadline = time.monotonic() + deadline_s
            wait_until_up(port, server, log, deadline)
            # Every worker process reads the board once before the timing starts.
            start, out = context.Event(), context.Queue()
            start.set()
            warmers = [context.Process(target=client, args=(port, path, warm[i::workers], start, out))
                       for i in range(workers)]
            for p in warmers:
                p.start()
            warm_results = [r for _ in warmers for r in out.get(timeout=deadline_s)]
            for p in warmers:
                p.join()
            assert all(status == 201 for status, _ in warm_results), warm_results
            start = context.Event()
            processes = [context.Process(target=client, args=(port, path, bodies[i::clients], start, out))
                         for i in range(clients)]
            for p in processes:
                p.start()
            time.sleep(0.5)
            cpu_before = tree_cpu(server.pid)
            began = time.perf_counter()
            start.set()
            results = []
            for _ in processes:
                results.extend(out.get(timeout=max(1.0, deadline - time.monotonic())))
            elapsed = time.perf_counter() - began
            server_cpu = tree_cpu(server.pid) - cpu_before
            for p in processes:
                p.join()
        finally:
            for p in processes:
                if p.is_alive():
                    p.kill()
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        failed = [status for status, _ in results if status != 201]
        if failed:
            raise SystemExit(f"{len(failed)} ballots were not accepted (HTTP statuses {sorted(set(failed))})")
        service.board.forget()
        cast = service.state(slug).rounds[1].ballots_cast
        assert cast == len(bodies) + len(warm), (cast, len(bodies), len(warm))
        service.database.dispose()
        latencies = sorted(seconds for _, seconds in results)
        return {"database": label, "workers": workers, "clients": clients, "ballots": len(results),
                "seconds": elapsed, "per_second": len(results) / elapsed, "pure_per_second": rate,
                "server_cpu_ms": 1000 * server_cpu / len(results), "check_cpu_ms": 1000 * check_cpu,
                "p50_ms": 1000 * statistics.median(latencies),
                "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]}


class Results:
    """The runs of one invocation, saved after each one (a run stopped later loses nothing)."""

    def __init__(self, folder: Path, command: str, cores: int, docs: Path | None = None):
        self.folder, self.docs = folder, docs
        self.record: dict[str, Any] = {"command": command, "cores": cores, "runs": [], "backend": backend.describe(),
                                       "load_before": list(os.getloadavg())}

    def add(self, run: dict[str, Any]) -> None:
        cores = self.record["cores"]
        run = {**run, "ratio": run["per_second"] / (run["workers"] * run["pure_per_second"]),
               "ratio_cores": run["per_second"] / (min(run["workers"], cores) * run["pure_per_second"]),
               "server_cpu": run["server_cpu_ms"] / run["check_cpu_ms"]}
        self.record["runs"].append(run)
        self.record["load_after"] = list(os.getloadavg())
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "ingest.json").write_text(json.dumps(self.record, indent=2, sort_keys=True) + "\n")
        lines = markdown(self.record)
        (self.folder / "ingest.md").write_text("\n".join(lines) + "\n")
        if self.docs is not None:
            update_docs(self.docs, "ingest", lines)


def markdown(record: dict[str, Any]) -> list[str]:
    """The table of ``record``'s runs, and the command and load it was measured under."""
    load = record["load_before"][0], record.get("load_after", record["load_before"])[0]
    lines = [(f"Command: `{record['command']}` ({record['cores']} cores, {record['backend']}; load average "
             f"{load[0]:.1f} before, {load[1]:.1f} after)."), "",
             ("| database | W | ballots/s | p50 ms | p99 ms | pure check /s | × (W · pure) | "
             "× (min(W, cores) · pure) | server CPU |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in record["runs"]:
        lines.append(f"| {r['database']} | {r['workers']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} | "
                     f"{r['p99_ms']:.0f} | {r['pure_per_second']:.0f} | {r['ratio']:.2f} | "
                     f"{r['ratio_cores']:.2f} | {r['server_cpu']:.1f}× |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=160, help="ballots timed per run")
    parser.add_argument("--workers", default="1,2,4", help="server processes, comma-separated")
    parser.add_argument("--clients", type=int, default=8, help="load-generator processes")
    parser.add_argument("--postgres", default=os.environ.get("VYBORY_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL to run on too (default $VYBORY_TEST_POSTGRES_URL)")
    parser.add_argument("--deadline", type=float, default=180, help="seconds one run may take")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--docs", type=Path, help="a Markdown file whose ingest table is replaced")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    cores = local_cores()
    shown = ["$VYBORY_TEST_POSTGRES_URL" if a.startswith("postgresql") else a for a in sys.argv[1:]]
    results = Results(args.results, " ".join(["bench/ingest.py", *shown]), cores, args.docs)
    with tempfile.TemporaryDirectory() as folder:
        databases = [("sqlite", f"sqlite:///{Path(folder) / 'ingest.sqlite'}")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        print(f"{cores} cores; load average {os.getloadavg()[0]:.1f} at the start; {args.ballots} ballots per "
              f"run from {args.clients} client processes; ratio = rate / (pure check rate x workers)")
        print("server CPU = CPU time of the server's processes per ballot, as a multiple of one pure check's "
              "CPU time (what the server spends beyond the check, whatever the load)")
        print(f"{'database':>10} {'W':>2} {'ballots/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'pure/s':>7} "
              f"{'x(W pure)':>9} {'x(min(W,cores) pure)':>20} {'server CPU':>10}")
        for label, url in databases:
            for workers in counts:
                r = run(url, workers, args.clients, args.ballots, args.deadline, label)
                results.add(r)
                print(f"{label:>10} {workers:>2} {r['per_second']:9.1f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
                      f"{r['pure_per_second']:7.1f} {r['per_second'] / (workers * r['pure_per_second']):9.2f} "
                      f"{r['per_second'] / (min(workers, cores) * r['pure_per_second']):20.2f} "
                      f"{r['server_cpu_ms'] / r['check_cpu_ms']:9.2f}x", flush=True)


if __name__ == "__main__":
    main()
