"""Candidate aliases as RCTab reads them, and RCTab's checks on names and aliases.

RCTab's readers keep each name as the record spells it; only the pick of a
ballot's recipient reads an alias as its candidate (``Tabulator`` calls
``getNameForCandidate`` there and nowhere else). So the duplicate check
(``candidatesSeen``) compares spellings, and ``exhaustIfMultipleContinuing``
asks ``isCandidateContinuing`` of the spelling, which for an alias is always
true: an alias is never excluded, elected or eliminated under that name.
Each expectation below is worked out by hand from that code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rctabkit import rounds, write_cdf_records, write_contest

from vybory.cli.rctab import count_rctab, summaries
from vybory.errors import InvalidInput

ALIASES = {"A": {"aliases": ["a1", "a2"]}}


def summary(config: Path) -> dict:
    [first] = summaries(count_rctab(config))
    return first


def test_a_repeat_is_the_same_spelling_again(tmp_path: Path) -> None:
    # Round 1: A 3 (all three through aliases or its name), B 5, C 4; A out. Round 2:
    # [a1, a2, B]: a2 is another spelling, not a repeat: on to B;
    # [a1, a1, B]: a1 again: inactive (repeatedRankings);
    # [A, a1, C]: the name, then an alias: no repeat: on to C.
    ballots = [["a1", "a2", "B"], ["a1", "a1", "B"], ["A", "a1", "C"]] + [["B"]] * 5 + [["C"]] * 4
    config = contest(tmp_path, ["A", "B", "C"], ["A", "B", "C", "a1", "a2"], ballots, ALIASES,
                     exhaustOnDuplicateCandidate=True)
    got = summary(config)
    assert got["results"][0]["tally"] == {"A": "3", "B": "5", "C": "4"}
    second = got["results"][1]
    assert second["tally"] == {"B": "6", "C": "5"}
    assert second["inactiveBallots"]["repeatedRankings"] == "1"
    assert rounds(got)[1][1] == ["B"]
    # without exhaustOnDuplicateCandidate the repeat is passed over, and the ballot goes to B
    plain = contest(tmp_path / "plain", ["A", "B", "C"], ["A", "B", "C", "a1", "a2"], ballots, ALIASES)
    assert summary(plain)["results"][1]["tally"] == {"B": "7", "C": "5"}


def test_an_alias_counts_as_continuing_in_an_overvote(tmp_path: Path) -> None:
    # A is excluded. [a1 + C]: the alias is "continuing" to RCTab's overvote rule, C too:
    # the ballot is an overvote. [A + C]: A, by its name, is excluded: only C continues,
    # and the ballot counts for C. B 3 of 5 active wins in round 1.
    options = {"A": {"aliases": ["a1"], "excluded": True}}
    ballots = [[{"a1", "C"}], [{"A", "C"}], ["B"], ["B"], ["B"], ["C"]]
    config = contest(tmp_path, ["A", "B", "C"], ["A", "B", "C", "a1"], ballots, options,
                     overvoteRule="exhaustIfMultipleContinuing")
    got = summary(config)
    first = got["results"][0]
    assert first["tally"] == {"B": "3", "C": "2"}
    assert first["inactiveBallots"]["overvotes"] == "1"
    assert rounds(got)[0][1] == ["B"]


def test_an_eliminated_candidates_alias_still_makes_an_overvote(tmp_path: Path) -> None:
    # Round 1: A 2, B 3, C 3, D 4: A out. Round 2, the ballot [A, a1 + C] is read again: a1
    # and C at rank 2 are two "continuing" spellings, so it is an overvote; [A, A + C] is
    # not (A, by its name, is eliminated) and goes to C.
    options = {"A": {"aliases": ["a1"]}}
    ballots = [["A", {"a1", "C"}], ["A", {"A", "C"}]] + [["B"]] * 3 + [["C"]] * 3 + [["D"]] * 4
    config = contest(tmp_path, ["A", "B", "C", "D"], ["A", "B", "C", "D", "a1"], ballots, options,
                     overvoteRule="exhaustIfMultipleContinuing")
    got = summary(config)
    assert got["results"][0]["tally"] == {"A": "2", "B": "3", "C": "3", "D": "4"}
    second = got["results"][1]
    assert second["inactiveBallots"]["overvotes"] == "1"
    assert second["tally"] == {"B": "3", "C": "4", "D": "4"}


@pytest.mark.parametrize(("rule", "category", "tally"), [
    ("alwaysSkipToNextRank", None, {"A": "2", "B": "4"}),
    ("exhaustImmediately", "overvotes", {"A": "2", "B": "3"}),
])
def test_two_aliases_of_one_candidate_at_one_rank_are_an_overvote(tmp_path: Path, rule: str,
                                                                   category: str | None,
                                                                   tally: dict[str, str]) -> None:
    # [a1 + a2, B]: two names at one rank, whatever they stand for.
    ballots = [[{"a1", "a2"}, "B"], ["A"], ["A"], ["B"], ["B"], ["B"]]
    config = contest(tmp_path, ["A", "B"], ["A", "B", "a1", "a2"], ballots, ALIASES, overvoteRule=rule)
    first = summary(config)["results"][0]
    assert first["tally"] == tally
    assert first["inactiveBallots"]["overvotes"] == ("1" if category else "0")


def contest(folder: Path, candidates: list[str], spellings: list[str], ballots: list[list], options: dict,
            **rules: object) -> Path:
    """A contest whose records (CDF) spell candidates as ``spellings``: names and aliases."""
    source = write_cdf_records(folder, spellings, ballots)
    return write_contest(folder, candidates, [], candidate_options=options, source=source, name="config.json",
                         **rules)


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"A": {"aliases": ["x"]}, "B": {"aliases": ["x"]}}, "candidates[1].aliases[0]",
     "'x' is already the name or an alias of 'A'"),
    ({"B": {"aliases": ["A"]}}, "candidates[1].aliases[0]", "'A' is already the name or an alias of 'A'"),
    ({"A": {"aliases": ["B"]}}, "candidates[1].name", "'B' is already the name or an alias of 'A'"),
    ({"A": {"aliases": ["A"]}}, "candidates[0].name", "this candidate's name or alias"),
    ({"A": {"aliases": ["x", " x "]}}, "candidates[0].aliases[1]", "this candidate's name or alias"),
    ({"A": {"aliases": ["Exhausted"]}}, "candidates[0].aliases[0]", "a word RCTab keeps for itself"),
    ({"A": {"aliases": "a1"}}, "candidates[0].aliases", "must be a list of names"),
    ({"A": {"aliases": [7]}}, "candidates[0].aliases", "must be a list of names"),
])
def test_rctabs_checks_on_names_and_aliases(tmp_path: Path, options: dict, field: str, message: str) -> None:
    config = write_contest(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]], candidate_options=options)
    with pytest.raises(InvalidInput, match=message) as refused:
        count_rctab(config)
    assert refused.value.field == field


@pytest.mark.parametrize(("candidates", "source", "field", "message"), [
    (["A", "Uncounted"], {}, "candidates[1].name", "a word RCTab keeps for itself"),
    (["A", "B"], {"undeclaredWriteInLabel": "residual SURPLUS"}, "cvrFileSources[0].undeclaredWriteInLabel",
     "a word RCTab keeps for itself"),
    (["A", "B"], {"undeclaredWriteInLabel": "a1"}, "cvrFileSources[0].undeclaredWriteInLabel",
     "also a candidate's name or alias ('a1')"),
    (["A", "B"], {"skippedRankLabel": "b"}, "cvrFileSources[0].skippedRankLabel",
     "also a candidate's name or alias ('B')"),
    (["A", "B"], {"skippedRankLabel": "UWI", "undeclaredWriteInLabel": "uwi"},
     "cvrFileSources[0].skippedRankLabel", "also the undeclaredWriteInLabel"),
])
def test_a_label_that_is_also_a_name_is_refused(tmp_path: Path, candidates: list[str], source: dict, field: str,
                                                message: str) -> None:
    config = write_contest(tmp_path, candidates, [["A"], ["A"], [candidates[1]]],
                           candidate_options={"A": {"aliases": ["a1"]}}, source=source)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
        count_rctab(config)
    assert refused.value.field == field
