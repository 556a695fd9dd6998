"""Bad configurations and bad cast vote records are refused, each with the field named.

The adversary: whoever hands the count its files (a vendor's export, an
office's configuration, anyone between them and the counting machine) and
gains if a malformed file is read as something other than it says — a record
silently dropped, a rank shifted, a rule quietly defaulted. Every case below
breaks one thing in an otherwise good file from RCTab's own test data and
requires a refusal (:class:`InvalidInput`, never another exception) whose
field and message name what is wrong.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rctabkit import write_contest

from vybory.cli.rctab import count_rctab
from vybory.errors import InvalidInput

DATA = Path(__file__).resolve().parent / "data"


def copy_case(tmp_path: Path, case: str) -> Path:
    """The case's folder and the shared files it reads, copied; returns its configuration."""
    shutil.copytree(DATA / case, tmp_path / case)
    config = json.loads((DATA / case / f"{case}_config.json").read_text())
    for source in config["cvrFileSources"]:
        parts = Path(source["filePath"]).parts
        if parts[0] == "..":
            # ../_shared/x or ../folder/...: the first folder (and x) beside the case
            keep = parts[1:3] if parts[1] == "_shared" else parts[1:2]
            target = tmp_path.joinpath(*keep)
            origin = DATA.joinpath(*keep)
            if not target.exists():
                target.parent.mkdir(exist_ok=True)
                (shutil.copytree if origin.is_dir() else shutil.copy)(origin, target)
    return tmp_path / case / f"{case}_config.json"


def refused(config: Path, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config)
    assert field in (caught.value.field or ""), (caught.value.field, caught.value.message)
    assert message in caught.value.message, (caught.value.field, caught.value.message)


def edit_config(config: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(config.read_text())
    change(data)
    config.write_text(json.dumps(data))
    return config


# --- the configuration ------------------------------------------------------------------------

RULES = [
    ("winnerElectionMode", "bogus", "rules.winnerElectionMode", "is not one of"),
    ("tiebreakMode", "coinToss", "rules.tiebreakMode", "is not one of"),
    ("overvoteRule", "ignore", "rules.overvoteRule", "is not one of"),
    ("numberOfWinners", "two", "rules.numberOfWinners", "whole number"),
    ("numberOfWinners", "0", "rules.numberOfWinners", "bottomsUpUsingPercentageThreshold"),
    ("randomSeed", "1.5", "rules.randomSeed", "whole number"),
    ("randomSeed", "140737488355328", "rules.randomSeed", "140737488355327"),
    ("decimalPlacesForVoteArithmetic", "0", "rules.decimalPlacesForVoteArithmetic", "1 to 20"),
    ("decimalPlacesForVoteArithmetic", "21", "rules.decimalPlacesForVoteArithmetic", "1 to 20"),
    ("maxSkippedRanksAllowed", "-1", "rules.maxSkippedRanksAllowed", "whole number"),
    ("maxRankingsAllowed", "0", "rules.maxRankingsAllowed", "at least 1"),
    ("maxRankingsAllowed", "all", "rules.maxRankingsAllowed", "whole number"),
    ("stopTabulationEarlyAfterRound", "0", "rules.stopTabulationEarlyAfterRound", "at least 1"),
    ("stopTabulationEarlyAfterRound", "soon", "rules.stopTabulationEarlyAfterRound", "whole number"),
    ("batchElimination", "yes", "rules.batchElimination", "true or false"),
    ("hareQuota", True, "rules.hareQuota", "cannot be used"),
    ("nonIntegerWinningThreshold", True, "rules.nonIntegerWinningThreshold", "cannot be used"),
    ("minimumVoteThreshold", "150", "rules.minimumVoteThreshold", "RCTab 2"),
    ("multiSeatBottomsUpPercentageThreshold", "ten", "rules.multiSeatBottomsUpPercentageThreshold", "number"),
]


# RCTab's ContestConfig.validate: what it requires and what each provider must leave blank
VALIDATION = [
    (lambda c: c["outputSettings"].pop("contestName"), "outputSettings.contestName", "requires"),
    (lambda c: c["outputSettings"].update(contestName=" "), "outputSettings.contestName", "requires"),
    *[(lambda c, k=key: c["rules"].pop(k), f"rules.{key}", "requires")
      for key in ("winnerElectionMode", "numberOfWinners", "decimalPlacesForVoteArithmetic",
                  "maxSkippedRanksAllowed", "maxRankingsAllowed")],
    (lambda c: c["cvrFileSources"][0].update(firstVoteColumnIndex=""), "firstVoteColumnIndex", "from 1 to 1000"),
    (lambda c: c["cvrFileSources"][0].update(firstVoteColumnIndex="1001"), "firstVoteColumnIndex", "from 1 to 1000"),
    (lambda c: c["cvrFileSources"][0].update(firstVoteRowIndex=""), "firstVoteRowIndex", "from 1 to 100000"),
    (lambda c: c["cvrFileSources"][0].update(firstVoteRowIndex="100001"), "firstVoteRowIndex", "from 1 to 100000"),
    (lambda c: c["cvrFileSources"][0].update(contestId="7"), "cvrFileSources[0].contestId", "must be blank"),
    (lambda c: c["cvrFileSources"].append(dict(c["cvrFileSources"][0])), "cvrFileSources[1].filePath",
     "cvrFileSources[0]'s file again"),
    (lambda c: c["cvrFileSources"][0].update(overvoteLabel="OV") or c["rules"].update(
        overvoteRule="exhaustIfMultipleContinuing"), "rules.overvoteRule", "with an overvoteLabel"),
]
CDF_VALIDATION = [
    *[({key: "2"}, f"cvrFileSources[0].{key}", "must be blank for provider 'cdf'")
      for key in ("firstVoteColumnIndex", "firstVoteRowIndex", "idColumnIndex", "precinctColumnIndex",
                  "batchColumnIndex", "skippedRankLabel")],
    ({"overvoteDelimiter": "//"}, "cvrFileSources[0].overvoteDelimiter", "must be blank for provider 'cdf'"),
    ({"treatBlankAsUndeclaredWriteIn": True}, "treatBlankAsUndeclaredWriteIn", "must be false"),
    ({"contestId": ""}, "cvrFileSources[0].contestId", "requires it for provider 'cdf'"),
    ({"filePath": "records.txt"}, "cvrFileSources[0].filePath", "a .json or .xml file"),
    ({"provider": "dominion", "overvoteLabel": "OV"}, "cvrFileSources[0].overvoteLabel",
     "must be blank for provider 'dominion'"),
]


@pytest.mark.parametrize(("change", "field", "message"), VALIDATION)
def test_what_rctab_refuses_in_a_configuration_is_refused(tmp_path: Path, change: Callable[[dict[str, Any]], object],
                                                          field: str, message: str) -> None:
    config = edit_config(write_contest(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]]), change)
    refused(config, field, message)


@pytest.mark.parametrize(("change", "field", "message"), CDF_VALIDATION)
def test_what_a_cdf_source_must_leave_blank_is_refused(tmp_path: Path, change: dict[str, Any], field: str,
                                                       message: str) -> None:
    from rctabkit import write_cdf_records

    source = write_cdf_records(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]])
    config = write_contest(tmp_path, ["A", "B"], [], source={**source, **change}, name="cdf.json")
    refused(config, field, message)
    # the same source, unchanged, is counted
    assert count_rctab(write_contest(tmp_path, ["A", "B"], [], source=source, name="plain.json")).passes


@pytest.mark.parametrize(("key", "value", "field", "message"), RULES)
def test_each_bad_rule_is_named(tmp_path: Path, key: str, value: Any, field: str, message: str) -> None:
    config = write_contest(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]], **{key: value})
    refused(config, field, message)


def test_random_tiebreaks_need_a_seed(tmp_path: Path) -> None:
    for mode in ("random", "previousRoundCountsThenRandom", "generatePermutation"):
        config = write_contest(tmp_path / mode, ["A", "B"], [["A"], ["B"]], tiebreakMode=mode, randomSeed="")
        refused(config, "rules.randomSeed", "give a randomSeed")


def test_bottoms_up_percentage_is_from_above_0_to_100(tmp_path: Path) -> None:
    for value in ("0", "100.5", "-3", "NaN"):
        config = write_contest(tmp_path / value, ["A", "B", "C"], [["A"], ["B"], ["C"]], numberOfWinners="0",
                               winnerElectionMode="bottomsUpUsingPercentageThreshold",
                               multiSeatBottomsUpPercentageThreshold=value)
        refused(config, "rules.multiSeatBottomsUpPercentageThreshold", "percentage")


def test_bad_candidates_and_sources(tmp_path: Path) -> None:
    config = write_contest(tmp_path, ["A", "B"], [["A"], ["B"], ["A"]])
    original = json.loads(config.read_text())
    cases: list[tuple[Callable[[dict[str, Any]], object], str, str]] = [
        (lambda c: c.pop("candidates"), "candidates", "lists its candidates"),
        (lambda c: c["candidates"].append({"name": " "}), "candidates[2]", "non-empty 'name'"),
        (lambda c: c["candidates"].append({"name": "A"}), "candidates[2]", "listed twice"),
        (lambda c: c["candidates"][0].update(excluded="perhaps"), "excluded", "true or false"),
        (lambda c: [x.update(excluded=True) for x in c["candidates"]], "candidates", "every candidate is excluded"),
        (lambda c: c.pop("cvrFileSources"), "cvrFileSources", "lists its cast vote record files"),
        (lambda c: c["cvrFileSources"].__setitem__(0, "records.csv"), "cvrFileSources[0]", "must be an object"),
        (lambda c: c["cvrFileSources"][0].pop("filePath"), "cvrFileSources[0]", "no filePath"),
        (lambda c: c["cvrFileSources"][0].update(provider="punchcard"), "provider", "is not one of"),
        (lambda c: c["cvrFileSources"][0].update(firstVoteColumnIndex="0"),
         "cvrFileSources[0].firstVoteColumnIndex", "from 1 to 1000"),
        (lambda c: c["cvrFileSources"][0].update(precinctColumnIndex="B"),
         "cvrFileSources[0].precinctColumnIndex", "whole number"),
        (lambda c: c["cvrFileSources"][0].update(overvoteDelimiter="and"),
         "cvrFileSources[0].overvoteDelimiter", "at least one character"),
        (lambda c: c["cvrFileSources"][0].update(overvoteDelimiter="\\"),
         "cvrFileSources[0].overvoteDelimiter", "backslash"),
        (lambda c: c["cvrFileSources"][0].update(overvoteDelimiter="|", overvoteLabel="OV"),
         "cvrFileSources[0].overvoteDelimiter", "must be blank"),
        (lambda c: c["cvrFileSources"][0].update(filePath="nowhere.csv"), "nowhere.csv", "no such file"),
        (lambda c: c.pop("rules"), "rules", "'rules' object"),
    ]
    for change, field, message in cases:
        data = json.loads(json.dumps(original))
        change(data)
        config.write_text(json.dumps(data))
        refused(config, field, message)


def test_garbage_configurations(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    for text, message in (("{\"rules\": ", "not valid JSON"), ("[1, 2]", "JSON object"), ("", "not valid JSON")):
        path.write_text(text)
        refused(path, str(path), message)
    path.write_bytes(b"\xff\xfe{}")
    refused(path, str(path), "UTF-8")


# --- the records, by provider -----------------------------------------------------------------

def test_ess_workbooks(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "test_set_overvote_delimiter")
    book = config.parent / "test_set_overvote_delimiter_cvr.xlsx"
    book.write_bytes(b"PK\x03\x04 this is no workbook")
    refused(config, "test_set_overvote_delimiter_cvr.xlsx", "not an Excel workbook")
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("hello.txt", "hi")
    refused(config, "test_set_overvote_delimiter_cvr.xlsx", "no xl/workbook.xml")


def test_ess_cells(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "test_set_overvote_delimiter")
    book = config.parent / "test_set_overvote_delimiter_cvr.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    strings = parts["xl/sharedStrings.xml"].decode()
    # A candidate nobody declared, written in a cell: named with its cell.
    assert "<t>B</t>" in strings
    parts["xl/sharedStrings.xml"] = strings.replace("<t>B</t>", "<t>Nobody Known</t>", 1).encode()
    with zipfile.ZipFile(book, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config)
    assert re.search(r"test_set_overvote_delimiter_cvr\.xlsx: cell [A-D][0-9]+$", caught.value.field or "")
    assert "'Nobody Known' is neither a candidate" in caught.value.message


def test_cdf_json(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "aliases_cdf_json")
    report = tmp_path / "_shared" / "cdf_json" / "cdf_json_file1_cvr.json"
    good = json.loads(report.read_text())
    cases: list[tuple[Callable[[dict[str, Any]], object], str, str]] = [
        (lambda d: d.pop("GpUnit"), "cdf_json_file1_cvr.json", "has no 'GpUnit'"),
        (lambda d: d.update(CVR={}), "cdf_json_file1_cvr.json", "'CVR' must be list"),
        (lambda d: d["Election"][0]["Contest"][0].update(Name="Other"), "contestId", "no Contest named"),
        (lambda d: d["Election"][0]["Contest"][0]["ContestSelection"][0].update(CandidateIds=[]),
         "ContestSelection[0]", "no CandidateIds"),
        (lambda d: d["Election"][0]["Contest"][0]["ContestSelection"][0].update(CandidateIds=["ghost"]),
         "ContestSelection[0]", "'ghost' is not in the Candidate list"),
        (lambda d: d["Election"][0]["Contest"][0]["ContestSelection"][0].update(CandidateIds=[[]]),
         "ContestSelection[0]", "CandidateIds must list candidate ids"),
        (lambda d: d["CVR"][0].update(CurrentSnapshotId="nope"), "CVR[0]", "no CVRSnapshot"),
        (lambda d: _first_selection(d).update(ContestSelectionId="ghost"), "CVR[0]", "'ghost' is not in the contest"),
        (lambda d: _first_position(d).update(Rank="first"), "CVR[0]", "Rank must be a whole number"),
        (lambda d: _first_position(d).update(Rank=0), "CVR[0]", "at least 1"),
    ]
    for change, field, message in cases:
        data = json.loads(json.dumps(good))
        change(data)
        report.write_text(json.dumps(data))
        refused(config, field, message)
    report.write_text('{"GpUnit": [')
    refused(config, "cdf_json_file1_cvr.json", "not valid JSON")


def _first_selection(doc: dict[str, Any]) -> dict[str, Any]:
    for snapshot in doc["CVR"][0]["CVRSnapshot"]:
        for contest in snapshot.get("CVRContest", []):
            if contest.get("CVRContestSelection"):
                return contest["CVRContestSelection"][0]
    raise AssertionError("the first record ranks nobody")


def _first_position(doc: dict[str, Any]) -> dict[str, Any]:
    selection = _first_selection(doc)
    selection.pop("Rank", None)
    return selection["SelectionPosition"][0]


def test_cdf_xml(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "unisyn_xml_cdf_city_mayor")
    report = tmp_path / "unisyn_cvrs" / "101-RCV-CVT_TEST_3_UNIOVS2103-2.xml"
    good = report.read_text()
    cases: list[tuple[Callable[[str], str], str, str]] = [
        (lambda t: t.replace("</CastVoteRecordReport>", ""), "2103-2.xml", "not valid XML"),
        (lambda t: t.replace(">For City C Mayor (1/3)<", ">Other<"), "contestId", "no Contest named"),
        (lambda t: re.sub(r"<ContestSelectionId>[^<]*", "<ContestSelectionId>ghost", t),
         "CVRContestSelection", "'ghost' is not in the contest"),
        (lambda t: re.sub(r"<BallotStyleUnitId>[^<]*", "<BallotStyleUnitId>ghost", t), "CVR[0]",
         "'ghost' is not a GpUnit"),
        (lambda t: re.sub(r"<CurrentSnapshotId>[^<]*", "<CurrentSnapshotId>ghost", t, count=1), "CVR[0]",
         "no CVRSnapshot"),
        (lambda t: re.sub(r"<Rank>[^<]*", "<Rank>first", t), "CVRContestSelection", "Rank must be a whole"),
    ]
    for change, field, message in cases:
        changed = change(good)
        assert changed != good
        report.write_text(changed)
        refused(config, field, message)


def test_dominion(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "dominion_alaska")
    folder = tmp_path / "_shared" / "dominion_alaska" / "alaska_input_data"
    export = folder / "CvrExport.json"
    good = json.loads(export.read_text())

    def first_mark(d: dict[str, Any]) -> dict[str, Any]:
        for session in d["Sessions"]:
            data = session["Original"]
            for card in data.get("Cards", [data]):
                for contest in card["Contests"]:
                    if contest["Id"] == 1 and contest["Marks"]:
                        return contest["Marks"][0]
        raise AssertionError("no mark")

    cases: list[tuple[Callable[[dict[str, Any]], object], str, str]] = [
        (lambda d: d.pop("Sessions"), "CvrExport.json", "has no 'Sessions'"),
        (lambda d: first_mark(d).update(CandidateId=999), "Marks", "candidate 999 is not a candidate"),
        (lambda d: first_mark(d).update(Rank="x"), "Marks", "Rank must be a whole number"),
        (lambda d: first_mark(d).update(Rank=99), "Marks", "rank 99, but the contest has"),
        (lambda d: first_mark(d).pop("CandidateId"), "Marks", "has no 'CandidateId'"),
        (lambda d: d["Sessions"][0]["Original"].update(PrecinctId=424242), "Sessions[0]",
         "precinct 424242 is not in PrecinctManifest.json"),
    ]
    for change, field, message in cases:
        data = json.loads(json.dumps(good))
        change(data)
        export.write_text(json.dumps(data))
        refused(config, field, message)
    export.write_text(json.dumps(good))
    edit_config(config, lambda c: c["cvrFileSources"][0].update(contestId="77"))
    refused(config, "contestId", "'77' is not in ContestManifest.json")
    edit_config(config, lambda c: c["cvrFileSources"][0].update(contestId="1"))
    (folder / "CandidateManifest.json").unlink()
    refused(config, "CandidateManifest.json", "missing from the Dominion export")


def test_a_dominion_manifest_is_read_as_strictly_as_the_records(tmp_path: Path) -> None:
    # A manifest that names its list twice (a reader that keeps the last would map the candidate
    # ids through a list nobody sees first), or that holds NaN, is refused like a CvrExport.
    config = copy_case(tmp_path, "dominion_alaska")
    manifest = tmp_path / "_shared" / "dominion_alaska" / "alaska_input_data" / "CandidateManifest.json"
    good = manifest.read_text(encoding="utf-8-sig")
    listed = json.loads(good)["List"]
    manifest.write_text(json.dumps({"List": listed[::-1]})[:-1] + ", " + json.dumps({"List": listed})[1:])
    refused(config, "CandidateManifest.json", "the key 'List' appears twice")
    manifest.write_text(json.dumps({"List": listed}).replace('"Id": 1,', '"Id": NaN,', 1))
    refused(config, "CandidateManifest.json", "NaN is not JSON")
    manifest.write_text(good)
    assert count_rctab(config).ballots > 0


def test_clear_ballot(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "clear_ballot_kansas_primary")
    records = config.parent / "clear_ballot_kansas_primary.cvr.csv"
    lines = records.read_text().splitlines()
    header, first = lines[0], lines[1]
    cells = first.split(",")
    cases = [
        ([header.replace(":Democratic Primary:1:", ":Democratic Primary:one:", 1), *lines[1:]], "row 1",
         "is not a number"),
        ([header.replace("Choice_1_1:Democratic Primary:1:Vote For 1:", "Choice_1_1:Bad", 1), *lines[1:]],
         "row 1", "is not RCV:contest:rank:rule:choice:party"),
        ([header, ",".join(cells[:10] + ["x"] + cells[11:]), *lines[2:]], "row 2", "'x' is not a number"),
        ([""], "clear_ballot_kansas_primary.cvr.csv", "no header row"),
    ]
    for text, field, message in cases:
        records.write_text("\n".join(text) + "\n")
        refused(config, field, message)


def test_hart(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "hart_travis_county_officers")
    folder = tmp_path / "_shared" / "hart_cvr_archive"
    victim = min(folder.glob("*.xml"))
    victim.write_text("<Cvr><Contests>")
    refused(config, victim.name, "not valid XML")


def test_generic_csv(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "generic_csv_test")
    records = config.parent / "generic_csv_test_cvr.csv"
    lines = records.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    cases = [
        ([",".join(header[:4] + [""] + header[5:]), *lines[1:]], "row 1", "has no candidate name"),
        ([lines[0], ",".join(row[:4] + ["second"] + row[5:]), *lines[2:]], "row 2, column 5", "is not a rank"),
        ([lines[0], ",".join(row[:4] + ["0"] + row[5:]), *lines[2:]], "row 2", "at least 1"),
        ([lines[0], ",".join(row + ["3"]), *lines[2:]], "row 2", "under no candidate's column"),
        ([",".join(header[:4] + ["Zucchini"] + header[5:]), *lines[1:]], "row 2", "'Zucchini' is neither"),
    ]
    for text, field, message in cases:
        records.write_text("\n".join(text) + "\n")
        refused(config, field, message)
    records.write_text("")
    refused(config, "generic_csv_test_cvr.csv", "no header row")
    records.write_bytes(b"id,A\n1,\xff\n")
    refused(config, "generic_csv_test_cvr.csv", "UTF-8")


def test_records_with_more_ranks_than_allowed(tmp_path: Path) -> None:
    config = write_contest(tmp_path, ["A", "B", "C"], [["A", "B", "C"], ["B"]], maxRankingsAllowed="2")
    refused(config, "rules.maxRankingsAllowed", "maxRankingsAllowed is 2")


GARBAGE = [b"", b"\x00\x01\x02garbage", b"{}", b"[]", b"<x/>", b"PK\x05\x06" + b"\x00" * 18, "é,ü\n".encode()]


@pytest.mark.parametrize("case", ["aliases_ess_xlsx", "aliases_cdf_json", "nist_xml_cdf_2",
                                  "clear_ballot_kansas_primary", "generic_csv_test"])
def test_garbage_records_never_crash(tmp_path: Path, case: str) -> None:
    config = copy_case(tmp_path, case)
    source = json.loads(config.read_text())["cvrFileSources"][0]
    target = (config.parent / source["filePath"]).resolve()
    for i, junk in enumerate(GARBAGE):
        target.write_bytes(junk)
        with pytest.raises(InvalidInput) as caught:
            count_rctab(config)
        assert caught.value.field, (i, caught.value.message)


def test_slices_rctab_cannot_make_are_refused(tmp_path: Path) -> None:
    cdf = copy_case(tmp_path / "cdf", "aliases_cdf_json")
    edit_config(cdf, lambda c: c["outputSettings"].update(tabulateByPrecinct=True))
    refused(cdf, "cvrFileSources[0].provider", "CDF records by precinct or batch")
    ess = copy_case(tmp_path / "ess", "batch_example")
    edit_config(ess, lambda c: c["cvrFileSources"][0].update(batchColumnIndex=""))
    refused(ess, "cvrFileSources[0].batchColumnIndex", "tabulateByBatch needs batchColumnIndex")
    edit_config(ess, lambda c: c["outputSettings"].update(tabulateByBatch="sometimes"))
    refused(ess, "outputSettings.tabulateByBatch", "true or false")
    generic = write_contest(tmp_path / "generic", ["A", "B"], [["A"], ["B"], ["A"]],
                            output={"tabulateByBatch": True})
    refused(generic, "outputSettings.tabulateByBatch", "do not name their batches")


def test_ess_records_need_their_identifier(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "tiebreak_seed_test")
    edit_config(config, lambda c: c["cvrFileSources"][0].update(idColumnIndex="9"))
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config)
    assert re.search(r"tiebreak_cvr\.xlsx: cell I2$", caught.value.field or ""), caught.value.field
    assert "no identifier" in caught.value.message
