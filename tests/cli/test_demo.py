"""`vybory demo` at a small size: the whole election runs, the runoff and the repeat round
happen, two trustees never decrypt, the record verifies, and the same seed gives the same board."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.service import ElectionService
from vybory.store import Database


def run(folder: Path, seed: str = "1937") -> str:
    result = CliRunner().invoke(app, ["demo", "--voters", "90", "--seed", seed, "--out", str(folder),
                                      "--workers", "2"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_runs_a_whole_election_and_verifies(tmp_path: Path) -> None:
    output = run(tmp_path / "a")
    assert "verified" in output and "NOT verified" not in output
    # The trustees witnessed the board at each phase; the record says by how many, up to where.
    assert "5 trustees checked the board and witnessed its head (key ceremony done" in output
    assert "witnessed: events 1-" in output and "by 5 of 5 trustees" in output
    assert "runoff required between" in output and "repeat election required" in output
    assert (tmp_path / "a" / "record.zip").exists()
    assert zipfile.is_zipfile(tmp_path / "a" / "record.zip")

    service = ElectionService(Database(f"sqlite:///{tmp_path / 'a' / 'vybory.sqlite'}"))
    state = service.state("demo")
    assert state.phase.value == "published"
    assert state.threshold == 3 and len(state.definition.trustees) == 5
    assert sorted(state.rounds) == [1, 2]
    kinds = {c: rc.kind for c, rc in state.rounds[2].contests.items()}
    assert kinds == {"river-deputy": "runoff", "forest-deputy": "repeat"}
    assert len(state.rounds[2].contests["river-deputy"].candidates) == 2
    assert len(state.rounds[2].contests["forest-deputy"].candidates) == 3
    for rnd in state.rounds.values():
        assert sorted(rnd.shares) == [1, 2, 3]  # trustees 4 and 5 never decrypt
        assert rnd.ballots_cast >= len(rnd.last_ballot)
    assert state.rounds[1].ballots_cast > len(state.rounds[1].last_ballot)  # some voters voted twice
    decisions = service.decisions("demo")
    final = {r.contest: r.status for d in decisions for r in d.results}
    assert final["river-deputy"] == "elected" and final["forest-deputy"] == "elected"

    # Same seed, same board.
    run(tmp_path / "b")
    again = ElectionService(Database(f"sqlite:///{tmp_path / 'b' / 'vybory.sqlite'}"))
    assert again.head("demo") == service.head("demo")
