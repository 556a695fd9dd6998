"""`vybory count`: every input format, JSON and table output, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from vybory.cli.main import app

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "elections"
runner = CliRunner()


def data(relative: str) -> str:
    path = DATA / relative
    assert path.exists(), f"real election data missing: {path}"
    return str(path)


def run(*args: str):
    result = runner.invoke(app, ["count", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_burlington_with_toml_rules(tmp_path: Path) -> None:
    rules = tmp_path / "burlington.toml"
    rules.write_text('[irv]\nbatch_elimination = true\novervote = "exhaust_if_multiple_continuing"\n')
    out = run_json("--method", "irv", "--rules", str(rules), data("burlington2009/00005-00000002.toi"))
    assert out["winners"] == ["Bob Kiss"] and out["status"] == "elected"
    assert [r["counts"] for r in out["rounds"][1:]] == [
        {"Bob Kiss": 2981, "Andy Montroll": 2554, "Kurt Wright": 3294},
        {"Bob Kiss": 4313, "Kurt Wright": 4061},
    ]


def test_glasgow_calton_blt_as_json() -> None:
    out = run_json("--method", "stv-scottish", data("glasgow2007/glasgow_2007_calton.blt"))
    assert out["winners"] == ["George Redmond (Lab)", "Alison E Thewliss (SNP)", "Ruth Simpson (Lab)"]
    assert out["seats"] == 3 and len(out["rounds"]) == 7
    assert out["rounds"][6]["counts"]["Ruth Simpson (Lab)"] == "118988661/100000"


def test_edinburgh_names_with_quotes_come_back_as_the_file_spells_them() -> None:
    out = run_json("-m", "stv-scottish", data("scotland/edinburgh_2022_ward5.blt"))
    assert len(out["winners"]) == 4
    assert all('"' in name for name in out["winners"])


def test_dublin_west_with_seats_and_seed() -> None:
    out = run_json("-m", "stv-irish", "--seats", "3", "--seed", "2002", data("irish2002/00001-00000002.soi"))
    assert out["winners"] == ["Brian Lenihan F.F.", "Joe Higgins S.P.", "Joan Burton Lab"]
    assert out["rounds"][0]["quota"] == 7498
    meek = run_json("-m", "stv-meek", "-k", "3", data("irish2002/00001-00000002.soi"))
    assert meek["winners"] == out["winners"]


def test_the_table_names_rounds_and_winners() -> None:
    result = run("-m", "irv", data("burlington2009/00005-00000002.toi"))
    assert result.exit_code == 0
    assert "Round 1" in result.stdout and "irv: elected - Bob Kiss" in result.stdout
    assert "2951" in result.stdout and "round 5: elimination of Andy Montroll" in result.stdout
    # Every round is shown, however narrow the console: the rounds are split over tables.
    assert all(f"Round {n}" in result.stdout for n in range(1, 6))


def test_csv_of_ranks_and_csv_of_totals(tmp_path: Path) -> None:
    ranks = tmp_path / "club.csv"
    ranks.write_text("Ann,Bob,Cy,weight\n1,2,,3\n2,1,,2\n,2,1,2\n")
    out = run_json("-m", "irv", str(ranks))
    assert out["winners"] == ["Bob"]  # Cy goes, Bob 4 against Ann 3
    totals = tmp_path / "totals.csv"
    totals.write_text("# seats: 1\nselection,count\nAnn,10\nBob,12\nCy,3\n")
    out = run_json("-m", "plurality", str(totals))
    assert out["winners"] == ["Bob"] and out["ballots_cast"] == 25


def test_xlsx_without_a_configuration(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Id", "Choice 1", "Choice 2", "Choice 3"])
    for row in [("1", "Ann ", "Bob", "undervote"), ("2", "Bob", "overvote", "Ann"), ("3", "Cy", "Ann", None),
                ("4", "Ann", "UWI", None), ("5", "Bob", None, None)]:
        sheet.append(list(row))
    path = tmp_path / "cvr.xlsx"
    book.save(path)
    out = run_json("-m", "irv", str(path))
    assert out["rounds"][0]["counts"] == {"Ann": 2, "Bob": 2, "Cy": 1, "Undeclared Write-ins": 0}
    assert [r["eliminated"] for r in out["rounds"][1:]] == [["Undeclared Write-ins"], ["Cy"]]
    assert out["winners"] == ["Ann"]


def test_format_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "ballots.txt"
    path.write_text("2 1\n3 1 0\n2 2 0\n0\nAnn\nBob\nTitle\n")
    assert run_json("-m", "irv", "--format", "blt", str(path))["winners"] == ["Ann"]
    assert run_json("-m", "irv", str(path))["winners"] == ["Ann"]  # recognised by content too


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("3 1\n1 1 2 0\n1 1 9 0\n0\nA\nB\nC\nT\n", "BLT line 3: candidate 9 is not between 1 and 3"),
        ("3 1\n1 1 2 0\n", "ends before the line '0'"),
        ("this is not a ballot file\n", "line 1"),
    ],
)
def test_a_malformed_file_gets_the_line_and_no_traceback(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "bad.blt"
    path.write_text(content)
    result = run("-m", "irv", str(path))
    assert result.exit_code == 2
    assert words in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output


def test_other_refusals(tmp_path: Path) -> None:
    missing = run("-m", "irv", str(tmp_path / "nope.blt"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    unknown = run("-m", "borda", data("burlington2009/00005-00000002.toi"))
    assert unknown.exit_code == 2 and "unknown counting method 'borda'" in unknown.stderr
    no_method = run(data("burlington2009/00005-00000002.toi"))
    assert no_method.exit_code == 2 and "--method" in no_method.stderr
    rules = tmp_path / "r.toml"
    rules.write_text("overvote = 'sometimes'\n")
    bad_option = run("-m", "irv", "--rules", str(rules), data("burlington2009/00005-00000002.toi"))
    assert bad_option.exit_code == 2 and "options.overvote" in bad_option.stderr
    rules.write_text("overvote = [\n")
    bad_toml = run("-m", "irv", "--rules", str(rules), data("burlington2009/00005-00000002.toi"))
    assert bad_toml.exit_code == 2 and "not valid TOML" in bad_toml.stderr
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_text("hello")
    bad_book = run("-m", "irv", str(not_xlsx))
    assert bad_book.exit_code == 2 and "not an Excel workbook" in bad_book.stderr
    two_seats = run("-m", "irv", "-k", "2", data("burlington2009/00005-00000002.toi"))
    assert two_seats.exit_code == 2 and "IRV fills one seat" in two_seats.stderr
    for result in (missing, unknown, no_method, bad_option, bad_toml, bad_book, two_seats):
        assert "Traceback" not in result.output
