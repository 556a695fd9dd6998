"""Load: `vybory serve` casting near its measured capacity while the board and the results are
read, through bench/soak.py (a real server on loopback, voter and reader processes).

The short run here (some fifteen seconds of casting, forty in all) asserts what the long ones do: no error of
any kind, every receipt on the board at its position with its hash and as many ballots on the
board as receipts, `vybory verify` accepts the record, at least 90 % of the offered rate
achieved, and the server's memory flat after the warm-up. `make soak` runs ten minutes on
SQLite and on PostgreSQL (marker ``soak``) and writes the figures to bench/results/.

The memory bound of the short run is much looser than the long run's (100 KB a ballot after
the warm-up, against 10 KB): a young server's resident memory grows by some 20-80 KB a ballot
(about 1 MB a second, in steps of 3-5 MB, more on a loaded machine) for its first thousand or
so ballots, whatever the warm-up, and flattens later (the ten-minute soaks show it). So the
short run catches only a gross leak (a board page or a request kept for every ballot); the
ten-minute soak is the memory check that would catch each ballot being kept (some 30 KB). The
checker is shown to refuse a leak, an error, a slow server and a missing receipt on series made
up for the purpose.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("soak_bench", ROOT / "bench" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak_bench"] = module
    spec.loader.exec_module(module)
    return module


soak = _bench()

SHORT = soak.Shape(seconds=10, capacity_seconds=4, voters=24, capacity_clients=3, casting_clients=3,
                   reading_clients=1, read_interval=0.4, sample_every=1.0, max_rate=40)
SHORT_LIMITS = soak.Limits(max_kb_per_ballot=100.0)
LONG = soak.Shape(seconds=600)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("crash")]


def run(tmp_path: Path, label: str, url: str, shape: Any, limits: Any) -> dict[str, Any]:
    figures = soak.soak(url, label, tmp_path, shape)
    figures["failed"] = soak.judge(figures, limits)
    print("\n" + soak.summary(figures, limits))
    folder = os.environ.get("VYBORY_FIGURES")
    if folder:
        soak.save(Path(folder), figures, f"tests/reliability/test_soak.py ({label}, {shape.seconds:.0f} s)")
    return figures


def assert_passed(figures: dict[str, Any], shape: Any) -> None:
    assert figures["failed"] == [], figures["failed"]
    casts = figures["casts"]
    assert casts["errors"] == {} and figures["reads"]["errors"] == {}
    assert figures["board"]["ballots"] == casts["receipts"] + figures["capacity"]["ballots"]
    assert figures["verify"]["ok"]
    assert casts["achieved_per_second"] >= 0.9 * casts["offered_per_second"]
    assert casts["offered_per_second"] == pytest.approx(shape.load * figures["capacity"]["per_second"], rel=0.01) \
        or casts["offered_per_second"] == shape.max_rate
    assert figures["reads"]["reads"] >= shape.seconds / shape.read_interval * shape.reading_clients * 0.8
    assert set(figures["reads"]["by_kind"]) == {"board", "board_page", "results", "results_page"}


def test_a_short_soak_on_sqlite_keeps_every_receipt_with_no_error_and_flat_memory(tmp_path: Path) -> None:
    figures = run(tmp_path, "sqlite", f"sqlite:///{tmp_path / 'vybory.sqlite'}", SHORT, SHORT_LIMITS)
    assert_passed(figures, SHORT)


def passing(**changes: Any) -> dict[str, Any]:
    """The figures of a soak that passes (600 ballots, RSS 150 MB and 2 KB a ballot after a
    warm-up of 30 KB a ballot), with ``changes`` made."""
    series = []
    for k in range(61):
        ballots = 10 * k
        mb = 120 + (30 * min(ballots, 200) + 2 * max(0, ballots - 200)) / 1024
        series.append([k * 0.5, ballots, round(mb, 2)])
    figures: dict[str, Any] = {
        "casts": {"receipts": 600, "offered_per_second": 20.0, "achieved_per_second": 19.6, "errors": {}},
        "reads": {"errors": {}},
        "board": {"problems": []},
        "verify": {"ok": True, "output": ""},
        "rss": {"series": series},
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = figures
        for name in parents:
            target = target[name]
        target[last] = value
    return figures


def leaking(kb_per_ballot: float) -> list[list[float]]:
    """The passing series with ``kb_per_ballot`` more for every ballot, as if each were kept."""
    return [[t, n, mb + kb_per_ballot * n / 1024] for t, n, mb in passing()["rss"]["series"]]


def test_the_checker_passes_a_good_soak_and_refuses_a_leak_an_error_a_slow_server_and_a_lost_receipt() -> None:
    assert soak.judge(passing()) == []
    assert soak.judge(passing(), SHORT_LIMITS) == []
    growth = soak.rss_growth(passing()["rss"]["series"], 200)
    assert growth["kb_per_ballot"] == pytest.approx(2.0, abs=0.05) and growth["after_warmup_mb"] == 125.9

    # Keeping each ballot (some 30 KB) is refused by the long soak's bound; the short run's lets a
    # young server grow by 80 KB a ballot, not by 30 KB more.
    failed = soak.judge(passing(rss__series=leaking(30)))
    assert len(failed) == 1 and failed[0].startswith("rss: grows 32.0 KB a ballot after the warm-up")
    assert soak.judge(passing(rss__series=leaking(78)), SHORT_LIMITS) == []
    assert soak.judge(passing(rss__series=leaking(108)), SHORT_LIMITS)[0].startswith("rss: grows 110.0 KB")
    # Too short to tell: fewer than 4 samples after the warm-up.
    assert soak.judge(passing(rss__series=passing()["rss"]["series"][:22]))[0].startswith("rss: 2 samples")

    assert soak.judge(passing(casts__errors={"503": 1})) == ["errors: 1 (503: 1)"]
    assert soak.judge(passing(reads__errors={"results_page 500": 2})) == ["errors: 2 (results_page 500: 2)"]
    assert soak.judge(passing(casts__achieved_per_second=17.9)) == [
        "rate: 17.9 ballots/s achieved, below 90% of the 20.0 offered"]
    assert soak.judge(passing(board__problems=["no event at the receipt's position 42"])) == [
        "board: no event at the receipt's position 42"]
    assert soak.judge(passing(verify__ok=False, verify__output="FAILED"))[0].startswith("verify:")
    assert soak.judge(passing(casts__receipts=0))[0] == "casts: no ballot got a receipt"


def test_the_soak_figures_are_saved_a_run_per_database(tmp_path: Path) -> None:
    figures = {**passing(), "database": "sqlite", "minutes": 10, "failed": [],
               "capacity": {"per_second": 25.0}, "load_average": {"before": [1.0], "end": [2.0]}}
    figures["casts"].update({"p50_ms": 90.0, "p99_ms": 560.0, "max_ms": 900.0})
    figures["reads"].update({"per_second": 4.0, "p50_ms": 30.0, "p99_ms": 200.0})
    soak.save(tmp_path, figures, "bench/soak.py --minutes 10")
    soak.save(tmp_path, {**figures, "database": "postgresql"}, "bench/soak.py --minutes 10")
    soak.save(tmp_path, {**figures, "minutes": 5}, "bench/soak.py --minutes 5")
    runs = json.loads((tmp_path / "soak.json").read_text())["runs"]
    assert [(r["database"], r["minutes"]) for r in runs] == [("postgresql", 10), ("sqlite", 5)]
    table = (tmp_path / "soak.md").read_text().splitlines()
    assert len(table) == 4 and table[2].startswith("| postgresql | 10 | 25.0 | 20.0 | 19.6 | 600 | 90 / 560 / 900 |")


@pytest.mark.soak
def test_soak_ten_minutes_on_sqlite(tmp_path: Path) -> None:
    figures = run(tmp_path, "sqlite", f"sqlite:///{tmp_path / 'vybory.sqlite'}", LONG, soak.Limits())
    assert_passed(figures, LONG)


@pytest.mark.soak
def test_soak_ten_minutes_on_postgresql(tmp_path: Path) -> None:
    from serverkit import postgres_schema

    base = os.environ.get("VYBORY_TEST_POSTGRES_URL")
    if not base:
        pytest.fail("VYBORY_TEST_POSTGRES_URL is not set: the PostgreSQL soak needs a database")
    with postgres_schema(base, "soak") as url:
        figures = run(tmp_path, "postgresql", url, LONG, soak.Limits())
    assert_passed(figures, LONG)
