"""`vybory verify RECORD --results results.json`: a downloaded results file against the record.

The liar is whoever runs the server: the results download is what newspapers copy, and it could
carry other figures than the board. The reader downloads the file and the record, and the
verifier says whether the file copies the record's declared outcomes exactly. Each test below
plays one lie against the real download code (``vybory.web.downloads``) and the real command.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from booth_kit import SLUG, ensure_booth_built, ready_to_vote, tally
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.record import export_record
from vybory.web.downloads import results_json

VOTES = [{"chair": ["Orlova"], "budget": "no"}, {"chair": ["Orlova"], "budget": "yes"},
         {"chair": ["Zaitsev"], "budget": "yes"}, {"chair": [], "budget": "yes"}]


@pytest.fixture
def downloaded(web_service: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The record of a counted election and the results file the server offers for it."""
    ensure_booth_built()
    e = ready_to_vote(web_service)
    for secret, choices in zip(e.credentials["branch"], VOTES):
        e.vote(secret, choices)
    tally(e)
    record = tmp_path / "record.zip"
    export_record(web_service, SLUG, record)
    return record, results_json(web_service, SLUG)


def verify(record: Path, results: dict[str, Any] | bytes, folder: Path) -> tuple[int, dict[str, Any] | str]:
    path = folder / "results.json"
    path.write_bytes(results if isinstance(results, bytes) else json.dumps(results).encode())
    out = CliRunner().invoke(app, ["verify", str(record), "--results", str(path), "--json", "--workers", "1"])
    try:
        return out.exit_code, json.loads(out.output)
    except ValueError:
        return out.exit_code, out.output


def test_the_download_matches_its_record(downloaded: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    record, results = downloaded
    assert results["rounds"], "the election declared no outcome"
    code, answer = verify(record, results, tmp_path)
    assert code == 0, answer
    assert isinstance(answer, dict) and answer["verified"] and answer["results"] == {"matches": True, "findings": []}
    # The words a person reads, without --json.
    path = tmp_path / "results.json"
    out = CliRunner().invoke(app, ["verify", str(record), "--results", str(path), "--workers", "1"])
    assert out.exit_code == 0 and "copies the record's declared outcomes exactly" in out.output


def first_outcome(r: dict[str, Any]) -> dict[str, Any]:
    return r["rounds"][0]["outcomes"][0]["outcome"]


def more_votes(r: dict[str, Any]) -> None:
    counts = first_outcome(r)["rounds"][0]["counts"]
    name = next(iter(counts))
    counts[name] += 1


LIES: dict[str, tuple[Callable[[dict[str, Any]], Any], list[str]]] = {
    # A count changed (the newspaper's figure), or another winner announced.
    "count": (more_votes, ["results_differ"]),
    "winner": (lambda r: first_outcome(r).__setitem__("winners", ["Zaitsev"]), ["results_differ"]),
    # No runoff announced, or the round named as another.
    "next-round": (lambda r: r["rounds"][0].__setitem__("next_round", None), ["results_differ"]),
    "round": (lambda r: r["rounds"][0].__setitem__("round", 2), ["results_differ"]),
    # An outcome left out, a round dropped, or listed twice.
    "outcome-dropped": (lambda r: r["rounds"][0]["outcomes"].pop(), ["results_differ"]),
    "round-dropped": (lambda r: r["rounds"].clear(), ["results_left_out"]),
    "twice": (lambda r: r["rounds"].append(copy.deepcopy(r["rounds"][0])), ["results_twice"]),
    # The event named is not the one on the board, or is not a declaration at all.
    "event-hash": (lambda r: r["rounds"][0]["event"].__setitem__("hash", "ab" * 32), ["results_event_changed"]),
    "event-position": (lambda r: r["rounds"][0]["event"].__setitem__("position", 1),
                       ["results_event_missing", "results_left_out"]),
    # A file of another election, or of a board that is not this record's.
    "fingerprint": (lambda r: r.__setitem__("fingerprint", "cd" * 32), ["results_other_election"]),
    "head-hash": (lambda r: r["head"].__setitem__("hash", "ef" * 32), ["results_head"]),
    "head-beyond": (lambda r: r["head"].__setitem__("position", r["head"]["position"] + 5), ["results_head"]),
}


@pytest.mark.parametrize("lie", list(LIES))
def test_a_download_that_lies_is_caught(downloaded: tuple[Path, dict[str, Any]], tmp_path: Path, lie: str) -> None:
    record, results = downloaded
    change, codes = LIES[lie]
    changed = copy.deepcopy(results)
    change(changed)
    code, answer = verify(record, changed, tmp_path)
    assert code == 1, answer
    assert isinstance(answer, dict) and answer["verified"], "the record itself still verifies"
    assert answer["results"]["matches"] is False
    assert sorted({f["code"] for f in answer["results"]["findings"]}) == sorted(codes)


def test_a_download_made_before_the_end_still_matches(downloaded: tuple[Path, dict[str, Any]],
                                                      tmp_path: Path) -> None:
    # A file downloaded while the board was shorter: only the declarations up to its head count.
    record, results = downloaded
    early = copy.deepcopy(results)
    first = early["rounds"][0]["event"]
    early["head"] = dict(first)
    assert verify(record, early, tmp_path)[0] == 0
    # Before the first declaration, a file that lists it names an event after its own head.
    early["head"] = {"position": first["position"] - 1, "hash": "00" * 32}
    code, answer = verify(record, early, tmp_path)
    assert code == 1 and isinstance(answer, dict)
    assert {f["code"] for f in answer["results"]["findings"]} == {"results_head", "results_event_missing"}


GARBAGE: dict[str, tuple[Callable[[dict[str, Any]], Any] | bytes, str]] = {
    "not-json": (b"{not json", "results"),
    "list": (b"[]", "results.top level"),
    "format": (lambda r: r.__setitem__("format", "vybory-record"), "results.format"),
    "version": (lambda r: r.__setitem__("version", 2), "results.version"),
    "extra-key": (lambda r: r.__setitem__("corrected", True), "results.top level"),
    "missing-key": (lambda r: r.pop("head"), "results.top level"),
    "fingerprint": (lambda r: r.__setitem__("fingerprint", "ABC"), "results.fingerprint"),
    "head-position": (lambda r: r["head"].__setitem__("position", 0), "results.head.position"),
    "round-keys": (lambda r: r["rounds"][0].pop("event"), "results.rounds[0]"),
    "event-hash": (lambda r: r["rounds"][0]["event"].__setitem__("hash", 7), "results.rounds[0].event.hash"),
    "outcomes": (lambda r: r["rounds"][0].__setitem__("outcomes", {}), "results.rounds[0].outcomes"),
    "next-round": (lambda r: r["rounds"][0].__setitem__("next_round", "2"), "results.rounds[0].next_round"),
    "float": (b'{"format": "vybory-results", "version": 1.0}', "results"),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_a_file_that_is_not_a_results_file_is_refused(downloaded: tuple[Path, dict[str, Any]], tmp_path: Path,
                                                      case: str) -> None:
    record, results = downloaded
    change, field = GARBAGE[case]
    if isinstance(change, bytes):
        data: dict[str, Any] | bytes = change
    else:
        data = copy.deepcopy(results)
        change(data)
    code, answer = verify(record, data, tmp_path)
    assert code == 2, answer
    assert isinstance(answer, str) and "Traceback" not in answer
    assert f"Bad input (invalid_input, {field})" in " ".join(answer.split()), answer
