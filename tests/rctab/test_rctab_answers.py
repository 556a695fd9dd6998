"""RCTab's interactive tiebreaks answered from a file (`vybory count --tiebreak-answers`).

The file is the adversary here: a line that is not JSON, each field wrong in
turn, a name that is no candidate, an answer written for another tie, another
question, another round, or for no tie at all. Each is refused with the file,
the line and the field, and the count writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rctabkit import rounds, write_contest
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.rctab import count_rctab, summaries, to_outcome
from vybory.errors import InvalidInput

runner = CliRunner()
# Round 1: D out (1 vote); round 2: A, B and C tied at 2, the operator names who loses;
# round 3: the two left tied at 2, neither over the threshold (3): the operator names who wins.
BALLOTS = [["A"], ["A"], ["B"], ["B"], ["C"], ["C"], ["D"]]
LOSES_C = {"round": 2, "tied": ["C", "A", "B"], "loses": "C"}


def contest(folder: Path, **rules: str) -> Path:
    return write_contest(folder, ["A", "B", "C", "D"], BALLOTS,
                         candidate_options={"A": {"aliases": ["Ann"]}}, **{"tiebreakMode": "stopCountingAndAsk", **rules})


def answers(folder: Path, *lines: object) -> Path:
    path = folder / "answers.jsonl"
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def run(*args: str):
    result = runner.invoke(app, ["count", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("winner", ["A", "B"])
def test_the_answers_settle_each_tie_in_any_order(tmp_path: Path, winner: str) -> None:
    config = contest(tmp_path)
    path = answers(tmp_path, "# the board's answers", {"round": 3, "tied": ["B", "A"], "wins": winner}, "",
                   LOSES_C)
    result = run("--rules", str(config), "--format", "rctab", "--tiebreak-answers", str(path))
    assert result.exit_code == 0, result.stderr
    got = rounds(json.loads(result.stdout))
    assert [r[2] for r in got] == [["D"], ["C"], []]
    assert got[-1][1] == [winner]
    # the same answers given in order on the command line count alike
    ordered = summaries(count_rctab(config, choices=("C", winner)))
    assert ordered[0]["results"] == json.loads(result.stdout)["results"]
    # vybory's report says where each answer came from
    outcome = to_outcome(count_rctab(config, answers=path))
    ties = [t for r in outcome.rounds for t in r.ties]
    assert [t.chosen for t in ties] == [("C",), (winner,)]
    how = [t.how for r in count_rctab(config, answers=path).passes[0].rounds for t in r.ties]
    assert how[0].endswith("answers.jsonl line 4)") and how[1].endswith("answers.jsonl line 2)"), how


@pytest.mark.parametrize(("line", "field", "message"), [
    ("not json", "line 1", "not a JSON object"),
    ('{"round": 2, "tied": ["A", "B", "C"], "loses": "C"', "line 1", "not a JSON object"),
    ("[2, \"C\"]", "line 1", "must be a JSON object"),
    ('"C"', "line 1", "must be a JSON object"),
    ({**LOSES_C, "why": "lot"}, "line 1", "unknown field 'why'"),
    ({"tied": ["A", "B", "C"], "loses": "C"}, "line 1: round", "which round"),
    ({**LOSES_C, "round": 0}, "line 1: round", "whole number from 1"),
    ({**LOSES_C, "round": "2"}, "line 1: round", "whole number from 1"),
    ({**LOSES_C, "round": True}, "line 1: round", "whole number from 1"),
    ({**LOSES_C, "round": 2.5}, "line 1: round", "whole number from 1"),
    ({**LOSES_C, "pass": -1}, "line 1: pass", "whole number from 1"),
    ({**LOSES_C, "tied": "A, B, C"}, "line 1: tied", "two or more candidates"),
    ({**LOSES_C, "tied": ["C"]}, "line 1: tied", "two or more candidates"),
    ({**LOSES_C, "tied": ["A", "C", "C"]}, "line 1: tied", "'C' is listed twice"),
    ({**LOSES_C, "tied": ["A", "B", "Zed"]}, "line 1: tied", "'Zed' is not a candidate"),
    ({**LOSES_C, "tied": ["Ann", "B", "C"]}, "line 1: tied", "'Ann' is an alias of 'A'"),
    ({**LOSES_C, "tied": ["A", 7, "C"]}, "line 1: tied", "must be a candidate's name"),
    ({**LOSES_C, "wins": "A"}, "line 1", "exactly one of 'loses'"),
    ({"round": 2, "tied": ["A", "B", "C"]}, "line 1", "exactly one of 'loses'"),
    ({**LOSES_C, "loses": "D"}, "line 1: loses", "'D' is not one of the tied candidates listed"),
    ({**LOSES_C, "loses": "Zed"}, "line 1: loses", "'Zed' is not a candidate"),
    ({**LOSES_C, "loses": ""}, "line 1: loses", "must be a candidate's name"),
])
def test_a_bad_line_is_refused_with_its_line_and_field(tmp_path: Path, line: object, field: str,
                                                       message: str) -> None:
    config = contest(tmp_path)
    path = answers(tmp_path, line)
    out = tmp_path / "out"
    result = run("--rules", str(config), "--tiebreak-answers", str(path), "--output", str(out))
    assert result.exit_code == 2
    assert f"answers.jsonl {field}" in result.stderr and message in result.stderr, result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_round_answered_twice_is_refused(tmp_path: Path) -> None:
    path = answers(tmp_path, LOSES_C, {**LOSES_C, "loses": "A"})
    with pytest.raises(InvalidInput, match="answered already on line 1") as refused:
        count_rctab(contest(tmp_path), answers=path)
    assert refused.value.field == f"{path} line 2"


def test_a_file_that_is_not_text_or_not_there_is_refused(tmp_path: Path) -> None:
    config = contest(tmp_path)
    binary = tmp_path / "answers.jsonl"
    binary.write_bytes(b'{"round": 2, "tied": ["A", "B", "C"], "loses": "\xff"}\n')
    with pytest.raises(InvalidInput, match="not UTF-8"):
        count_rctab(config, answers=binary)
    with pytest.raises(InvalidInput, match="no such file"):
        count_rctab(config, answers=tmp_path / "missing.jsonl")
    with pytest.raises(InvalidInput, match="folder"):
        count_rctab(config, answers=tmp_path)


def test_an_answer_counts_only_for_the_tie_it_was_written_for(tmp_path: Path) -> None:
    config = contest(tmp_path)
    out = tmp_path / "out"
    cases = [
        # no answer for round 3: the message gives the line to add
        ([LOSES_C], "answers.jsonl", 'add the line {"round": 3, "tied": ["A", "B"], "wins": "?"}'),
        # round 2's tie is between A, B and C, not A and B
        ([{"round": 2, "tied": ["A", "B"], "loses": "A"}, {"round": 3, "tied": ["A", "B"], "wins": "A"}],
         "answers.jsonl line 1", "answers the tie between A, B, but the tie in round 2 is between A, B, C"),
        # round 3 asks who wins
        ([LOSES_C, {"round": 3, "tied": ["A", "B"], "loses": "A"}], "answers.jsonl line 2",
         "says who loses, but the tie in round 3 decides who wins"),
        # an answer for a round with no tie
        ([LOSES_C, {"round": 3, "tied": ["A", "B"], "wins": "A"}, {"round": 1, "tied": ["C", "D"], "loses": "D"}],
         "answers.jsonl line 3", "no tie needed this answer"),
        ([LOSES_C, {"round": 3, "tied": ["A", "B"], "wins": "A"}, {"pass": 2, **LOSES_C}],
         "answers.jsonl line 3", "no tie needed this answer (the ties that asked: round 2; round 3)"),
    ]
    for lines, field, message in cases:
        path = answers(tmp_path, *lines)
        result = run("--rules", str(config), "--tiebreak-answers", str(path), "--output", str(out))
        assert result.exit_code == 2, lines
        assert field in result.stderr and message in result.stderr, result.stderr
        assert not out.exists() or not any(out.iterdir()), lines


def test_answers_are_only_for_a_tiebreak_that_asks(tmp_path: Path) -> None:
    path = answers(tmp_path, LOSES_C)
    for mode in ("random", "useCandidateOrder", "previousRoundCountsThenRandom"):
        config = contest(tmp_path / mode, tiebreakMode=mode, randomSeed="4")
        for given, field in (({"answers": path}, "--tiebreak-answers"), ({"choices": ("C",)}, "--choice")):
            with pytest.raises(InvalidInput, match="asks no one") as refused:
                count_rctab(config, **given)  # type: ignore[arg-type]
            assert refused.value.field == field
    config = contest(tmp_path)
    result = run("--rules", str(config), "--choice", "C", "--tiebreak-answers", str(path))
    assert result.exit_code == 2 and "one way" in result.stderr
    # answers given in order that no tie needed are refused too
    with pytest.raises(InvalidInput, match="1 of the answers were not needed") as refused:
        count_rctab(config, choices=("C", "A", "B"))
    assert refused.value.field == "--choice"
    result = run("-m", "irv", "--rules", str(config), "--tiebreak-answers", str(path))
    assert result.exit_code == 2 and "--tiebreak-answers" in result.stderr


def test_previous_round_counts_then_ask_asks_only_when_the_earlier_rounds_are_equal(tmp_path: Path) -> None:
    # Round 1: D out. Round 2: B and C tied at 3, but C had fewer in round 1 (2 against 3),
    # so C goes without a question; round 3: B 5 of 9 wins. An answer for round 2 is
    # refused: no tie asked for it.
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C", "B"]] * 2 + [["D", "C"]]
    config = write_contest(tmp_path, ["A", "B", "C", "D"], ballots, tiebreakMode="previousRoundCountsThenAsk")
    got = rounds(summaries(count_rctab(config))[0])
    assert [r[2] for r in got[:2]] == [["D"], ["C"]]
    path = answers(tmp_path, {"round": 2, "tied": ["B", "C"], "loses": "B"})
    with pytest.raises(InvalidInput, match="no tie needed this answer"):
        count_rctab(config, answers=path)


def test_each_pass_of_multi_pass_irv_has_its_own_answers(tmp_path: Path) -> None:
    # Pass 1: C out; A and B tied at 2 for the seat. Pass 2 (A excluded if A won): C 2 (its
    # own ballot and A's second choice), B 2, tied for the seat again.
    ballots = [["A", "C"], ["A"], ["B"], ["B"], ["C"]]
    config = write_contest(tmp_path, ["A", "B", "C"], ballots, tiebreakMode="stopCountingAndAsk",
                           winnerElectionMode="multiPassIrv", numberOfWinners="2")
    # in order: pass 1 asks first, then pass 2 (each pass does not start the list again)
    assert to_outcome(count_rctab(config, choices=("A", "C"))).winners == ["A", "C"]
    path = answers(tmp_path, {"pass": 2, "round": 1, "tied": ["B", "C"], "wins": "B"},
                   {"pass": 1, "round": 2, "tied": ["A", "B"], "wins": "A"})
    assert to_outcome(count_rctab(config, answers=path)).winners == ["A", "B"]
    missing = answers(tmp_path, {"pass": 1, "round": 2, "tied": ["A", "B"], "wins": "A"})
    with pytest.raises(InvalidInput, match=r'pass 2, round 1: .* add the line \{"pass": 2, "round": 1, '
                                           r'"tied": \["B", "C"\], "wins": "\?"\}'):
        count_rctab(config, answers=missing)
