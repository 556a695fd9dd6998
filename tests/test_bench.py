"""The side-by-side benchmarks run and print their ratios (a smoke run: few iterations, no figure
is judged; the benchmarks themselves are not tests and `make test` never times anything)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_peer_bench_prints_both_backends_and_says_why_the_peer_did_not_run(tmp_path: Path) -> None:
    out = run("bench/peer.py", "--quick", "--no-booth", "--python", sys.executable, "--results", str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    # This interpreter is not a Python 3.10: one plain line says the peer could not run, and why.
    assert f"the ElectionGuard 1.4.0 peer could not run: {sys.executable} is not a Python 3.10" in out.stdout
    header = next(line for line in out.stdout.splitlines() if line.startswith("| work"))
    assert "libsodium / native" in header and "EG / native" in header
    rows = [line for line in out.stdout.splitlines() if line.startswith("| verify one ballot")]
    assert len(rows) == 2 and all(line.rstrip().endswith("× |") for line in rows)
    saved = json.loads((tmp_path / "peer.json").read_text())
    assert saved["electionguard"] is None and "not a Python 3.10" in saved["electionguard_missing"]
    for backend in ("sodium", "native"):
        assert saved["vybory"][backend]["verify_ballot/5x59"] > 0
    assert (tmp_path / "peer.md").read_text().startswith("| work")


def test_metal_bench_prints_each_proof_against_its_raw_operations(tmp_path: Path) -> None:
    out = run("bench/metal.py", "--quick", "--no-dalek", "--results", str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    saved = json.loads((tmp_path / "metal.json").read_text())
    kinds = {row["proof"] for row in saved["proofs"]}
    assert {"signature", "statement", "equal_logs", "zero_one", "range", "share_20", "shuffle"} <= kinds
    for row in saved["proofs"]:
        assert row["sodium_us"] > 0 and row["raw_sodium_us"] > 0 and row["native_us"] > 0
    assert "× raw (≤ 1.15)" in out.stdout


def _record_bench() -> Any:
    """bench/record.py as a module (its figures are kept by ``Results``; ``TreeMemory`` samples)."""
    spec = importlib.util.spec_from_file_location("record_bench", ROOT / "bench" / "record.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(seconds: float) -> dict[str, Any]:
    return {"seconds": seconds, "cpu_s": seconds * 2, "rss_mb": 100.0, "tree_rss_mb": 300.0,
            "load_before": [1.0, 1.0, 1.0], "load_after": [2.0, 1.0, 1.0]}


def test_the_record_bench_saves_each_run_as_it_ends_and_keeps_the_others(tmp_path: Path) -> None:
    record = _record_bench()
    path = tmp_path / "record.json"
    first = record.Results(path, "bench/record.py --ballots 10000")
    first.run(10000, 1143, "local", 2, "native", _figures(20.0))
    # Saved at once: a run stopped after this loses nothing.
    saved = json.loads(path.read_text())
    assert [(r["ballots"], r["way"], r["seconds"]) for r in saved["runs"]] == [(10000, "local", 20.0)]
    # A later invocation adds its sizes and replaces only the run of the same size and way.
    later = record.Results(path, "bench/record.py --ballots 100000,10000")
    later.run(100000, 1143, "local", 2, "native", _figures(400.0))
    later.run(10000, 1143, "dask", 2, "native", _figures(30.0))
    later.run(10000, 1143, "local", 2, "native", _figures(25.0))
    runs = json.loads(path.read_text())["runs"]
    assert sorted((r["ballots"], r["way"], r["seconds"]) for r in runs) == [
        (10000, "dask", 30.0), (10000, "local", 25.0), (100000, "local", 400.0)]
    assert all(r["command"] == "bench/record.py --ballots 100000,10000" for r in runs)
    table = path.with_suffix(".md").read_text()
    # 400 s for 100,000 ballots against 25 s for 10,000: 1.60 times the smallest run's cost a ballot.
    row = next(line for line in table.splitlines() if line.startswith("| 100,000 "))
    assert "| 400.0 | 250.0 |" in row and "| 1.60 |" in row and "| 1.0 / 2.0 |" in row


def test_the_record_bench_measures_the_memory_of_a_whole_process_tree() -> None:
    record = _record_bench()
    # A parent holding little starts a child that holds 200 MB: the tree's peak counts the child.
    child = "import time; block = bytearray(200 * 2**20); time.sleep(1.5)"
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    parent = subprocess.Popen([sys.executable, "-c", script])
    memory = record.TreeMemory([parent.pid], interval=0.05)
    parent.wait(timeout=60)
    assert memory.stop() >= 200 * 2**20


def test_rctab_bench_counts_and_writes_every_report_and_saves_its_figures(tmp_path: Path) -> None:
    out = run("bench/rctab.py", "--ballots", "2000", "--cdf-report", "--results", str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "report (count + generateCdfJson)" in out.stdout
    [saved] = json.loads((tmp_path / "rctab.json").read_text())
    assert saved["ballots"] == 2000 and saved["report_written_mb"] > 0 and saved["rounds"] > 1
    assert "--cdf-report" in saved["command"]
    assert (tmp_path / "rctab.md").read_text().startswith("| records")


def test_the_ingest_bench_saves_each_run_with_both_ratios_and_puts_the_table_in_the_docs(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("ingest_bench", ROOT / "bench" / "ingest.py")
    assert spec is not None and spec.loader is not None
    ingest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ingest)
    docs = tmp_path / "performance.md"
    docs.write_text("before\n<!-- ingest table -->\nold\n<!-- end ingest table -->\nafter\n")
    results = ingest.Results(tmp_path / "results", "bench/ingest.py --workers 1,4", 2, docs)
    run = {"database": "sqlite", "workers": 4, "clients": 8, "ballots": 100, "seconds": 2.0, "per_second": 50.0,
           "pure_per_second": 100.0, "server_cpu_ms": 30.0, "check_cpu_ms": 10.0, "p50_ms": 40.0, "p99_ms": 90.0}
    results.add(run)
    saved = json.loads((tmp_path / "results" / "ingest.json").read_text())
    [row] = saved["runs"]
    # 50/s against 4 workers x 100/s, and against the 2 cores x 100/s this machine has.
    assert (row["ratio"], row["ratio_cores"], row["server_cpu"]) == (0.125, 0.25, 3.0)
    assert saved["command"] == "bench/ingest.py --workers 1,4" and saved["cores"] == 2
    text = docs.read_text()
    assert text.startswith("before\n<!-- ingest table -->\nCommand: `bench/ingest.py --workers 1,4`")
    assert "| sqlite | 4 | 50.0 | 40 | 90 | 100 | 0.12 | 0.25 | 3.0× |" in text
    assert "old" not in text and text.endswith("<!-- end ingest table -->\nafter\n")
    assert (tmp_path / "results" / "ingest.md").read_text() in text
