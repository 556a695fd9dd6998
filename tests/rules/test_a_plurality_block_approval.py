"""Plurality, block vote and approval."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vybory.errors import InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, MarkBallot, Totals
from vybory.rules.outcome import Status, TieRule


def M(*names: str, w: int | Fraction = 1) -> MarkBallot:
    return MarkBallot(frozenset(names), w)


def test_plurality_most_votes_wins_and_counts_invalid_and_blank() -> None:
    ballots = [M("A"), M("A"), M("B"), M("A", "B"), M(), M("Z")]
    o = count("plurality", Contest("c", ("A", "B", "C")), ballots=ballots)
    assert o.status is Status.ELECTED and o.winners == ["A"]
    assert o.rounds[0].counts == {"A": 2, "B": 1, "C": 0}
    assert (o.ballots_cast, o.valid, o.invalid, o.blank) == (6, 4, 2, 1)
    assert o.details["invalid_reasons"] == {"more than 1 marked": 1, "names someone who is not a candidate": 1}


def test_plurality_weights() -> None:
    ballots = [M("A", w=3), M("B"), M("B"), M("C", w=Fraction(5, 2))]
    o = count("plurality", Contest("c", ("A", "B", "C")), ballots=ballots)
    assert o.winners == ["A"] and o.rounds[0].counts["C"] == Fraction(5, 2)
    o2 = count("plurality", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert o2.winners == ["A", "C"]


def test_plurality_several_seats_in_order_of_votes() -> None:
    ballots = [M("A")] * 2 + [M("B")] * 5 + [M("C")] * 3
    o = count("plurality", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert o.winners == ["B", "C"] and o.rounds[0].elected == ["B", "C"]


def test_plurality_tie_is_drawn_recorded_and_reproducible() -> None:
    ballots = [M("A"), M("B"), M("C")]
    outcomes = [count("plurality", Contest("c", cands, seed=b"pub"), ballots=ballots)
                for cands in (("A", "B", "C"), ("C", "B", "A"), ("B", "A", "C"))]
    assert len({tuple(o.winners) for o in outcomes}) == 1
    (tie,) = outcomes[0].ties
    assert tie.purpose == "elect" and tie.candidates == ("A", "B", "C") and tie.rule is TieRule.DRAW
    assert list(tie.chosen) == outcomes[0].winners
    winners = {count("plurality", Contest("c", ("A", "B", "C"), seed=s), ballots=ballots).winners[0]
               for s in (b"1", b"2", b"3", b"4", b"5", b"6")}
    assert len(winners) > 1


def test_plurality_with_no_vote_decides_nothing() -> None:
    o = count("plurality", Contest("c", ("A", "B")), ballots=[M(), M("A", "B")])
    assert o.status is Status.NO_DECISION and o.winners == [] and o.reason


def test_plurality_totals_match_ballots() -> None:
    ballots = [M("A")] * 4 + [M("B")] * 3 + [M()] * 2 + [M("A", "B")]
    contest = Contest("c", ("A", "B"))
    a = count("plurality", contest, ballots=ballots)
    b = count("plurality", contest, totals=Totals({"A": 4, "B": 3}, ballots_cast=10, blank=2, invalid=1))
    assert a.to_json() | {"details": {}} == b.to_json()


@pytest.mark.parametrize("totals,words", [
    (Totals({"A": 4, "Z": 1}, ballots_cast=5), "'Z' not a candidate"),
    (Totals({"A": 6}, ballots_cast=5), "more than the 5 valid non-blank ballots"),
    (Totals({"A": -1}, ballots_cast=5), "at least 0"),
    (Totals({"A": 0.5}, ballots_cast=5), "exact number"),
    (Totals({"A": 1}, ballots_cast=2, blank=2, invalid=1), "exceed the ballots cast"),
])
def test_plurality_bad_totals_are_refused(totals: Totals, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        count("plurality", Contest("c", ("A", "B")), totals=totals)


def test_block_up_to_k_marks() -> None:
    ballots = [M("A", "B"), M("A", "C"), M("B"), M("A", "B", "C"), M("C", "D")]
    o = count("block", Contest("c", ("A", "B", "C", "D"), seats=2), ballots=ballots)
    assert o.rounds[0].counts == {"A": 2, "B": 2, "C": 2, "D": 1}
    assert o.invalid == 1 and len(o.winners) == 2 and set(o.winners) <= {"A", "B", "C"}
    assert [t.purpose for t in o.ties] == ["elect"]  # three tied for two seats


def test_block_max_marks_option() -> None:
    ballots = [M("A", "B", "C"), M("A")]
    o = count("block", Contest("c", ("A", "B", "C"), seats=2, options={"max_marks": 3}), ballots=ballots)
    assert o.invalid == 0 and o.winners[0] == "A"
    o = count("block", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert o.invalid == 1 and o.rounds[0].counts == {"A": 1, "B": 0, "C": 0}
    assert o.winners[0] == "A" and o.winners[1] in ("B", "C")
    assert [(t.purpose, t.candidates) for t in o.ties] == [("elect", ("B", "C"))]


def test_block_totals_carry_at_most_k_marks_each() -> None:
    contest = Contest("c", ("A", "B", "C"), seats=2)
    assert count("block", contest, totals=Totals({"A": 2, "B": 2}, ballots_cast=2)).status is Status.ELECTED
    with pytest.raises(InvalidInput, match="at most 2 mark"):
        count("block", contest, totals=Totals({"A": 2, "B": 2, "C": 1}, ballots_cast=2))


def test_approval_bounds() -> None:
    ballots = [M(), M("A"), M("A", "B"), M("A", "B", "C"), M("B", "C")]
    contest = Contest("c", ("A", "B", "C"), options={"min_marks": 1, "max_marks": 2})
    o = count("approval", contest, ballots=ballots)
    assert (o.valid, o.invalid, o.blank) == (3, 2, 0)
    assert o.rounds[0].counts == {"A": 2, "B": 2, "C": 1}
    assert o.details["invalid_reasons"] == {"fewer than 1 marked": 1, "more than 2 marked": 1}
    default = count("approval", Contest("c", ("A", "B", "C")), ballots=ballots)
    assert (default.valid, default.invalid, default.blank) == (5, 0, 1)
    assert default.rounds[0].counts == {"A": 3, "B": 3, "C": 2}
    assert [(t.purpose, t.candidates) for t in default.ties] == [("elect", ("A", "B"))]


def test_approval_most_approved_win_with_weights() -> None:
    ballots = [M("A", "B", w=2), M("C", w=3), M("B", "C")]
    o = count("approval", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert o.rounds[0].counts == {"A": 2, "B": 3, "C": 4} and o.winners == ["C", "B"]
