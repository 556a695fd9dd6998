"""Load soak: `vybory serve` casting near its measured capacity for minutes, read meanwhile.

    .venv/bin/python bench/soak.py [--minutes 10] [--postgres URL] [--no-sqlite] [--results DIR]
                                   [--load 0.85] [--workers 1] [--max-rate 60]

For each database (SQLite in a temporary folder; PostgreSQL too when ``--postgres`` or
``$VYBORY_TEST_POSTGRES_URL`` gives one, in a schema of its own dropped after) it seeds the
demo's election open for voting and starts `vybory serve` as a real process on loopback, then:

1. **Capacity.** Several voter processes (tests/reliability/voter_client.py) encrypt their
   ballots beforehand (as do the soak's), then cast them as fast as the server answers (closed
   loop) for 30 seconds: capacity is the receipted ballots over the seconds from the start to the
   last receipt. These ballots are also the server's warm-up.
2. **Soak.** Voter processes cast at ``--load`` (default 85 %) of that capacity for
   ``--minutes``, paced open loop: each ballot is due at a fixed moment whatever the answers to
   the earlier ones, and its latency counts from that moment, so a stalled server shows as late
   ballots, not as a lower offered rate. Meanwhile reader processes (reader_client.py) read the
   board (the API's newest page, the web page) and the results (the API's and the web page),
   also paced. The resident memory of the server's process tree is sampled every few seconds.
3. **Checks.** No error of any kind (a cast answered otherwise than 201, a dropped connection, a
   read answered otherwise than 200); every receipt is on the board at its position with its
   hash and the board holds as many ballots as there are receipts; `vybory verify` accepts the
   exported record; the achieved rate is at least ``--min-rate`` (90 %) of the offered rate; and
   after the warm-up (the first third of the ballots) the memory grows by at most
   ``--max-kb-per-ballot`` (the least-squares slope of RSS over ballots receipted).

It prints each run's figures and writes them to ``--results`` (default bench/results/):
soak.json (a run replaces the earlier one on the same database) and soak.md. The exit status
is 1 if any check failed on any database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE.parent / "tests", HERE.parent / "tests" / "reliability", HERE):
    sys.path.insert(0, str(folder))

from benchkit import TreeMemory
from clientkit import readers, voters
from crashkit import board_events, receipts_on_board, verify_record
from serverkit import Served, postgres_schema, seed


@dataclass(frozen=True)
class Limits:
    """What a soak must show to pass."""

    min_rate: float = 0.90  # achieved / offered ballots per second
    max_kb_per_ballot: float = 10.0  # RSS growth after the warm-up (least-squares slope)
    warmup: float = 1 / 3  # the share of the soak's ballots left out of the RSS slope
    min_samples: int = 4  # RSS samples after the warm-up


@dataclass(frozen=True)
class Shape:
    """How hard and how long: ``seconds`` of casting at ``load`` x capacity."""

    seconds: float
    voters: int = 240
    capacity_seconds: float = 30.0
    capacity_clients: int = 4
    casting_clients: int = 6
    reading_clients: int = 2
    read_interval: float = 0.5  # seconds between two reads of one reader
    load: float = 0.85
    max_rate: float = 50.0  # ballots/s the soak's clients encrypt for (beforehand)
    sample_every: float = 3.0
    workers: int = 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else math.nan


def latencies_ms(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": round(1000 * percentile(seconds, 0.5), 1), "p99_ms": round(1000 * percentile(seconds, 0.99), 1),
            "max_ms": round(1000 * max(seconds, default=math.nan), 1)}


def rss_growth(series: list[list[float]], warmup_ballots: float) -> dict[str, Any]:
    """``series``: samples ``[seconds, ballots receipted, MB]``. The RSS figures: the first sample
    at or after ``warmup_ballots``, the last, the maximum, and the least-squares slope of MB over
    ballots from that first sample on (KB a ballot, MB per 10,000 ballots)."""
    after = [s for s in series if s[1] >= warmup_ballots]
    figures: dict[str, Any] = {"samples": len(series), "samples_after_warmup": len(after),
                               "warmup_ballots": round(warmup_ballots),
                               "max_mb": round(max((s[2] for s in series), default=math.nan), 1)}
    if len(after) < 2 or after[-1][1] == after[0][1]:
        return {**figures, "after_warmup_mb": None, "end_mb": None, "kb_per_ballot": None, "mb_per_10k": None}
    xs, ys = [s[1] for s in after], [s[2] for s in after]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return {**figures, "start_mb": round(series[0][2], 1), "after_warmup_mb": round(after[0][2], 1),
            "end_mb": round(after[-1][2], 1), "kb_per_ballot": round(slope * 1024, 2),
            "mb_per_10k": round(slope * 10_000, 1)}


def judge(figures: dict[str, Any], limits: Limits = Limits()) -> list[str]:
    """The checks a soak failed (empty when it passed), each a line naming what and by how much."""
    failed = []
    errors = {**figures["casts"]["errors"], **figures["reads"]["errors"]}
    if errors:
        failed.append(f"errors: {sum(errors.values())} ({', '.join(f'{k}: {n}' for k, n in sorted(errors.items()))})")
    if figures["casts"]["receipts"] == 0:
        failed.append("casts: no ballot got a receipt")
    failed += [f"board: {problem}" for problem in figures["board"]["problems"]]
    if not figures["verify"]["ok"]:
        failed.append(f"verify: vybory verify refused the record: {figures['verify']['output'][-300:]}")
    offered, achieved = figures["casts"]["offered_per_second"], figures["casts"]["achieved_per_second"]
    if achieved < limits.min_rate * offered:
        failed.append(f"rate: {achieved:.1f} ballots/s achieved, below {limits.min_rate:.0%} of the "
                      f"{offered:.1f} offered")
    rss = rss_growth(figures["rss"]["series"], limits.warmup * figures["casts"]["receipts"])
    if rss["samples_after_warmup"] < limits.min_samples or rss["kb_per_ballot"] is None:
        failed.append(f"rss: {rss['samples_after_warmup']} samples after the warm-up, fewer than "
                      f"{limits.min_samples}")
    elif rss["kb_per_ballot"] > limits.max_kb_per_ballot:
        failed.append(f"rss: grows {rss['kb_per_ballot']:.1f} KB a ballot after the warm-up "
                      f"({rss['after_warmup_mb']} MB to {rss['end_mb']} MB), more than {limits.max_kb_per_ballot} KB")
    return failed


def cast_figures(ballots: list[dict[str, Any]], began: float, rate: float) -> dict[str, Any]:
    """Rates, latencies (from when each ballot was due) and errors of one phase's casts."""
    receipted = [b for b in ballots if b["receipt"] is not None]
    errors = Counter(f.split()[0] for b in ballots for f in b["failures"])
    errors.update({"no receipt": len(ballots) - len(receipted)} if len(receipted) < len(ballots) else {})
    seconds = max((b["answered"] for b in ballots), default=began) - began
    return {"ballots": len(ballots), "receipts": len(receipted), "seconds": round(seconds, 1),
            "offered_per_second": round(rate, 2), "achieved_per_second": round(len(receipted) / seconds, 2),
            **latencies_ms([b["answered"] - b["due"] for b in ballots]),
            "service": latencies_ms([b["answered"] - b["sent"] for b in ballots]), "errors": dict(errors)}


def read_figures(reads: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    errors = Counter(f"{r['what']} {r['status']}" for r in reads if r["status"] != 200)
    by_kind = {what: {"reads": len(rs), **latencies_ms([r["answered"] - r["due"] for r in rs])}
               for what in sorted({r["what"] for r in reads}) for rs in [[r for r in reads if r["what"] == what]]}
    return {"reads": len(reads), "per_second": round(len(reads) / seconds, 2) if seconds else 0.0,
            **latencies_ms([r["answered"] - r["due"] for r in reads]), "by_kind": by_kind, "errors": dict(errors)}


def soak(url: str, label: str, folder: Path, shape: Shape, say: Any = print) -> dict[str, Any]:
    """One soak on the database at ``url`` (empty): the figures :func:`judge` reads."""
    demo = seed(url, folder / "seed", shape.voters)
    credentials = [{"district": d, "secret": s} for d, items in demo.credentials.items() for s in items]
    options = ("--workers", str(shape.workers)) if shape.workers > 1 else ()
    load_before = os.getloadavg()
    with Served(url, folder / "serve.log", *options) as served:
        assert served.process is not None
        # Every client prepares (encrypts its ballots, connects) before the capacity burst starts,
        # so that the burst and the soak measure the server, not the clients' encryption.
        burst = voters(served.url, demo.slug, credentials, folder, clients=shape.capacity_clients,
                       per_credential=math.ceil(2 * shape.max_rate * shape.capacity_seconds / len(credentials)),
                       name="capacity", options=lambda i: ["--no-bodies"])
        casting = voters(served.url, demo.slug, credentials, folder, clients=shape.casting_clients,
                         per_credential=math.ceil(shape.max_rate * shape.seconds / len(credentials)), name="soak",
                         options=lambda i: ["--no-bodies", "--paced", f"{i}/{shape.casting_clients}"])
        stop = folder / "stop-reading"
        reading = readers(served.url, demo.slug, folder, clients=shape.reading_clients,
                          interval=shape.read_interval, stop=stop)
        try:
            for clients in (burst, casting, reading):
                clients.wait_ready()
            began = burst.start(json.dumps({"seconds": shape.capacity_seconds}))
            capacity_ballots = burst.results()
            capacity = cast_figures(capacity_ballots, began, math.nan)
            capacity_rate = capacity["achieved_per_second"]
            rate = min(shape.load * capacity_rate, shape.max_rate)
            say(f"{label}: capacity {capacity_rate:.1f} ballots/s ({capacity['receipts']} ballots from "
                f"{shape.capacity_clients} processes, p50 {capacity['p50_ms']} ms); soak at {rate:.1f}/s "
                f"for {shape.seconds:.0f} s" + (" (the most the clients encrypted for)" if rate == shape.max_rate else ""))
            memory = TreeMemory([served.process.pid], interval=shape.sample_every, keep=True)
            reading.start()
            began = casting.start(json.dumps({"rate": rate, "seconds": shape.seconds}))
            ballots = casting.results(timeout=shape.seconds * 3 + 600)
            stop.write_text("stop")
            reads = reading.results()
            memory.stop()
        finally:
            for clients in (burst, casting, reading):
                clients.kill()
        ended = max(b["answered"] for b in ballots)
        load_during = os.getloadavg()
        answered = sorted(b["answered"] for b in ballots if b["receipt"] is not None)
        series = [[round(t - began, 1), sum(1 for a in answered if a <= t), round(rss / 2**20, 1)]
                  for t, rss in memory.samples if t <= ended]

        problems = []
        events = board_events(served.url, demo.slug)
        receipted = [b for b in capacity_ballots + ballots if b["receipt"] is not None]
        try:
            codes = receipts_on_board(events, receipted)
            if len(codes) != len(receipted):
                problems.append(f"{len(codes)} ballots on the board, {len(receipted)} receipts")
        except AssertionError as error:
            problems.append(str(error))
        checked = time.monotonic()
        verified = verify_record(served.url, demo.slug, folder, events[-1])
        verify_seconds = time.monotonic() - checked
    casts = cast_figures(ballots, began, rate)
    figures = {
        "database": label, "workers": shape.workers, "minutes": round(shape.seconds / 60, 2),
        "capacity": {"per_second": capacity_rate, "ballots": capacity["receipts"], "clients": shape.capacity_clients,
                     "p50_ms": capacity["p50_ms"], "p99_ms": capacity["p99_ms"], "errors": capacity["errors"]},
        "load": shape.load, "casts": {**casts, "clients": shape.casting_clients},
        "reads": {**read_figures(reads, ended - began), "clients": shape.reading_clients},
        "rss": {"every_seconds": shape.sample_every, "series": series},
        "board": {"events": len(events), "ballots": len(codes) if not problems else None, "problems": problems},
        "verify": {"ok": verified.returncode == 0, "seconds": round(verify_seconds, 1),
                   "output": (verified.stdout + verified.stderr)[-2000:]},
        "load_average": {"before": [round(x, 2) for x in load_before], "end": [round(x, 2) for x in load_during]},
        "cores": os.cpu_count(),
    }
    figures["casts"]["errors"] = dict(Counter(capacity["errors"]) + Counter(casts["errors"]))
    return figures


def summary(figures: dict[str, Any], limits: Limits = Limits()) -> str:
    """One run in a few lines."""
    c, r, cap = figures["casts"], figures["reads"], figures["capacity"]
    rss = rss_growth(figures["rss"]["series"], limits.warmup * c["receipts"])
    return (f"{figures['database']}: capacity {cap['per_second']:.1f} ballots/s; {figures['minutes']} min at "
            f"{c['offered_per_second']:.1f}/s offered, {c['achieved_per_second']:.1f}/s achieved "
            f"({c['receipts']} receipts); casts p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms, max {c['max_ms']} ms; "
            f"reads {r['per_second']}/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms; errors "
            f"{sum(c['errors'].values()) + sum(r['errors'].values())}; RSS {rss.get('start_mb')} MB at the start, "
            f"{rss['after_warmup_mb']} MB after the warm-up ({rss['warmup_ballots']} ballots), {rss['end_mb']} MB at "
            f"the end, max {rss['max_mb']} MB, slope {rss['mb_per_10k']} MB per 10k ballots; load average "
            f"{figures['load_average']['before'][0]} before, {figures['load_average']['end'][0]} at the end; "
            f"verify {'ok' if figures['verify']['ok'] else 'FAILED'} ({figures['verify']['seconds']} s)")


def table(runs: list[dict[str, Any]], limits: Limits = Limits()) -> str:
    lines = [("| database | minutes | capacity /s | offered /s | achieved /s | receipts | cast p50 / p99 / max ms "
             "| reads /s | read p50 / p99 ms | errors | RSS start / after warm-up / end / max MB | MB per 10k "
             "ballots | load average | checks |"),
             "|" + "---|" * 14]
    for f in runs:
        c, r = f["casts"], f["reads"]
        rss = rss_growth(f["rss"]["series"], limits.warmup * c["receipts"])
        lines.append(
            f"| {f['database']} | {f['minutes']} | {f['capacity']['per_second']:.1f} | {c['offered_per_second']:.1f} "
            f"| {c['achieved_per_second']:.1f} | {c['receipts']} | {c['p50_ms']:.0f} / {c['p99_ms']:.0f} / "
            f"{c['max_ms']:.0f} | {r['per_second']} | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} "
            f"| {sum(c['errors'].values()) + sum(r['errors'].values())} | {rss.get('start_mb')} / "
            f"{rss['after_warmup_mb']} / {rss['end_mb']} / {rss['max_mb']} | {rss['mb_per_10k']} "
            f"| {f['load_average']['before'][0]} → {f['load_average']['end'][0]} "
            f"| {'; '.join(f['failed']) or 'all passed'} |")
    return "\n".join(lines) + "\n"


def save(folder: Path, figures: dict[str, Any], command: str) -> None:
    """Adds a run to ``folder``/soak.json (replacing the earlier one on the same database) and
    writes soak.md."""
    path = folder / "soak.json"
    runs = json.loads(path.read_text())["runs"] if path.exists() else []
    runs = [r for r in runs if r["database"] != figures["database"]]
    runs = sorted([*runs, {**figures, "command": command, "at": datetime.now(UTC).isoformat(timespec="seconds")}],
                  key=lambda r: str(r["database"]))
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    (folder / "soak.md").write_text(table(runs))


@contextlib.contextmanager
def database(label: str, postgres: str | None, folder: Path) -> Iterator[str]:
    if label == "sqlite":
        yield f"sqlite:///{folder / 'soak.sqlite'}"
    else:
        assert postgres is not None
        with postgres_schema(postgres, "soak") as url:
            yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of paced casting")
    parser.add_argument("--postgres", default=os.environ.get("VYBORY_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL to soak too (default $VYBORY_TEST_POSTGRES_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="soak PostgreSQL only")
    parser.add_argument("--load", type=float, default=0.85, help="the offered rate as a share of the capacity")
    parser.add_argument("--workers", type=int, default=1, help="vybory serve --workers")
    parser.add_argument("--voters", type=int, default=240, help="voters seeded (each casts many ballots)")
    parser.add_argument("--max-rate", type=float, default=60.0,
                        help="the most ballots/s the soak may offer (its clients encrypt that many beforehand)")
    parser.add_argument("--capacity-seconds", type=float, default=30.0, help="seconds of the capacity burst")
    parser.add_argument("--min-rate", type=float, default=Limits.min_rate)
    parser.add_argument("--max-kb-per-ballot", type=float, default=Limits.max_kb_per_ballot)
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args()
    limits = Limits(min_rate=args.min_rate, max_kb_per_ballot=args.max_kb_per_ballot)
    shape = Shape(seconds=60 * args.minutes, load=args.load, workers=args.workers, voters=args.voters,
                  max_rate=args.max_rate, capacity_seconds=args.capacity_seconds)
    labels = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    if not labels:
        parser.error("nothing to soak: --no-sqlite and no --postgres (nor $VYBORY_TEST_POSTGRES_URL)")
    command = "bench/soak.py " + " ".join(a for a in sys.argv[1:] if "://" not in a)
    failures = 0
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    for label in labels:
        with tempfile.TemporaryDirectory(prefix="vybory-soak-") as temporary, \
                database(label, args.postgres, Path(temporary)) as url:
            figures = soak(url, label, Path(temporary), shape, say=lambda line: print(line, flush=True))
        figures["failed"] = judge(figures, limits)
        save(args.results, figures, command)
        print(summary(figures, limits), flush=True)
        for line in figures["failed"]:
            print(f"  FAILED {line}", flush=True)
        failures += bool(figures["failed"])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
