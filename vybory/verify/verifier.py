"""The verifier: every check of docs/verifier.md on an election record, from the record alone.

``verify_record(files)`` reads the record as a stream of lines, in two passes:

1. the first pass checks the hash chain, re-derives what the checks need from
   each event in turn (definition, candidates, key ceremony, credentials,
   rounds, the last ballot of each credential, the published tallies, shares,
   decryptions and outcomes), and hands each ballot's cryptographic check to
   ``checker`` as a :class:`~vybory.verify.jobs.BallotJob` (in this process, on
   a process pool or on a Dask cluster: see ``vybory.scale``);
2. the second pass adds up the counted ballots (their ciphertexts kept by the
   first pass; only the lines still needed are read again) into each round's encrypted
   tally; then the tallies, shares, decryptions, decisions and results are checked.

Memory grows with the number of credentials and ciphertexts (a few dozen bytes
each), never with the size of ballots or proofs. Nothing here reads a file:
the shell passes the record's bytes and a way to read its event lines.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidDefinition, VyboryError
from vybory.model.board import FIRST_POSITION, GENESIS_HASH, Event, EventKind
from vybory.model.canonical import canonical_json, parse_json
from vybory.model.definition import (
    Definition,
    Trustee,
    definition_from_json,
    fingerprint,
    format_time,
    parse_time,
)
from vybory.model.layout import Layout, compute_layout
from vybory.model.roll import (
    COMPLAINT_FIELDS,
    Answer,
    Complaint,
    RollDistrict,
    complaint_applied,
    read_answers,
    read_complaint,
    unasked_changes,
)
from vybory.model.signing import SIGNED_KINDS, check_payload_signature
from vybory.verify import decisions, keys, record
from vybory.verify.candidates import Nominations
from vybory.verify.credentials import Credential, CredentialList, read_credentials, read_roll_event
from vybory.verify.digests import DigestTable, ciphertext_digest
from vybory.verify.heads import WITNESS_FIELDS, Head, phase_of, witness_claim
from vybory.verify.jobs import (
    BallotChecker,
    BallotJob,
    BallotVerdict,
    RoundContext,
    check_ballot_job,
    check_sequentially,
)
from vybory.verify.lines import (
    canonical,
    event_hash,
    member_json,
    read_event,
    read_json,
    read_line,
    signed_json,
)
from vybory.verify.mix import MIX_FIELDS, check_mix, input_row, parse_mix, row_width
from vybory.verify.payloads import Malformed, need
from vybory.verify.report import CHECK_NAMES, Findings, Report, Witnessed, WitnessLevel
from vybory.verify.rounds import (
    LastBallots,
    MixRecord,
    Published,
    Round,
    RoundContest,
    TallyInputs,
    tally_input,
)
from vybory.verify.tally import (
    TallySum,
    check_decryption,
    check_decryption_shares,
    check_encrypted_tally,
    decryption_vector,
)

# Progress: (phase, events read, ballots checked). Phases: "board", then "tally".
Progress = Callable[[str, int, int], None]

CHECK_OF_KIND = {
    EventKind.ELECTION_DEFINED: "definition",
    EventKind.NOMINATION_SUBMITTED: "candidates",
    EventKind.CANDIDATE_REGISTERED: "candidates",
    EventKind.CANDIDATE_REFUSED: "candidates",
    EventKind.APPEAL_LODGED: "candidates",
    EventKind.APPEAL_DECIDED: "candidates",
    EventKind.NOMINATIONS_CLOSED: "candidates",
    EventKind.TRUSTEE_KEY: "key_ceremony",
    EventKind.DKG_COMMITMENT_HASH: "key_ceremony",
    EventKind.DKG_COMMITMENTS: "key_ceremony",
    EventKind.DKG_SHARES: "key_ceremony",
    EventKind.DKG_COMPLAINT: "key_ceremony",
    EventKind.KEY_CEREMONY_COMPLETED: "key_ceremony",
    EventKind.KEY_CEREMONY_RESTARTED: "key_ceremony",
    EventKind.ROLL_PUBLISHED: "credentials",
    EventKind.ROLL_COMPLAINT: "credentials",
    EventKind.ROLL_COMPLAINTS_ANSWERED: "credentials",
    EventKind.CREDENTIALS_PUBLISHED: "credentials",
    EventKind.ROUND_OPENED: "rounds",
    EventKind.BALLOT_CAST: "ballots",
    EventKind.ROUND_CLOSED: "rounds",
    EventKind.ENCRYPTED_TALLY: "encrypted_tally",
    EventKind.BALLOTS_MIXED: "mixes",
    EventKind.DECRYPTION_SHARE: "decryption_shares",
    EventKind.TALLY_DECRYPTED: "combination",
    EventKind.OUTCOME_DECLARED: "decisions",
    EventKind.ELECTION_PUBLISHED: "publication",
    EventKind.HEAD_WITNESSED: "witnesses",
}


@dataclass(frozen=True, slots=True)
class RecordFiles:
    """The record as the shell read it: the small files' bytes (None when missing) and a way to
    read ``events.jsonl`` line by line (each line with its newline), as many times as asked."""

    manifest: bytes | None
    definition: bytes | None
    readme: bytes | None
    events: Callable[[], Iterable[bytes]] | None
    # The names of the archive's other entries (a record has none).
    others: tuple[str, ...] = ()


class Verifier:
    """One run of the verifier over one record. Use :func:`verify_record`."""

    def __init__(self, files: RecordFiles, *, published_head: str | None = None,
                 expected_fingerprint: str | None = None, progress: Progress | None = None,
                 watch: str | None = None, heads: Sequence[Head] = ()):
        self.files = files
        # A tracking code to remember where its ballot is (for verify-ballot): (position, round, credential).
        self.watch = watch
        self.watched: tuple[int, Any, Any] | None = None
        self.published_head = published_head
        self.expected_fingerprint = expected_fingerprint
        self.progress = progress
        self.out = Findings()
        self.manifest: record.Manifest | None = None
        self.definition: Definition | None = None
        self.fingerprint: bytes = b""
        self.lines = 0
        self.ballots = 0
        self.ballots_checked = 0
        self.head = GENESIS_HASH
        # Re-derived from the board:
        self.nominations: Nominations | None = None
        self.ceremony: keys.Ceremony | None = None
        # The key ceremony's earlier attempts (spec §5.8).
        self.attempts: list[keys.Ceremony] = []
        self.roll: tuple[RollDistrict, ...] | None = None
        self.roll_at: int | None = None
        # Complaints about the public roll (spec §12.1a): position -> (complaint, answer or None).
        self.complaints: dict[int, tuple[Complaint, Answer | None]] = {}
        self.credentials = CredentialList()
        self.credentials_at: int | None = None
        self.rounds: dict[int, Round] = {}
        self.ciphertexts = DigestTable()
        # ballots_mixed events, checked in the second pass: position -> (round, contest, trustee).
        self.mix_positions: dict[int, tuple[Round, str, int]] = {}
        self.published_at: int | None = None
        # Heads published elsewhere (a heads file): position -> the heads naming it.
        self.heads: dict[int, list[Head]] = {}
        for h in heads:
            self.heads.setdefault(h.position, []).append(h)
        # Witnessed heads (spec §10.6): position -> [(event, trustee, hash, signature valid)];
        # the hashes are compared in the second pass. Each trustee's last witnessed position.
        self.witness_claims: dict[int, list[tuple[int, int, str, bool]]] = {}
        self.witness_last: dict[int, int] = {}
        self.witness_held: dict[int, int] = {}
        # (position, words) of every phase change, in board order; the last event not a witness.
        self.phases: list[tuple[int, str]] = []
        self.last_content = 0
        # The payload of the event last read and its canonical JSON (cut out of the line's).
        self.payload_json: tuple[Mapping[str, Any] | None, bytes] = (None, b"")

    # ------------------------------------------------------------------ the run

    def run(self, checker: BallotChecker) -> Report:
        self._read_manifest()
        self._read_definition_file()
        if self.files.events is None:
            self.out.fail("record", "record_file_missing", f"the record has no {record.EVENTS}")
            for name in CHECK_NAMES[CHECK_NAMES.index("board"):]:
                self.out.skip(name, f"the record has no {record.EVENTS}")
        else:
            jobs = self._first_pass(self.files.events())
            for verdict in checker(jobs):
                self._take(verdict)
            for job in jobs:  # a checker that stopped early: finish here
                self._take(check_ballot_job(job))
            self._after_first_pass()
            if self.definition is not None:
                self._second_pass(self.files.events())
                self._check_rounds_results()
        m = self.manifest
        return self.out.report(
            election=self.definition.slug if self.definition else (m.election if m else ""),
            fingerprint=self.fingerprint.hex() if self.fingerprint else (m.fingerprint if m else ""),
            head=self.head.hex(), events=self.lines, ballots=self.ballots,
            witnessed=self._witnessed())

    # ------------------------------------------------------------- record files

    def _read_manifest(self) -> None:
        self.out.count("record")
        if self.files.manifest is None:
            self.out.fail("record", "record_file_missing", f"the record has no {record.MANIFEST}")
            return
        try:
            self.manifest = record.parse_manifest(self.files.manifest)
        except VyboryError as error:
            self.out.fail("record", error.code, str(error))
            return
        for name, data in ((record.DEFINITION, self.files.definition), (record.README, self.files.readme)):
            self._check_file(name, data)
        for name in self.files.others:
            self.out.fail("record", "record_extra_file", f"the archive holds {name!r}, which is not a file of a "
                                                         f"record (only {record.MANIFEST} and {', '.join(record.FILES)})")

    def _check_file(self, name: str, data: bytes | None, digest: str | None = None, size: int | None = None) -> None:
        self.out.count("record")
        if self.manifest is None:
            return
        if digest is None:
            if data is None:
                self.out.fail("record", "record_file_missing", f"the record has no {name}")
                return
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        entry = self.manifest.files[name]
        if entry.sha256 != digest or entry.size != size:
            self.out.fail("record", "record_file_digest",
                          f"{name}: its SHA-256 ({digest}, {size} bytes) is not the one the manifest lists "
                          f"({entry.sha256}, {entry.size} bytes)")

    def _read_definition_file(self) -> None:
        if self.files.definition is None:
            if self.manifest is None:
                self.out.fail("record", "record_file_missing", f"the record has no {record.DEFINITION}")
            return
        try:
            obj = parse_json(self.files.definition, field=record.DEFINITION)
            self.definition = definition_from_json(obj, source=record.DEFINITION)
        except InvalidDefinition as error:
            self.out.fail("definition", error.code, f"{record.DEFINITION} is not a valid definition: {error}")
            return
        except VyboryError as error:
            self.out.fail("definition", error.code, str(error))
            return
        self.fingerprint = fingerprint(self.definition)
        self.out.count("definition")
        if canonical_json(obj) != canonical_json(self.definition.to_json()):
            self.out.fail("definition", "definition_not_normal",
                          f"{record.DEFINITION} is not the definition's normalised form (the object its "
                          "fingerprint hashes)")
        fp = self.fingerprint.hex()
        if self.manifest is not None:
            if self.manifest.fingerprint != fp:
                self.out.fail("definition", "fingerprint_mismatch",
                              f"the manifest names the fingerprint {self.manifest.fingerprint}; the definition's "
                              f"is {fp}")
            if self.manifest.election != self.definition.slug:
                self.out.fail("definition", "slug_mismatch",
                              f"the manifest names election {self.manifest.election!r}; the definition is "
                              f"{self.definition.slug!r}")
        if self.expected_fingerprint is not None and self.expected_fingerprint.strip().lower() != fp:
            self.out.fail("definition", "other_election",
                          f"this is the record of another election: its fingerprint is {fp}, not the expected "
                          f"{self.expected_fingerprint.strip().lower()}")
        self.ceremony = keys.Ceremony(self.fingerprint, len(self.definition.trustees), self.definition.threshold,
                                      seats=self.definition.trustees)

    # --------------------------------------------------------------- first pass

    def _first_pass(self, lines: Iterable[bytes]) -> Iterator[BallotJob]:
        digest = hashlib.sha256()
        size = 0
        previous: Event | None = None
        last: Event | None = None
        index = 0
        for index, line in enumerate(lines, start=FIRST_POSITION):
            digest.update(line)
            size += len(line)
            self.lines = index
            event = self._read_event(index, line, previous)
            previous = event
            if event is None:
                continue
            last = event
            if index in self.heads:
                self._check_heads_at(index, event.hash.hex())
            if event.kind is not EventKind.HEAD_WITNESSED:
                self.last_content = index
            words = phase_of(event.kind.value, event.payload)
            if words is not None:
                self.phases.append((index, words))
            if self.definition is None and event.kind is not EventKind.ELECTION_DEFINED:
                continue
            job = self._dispatch(index, event)
            if job is not None:
                yield job
            if self.progress is not None and index % 64 == 0:
                self.progress("board", index, self.ballots_checked)
        self.lines = index
        if self.progress is not None:
            self.progress("board", index, self.ballots_checked)
        self._check_file(record.EVENTS, None, digest.hexdigest(), size)
        self._check_head(last, readable=previous is not None)

    def _read_event(self, index: int, line: bytes, previous: Event | None) -> Event | None:
        """Check 2 for one line: it is an event, at its place, linked to the one before, with its hash."""
        out = self.out
        out.count("board")
        if not line.endswith(b"\n"):
            out.fail("board", "board_line", "the line does not end with a newline (a truncated record?)",
                     position=index)
        try:
            read = read_line(line)
            event = read_event(read.obj)
        except VyboryError as error:
            out.fail("board", "board_unreadable", f"not an event: {error}", position=index)
            if index in self.heads:
                self._check_heads_at(index, "")
            return None
        kind = event.kind.value
        if event.position != index:
            out.fail("board", "board_order", f"is at position {event.position}, but is line {index} of the board",
                     position=index, kind=kind)
        expected_previous = GENESIS_HASH if index == FIRST_POSITION else (previous.hash if previous else None)
        if expected_previous is not None and event.previous_hash != expected_previous:
            out.fail("board", "board_link", "previous_hash is not the hash of the event before it",
                     position=index, kind=kind)
        # The line's canonical JSON is written once: the payload's (for the hash, the signature, and
        # the ballot's for its tracking code) is cut out of it.
        payload_json = read.payload_json
        self.payload_json = (event.payload, payload_json)
        if event_hash(event, payload_json) != event.hash:
            out.fail("board", "board_hash", "its hash does not match its contents", position=index, kind=kind)
        if not read.canonical:
            out.fail("board", "board_line", "the line is not the event's canonical JSON", position=index, kind=kind)
        if (index == FIRST_POSITION) != (event.kind is EventKind.ELECTION_DEFINED):
            out.fail("board", "board_genesis", "election_defined must be the first event, and only the first",
                     position=index, kind=kind)
        if self.published_at is not None and event.kind is not EventKind.HEAD_WITNESSED:
            out.fail("board", "after_publication", f"an event after the election was published (event "
                                                    f"{self.published_at})", position=index, kind=kind)
        return event

    def _check_head(self, last: Event | None, *, readable: bool) -> None:
        """Check 3: the last event's hash is the head the manifest (and the election) published.

        ``last`` is the last readable event; ``readable`` says whether it is the board's last line."""
        out = self.out
        out.count("head")
        self.head = last.hash if last is not None else GENESIS_HASH
        head = self.head.hex()
        if last is None:
            out.fail("head", "board_empty", "the board has no readable event")
        elif not readable:
            out.fail("head", "head_unreadable", f"the board's last line ({self.lines}) is not an event: its head "
                                                f"cannot be read (the last readable event is {last.position})")
        if self.manifest is not None:
            if self.manifest.head != head:
                out.fail("head", "head_mismatch", f"the manifest's head {self.manifest.head} is not the hash of the "
                                                  f"board's last event ({head})")
            if self.manifest.events != self.lines:
                out.fail("record", "record_event_count", f"the manifest lists {self.manifest.events} events; "
                                                         f"{record.EVENTS} holds {self.lines}")
        if self.published_head is not None and self.published_head.strip().lower() != head:
            out.fail("head", "published_head_mismatch",
                     f"the board's head {head} is not the published head {self.published_head.strip().lower()}")
        for position in sorted(p for p in self.heads if p > self.lines):
            for h in self.heads[position]:
                out.fail("head", "heads_beyond_record",
                         f"the heads file names event {position} ({h.label or 'no label'}) with the hash {h.hash}, "
                         f"but this record ends at event {self.lines}: events were removed")
        if last is not None and self.published_at is None:
            out.note("head", f"the election is not published yet: this record ends at event {self.lines} "
                             f"({last.kind.value})")

    def _check_heads_at(self, index: int, digest: str) -> None:
        """With a heads file: the event at ``index`` has the hash the file names for it."""
        self.out.count("head")
        for h in self.heads[index]:
            if h.hash != digest:
                self.out.fail("head", "heads_mismatch",
                              f"the heads file names the hash {h.hash} for this event ({h.label or 'no label'}), "
                              f"but it has {digest or 'none (unreadable)'}: the board up to here was rewritten",
                              position=index)

    def _dispatch(self, index: int, event: Event) -> BallotJob | None:
        kind = event.kind.value
        check = CHECK_OF_KIND.get(event.kind)
        handler: Callable[[int, Mapping[str, Any]], BallotJob | None] | None = getattr(self, f"_on_{kind}", None)
        if check is None or handler is None:
            self.out.fail("board", "unknown_kind", f"this verifier cannot check events of kind {kind!r}",
                          position=index, kind=kind)
            return None
        if kind in SIGNED_KINDS and self.definition is not None:
            # Check 5a: the signer the definition (or the key ceremony's latest restart) names made this
            # message (spec §10.5).
            try:
                read, payload_json = self.payload_json
                message = signed_json(kind, event.payload, payload_json) if read is event.payload else None
                check_payload_signature(self.definition, self.fingerprint, kind, event.payload, self._trustees(),
                                        message=message)
            except VyboryError as error:
                self.out.fail(check, error.code, str(error), position=index, kind=kind)
        try:
            return handler(index, event.payload)
        except Malformed as error:
            self.out.fail(check, "malformed_payload", str(error), position=index, kind=kind)
        except VyboryError as error:
            self.out.fail(check, error.code, str(error), position=index, kind=kind)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            self.out.fail(check, "malformed_payload", f"the payload does not have the form of a {kind} event "
                                                      f"({type(error).__name__}: {error})", position=index, kind=kind)
        return None

    def _fail(self, check: str, code: str, message: str, index: int, kind: str,
              tracking_code: str | None = None) -> None:
        self.out.fail(check, code, message, position=index, kind=kind, tracking_code=tracking_code)

    # -- definition and nominations ------------------------------------------------

    def _on_election_defined(self, index: int, p: Mapping[str, Any]) -> None:
        need(p, {"definition", "fingerprint", "at"}, "election_defined")
        self.out.count("definition")
        kind = "election_defined"
        if self.definition is None:
            self.definition = definition_from_json(p["definition"], source="event 1 definition")
            self.fingerprint = fingerprint(self.definition)
            self.ceremony = keys.Ceremony(self.fingerprint, len(self.definition.trustees), self.definition.threshold,
                                          seats=self.definition.trustees)
            self.out.fail("definition", "definition_unusable",
                          f"the record has no usable {record.DEFINITION}; the board's definition is used",
                          position=index, kind=kind)
        elif canonical_json(p["definition"]) != canonical_json(self.definition.to_json()):
            self._fail("definition", "definition_mismatch",
                       f"the definition on the board is not the one in {record.DEFINITION}", index, kind)
        if p["fingerprint"] != self.fingerprint.hex():
            self._fail("definition", "fingerprint_mismatch",
                       f"the board names the fingerprint {p['fingerprint']}; the definition's is "
                       f"{self.fingerprint.hex()}", index, kind)

    def _on_nomination_submitted(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("nomination_submitted", p, index, self.out)

    def _on_candidate_registered(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("candidate_registered", p, index, self.out)

    def _on_candidate_refused(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("candidate_refused", p, index, self.out)

    def _on_appeal_lodged(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("appeal_lodged", p, index, self.out)

    def _on_appeal_decided(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("appeal_decided", p, index, self.out)

    def _on_nominations_closed(self, index: int, p: Mapping[str, Any]) -> None:
        self._nominations().add("nominations_closed", p, index, self.out)

    def _nominations(self) -> Nominations:
        if self.nominations is None:
            self.nominations = Nominations(self._definition())
        return self.nominations

    @property
    def ballot_candidates(self) -> dict[str, tuple[str, ...]] | None:
        return self.nominations.ballot if self.nominations is not None else None

    # -- key ceremony and credentials --------------------------------------------------

    def _on_trustee_key(self, index: int, p: Mapping[str, Any]) -> None:
        self._dkg("trustee_key", index, p)

    def _on_dkg_commitment_hash(self, index: int, p: Mapping[str, Any]) -> None:
        self._dkg("dkg_commitment_hash", index, p)

    def _on_dkg_commitments(self, index: int, p: Mapping[str, Any]) -> None:
        self._dkg("dkg_commitments", index, p)

    def _on_dkg_shares(self, index: int, p: Mapping[str, Any]) -> None:
        self._dkg("dkg_shares", index, p)

    def _on_dkg_complaint(self, index: int, p: Mapping[str, Any]) -> None:
        self._dkg("dkg_complaint", index, p)

    def _dkg(self, kind: str, index: int, p: Mapping[str, Any]) -> None:
        assert self.ceremony is not None
        self.ceremony.add(kind, p, index, self.out)

    def _on_key_ceremony_completed(self, index: int, p: Mapping[str, Any]) -> None:
        assert self.ceremony is not None
        self.ceremony.complete(p, index, self.out)

    def _on_key_ceremony_restarted(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 6 for a restart (spec §5.8): the attempt that failed or stalled, then the new one."""
        need(p, {"attempt", "outcome", "reason", "trustees", "at", "signed"}, "key_ceremony_restarted")
        assert self.ceremony is not None
        following = self.ceremony.restart(self._definition(), self.fingerprint, self.attempts, p, index, self.out)
        if following is not None:
            self.attempts.append(self.ceremony)
            self.ceremony = following

    def _trustees(self) -> tuple[Trustee, ...]:
        """The trustees now, seat by seat: the key ceremony's latest attempt's (spec §5.8)."""
        if self.ceremony is not None and self.ceremony.seats:
            return self.ceremony.seats
        return self._definition().trustees

    def _on_roll_published(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 7: the signed roll, before the credentials; a later one replaces it (a correction)."""
        kind = "roll_published"
        if self.credentials_at is not None:
            self._fail("credentials", "roll_after_credentials", f"a roll after the credential list (event "
                                                                f"{self.credentials_at})", index, kind)
            return
        if self.roll_at is not None:
            self.out.note("credentials", f"the roll of event {index} replaces the roll of event {self.roll_at}")
        previous, self.roll_at = self.roll, index
        self.roll = read_roll_event(p, self._definition(), index, self.out)
        if previous is not None and self.roll is not None:
            # A correction may change more than the complaints asked: each such change is named.
            accepted = [c for c, answer in self.complaints.values() if answer is not None
                        and answer.decision == "accepted"]
            for change in unasked_changes(previous, self.roll, accepted):
                self.out.note("credentials", f"the roll of event {index} changes what no accepted complaint "
                                             f"asked: {change}")

    def _on_roll_complaint(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 7: a complaint about the public roll, before the credentials (spec §12.1a)."""
        kind = "roll_complaint"
        need(p, COMPLAINT_FIELDS, kind)
        self.out.count("credentials")
        if not self._definition().public_roll:
            self._fail("credentials", "roll_not_public", "a complaint about a roll the definition does not publish",
                       index, kind)
            return
        if self.credentials_at is not None:
            self._fail("credentials", "complaint_after_credentials", "a complaint about the roll after the "
                                                                     f"credential list (event {self.credentials_at})",
                       index, kind)
            return
        try:
            self.complaints[index] = (read_complaint(self._definition(), p), None)
        except VyboryError as error:
            self._fail("credentials", "complaint_malformed", f"{error.field}: {error.message}", index, kind)

    def _on_roll_complaints_answered(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 7: the commission's signed answers, each to a complaint not yet answered (spec §12.1a)."""
        kind = "roll_complaints_answered"
        need(p, {"answers", "at"}, kind)
        self.out.count("credentials")
        if self.credentials_at is not None:
            self._fail("credentials", "answer_after_credentials", "answers about the roll after the credential "
                                                                  f"list (event {self.credentials_at})", index, kind)
            return
        try:
            answers = read_answers(p["answers"])
        except VyboryError as error:
            code = error.code if error.code == "answer_twice" else "answers_malformed"
            self._fail("credentials", code, f"{error.field}: {error.message}", index, kind)
            return
        for answer in answers:
            held = self.complaints.get(answer.complaint)
            if held is None:
                self._fail("credentials", "answer_unknown_complaint", f"event {answer.complaint} is not a "
                                                                      "complaint about the roll", index, kind)
            elif held[1] is not None:
                self._fail("credentials", "answer_twice", f"complaint {answer.complaint} was already answered",
                           index, kind)
            else:
                self.complaints[answer.complaint] = (held[0], answer)

    def _check_complaints_before_credentials(self, index: int) -> None:
        """Every complaint answered, every accepted one applied by the signed roll (spec §12.1a)."""
        kind = "credentials_published"
        for position, (complaint, answer) in sorted(self.complaints.items()):
            if answer is None:
                self._fail("credentials", "complaint_unanswered", f"the complaint of event {position} (voter "
                           f"{complaint.voter!r}) has no answer from the commission before the credentials",
                           index, kind)
            elif answer.decision == "accepted" and self.roll is not None and not complaint_applied(complaint,
                                                                                                     self.roll):
                self._fail("credentials", "complaint_not_applied", f"the complaint of event {position} (voter "
                           f"{complaint.voter!r}, {complaint.complaint}) was accepted but the signed roll "
                           "does not apply it", index, kind)

    def _on_credentials_published(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 7: one list, before voting begins (the rest in :mod:`vybory.verify.credentials`)."""
        kind = "credentials_published"
        if self.credentials_at is not None:
            self._fail("credentials", "credentials_twice", f"a second credential list (the first is event "
                                                           f"{self.credentials_at})", index, kind)
            return
        self._check_complaints_before_credentials(index)
        if self.rounds:
            self._fail("credentials", "credentials_late", "the credentials are published after voting began",
                       index, kind)
        self.credentials_at = index
        self.credentials = read_credentials(p, self._definition(), index, self.out, self.roll)

    # -- rounds and ballots -----------------------------------------------------------

    def _open_round(self) -> Round | None:
        current = self.rounds[max(self.rounds)] if self.rounds else None
        return current if current is not None and current.closed is None else None

    def _on_round_opened(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 17 for an opening: round 1 lists the ballot's candidates; a later round lists
        exactly what the previous round's outcomes announced, for its own window."""
        # "booth" (optional): the SHA-256 of the voting booth the server served (spec §10.2).
        need(p, {"round", "contests", "opens_at", "closes_at", "at"} | ({"booth"} & set(p)), "round_opened")
        d = self._definition()
        kind = "round_opened"
        self.out.count("rounds")
        booth = p.get("booth")
        if "booth" in p and not (isinstance(booth, str) and len(booth) == 64
                                 and all(ch in "0123456789abcdef" for ch in booth)):
            self._fail("rounds", "round_booth", "booth must be a SHA-256: 64 lower-case hexadecimal digits", index,
                       kind)
        elif booth is not None:
            self.out.note("rounds", f"round {p['round']} opened with the voting booth whose SHA-256 is {booth}")
        number = p["round"]
        at = parse_time(p["at"])
        if number != len(self.rounds) + 1:
            self._fail("rounds", "round_number", f"opens round {number!r}; the next round is "
                                                 f"{len(self.rounds) + 1}", index, kind)
            return
        if number == 1:
            missing = [what for what, done in (("the nominations are not closed", self.ballot_candidates is not None),
                                               ("the key ceremony is not completed",
                                                self.ceremony is not None and self.ceremony.completed),
                                               ("the credentials are not published", self.credentials_at is not None))
                       if not done]
            if at >= d.deadlines.voting_close:
                missing.append(f"the voting deadline {format_time(d.deadlines.voting_close)} has passed")
            if missing:
                self._fail("rounds", "round_not_ready", "voting opens although " + "; ".join(missing), index, kind)
            expected_contests = decisions.first_round(d, self.ballot_candidates or {})
            expected_window = (format_time(d.deadlines.voting_open), format_time(d.deadlines.voting_close))
        else:
            previous = self.rounds[number - 1]
            announced = previous.outcomes.payload.get("next_round") if previous.outcomes else None
            if not announced:
                self._fail("rounds", "round_not_announced", f"round {number} opens but round {number - 1}'s "
                                                            "outcomes announce no further round", index, kind)
                expected_contests = p["contests"]
                expected_window = (p["opens_at"], p["closes_at"])
            else:
                expected_contests = announced.get("contests")
                expected_window = decisions.round_window(d, expected_contests, at)
        if canonical_json(p["contests"]) != canonical_json(expected_contests):
            self._fail("rounds", "round_candidates", f"round {number} lists {p['contests']!r}; it must list "
                                                     f"{expected_contests!r}", index, kind)
        if (p["opens_at"], p["closes_at"]) != tuple(expected_window):
            self._fail("rounds", "round_window", f"round {number} is open from {p['opens_at']} to {p['closes_at']};"
                                                 f" it must be from {expected_window[0]} to {expected_window[1]}",
                       index, kind)
        contests: dict[str, RoundContest] = {}
        layouts: dict[str, Layout] = {}
        for c in p["contests"]:
            rc = RoundContest(c["contest"], c["kind"], c["seats"], tuple(c["candidates"]))
            contests[rc.contest] = rc
            try:
                layouts[rc.contest] = compute_layout(d.contest(rc.contest), rc.candidates, rc.seats)
            except (VyboryError, KeyError) as error:
                self._fail("rounds", "round_layout", f"contest {rc.contest!r} cannot be voted on: {error}", index,
                           kind)
        grouped: dict[str, list[Layout]] = {}
        for c in d.contests:
            if c.id in layouts:
                grouped.setdefault(c.district, []).append(layouts[c.id])
        by_district = {district.id: tuple(grouped.get(district.id, ())) for district in d.districts}
        key = self.ceremony.public_key if self.ceremony else None
        context = RoundContext(self.fingerprint, key, number, by_district)
        self.rounds[number] = Round(number, index, contests, layouts, parse_time(p["opens_at"]),
                                    parse_time(p["closes_at"]), context, last=LastBallots(self.credentials),
                                    inputs=TallyInputs(len(self.credentials)))

    def _on_ballot_cast(self, index: int, p: Mapping[str, Any]) -> BallotJob | None:
        """Check 8 (what needs the board) and check 9; the cryptographic part is a job."""
        need(p, {"ballot", "tracking_code", "at"}, "ballot_cast")
        kind = "ballot_cast"
        self.ballots += 1
        self.out.count("ballots")
        ballot, code = p["ballot"], p["tracking_code"]
        if not isinstance(ballot, Mapping) or not isinstance(code, str):
            raise Malformed("the ballot must be an object and the tracking code text")
        # Findings name the tracking code the board states (the one on the voter's receipt).
        tracking = code
        read, payload_json = self.payload_json
        ballot_json = member_json(payload_json, p, "ballot") if read is p else canonical(ballot)
        real = hashlib.sha256(ballot_json).hexdigest()

        def fail(check: str, code_: str, message: str) -> None:
            self._fail(check, code_, message, index, kind, tracking)

        if code != real:
            fail("ballots", "tracking_code", f"the stated tracking code is not the hash of the ballot (that is "
                                             f"{real}): the ballot was changed after it was cast")
        if self.watch is not None and self.watch in (code, real):
            self.watched = (index, ballot.get("round"), ballot.get("credential"))
        ciphertexts = self._check_ciphertexts(ballot, index, tracking)
        number = ballot.get("round")
        rnd = self.rounds.get(number) if isinstance(number, int) and not isinstance(number, bool) else None
        open_round = self._open_round()
        at = parse_time(p["at"])
        if rnd is None:
            fail("ballots", "no_such_round", f"the ballot is for round {number!r}, which has not been opened")
            return None
        if rnd is not open_round:
            closed = f" (closed at event {rnd.closed.position})" if rnd.closed else ""
            fail("ballots", "round_closed", f"the ballot is for round {number}, which is not open{closed}")
            return None
        if not rnd.opens_at <= at < rnd.closes_at:
            fail("ballots", "round_not_open" if at < rnd.opens_at else "round_closed",
                 f"cast at {p['at']}, outside round {number}'s window ({format_time(rnd.opens_at)} to "
                 f"{format_time(rnd.closes_at)})")
        credential = ballot.get("credential")
        listed = self.credentials.index(credential)
        if listed is None or not isinstance(credential, str):
            fail("ballots", "unknown_credential", f"the credential {credential!r} is not on the published list")
            return None
        entry = self.credentials.at(listed)
        layouts = rnd.context.layouts.get(entry.district, ())
        if not layouts:
            fail("ballots", "no_contest_in_district", f"round {number} has no contest in the credential's district "
                                          f"{entry.district!r}")
            return None
        if rnd.last.has(listed) and not self._definition().revote:
            fail("ballots", "revote_forbidden", "this credential votes a second time, and the election does not "
                                                "allow voting again")
        rnd.last.put(listed, index, tracking)
        rnd.inputs.put(listed, *tally_input(ballot, ciphertexts))
        rnd.cast += 1
        return BallotJob(rnd.context_for(entry.district), index, tracking, entry.district, ballot_json)

    def _check_ciphertexts(self, ballot: Mapping[str, Any], index: int, tracking: str) -> list[bytes] | None:
        """Check 9: no selection ciphertext appears twice anywhere on the board. Returns the
        selections' ciphertexts decoded from their hex (None when the ballot has not that shape)."""
        try:
            selections = [s["ciphertext"] for part in ballot["contests"] for s in part["selections"]]
            raw = [bytes.fromhex(c["alpha"]) + bytes.fromhex(c["beta"]) for c in selections]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # not a ballot's shape: its job reports it
        digests = [ciphertext_digest(ct) for ct in raw]
        for digest in digests:
            self.out.count("ciphertexts")
            first = self.ciphertexts.get(digest)
            if first is not None:
                self._fail("ciphertexts", "replayed_ciphertext",
                           f"repeats a ciphertext of the ballot at event {first} (a replayed ballot)", index,
                           "ballot_cast", tracking)
                return raw
        for digest in digests:
            self.ciphertexts.put(digest, index)
        return raw

    def _take(self, verdict: BallotVerdict) -> None:
        self.ballots_checked += 1
        if not verdict.ok:
            self.out.fail_late("ballots", verdict.code, verdict.message, position=verdict.position,
                               kind="ballot_cast", tracking_code=verdict.tracking_code)

    def _on_round_closed(self, index: int, p: Mapping[str, Any]) -> None:
        need(p, {"round", "voters", "ballots", "early", "at"}, "round_closed")
        kind = "round_closed"
        self.out.count("rounds")
        rnd = self.rounds.get(p["round"])
        if rnd is None or rnd is not self._open_round():
            self._fail("rounds", "round_not_open", f"closes round {p['round']!r}, which is not open", index, kind)
            return
        rnd.closed = Published(index, p)
        at = parse_time(p["at"])
        if p["voters"] != len(rnd.last) or p["ballots"] != rnd.cast:
            self._fail("counted_ballots", "round_closed_counts",
                       f"round {rnd.number}: closed with {p['voters']!r} voters and {p['ballots']!r} ballots "
                       f"announced; the board holds {rnd.cast} ballots of {len(rnd.last)} credentials", index, kind)
        if p["early"] is not (at < rnd.closes_at):
            self._fail("rounds", "round_closed_early", f"round {rnd.number}: 'early' is {p['early']!r}, but it "
                                                       f"closed at {p['at']}", index, kind)
        if at < rnd.closes_at:
            districts = {self._definition().contest(c).district for c in rnd.contests}
            credentials = self.credentials
            waiting = sum(1 for i in range(len(credentials))
                          if credentials.at(i).district in districts and not rnd.last.has(i))
            if waiting:
                self._fail("rounds", "round_closed_early",
                           f"round {rnd.number} closed before its deadline while {waiting} credential(s) of its "
                           "districts had not voted", index, kind)

    # -- tally, shares, outcomes --------------------------------------------------------

    def _round_for(self, p: Mapping[str, Any], index: int, kind: str, check: str) -> Round | None:
        number = p.get("round")
        rnd = self.rounds.get(number) if isinstance(number, int) else None
        if rnd is None:
            self._fail(check, "no_such_round", f"names round {p.get('round')!r}, which does not exist", index, kind)
        return rnd

    def _on_encrypted_tally(self, index: int, p: Mapping[str, Any]) -> None:
        rnd = self._round_for(p, index, "encrypted_tally", "encrypted_tally")
        if rnd is None:
            return
        if rnd.closed is None or rnd.tally is not None:
            self._fail("encrypted_tally", "tally_order", f"round {rnd.number}: a tally before the round closed, "
                                                         "or a second tally", index, "encrypted_tally")
            return
        rnd.tally = Published(index, p)

    def _on_decryption_share(self, index: int, p: Mapping[str, Any]) -> None:
        rnd = self._round_for(p, index, "decryption_share", "decryption_shares")
        if rnd is None:
            return
        if rnd.decrypted is not None:
            self._fail("decryption_shares", "share_late", f"round {rnd.number}: a share after the tally was "
                                                          "decrypted", index, "decryption_share")
            return
        if not rnd.shares:
            k = self._definition().threshold
            for cid in rnd.ranked:
                mixers = {m.trustee for m in rnd.mixes.get(cid, ())}
                if self._rows_of(rnd, cid) and len(mixers) < k:
                    self._fail("mixes", "mixing_incomplete",
                               f"round {rnd.number}: the decryption begins while contest {cid!r} is mixed by "
                               f"{len(mixers)} trustee(s), fewer than k = {k}", index, "decryption_share")
        rnd.shares.append(Published(index, p))

    def _rows_of(self, rnd: Round, cid: str) -> int:
        """How many rows a ranked contest's ballots give: the credentials of its district that voted."""
        district = self._definition().contest(cid).district
        return sum(1 for i in rnd.last.voted() if self.credentials.at(i).district == district)

    def _on_ballots_mixed(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 12 (what needs the board's order): the round is closed and not being decrypted, the
        contest ranked with ballots, the trustee qualified and new to it, ``input`` the latest list."""
        need(p, set(MIX_FIELDS), "ballots_mixed")
        kind = "ballots_mixed"
        rnd = self._round_for(p, index, kind, "mixes")
        if rnd is None:
            return
        cid, trustee = p["contest"], p["trustee"]

        def fail(code: str, message: str) -> None:
            self._fail("mixes", code, f"round {rnd.number}, contest {cid!r}: {message}", index, kind)

        if rnd.closed is None:
            fail("round_open", "a mix while the round is open")
            return
        if cid not in rnd.ranked:
            fail("not_ranked", "not a ranked contest of the round")
            return
        if rnd.shares or rnd.decrypted is not None:
            fail("mixing_closed", "a mix after the decryption began")
        qualified = self.ceremony.qualified if self.ceremony else ()
        if trustee not in qualified:
            fail("not_qualified", f"{trustee!r} is not a qualified trustee")
            return
        mixes = rnd.mixes.setdefault(cid, [])
        if any(m.trustee == trustee for m in mixes):
            fail("already_mixed", f"trustee {trustee} mixes the contest a second time")
        if not self._rows_of(rnd, cid):
            fail("nothing_to_mix", "the contest has no ballot to mix")
        latest = mixes[-1].position if mixes else None
        if p["input"] != latest:
            fail("stale_mix", f"the mix takes {p['input']!r}, but the latest list is "
                              f"{'the ballots of the round' if latest is None else f'the mix at event {latest}'}")
        mixes.append(MixRecord(index, trustee))
        self.mix_positions[index] = (rnd, cid, trustee)

    def _on_tally_decrypted(self, index: int, p: Mapping[str, Any]) -> None:
        rnd = self._round_for(p, index, "tally_decrypted", "combination")
        if rnd is None:
            return
        if rnd.decrypted is not None:
            self._fail("combination", "decrypted_twice", f"round {rnd.number} is decrypted a second time", index,
                       "tally_decrypted")
            return
        rnd.decrypted = Published(index, p)

    def _on_outcome_declared(self, index: int, p: Mapping[str, Any]) -> None:
        rnd = self._round_for(p, index, "outcome_declared", "decisions")
        if rnd is None:
            return
        if rnd.outcomes is not None:
            self._fail("decisions", "outcomes_twice", f"round {rnd.number}'s outcomes are declared a second time",
                       index, "outcome_declared")
            return
        rnd.outcomes = Published(index, p)

    def _on_election_published(self, index: int, p: Mapping[str, Any]) -> None:
        self.published_at = index
        decisions.check_publication(p, index, self.rounds, self._definition(), self.out)

    # -- witnessed heads --------------------------------------------------------------

    def _on_head_witnessed(self, index: int, p: Mapping[str, Any]) -> None:
        """Check 19 (what needs the board's order): a trustee names an earlier event by position and
        hash, later than its own last witness; the hash is compared in the second pass."""
        need(p, set(WITNESS_FIELDS) | {"signed"}, "head_witnessed")
        kind = "head_witnessed"
        self.out.count("witnesses")
        position, digest = witness_claim(p)
        trustee = p["trustee"]
        if position >= index:
            self._fail("witnesses", "witness_beyond_head",
                       f"trustee {trustee!r} witnesses event {position}, which is not before its own witness (events "
                       "before it were removed, or the witness was moved)", index, kind)
            if position > index:
                return
        try:
            check_payload_signature(self._definition(), self.fingerprint, kind, p, self._trustees())
            valid = True
        except VyboryError:
            valid = False  # named by the signature check of this event
        if valid and self.witness_last.get(trustee, 0) >= position:
            self._fail("witnesses", "witness_not_newer", f"trustee {trustee} already witnessed event "
                                                         f"{self.witness_last[trustee]}: a witness names a later "
                                                         "head", index, kind)
        if valid:
            self.witness_last[trustee] = max(position, self.witness_last.get(trustee, 0))
        self.witness_claims.setdefault(position, []).append((index, trustee, digest, valid))

    def _check_witnesses_at(self, index: int, line: bytes) -> None:
        """Check 19 for the event a witness names: it still has the witnessed hash."""
        try:
            digest = str(read_json(line)["hash"])
        except (VyboryError, KeyError, TypeError):
            digest = ""
        for at, trustee, claimed, valid in self.witness_claims[index]:
            if claimed != digest:
                self._fail("witnesses", "witnessed_head_changed",
                           f"trustee {trustee} witnessed event {index} with the hash {claimed}, but the record "
                           f"has {digest or 'an unreadable event'} there: the board up to event {index} was "
                           "rewritten after it was witnessed", at, "head_witnessed")
            elif valid:
                self.witness_held[trustee] = max(index, self.witness_held.get(trustee, 0))

    def _witnessed(self) -> Witnessed | None:
        """Which part of the board the trustees' valid, holding witnesses cover."""
        if self.definition is None:
            return None
        names = {i: t.id for i, t in enumerate(self._trustees(), start=1)}
        hashes = {position: claims[0][2] for position, claims in self.witness_claims.items()}
        levels = []
        for position in sorted(set(self.witness_held.values())):
            who = tuple(names[t] for t, p in sorted(self.witness_held.items()) if p >= position)
            at = bisect.bisect_right([p for p, _ in self.phases], position) - 1
            levels.append(WitnessLevel(position, hashes[position], self.phases[at][1] if at >= 0 else "", who))
        return Witnessed(self.lines, len(names), tuple(levels), self.last_content)

    def _definition(self) -> Definition:
        assert self.definition is not None
        return self.definition

    # ---------------------------------------------------------- after the board

    def _after_first_pass(self) -> None:
        if self.definition is None:
            for name in CHECK_NAMES[CHECK_NAMES.index("candidates"):]:
                self.out.skip(name, "the record has no readable definition")
            return
        if self.credentials_at is None:
            for position, (complaint, answer) in sorted(self.complaints.items()):
                if answer is None:
                    self.out.note("credentials", f"the complaint of event {position} (voter {complaint.voter!r}) "
                                                 "waits for the commission's answer")
        if self.rounds and self.ceremony is not None and not self.ceremony.completed:
            self.out.fail("key_ceremony", "dkg_incomplete", "voting took place without a completed key ceremony")
        for rnd in self.rounds.values():
            self.out.count("counted_ballots", len(rnd.last))

    def _second_pass(self, lines: Iterable[bytes]) -> None:
        """Adds the last ballot of every credential into its round's encrypted tally and, for a ranked
        contest, its row (spec §17.1), in board order; checks each mix against the list before it.

        The ballots' ciphertexts were kept in the first pass (:class:`TallyInputs`): the board is
        read again only up to the last line still needed (a mix, a witnessed event, a ballot whose
        ciphertexts were not kept), and only those lines are parsed."""
        # Board position -> the counted ballot's round and the place of its credential in the list,
        # packed in 8 bytes a line (a dict took about 150 bytes a ballot).
        counted = array("q", bytes(8 * (self.lines + 1)))
        wanted = set(self.witness_claims) | set(self.mix_positions)
        for rnd in self.rounds.values():
            if rnd.closed is None:
                continue
            for i in rnd.last.voted():
                position = rnd.last.position_of(i)
                counted[position] = rnd.number << 32 | (i + 1)
                if not rnd.inputs.kept(i):
                    wanted.add(position)
        sums = {rnd.number: TallySum.empty(rnd) for rnd in self.rounds.values() if rnd.closed is not None}
        done = 0
        board = _lines_at(lines, wanted)
        for index in range(FIRST_POSITION, len(counted)):
            packed = counted[index]
            if index not in wanted:
                if not packed:
                    continue
                line = b""
            else:
                line = next(board)
            if index in self.witness_claims:
                self._check_witnesses_at(index, line)
            if index in self.mix_positions:
                self._check_mix(index, line, *self.mix_positions[index])
                continue
            if not packed:
                continue
            rnd = self.rounds[packed >> 32]
            place = (packed & 0xFFFFFFFF) - 1
            weight = self.credentials.at(place).weight
            try:
                kept = rnd.inputs.ballot(place)
                ballot = kept if kept is not None else read_json(line)["payload"]["ballot"]
                selections = sums[rnd.number].add(ballot, weight, keep=rnd.ranked)
                for cid in rnd.ranked:
                    if cid in selections:
                        rnd.rows.setdefault(cid, []).append(input_row(selections[cid], weight))
            except (VyboryError, KeyError, TypeError, ValueError, AttributeError) as error:
                self.out.fail("encrypted_tally", "ballot_unreadable",
                              f"a counted ballot cannot be added to the tally: {error}", position=index,
                              kind="ballot_cast")
            done += 1
            if self.progress is not None and done % 64 == 0:
                self.progress("tally", index, self.ballots_checked)
        if self.progress is not None:
            self.progress("tally", self.lines, self.ballots_checked)
        districts = {c.id: c.district for c in self._definition().contests}
        for number, rnd in sorted(self.rounds.items()):
            if number in sums and rnd.tally is not None:
                self._guarded("encrypted_tally", rnd, check_encrypted_tally, rnd, sums[number], self._registered(),
                              districts, self.out)

    def _check_mix(self, index: int, line: bytes, rnd: Round, cid: str, trustee: int) -> None:
        """Check 12 for one mix: its rows are a proven shuffle of the list before it, signed by its trustee."""
        inputs = rnd.rows.get(cid, [])
        ceremony = self.ceremony
        key = ceremony.verification_keys.get(trustee) if ceremony else None
        public_key = ceremony.public_key if ceremony else None

        def fail(code: str, message: str) -> None:
            self.out.fail("mixes", code, f"round {rnd.number}, contest {cid!r}, trustee {trustee}: {message}",
                          position=index, kind="ballots_mixed")

        self.out.count("mixes")
        try:
            payload = read_json(line)["payload"]
            mix = parse_mix(payload, width=row_width(rnd.layouts[cid]))
        except (VyboryError, KeyError, TypeError) as error:
            fail("mix_unreadable", f"the mix cannot be read: {error}")
            return
        if key is None or public_key is None:
            fail("not_qualified", "no verification key for this trustee")
        elif not inputs:
            fail("nothing_to_mix", "the contest has no counted ballot to mix")
        else:
            try:
                check_mix(self.fingerprint, public_key, key, inputs, payload, mix)
            except VyboryError as error:
                fail(error.code, error.message)
        # The next mix takes these rows, as the server's did.
        rnd.rows[cid] = list(mix.rows)

    def _registered(self) -> dict[str, int]:
        """Registered voters per district: the total weight the signed roll gives it (spec §12.1)."""
        return {line.district: line.weight for line in self.roll or ()}

    def _check_rounds_results(self) -> None:
        d = self._definition()
        ceremony = self.ceremony
        keys_ = ceremony.verification_keys if ceremony else {}
        registered = self._registered()
        max_weight = max((c.weight for c in self.credentials.distinct()), default=1)
        for _, rnd in sorted(self.rounds.items()):
            vector = self._guarded("decryption_shares", rnd, decryption_vector, rnd, self.out)
            shares = self._guarded("decryption_shares", rnd, check_decryption_shares, rnd, vector, self.fingerprint,
                                   keys_, self.out)
            self._guarded("combination", rnd, check_decryption, rnd, shares, vector, self.fingerprint, d.threshold,
                          keys_, max_weight, self.out)
            self._guarded("decisions", rnd, decisions.check_decisions, rnd, self.rounds, d,
                          self.ballot_candidates or {}, registered, self.out)

    def _guarded(self, check: str, rnd: Round, step: Callable[..., Any], *args: Any) -> Any:
        """Runs one check of a round; a payload too malformed to be read becomes a finding."""
        try:
            return step(*args)
        except (VyboryError, KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            self.out.fail(check, "malformed_payload", f"round {rnd.number}: the round's published values cannot be "
                                                      f"read ({type(error).__name__}: {error})")
            return None


def _lines_at(lines: Iterable[bytes], wanted: set[int]) -> Iterator[bytes]:
    """The board's lines at the positions ``wanted``, in board order; stops after the last one
    (the board is not read at all when none is wanted)."""
    if not wanted:
        return
    last = max(wanted)
    for index, line in enumerate(lines, start=FIRST_POSITION):
        if index in wanted:
            yield line
        if index >= last:
            return


def verify_record(files: RecordFiles, *, checker: BallotChecker = check_sequentially,
                  published_head: str | None = None, expected_fingerprint: str | None = None,
                  progress: Progress | None = None, heads: Sequence[Head] = ()) -> Report:
    """Every check of docs/verifier.md on the record ``files``; see :class:`~vybory.verify.report.Report`.

    ``checker`` checks the ballots' cryptography (default: one after the
    other, here); ``published_head`` is the head hash the election published
    elsewhere, ``heads`` the heads of a heads file (spec §10.6), and
    ``expected_fingerprint`` the fingerprint of the election the observer means
    to check (each compared when given); ``progress`` is called as the board is read.
    """
    return Verifier(files, published_head=published_head, expected_fingerprint=expected_fingerprint,
                    progress=progress, heads=heads).run(checker)


__all__ = ["Credential", "Progress", "RecordFiles", "Verifier", "verify_record"]
