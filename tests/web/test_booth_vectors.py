"""The booth's JavaScript checks every test vector, and its ballot code its own cases (node's own
test runner, tests/js/*.test.mjs).

``make test`` runs ``npm ci`` (scripts/build-booth) before pytest, so node_modules is there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_node_tests(*files: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node (Node.js 20 or later) is needed to test the booth"
    assert (ROOT / "node_modules" / "@noble" / "curves").is_dir(), "run `make booth` (npm ci) first"
    return subprocess.run([node, "--test", "--test-reporter=tap", *files], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


def counts(tap: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$", tap, re.MULTILINE)}


def test_every_vector_passes_in_javascript() -> None:
    result = run_node_tests("tests/js/vectors.test.mjs")
    summary = counts(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert summary["fail"] == 0 and summary["cancelled"] == 0 and summary["skipped"] == 0
    # One test per section of the vector files; fewer means a file was silently skipped.
    assert summary["pass"] >= 20, summary


def test_the_booth_ballot_code_passes_its_own_tests() -> None:
    result = run_node_tests("tests/js/ballot.test.mjs")
    summary = counts(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert summary["fail"] == 0 and summary["pass"] >= 6, summary


def test_the_runner_reports_a_failure() -> None:
    """The wrapper above would see a broken implementation: a failing node test fails it."""
    result = run_node_tests("tests/js/failing.fixture.mjs")
    assert result.returncode != 0
    assert counts(result.stdout)["fail"] == 1
