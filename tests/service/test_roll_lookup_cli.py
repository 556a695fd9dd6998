"""`vybory roll lookup` against a database whose operator lies (SQLite and PostgreSQL). The
operator owns the database: it drops the append-only triggers, edits the stored roll and
re-hashes the chain. The board read back is checked on this machine (the entries against the
commission's signed counts and commitment), so a voter put in, taken out or re-weighted is
refused with the reason, never reported as on (or not on) the roll."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from electionkit import NOMINATIONS_CLOSE, PUBLIC_COUNCIL, at, rewrite_board
from kit import new_election
from typer.testing import CliRunner

from vybory.cli.main import app


@pytest.fixture
def election(service):  # type: ignore[no-untyped-def]
    """The council with its roll public and published."""
    e = new_election(service, PUBLIC_COUNCIL)
    e.nominate_all()
    e.key_ceremony()
    e.clock.set(at(NOMINATIONS_CLOSE, days=3))
    service.close_nominations(e.slug)
    e.publish_roll()
    return e


def lookup(url: str, slug: str, voter: str, code: int) -> str:
    result = CliRunner().invoke(app, ["roll", "lookup", slug, voter, "--db", url])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def rewrite_roll(url: str, change: Callable[[dict[str, Any]], None]) -> None:
    """The database operator changes the stored roll's first district (and re-hashes the chain)."""
    def edit(rows: list[dict[str, Any]]) -> None:
        (roll,) = [row for row in rows if row["kind"] == "roll_published"]
        change(roll["payload"]["districts"][0])

    rewrite_board(url, edit)


def test_lookup_finds_a_voter_of_the_signed_roll_and_says_so_of_one_not_on_it(database_url, election) -> None:
    assert "'n1' is on the roll of district 'north' with weight 1" in lookup(database_url, election.slug, "n1", 0)
    assert "'n99' is NOT on the roll" in lookup(database_url, election.slug, "n99", 1)


def _swap(district: dict[str, Any]) -> None:
    district["entries"][-1] = ["phantom", 1]


def _weigh(district: dict[str, Any]) -> None:
    district["entries"][-1] = [district["entries"][-1][0], 2]


def _drop(district: dict[str, Any]) -> None:
    del district["entries"][-1]


def _drop_signed(district: dict[str, Any]) -> None:  # the entry and the signed count with it
    del district["entries"][-1]
    district["voters"] -= 1
    district["weight"] -= 1


@pytest.mark.parametrize("change, voter, why", [
    (_swap, "phantom", "the published entries are not the roll the line signs"),
    (_weigh, "n6", "the published entries are not the roll the line signs"),
    (_drop, "n6", "the published entries are not the roll the line signs"),
    (_drop_signed, "n6", "must be the count and the sum of the weights")], ids=["voter-swapped", "weight-changed", "voter-taken-out", "count-changed"])
def test_an_operator_who_edits_the_stored_roll_is_refused(database_url, election, change, voter, why) -> None:
    rewrite_roll(database_url, change)
    out = lookup(database_url, election.slug, voter, 1)
    assert why in out, out
    assert "is on the roll" not in out and "NOT on the roll" not in out
