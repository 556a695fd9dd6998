"""The method registry, option checking and the count dispatch."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vybory.errors import InvalidDefinition, InvalidInput, VyboryError
from vybory.rules import METHODS, Method, count, get_method
from vybory.rules.base import (
    Contest,
    MarkBallot,
    RankedBallot,
    ScoreBallot,
    Totals,
    parse_fraction,
    resolve_options,
)
from vybory.rules.outcome import Outcome, Status

MINE = ["plurality", "block", "approval", "strikeout", "majority", "for-against", "motion", "schulze",
        "ranked-pairs", "majority-judgment", "score"]


def test_the_registry_lists_exactly_the_issue_methods() -> None:
    assert list(METHODS) == ["plurality", "block", "approval", "strikeout", "majority", "for-against", "motion",
                             "irv", "stv-scottish", "stv-meek", "stv-irish", "schulze", "ranked-pairs",
                             "majority-judgment", "score"]
    assert all(isinstance(m, Method) and m.name == key for key, m in METHODS.items())


@pytest.mark.parametrize("name", MINE)
def test_every_method_has_an_options_schema_and_count(name: str) -> None:
    m = METHODS[name]
    assert callable(m.count)
    for option, spec in m.options.items():
        _kind, default, description = spec
        assert description and option.islower()
        # every default passes its own check
        assert resolve_options(m.options, {option: default}, method=name)[option] == default
    assert m.ballot_kind in ("mark", "ranked", "score")


def test_ballot_kinds_and_totals() -> None:
    assert {n for n, m in METHODS.items() if m.accepts_totals} == {
        "plurality", "block", "approval", "strikeout", "majority", "for-against", "motion", "majority-judgment",
        "score"}
    assert METHODS["schulze"].ballot_kind == "ranked" and METHODS["motion"].ballot_kind == "score"
    assert METHODS["strikeout"].ballot_kind == "mark"


def test_unknown_method_is_refused_naming_it() -> None:
    with pytest.raises(InvalidDefinition, match="unknown counting method 'borda'") as err:
        count("borda", Contest("c", ("A",)), ballots=[])
    assert err.value.field == "method"
    with pytest.raises(InvalidDefinition):
        get_method("Plurality")


def test_a_method_whose_module_is_missing_fails_clearly_at_call_time() -> None:
    ghost = Method("ghost", "vybory.rules.no_such_rule", False, True, "ranked", "test")
    with pytest.raises(InvalidDefinition, match="'ghost' is not available"):
        _ = ghost.count


def test_unknown_option_is_refused_with_the_known_ones() -> None:
    contest = Contest("c", ("A", "B"), options={"treshold": "1/2"})
    with pytest.raises(InvalidDefinition) as err:
        count("majority", contest, ballots=[])
    (problem,) = err.value.problems
    assert problem.startswith("options.treshold:") and "'majority' has no option 'treshold'" in problem
    assert "threshold" in problem


@pytest.mark.parametrize("method,option,value,words", [
    ("majority", "threshold", "half", "exact number"),
    ("majority", "round", "second", "must be one of 'first', 'runoff'"),
    ("majority", "runoff_top", "2", "whole number"),
    ("majority", "blank_in_denominator", 1, "true or false"),
    ("motion", "denominator", "turnout", "must be one of"),
    ("schulze", "strength", "ratio", "must be one of"),
    ("score", "max_score", 9.5, "whole number"),
    ("block", "max_marks", True, "whole number"),
])
def test_bad_option_values_name_the_option_and_the_rule(method: str, option: str, value: object, words: str) -> None:
    contest = Contest("c", ("A", "B"), options={option: value})
    with pytest.raises(InvalidDefinition) as err:
        count(method, contest, ballots=[])
    assert any(p.startswith(f"options.{option}:") and words in p and repr(method) in p for p in err.value.problems)


@pytest.mark.parametrize("method,options,words", [
    ("majority", {"threshold": "3/2"}, "less than 1"),
    ("majority", {"runoff_top": 0}, "at least 1"),
    ("approval", {"min_marks": 3, "max_marks": 2}, "at least min_marks"),
    ("block", {"max_marks": 0}, "at least 1"),
    ("score", {"min_score": 5, "max_score": 5}, "more than min_score"),
    ("majority-judgment", {"grades": 1}, "at least 2 grades"),
    ("majority-judgment", {"grades": ["bad", "bad"]}, "distinct grade names"),
    ("motion", {"threshold": 0}, "more than 0"),
])
def test_option_values_out_of_range_are_refused(method: str, options: dict, words: str) -> None:
    kind = METHODS[method].ballot_kind
    cands = ("yes", "no") if method == "motion" else ("A", "B")
    ballot = {"mark": MarkBallot(frozenset()), "score": ScoreBallot({})}[kind]
    with pytest.raises(InvalidDefinition, match=words):
        count(method, Contest("c", cands, options=options), ballots=[ballot])


def test_exact_numbers_from_strings_and_toml_floats() -> None:
    assert parse_fraction("2/3") == Fraction(2, 3)
    assert parse_fraction(0.1) == Fraction(1, 10)  # as written, not the binary float
    assert parse_fraction("0.5") == Fraction(1, 2)
    with pytest.raises(TypeError):
        parse_fraction(True)
    with pytest.raises(ValueError):
        parse_fraction("two thirds")
    resolved = resolve_options(METHODS["motion"].options, {"threshold": "2/3"}, method="motion")
    assert resolved["threshold"] == Fraction(2, 3) and resolved["denominator"] == "valid"


def test_both_or_neither_input_is_refused() -> None:
    contest = Contest("c", ("A", "B"))
    totals = Totals({"A": 1}, ballots_cast=1)
    with pytest.raises(InvalidInput, match="either ballots or totals"):
        count("plurality", contest)
    with pytest.raises(InvalidInput, match="either ballots or totals"):
        count("plurality", contest, ballots=[], totals=totals)


def test_totals_for_a_ranked_method_are_refused() -> None:
    with pytest.raises(InvalidInput, match="needs the ranked ballots") as err:
        count("schulze", Contest("c", ("A", "B")), totals=Totals({"A": 1}, ballots_cast=1))
    assert err.value.field == "totals"


def test_ballots_of_the_wrong_kind_are_refused() -> None:
    with pytest.raises(InvalidInput, match="ballot 2 is a RankedBallot; method 'plurality' counts MarkBallot"):
        count("plurality", Contest("c", ("A", "B")),
              ballots=[MarkBallot(frozenset({"A"})), RankedBallot((("A",),))])


@pytest.mark.parametrize("contest,words", [
    (Contest("c", ("A", "A")), "listed twice"),
    (Contest("c", ()), "at least one candidate"),
    (Contest("c", ("A",), seats=0), "seats"),
    (Contest("c", ("A",), registered=-1), "registered"),
])
def test_bad_contests_are_refused(contest: Contest, words: str) -> None:
    with pytest.raises(InvalidDefinition, match=words):
        count("plurality", contest, ballots=[])


@pytest.mark.parametrize("weight", [0.5, -1, "1", True])
def test_inexact_or_negative_weights_are_refused(weight: object) -> None:
    with pytest.raises(InvalidInput, match="weight"):
        count("plurality", Contest("c", ("A",)), ballots=[MarkBallot(frozenset({"A"}), weight=weight)])


def test_a_generator_of_ballots_is_counted() -> None:
    ballots = (MarkBallot(frozenset({n})) for n in "ABA")
    outcome = count("plurality", Contest("c", ("A", "B")), ballots=ballots)
    assert isinstance(outcome, Outcome) and outcome.status is Status.ELECTED and outcome.winners == ["A"]


def test_every_error_is_a_vybory_error_with_a_code() -> None:
    try:
        count("majority", Contest("c", ("A", "B"), options={"x": 1}), ballots=[])
    except VyboryError as exc:
        assert exc.code == "invalid_definition"
    else:  # pragma: no cover
        pytest.fail("no error")
