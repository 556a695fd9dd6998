"""A voter's receipt anchors the board: history rewritten and re-hashed by whoever runs the server is caught.

The adversary is the server or database operator: it rebuilds the record (deletes a superseded
ballot, swaps two ballots, truncates after a round) and re-hashes the whole chain and the manifest,
so `vybory verify` without --head finds nothing. A voter who kept the receipt of a ballot cast after
the change (or, for truncation, of a removed one) catches it by name.
"""

from __future__ import annotations

import copy
import json

import pytest
from tamper import load, rechained

from vybory.errors import InvalidInput
from vybory.verify import verify_record
from vybory.verify.receipt import check_receipt, read_receipt


def claims(exported):  # type: ignore[no-untyped-def]
    return [read_receipt(json.dumps(r.to_json())) for r in exported.election.receipts]


def codes(findings) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.code for f in findings}


def fingerprint(exported) -> str:  # type: ignore[no-untyped-def]
    return str(json.loads(exported.files["manifest.json"])["fingerprint"])


def test_every_receipt_holds_on_the_honest_record(exported) -> None:  # type: ignore[no-untyped-def]
    for claim in claims(exported):
        assert check_receipt(exported.events, fingerprint(exported), claim) == []


def test_a_receipt_names_its_event_previous_hash_head_and_election(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = exported.election.receipts[3].to_json()
    event = load(exported.events)[receipt["position"] - 1]
    assert receipt["event_hash"] == event["hash"] and receipt["previous_hash"] == event["previous_hash"]
    assert receipt["head"] == {"position": event["position"], "hash": event["hash"]}
    assert receipt["fingerprint"] == fingerprint(exported)


def rewritten(exported, change):  # type: ignore[no-untyped-def]
    """The record after ``change`` and a full re-hash; the verifier without --head must find nothing
    wrong in the chain (otherwise the test would not show what the receipt adds)."""
    events = copy.deepcopy(load(exported.events))
    change(events)
    files = rechained(exported.files, events)
    report = verify_record(files)
    assert report.check("board").status.value == "passed" and report.check("head").status.value == "passed"
    return files


def ballot_index(events, code: str) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, e in enumerate(events) if e["payload"].get("tracking_code") == code)


def test_deleting_a_superseded_ballot_breaks_every_later_receipt(exported) -> None:  # type: ignore[no-untyped-def]
    superseded = exported.election.receipts[0]
    later = next(r for r in exported.election.receipts if r.replaced == superseded.tracking_code)
    files = rewritten(exported, lambda ev: ev.pop(ballot_index(ev, superseded.tracking_code)))
    found = check_receipt(files.events(), fingerprint(exported), read_receipt(json.dumps(later.to_json())))
    assert "receipt_event_changed" in codes(found) or "receipt_not_this_ballot" in codes(found)
    # A receipt of a ballot cast before the deleted one still holds: the prefix is unchanged.
    earlier = [r for r in exported.election.receipts if r.position < superseded.position]
    for r in earlier:
        assert check_receipt(files.events(), fingerprint(exported), read_receipt(json.dumps(r.to_json()))) == []


def test_swapping_two_ballots_breaks_both_receipts(exported) -> None:  # type: ignore[no-untyped-def]
    first, second = exported.election.receipts[1], exported.election.receipts[2]

    def swap(ev):  # type: ignore[no-untyped-def]
        i, j = ballot_index(ev, first.tracking_code), ballot_index(ev, second.tracking_code)
        ev[i], ev[j] = ev[j], ev[i]

    files = rewritten(exported, swap)
    for r in (first, second):
        found = check_receipt(files.events(), fingerprint(exported), read_receipt(json.dumps(r.to_json())))
        assert {"receipt_event_changed", "receipt_not_this_ballot"} <= codes(found)


def test_truncating_after_a_round_leaves_a_later_receipt_without_its_event(exported) -> None:  # type: ignore[no-untyped-def]
    events = load(exported.events)
    cut = next(i for i, e in enumerate(events) if e["kind"] == "round_closed") + 1
    later = next(r for r in exported.election.receipts if r.position > cut)
    files = rewritten(exported, lambda ev: ev.__delitem__(slice(cut, None)))
    found = check_receipt(files.events(), fingerprint(exported), read_receipt(json.dumps(later.to_json())))
    assert codes(found) == {"receipt_event_missing"}
    assert f"before the receipt's event {later.position}" in found[0].message


def test_a_receipt_of_another_election_is_named(exported, other_exported) -> None:  # type: ignore[no-untyped-def]
    claim = read_receipt(json.dumps(other_exported.election.receipts[0].to_json()))
    assert "receipt_other_election" in codes(check_receipt(exported.events, fingerprint(exported), claim))


def test_a_forged_receipt_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    receipt = exported.election.receipts[4].to_json()
    receipt["event_hash"] = receipt["head"]["hash"] = "ab" * 32
    found = check_receipt(exported.events, fingerprint(exported), read_receipt(json.dumps(receipt)))
    assert codes(found) == {"receipt_event_changed"}


@pytest.mark.parametrize(("field", "value", "named"), [
    ("position", 0, "receipt.position"),
    ("position", "3", "receipt.position"),
    ("round", True, "receipt.round"),
    ("event_hash", "AB" * 32, "receipt.event_hash"),
    ("previous_hash", "ab", "receipt.previous_hash"),
    ("fingerprint", None, "receipt.fingerprint"),
    ("tracking_code", "", "receipt.tracking_code"),
    ("election", 7, "receipt.election"),
    ("head", "ab" * 32, "receipt.head"),
    ("head", {"position": 1, "hash": "ab" * 32}, "receipt.head.position"),
])
def test_a_malformed_receipt_is_refused_naming_the_field(exported, field, value, named) -> None:  # type: ignore[no-untyped-def]
    receipt = exported.election.receipts[5].to_json()
    receipt[field] = value
    with pytest.raises(InvalidInput) as caught:
        read_receipt(json.dumps(receipt))
    assert caught.value.field == named


@pytest.mark.parametrize("garbage", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_garbage_is_not_a_receipt(garbage: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_receipt(garbage)
    assert caught.value.field == "receipt"
