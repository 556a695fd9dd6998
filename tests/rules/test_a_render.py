"""The outcome as tables for a person."""

from __future__ import annotations

from fractions import Fraction

from vybory.cli.render import format_number, render_text
from vybory.rules import count
from vybory.rules.base import Contest, MarkBallot, RankedBallot, ScoreBallot
from vybory.rules.outcome import Outcome, Round, Status


def test_format_number_is_exact_and_rounds_half_up() -> None:
    assert format_number(7) == "7"
    assert format_number(Fraction(4, 2)) == "2"
    assert format_number(Fraction(1, 3)) == "0.33333"
    assert format_number(Fraction(2, 3)) == "0.66667"
    assert format_number(Fraction(-1, 8), places=2) == "-0.13"
    assert format_number(Fraction(1, 200000)) == "0.00001"
    assert format_number(None) == ""


def test_runoff_outcome_shows_status_reason_counts_and_ties() -> None:
    ballots = [MarkBallot(frozenset({"Ivanov"}))] * 30 + [MarkBallot(frozenset({n})) for n in ("Petrova", "Sidorov")] * 15
    ballots += [MarkBallot(frozenset())] * 10
    o = count("majority", Contest("d", ("Ivanov", "Petrova", "Sidorov"), registered=100), ballots=ballots)
    text = render_text(o)
    assert "majority: runoff required" in text and "runoff: Ivanov," in text
    assert "registered 100" in text and "Quota" in text
    assert "tie (runoff) between Petrova, Sidorov" in text and "by draw" in text
    assert "Ivanov" in text.split("Quota")[0]


def test_for_against_shows_the_votes_against() -> None:
    o = count("for-against", Contest("c", ("A", "B")), ballots=[ScoreBallot({"A": 1, "B": -1})] * 3)
    text = render_text(o)
    assert "For and against" in text and "against" in text
    table = text.split("For and against")[1]
    row = next(line for line in table.splitlines() if line.startswith("│ B "))
    assert [cell.strip() for cell in row.strip("│").split("│")] == ["B", "0", "3", "0", "-3"]


def test_condorcet_shows_the_pairwise_matrix() -> None:
    ballots = [RankedBallot((("A",), ("B",)), 2), RankedBallot((("B",), ("A",)), 1)]
    text = render_text(count("schulze", Contest("c", ("A", "B")), ballots=ballots))
    assert "Pairwise" in text and "Strongest paths" in text and "elected" in text


def test_several_rounds_with_transfers_and_exhausted() -> None:
    o = Outcome(method="irv", seats=1, status=Status.ELECTED, winners=["A"], rounds=[
        Round(1, {"A": 4, "B": 3, "C": 2}, eliminated=["C"]),
        Round(2, {"A": 5, "B": 3}, transfers={"A": 1, "C": -2}, exhausted=1, elected=["A"]),
    ])
    text = render_text(o, ["A", "B", "C"])
    assert "Round 1" in text and "Round 2" in text and "Exhausted" in text
    assert "(+1)" in text and "(-2)" in text and "out" in text
