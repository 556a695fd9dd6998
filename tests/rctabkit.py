"""Small RCTab contests for tests: a configuration and its records as generic CSV.

``ballots`` are lists of rankings from the first choice down; a ranking is a
candidate's name, a set of names (an overvote), or ``None`` (a skipped rank).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Ranking = str | set[str] | frozenset[str] | None


def write_contest(folder: Path, candidates: list[str], ballots: Sequence[Sequence[Ranking]], *,
                  name: str = "config.json", candidate_options: dict[str, dict[str, Any]] | None = None,
                  source: dict[str, Any] | None = None, version: str = "2.0.0",
                  output: dict[str, Any] | None = None, **rules: Any) -> Path:
    """Writes ``records.csv`` and the configuration; returns the configuration's path."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(candidates)
    for ballot in ballots:
        for ranking in ballot:
            for c in ([ranking] if isinstance(ranking, str) else sorted(ranking or ())):
                if c not in columns:
                    columns.append(c)
    with (folder / "records.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *columns])
        for i, ballot in enumerate(ballots, 1):
            ranks: dict[str, list[int]] = {}
            for rank, ranking in enumerate(ballot, 1):
                for c in ([ranking] if isinstance(ranking, str) else sorted(ranking or ())):
                    ranks.setdefault(c, []).append(rank)
            row = [str(i)]
            for c in columns:
                given = ranks.get(c, [])
                if len(given) > 1:
                    raise ValueError("generic CSV holds one rank per candidate")
                row.append(str(given[0]) if given else "")
            writer.writerow(row)
    config = {
        "tabulatorVersion": version,
        "outputSettings": {"contestName": "Test contest", "contestDate": "2026-12-07",
                           "contestJurisdiction": "Testville", "contestOffice": "Mayor",
                           "tabulateByPrecinct": False, **(output or {})},
        "cvrFileSources": [{"filePath": "records.csv", "provider": "genericCsv", "firstVoteColumnIndex": "2",
                            "firstVoteRowIndex": "2", "idColumnIndex": "1", **(source or {})}],
        "candidates": [{"name": c, "excluded": False, "aliases": [], **(candidate_options or {}).get(c, {})}
                       for c in candidates],
        "rules": {"tiebreakMode": "useCandidateOrder", "overvoteRule": "alwaysSkipToNextRank",
                  "winnerElectionMode": "singleWinnerMajority", "randomSeed": "", "numberOfWinners": "1",
                  "decimalPlacesForVoteArithmetic": "4", "maxSkippedRanksAllowed": "unlimited",
                  "maxRankingsAllowed": "max", **rules},
    }
    path = folder / name
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def rounds(summary: dict[str, Any]) -> list[tuple[dict[str, str], list[str], list[str]]]:
    """Each round of an RCTab summary as (tally, elected, eliminated)."""
    out = []
    for r in summary["results"]:
        elected = [a["elected"] for a in r["tallyResults"] if "elected" in a]
        eliminated = [a["eliminated"] for a in r["tallyResults"] if "eliminated" in a]
        out.append((r["tally"], elected, eliminated))
    return out
