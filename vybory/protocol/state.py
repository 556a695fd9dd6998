"""The election's state, derived from the board and from nothing else.

``replay(events)`` folds the events into an :class:`ElectionState`;
``state.apply(event)`` adds one more (the shell may keep a state and fold new
events into it). Replay trusts the events' contents (they were checked by
:func:`vybory.protocol.accept.check_append` before they were appended, and the
verifier re-checks everything); it checks only the chain links.

``pending(state, now)`` lists who has not yet acted in the current phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from vybory.crypto.elgamal import Ciphertext
from vybory.crypto.group import Point
from vybory.crypto.threshold import (
    Complaint,
    DealerCommitment,
    DealerReveal,
    EncryptedShare,
    Judgement,
    MessagingKey,
    attempt_fingerprint,
    judge,
)
from vybory.errors import InvalidEncoding, Refused
from vybory.model.board import Event, EventKind, check_event
from vybory.model.definition import (
    RANKED_METHODS,
    Definition,
    Trustee,
    definition_from_json,
    fingerprint,
    parse_time,
)
from vybory.model.layout import Layout, candidate_order, compute_layout
from vybory.model.restart import attempt_deadline, read_trustees
from vybory.model.roll import (
    Answer,
    RollDistrict,
    complaint_applied,
    read_answers,
    read_complaint,
    read_roll,
)
from vybory.model.roll import Complaint as RollClaim
from vybory.text import say
from vybory.verify.digests import DigestTable, ciphertext_digest
from vybory.verify.heads import phase_of


class Phase(StrEnum):
    """Where the election stands (docs/spec.md, "Phases")."""

    NOMINATIONS = "nominations"
    KEY_CEREMONY = "key_ceremony"
    CREDENTIALS = "credentials"
    READY = "ready"
    VOTING = "voting"
    TALLY = "tally"
    MIXING = "mixing"
    DECRYPTION = "decryption"
    RESULT = "result"
    PUBLISHED = "published"


class NominationStatus(StrEnum):
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    REFUSED = "refused"
    APPEALED = "appealed"
    APPEAL_REJECTED = "appeal_rejected"


@dataclass(slots=True)
class Nomination:
    """A nomination and what the commission (and, on appeal, the central commission) decided."""

    number: int
    contest: str
    organisation: str
    name: str
    details: Mapping[str, Any]
    submitted_at: datetime
    status: NominationStatus = NominationStatus.SUBMITTED
    reason: str = ""
    refused_at: datetime | None = None
    appeal_grounds: str = ""
    appeal_reason: str = ""


@dataclass(frozen=True, slots=True)
class CredentialEntry:
    """One public credential of the list: its district and weight (no identity)."""

    credential: str
    district: str
    weight: int


@dataclass(frozen=True, slots=True)
class RoundContest:
    """A contest as one round lists it.

    ``kind`` is ``"first"``, ``"runoff"`` or ``"repeat"``.
    """

    contest: str
    candidates: tuple[str, ...]
    kind: str
    seats: int


@dataclass(frozen=True, slots=True)
class CastRecord:
    """Where a ballot is on the board (no ciphertext kept here)."""

    position: int
    tracking_code: str
    credential: str
    round: int


@dataclass(frozen=True, slots=True)
class MixRecord:
    """One ``ballots_mixed`` event of a ranked contest: where it is and which trustee mixed."""

    position: int
    trustee: int


# A row of ciphertexts as the state keeps it: each ciphertext as its 64 bytes alpha ‖ beta.
RowBytes = tuple[bytes, ...]


@dataclass(slots=True)
class RoundState:
    """One round: its contests, its window, its ballots, tally, mixes, shares and outcomes.

    For each ranked contest: ``ranked_rows`` holds the selection ciphertexts of the last
    ballot of each credential (with its board position), ``mixes`` the ``ballots_mixed``
    events in order, ``mixed_rows`` the rows of the last of them.
    """

    number: int
    contests: dict[str, RoundContest]
    opens_at: datetime
    closes_at: datetime
    opened_position: int
    layouts: dict[str, Layout] = field(default_factory=dict)
    closed: bool = False
    closed_at: datetime | None = None
    last_ballot: dict[str, CastRecord] = field(default_factory=dict)
    ballots_cast: int = 0
    encrypted_tally: Mapping[str, Any] | None = None
    ranked_rows: dict[str, dict[str, tuple[int, RowBytes]]] = field(default_factory=dict)
    mixes: dict[str, list[MixRecord]] = field(default_factory=dict)
    mixed_rows: dict[str, tuple[RowBytes, ...]] = field(default_factory=dict)
    shares: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    decrypted: Mapping[str, Any] | None = None
    outcomes: Mapping[str, Any] | None = None

    def is_open_at(self, now: datetime) -> bool:
        return not self.closed and self.opens_at <= now < self.closes_at

    @property
    def ranked_contests(self) -> list[str]:
        """The round's ranked contests (mixed, then decrypted ballot by ballot), in round order."""
        return [cid for cid in self.contests if self.layouts[cid].method in RANKED_METHODS]

    def contests_to_mix(self, threshold: int) -> list[str]:
        """The ranked contests with ballots that fewer than ``threshold`` trustees have mixed yet."""
        return [cid for cid in self.ranked_contests
                if self.ranked_rows.get(cid) and len(self.mixes.get(cid, ())) < threshold]

    def districts(self, definition: Definition) -> set[str]:
        return {definition.contest(c).district for c in self.contests}


@dataclass(slots=True)
class KeyCeremony:
    """One attempt of the key ceremony: its trustees, its fingerprint, its DKG messages on the board
    by trustee index (1..n), and how it ended.

    ``attempt`` is 1 until the commission restarts the ceremony (spec §5.8); ``fingerprint`` is the
    one its transcripts use (the election's for attempt 1); ``restarted`` is the restart event's
    position and time (None for attempt 1).
    """

    attempt: int = 1
    trustees: tuple[Trustee, ...] = ()
    fingerprint: bytes = b""
    restarted: tuple[int, datetime] | None = None
    # The restart's payload as the board holds it (with the commission's signature), None for attempt 1.
    restart_payload: Mapping[str, Any] | None = None
    messaging_keys: dict[int, MessagingKey] = field(default_factory=dict)
    # The trustee_key payloads as the board holds them (with their signatures), by trustee.
    messaging_payloads: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    commitments: dict[int, DealerCommitment] = field(default_factory=dict)
    reveals: dict[int, DealerReveal] = field(default_factory=dict)
    shares: dict[int, tuple[EncryptedShare, ...]] = field(default_factory=dict)
    complaints: dict[int, tuple[Complaint, ...]] = field(default_factory=dict)
    completed: Mapping[str, Any] | None = None
    public_key: Point | None = None
    verification_keys: dict[int, Point] = field(default_factory=dict)
    qualified: tuple[int, ...] = ()

    def done(self) -> dict[str, set[int]]:
        """The trustees that have published each step (spec §5.2-§5.6), by event kind."""
        return {"trustee_key": set(self.messaging_keys), "dkg_commitment_hash": set(self.commitments),
                "dkg_commitments": set(self.reveals), "dkg_shares": set(self.shares),
                "dkg_complaint": set(self.complaints)}

    def judge(self, threshold: int) -> Judgement | None:
        """Who qualified so far, once every trustee has filed its complaints (None before)."""
        n = len(self.trustees)
        if len(self.complaints) < n:
            return None
        return judge(self.fingerprint, n, threshold, self.messaging_keys, self.commitments, self.reveals,
                     [s for shares in self.shares.values() for s in shares],
                     [c for complaints in self.complaints.values() for c in complaints])

    def step(self, n: int) -> str:
        """The DKG step the ceremony waits for: which event kind each trustee must publish next."""
        if self.completed is not None:
            return "completed"
        if len(self.messaging_keys) < n or len(self.commitments) < n:
            return "keys_and_commitments"
        if len(self.reveals) < n:
            return EventKind.DKG_COMMITMENTS.value
        if len(self.shares) < n:
            return EventKind.DKG_SHARES.value
        if len(self.complaints) < n:
            return EventKind.DKG_COMPLAINT.value
        return EventKind.KEY_CEREMONY_COMPLETED.value


@dataclass(slots=True)
class RollComplaint:
    """A complaint about the public roll at board position ``position``, with the commission's answer."""

    position: int
    complaint: RollClaim
    answer: Answer | None = None


@dataclass(slots=True)
class ElectionState:
    """Everything the board says about one election, as of its last event."""

    definition: Definition
    fingerprint: bytes
    defined_at: datetime
    head: Event
    nominations: list[Nomination] = field(default_factory=list)
    nominations_closed: bool = False
    ballot_candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keys: KeyCeremony = field(default_factory=KeyCeremony)
    # The key ceremony's earlier attempts, each failed or stalled, in order (spec §5.8).
    attempts: list[KeyCeremony] = field(default_factory=list)
    roll: tuple[RollDistrict, ...] | None = None
    roll_position: int | None = None
    # Board position of each roll_complaint -> the complaint and its answer (spec §12.1a).
    complaints: dict[int, RollComplaint] = field(default_factory=dict)
    credentials: dict[str, CredentialEntry] = field(default_factory=dict)
    credentials_published: bool = False
    rounds: dict[int, RoundState] = field(default_factory=dict)
    # The digest of every selection ciphertext on the board -> the position of its first ballot.
    ciphertexts_seen: DigestTable = field(default_factory=DigestTable)
    tracking_codes: dict[str, CastRecord] = field(default_factory=dict)
    published: bool = False
    # Trustee number -> the (position, hash) of the latest head it witnessed (spec §10.6).
    witnesses: dict[int, tuple[int, str]] = field(default_factory=dict)
    # The latest phase change (spec §10.6): its position and the phase in words ("round 1 closed").
    phase_change: tuple[int, str] | None = None
    # The published credentials by their first 4 hex digits, sorted: built on first look-up.
    _by_prefix: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    # --- reading ---------------------------------------------------------------

    def credentials_starting(self, prefix: str) -> list[str]:
        """The published public credentials whose hex begins with ``prefix`` (at least 4 lower-case
        hex digits), in order. An index by the first 4 digits is built on first use, so that a
        look-up costs the few credentials sharing those digits, not the whole list."""
        if self._by_prefix is None:
            index: dict[str, list[str]] = {}
            for credential in self.credentials:
                index.setdefault(credential[:4], []).append(credential)
            for bucket in index.values():
                bucket.sort()
            self._by_prefix = index
        return [c for c in self._by_prefix.get(prefix[:4], ()) if c.startswith(prefix)]

    @property
    def position(self) -> int:
        return self.head.position

    @property
    def head_hash(self) -> bytes:
        return self.head.hash

    @property
    def threshold(self) -> int:
        return self.definition.threshold

    @property
    def trustees(self) -> tuple[Trustee, ...]:
        """The commission's trustees now: those of the key ceremony's latest attempt, seat j at place
        j (the definition's, unless a restart replaced some, spec §5.8)."""
        return self.keys.trustees

    @property
    def trustee_count(self) -> int:
        return len(self.keys.trustees)

    @property
    def attempt(self) -> int:
        return self.keys.attempt

    @property
    def ceremony_fingerprint(self) -> bytes:
        """The fingerprint of the key ceremony's latest attempt's transcripts (spec §5.8)."""
        return self.keys.fingerprint

    def ceremony_deadline(self) -> datetime:
        """When the key ceremony's latest attempt has stalled (spec §5.8)."""
        return attempt_deadline(self.definition, None if self.keys.restarted is None else self.keys.restarted[1])

    @property
    def public_key(self) -> Point | None:
        return self.keys.public_key

    @property
    def current_round(self) -> RoundState | None:
        return self.rounds[max(self.rounds)] if self.rounds else None

    def round(self, number: int) -> RoundState:
        try:
            return self.rounds[number]
        except KeyError:
            raise Refused(say("there is no round %(number)s", number=number), field="round", code="no_such_round") from None

    def trustee_index(self, trustee_id: str) -> int:
        """The trustee's number 1..n (its place in the definition's list)."""
        for i, t in enumerate(self.trustees, start=1):
            if t.id == trustee_id:
                return i
        raise Refused(say("%(trustee_id)s is not a trustee of this election", trustee_id=repr(trustee_id)), field="trustee",
                      code="unknown_trustee")

    def nomination(self, number: int) -> Nomination:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.nominations):
            raise Refused(say("there is no nomination number %(number)s", number=repr(number)), field="nomination",
                          code="no_such_nomination")
        return self.nominations[number - 1]

    def registered(self, contest_id: str) -> tuple[str, ...]:
        """Registered candidates of a contest (nominations registered or upheld on appeal), by name."""
        names = {n.name for n in self.nominations
                 if n.contest == contest_id and n.status is NominationStatus.REGISTERED}
        return tuple(sorted(names, key=candidate_order))

    def open_complaints(self) -> list[RollComplaint]:
        """The complaints about the roll the commission has not answered yet, in board order."""
        return [c for c in self.complaints.values() if c.answer is None]

    def unapplied_complaints(self) -> list[RollComplaint]:
        """The accepted complaints that the latest roll does not apply (a corrected roll is due)."""
        return [c for c in self.complaints.values()
                if c.answer is not None and c.answer.decision == "accepted"
                and not complaint_applied(c.complaint, self.roll or ())]

    def registered_voters(self, district: str) -> int:
        """The registered voters of a district: the total weight the signed roll gives it (0 before
        the roll is published). The credential list is held to the same figure (spec §12.1)."""
        for line in self.roll or ():
            if line.district == district:
                return line.weight
        return 0

    @property
    def phase(self) -> Phase:
        if self.published:
            return Phase.PUBLISHED
        current = self.current_round
        if current is None:
            if not self.nominations_closed:
                return Phase.NOMINATIONS
            if self.keys.completed is None:
                return Phase.KEY_CEREMONY
            if not self.credentials_published:
                return Phase.CREDENTIALS
            return Phase.READY
        if not current.closed:
            return Phase.VOTING
        if current.encrypted_tally is None:
            return Phase.TALLY
        if current.decrypted is None and current.contests_to_mix(self.threshold):
            return Phase.MIXING
        if current.decrypted is None:
            return Phase.DECRYPTION
        return Phase.RESULT

    # --- folding events ----------------------------------------------------------

    def apply(self, event: Event, *, hashed: bool = False) -> ElectionState:
        """Adds ``event`` (which must follow the head) and returns the state. ``hashed``: the
        event was just made by :func:`~vybory.model.board.next_event`, whose hash is not
        computed again (:func:`~vybory.model.board.check_event`)."""
        check_event(event, self.head, hashed=hashed)
        _APPLY[event.kind](self, event.payload, event)
        if phase_of(event.kind.value, event.payload) is not None:
            self.phase_change = (event.position, _phase_words(event.kind.value, event.payload))
        self.head = event
        return self


def replay(events: Iterable[Event]) -> ElectionState:
    """The state after ``events`` (the whole board of one election, from position 1).

    Raises :class:`~vybory.errors.InvalidEncoding` when the chain is broken or
    the first event is not ``election_defined``.
    """
    iterator = iter(events)
    first = next(iterator, None)
    if first is None:
        raise InvalidEncoding(say("the board is empty"), field="board", code="board_empty")
    check_event(first, None)
    state = _genesis(first)
    for event in iterator:
        state.apply(event)
    return state


def _genesis(event: Event) -> ElectionState:
    payload = event.payload
    definition = definition_from_json(payload["definition"], source="election_defined")
    fp = fingerprint(definition)
    if payload.get("fingerprint") != fp.hex():
        raise InvalidEncoding(say("the fingerprint does not match the definition"), field="event 1.fingerprint",
                              code="fingerprint_mismatch")
    return ElectionState(definition=definition, fingerprint=fp, defined_at=parse_time(payload["at"]),
                         head=event, keys=KeyCeremony(trustees=definition.trustees, fingerprint=fp))


# --- one function per event kind ----------------------------------------------------


def _defined_twice(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    raise InvalidEncoding(say("election_defined may only be the first event"), field=f"event {event.position}")


def _nomination_submitted(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.nominations.append(Nomination(
        number=payload["nomination"],
        contest=payload["contest"],
        organisation=payload["organisation"],
        name=payload["candidate"]["name"],
        details=dict(payload["candidate"].get("details", {})),
        submitted_at=parse_time(payload["at"]),
    ))


def _candidate_registered(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.nomination(payload["nomination"]).status = NominationStatus.REGISTERED


def _candidate_refused(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    n = state.nomination(payload["nomination"])
    n.status = NominationStatus.REFUSED
    n.reason = payload["reason"]
    n.refused_at = parse_time(payload["at"])


def _appeal_lodged(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    n = state.nomination(payload["nomination"])
    n.status = NominationStatus.APPEALED
    n.appeal_grounds = payload["grounds"]


def _appeal_decided(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    n = state.nomination(payload["nomination"])
    n.status = NominationStatus.REGISTERED if payload["upheld"] else NominationStatus.APPEAL_REJECTED
    n.appeal_reason = payload["reason"]


def _nominations_closed(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.nominations_closed = True
    state.ballot_candidates = {c: tuple(names) for c, names in payload["candidates"].items()}


def _trustee_key(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    key = MessagingKey.from_json(payload["messaging_key"], "messaging_key")
    state.keys.messaging_keys[payload["trustee"]] = key
    state.keys.messaging_payloads[payload["trustee"]] = payload


def _dkg_commitment_hash(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.keys.commitments[payload["trustee"]] = DealerCommitment.from_json(payload["commitment"], "commitment")


def _dkg_commitments(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.keys.reveals[payload["trustee"]] = DealerReveal.from_json(payload["reveal"], "reveal")


def _dkg_shares(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.keys.shares[payload["trustee"]] = tuple(
        EncryptedShare.from_json(s, f"shares[{i}]") for i, s in enumerate(payload["shares"]))


def _dkg_complaint(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.keys.complaints[payload["trustee"]] = tuple(
        Complaint.from_json(c, f"complaints[{i}]") for i, c in enumerate(payload["complaints"]))


def _key_ceremony_completed(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.keys.completed = dict(payload)
    state.keys.public_key = Point.from_hex(payload["public_key"], "public_key")
    state.keys.verification_keys = {
        int(j): Point.from_hex(x, f"verification_keys[{j}]") for j, x in payload["verification_keys"].items()}
    state.keys.qualified = tuple(payload["qualified"])


def _key_ceremony_restarted(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    attempt = payload["attempt"]
    state.attempts.append(state.keys)
    state.keys = KeyCeremony(attempt=attempt, trustees=read_trustees(payload["trustees"], state.trustee_count),
                             fingerprint=attempt_fingerprint(state.fingerprint, attempt),
                             restarted=(event.position, parse_time(payload["at"])), restart_payload=payload)


def _roll_published(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.roll = read_roll(state.definition, payload["districts"])
    state.roll_position = event.position


def _roll_complaint(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.complaints[event.position] = RollComplaint(event.position, read_complaint(state.definition, payload))


def _roll_complaints_answered(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    for answer in read_answers(payload["answers"]):
        state.complaints[answer.complaint].answer = answer


def _credentials_published(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.credentials_published = True
    state._by_prefix = None
    for entry in payload["credentials"]:
        state.credentials[entry["credential"]] = CredentialEntry(
            entry["credential"], entry["district"], entry["weight"])


def _round_opened(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    contests = {
        c["contest"]: RoundContest(c["contest"], tuple(c["candidates"]), c["kind"], c["seats"])
        for c in payload["contests"]
    }
    rnd = RoundState(
        number=payload["round"],
        contests=contests,
        opens_at=parse_time(payload["opens_at"]),
        closes_at=parse_time(payload["closes_at"]),
        opened_position=event.position,
    )
    rnd.layouts = {cid: compute_layout(state.definition.contest(cid), rc.candidates, rc.seats)
                   for cid, rc in contests.items()}
    state.rounds[rnd.number] = rnd


def _ballot_cast(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    ballot = payload["ballot"]
    rnd = state.rounds[ballot["round"]]
    record = CastRecord(event.position, payload["tracking_code"], ballot["credential"], rnd.number)
    rnd.last_ballot[record.credential] = record
    rnd.ballots_cast += 1
    state.tracking_codes[record.tracking_code] = record
    for part in ballot["contests"]:
        keys = tuple(ciphertext_key(selection["ciphertext"]) for selection in part["selections"])
        for key in keys:
            digest = ciphertext_digest(key)
            if digest not in state.ciphertexts_seen:
                state.ciphertexts_seen.put(digest, event.position)
        if rnd.layouts[part["contest"]].method in RANKED_METHODS:
            rnd.ranked_rows.setdefault(part["contest"], {})[record.credential] = (event.position, keys)


def ciphertext_key(ciphertext: Mapping[str, str] | Ciphertext) -> bytes:
    """The bytes by which repeated ciphertexts are recognised: alpha ‖ beta."""
    if isinstance(ciphertext, Ciphertext):
        return ciphertext.to_bytes()
    return bytes.fromhex(ciphertext["alpha"]) + bytes.fromhex(ciphertext["beta"])


def _round_closed(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    rnd = state.rounds[payload["round"]]
    rnd.closed = True
    rnd.closed_at = parse_time(payload["at"])


def _encrypted_tally(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.rounds[payload["round"]].encrypted_tally = dict(payload)


def _ballots_mixed(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    rnd = state.rounds[payload["round"]]
    contest = payload["contest"]
    rnd.mixes.setdefault(contest, []).append(MixRecord(event.position, payload["trustee"]))
    rnd.mixed_rows[contest] = tuple(tuple(ciphertext_key(ct) for ct in row) for row in payload["rows"])


def _decryption_share(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.rounds[payload["round"]].shares[payload["trustee"]] = dict(payload)


def _tally_decrypted(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.rounds[payload["round"]].decrypted = dict(payload)


def _outcome_declared(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.rounds[payload["round"]].outcomes = dict(payload)


def _election_published(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.published = True


def _head_witnessed(state: ElectionState, payload: Mapping[str, Any], event: Event) -> None:
    state.witnesses[payload["trustee"]] = (payload["position"], payload["hash"])


_APPLY = {
    EventKind.ELECTION_DEFINED: _defined_twice,
    EventKind.NOMINATION_SUBMITTED: _nomination_submitted,
    EventKind.CANDIDATE_REGISTERED: _candidate_registered,
    EventKind.CANDIDATE_REFUSED: _candidate_refused,
    EventKind.APPEAL_LODGED: _appeal_lodged,
    EventKind.APPEAL_DECIDED: _appeal_decided,
    EventKind.NOMINATIONS_CLOSED: _nominations_closed,
    EventKind.TRUSTEE_KEY: _trustee_key,
    EventKind.DKG_COMMITMENT_HASH: _dkg_commitment_hash,
    EventKind.DKG_COMMITMENTS: _dkg_commitments,
    EventKind.DKG_SHARES: _dkg_shares,
    EventKind.DKG_COMPLAINT: _dkg_complaint,
    EventKind.KEY_CEREMONY_COMPLETED: _key_ceremony_completed,
    EventKind.KEY_CEREMONY_RESTARTED: _key_ceremony_restarted,
    EventKind.ROLL_PUBLISHED: _roll_published,
    EventKind.ROLL_COMPLAINT: _roll_complaint,
    EventKind.ROLL_COMPLAINTS_ANSWERED: _roll_complaints_answered,
    EventKind.CREDENTIALS_PUBLISHED: _credentials_published,
    EventKind.ROUND_OPENED: _round_opened,
    EventKind.BALLOT_CAST: _ballot_cast,
    EventKind.ROUND_CLOSED: _round_closed,
    EventKind.ENCRYPTED_TALLY: _encrypted_tally,
    EventKind.BALLOTS_MIXED: _ballots_mixed,
    EventKind.DECRYPTION_SHARE: _decryption_share,
    EventKind.TALLY_DECRYPTED: _tally_decrypted,
    EventKind.OUTCOME_DECLARED: _outcome_declared,
    EventKind.ELECTION_PUBLISHED: _election_published,
    EventKind.HEAD_WITNESSED: _head_witnessed,
}
assert set(_APPLY) == set(EventKind)


# --- who has not acted ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """Someone who must act before the election can go on.

    ``role`` is one of commission, organisation, trustee, credential_authority, witness (a
    trustee whose countersignature of the latest phase is missing); ``who`` names them by id (an organisation or trustee id, "commission", or the
    authority's name) and ``name`` in words (the organisation's or trustee's name);
    ``action`` says what they must do; ``deadline`` by when, where the definition
    sets one (the step blocks what follows it: nominations before they close, the
    key ceremony and the credentials before voting opens, a round's close at its end).
    """

    role: str
    who: str
    action: str
    deadline: datetime | None = None
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        from vybory.model.definition import format_time

        return {"role": self.role, "who": self.who, "name": self.name or self.who, "action": self.action,
                "deadline": None if self.deadline is None else format_time(self.deadline)}


def pending(state: ElectionState, now: datetime) -> list[Pending]:
    """Who has not yet acted, for every phase that waits on someone.

    Nominations, the key ceremony and the credentials may run side by side
    before the first round; each waiting party is listed. Once enough trustees
    have sent their decryption shares, the others are no longer waited for.
    Last, with the role ``witness``, every trustee who has not countersigned the
    board's head since the latest phase change (spec §10.6), also after publication.
    """
    return _steps_pending(state, now) + witnesses_pending(state)


def _phase_words(kind: str, payload: Mapping[str, Any]) -> str:
    """The phase an event of ``kind`` ends or begins, in words for people (as ``phase_of`` says it;
    its English words for a kind this list does not name)."""
    number = payload.get("round")
    words = {
        "nominations_closed": say("nominations closed"),
        "key_ceremony_completed": say("key ceremony done"),
        "key_ceremony_restarted": say("key ceremony restarted (attempt %(attempt)s)", attempt=payload.get("attempt")),
        "credentials_published": say("credentials published"),
        "round_opened": say("round %(round)s opened", round=number),
        "round_closed": say("round %(round)s closed", round=number),
        "encrypted_tally": say("round %(round)s tallied", round=number),
        "tally_decrypted": say("round %(round)s decrypted", round=number),
        "outcome_declared": say("round %(round)s results", round=number),
        "election_published": say("results published"),
    }
    return words.get(kind) or phase_of(kind, payload) or kind


def witnesses_pending(state: ElectionState) -> list[Pending]:
    """The trustees whose latest witness (``head_witnessed``) is older than the latest phase change."""
    if state.phase_change is None:
        return []
    position, words = state.phase_change
    return [Pending("witness", t.id, say("countersign the board's head after %(phase)s (event %(position)s): `vybory "
                                         "trustee witness`", phase=words, position=position), None, t.name)
            for i, t in enumerate(state.trustees, start=1) if state.witnesses.get(i, (0, ""))[0] < position]


def _steps_pending(state: ElectionState, now: datetime) -> list[Pending]:
    d = state.definition
    out: list[Pending] = []
    if state.published:
        return out
    commission = say("the commission")

    def by_commission(action: str, deadline: datetime | None = None) -> Pending:
        return Pending("commission", "commission", action, deadline, commission)

    def by_trustee(t: Any, action: str, deadline: datetime | None = None) -> Pending:
        return Pending("trustee", t.id, action, deadline, t.name)

    if not state.nominations_closed:
        deadline = d.deadlines.nominations_close
        if now < deadline:
            nominated = {n.organisation for n in state.nominations}
            out += [Pending("organisation", o.id, say("may still nominate candidates (none so far)"), deadline,
                            o.name)
                    for o in d.organisations if o.id not in nominated]
        for nom in state.nominations:
            title = d.contest(nom.contest).title
            if nom.status is NominationStatus.SUBMITTED:
                out.append(by_commission(say("register or refuse nomination %(number)s (%(name)s, %(contest)s)",
                                             number=nom.number, name=nom.name, contest=title), deadline))
            elif nom.status is NominationStatus.APPEALED:
                out.append(Pending("commission", "central commission",
                                   say("decide the appeal on nomination %(number)s (%(name)s, %(contest)s)",
                                       number=nom.number, name=nom.name, contest=title), deadline,
                                   say("the central commission")))
        if now >= deadline and not any(p.role == "commission" for p in out):
            out.append(by_commission(say("close the nominations"), deadline))
    if state.keys.completed is None:
        n = state.trustee_count
        step = state.keys.step(n)
        waiting: dict[str, dict[int, Any]] = {
            "keys_and_commitments": {},
            EventKind.DKG_COMMITMENTS.value: state.keys.reveals,
            EventKind.DKG_SHARES.value: state.keys.shares,
            EventKind.DKG_COMPLAINT.value: state.keys.complaints,
        }
        words = {
            EventKind.DKG_COMMITMENTS.value: say("reveal the coefficient commitments (key ceremony step 2)"),
            EventKind.DKG_SHARES.value: say("send the encrypted key shares (key ceremony step 3)"),
            EventKind.DKG_COMPLAINT.value: say("check the received shares and file complaints, if any "
                                               "(key ceremony step 4)"),
        }
        by = state.ceremony_deadline()
        judged = state.keys.judge(state.threshold) if step == EventKind.KEY_CEREMONY_COMPLETED.value else None
        if judged is not None and len(judged.qualified) < state.threshold:
            out.append(by_commission(say("restart the key ceremony: only %(qualified)s trustees qualified in attempt "
                                         "%(attempt)s, %(needed)s needed (replace the disqualified ones or let them "
                                         "try again)", qualified=len(judged.qualified), attempt=state.attempt,
                                         needed=state.threshold)))
            step = "failed"
        elif step != EventKind.KEY_CEREMONY_COMPLETED.value and now >= by:
            out.append(by_commission(say("the key ceremony has stalled past its deadline: restart it (attempt "
                                         "%(attempt)s), replacing the trustees who have not acted, or wait for "
                                         "them", attempt=state.attempt + 1), by))
        for i, t in enumerate(state.trustees, start=1):
            if step == "keys_and_commitments":
                if i not in state.keys.messaging_keys:
                    out.append(by_trustee(t, say("publish the messaging key (key ceremony step 0)"), by))
                if i not in state.keys.commitments:
                    out.append(by_trustee(t, say("publish the commitment hash (key ceremony step 1)"), by))
            elif step in words and i not in waiting[step]:
                out.append(by_trustee(t, words[step], by))
        if step == EventKind.KEY_CEREMONY_COMPLETED.value:
            out.append(by_commission(say("complete the key ceremony"), by))
    if state.roll is None and not state.credentials_published:
        out.append(by_commission(say("publish the voter roll signed by the commission (its size, weights and "
                                     "commitment per district)"), d.deadlines.voting_open))
    if not state.credentials_published:
        for c in state.open_complaints():
            out.append(by_commission(say("answer complaint %(position)s about the roll (voter %(voter)s, "
                                         "%(district)s)", position=c.position, voter=c.complaint.voter,
                                         district=c.complaint.district), d.deadlines.voting_open))
        for c in state.unapplied_complaints():
            out.append(by_commission(say("publish a corrected roll: complaint %(position)s (voter %(voter)s) was "
                                         "accepted", position=c.position, voter=c.complaint.voter),
                                     d.deadlines.voting_open))
        out.append(Pending("credential_authority", d.credential_authority.name,
                           say("issue the credentials and publish the list of public credentials"),
                           d.deadlines.voting_open, d.credential_authority.name))
    current = state.current_round
    if current is None:
        if state.nominations_closed and state.keys.completed is not None and state.credentials_published:
            out.append(by_commission(say("open round 1"), d.deadlines.voting_open))
        return out
    if not current.closed:
        if now >= current.closes_at:
            out.append(by_commission(say("close round %(round)s", round=current.number), current.closes_at))
    elif current.encrypted_tally is None or (current.decrypted is None
                                             and current.contests_to_mix(state.threshold)):
        if current.encrypted_tally is None:
            out.append(by_commission(say("publish the encrypted tally of round %(round)s", round=current.number)))
        for cid in current.contests_to_mix(state.threshold):
            mixed = {m.trustee for m in current.mixes.get(cid, ())}
            for j in state.keys.qualified:
                if j not in mixed:
                    out.append(by_trustee(state.trustees[j - 1],
                                          say("mix the ballots of %(contest)s in round %(round)s (%(done)s of "
                                              "%(needed)s mixes so far)", contest=d.contest(cid).title,
                                              round=current.number, done=len(mixed), needed=state.threshold)))
    elif current.decrypted is None:
        valid = len(current.shares)
        if valid < state.threshold:
            for j in state.keys.qualified:
                if j not in current.shares:
                    out.append(by_trustee(state.trustees[j - 1],
                                          say("publish a decryption share for round %(round)s (%(done)s of "
                                              "%(needed)s needed so far)", round=current.number, done=valid,
                                              needed=state.threshold)))
        else:
            out.append(by_commission(say("combine the shares of round %(round)s", round=current.number)))
    elif current.outcomes is None:
        out.append(by_commission(say("declare the outcomes of round %(round)s", round=current.number)))
    elif current.outcomes.get("next_round"):
        out.append(by_commission(say("open round %(round)s", round=current.number + 1)))
    else:
        out.append(by_commission(say("publish the election's results")))
    return out


__all__ = [
    "CastRecord",
    "CredentialEntry",
    "ElectionState",
    "KeyCeremony",
    "MixRecord",
    "Nomination",
    "NominationStatus",
    "Pending",
    "Phase",
    "RollComplaint",
    "RoundContest",
    "RoundState",
    "candidate_order",
    "ciphertext_key",
    "pending",
    "replay",
    "witnesses_pending",
]
