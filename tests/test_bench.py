"""The side-by-side benchmarks run and print their ratios (a smoke run: few iterations, no figure
is judged; the benchmarks themselves are not tests and `make test` never times anything)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
