"""Tabulation by batch for Hart and Dominion exports, as RCTab slices them.

RCTab's batch of a Hart record is its ``BatchNumber``; of a Dominion session, its
``BatchId`` (``HartCvrReader``, ``DominionCvrReader``). A batch report repeats the
contest's decisions (marked †) with the tallies of the batch's ballots alone, so
that an office can compare each batch's paper with its count. RCTab's test data has
no expected batch report for either provider; these cases are built from RCTab's
semantics: every batch named in the records gets a report, the batches' ballots add
up to the contest's in every round, and a record without a batch is refused (RCTab
aborts the tabulation on it).

The adversary: whoever supplies the export and gains if a batch's count hides ballots
of another batch (a batch that cannot be checked against its paper), or if a record
with no batch is quietly counted in none.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from test_rctab_readers import copy_case, edit_config, refused

from vybory.cli.rctab import count_rctab, detailed_csv
from vybory.rules.rctab import INACTIVE, RoundResult, Tabulation


def _ballots(rounds: list[RoundResult]) -> Decimal:
    first = rounds[0]
    return first.active + sum((first.inactive[s] for s in INACTIVE), Decimal(0))


def _batches_add_up(tabulation: Tabulation) -> None:
    batches = tabulation.batches
    for number, contest in enumerate(tabulation.rounds):
        for name, votes in contest.tally.items():
            assert sum((b[number].tally.get(name, Decimal(0)) for b in batches.values()), Decimal(0)) == votes
        for status in INACTIVE:
            assert sum((b[number].inactive[status] for b in batches.values()), Decimal(0)) == contest.inactive[status]
        for rounds in batches.values():
            # the contest's decisions, in every batch
            assert rounds[number].elected == contest.elected
            assert rounds[number].eliminated == contest.eliminated


def test_hart_batches_are_their_batch_numbers(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "hart_travis_county_officers")
    folder = tmp_path / "_shared" / "hart_cvr_archive"
    files = sorted(folder.glob("*.xml"))
    # the export has one batch; move a third of the records into batch 7 and a third into 12
    moved = {}
    for i, path in enumerate(files):
        batch = ("1", "7", "12")[i % 3]
        path.write_text(re.sub("<BatchNumber>1</BatchNumber>", f"<BatchNumber>{batch}</BatchNumber>",
                               path.read_text(encoding="utf-8-sig")), encoding="utf-8")
        moved[path.name] = batch
    edit_config(config, lambda c: c["outputSettings"].update(tabulateByBatch=True))
    count = count_rctab(config)
    tabulation = count.passes[0]
    contest_id = json.loads(config.read_text())["cvrFileSources"][0]["contestId"]
    with_contest = [p for p in files if f"<Id>{contest_id}</Id>" in p.read_text()]
    expected = {b: sum(1 for p in with_contest if moved[p.name] == b) for b in ("1", "7", "12")}
    assert {b: int(_ballots(r)) for b, r in tabulation.batches.items()} == {
        b: n for b, n in expected.items() if n}
    _batches_add_up(tabulation)
    report = detailed_csv(count, tabulation, tabulation.batches["7"], "7", "batch")
    assert "\r\nBatch,7\r\n" in report and "Eliminated\u2020" in report
    assert "All other results on this report are at the batch level." in report

    # a record without its BatchNumber is counted in no batch: refused, as RCTab aborts
    victim = next(p for p in with_contest)
    victim.write_text(re.sub("<BatchNumber>[0-9]+</BatchNumber>", "", victim.read_text()), encoding="utf-8")
    refused(config, "outputSettings.tabulateByBatch", "do not name their batches")


def test_dominion_batches_are_their_batch_ids(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "dominion_alaska")
    export = tmp_path / "_shared" / "dominion_alaska" / "alaska_input_data" / "CvrExport.json"
    data = json.loads(export.read_text())
    for i, session in enumerate(data["Sessions"]):
        session["BatchId"] = 100 + i % 4
    export.write_text(json.dumps(data))
    edit_config(config, lambda c: c["outputSettings"].update(tabulateByBatch=True))
    count = count_rctab(config)
    tabulation = count.passes[0]
    contest = json.loads(config.read_text())["cvrFileSources"][0]["contestId"]

    def counted(session: dict) -> bool:
        current = session["Original"] if session["Original"].get("IsCurrent", False) else session.get("Modified")
        if current is None:
            return False
        return any(str(c["Id"]) == contest and 7 not in (c.get("OutstackConditionIds") or [])
                   for card in current.get("Cards", [current]) for c in card["Contests"])

    expected: dict[str, int] = {}
    for session in data["Sessions"]:
        if counted(session):
            expected[str(session["BatchId"])] = expected.get(str(session["BatchId"]), 0) + 1
    assert {b: int(_ballots(r)) for b, r in tabulation.batches.items()} == expected
    assert len(expected) == 4
    _batches_add_up(tabulation)
    # the whole contest is the same count as without batches
    edit_config(config, lambda c: c["outputSettings"].update(tabulateByBatch=False))
    plain = count_rctab(config).passes[0]
    assert [r.tally for r in plain.rounds] == [r.tally for r in tabulation.rounds]

    edit_config(config, lambda c: c["outputSettings"].update(tabulateByBatch=True))
    del data["Sessions"][0]["BatchId"]
    export.write_text(json.dumps(data))
    refused(config, "outputSettings.tabulateByBatch", "do not name their batches")
