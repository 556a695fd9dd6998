"""RCTab's audit copy of the records (``rctab_cvr.csv``) and the ids the readers keep for it.

The adversary: whoever runs the count and publishes its files. An office keeps the
audit copy to show which records were counted and how each was read; a count that
dropped, moved or renamed a record, or credited a record to another tabulator, batch
or precinct, would publish a copy that no longer matches the vendor's export. The
checks: RCTab's own expected copies, byte for byte; each row read back against the
records the count counted and against the vendor's own fields, read from the export
here without vybory's readers; and a refused count leaves no copy behind.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_rctab_readers import copy_case, edit_config
from typer.testing import CliRunner

from vybory.cli.cvr import Names, RecordIds, read_source
from vybory.cli.main import app
from vybory.cli.rctab import _candidates, _sources, count_rctab, load_config, migrate
from vybory.cli.rctab_audit import csv_field, csv_line
from vybory.errors import InvalidInput
from vybory.rules.rctab import OVERVOTE, UWI, Cvr

DATA = Path(__file__).resolve().parent / "data"
CASES = ["conversions_from_ess", "conversions_from_cdf", "conversions_from_dominion"]


def audit(config: Path, folder: Path) -> tuple[Path, bytes]:
    count = count_rctab(config, audit=folder)
    (path,) = count.written
    return path, path.read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_audit_copy_is_rctabs_byte_for_byte(case: str, tmp_path: Path) -> None:
    """RCTab's TabulatorTests.convertToRctabCvrFrom{Ess,Cdf,Dominion}: the same bytes. Our
    copies of RCTab's files have LF line ends (RCTab's repository normalises them); RCTab's
    CSV printer writes CRLF, and so do we, on every line."""
    path, ours = audit(DATA / case / f"{case}_config.json", tmp_path)
    assert path.name.endswith("_rctab_cvr.csv") and path.parent == tmp_path
    expected = (DATA / case / f"{case}_expected.csv").read_bytes()
    assert ours.replace(b"\r\n", b"\n") == expected
    # every record ends in CRLF; a line break inside a cell (two names at one rank) stays LF
    assert ours.count(b"\r\n") == len(_rows(ours.decode())) and ours.endswith(b"\r\n")
    assert not list(tmp_path.glob("*.part"))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _records(config: Path, max_rankings: int | None) -> list[tuple[RecordIds, Cvr]]:
    data = migrate(load_config(config))
    names, _excluded, aliases = _candidates(data)
    out: list[tuple[RecordIds, Cvr]] = []
    for source in _sources(data, config.parent, None):
        lookup = Names({**{n: n for n in names}, **aliases})
        list(read_source(source, lookup, max_rankings, witness=lambda ids, cvr: out.append((ids, cvr))))
    return out


@pytest.mark.parametrize("case", ["hart_cedar_park_school_board", "clear_ballot_kansas_primary",
                                  "generic_csv_test", "test_set_overvote_delimiter", "precinct_example",
                                  "2015_portland_mayor", "dominion_alaska"])
def test_each_row_is_the_record_counted(case: str, tmp_path: Path) -> None:
    """Read back, the copy's rows are the counted records in order: same number, and at each
    rank the names the record holds (write-ins under the source's label, overvotes as
    "overvote", "undervote" where nothing is ranked)."""
    config = DATA / case / f"{case}_config.json"
    count = count_rctab(config, audit=tmp_path)
    rows = _rows(count.written[0].read_text(encoding="utf-8"))
    data = migrate(load_config(config))
    sources = _sources(data, config.parent, None)
    records = _records(config, count.rules.max_rankings)
    assert len(rows) - 1 == count.ballots == len(records)
    ranks = [h for h in rows[0][9:]]
    assert ranks == [f"Rank {r}" for r in range(1, len(ranks) + 1)]
    labels = {s.given_path: s.write_in_label for s in sources}
    for row, (ids, cvr) in zip(rows[1:], records, strict=True):
        assert row[3] == ids.record_id and row[6] == (ids.supplied or "")
        assert row[5] == (ids.batch or "") and row[7] == (ids.precinct or "") == (cvr.precinct or "")
        by_rank = dict(cvr.rankings)
        for rank, cell in enumerate(row[9:], 1):
            names = by_rank.get(rank)
            want = "undervote" if names is None else "\n".join(
                labels[row[0]] if n == UWI else n for n in names)
            assert cell == want, (row[3], rank)


def test_vendor_ids_come_from_the_export(tmp_path: Path) -> None:
    """Hart: every record's id is its file's CvrGuid, its batch the BatchNumber and its precinct
    portion the PrecinctSplit's Id, read here from the XML itself."""
    config = DATA / "hart_cedar_park_school_board" / "hart_cedar_park_school_board_config.json"
    rows = _rows(count_rctab(config, audit=tmp_path).written[0].read_text(encoding="utf-8"))[1:]
    folder = DATA / "_shared" / "hart_cvr_archive"
    want = {}
    for path in sorted(folder.glob("*.xml")):
        if "b651b997-417a-46d9-a676-a43d4df94ddc" not in path.read_text(encoding="utf-8"):
            continue  # a ballot without this contest
        root = ElementTree.parse(path).getroot()
        ns = root.tag.split("}")[0] + "}"
        split = root.find(f"{ns}PrecinctSplit")
        assert split is not None
        want[root.findtext(f"{ns}CvrGuid")] = (root.findtext(f"{ns}BatchNumber"), split.findtext(f"{ns}Id"),
                                               split.findtext(f"{ns}Name"))
    assert len(rows) == len(want)
    for row in rows:
        assert row[1] == "hart" and row[2] == "b651b997-417a-46d9-a676-a43d4df94ddc" and row[4] == ""
        assert (row[5], row[8], row[7]) == want[row[3]] and row[6] == row[3]


def test_clear_ballot_ids_and_tabulators(tmp_path: Path) -> None:
    case = "clear_ballot_kansas_primary"
    config = DATA / case / f"{case}_config.json"
    rows = _rows(count_rctab(config, audit=tmp_path).written[0].read_text(encoding="utf-8"))[1:]
    with (DATA / case / f"{case}.cvr.csv").open(encoding="utf-8", newline="") as handle:
        export = list(csv.DictReader(handle))
    assert [(r[3], r[4], r[7], r[2]) for r in rows] == [
        (e["BallotID"], e["ScanComputerName"], e["PrecinctID"], "Democratic Primary") for e in export]


def test_dominion_ids_join_tabulator_batch_and_record(tmp_path: Path) -> None:
    config = DATA / "dominion_alaska" / "dominion_alaska_config.json"
    rows = _rows(count_rctab(config, audit=tmp_path).written[0].read_text(encoding="utf-8"))[1:]
    export = json.loads((DATA / "_shared" / "dominion_alaska" / "alaska_input_data" / "CvrExport.json").read_text())
    portions = {p["Id"]: p["Description"] for p in json.loads(
        (DATA / "_shared" / "dominion_alaska" / "alaska_input_data" / "PrecinctPortionManifest.json").read_text())["List"]}
    by_id = {f"{s['TabulatorId']}-{s['BatchId']}-{s['RecordId']}": s for s in export["Sessions"]}
    assert rows and len({r[3] for r in rows}) == len(rows)
    for row in rows:
        session = by_id[row[3]]
        assert (row[4], row[5], row[6]) == (str(session["TabulatorId"]), str(session["BatchId"]),
                                            str(session["RecordId"]))
        assert row[8] == portions[session["Original"]["PrecinctPortionId"]]


def test_multi_pass_writes_one_copy_per_pass(tmp_path: Path) -> None:
    case = "sequential_with_batch"
    count = count_rctab(DATA / case / f"{case}_config.json", audit=tmp_path)
    assert len(count.written) == len(count.passes) > 1
    assert [p.name.rsplit("_rctab_cvr.csv")[0][-2:] for p in count.written] == [
        f"_{n}" for n in range(1, len(count.passes) + 1)]
    assert len({p.read_bytes() for p in count.written}) == 1


def test_overvote_label_and_several_names_at_a_rank(tmp_path: Path) -> None:
    """An overvote label is printed as RCTab's "overvote"; names split by the overvote
    delimiter share one quoted cell, one name a line."""
    _path, data = audit(DATA / "test_set_overvote_delimiter" / "test_set_overvote_delimiter_config.json", tmp_path)
    rows = _rows(data.decode())
    assert any("\n" in cell for row in rows for cell in row[9:])
    assert b'"' in data
    _path, data = audit(DATA / "2015_portland_mayor" / "2015_portland_mayor_config.json", tmp_path / "o")
    assert any(OVERVOTE in row[9:] for row in _rows(data.decode()))


@pytest.mark.parametrize(("value", "first", "printed"), [
    (None, True, ""), (None, False, ""), ("", True, '""'), ("", False, ""),
    ("plain", True, "plain"), ("a,b", False, '"a,b"'), ('say "x"', False, '"say ""x"""'),
    ("two\nlines", False, '"two\nlines"'), ("#hash", False, '"#hash"'), ("!bang", False, '"!bang"'),
    (" lead", False, '" lead"'), ("trail ", False, '"trail "'), ("tab\t", False, '"tab\t"'),
    ("$dollar", False, "$dollar"), ("Peltola, Mary S.", False, '"Peltola, Mary S."'),
    ("../_shared/x.xlsx", True, "../_shared/x.xlsx"),
])
def test_fields_are_quoted_as_commons_csv_quotes_them(value: str | None, first: bool, printed: str) -> None:
    assert csv_field(value, first) == printed
    if value:
        assert _rows(csv_line([value, "x"]))[0][0] == value


def test_a_refused_count_leaves_no_copy(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "conversions_from_ess")
    edit_config(config, lambda c: c["candidates"].pop(0))
    out = tmp_path / "out"
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config, audit=out)
    assert "is neither a candidate" in caught.value.message
    assert list(out.iterdir()) == []


def test_a_count_refused_after_reading_leaves_no_copy(tmp_path: Path) -> None:
    """The records read well, but the count stops at a tie nobody answered: nothing is kept."""
    config = copy_case(tmp_path, "tiebreak_seed_test")
    edit_config(config, lambda c: c["rules"].update(tiebreakMode="stopCountingAndAsk"))
    out = tmp_path / "out"
    with pytest.raises(InvalidInput):
        count_rctab(config, audit=out)
    assert list(out.iterdir()) == []


def _dominion(tmp_path: Path) -> tuple[Path, Path]:
    config = copy_case(tmp_path, "dominion_alaska")
    return config, tmp_path / "_shared" / "dominion_alaska" / "alaska_input_data" / "CvrExport.json"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("RecordId", None, "RecordId must be a whole number"), ("RecordId", "7", "RecordId must be a whole number"),
    ("TabulatorId", None, "TabulatorId must be a number or text"),
    ("BatchId", [1], "BatchId must be a number or text"),
])
def test_a_dominion_session_without_its_ids_is_refused(tmp_path: Path, key: str, value: object,
                                                       message: str) -> None:
    config, export = _dominion(tmp_path)
    data = json.loads(export.read_text())
    session = data["Sessions"][3]
    if value is None:
        del session[key]
    else:
        session[key] = value
    export.write_text(json.dumps(data))
    count_rctab(config)  # the count alone needs no ids
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config, audit=tmp_path / "out")
    assert message in caught.value.message and f"Sessions[3].{key}" in (caught.value.field or "")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_dominion_precinct_portion_not_in_the_manifest_is_refused(tmp_path: Path) -> None:
    config, export = _dominion(tmp_path)
    data = json.loads(export.read_text())
    data["Sessions"][5]["Original"]["PrecinctPortionId"] = 987654
    export.write_text(json.dumps(data))
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config)
    assert "987654" in caught.value.message and "Sessions[5].PrecinctPortionId" in (caught.value.field or "")


def test_a_hart_record_without_its_guid_is_refused(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "hart_cedar_park_school_board")
    folder = tmp_path / "_shared" / "hart_cvr_archive"
    victim = sorted(folder.glob("*.xml"))[2]
    text = victim.read_text(encoding="utf-8")
    start, end = text.index("<CvrGuid>"), text.index("</CvrGuid>") + len("</CvrGuid>")
    victim.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config, audit=tmp_path / "out")
    assert "CvrGuid" in caught.value.message and victim.name in (caught.value.field or "")


def test_a_cdf_record_whose_vendor_id_is_not_text_is_refused(tmp_path: Path) -> None:
    config = copy_case(tmp_path, "conversions_from_cdf")
    data = json.loads(config.read_text())
    report = (config.parent / data["cvrFileSources"][0]["filePath"]).resolve()
    local = tmp_path / "report.json"
    shutil.copy(report, local)
    doc = json.loads(local.read_text())
    doc["CVR"][4]["BallotPrePrintedId"] = 5
    local.write_text(json.dumps(doc))
    edit_config(config, lambda c: c["cvrFileSources"][0].update(filePath=str(local)))
    with pytest.raises(InvalidInput) as caught:
        count_rctab(config, audit=tmp_path / "out")
    assert "'BallotPrePrintedId' must be str" in caught.value.message and "CVR[4]" in (caught.value.field or "")


def test_cli_writes_the_copy_beside_the_reports(tmp_path: Path) -> None:
    case = DATA / "conversions_from_ess" / "conversions_from_ess_config.json"
    result = CliRunner().invoke(app, ["count", "--rules", str(case), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    copy = tmp_path / "Tiebreak_test_rctab_cvr.csv"
    assert f"wrote {copy}" in result.output.replace("\n", "")
    assert copy.read_bytes().replace(b"\r\n", b"\n") == (
        DATA / "conversions_from_ess" / "conversions_from_ess_expected.csv").read_bytes()
    assert (tmp_path / "Tiebreak_test_summary_report.csv").exists()
