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
