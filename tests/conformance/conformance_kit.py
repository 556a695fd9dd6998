"""The conformance kit: each election of ``conformance_elections.py`` as a record, and tampered copies of it,
each with the verdict and the findings a verifier must report (docs/verifier.md, "Conformance kit").

A tampered copy is made as whoever runs the server would make it: the change, then every
changed ballot's tracking code recomputed, the chain renumbered and re-hashed and the manifest
rewritten, so that only the deeper checks can tell. Where the change is a trustee's own lie, the
liar signs it with its own identity key. Each copy declares, by hand, the findings it must give
(check, code, event); ``build`` runs ``vybory verify`` on every record and refuses to write a kit
whose reports differ from the declarations.

``scripts/make-conformance`` writes the kit; ``tests/conformance/test_conformance.py`` checks it.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance_elections import ELECTIONS
from electionkit import rng, signed_for
from tamper import Events, bump, find, load, other_point, rechain, resign, retrack, to_lines

from vybory import protocol
from vybory.model.board import Event
from vybory.model.canonical import canonical_json
from vybory.model.definition import definition_from_json, fingerprint
from vybory.protocol.state import replay
from vybory.verify import verify_record
from vybory.verify.record import (
    DEFINITION,
    EVENTS,
    MANIFEST,
    README,
    FileEntry,
    Manifest,
    readme_text,
)
from vybory.verify.report import Report
from vybory.verify.verifier import RecordFiles

KIT = Path(__file__).resolve().parent
EXPECTED = "expected.json"
KIT_FORMAT = "vybory-conformance"
KIT_VERSION = 1
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Expect:
    """A finding a verifier must report: its check, its code, and the event it names (None: the record)."""

    check: str
    code: str
    event: dict[str, Any] | None = None


@dataclass(frozen=True)
class Variant:
    """A tampered copy: ``change`` edits the events and returns the findings it must give;
    ``archive`` (optional) edits the archive's entries after the record is written."""

    name: str
    what: str
    change: Callable[[Events], list[Expect]]
    archive: Callable[[dict[str, bytes]], None] | None = None


@dataclass
class Built:
    """One record of the kit: its file, what it is, and the findings it gives."""

    file: str
    election: str
    variant: str
    what: str
    files: dict[str, bytes]
    findings: list[dict[str, Any]] = field(default_factory=list)

    def entry(self) -> dict[str, Any]:
        return {"file": self.file, "election": self.election, "variant": self.variant, "what": self.what,
                "verified": not self.findings, "findings": self.findings}


# --- writing a record -------------------------------------------------------------------------


def record_files(lines: list[bytes]) -> dict[str, bytes]:
    """The four files of a record of these board lines, byte for byte as ``vybory export`` writes them."""
    first = json.loads(lines[0])["payload"]["definition"]
    definition = canonical_json(first)
    events = b"".join(lines)
    head = json.loads(lines[-1])["hash"]
    fp = hashlib.sha256(definition).hexdigest()
    readme = readme_text(election=first["slug"], title=first["title"], fingerprint=fp, events=len(lines),
                         head=head).encode("utf-8")
    manifest = Manifest(first["slug"], fp, len(lines), head, {
        DEFINITION: FileEntry(hashlib.sha256(definition).hexdigest(), len(definition)),
        EVENTS: FileEntry(hashlib.sha256(events).hexdigest(), len(events)),
        README: FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
    })
    text = json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n"
    return {MANIFEST: text.encode(), DEFINITION: definition, EVENTS: events, README: readme}


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """The archive of ``files`` in their order, with fixed times: the same bytes on every machine."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def as_record(files: dict[str, bytes]) -> RecordFiles:
    others = tuple(n for n in files if n not in (MANIFEST, DEFINITION, EVENTS, README))
    events = files.get(EVENTS)
    return RecordFiles(files.get(MANIFEST), files.get(DEFINITION), files.get(README),
                       None if events is None else (lambda: iter(events.splitlines(keepends=True))), others)


def findings_of(report: Report) -> list[dict[str, Any]]:
    """The report's findings as the kit lists them: check, code, position, sorted."""
    found = [{"check": f.check, "code": f.code, "position": f.position}
             for c in report.checks for f in c.findings]
    return sorted(found, key=lambda f: (f["check"], f["code"], f["position"] or 0))


# --- the tampered copies ---------------------------------------------------------------------


def resigned(events: Events, e: dict[str, Any]) -> None:
    """The signer of event ``e`` signs its changed payload again (a trustee lying on purpose)."""
    definition = definition_from_json(events[0]["payload"]["definition"], source="kit")
    payload = {k: v for k, v in e["payload"].items() if k != "signed"}
    e["payload"] = signed_for(definition, fingerprint(definition), e["kind"], payload)


def voter_secret(events: Events, credential: str) -> str:
    """The secret of a kit voter's credential: the kit's credentials come from the test kit's
    deterministic source (``publish_credentials``), so the voter's own device can be played."""
    gen = rng("credentials")
    for _ in find(events, "credentials_published")["payload"]["credentials"]:
        secret = protocol.generate_credential(gen)[0]
        if protocol.public_credential(secret).to_hex() == credential:
            return secret
    raise AssertionError(f"no kit voter holds the credential {credential}")


def ballots(events: Events, round_: int = 1) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "ballot_cast" and e["payload"]["ballot"]["round"] == round_]


def outcome_of(events: Events, round_: int = 1) -> dict[str, Any]:
    return find(events, "outcome_declared", lambda e: e["payload"]["round"] == round_)


def by_voter(events: Events, index: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The ``index``-th ballot of round 1 changed by ``change`` and signed again by its voter's own
    device (so only the rule the change breaks can tell); returns its event."""
    e = ballots(events)[index]
    ballot = e["payload"]["ballot"]
    secret = voter_secret(events, ballot["credential"])
    change(ballot)
    resign(ballot, secret)
    return e


def refusal_variants() -> list[Variant]:
    """Ballots the server must refuse (spec §12.5), each breaking one rule, on the board as a
    careless or dishonest server would have let them in."""

    def top_bit(ballot: dict[str, Any]) -> None:
        # A proof's commitment with the top bit of its encoding set (spec §1.2): not canonical.
        commitment = ballot["contests"][0]["selections"][0]["proof"]["commitments"][0]
        last = int(commitment[0][-2:], 16) | 0x80
        commitment[0] = commitment[0][:-2] + f"{last:02x}"

    def invalid_encoding(events: Events) -> list[Expect]:
        return [Expect("ballots", "invalid_encoding", by_voter(events, 2, top_bit))]

    def wrong_election(events: Events) -> list[Expect]:
        # Made (and signed by its voter) for another election: a ballot is bound to one.
        e = by_voter(events, 2, lambda b: b.__setitem__("election", hashlib.sha256(b"another election").hexdigest()))
        return [Expect("ballots", "wrong_election", e)]

    def extra_range_proof(events: Events) -> list[Expect]:
        e = by_voter(events, 2, lambda b: b["contests"][0]["range_proofs"].append(
            copy.deepcopy(b["contests"][0]["range_proofs"][0])))
        return [Expect("ballots", "wrong_range_proof_count", e)]

    def bad_range_proof(events: Events) -> list[Expect]:
        # More names left standing than seats would need a false range proof: a changed response.
        def change(ballot: dict[str, Any]) -> None:
            proof = ballot["contests"][0]["range_proofs"][0]
            proof["responses"][1] = bump(proof["responses"][1])
        return [Expect("ballots", "bad_range_proof", by_voter(events, 2, change))]

    def not_in_round(events: Events, e: dict[str, Any], code: str) -> list[Expect]:
        # A ballot in no round (spec §12.5, last paragraph) that the server counted anyway: the
        # round's announced numbers and its tally no longer match the board.
        tally = find(events, "encrypted_tally")
        return [Expect("ballots", code, e), Expect("counted_ballots", "round_closed_counts", find(events, "round_closed")),
                Expect("encrypted_tally", "tally_ballots", tally), Expect("encrypted_tally", "tally_ballots_cast", tally),
                Expect("encrypted_tally", "tally_ciphertexts", tally)]

    def unknown_credential(events: Events) -> list[Expect]:
        # The server's operator stuffs a ballot under a credential of its own making.
        e = ballots(events)[2]
        ballot = e["payload"]["ballot"]
        secret = protocol.generate_credential(rng("stuffed"))[0]
        ballot["credential"] = protocol.public_credential(secret).to_hex()
        resign(ballot, secret)
        return not_in_round(events, e, "unknown_credential")

    def no_such_round(events: Events) -> list[Expect]:
        return not_in_round(events, by_voter(events, 2, lambda b: b.__setitem__("round", 2)), "no_such_round")

    def repeated(events: Events) -> list[Expect]:
        # One ciphertext in two selections: reported under the first rule it breaks (spec §12.5); the
        # ballot counts in its round, so the server's tally, made before the change, differs.
        def change(ballot: dict[str, Any]) -> None:
            selections = ballot["contests"][0]["selections"]
            selections[1]["ciphertext"] = copy.deepcopy(selections[0]["ciphertext"])
        e = by_voter(events, 2, change)
        return [Expect("ballots", "repeated_ciphertext", e),
                Expect("encrypted_tally", "tally_ciphertexts", find(events, "encrypted_tally"))]

    def unreadable(events: Events, e: dict[str, Any], code: str) -> list[Expect]:
        # The ballot is in its round but cannot be added to the tally (spec §13).
        tally = find(events, "encrypted_tally")
        return [Expect("ballots", code, e), Expect("encrypted_tally", "ballot_unreadable", e),
                Expect("encrypted_tally", "tally_ballots", tally), Expect("encrypted_tally", "tally_ballots_cast", tally),
                Expect("encrypted_tally", "tally_ciphertexts", tally)]

    def selection_dropped(events: Events) -> list[Expect]:
        return unreadable(events, by_voter(events, 2, lambda b: b["contests"][0]["selections"].pop()),
                          "wrong_selection_count")

    def other_contest(events: Events) -> list[Expect]:
        # Rule 12; a ballot for another district's contest (rule 8) looks the same on the board.
        e = by_voter(events, 2, lambda b: b["contests"][0].__setitem__("contest", "another-board"))
        return unreadable(events, e, "wrong_contests")

    return [Variant("invalid-encoding", "a ballot proof's point not canonically encoded", invalid_encoding),
            Variant("wrong-election", "a ballot made for another election", wrong_election),
            Variant("range-proof-count", "a ballot with a range proof too many", extra_range_proof),
            Variant("bad-range-proof", "a ballot's range proof changed and the ballot signed again", bad_range_proof),
            Variant("unknown-credential", "a ballot signed with a credential nobody was given", unknown_credential),
            Variant("no-such-round", "a ballot for a round never opened", no_such_round),
            Variant("repeated-ciphertext", "a ballot with one ciphertext in two selections", repeated),
            Variant("selection-count", "a ballot with a selection missing", selection_dropped),
            Variant("wrong-contests", "a ballot for a contest the round does not hold", other_contest)]


def strikeout_variants() -> list[Variant]:
    def too_many_left(events: Events) -> list[Expect]:
        # A ballot's range proof (names left standing within [0, 2]) with a changed response.
        e = ballots(events)[0]
        proof = e["payload"]["ballot"]["contests"][0]["range_proofs"][0]
        proof["responses"][0] = bump(proof["responses"][0])
        return [Expect("ballots", "bad_signature", e)]

    def proof_resigned(events: Events) -> list[Expect]:
        # The voter's own device changes a selection proof and signs the ballot again: one finding,
        # the proof; the ballot still counts in its round (spec §10.3), so nothing else is reported.
        e = ballots(events)[1]
        ballot = e["payload"]["ballot"]
        proof = ballot["contests"][0]["selections"][2]["proof"]
        proof["responses"][1] = bump(proof["responses"][1])
        resign(ballot, voter_secret(events, ballot["credential"]))
        return [Expect("ballots", "bad_selection_proof", e)]

    def winner(events: Events) -> list[Expect]:
        e = outcome_of(events)
        e["payload"]["outcomes"][0]["outcome"]["winners"] = ["Avdeeva", "Dudin"]
        return [Expect("decisions", "outcome_differs", e), Expect("publication", "published_results",
                                                                  find(events, "election_published"))]

    def extra(events: Events) -> list[Expect]:
        return [Expect("record", "record_extra_file")]

    return [Variant("range-proof", "a ballot's range proof changed (its signature no longer verifies)", too_many_left),
            Variant("proof-resigned", "a selection proof changed and the ballot signed again by its voter",
                    proof_resigned),
            Variant("winner", "the outcome names another winner", winner),
            Variant("extra-file", "the archive holds a file that is not part of a record", extra,
                    archive=lambda files: files.__setitem__("results-corrected.json", b"{}\n"))]


def motion_variants() -> list[Variant]:
    def count(events: Events) -> list[Expect]:
        e = find(events, "tally_decrypted")
        e["payload"]["contests"][0]["counts"]["no"] += 1
        # The rule then refuses counts that add up to more ballots than were cast.
        return [Expect("counts", "count_wrong", e), Expect("decisions", "rule_failed", outcome_of(events))]

    def early(events: Events) -> list[Expect]:
        e = find(events, "round_closed")
        e["payload"]["early"] = not e["payload"]["early"]
        return [Expect("rounds", "round_closed_early", e)]

    return [Variant("count", "a decrypted count is not what the shares decrypt", count),
            Variant("early", "round_closed's early flag flipped", early)]


def for_against_variants() -> list[Variant]:
    def replay(events: Events) -> list[Expect]:
        # An exact copy of a ballot cast again before the round closes.
        original = ballots(events)[2]
        copy_ = copy.deepcopy(original)
        events.insert(events.index(ballots(events)[-1]) + 1, copy_)
        # The copy is a ballot in the round: the round's announced number of ballots is short by one.
        return [Expect("ciphertexts", "replayed_ciphertext", copy_),
                Expect("counted_ballots", "round_closed_counts", find(events, "round_closed"))]

    def tally(events: Events) -> list[Expect]:
        e = find(events, "encrypted_tally")
        ct = e["payload"]["contests"][0]["ciphertexts"][0]
        ct["beta"] = other_point(ct["beta"])
        # The shares were computed over the true tally: against the published one their proofs fail,
        # so the decryption used invalid shares and no k valid shares remain.
        share = find(events, "decryption_share")
        return [Expect("encrypted_tally", "tally_ciphertexts", e),
                Expect("decryption_shares", "invalid_share_used", share),
                Expect("decryption_shares", "invalid_share_not_skipped", share),
                Expect("combination", "threshold_not_met", find(events, "tally_decrypted"))]

    return [Variant("replayed-ballot", "a ballot cast a second time, byte for byte", replay),
            Variant("tally", "a ciphertext of the encrypted tally is not the product of the ballots", tally)]


def weighted_variants() -> list[Variant]:
    def weight(events: Events) -> list[Expect]:
        e = find(events, "encrypted_tally")
        e["payload"]["contests"][1]["ballots_cast"] -= 249
        # The decryption repeats the tally's figure, and two counts now exceed it (spec §14's bound).
        decrypted = find(events, "tally_decrypted")
        return [Expect("encrypted_tally", "tally_ballots_cast", e), Expect("counts", "decrypted_ballots_cast", decrypted),
                Expect("counts", "count_range", decrypted), Expect("counts", "count_range", decrypted)]

    def registered(events: Events) -> list[Expect]:
        e = find(events, "encrypted_tally")
        e["payload"]["contests"][0]["registered"] += 1
        return [Expect("encrypted_tally", "tally_registered", e),
                Expect("counts", "decrypted_registered", find(events, "tally_decrypted"))]

    return [Variant("ballots-cast", "the tally's weighted ballots understated", weight),
            Variant("registered", "the tally's registered voters overstated", registered)]


def ranked_variants() -> list[Variant]:
    def stale(events: Events) -> list[Expect]:
        # The second mix of "chair" claims to mix the ballots' rows instead of the first mix (signed).
        mixes = [e for e in events if e["kind"] == "ballots_mixed" and e["payload"]["contest"] == "chair"]
        e = mixes[1]
        e["payload"]["input"] = None
        resigned(events, e)
        return [Expect("mixes", "stale_mix", e), Expect("mixes", "bad_mix_signature", e)]

    def rankings(events: Events) -> list[Expect]:
        e = find(events, "tally_decrypted")
        chair = next(c for c in e["payload"]["contests"] if c["contest"] == "chair")
        first = chair["rankings"][0]
        first["weight"] = first["weight"] + 1
        # The rule, re-run on the announced rankings, no longer gives the announced outcome.
        return [Expect("counts", "rankings_wrong", e), Expect("decisions", "outcome_differs", outcome_of(events))]

    return [Variant("stale-mix", "a mix names the wrong list as its input", stale),
            Variant("rankings", "a decrypted ranking's weight changed", rankings)]


def runoff_variants() -> list[Variant]:
    def next_round(events: Events) -> list[Expect]:
        e = outcome_of(events)
        e["payload"]["next_round"]["contests"][0]["candidates"] = ["Avdeeva", "Chernova"]
        return [Expect("decisions", "next_round", e), Expect("rounds", "round_candidates",
                                                             find(events, "round_opened", nth=1))]

    def late(events: Events) -> list[Expect]:
        e = ballots(events, 2)[0]
        e["payload"]["at"] = find(events, "round_opened", nth=1)["payload"]["closes_at"]
        return [Expect("ballots", "round_closed", e)]

    return [Variant("next-round", "the runoff announced between the wrong candidates", next_round),
            Variant("late-ballot", "a runoff ballot cast at the round's closing time", late)]


def repeat_variants() -> list[Variant]:
    def window(events: Events) -> list[Expect]:
        e = find(events, "round_opened", nth=1)
        e["payload"]["closes_at"] = e["payload"]["closes_at"].replace("-05-", "-06-", 1)
        # Closed at the true deadline, the round now closes before its (moved) closing time: early
        # is false although it is early, and not every credential had voted.
        closed = find(events, "round_closed", nth=1)
        return [Expect("rounds", "round_window", e), Expect("rounds", "round_closed_early", closed),
                Expect("rounds", "round_closed_early", closed)]

    def first_ballot_in_second(events: Events) -> list[Expect]:
        # A round-1 ballot moved after round 2 opened: it is for a round that is closed.
        e = ballots(events, 1)[0]
        events.remove(e)
        events.insert(events.index(find(events, "round_opened", nth=1)) + 1, e)
        # Round 1 lost a ballot: its announced numbers and its tally no longer match the board.
        tally = find(events, "encrypted_tally")
        return [Expect("ballots", "round_closed", e),
                Expect("counted_ballots", "round_closed_counts", find(events, "round_closed")),
                Expect("encrypted_tally", "tally_ballots", tally), Expect("encrypted_tally", "tally_ballots_cast", tally),
                Expect("encrypted_tally", "tally_ciphertexts", tally)]

    def early_ballot(events: Events) -> list[Expect]:
        # A repeat-round ballot dated before the round opened (it still counts in the round).
        e = ballots(events, 2)[0]
        e["payload"]["at"] = find(events, "round_closed")["payload"]["at"]
        return [Expect("ballots", "round_not_open", e)]

    return [Variant("window", "the repeat round's closing time moved", window),
            Variant("early-ballot", "a repeat-round ballot dated before the round opened", early_ballot),
            Variant("moved-ballot", "a round-1 ballot moved into round 2", first_ballot_in_second)]


def complaints_variants() -> list[Variant]:
    def false_order(events: Events) -> list[Expect]:
        e = find(events, "key_ceremony_completed")
        e["payload"]["false_complaints"].reverse()
        return [Expect("key_ceremony", "dkg_false_complaints", e)]

    def reason(events: Events) -> list[Expect]:
        e = find(events, "key_ceremony_completed")
        e["payload"]["disqualified"]["1"] = "justified complaint by trustee 2"
        return [Expect("key_ceremony", "dkg_disqualified", e)]

    def requalified(events: Events) -> list[Expect]:
        e = find(events, "key_ceremony_completed")
        e["payload"]["disqualified"] = {}
        e["payload"]["qualified"] = [1, 2, 3]
        return [Expect("key_ceremony", "dkg_qualified", e), Expect("key_ceremony", "dkg_disqualified", e)]

    return [Variant("false-complaints-order", "the false complaints listed out of order", false_order),
            Variant("disqualified-reason", "the disqualified dealer's reason names another trustee", reason),
            Variant("requalified", "the disqualified dealer announced as qualified", requalified)]


def skipped_variants() -> list[Variant]:
    def reason(events: Events) -> list[Expect]:
        e = find(events, "tally_decrypted")
        e["payload"]["skipped"]["1"] = "not a qualified trustee"
        return [Expect("combination", "skipped_reason", e)]

    def used(events: Events) -> list[Expect]:
        e = find(events, "tally_decrypted")
        e["payload"]["shares_used"] = [1, 2]
        e["payload"]["skipped"] = {}
        bad = find(events, "decryption_share", lambda x: x["payload"]["trustee"] == 1)
        return [Expect("combination", "shares_used", e), Expect("decryption_shares", "invalid_share_used", bad),
                Expect("decryption_shares", "invalid_share_not_skipped", bad)]

    def other_index(events: Events) -> list[Expect]:
        # Trustee 1's share names trustee 3 inside (signed by trustee 1): the payload's index counts,
        # the share is invalid for reason 3 of spec §6.2, which is checked before the proof.
        e = find(events, "decryption_share", lambda x: x["payload"]["trustee"] == 1)
        e["payload"]["share"]["trustee"] = 3
        resigned(events, e)
        return [Expect("combination", "skipped_reason", find(events, "tally_decrypted"))]

    return [Variant("skipped-reason", "the skipped share's reason is not the one of spec §6.2", reason),
            Variant("other-index", "a share whose inner trustee index is not its event's", other_index),
            Variant("invalid-share-used", "the share with the bad proof used, nothing skipped", used)]


def inspection_variants() -> list[Variant]:
    def credentials(events: Events) -> dict[str, Any]:
        return find(events, "credentials_published")

    def registered(events: Events) -> list[Expect]:
        # The tally's registered voters (6) are no longer the signed roll's: the quorum's base differs.
        return [Expect("encrypted_tally", "tally_registered", find(events, "encrypted_tally")),
                Expect("decisions", "outcome_differs", find(events, "outcome_declared"))]

    def answer_dropped(events: Events) -> list[Expect]:
        # The commission (or the server) issues the credentials without answering the complaints.
        events.remove(find(events, "roll_complaints_answered"))
        return [Expect("credentials", "complaint_unanswered", credentials(events))] * 2

    def correction_dropped(events: Events) -> list[Expect]:
        # The accepted complaint never applied: the corrected roll left out, the first roll stands.
        rolls = [e for e in events if e["kind"] == "roll_published"]
        events.remove(rolls[1])
        c = credentials(events)
        return [Expect("credentials", "complaint_not_applied", c), Expect("credentials", "roll_count_mismatch", c),
                Expect("credentials", "roll_commitment_mismatch", c), *registered(events)]

    def answer_reversed(events: Events) -> list[Expect]:
        # The server turns the rejection into an acceptance: the commission's signature no longer holds,
        # and the accepted complaint is not applied.
        e = find(events, "roll_complaints_answered")
        e["payload"]["answers"][1]["decision"] = "accepted"
        return [Expect("credentials", "bad_signature", e),
                Expect("credentials", "complaint_not_applied", credentials(events))]

    def entry_swapped(events: Events) -> list[Expect]:
        # The server swaps a roll number on the corrected roll (counts unchanged, not signed again).
        e = [x for x in events if x["kind"] == "roll_published"][1]
        e["payload"]["districts"][0]["entries"][5][0] = "voter-7"
        return [Expect("credentials", "bad_signature", e), Expect("credentials", "roll_entries_mismatch", e),
                Expect("credentials", "roll_missing", credentials(events)), *registered(events)]

    def corrected_late(events: Events) -> list[Expect]:
        # The corrected roll published after the credential list: the roll changed after credentials.
        e = [x for x in events if x["kind"] == "roll_published"][1]
        events.remove(e)
        events.insert(events.index(credentials(events)) + 1, e)
        c = credentials(events)
        return [Expect("credentials", "roll_after_credentials", e), Expect("credentials", "complaint_not_applied", c),
                Expect("credentials", "roll_count_mismatch", c), Expect("credentials", "roll_commitment_mismatch", c),
                *registered(events)]

    def late_complaint(events: Events) -> list[Expect]:
        # A complaint put on the board after the credentials, when the roll can no longer change.
        e = copy.deepcopy(find(events, "roll_complaint"))
        e["payload"]["voter"] = "voter-9"
        events.insert(events.index(credentials(events)) + 1, e)
        return [Expect("credentials", "complaint_after_credentials", e)]

    return [Variant("answer-dropped", "the credentials issued while the complaints wait for an answer", answer_dropped),
            Variant("correction-dropped", "an accepted complaint never applied: the corrected roll left out",
                    correction_dropped),
            Variant("answer-reversed", "the commission's rejection changed into an acceptance", answer_reversed),
            Variant("entry-swapped", "a roll number on the public roll swapped, counts unchanged", entry_swapped),
            Variant("corrected-late", "the corrected roll published after the credential list", corrected_late),
            Variant("late-complaint", "a complaint about the roll after the credential list", late_complaint)]


def restart_variants() -> list[Variant]:
    def the_restart(events: Events) -> dict[str, Any]:
        return find(events, "key_ceremony_restarted")

    def unsigned(events: Events) -> list[Expect]:
        e = the_restart(events)
        del e["payload"]["signed"]
        return [Expect("key_ceremony", "missing_signature", e)]

    def reason(events: Events) -> list[Expect]:
        # The server rewrites the commission's reason: the commission's signature no longer verifies.
        e = the_restart(events)
        e["payload"]["reason"] = "the trustees asked to be replaced"
        return [Expect("key_ceremony", "bad_signature", e)]

    def outcome(events: Events) -> list[Expect]:
        # The commission (signing its own lie) claims trustee 3 failed too, to have its seat.
        e = the_restart(events)
        e["payload"]["outcome"]["disqualified"]["3"] = "no reveal"
        e["payload"]["outcome"]["qualified"] = []
        resigned(events, e)
        return [Expect("key_ceremony", "restart_outcome", e)]

    def replayed(events: Events) -> list[Expect]:
        # The server puts trustee 3's attempt-1 commitment hash (as signed) into attempt 2.
        old = copy.deepcopy(find(events, "dkg_commitment_hash", lambda x: x["payload"]["trustee"] == 3))
        events.insert(events.index(the_restart(events)) + 1, old)
        return [Expect("key_ceremony", "dkg_attempt", old)]

    def relabelled(events: Events) -> list[Expect]:
        # The same, labelled attempt 2 by the server: trustee 3 never signed that label.
        old = copy.deepcopy(find(events, "dkg_commitment_hash", lambda x: x["payload"]["trustee"] == 3))
        old["payload"]["attempt"] = 2
        mine = find(events, "dkg_commitment_hash", lambda x: x["payload"]["trustee"] == 3 and "attempt" in x["payload"])
        events.insert(events.index(mine) + 1, old)
        return [Expect("key_ceremony", "bad_signature", old), Expect("key_ceremony", "dkg_twice", old)]

    def after_completion(events: Events) -> list[Expect]:
        # The commission restarts the completed ceremony to drop trustee 3 (the server lets it in).
        done = find(events, "key_ceremony_completed")
        e = copy.deepcopy(the_restart(events))
        e["payload"]["attempt"] = 3
        e["payload"]["reason"] = "we prefer another trustee"
        resigned(events, e)
        events.insert(events.index(done) + 1, e)
        return [Expect("key_ceremony", "restart_after_completion", e)]

    def replaces_qualified(events: Events) -> list[Expect]:
        # Commission and server together: seat 3, whose trustee qualified, given to the commission's
        # own person, and attempt 2 run with her.
        events[:] = load(replacing_qualified_board())
        return [Expect("key_ceremony", "restart_replaces_qualified", the_restart(events))]

    return [Variant("restart-unsigned", "the commission's restart without its signature", unsigned),
            Variant("restart-reason", "the restart's reason rewritten after the commission signed it", reason),
            Variant("restart-outcome", "the restart names a qualified trustee as disqualified (signed)", outcome),
            Variant("replayed-attempt-1", "an attempt-1 message replayed into attempt 2", replayed),
            Variant("relabelled-attempt-1", "an attempt-1 message relabelled as attempt 2's", relabelled),
            Variant("restart-after-completion", "the completed ceremony restarted (signed by the commission)",
                    after_completion),
            Variant("restart-replaces-qualified", "a restart that gives a qualified trustee's seat to another",
                    replaces_qualified)]


def districts_variants() -> list[Variant]:
    def west_secrets(events: Events) -> list[str]:
        listed = find(events, "credentials_published")["payload"]["credentials"]
        return [voter_secret(events, c["credential"]) for c in listed if c["district"] == "west"]

    def no_contest(events: Events) -> list[Expect]:
        # Round 2 holds the east shop's runoff only. A west voter's own device fills in the east
        # shop's runoff ballot and signs it; the server lets it onto the board (without counting it).
        second = ballots(events, 2)
        opened = find(events, "round_opened", nth=1)
        state = replay(Event.from_json(e) for e in events[:events.index(opened) + 1])
        form = protocol.ballot_form(state, second[0]["payload"]["ballot"]["credential"])
        ballot, _ = protocol.encrypt_ballot(form, west_secrets(events)[0], {"east-rep": ["Avdeeva"]}, rng("stray"))
        e = copy.deepcopy(second[-1])
        e["payload"]["ballot"] = ballot.to_json()
        events.insert(events.index(second[-1]) + 1, e)
        return [Expect("ballots", "no_contest_in_district", e)]

    def revote(events: Events) -> list[Expect]:
        # The server, without its check, takes a west voter's second ballot in round 1 and counts it
        # as that voter's last; everything after is consistent with it.
        events[:] = load(revoting_board())
        first = ballots(events)
        credentials = [e["payload"]["ballot"]["credential"] for e in first]
        again = next(e for k, e in enumerate(first) if credentials[k] in credentials[:k])
        return [Expect("ballots", "revote_forbidden", again)]

    def of_trustee_4(events: Events, kind: str) -> dict[str, Any]:
        return find(events, kind, lambda x: x["payload"]["trustee"] == 4)

    def dealer(events: Events) -> list[Expect]:
        # Trustee 4 sends shares that name trustee 3 as their dealer (signed by trustee 4), and the
        # server takes them. The message counts as never sent (spec §10.2, §5.7 rule 1): trustee 4 is
        # disqualified, and the announced result, which keeps trustee 4, is not the board's.
        e = of_trustee_4(events, "dkg_shares")
        for share in e["payload"]["shares"]:
            share["dealer"] = 3
        resigned(events, e)
        return [Expect("key_ceremony", "dkg_trustee", e), *result_differs(events)]

    def reveal(events: Events) -> list[Expect]:
        # The same with trustee 4's reveal naming trustee 3.
        e = of_trustee_4(events, "dkg_commitments")
        e["payload"]["reveal"]["trustee"] = 3
        resigned(events, e)
        return [Expect("key_ceremony", "dkg_trustee", e), *result_differs(events)]

    def result_differs(events: Events) -> list[Expect]:
        done = find(events, "key_ceremony_completed")
        # Qualified, the joint key, the disqualified, and the verification key of each of 4 trustees.
        return [Expect("key_ceremony", code, done) for code in ("dkg_qualified", "dkg_public_key", "dkg_disqualified")] \
            + [Expect("key_ceremony", "dkg_verification_keys", done)] * 4

    return [Variant("no-contest-in-district", "a west voter's ballot in a round with no contest in the west",
                    no_contest),
            Variant("revote-forbidden", "a second ballot of one voter in a round, the election allowing no re-vote",
                    revote),
            Variant("shares-other-dealer", "a trustee's shares naming another trustee as their dealer", dealer),
            Variant("reveal-other-trustee", "a trustee's reveal naming another trustee", reveal)]


def revoting_board() -> list[bytes]:
    from conformance_elections import districts

    return districts(revote_by=1)


def replacing_qualified_board() -> list[bytes]:
    from conformance_elections import restart

    return restart(replace_qualified=True)


VARIANTS: dict[str, Callable[[], list[Variant]]] = {
    "strikeout": lambda: strikeout_variants() + refusal_variants(), "motion": motion_variants, "for-against": for_against_variants,
    "weighted": weighted_variants, "ranked": ranked_variants, "runoff": runoff_variants,
    "repeat": repeat_variants, "complaints": complaints_variants, "skipped-share": skipped_variants,
    "inspection": inspection_variants, "restart": restart_variants, "districts": districts_variants,
}


# --- building the kit --------------------------------------------------------------------------


def tampered(lines: list[bytes], variant: Variant) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """The record with ``variant``'s change made as an attacker would, and the findings it declares."""
    events = load(lines)
    expects = variant.change(events)
    retrack(events)
    rechain(events)
    files = record_files(to_lines(events))
    if variant.archive is not None:
        variant.archive(files)
    declared = [{"check": x.check, "code": x.code,
                 "position": None if x.event is None else next(i for i, e in enumerate(events, 1) if e is x.event)}
                for x in expects]
    return files, sorted(declared, key=lambda f: (f["check"], f["code"], f["position"] or 0))


def build(only: set[str] | None = None) -> list[Built]:
    """Every record of the kit (or of the elections named in ``only``), each verified: raises
    ``AssertionError`` naming the record when a report is not what its variant declares."""
    out = []
    for name, run in ELECTIONS.items():
        if only is not None and name not in only:
            continue
        lines = run()
        files = record_files(lines)
        built = [Built(f"{name}/valid.zip", name, "valid", "the election as held", files)]
        for variant in VARIANTS[name]():
            files, declared = tampered(lines, variant)
            built.append(Built(f"{name}/{variant.name}.zip", name, variant.name, variant.what, files, declared))
        out += built
    wrong = []
    for b in out:
        found = findings_of(verify_record(as_record(b.files)))
        if found != b.findings:
            wrong.append(f"{b.file}: verify reports {found}, the kit declares {b.findings}")
    if wrong:
        raise AssertionError("\n".join(wrong))
    return out


def expected_json(built: list[Built]) -> bytes:
    doc = {"format": KIT_FORMAT, "version": KIT_VERSION, "generated_by": "scripts/make-conformance",
           "records": [b.entry() for b in built]}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def write(built: list[Built], folder: Path = KIT) -> None:
    for b in built:
        path = folder / b.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(zip_bytes(b.files))
    (folder / EXPECTED).write_bytes(expected_json(built))


__all__ = ["EXPECTED", "KIT", "Built", "build", "expected_json", "write", "zip_bytes"]
