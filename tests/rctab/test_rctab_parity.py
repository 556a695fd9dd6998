"""RCTab's own test contests counted by vybory give RCTab's summaries, byte for byte.

The adversary is a count that looks right but is not RCTab's: an election office
that certifies with RCTab and publishes RCTab's summary can have anyone recount
with vybory; a difference in any round (a tally, the threshold, an inactive
category, a transfer, the order of a batch) shows here as a failing case. The
expected summaries are RCTab's files (see ``data/README.md``), never ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vybory.cli.rctab import count_rctab, jackson, summaries

DATA = Path(__file__).resolve().parent / "data"
CASES = sorted(d.name for d in DATA.iterdir() if (d / f"{d.name}_config.json").exists())


def _expected(path: Path) -> tuple[str, dict]:
    text = path.read_text(encoding="utf-8")
    return text, json.loads(text)


def _as_rctab_prints(summary: dict, generated_by: str) -> str:
    copy = json.loads(json.dumps(summary))
    # The one line that must differ: who wrote the file.
    copy["config"]["generatedBy"] = generated_by
    return jackson(copy)


def test_the_suite_is_all_there() -> None:
    assert len(CASES) >= 60, CASES


@pytest.mark.parametrize("case", CASES)
def test_case_matches_rctab(case: str) -> None:
    folder = DATA / case
    count = count_rctab(folder / f"{case}_config.json")
    ours = summaries(count)
    contest = [s for s in ours if "precinct" not in s["config"]]
    precincts = {s["config"]["precinct"]: s for s in ours if "precinct" in s["config"]}
    expected = sorted(folder.glob("*_expected_detailed_report.json"))
    assert expected, f"{case}: no expected summary"
    assert len(contest) == len(expected), f"{case}: {len(contest)} passes, RCTab has {len(expected)}"
    for summary, path in zip(contest, expected, strict=True):
        text, want = _expected(path)
        assert _as_rctab_prints(summary, want["config"]["generatedBy"]).strip() == text.strip(), path.name
    for path in sorted(folder.glob("Tabulate by Precinct/*.json")):
        text, want = _expected(path)
        name = want["config"]["precinct"]
        assert name in precincts, f"{case}: no summary for precinct {name!r}"
        assert _as_rctab_prints(precincts[name], want["config"]["generatedBy"]).strip() == text.strip(), path.name


def test_another_seed_is_another_count(tmp_path: Path) -> None:
    """The seeded tiebreak is RCTab's draw, not any draw: with another seed the
    same records lose RCTab's summary (the comparison above can fail)."""
    case = "tiebreak_seed_test"
    config = json.loads((DATA / case / f"{case}_config.json").read_text())
    _, want = _expected(DATA / case / f"{case}_expected_detailed_report.json")
    winners = set()
    for seed in range(1, 12):
        config["rules"]["randomSeed"] = str(seed)
        config["cvrFileSources"][0]["filePath"] = str(DATA / "_shared" / "tiebreak_cvr.xlsx")
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        summary = summaries(count_rctab(path))[0]
        elected = [a["elected"] for r in summary["results"] for a in r["tallyResults"] if "elected" in a]
        winners.add(elected[0])
        if seed == 1:
            assert summary["results"] == want["results"]
    assert len(winners) > 1, "every seed gave the same winner: the draw does not depend on the seed"
