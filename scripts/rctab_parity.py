"""Counts every contest of an RCTab test-data folder and compares with RCTab's reports.

    .venv/bin/python scripts/rctab_parity.py RCTAB/src/test/resources/network/brightspots/rcv/test_data [CASE ...]

For each ``<case>/<case>_config.json`` with expected reports beside it, prints
``OK`` or the first difference: the summary JSON byte for byte (but the
``generatedBy`` line) and the detailed and summary CSV line for line (line ends aside), of
every pass and of every precinct and batch RCTab wrote one for. ``tests/rctab`` runs the
same comparison on the small contests copied into the repository; this runs it
on the large ones too (a checkout of github.com/BrightSpots/rcv). Exit code 1
when any case differs or is refused.
"""

from __future__ import annotations

import difflib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vybory.cli.rctab import count_rctab, detailed_csv, jackson, summaries, summary_csv
from vybory.errors import InvalidInput


def first_difference(want: str, got: str) -> str | None:
    if want.strip() == got.strip():
        return None
    lines = list(difflib.unified_diff(want.strip().splitlines(), got.strip().splitlines(), lineterm="", n=0))
    return " | ".join(lines[2:6])


def check(folder: Path) -> list[str]:
    count = count_rctab(folder / f"{folder.name}_config.json")
    problems = []
    ours = summaries(count)
    contest = [s for s in ours if "precinct" not in s["config"] and "batch" not in s["config"]]
    for i, path in enumerate(sorted(folder.glob("*_expected_detailed_report.json"))):
        want = path.read_text(encoding="utf-8")
        summary = contest[i]
        summary["config"]["generatedBy"] = json.loads(want)["config"]["generatedBy"]
        problem = first_difference(want, jackson(summary))
        if problem:
            problems.append(f"{path.name}: {problem}")
        csv_path = path.with_suffix(".csv")
        if csv_path.exists():
            got = detailed_csv(count, count.passes[i], count.passes[i].rounds).replace("\r\n", "\n")
            got = got.replace("vybory (RCTab rules)", "RCTab 2.0.0")
            problem = first_difference(csv_path.read_text(encoding="utf-8"), got)
            if problem:
                problems.append(f"{csv_path.name}: {problem}")
            # the summary report: RCTab's own where it has one, else (as RCTab's tests
            # check it) the detailed report without the inactive ballots by category
            summary_path = path.with_name(path.name.replace("_detailed_report.json", "_summary_report.csv"))
            want_summary = (summary_path.read_text(encoding="utf-8") if summary_path.exists() else "".join(
                line for line in csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
                if not line.startswith("Inactive Ballots by")))
            got = summary_csv(count, count.passes[i]).replace("\r\n", "\n")
            problem = first_difference(want_summary, got.replace("vybory (RCTab rules)", "RCTab 2.0.0"))
            if problem:
                problems.append(f"{summary_path.name}: {problem}")
    slices = {(k, s["config"][k]): s for s in ours for k in ("precinct", "batch") if k in s["config"]}
    for path in sorted(folder.glob("Tabulate by */*.json")):
        want = path.read_text(encoding="utf-8")
        config = json.loads(want)["config"]
        kind = "precinct" if "precinct" in config else "batch"
        key = (kind, config[kind])
        if key not in slices:
            problems.append(f"{path.name}: no summary of {kind} {key[1]!r}")
            continue
        slices[key]["config"]["generatedBy"] = config["generatedBy"]
        problem = first_difference(want, jackson(slices[key]))
        if problem:
            problems.append(f"{path.name}: {problem}")
    for path in sorted(folder.glob("Tabulate by */*.csv")):
        text = path.read_text(encoding="utf-8")
        kind = "precinct" if "Tabulate by Precinct" in str(path) else "batch"
        label = kind.title() + ","
        name = next(line[len(label):].strip('"') for line in text.splitlines() if line.startswith(label))
        got = detailed_csv(count, count.passes[0], count.passes[0].slices[(kind, name)], name, kind)
        got = got.replace("\r\n", "\n").replace("vybory (RCTab rules)", "RCTab 2.0.0")
        problem = first_difference(text, got)
        if problem:
            problems.append(f"{path.name}: {problem}")
    return problems


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    base = Path(sys.argv[1])
    only = set(sys.argv[2:])
    failed = 0
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        if only and folder.name not in only:
            continue
        if not (folder / f"{folder.name}_config.json").exists() or not list(
                folder.glob("*_expected_detailed_report.json")):
            continue
        start = time.perf_counter()
        try:
            problems = check(folder)
        except InvalidInput as error:
            problems = [f"refused: {error}"]
        except OSError as error:
            problems = [f"cannot read: {error}"]
        took = time.perf_counter() - start
        if problems:
            failed += 1
            print(f"DIFF {folder.name} ({took:.1f} s): {problems[0]}")
        else:
            print(f"OK   {folder.name} ({took:.1f} s)")
    print("all match" if not failed else f"{failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
