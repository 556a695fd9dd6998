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


def write_cdf_records(folder: Path, names: Sequence[str], ballots: Sequence[Sequence[Ranking]]) -> dict[str, Any]:
    """Writes ``records.json``, the ballots as a NIST CDF JSON report whose ``Election`` lists
    ``names`` (a candidate's aliases among them, as a vendor's codes would be); a ranking may
    name one spelling at several ranks. Returns the source entry for ``write_contest``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {name: f"cs-{k}" for k, name in enumerate(names)}
    records = []
    for i, ballot in enumerate(ballots, 1):
        selections: dict[str, list[int]] = {}
        for rank, ranking in enumerate(ballot, 1):
            for c in ([ranking] if isinstance(ranking, str) else sorted(ranking or ())):
                selections.setdefault(c, []).append(rank)
        chosen = [{"@type": "CVR.CVRContestSelection", "ContestSelectionId": ids[c], "SelectionPosition": [
            {"@type": "CVR.SelectionPosition", "HasIndication": "yes", "IsAllocable": "unknown",
             "NumberVotes": 1, "Rank": rank} for rank in ranks]} for c, ranks in selections.items()]
        records.append({"@type": "CVR", "BallotPrePrintedId": str(i), "CVRSnapshot": [
            {"@id": f"ballot-{i}", "@type": "CVR.CVRSnapshot", "CVRContest": [
                {"@type": "CVR.CVRContest", "CVRContestSelection": chosen, "ContestId": "contest-001"}],
             "Type": "original"}], "CurrentSnapshotId": f"ballot-{i}", "ElectionId": "election-001"})
    election = [{"@id": "election-001", "Candidate": [{"@id": f"c-{k}", "Name": n} for k, n in enumerate(names)],
                 "Contest": [{"@id": "contest-001", "@type": "CandidateContest", "Name": "Test contest",
                              "ContestSelection": [{"@id": ids[n], "@type": "CandidateSelection",
                                                    "CandidateIds": [f"c-{k}"]} for k, n in enumerate(names)]}],
                 "ElectionScopeId": "gpu-election"}]
    report = {"@type": "CVR.CastVoteRecordReport", "CVR": records, "Election": election,
              "GpUnit": [{"@id": "gpu-election", "Type": "other", "Name": "Test"}], "Version": "1.0.0"}
    (folder / "records.json").write_text(json.dumps(report), encoding="utf-8")
    return {"filePath": "records.json", "provider": "cdf", "contestId": "Test contest", "firstVoteColumnIndex": "",
            "firstVoteRowIndex": "", "idColumnIndex": ""}
