"""Witnessed heads and heads files anchor the record: history rewritten and re-hashed after the
trustees witnessed it is named by the verifier, and what no one witnessed is said plainly.

The adversary is whoever runs the server or its database: after the trustees countersigned the
heads, it rebuilds the record (deletes a superseded ballot, swaps two ballots, truncates after a
round, or also drops the witnesses) and re-hashes the whole chain and the manifest.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from electionkit import signed_for
from tamper import load, rechained

from vybory.cli.record import record_heads
from vybory.errors import InvalidInput
from vybory.model.definition import definition_from_json, fingerprint
from vybory.verify import verify_record
from vybory.verify.heads import Head, heads_line, read_heads
from vybory.verify.report import Status


def codes(report, check: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.code for f in report.check(check).findings}


def ballot_index(events: list[dict[str, Any]], code: str) -> int:
    return next(i for i, e in enumerate(events) if e["payload"].get("tracking_code") == code)


def first_witness_after(events: list[dict[str, Any]], index: int) -> int:
    return next(i for i, e in enumerate(events) if i > index and e["kind"] == "head_witnessed")


def rebuilt(exported, change):  # type: ignore[no-untyped-def]
    events = copy.deepcopy(load(exported.events))
    change(events)
    files = rechained(exported.files, events)
    report = verify_record(files)
    # The chain and the head are consistent in themselves: only the anchors can tell.
    assert report.check("board").status is Status.PASSED and report.check("head").status is Status.PASSED
    return files, report


def test_the_honest_record_says_what_is_witnessed(exported) -> None:  # type: ignore[no-untyped-def]
    report = verify_record(rechained(exported.files, load(exported.events)))
    assert report.ok
    lines = report.witnessed.lines()
    assert lines[0].startswith("witnessed: events 1-") and "by 4 of 5 trustees (anna, boris, clara, elena)" in lines[0]
    assert lines[-1] == (f"NOT witnessed: events {report.events - 2}-{report.events} (the last 3) (trustees' "
                         "witnesses only, each signed); only this record vouches for them")
    data = report.to_json()["witnessed"]
    assert data["latest"]["trustees"] == ["anna", "boris", "clara"] and data["unwitnessed_from"] == report.events - 2


def test_deleting_a_superseded_ballot_after_the_witness_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    superseded = exported.election.receipts[0]
    _, report = rebuilt(exported, lambda ev: ev.pop(ballot_index(ev, superseded.tracking_code)))
    assert not report.ok
    # (A witness of the event just before it now names its own place: beyond its head.)
    assert "witnessed_head_changed" in codes(report, "witnesses")
    assert codes(report, "witnesses") <= {"witnessed_head_changed", "witness_beyond_head"}
    finding = next(f for f in report.check("witnesses").findings if f.code == "witnessed_head_changed")
    assert finding.kind == "head_witnessed" and "rewritten after it was witnessed" in finding.message
    # Every witness of a head from round 1's close on names the change; those before still hold.
    assert report.witnessed.levels and report.witnessed.levels[-1].position < superseded.position


def test_swapping_two_ballots_after_the_witness_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    first, second = exported.election.receipts[1], exported.election.receipts[2]

    def swap(ev):  # type: ignore[no-untyped-def]
        i, j = ballot_index(ev, first.tracking_code), ballot_index(ev, second.tracking_code)
        ev[i], ev[j] = ev[j], ev[i]

    _, report = rebuilt(exported, swap)
    assert codes(report, "witnesses") == {"witnessed_head_changed"}
    assert report.witnessed.levels[-1].position < min(first.position, second.position)


def test_truncating_after_a_round_leaves_the_rest_unwitnessed_and_the_heads_file_names_it(exported) -> None:  # type: ignore[no-untyped-def]
    original = load(exported.events)
    heads = record_heads(rechained(exported.files, original))  # an observer's file of the whole election
    round_2 = next(i for i, e in enumerate(original) if e["kind"] == "round_opened" and e["payload"]["round"] == 2)
    files, report = rebuilt(exported, lambda ev: ev.__delitem__(slice(round_2, None)))
    # The witnesses left hold (a prefix), so the record verifies; but it says what is not witnessed...
    assert report.ok
    assert report.witnessed.latest.position < report.events <= round_2
    assert report.witnessed.lines()[-1].startswith("NOT witnessed: events ")
    # ...and the heads file published elsewhere names the removed events.
    anchored = verify_record(files, heads=heads)
    assert not anchored.ok and codes(anchored, "head") == {"heads_beyond_record"}
    assert any("round 2 opened" in f.message for f in anchored.check("head").findings)


def test_dropping_the_witnesses_too_leaves_nothing_witnessed_and_the_heads_file_names_it(exported) -> None:  # type: ignore[no-untyped-def]
    original = load(exported.events)
    heads = record_heads(rechained(exported.files, original))
    first, second = exported.election.receipts[1], exported.election.receipts[2]

    def rewrite(ev):  # type: ignore[no-untyped-def]
        i, j = ballot_index(ev, first.tracking_code), ballot_index(ev, second.tracking_code)
        ev[i], ev[j] = ev[j], ev[i]
        ev[:] = [e for e in ev if e["kind"] != "head_witnessed"]

    files, report = rebuilt(exported, rewrite)
    assert report.ok, [str(f) for f in report.failures]  # nothing on the record contradicts it...
    assert report.witnessed.levels == ()
    assert report.witnessed.lines() == [(f"NOT witnessed: all {report.events} events: no trustee countersigned "
                                         "any head of this record; only this record vouches for them")]
    anchored = verify_record(files, heads=heads)  # ...but the heads published elsewhere do
    assert codes(anchored, "head") == {"heads_mismatch", "heads_beyond_record"}
    # Dropping the witnesses moved every later event: the first head after the first witness differs.
    mismatch = next(f for f in anchored.check("head").findings if f.code == "heads_mismatch")
    assert mismatch.position == heads[1].position and "the board up to here was rewritten" in mismatch.message
    # An honest record holds every one of those heads.
    assert verify_record(rechained(exported.files, original), heads=heads).ok


def test_a_forged_or_lying_witness_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    original = load(exported.events)
    definition = definition_from_json(original[0]["payload"]["definition"])
    fp = fingerprint(definition)
    index = first_witness_after(original, 0)
    honest = original[index]["payload"]
    body = {k: v for k, v in honest.items() if k not in ("signed",)}

    def replace_witness(payload):  # type: ignore[no-untyped-def]
        def change(ev):  # type: ignore[no-untyped-def]
            ev[index]["payload"] = payload
        return change

    cases = {
        # the server moves a witness to a hash of its choosing: the signature no longer covers it
        "bad_signature": {**honest, "hash": "ab" * 32},
        # a trustee signs a head beyond its own witness, or an older one than it witnessed before
        "witness_beyond_head": signed_for(definition, fp, "head_witnessed", {**body, "position": index + 5}),
    }
    for code, payload in cases.items():
        events = copy.deepcopy(original)
        replace_witness(payload)(events)
        report = verify_record(rechained(exported.files, events))
        assert code in codes(report, "witnesses"), code
    later = first_witness_after(original, index + 4)
    trustee = original[later]["payload"]["trustee"]
    events = copy.deepcopy(original)
    events[later]["payload"] = signed_for(definition, fp, "head_witnessed",
                                          {"trustee": trustee, "position": 1, "hash": original[0]["hash"],
                                           "at": original[later]["payload"]["at"]})
    assert "witness_not_newer" in codes(verify_record(rechained(exported.files, events)), "witnesses")
    events = copy.deepcopy(original)
    del events[index]["payload"]["hash"]
    assert "malformed_payload" in codes(verify_record(rechained(exported.files, events)), "witnesses")


def test_heads_files_are_read_line_by_line_and_refused_by_line() -> None:
    text = ("# heads of works-2025\n\n12 " + "ab" * 32 + " nominations closed\n"
            "57   " + "CD" * 32 + "   round 1 closed  # copied from the board page\n")
    assert read_heads(text) == [Head(12, "ab" * 32, "nominations closed"), Head(57, "cd" * 32, "round 1 closed")]
    assert read_heads(heads_line(Head(3, "ef" * 32, "round  2\topened"))) == [Head(3, "ef" * 32, "round 2 opened")]
    bad = {"12\n": "heads line 1", "x " + "ab" * 32: "heads line 1", "0 " + "ab" * 32: "heads line 1",
           "# only\n\n": "heads", "7 " + "ab" * 31: "heads line 1", "1 " + "ab" * 32 + "\n٣ " + "ab" * 32:
           "heads line 2", b"\xff\xfe": "heads", "": "heads", "5 " + "zz" * 32: "heads line 1"}
    for given, field in bad.items():
        with pytest.raises(InvalidInput) as refused:
            read_heads(given)
        assert refused.value.field == field, given
