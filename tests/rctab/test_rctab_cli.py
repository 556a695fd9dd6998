"""`vybory count --rules config.json`: an RCTab configuration counted by RCTab's rules.

The operator of the count is the adversary here only through the command line:
a choice for a tie that is no tied candidate, a seed that is not RCTab's kind,
options that do not apply; each is refused with the option named, and nothing
is written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from rctabkit import rounds, write_contest
from typer.testing import CliRunner

from vybory.cli.main import app

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, ["count", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_format_rctab_prints_rctabs_summary() -> None:
    case = DATA / "tiebreak_seed_test"
    result = run("--rules", str(case / "tiebreak_seed_test_config.json"), "--format", "rctab")
    assert result.exit_code == 0, result.stderr
    want = json.loads((case / "tiebreak_seed_test_expected_detailed_report.json").read_text())
    got = json.loads(result.stdout)
    assert got["results"] == want["results"] and got["summary"] == want["summary"]


def test_vybory_report_of_an_rctab_count() -> None:
    case = DATA / "test_set_multi_winner_fractional_threshold"
    result = run("--rules", str(case / "test_set_multi_winner_fractional_threshold_config.json"), "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    want = json.loads((case / "test_set_multi_winner_fractional_threshold_expected_detailed_report.json")
                      .read_text())
    elected = [a["elected"] for r in want["results"] for a in r["tallyResults"] if "elected" in a]
    assert out["method"] == "rctab" and out["seats"] == 3
    assert sorted(out["winners"]) == sorted(elected)
    assert len(out["rounds"]) == len(want["results"])
    for ours, theirs in zip(out["rounds"], want["results"], strict=True):
        assert ours["quota"] == _fraction(theirs["threshold"])
        assert ours["details"]["inactive"] == {k: _fraction(v) for k, v in theirs["inactiveBallots"].items()
                                               if k != "finalRoundSurplus"}
        assert ours["counts"] == {k: _fraction(v) for k, v in theirs["tally"].items()}


def _fraction(text: str) -> int | str:
    from fractions import Fraction

    value = Fraction(text)
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def test_output_writes_json_and_csv_per_pass(tmp_path: Path) -> None:
    case = DATA / "sequential_with_batch"
    out = tmp_path / "out"
    result = run("--rules", str(case / "sequential_with_batch_config.json"), "--output", str(out))
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    # RCTab's three reports and its audit copy of the records per pass, named as RCTab names them
    assert len(written) == 12, written
    assert all(n.endswith(("_summary_report.csv", "_detailed_report.csv", "_detailed_report.json",
                           "_rctab_cvr.csv")) for n in written)
    for number in (1, 2, 3):
        ours = json.loads(next(out.glob(f"*_{number}_detailed_report.json")).read_text())
        want = json.loads((case / f"sequential_with_batch_{number}_expected_detailed_report.json").read_text())
        assert ours["results"] == want["results"]
        summary = next(out.glob(f"*_{number}_summary_report.csv")).read_text()
        detailed = next(out.glob(f"*_{number}_detailed_report.csv")).read_text()
        assert summary == "".join(line for line in detailed.splitlines(keepends=True)
                                  if not line.startswith("Inactive Ballots by"))
        assert len(summary) < len(detailed)


def test_output_writes_each_precinct_in_its_folder(tmp_path: Path) -> None:
    case = DATA / "precinct_example"
    out = tmp_path / "out"
    result = run("--rules", str(case / "precinct_example_config.json"), "--output", str(out))
    assert result.exit_code == 0, result.stderr
    expected = sorted(p.name.replace("precinct_example_expected_", "")
                      for p in (case / "Tabulate by Precinct").iterdir())
    ours = sorted(p.name for p in (out / "Tabulate by Precinct").iterdir())
    contest = json.loads((case / "precinct_example_config.json").read_text())["outputSettings"]["contestName"]
    prefix = re.sub(r"[^a-zA-Z0-9_\-.]", "_", contest) + "_"
    assert [n.removeprefix(prefix) for n in ours if n.removeprefix(prefix) in expected] == expected
    for name in expected:
        want = (case / "Tabulate by Precinct" / f"precinct_example_expected_{name}").read_text()
        got = (out / "Tabulate by Precinct" / f"{prefix}{name}").read_text()
        if name.endswith(".csv"):
            got = got.replace("\r\n", "\n").replace("vybory (RCTab rules)", "RCTab 2.0.0")
            assert got.strip() == want.strip(), name
        else:
            assert json.loads(got)["results"] == json.loads(want)["results"], name


def test_the_operator_chooses_each_tie_in_order(tmp_path: Path) -> None:
    ballots = [["A"], ["A"], ["B"], ["B"], ["C"], ["C"], ["D"]]
    config = write_contest(tmp_path, ["A", "B", "C", "D"], ballots, tiebreakMode="stopCountingAndAsk")
    result = run("--rules", str(config), "--format", "rctab")
    assert result.exit_code == 2
    assert "needs the operator's choice" in result.stderr and "--choice" in result.stderr
    # Round 1: D out; round 2: a three-way tie at 2 votes, the operator names C to lose;
    # round 3: A and B tied, neither over the threshold, the operator names the winner.
    for winner in ("A", "B"):
        result = run("--rules", str(config), "--format", "rctab", "--choice", "C", "--choice", winner)
        assert result.exit_code == 0, result.stderr
        got = rounds(json.loads(result.stdout))
        assert [r[2] for r in got] == [["D"], ["C"], []]
        assert got[-1][1] == [winner]
    result = run("--rules", str(config), "--choice", "C")
    assert result.exit_code == 2 and "round 3" in result.stderr and "who wins" in result.stderr
    result = run("--rules", str(config), "--choice", "D")
    assert result.exit_code == 2 and "'D' is not one of the tied candidates" in result.stderr


def test_options_that_do_not_apply_are_refused(tmp_path: Path) -> None:
    config = write_contest(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]], tiebreakMode="random", randomSeed="7")
    out = tmp_path / "out"
    for args, field in (
        (["--seats", "2"], "--seats"),
        (["--seed", "x1"], "--seed"),
        (["--format", "rctab", "--json"], "--json"),
        (["--method", "stv-meek"], "--method"),
        (["--format", "blt"], "--format"),
    ):
        result = run("--rules", str(config), "--output", str(out), *args)
        assert result.exit_code == 2, args
        assert field in result.stderr, (args, result.stderr)
        assert not out.exists()
    blt = tmp_path / "a.blt"
    blt.write_text("2 1\n1 1 2 0\n0\n\"A\"\n\"B\"\n\"t\"\n")
    for args, field in ((["--format", "rctab"], "--format"), (["--choice", "A"], "--choice"),
                        (["--output", str(out)], "--output")):
        result = run("-m", "irv", str(blt), *args)
        assert result.exit_code == 2 and field in result.stderr, (args, result.stderr)


def test_seed_replaces_the_configurations(tmp_path: Path) -> None:
    ballots = [["A"], ["B"], ["C"]] * 2
    config = write_contest(tmp_path, ["A", "B", "C"], ballots, tiebreakMode="random", randomSeed="1")
    seen = set()
    for seed in ("1", "2", "3", "4", "5", "-9"):
        result = run("--rules", str(config), "--format", "rctab", "--seed", seed)
        assert result.exit_code == 0, result.stderr
        seen.add(tuple(tuple(r[2]) for r in rounds(json.loads(result.stdout))))
    assert len(seen) > 1
