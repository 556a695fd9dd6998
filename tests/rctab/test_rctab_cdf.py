"""RCTab's "Convert to CDF": a configuration's records as the CDF JSON report RCTab writes.

The adversary: whoever converts an office's records (a vendor's export) into the common
format others recount from, and gains if the converted report says other than the
records: a ranking moved, a record left out, a name changed. RCTab's own converted
reports are the reference, byte for byte but for the date and the writing program.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_rctab_readers import copy_case, edit_config
from typer.testing import CliRunner

from vybory.cli.cvr import Names, Source, read_cdf_json, safe_name
from vybory.cli.main import app
from vybory.cli.rctab import count_rctab, summaries
from vybory.cli.rctab_cdf import cdf_text, convert_to_cdf, selection_id
from vybory.errors import InvalidInput
from vybory.rules.rctab import OVERVOTE, UWI

DATA = Path(__file__).resolve().parent / "data"
CONVERSIONS = ["conversions_from_ess", "conversions_from_cdf"]


@pytest.mark.parametrize("case", CONVERSIONS)
def test_conversion_is_rctabs_byte_for_byte(case: str) -> None:
    folder = DATA / case
    expected = (folder / f"{case}_expected_cdf_cvr.json").read_text(encoding="utf-8")
    want = json.loads(expected)
    ours = convert_to_cdf(folder / f"{case}_config.json", generated="2026-01-01T00:00:00Z")
    assert ours["ReportingDevice"][0]["Application"] == "vybory"
    # the two fields that must differ: when, and which program
    ours["GeneratedDate"], ours["ReportingDevice"] = want["GeneratedDate"], want["ReportingDevice"]
    assert cdf_text(ours) == expected.rstrip("\n") + "\n"


def test_the_converted_report_counts_as_the_records(tmp_path: Path) -> None:
    """RCTab reading the converted report back gets the same rounds (ES&S -> CDF -> count)."""
    config = copy_case(tmp_path, "conversions_from_ess")
    before = summaries(count_rctab(config))[0]["results"]
    report = tmp_path / "converted.json"
    report.write_text(cdf_text(convert_to_cdf(config)))
    data = json.loads(config.read_text())
    data["cvrFileSources"] = [{"filePath": str(report), "provider": "cdf", "contestId": "Tiebreak test",
                               "overvoteLabel": "overvote"}]
    config.write_text(json.dumps(data))
    assert summaries(count_rctab(config))[0]["results"] == before
    names = [c["name"] for c in data["candidates"]]
    records = list(read_cdf_json(Source("cdf", report, contest_id="Tiebreak test", overvote_label="overvote"),
                                 Names({n: n for n in names})))
    assert len(records) == 10


def test_cli_writes_the_report(tmp_path: Path) -> None:
    case = DATA / "conversions_from_cdf"
    runner = CliRunner()
    result = runner.invoke(app, ["count", "--rules", str(case / "conversions_from_cdf_config.json"),
                                 "--format", "cdf", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "Aliases_test__JSON_CDF_Format__cdf_cvr.json"
    report = json.loads(written.read_text())
    assert len(report["CVR"]) == 30 and report["GeneratedDate"].endswith("Z")
    printed = runner.invoke(app, ["count", "--rules", str(case / "conversions_from_cdf_config.json"),
                                  "--format", "cdf"])
    assert printed.exit_code == 0 and json.loads(printed.stdout)["CVR"] == report["CVR"]
    misuse = runner.invoke(app, ["count", "--rules", str(case / "conversions_from_cdf_config.json"),
                                 "--format", "cdf", "--json"])
    assert misuse.exit_code == 2 and "--json" in misuse.output and "Traceback" not in misuse.output


def test_dominion_conversion_is_rctabs_byte_for_byte() -> None:
    """RCTab's convertToCdfFromDominion: records named TabulatorId-BatchId-RecordId, their
    selections by the export's candidate codes (RCTab keeps them unmapped). RCTab's 2 MB
    report is kept compressed."""
    case = "conversions_from_dominion"
    expected = gzip.decompress((DATA / case / f"{case}_expected_cdf_cvr.json.gz").read_bytes()).decode()
    want = json.loads(expected)
    ours = convert_to_cdf(DATA / case / f"{case}_config.json", generated="2026-01-01T00:00:00Z")
    ours["GeneratedDate"], ours["ReportingDevice"] = want["GeneratedDate"], want["ReportingDevice"]
    assert cdf_text(ours) == expected.rstrip("\n") + "\n"


@pytest.mark.parametrize(("case", "field"), [("hart_cedar_park_school_board", "CvrGuid"),
                                             ("clear_ballot_kansas_primary", "BallotID"),
                                             ("clear_ballot_with_inline_comma", "BallotID")])
def test_vendor_records_are_converted_under_the_vendors_ids(case: str, field: str, tmp_path: Path) -> None:
    """Hart and Clear Ballot (RCTab's suite keeps no converted report of either): each record
    is named by the vendor's id and its selections are its rankings, read back through the
    configuration's names and aliases, record for record, in the order RCTab reads them."""
    config = DATA / case / f"{case}_config.json"
    report = convert_to_cdf(config)
    count = count_rctab(config, audit=tmp_path)
    rows = list(csv.reader(io.StringIO(count.written[0].read_text(encoding="utf-8"), newline="")))[1:]
    assert [r["BallotPrePrintedId"] for r in report["CVR"]] == [safe_name(row[3]) for row in rows]
    assert len(report["CVR"]) == count.ballots
    data = json.loads(config.read_text())
    back = {selection_id(n): n for n in [UWI, OVERVOTE]}
    for candidate in data["candidates"]:
        for alias in [candidate["name"], *candidate.get("aliases", [])]:
            back[selection_id(alias)] = candidate["name"]
    label = data["cvrFileSources"][0].get("undeclaredWriteInLabel", "")
    for record, row in zip(report["CVR"], rows, strict=True):
        ranks: dict[int, list[str]] = {}
        for selection in record["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"]:
            for position in selection["SelectionPosition"]:
                ranks.setdefault(position["Rank"], []).append(back[selection["ContestSelectionId"]])
        cells = [c for c in row[9:]]
        for rank, cell in enumerate(cells, 1):
            names = sorted(label if n == UWI else n for n in ranks.get(rank, []))
            assert sorted(cell.split("\n")) == (names or ["undervote"]), (record["BallotPrePrintedId"], rank)


def test_a_bad_record_stops_the_conversion(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "conversions_from_ess")
    edit_config(config, lambda c: c["candidates"].pop(0))
    with pytest.raises(InvalidInput) as caught:
        convert_to_cdf(config)
    assert "simple_ess_cvr.xlsx" in (caught.value.field or "") and "is neither a candidate" in caught.value.message
    edit_config(config, lambda c: c["cvrFileSources"][0].update(filePath="nowhere.xlsx"))
    with pytest.raises(InvalidInput) as caught:
        convert_to_cdf(config)
    assert "nowhere.xlsx" in (caught.value.field or "")


@pytest.mark.parametrize("case", ["aliases_cdf_json", "2015_portland_mayor", "dominion_alaska", "generic_csv_test"])
def test_the_progress_counts_every_record_read(case: str) -> None:
    """The progress line is told of every record (the CDF reader while it reads the file,
    before it makes any record), and of no record twice."""
    told: list[int] = []
    count = count_rctab(DATA / case / f"{case}_config.json", progress=told.append)
    assert sum(told) == count.ballots and all(n >= 0 for n in told)


# --- the per-round report of a count (outputSettings.generateCdfJson) ---------------------------

ROUND_REPORTS = ["aliases_cdf_json", "batch_example", "precinct_example", "test_set_0_skipped_first_choice",
                 "test_set_1_exhaust_at_overvote", "test_set_2_overvote_skip_to_next",
                 "test_set_3_skipped_choice_exhaust", "test_set_4_skipped_choice_next",
                 "test_set_5_two_skipped_choice_exhaust", "test_set_6_duplicate_exhaust",
                 "test_set_7_duplicate_skip_to_next", "test_set_8_multi_cdf",
                 "test_set_multi_winner_fractional_threshold", "test_set_multi_winner_whole_threshold"]


@pytest.mark.parametrize("case", ROUND_REPORTS)
def test_the_round_report_is_rctabs_byte_for_byte(case: str, tmp_path: Path) -> None:
    """Every RCTab test contest whose configuration sets generateCdfJson: ``vybory count
    --output`` writes RCTab's report, each record's snapshot after every round (whom it
    counts for, at what fraction, which positions are allocable), but for the date and the
    writing program. (RCTab's batch_example file has one ``}]`` its printer never writes
    — edited by hand; RCTab's own test compares it parsed.)"""
    folder = DATA / case
    result = CliRunner().invoke(app, ["count", "--rules", str(folder / f"{case}_config.json"),
                                      "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [written] = tmp_path.glob("*_cdf_cvr.json")
    ours = written.read_text(encoding="utf-8")
    expected = gzip.decompress((folder / f"{case}_expected_cdf_cvr.json.gz").read_bytes()).decode()
    want = json.loads(expected)
    assert json.loads(ours)["CVR"] == want["CVR"]
    date = json.loads(ours)["GeneratedDate"]
    expected = (expected.replace(want["GeneratedDate"], date).replace("}],", "} ],")
                .replace('"Application" : "RCTab"', '"Application" : "vybory"')
                .replace('"Manufacturer" : "Bright Spots"', '"Manufacturer" : "vybory"'))
    assert ours == expected.rstrip("\n") + "\n"


@pytest.mark.parametrize("case", ["test_set_multi_winner_fractional_threshold", "precinct_example",
                                  "test_set_6_duplicate_exhaust", "test_set_1_exhaust_at_overvote"])
def test_the_shares_add_up_to_each_rounds_tally(case: str, tmp_path: Path) -> None:
    """Round by round, the ballots' shares for each candidate still in the count add up to
    its tally; a winner's kept shares are at least its later tallies (the rest is residual
    surplus); no ballot is worth more than one vote. So the report says where every vote of
    the summary is."""
    config = DATA / case / f"{case}_config.json"
    assert count_rctab(config).cdf is None  # written with the reports only, into --output
    count = count_rctab(config, audit=tmp_path)
    assert count.cdf is not None and len(count.cdf.records) == count.ballots
    [tabulation] = count.passes
    for r in tabulation.rounds:
        held: dict[str, Decimal] = {}
        for _, cvr in count.cdf.records:
            shares = tabulation.allocation(cvr, r.number)
            assert sum((v for _, v in shares), Decimal(0)) <= 1
            for name, value in shares:
                held[name] = held.get(name, Decimal(0)) + value
        earlier = {w for p in tabulation.rounds[:r.number - 1] for w in p.elected}
        for name, votes in r.tally.items():
            if name in earlier:
                assert held[name] >= votes, (r.number, name)
            else:
                assert held.get(name, Decimal(0)) == votes, (r.number, name)
        assert set(held) <= set(r.tally) | earlier


def test_each_pass_of_multi_pass_irv_has_its_report(tmp_path: Path) -> None:
    """multiPassIrv: one report per pass (``<contest>_<pass>_cdf_cvr.json``), each with that
    pass's rounds, as RCTab writes one with each pass's summaries."""
    config = copy_case(tmp_path, "sequential_with_batch")
    edit_config(config, lambda c: c["outputSettings"].update(generateCdfJson=True))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["count", "--rules", str(config), "--output", str(out)])
    assert result.exit_code == 0, result.output
    reports = sorted(out.glob("*_cdf_cvr.json"))
    assert [p.name[-15:] for p in reports] == ["_1_cdf_cvr.json", "_2_cdf_cvr.json", "_3_cdf_cvr.json"]
    summaries_ = [json.loads(p.read_text()) for p in sorted(out.glob("*_detailed_report.json"))]
    for report, summary in zip(reports, summaries_, strict=True):
        data = json.loads(report.read_text())
        rounds = len(summary["results"])
        for record in data["CVR"]:
            assert len(record["CVRSnapshot"]) == rounds + 1
            assert record["CurrentSnapshotId"].endswith(f"-round-{rounds}")
        # the pass's winner holds the last round's ballots it counts for, allocable
        winner = next(a["elected"] for a in summary["results"][-1]["tallyResults"] if "elected" in a)
        last = summary["results"][-1]["tally"][winner]
        allocable = sum(1 for record in data["CVR"]
                        for s in record["CVRSnapshot"][-1]["CVRContest"][0]["CVRContestSelection"]
                        if s["ContestSelectionId"] == selection_id(winner)
                        for p in s["SelectionPosition"] if p["IsAllocable"] == "yes")
        assert Decimal(allocable) == Decimal(last)


def test_no_round_report_without_the_setting(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["count", "--rules", str(DATA / "sequential_with_batch" /
                                                              "sequential_with_batch_config.json"),
                                      "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob("*cdf*")) and list(tmp_path.glob("*_detailed_report.json"))


def test_records_alike_are_written_each_under_its_own_id(tmp_path: Path) -> None:
    """The report prints a distinct record once and puts each record's id into it; a
    candidate whose name is the stand-in for the id does not get the id instead."""
    from rctabkit import write_contest

    from vybory.cli.rctab_cdf import write_round_cdf

    stand_in = "vyboryRecordIdStandIn"
    ballots = [["A", stand_in]] * 3 + [[stand_in]] * 2 + [["A"]]
    config = write_contest(tmp_path, ["A", stand_in], ballots, output={"generateCdfJson": True})
    count = count_rctab(config, audit=tmp_path / "out")
    [path] = write_round_cdf(count, tmp_path / "out")
    report = json.loads(path.read_text())
    records = report["CVR"]
    assert [r["BallotPrePrintedId"] for r in records] == ["1", "2", "3", "4", "5", "6"]
    for i, record in enumerate(records, 1):
        assert [s["@id"] for s in record["CVRSnapshot"]] == [f"ballot-{i}"] + [
            f"ballot-{i}-round-{n}" for n in range(1, len(count.passes[0].rounds) + 1)]
        assert record["CurrentSnapshotId"] == record["CVRSnapshot"][-1]["@id"]
    names = {c["Name"] for c in report["Election"][0]["Candidate"]}
    assert stand_in in names
    chosen = {s["ContestSelectionId"] for s in records[3]["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"]}
    assert chosen == {"cs-" + stand_in.lower()}
