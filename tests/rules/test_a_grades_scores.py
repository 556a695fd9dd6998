"""Majority judgment and score voting."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pref_voting.grade_methods import majority_judgement
from pref_voting.grade_profiles import GradeProfile

from vybory.errors import InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, ScoreBallot, Totals
from vybory.rules.majority_judgment import compare, majority_grade, sides
from vybory.rules.outcome import Status

FAST = settings(max_examples=200, deadline=None)


def S(w: int | Fraction = 1, **scores: int) -> ScoreBallot:
    return ScoreBallot(scores, w)


def majority_value(grades: list[int]) -> list[int]:
    """Balinski-Laraki by the letter: remove the lower median again and again."""
    rest, out = sorted(grades), []
    while rest:
        out.append(rest.pop((len(rest) - 1) // 2))
    return out


@FAST
@given(st.lists(st.integers(0, 4), min_size=1, max_size=15), st.data())
def test_majority_value_comparison_matches_the_definition(a: list[int], data: st.DataObject) -> None:
    b = data.draw(st.lists(st.integers(0, 4), min_size=len(a), max_size=len(a)))
    ha = {g: a.count(g) for g in set(a)}
    hb = {g: b.count(g) for g in set(b)}
    va, vb = majority_value(a), majority_value(b)
    expected = (va > vb) - (va < vb)
    assert compare(sides(ha), sides(hb), len(a) % 2 == 1) == expected
    assert majority_grade(ha) == va[0]


def test_majority_judgment_example() -> None:
    # grades 0..5; A: 5,4,4,1 -> lower median 4; B: 3,3,3,3 -> 3
    ballots = [S(A=5, B=3), S(A=4, B=3), S(A=4, B=3), S(A=1, B=3)]
    o = count("majority-judgment", Contest("c", ("A", "B")), ballots=ballots)
    assert o.winners == ["A"] and o.rounds[0].counts == {"A": 4, "B": 3}
    assert o.rounds[0].details["grades"]["A"] == {1: 1, 4: 2, 5: 1}
    assert o.rounds[0].details["above_majority_grade"] == {"A": 1, "B": 0}


def test_majority_judgment_tie_broken_by_removing_median_grades() -> None:
    # Both have majority grade 3; A's other grades lean up (4,4 vs 2,2 below), B's lean down.
    ballots = [S(A=3, B=3), S(A=4, B=3), S(A=4, B=2), S(A=2, B=3), S(A=3, B=5)]
    o = count("majority-judgment", Contest("c", ("A", "B")), ballots=ballots)
    assert o.rounds[0].counts == {"A": 3, "B": 3}
    assert majority_value([3, 4, 4, 2, 3]) > majority_value([3, 3, 2, 3, 5])
    assert o.winners == ["A"] and o.ties == []


def test_majority_judgment_identical_grades_are_a_recorded_tie() -> None:
    ballots = [S(A=3, B=3), S(A=1, B=1)]
    o = count("majority-judgment", Contest("c", ("A", "B"), seed=b"s"), ballots=ballots)
    assert o.ties[0].purpose == "elect" and o.ties[0].candidates == ("A", "B")
    assert o.details["ranking"] == [["A", "B"]]


def test_majority_judgment_missing_grade_invalid_and_blank() -> None:
    ballots = [S(A=5), S(A=5), S(B=2), S(), S(A=6), S(C=1)]
    o = count("majority-judgment", Contest("c", ("A", "B")), ballots=ballots)
    # A: 5,5,0,0 -> lower median 0; B: 0,0,2,0 -> 0; A better by the majority value
    assert (o.valid, o.invalid, o.blank) == (4, 2, 1) and o.winners == ["A"]
    o = count("majority-judgment", Contest("c", ("A", "B"), options={"missing_grade": 2}), ballots=ballots)
    assert o.rounds[0].counts == {"A": 2, "B": 2}


def test_majority_judgment_grade_names() -> None:
    c = Contest("c", ("A", "B"), options={"grades": ["reject", "poor", "fair", "good"]})
    o = count("majority-judgment", c, ballots=[S(A=3, B=1), S(A=4)])
    assert o.invalid == 1 and o.winners == ["A"] and "3 = good" in o.rounds[0].note


@st.composite
def graded(draw: st.DrawFn) -> tuple[tuple[str, ...], list[ScoreBallot]]:
    cands = ("A", "B", "C", "D")[: draw(st.integers(2, 4))]
    ballots = [ScoreBallot({c: draw(st.integers(0, 5)) for c in cands}, draw(st.integers(1, 3)))
               for _ in range(draw(st.integers(1, 12)))]
    return cands, ballots


@FAST
@given(graded())
def test_majority_judgment_agrees_with_pref_voting_when_its_gauge_decides(profile) -> None:
    cands, ballots = profile
    expanded = [dict(b.scores) for b in ballots for _ in range(b.weight)]
    pv = majority_judgement(GradeProfile(expanded, grades=list(range(6)), candidates=list(cands)))
    o = count("majority-judgment", Contest("c", cands, seed=b"g"), ballots=ballots)
    assert o.winners[0] in pv
    if len(pv) == 1:
        assert o.winners == pv


@FAST
@given(graded(), st.integers(1, 5))
def test_majority_judgment_totals_equal_ballots_and_weights_scale(profile, factor: int) -> None:
    cands, ballots = profile
    counts: dict[str, int] = {}
    for b in ballots:
        for c, g in b.scores.items():
            counts[f"{c}:{g}"] = counts.get(f"{c}:{g}", 0) + b.weight
    total = sum(b.weight for b in ballots)
    contest = Contest("c", cands, seats=2, seed=b"t")
    a = count("majority-judgment", contest, ballots=ballots)
    t = count("majority-judgment", contest, totals=Totals(counts, ballots_cast=total))
    assert a.to_json() == t.to_json()
    scaled = [ScoreBallot(b.scores, Fraction(b.weight, factor)) for b in ballots]
    assert count("majority-judgment", contest, ballots=scaled).winners == a.winners


def test_majority_judgment_bad_totals() -> None:
    with pytest.raises(InvalidInput, match="'<name>:<grade>'"):
        count("majority-judgment", Contest("c", ("A",)), totals=Totals({"A:9": 1}, ballots_cast=1))
    with pytest.raises(InvalidInput, match="more than the 1 valid"):
        count("majority-judgment", Contest("c", ("A",)), totals=Totals({"A:1": 2}, ballots_cast=1))


def test_majority_judgment_without_ballots_decides_nothing() -> None:
    o = count("majority-judgment", Contest("c", ("A",)), ballots=[S(A=9)])
    assert o.status is Status.NO_DECISION and o.invalid == 1


# --- score ----------------------------------------------------------------------------


def test_score_sum() -> None:
    ballots = [S(A=10, B=6), S(A=0, B=6), S(B=3, C=10, w=2), S(A=11), S()]
    o = count("score", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert o.rounds[0].counts == {"A": 10, "B": 18, "C": 20} and o.winners == ["C", "B"]
    assert (o.invalid, o.blank) == (1, 1)


def test_score_average_over_the_ballots_that_scored() -> None:
    ballots = [S(A=10, B=6), S(A=0, B=6), S(B=3, C=10, w=2), S()]
    o = count("score", Contest("c", ("A", "B", "C", "D"), seats=4, options={"aggregate": "average"}),
              ballots=ballots)
    assert o.rounds[0].counts == {"A": 5, "B": Fraction(9, 2), "C": 10}
    assert o.winners == ["C", "A", "B", "D"]  # D was scored by nobody: last
    assert o.rounds[0].details["scored_by"] == {"A": 2, "B": 4, "C": 2, "D": 0}


def test_score_range_option_and_unscored_get_the_minimum() -> None:
    c = Contest("c", ("A", "B"), options={"min_score": -2, "max_score": 2})
    o = count("score", c, ballots=[S(A=2), S(A=-2, B=1), S(B=3)])
    assert o.rounds[0].counts == {"A": 0, "B": -1} and o.invalid == 1 and o.winners == ["A"]


def test_score_ties_and_no_decision() -> None:
    o = count("score", Contest("c", ("A", "B"), seed=b"q"), ballots=[S(A=3, B=3)])
    assert o.ties[0].candidates == ("A", "B")
    assert count("score", Contest("c", ("A", "B")), ballots=[S()]).status is Status.NO_DECISION


@FAST
@given(graded(), st.sampled_from(["sum", "average"]))
def test_score_totals_equal_ballots(profile, aggregate: str) -> None:
    cands, ballots = profile
    counts: dict[str, int] = {}
    for b in ballots:
        for c, g in b.scores.items():
            counts[f"{c}:{g}"] = counts.get(f"{c}:{g}", 0) + b.weight
    contest = Contest("c", cands, seed=b"t", options={"aggregate": aggregate, "max_score": 5})
    a = count("score", contest, ballots=ballots)
    t = count("score", contest, totals=Totals(counts, ballots_cast=sum(b.weight for b in ballots)))
    assert a.to_json() == t.to_json()


def test_score_bad_totals() -> None:
    with pytest.raises(InvalidInput, match="'<name>:<score>'"):
        count("score", Contest("c", ("A",)), totals=Totals({"A": 5}, ballots_cast=1))
