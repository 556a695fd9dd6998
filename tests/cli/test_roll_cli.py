"""The roll posted for inspection through the commands (SQLite and PostgreSQL): a voter looks up a
roll number (the commission's signature and the entries checked on the voter's machine), files a
complaint and keeps its head; the commission answers with its own key. The liar: a database operator
who swaps a roll number in the stored roll event; `vybory roll lookup` refuses the altered roll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    PUBLIC_COUNCIL,
    ROLL,
    T0,
    ServiceElection,
    at,
    identity_file,
    rewrite_board,
)
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.service import ElectionService, ManualClock
from vybory.store import Database
from vybory.verify.heads import read_heads


@pytest.fixture
def election(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ServiceElection:
    monkeypatch.chdir(tmp_path)
    service = ElectionService(Database(database_url, upgrade=True), clock=ManualClock(T0))
    e = ServiceElection.create(service, PUBLIC_COUNCIL, ROLL)
    e.clock.set(at(NOMINATIONS_CLOSE, days=1))
    e.publish_roll()
    return e


def run(url: str, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [*args, "--db", url])
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert "Traceback" not in result.output
    return result.output


def test_look_up_complain_and_answer(election: ServiceElection, database_url: str) -> None:
    slug = election.slug
    out = run(database_url, "roll", "lookup", slug, "n3")
    assert "'n3' is on the roll of district 'north' with weight 1" in out and "signed by the commission" in out
    assert "is NOT on the roll" in run(database_url, "roll", "lookup", slug, "n7", code=1)
    out = run(database_url, "roll", "complain", slug, "--voter", "n7", "--district", "north", "--left-off",
              "--reason", "I live on Mill Street", "--heads", "mine.heads")
    position = election.state().open_complaints()[0].position
    assert f"board event {position}" in out
    assert read_heads(Path("mine.heads").read_text(), source="mine.heads")[0].position == position
    assert "--left-off and --not-eligible" in run(database_url, "roll", "complain", slug, "--voter", "n8",
                                                  "--district", "north", "--reason", "x", code=2)
    run(database_url, "roll", "answer", slug, str(position), "rejected", "--identity",
        identity_file("commission", role="commission"), code=2)  # a rejection needs its reason
    assert election.state().open_complaints()
    run(database_url, "roll", "answer", slug, str(position), "accepted", "--reason", "on the register",
        "--identity", identity_file("commission", role="commission"))
    assert not election.state().open_complaints() and election.state().unapplied_complaints()


def test_lookup_refuses_a_roll_changed_in_the_database(election: ServiceElection, database_url: str) -> None:
    def swap(rows: list[dict[str, Any]]) -> None:
        roll = next(r for r in rows if r["kind"] == "roll_published")
        roll["payload"]["districts"][0]["entries"][5][0] = "n9"

    rewrite_board(database_url, swap)
    # The service's own replay notices first; a server that skipped it would meet the command's own
    # check of the commission's signature and of the entries against the signed commitment.
    out = run(database_url, "roll", "lookup", election.slug, "n9", code=1)
    assert "board_damaged" in out and "entries" in out
