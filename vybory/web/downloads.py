"""The results as files to download (CSV and JSON), taken from the board's ``outcome_declared`` events.

Whoever runs the server could publish figures in a convenient download that differ from the
board (a spreadsheet is what newspapers copy). So the downloads are not recomputed: the JSON
holds each ``outcome_declared`` payload's outcomes as they stand on the board, with the event's
position and hash, and the CSV is made from that JSON; a reader compares them with the record
that ``vybory verify`` checked (the event at each position must have the hash given).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from vybory.model.board import EventKind
from vybory.verify.results import RESULTS_FORMAT, RESULTS_VERSION

CSV_COLUMNS = ("round", "contest", "title", "district", "kind", "status", "selection", "votes",
               "votes_last_count", "elected", "runoff", "event_position", "event_hash")


def results_json(service: Any, slug: str) -> dict[str, Any]:
    """Every declared round's outcomes as on the board, with the event that declared them."""
    status = service.status(slug)
    events = service.events(slug, kinds=[EventKind.OUTCOME_DECLARED.value])
    head = service.head(slug)
    return {
        "format": RESULTS_FORMAT,
        "version": RESULTS_VERSION,
        "election": slug,
        "title": status.title,
        "fingerprint": status.fingerprint,
        "head": {"position": head.position, "hash": head.hash},
        "rounds": [{"round": e.payload["round"], "event": {"position": e.position, "hash": e.hash.hex()},
                    "outcomes": e.payload["outcomes"], "next_round": e.payload.get("next_round")}
                   for e in events],
    }


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def results_csv(data: dict[str, Any], titles: dict[str, tuple[str, str]]) -> str:
    """One line per contest and selection of every declared round (``titles``: contest id ->
    (title, district name)), from :func:`results_json`'s data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rnd in data["rounds"]:
        for entry in rnd["outcomes"]:
            outcome = entry["outcome"]
            counts = outcome["rounds"][0]["counts"] if outcome.get("rounds") else {}
            last = outcome["rounds"][-1]["counts"] if outcome.get("rounds") else {}
            title, district = titles.get(entry["contest"], (entry["contest"], ""))
            for label, votes in counts.items():
                name = label.rsplit(":", 1)[0] if outcome["method"] == "for-against" else label
                elected = name in outcome["winners"] and not label.endswith(":against")
                writer.writerow((rnd["round"], entry["contest"], title, district, entry["kind"], outcome["status"],
                                 label, _number(votes), _number(last.get(label)), "yes" if elected else "no",
                                 "yes" if name in outcome.get("runoff_candidates", []) else "no",
                                 rnd["event"]["position"], rnd["event"]["hash"]))
    return out.getvalue()


__all__ = ["CSV_COLUMNS", "RESULTS_FORMAT", "RESULTS_VERSION", "results_csv", "results_json"]
