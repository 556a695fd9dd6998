"""RCTab configurations: a jurisdiction's set-up runs as is through `vybory count`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.rctab import irv_options, read_rctab
from vybory.errors import InvalidInput

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "elections"
MINNEAPOLIS = DATA / "minneapolis2013" / "2013_minneapolis_mayor_config.json"
PORTLAND = DATA / "portland2015" / "2015_portland_mayor_config.json"
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, ["count", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.slow
def test_minneapolis_2013_through_its_rctab_configuration() -> None:
    assert MINNEAPOLIS.exists(), f"real election data missing: {MINNEAPOLIS}"
    result = run("--method", "irv", "--rules", str(MINNEAPOLIS),
                 str(MINNEAPOLIS.parent / "2013_minneapolis_mayor_cvr.xlsx"), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["winners"] == ["BETSY HODGES"] and out["status"] == "elected"
    first = out["rounds"][0]
    assert sum(first["counts"].values()) + first["exhausted"] == 80101
    # Maine rules: undeclared write-ins go first, then batch elimination.
    assert out["rounds"][1]["eliminated"] == ["Undeclared Write-ins"]
    assert any(len(r["eliminated"]) > 1 for r in out["rounds"])
    assert out["details"]["options"]["max_ranks"] == 3


def test_portland_2015_configuration_without_naming_the_records() -> None:
    assert PORTLAND.exists(), f"real election data missing: {PORTLAND}"
    result = run("-m", "irv", "--rules", str(PORTLAND), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    config = json.loads(PORTLAND.read_text())
    names = {c["name"] for c in config["candidates"]}
    assert len(out["winners"]) == 1 and out["winners"][0] in names
    # The records name candidates with a trailing space; the outcome uses the configuration's names.
    assert set(out["rounds"][0]["counts"]) == names
    assert sum(out["rounds"][0]["counts"].values()) + out["rounds"][0]["exhausted"] == 99
    # tiebreakMode useCandidateOrder: the candidate listed later is eliminated, and it is recorded.
    ties = [t for r in out["rounds"] for t in r["ties"]]
    assert ties and all(t["rule"] == "candidate_order" for t in ties)
    order = [c["name"] for c in config["candidates"]]
    for t in ties:
        assert t["chosen"] == [max(t["candidates"], key=order.index)]


def test_the_rules_map_to_irv_options() -> None:
    config = json.loads(MINNEAPOLIS.read_text())
    assert irv_options(config) == {
        "overvote": "exhaust_immediately", "duplicates": "skip", "batch_elimination": True,
        "continue_until_two": False, "tiebreak": "draw", "max_skipped_ranks": 1, "max_ranks": 3,
    }
    rules = config["rules"]
    changed = copy.deepcopy(config)
    changed["rules"].update(overvoteRule="alwaysSkipToNextRank", maxSkippedRanksAllowed="unlimited",
                            maxRankingsAllowed="max", exhaustOnDuplicateCandidate=True,
                            continueUntilTwoCandidatesRemain="true", minimumVoteThreshold="50",
                            tiebreakMode="previousRoundCountsThenRandom")
    assert irv_options(changed) == {
        "overvote": "always_skip_to_next_rank", "duplicates": "exhaust", "batch_elimination": True,
        "continue_until_two": True, "tiebreak": "previous_rounds_then_draw", "minimum_votes": 50,
    }
    assert rules["tiebreakMode"] == "random"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"winnerElectionMode": "multiWinnerAllowMultipleWinnersPerRound"}, "rules.winnerElectionMode",
         "not supported"),
        ({"numberOfWinners": "3"}, "rules.numberOfWinners", "one winner"),
        ({"overvoteRule": "whatever"}, "rules.overvoteRule", "not one of"),
        ({"tiebreakMode": "coinToss"}, "rules.tiebreakMode", "not one of"),
        ({"maxSkippedRanksAllowed": "two"}, "rules.maxSkippedRanksAllowed", "whole number"),
        ({"batchElimination": "maybe"}, "rules.batchElimination", "true or false"),
        ({"stopTabulationEarlyAfterRound": "3"}, "rules.stopTabulationEarlyAfterRound", "not supported"),
    ],
)
def test_unsupported_or_malformed_rules_are_refused(change: dict, field: str, words: str) -> None:
    config = json.loads(MINNEAPOLIS.read_text())
    config["rules"].update(change)
    with pytest.raises(InvalidInput) as caught:
        irv_options(config)
    assert caught.value.field == field and words in str(caught.value)


def small_config(tmp_path: Path, rows: list[tuple], **rules) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Precinct", "Choice 1", "Choice 2", "Choice 3"])
    for row in rows:
        sheet.append(list(row))
    book.save(tmp_path / "cvr.xlsx")
    config = {
        "outputSettings": {"contestName": "Small town"},
        "cvrFileSources": [{"filePath": "cvr.xlsx", "firstVoteColumnIndex": "2", "firstVoteRowIndex": "2",
                            "provider": "ess", "overvoteLabel": "overvote", "skippedRankLabel": "undervote",
                            "undeclaredWriteInLabel": "UWI"}],
        "candidates": [{"name": "Ann", "excluded": False, "aliases": ["A. Nonymous"]},
                       {"name": "Bob", "excluded": False},
                       {"name": "Cy", "excluded": True}],
        "rules": {"tiebreakMode": "random", "overvoteRule": "exhaustImmediately",
                  "winnerElectionMode": "singleWinnerMajority", "randomSeed": "7", "numberOfWinners": "1",
                  "maxSkippedRanksAllowed": "unlimited", "maxRankingsAllowed": "3", **rules},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_aliases_excluded_candidates_and_the_seed(tmp_path: Path) -> None:
    path = small_config(tmp_path, [("p1", "A. Nonymous", "Bob", None), ("p1", "Cy", "Bob", None),
                                   ("p2", "Ann", None, None), ("p2", "UWI", "Ann", None)])
    read = read_rctab(path)
    assert read.contest.name == "Small town" and read.contest.seed == b"7"
    assert read.contest.candidates == ("Ann", "Bob", "Cy", "Undeclared Write-ins")
    assert read.contest.options["withdrawn"] == ["Cy"]
    assert read.contest.options["undeclared_write_in"] == "Undeclared Write-ins"
    assert read_rctab(path, seed=b"other").contest.seed == b"other"
    out = json.loads(run("-m", "irv", "--rules", str(path), "--json").stdout)
    assert out["rounds"][0]["counts"] == {"Ann": 2, "Bob": 1, "Undeclared Write-ins": 1}
    assert out["winners"] == ["Ann"]


def test_bad_records_and_configurations_are_refused_clearly(tmp_path: Path) -> None:
    path = small_config(tmp_path, [("p1", "Ann", "Zed", None)])
    result = run("-m", "irv", "--rules", str(path))
    assert result.exit_code == 2
    assert "cell C2" in result.stderr and "'Zed' is neither a candidate" in result.stderr
    path = small_config(tmp_path, [("p1", "Ann", None, None)], overvoteRule="exhaustIfMultipleContinuing")
    result = run("-m", "irv", "--rules", str(path))
    assert result.exit_code == 2 and "exhaustIfMultipleContinuing" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"rules": {"overvoteRule": }')
    result = run("-m", "irv", "--rules", str(broken))
    assert result.exit_code == 2 and "not valid JSON" in result.stderr and "line 1" in result.stderr
    config = json.loads(small_config(tmp_path, [("p1", "Ann", None, None)]).read_text())
    config["cvrFileSources"][0]["provider"] = "dominion"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(config))
    result = run("-m", "irv", "--rules", str(other))
    assert result.exit_code == 2 and "provider 'dominion' is not supported" in result.stderr
    result = run("-m", "stv-meek", "--rules", str(other))
    assert result.exit_code == 2 and "--method irv" in result.stderr and "--method rctab" in result.stderr
    config["cvrFileSources"][0].update(provider="ess", filePath="missing.xlsx")
    other.write_text(json.dumps(config))
    result = run("-m", "irv", "--rules", str(other))
    assert result.exit_code == 2 and "missing.xlsx" in result.stderr
    for text in (result.output,):
        assert "Traceback" not in text
