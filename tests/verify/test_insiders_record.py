"""A server or database operator that swapped a trustee's messaging key (with a valid proof of
knowledge: it knows the secret) and re-hashed the whole chain: the record still fails, by name."""

from __future__ import annotations

import copy

from tamper import load, rechain, record_files, to_lines

from vybory.crypto import threshold
from vybory.crypto.rng import DeterministicRng
from vybory.verify import verify_record


def test_a_swapped_messaging_key_fails_its_signature_even_rehashed(exported) -> None:  # type: ignore[no-untyped-def]
    events = copy.deepcopy(load(exported.events))
    fingerprint = bytes.fromhex(events[0]["payload"]["fingerprint"])
    key_event = next(e for e in events if e["kind"] == "trustee_key" and e["payload"]["trustee"] == 2)
    threshold_k = events[0]["payload"]["definition"]["commission"]["threshold"]
    mine = threshold.new_trustee(2, threshold_k, DeterministicRng(b"server"))
    key_event["payload"]["messaging_key"] = threshold.generate_messaging_key(
        fingerprint, mine, DeterministicRng(b"k")).to_json()
    rechain(events)
    report = verify_record(record_files(exported.files, to_lines(events)))
    assert not report.ok
    codes = {(f.position, f.code) for f in report.failures}
    assert (key_event["position"], "bad_signature") in codes


def test_the_honest_record_has_every_trustee_message_signed(exported) -> None:  # type: ignore[no-untyped-def]
    events = load(exported.events)
    signed_kinds = {"trustee_key", "dkg_commitment_hash", "dkg_commitments", "dkg_shares", "dkg_complaint",
                    "decryption_share"}
    found = [e for e in events if e["kind"] in signed_kinds]
    assert found and all(e["payload"]["signed"]["signer"] == f"trustee/{e['payload']['trustee']}" for e in found)
    assert verify_record(record_files(exported.files)).ok
