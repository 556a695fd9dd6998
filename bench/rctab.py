"""RCTab counting speed: a million generated ballots, counted by RCTab's rules.

    .venv/bin/python bench/rctab.py [--format ess|cdf] [--ballots N] [--keep DIR] [--cdf-report]

The ballots (ten candidates, five ranks, a few overvotes, skipped ranks and
undeclared write-ins, in three precincts) are generated deterministically (a
hash of the row number picks each ranking) into a temporary folder, as an
ES&S workbook (one row per ballot) or a NIST CDF JSON report (one ``CVR`` per
ballot, written as RCTab writes one: ``CVR`` before ``Election``), with an
RCTab configuration beside it (batch elimination, exhaust on overvote, one
skipped rank allowed: Maine's rules). Printed, all measured in this run:

- ``baseline``: the least any reader of the file must do: for ES&S,
  decompressing the sheet and splitting it into rows with one regular
  expression; for CDF, reading the file and counting its records' snapshots;
- ``read``: vybory's reader making the records (names checked, ranks
  grouped);
- ``count``: the whole `vybory count --rules` path: reading, then RCTab's
  tabulation round by round;

- ``report`` (with ``--cdf-report``): the count as `vybory count --rules
  config.json --output DIR` runs it with ``generateCdfJson`` on: reading with
  the audit copy of the records (``rctab_cvr.csv``), the tabulation keeping
  each distinct record's shares round by round, RCTab's reports and the
  per-round CDF report (``<contest>_cdf_cvr.json``), with the progress bar
  the command shows on a terminal;

each as seconds and as a ratio to the baseline, with the CPU seconds (the
machine may be shared: wall time then says little) and the process's peak
resident memory. The records are read as a stream (neither the sheet nor the
JSON document is ever held whole in memory); identical records are tabulated
once with their number.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vybory.cli.cvr import Names, Source, read_cdf_json, read_ess
from vybory.cli.rctab import count_rctab

CANDIDATES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
              "Donald Knuth", "Frances Allen", "John Backus", "Radia Perlman", "Ken Thompson"]
LABELS = ["overvote", "undervote", "UWI"]
RANKS = 5


def _ballot(row: int) -> list[int]:
    """Indexes into CANDIDATES + LABELS for the row's five cells (-1: blank)."""
    digest = hashlib.blake2b(row.to_bytes(8, "little"), digest_size=16).digest()
    # a skewed first choice (some candidates far stronger), then distinct later choices
    weights = [30, 22, 15, 10, 8, 6, 4, 2, 2, 1]
    pick = digest[0] % sum(weights)
    first = 0
    while pick >= weights[first]:
        pick -= weights[first]
        first += 1
    cells = [first]
    used = {first}
    length = 1 + digest[1] % RANKS
    for k in range(1, length):
        c = digest[1 + k] % len(CANDIDATES)
        while c in used:
            c = (c + 1) % len(CANDIDATES)
        used.add(c)
        cells.append(c)
    special = digest[8]
    if special < 6:
        cells[min(1, len(cells) - 1)] = len(CANDIDATES)  # overvote
    elif special < 12 and len(cells) > 2:
        cells[1] = len(CANDIDATES) + 1  # undervote (a skipped rank)
    elif special < 20:
        cells[-1] = len(CANDIDATES) + 2  # undeclared write-in
    return cells + [-1] * (RANKS - len(cells))


def _column(index: int) -> str:
    return chr(ord("A") + index)


def write_workbook(path: Path, ballots: int) -> None:
    strings = ["Cast Vote Record", "Precinct"] + [f"Rank {r}" for r in range(1, RANKS + 1)] + CANDIDATES + LABELS
    first_name = 2 + RANKS
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>'))
        book.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        book.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        book.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"))
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            header = "".join(f'<c r="{_column(i)}1" t="s"><v>{i}</v></c>' for i in range(2 + RANKS))
            sheet.write(f'<row r="1">{header}</row>'.encode())
            chunk: list[str] = []
            for row in range(2, ballots + 2):
                cells = [f'<c r="A{row}"><v>{row - 1}</v></c>', f'<c r="B{row}" t="s"><v>1</v></c>']
                for k, c in enumerate(_ballot(row)):
                    if c >= 0:
                        cells.append(f'<c r="{_column(2 + k)}{row}" t="s"><v>{first_name + c}</v></c>')
                chunk.append(f'<row r="{row}">{"".join(cells)}</row>')
                if len(chunk) == 20000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())


def write_cdf(path: Path, ballots: int) -> None:
    """The ballots as a CDF JSON report; an overvote is two selections at one rank, a skipped
    rank none, an undeclared write-in the write-in selection."""
    def selection(choice: int, rank: int) -> str:
        return ('{"@type":"CVR.CVRContestSelection","ContestSelectionId":"cs-' + str(choice)
                + '","SelectionPosition":[{"@type":"CVR.SelectionPosition","HasIndication":"yes",'
                '"IsAllocable":"unknown","NumberVotes":1,"Rank":' + str(rank) + '}]}')

    with path.open("w", encoding="utf-8") as out:
        out.write('{"@type":"CVR.CastVoteRecordReport","CVR":[')
        chunk: list[str] = []
        for row in range(2, ballots + 2):
            chosen = []
            for rank, c in enumerate(_ballot(row), 1):
                if c == len(CANDIDATES):  # overvote: two candidates at this rank
                    chosen += [selection(0, rank), selection(1, rank)]
                elif 0 <= c < len(CANDIDATES) or c == len(CANDIDATES) + 2:
                    chosen.append(selection(c, rank))
            chunk.append(f'{{"@type":"CVR","BallotPrePrintedId":"{row}","BallotStyleUnitId":"gpu-{row % 3 + 1}",'
                         f'"CVRSnapshot":[{{"@id":"ballot-{row}","@type":"CVR.CVRSnapshot","CVRContest":'
                         f'[{{"@type":"CVR.CVRContest","CVRContestSelection":[{",".join(chosen)}],'
                         f'"ContestId":"contest-001"}}],"Type":"original"}}],"CurrentSnapshotId":"ballot-{row}",'
                         f'"ElectionId":"election-001"}}')
            if len(chunk) == 20000:
                out.write(("," if row > 20001 else "") + ",".join(chunk))
                chunk = []
        if chunk:
            out.write(("," if ballots > len(chunk) else "") + ",".join(chunk))
        people = [{"@id": f"c-{k}", "Name": c} for k, c in enumerate(CANDIDATES)]
        selections = [{"@id": f"cs-{k}", "@type": "CandidateSelection", "CandidateIds": [f"c-{k}"]}
                      for k in range(len(CANDIDATES))]
        selections.append({"@id": f"cs-{len(CANDIDATES) + 2}", "@type": "CandidateSelection", "IsWriteIn": True})
        election = [{"@id": "election-001", "Candidate": people, "Contest": [
            {"@id": "contest-001", "@type": "CandidateContest", "Name": "Benchmark", "ContestSelection": selections}],
            "ElectionScopeId": "gpu-election"}]
        units = [{"@id": "gpu-election", "Type": "other", "Name": "Benchmark"}] + [
            {"@id": f"gpu-{k}", "Type": "precinct", "Name": f"Precinct {k}"} for k in (1, 2, 3)]
        out.write(f'],"Election":{json.dumps(election)},"GpUnit":{json.dumps(units)},"Version":"1.0.0"}}')


def baseline_cdf(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    records = 0
    with path.open("rb") as report:
        tail = b""
        while chunk := report.read(1 << 20):
            data = tail + chunk
            records += data.count(b'"CVRSnapshot"')
            tail = data[-12:]  # shorter than the marker: never counted twice, never cut off
    return time.perf_counter() - start, records


def write_config(folder: Path, fmt: str = "ess", cdf_report: bool = False) -> Path:
    config = {
        "tabulatorVersion": "2.0.0",
        "outputSettings": {"contestName": "Benchmark", "contestDate": "", "contestJurisdiction": "",
                           "contestOffice": "", "tabulateByPrecinct": False, "generateCdfJson": cdf_report},
        "cvrFileSources": [{"filePath": "cvr.xlsx", "provider": "ess", "firstVoteColumnIndex": "3",
                            "firstVoteRowIndex": "2", "idColumnIndex": "1", "precinctColumnIndex": "",
                            "overvoteLabel": "overvote", "skippedRankLabel": "undervote",
                            "undeclaredWriteInLabel": "UWI"}] if fmt == "ess" else [
            {"filePath": "cvr.json", "provider": "cdf", "contestId": "Benchmark", "undeclaredWriteInLabel": "UWI"}],
        "candidates": [{"name": c, "excluded": False, "aliases": []} for c in CANDIDATES],
        "rules": {"tiebreakMode": "useCandidateOrder", "overvoteRule": "exhaustImmediately",
                  "winnerElectionMode": "singleWinnerMajority", "numberOfWinners": "1",
                  "decimalPlacesForVoteArithmetic": "4", "maxSkippedRanksAllowed": "1",
                  "maxRankingsAllowed": str(RANKS), "batchElimination": True},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def baseline(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = 0
    pattern = re.compile(rb"</row>")
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        tail = b""
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            rows += len(pattern.findall(data))
            tail = data[-5:]  # shorter than "</row>": never counted twice, never cut off
    return time.perf_counter() - start, rows


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=("ess", "cdf"), default="ess")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the records and configuration here and keep them")
    parser.add_argument("--cdf-report", action="store_true",
                        help="also time the count with generateCdfJson and every report written")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results",
                        help="save the figures here (rctab.json, rctab.md)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    figures: dict[str, object] = {"format": args.format, "ballots": args.ballots,
                                  "command": " ".join(["bench/rctab.py", *sys.argv[1:]])}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        records_path = folder / ("cvr.xlsx" if args.format == "ess" else "cvr.json")
        (write_workbook if args.format == "ess" else write_cdf)(records_path, args.ballots)
        config = write_config(folder, args.format)
        made = time.perf_counter() - start
        size = records_path.stat().st_size
        figures["file_mb"] = round(size / 1e6, 1)
        print(f"{args.ballots:,} ballots, {size / 1e6:.1f} MB {args.format} file, generated in {made:.1f} s")
        if args.format == "ess":
            base, rows = baseline(records_path)
            assert rows == args.ballots + 1, rows
        else:
            base, rows = baseline_cdf(records_path)
            assert rows == args.ballots, rows
        names = Names({**{c: c for c in CANDIDATES}})
        start, cpu = time.perf_counter(), time.process_time()
        if args.format == "ess":
            source = Source(provider="ess", path=records_path, first_vote_column=3, first_vote_row=2,
                            overvote_label="overvote", skipped_label="undervote", write_in_label="UWI")
            records = sum(1 for _ in read_ess(source, names, RANKS))
        else:
            source = Source(provider="cdf", path=records_path, contest_id="Benchmark")
            records = sum(1 for _ in read_cdf_json(source, names))
        read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert records == args.ballots, records
        read_peak = _peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        count = count_rctab(config)
        total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
        tabulation = count.passes[0]
        figures.update(baseline_s=round(base, 2), read_s=round(read, 2), read_cpu_s=round(read_cpu, 2),
                       count_s=round(total, 2), count_cpu_s=round(total_cpu, 2), count_peak_mb=round(_peak_mb()),
                       rounds=len(tabulation.rounds), winner=", ".join(tabulation.winners))
        print(f"baseline (least reading)          {base:7.2f} s  1.00")
        print(f"read (vybory {args.format} reader)          {read:7.2f} s  {read / base:5.2f}"
              f"   CPU {read_cpu:.2f} s, peak memory {read_peak:,.0f} MB")
        print(f"count (read + RCTab tabulation)   {total:7.2f} s  {total / base:5.2f}"
              f"   CPU {total_cpu:.2f} s, peak memory {_peak_mb():,.0f} MB"
              f"   {len(tabulation.rounds)} rounds, winner {', '.join(tabulation.winners)}")
        print(f"{args.ballots / total:,.0f} ballots a second through the whole count")
        if args.cdf_report:
            del count, tabulation
            config = write_config(folder, args.format, cdf_report=True)
            out = folder / "out"
            start, cpu = time.perf_counter(), time.process_time()
            written = report(config, out)
            total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
            size = sum(p.stat().st_size for p in written)
            figures.update(report_s=round(total, 2), report_cpu_s=round(total_cpu, 2),
                           report_peak_mb=round(_peak_mb()), report_written_mb=round(size / 1e6))
            print(f"report (count + generateCdfJson)  {total:7.2f} s  {total / base:5.2f}"
                  f"   CPU {total_cpu:.2f} s, peak memory {_peak_mb():,.0f} MB"
                  f"   {len(written)} files, {size / 1e6:,.0f} MB written")
    figures["load_before"] = round(load_before, 2)
    figures["load_after"] = round(os.getloadavg()[0], 2)
    save(args.results, figures)


def save(folder: Path, figures: dict[str, object]) -> None:
    """Adds this run to ``rctab.json`` (one entry per format, ballots and report setting, the
    latest kept) and rewrites ``rctab.md`` from it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rctab.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    key = (figures["format"], figures["ballots"], "report_s" in figures)
    runs = [r for r in runs if (r["format"], r["ballots"], "report_s" in r) != key] + [figures]
    path.write_text(json.dumps(runs, indent=2) + "\n")
    lines = [("| records | count: wall | count: CPU | count: peak | with generateCdfJson: wall | CPU | written |"
              " load before / after | command |"), "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        report_cells = (f"{r['report_s']} s | {r['report_cpu_s']} s | {r['report_written_mb']:,} MB"
                        if "report_s" in r else "— | — | —")
        lines.append(f"| {r['ballots']:,} {r['format']} | {r['count_s']} s | {r['count_cpu_s']} s | "
                     f"{r['count_peak_mb']} MB | {report_cells} | {r['load_before']} / {r['load_after']} | "
                     f"`{r['command']}` |")
    (folder / "rctab.md").write_text("\n".join(lines) + "\n")


def report(config: Path, out: Path) -> list[Path]:
    """The count with every output, as `vybory count --rules config.json --output out` runs it,
    with its progress bar (on stderr)."""
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from vybory.cli.rctab import write_reports
    from vybory.cli.rctab_cdf import write_round_cdf

    err = Console(stderr=True, highlight=False)
    with Progress(TextColumn("reading cast vote records"), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("records", total=None)
        count = count_rctab(config, audit=out, progress=lambda n: bar.advance(task, n))
    written = [*count.written, *write_reports(count, out), *write_round_cdf(count, out)]
    return written


if __name__ == "__main__":
    main()
