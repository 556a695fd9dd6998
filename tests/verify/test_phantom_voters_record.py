"""Phantom voters in a record: a database operator (or a server) that adds credentials whose
secrets it holds to the published list, and re-hashes the whole chain, is named by the verifier;
so is a credential authority that signs a padded list itself, and a roll the commission did not
sign. The registered voters of the results are the signed roll's."""

from __future__ import annotations

import copy
from typing import Any

from electionkit import identity_secret, rng
from tamper import load, rechained, record_files

from vybory import protocol
from vybory.model.signing import AUTHORITY, COMMISSION, sign_payload
from vybory.verify import verify_record


def with_phantoms(events: list[dict[str, Any]], n: int, district: str = "north") -> dict[str, Any]:
    """Adds ``n`` credentials of the insider's to the list (counts adjusted to match); returns the event."""
    event = next(e for e in events if e["kind"] == "credentials_published")
    gen = rng("insider")
    payload = event["payload"]
    payload["credentials"] += [{"credential": protocol.generate_credential(gen)[1].to_hex(), "district": district,
                                "weight": 1} for _ in range(n)]
    payload["credentials"].sort(key=lambda e: e["credential"])
    line = next(d for d in payload["districts"] if d["district"] == district)
    line["voters"] += n
    line["weight"] += n
    return event


def codes(report: Any, check: str = "credentials") -> set[tuple[int | None, str]]:
    return {(f.position, f.code) for f in report.check(check).findings}


def test_phantoms_added_to_the_list_are_named_even_rehashed(exported) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(load(exported.events))
    event = with_phantoms(events, 30)
    report = verify_record(rechained(exported.files, events))
    assert not report.ok
    assert (event["position"], "roll_count_mismatch") in codes(report)
    assert any(f.code == "bad_signature" and f.position == event["position"] for f in report.failures)


def test_an_authority_that_signs_a_padded_list_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    """The credential authority alone, with its own key: the commission's signed roll holds it."""
    events = copy.deepcopy(load(exported.events))
    fingerprint = bytes.fromhex(events[0]["payload"]["fingerprint"])
    event = with_phantoms(events, 30)
    event["payload"] = sign_payload(fingerprint, identity_secret("authority"), AUTHORITY, "credentials_published",
                                    event["payload"])
    report = verify_record(rechained(exported.files, events))
    assert not report.ok
    assert codes(report) == {(event["position"], "roll_count_mismatch")}
    assert not any(f.code == "bad_signature" for f in report.failures)


def test_a_bigger_roll_the_commission_did_not_sign_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    """The operator raises a district's roll (the denominator of a recall, the base of a quorum)
    and pads the list to match: the commission's signature on the roll fails."""
    events = copy.deepcopy(load(exported.events))
    fingerprint = bytes.fromhex(events[0]["payload"]["fingerprint"])
    roll = next(e for e in events if e["kind"] == "roll_published")
    line = roll["payload"]["districts"][0]
    line["voters"] += 30
    line["weight"] += 30
    line["weights"][0][1] += 30
    event = with_phantoms(events, 30, district=line["district"])
    event["payload"]["districts"][0]["commitment"] = line["commitment"]
    event["payload"] = sign_payload(fingerprint, identity_secret("authority"), AUTHORITY, "credentials_published",
                                    event["payload"])
    report = verify_record(rechained(exported.files, events))
    assert not report.ok
    assert {(f.position, f.code) for f in report.failures } >= {
        (roll["position"], "bad_signature")}
    # Signed by some other key in the commission's name: still the wrong key.
    roll["payload"] = sign_payload(fingerprint, identity_secret("someone"), COMMISSION, "roll_published",
                                   roll["payload"])
    report = verify_record(rechained(exported.files, events))
    assert (roll["position"], "bad_signature") in {(f.position, f.code) for f in report.failures}


def test_a_record_without_the_signed_roll_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    events = [e for e in copy.deepcopy(load(exported.events)) if e["kind"] != "roll_published"]
    report = verify_record(rechained(exported.files, events))
    assert not report.ok
    assert any(code == "roll_missing" for _p, code in codes(report))


def test_the_registered_voters_are_the_signed_rolls(exported) -> None:  # type: ignore[no-untyped-def]
    events = load(exported.events)
    roll = {d["district"]: d for d in next(e for e in events if e["kind"] == "roll_published")["payload"]["districts"]}
    assert roll["north"]["voters"] == 8 and roll["south"]["voters"] == 9 and roll["south"]["weight"] == 10
    assert roll["south"]["weights"] == [[1, 8], [2, 1]]
    definition = events[0]["payload"]["definition"]
    district_of = {c["id"]: c["district"] for c in definition["contests"]}
    tallies = [c for e in events if e["kind"] == "encrypted_tally" for c in e["payload"]["contests"]]
    assert tallies and all(c["registered"] == roll[district_of[c["contest"]]]["weight"] for c in tallies)
    assert verify_record(record_files(exported.files)).ok
