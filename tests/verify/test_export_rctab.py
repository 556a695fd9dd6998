"""A verified record's ranked ballots exported for RCTab give the record's own result.

The adversary: an office (or anyone between the record and the office's RCTab) who
recounts a vybory election in RCTab and reports "RCTab disagrees" — or the other way,
an export that quietly drops or changes ballots so that RCTab's count agrees with a
wrong declared result. The export is taken from the verified record only (a record
that fails any check exports nothing), and RCTab's rules (``vybory count --rules``)
on the exported files must give the declared rounds and winner.
"""

from __future__ import annotations

import copy
import json
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from ranked import build, files_of
from tamper import load, rechain, record_files, to_lines
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.rctab import count_rctab, to_outcome
from vybory.cli.rctab_export import RankedContest, export_rctab, rctab_rules
from vybory.errors import InvalidInput
from vybory.verify.jobs import check_sequentially

pytestmark = pytest.mark.xdist_group("verify-record")


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return build().lines()


def _declared(lines: list[bytes], contest: str) -> dict[str, Any]:
    for line in lines:
        event = json.loads(line)
        if event["kind"] == "outcome_declared":
            return next(e["outcome"] for e in event["payload"]["outcomes"] if e["contest"] == contest)
    raise AssertionError("no outcome declared")


def test_rctab_on_the_export_gives_the_records_result(lines: list[bytes], tmp_path: Path) -> None:
    written, skipped = export_rctab(record_files(files_of(lines)), tmp_path, checker=check_sequentially)
    assert sorted(p.name for p in written) == ["chair_round1_config.json", "chair_round1_cvr.json"]
    # the Scottish STV contest is not RCTab's STV: said, not exported
    assert len(skipped) == 1 and "board" in skipped[0] and "stv-scottish" in skipped[0]
    declared = _declared(lines, "chair")
    count = count_rctab(tmp_path / "chair_round1_config.json")
    ours = to_outcome(count)
    assert ours.winners == declared["winners"]
    assert len(ours.rounds) == len(declared["rounds"])
    for rctab_round, record_round in zip(ours.rounds, declared["rounds"], strict=True):
        rctab_counts = {k: v for k, v in rctab_round.counts.items() if v}
        record_counts = {k: Fraction(v) for k, v in record_round["counts"].items() if Fraction(v)}
        assert rctab_counts == record_counts
    # RCTab names a round's eliminations in the round that decided them, vybory in the round
    # they make: the same candidates, in the same order
    assert [c for r in ours.rounds for c in r.eliminated] == [c for r in declared["rounds"] for c in r["eliminated"]]
    # every weighted ballot is there: weights 1, 1, 2, 1, 1, 1, 3 and one blank ballot
    report = json.loads((tmp_path / "chair_round1_cvr.json").read_text())
    assert len(report["CVR"]) == 11 == ours.ballots_cast


def test_a_record_that_fails_a_check_exports_nothing(lines: list[bytes], tmp_path: Path) -> None:
    events = load(lines)
    decrypted = next(e for e in events if e["kind"] == "tally_decrypted")
    chair = next(c for c in decrypted["payload"]["contests"] if c["contest"] == "chair")
    # a forged decryption: one ballot's ranking moved from its second choice to another
    victim = next(r for r in chair["rankings"] if len(r.get("ranking") or []) == 2 and r["ranking"][1])
    victim["ranking"] = [victim["ranking"][0], next(c for c in ("Ada", "Boyd", "Cleo")
                                                   if c not in victim["ranking"])]
    events = copy.deepcopy(events)
    rechain(events)
    with pytest.raises(InvalidInput) as caught:
        export_rctab(record_files(files_of(to_lines(events))), tmp_path / "out", checker=check_sequentially)
    assert "does not verify" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_only_irv_options_rctab_has_are_exported() -> None:
    base = RankedContest("c", "C", 1, ("A", "B"), "irv", {}, ((("A",), 1),), {})
    rules = rctab_rules(base)
    assert rules["tiebreakMode"] == "previousRoundCountsThenAsk" and rules["maxRankingsAllowed"] == "max"
    for options, field in (({"minimum_votes": 3}, "options.minimum_votes"),
                           ({"undeclared_write_in": "B"}, "options.undeclared_write_in")):
        with pytest.raises(InvalidInput) as caught:
            rctab_rules(RankedContest("c", "C", 1, ("A", "B"), "irv", options, (), {}))
        assert caught.value.field == field
    with pytest.raises(InvalidInput) as caught:
        rctab_rules(RankedContest("c", "C", 1, ("A", "B"), "schulze", {}, (), {}))
    assert "schulze" in caught.value.message
    mapped = rctab_rules(RankedContest("c", "C", 1, ("A", "B"), "irv", {
        "tiebreak": "candidate_order", "max_skipped_ranks": 0, "duplicates": "exhaust", "max_ranks": 3,
        "batch_elimination": True, "overvote": "always_skip_to_next_rank"}, (), {}))
    assert (mapped["tiebreakMode"], mapped["maxSkippedRanksAllowed"], mapped["exhaustOnDuplicateCandidate"],
            mapped["maxRankingsAllowed"], mapped["batchElimination"], mapped["overvoteRule"]) == (
        "useCandidateOrder", "0", True, "3", True, "alwaysSkipToNextRank")


def test_cli(lines: list[bytes], tmp_path: Path) -> None:
    record = tmp_path / "record.zip"
    with zipfile.ZipFile(record, "w") as archive:
        for name, data in files_of(lines).items():
            archive.writestr(name, data)
    runner = CliRunner()
    result = runner.invoke(app, ["export-rctab", str(record), "--output", str(tmp_path / "out"),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "chair_round1_cvr.json").exists()
    counted = runner.invoke(app, ["count", "--rules", str(tmp_path / "out" / "chair_round1_config.json"), "--json"])
    assert counted.exit_code == 0, counted.output
    assert json.loads(counted.stdout)["winners"] == _declared(lines, "chair")["winners"]
    wrong = runner.invoke(app, ["export-rctab", str(record), "--output", str(tmp_path / "x"), "--contest", "board",
                                "--workers", "1"])
    assert wrong.exit_code == 2 and "stv-scottish" in wrong.output and "Traceback" not in wrong.output
    missing = runner.invoke(app, ["export-rctab", str(tmp_path / "nothing.zip"), "--output", str(tmp_path / "y")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


@pytest.mark.parametrize("tiebreak", ["draw", "previous_rounds_then_draw"])
def test_ties_the_draw_settled_are_answered_as_the_record_did(tmp_path: Path, tiebreak: str) -> None:
    """RCTab cannot redo vybory's draw: the export asks RCTab's operator, and the choices it
    lists (in order) give the record's count, whichever way the draw fell."""
    from vybory import rules as registry
    from vybory.cli.rctab_export import export_contest, tie_choices
    from vybory.rules.base import Contest, RankedBallot

    candidates = ("Ada", "Boyd", "Cleo", "Dana")
    # round 1: Cleo and Dana tie for last; later Ada and Boyd tie too
    rankings = [(("Ada",), 3), (("Boyd",), 3), (("Cleo", "Ada"), 1), (("Dana", "Boyd"), 1), ((), 1)]
    seen = set()
    for seed in (b"s1", b"s2", b"s3", b"s4", b"s5", b"s6"):
        contest = Contest(name="c", candidates=candidates, seats=1, options={"tiebreak": tiebreak}, seed=seed)
        outcome = registry.count("irv", contest, ballots=[RankedBallot(tuple((n,) for n in r), w)
                                                          for r, w in rankings]).to_json()
        choices = tie_choices(outcome)
        assert choices, outcome
        seen.add(tuple(choices))
        exported = RankedContest("c", "C", 1, candidates, "irv", {"tiebreak": tiebreak},
                                 tuple((tuple(r), w) for r, w in rankings), outcome)
        folder = tmp_path / seed.decode()
        _, config = export_contest(_Titled(), exported, folder)  # type: ignore[arg-type]
        assert json.loads(config.read_text())["rules"]["rulesDescription"].endswith(": " + "; ".join(choices))
        count = count_rctab(config, choices=tuple(choices))
        ours = to_outcome(count)
        assert ours.winners == outcome["winners"]
        rctab_out = [c for r in ours.rounds for c in r.eliminated]
        vybory_out = [c for r in outcome["rounds"] for c in r["eliminated"]]
        # vybory eliminates one of the last two tied candidates, RCTab elects the other
        assert vybory_out[:len(rctab_out)] == rctab_out and len(vybory_out) - len(rctab_out) <= 1
        with pytest.raises(InvalidInput):
            count_rctab(config)  # without the answers RCTab's operator would give, the count stops
    assert len(seen) > 1, "every seed drew alike: the test would not tell a replayed draw from a fixed one"


class _Titled:
    title = "Test election"
