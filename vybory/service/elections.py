"""The election service: every operation of the lifecycle, each one transaction.

The service keeps no election state of its own: it reads the board, asks the
pure protocol (:mod:`vybory.protocol`) whether an action is allowed and what
event records it, and appends that event. Private data (the voter roll, web
logins) lives in its own tables and never reaches the board.

Refusals are :class:`~vybory.errors.VyboryError` subclasses with a ``code``
and a message a commission secretary understands; a refused operation
changes nothing.

Steps that need a secret (a trustee's key share, a voter's credential, the
credential authority's letters) are computed on that person's machine (see
``vybory.cli``); the service only receives their public payloads and checks
them before they go on the board.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from vybory.errors import InvalidEncoding, InvalidInput, Refused, ThresholdNotMet, VyboryError
from vybory.model.ballot import Ballot, normalise_code, tracking_code
from vybory.model.board import Event, EventKind
from vybory.model.definition import Definition, Voter, fingerprint, parse_definition, parse_roll
from vybory.protocol import credentials as protocol_credentials
from vybory.protocol import encrypt as protocol_encrypt
from vybory.protocol import keys as protocol_keys
from vybory.protocol import nominations as protocol_nominations
from vybory.protocol import rounds as protocol_rounds
from vybory.protocol import state as protocol_state
from vybory.protocol.accept import check_append
from vybory.protocol.encrypt import BallotForm
from vybory.protocol.state import ElectionState, Phase
from vybory.service import tallying
from vybory.service.clock import Clock, system_clock
from vybory.service.core import Board, Context
from vybory.service.results import (
    BallotLookup,
    ElectionStatus,
    ElectionSummary,
    Posted,
    Receipt,
    RoundSummary,
    Waiting,
)
from vybory.store import Database, users
from vybory.store import board as board_rows
from vybory.store.tables import (
    BallotEntry,
    CiphertextEntry,
    CredentialEntry,
    Election,
    User,
    table_of,
)
from vybory.store.tables import Voter as VoterRow
from vybory.text import say
from vybory.verify.receipt import ReceiptClaim, ReceiptFinding, check_receipt_events, read_receipt

# Key-ceremony events a trustee computes on their own machine and submits.
TRUSTEE_STEPS = (
    EventKind.TRUSTEE_KEY,
    EventKind.DKG_COMMITMENT_HASH,
    EventKind.DKG_COMMITMENTS,
    EventKind.DKG_SHARES,
    EventKind.DKG_COMPLAINT,
)


GROUP_LIMIT = 64
"""The most ballots one group commit appends (bounds the time one transaction holds the lock)."""


@dataclass(eq=False)
class _Queued:
    """A checked ballot waiting for the writer lock, and then its outcome."""

    ballot: Ballot
    statement: protocol_rounds.BallotStatement
    body: dict[str, Any]
    code: str
    receipt: Receipt | None = None
    error: BaseException | None = None
    done: bool = False

    def finish(self, outcome: Receipt | BaseException) -> None:
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.receipt = outcome
        self.done = True


@dataclass
class _BallotQueue:
    mutex: threading.Lock = field(default_factory=threading.Lock)
    items: list[_Queued] = field(default_factory=list)


class ElectionService:
    """The lifecycle of elections on one database.

    ``clock`` gives "now" (aware UTC); the protocol decides by it whether a
    deadline has passed. One service may be shared by threads: each call is
    its own transaction. Login sessions expire by ``session_clock`` (the real time, even
    when ``clock`` simulates the election's days).
    """

    def __init__(self, database: Database, *, clock: Clock = system_clock,
                 session_clock: Clock = system_clock):
        self.database = database
        self.clock = clock
        self.session_clock = session_clock
        self.board = Board(database)
        # The SHA-256 of the voting booth this server serves, recorded in round_opened (the web
        # application sets it from the booth's manifest; None records none).
        self.booth_digest: str | None = None
        self._queues: dict[str, _BallotQueue] = {}
        self._queues_mutex = threading.Lock()

    # ------------------------------------------------------------------ elections

    def create_election(self, toml_text: str, *, roll_csv: str | None = None,
                        source: str = "election.toml", roll_source: str = "roll.csv") -> ElectionSummary:
        """Checks the definition (and the roll, if given) and puts ``election_defined`` on a new board.

        Raises :class:`~vybory.errors.InvalidDefinition` listing every problem
        of the file, or :class:`~vybory.errors.InvalidInput` for the roll; a
        slug already in use is refused. Nothing is stored unless all is well.
        """
        definition = parse_definition(toml_text, source=source)
        voters = parse_roll(roll_csv, definition, source=roll_source) if roll_csv is not None else []
        now = self.clock()
        payload = protocol_nominations.define(definition, now)
        with self.board.creating(now) as session:
            if session.scalars(select(Election.id).where(Election.slug == definition.slug)).first() is not None:
                raise Refused(say("an election with the slug %(slug)s already exists; choose another slug in the definition", slug=repr(definition.slug)), field="slug", code="slug_taken")
            fp = fingerprint(definition).hex()
            if session.scalars(select(Election.id).where(Election.fingerprint == fp)).first() is not None:
                raise Refused(say("an election with exactly this definition already exists"), field="definition",
                              code="definition_exists")
            election = Election(slug=definition.slug, title=definition.title, fingerprint=fp,
                                definition_source=toml_text, created_at=now)
            session.add(election)
            session.flush()
            context = Context(session, election, None, None, now)
            self.board.append(context, EventKind.ELECTION_DEFINED, payload)
            self._store_roll(session, election.id, voters)
            summary = self._summary(election, context.state, len(voters))
        self.board.remember(election.id, context.head, context.state)  # type: ignore[arg-type]
        return summary

    def import_roll(self, slug: str, csv_text: str, *, source: str = "roll.csv", replace: bool = False) -> int:
        """Stores the (private) voter roll; returns the number of voters.

        Refused once the credentials are published (they were issued from the
        roll), or when a roll is already stored and ``replace`` is not set.
        """
        with self.board.writing(slug, self.clock()) as ctx:
            if ctx.state.credentials_published:
                raise Refused(say("the credentials are already published: the roll can no longer change"),
                              field="roll", code="credentials_already_published")
            voters = parse_roll(csv_text, ctx.state.definition, source=source)
            existing = self._roll_size(ctx)
            if existing and not replace:
                raise Refused(say("a roll of %(existing)s voters is already stored; import with replace to change it", existing=existing),
                              field="roll", code="roll_exists")
            if existing:
                for row in ctx.session.scalars(select(VoterRow).where(VoterRow.election_id == ctx.election_id)):
                    ctx.session.delete(row)
                ctx.session.flush()
            self._store_roll(ctx.session, ctx.election_id, voters)
            return len(voters)

    def roll(self, slug: str) -> list[Voter]:
        """The private voter roll (for the credential authority)."""
        with self.board.reading(slug, self.clock()) as ctx:
            rows = ctx.session.scalars(
                select(VoterRow).where(VoterRow.election_id == ctx.election_id).order_by(VoterRow.id))
            return [Voter(r.voter_id, r.name, r.district, r.weight) for r in rows]

    def list_elections(self) -> list[ElectionSummary]:
        with self.database.transaction(write=False) as session:
            slugs = session.scalars(select(Election.slug).order_by(Election.created_at, Election.id)).all()
        out = []
        for slug in slugs:
            with self.board.reading(slug, self.clock()) as ctx:
                out.append(self._summary(ctx.election, ctx.state, self._roll_size(ctx)))
        return out

    def state(self, slug: str) -> ElectionState:
        """A private copy of the election's state as of now (derived from the board).

        For the steps computed on a trustee's or voter's machine
        (``vybory.protocol.publish_*``, ``ballot_form``); changing the copy changes nothing.
        """
        with self.board.reading(slug, self.clock()) as ctx:
            return copy.deepcopy(ctx.state)

    def ballot_form(self, slug: str, credential: Any) -> BallotForm:
        """What a voter's device needs to fill in and encrypt a ballot for the public ``credential``
        (a Point or its hex): the open round, the election key, the contests of the voter's district."""
        with self.board.reading(slug, self.clock()) as ctx:
            return protocol_encrypt.ballot_form(ctx.state, credential)

    def definition(self, slug: str) -> Definition:
        """The election's definition (immutable: no copy of the state is made)."""
        with self.board.reading(slug, self.clock()) as ctx:
            return ctx.state.definition

    def has_trustee(self, slug: str, trustee_id: str) -> bool:
        """Whether ``trustee_id`` holds a seat now (the definition's trustee, or the one a restart of
        the key ceremony put in that seat, spec §5.8)."""
        with self.board.reading(slug, self.clock()) as ctx:
            return any(t.id == trustee_id for t in ctx.state.trustees)

    def status(self, slug: str) -> ElectionStatus:
        """Phase, deadlines, rounds, and who has not yet acted (with overdue marks)."""
        now = self.clock()
        with self.board.reading(slug, now) as ctx:
            state: ElectionState = ctx.state
            d = state.definition
            waiting = tuple(
                Waiting(p.role, p.who, p.action, p.deadline, p.deadline is not None and now >= p.deadline,
                        p.name)
                for p in protocol_state.pending(state, now))
            rounds = tuple(
                RoundSummary(
                    number=r.number,
                    contests={c: rc.candidates for c, rc in r.contests.items()},
                    kinds={c: rc.kind for c, rc in r.contests.items()},
                    opens_at=r.opens_at, closes_at=r.closes_at, closed=r.closed,
                    ballots_cast=r.ballots_cast, counted=len(r.last_ballot),
                    shares=tuple(sorted(r.shares)), decided=r.outcomes is not None)
                for r in (state.rounds[n] for n in sorted(state.rounds)))
            nominations = tuple(
                {"number": n.number, "contest": n.contest, "organisation": n.organisation, "name": n.name,
                 "status": n.status.value, "reason": n.reason, "appeal_grounds": n.appeal_grounds,
                 "appeal_reason": n.appeal_reason}
                for n in state.nominations)
            deadlines = {
                "nominations_close": d.deadlines.nominations_close,
                "voting_open": d.deadlines.voting_open,
                "voting_close": d.deadlines.voting_close,
            }
            current = state.current_round
            if current is not None and not current.closed:
                deadlines[f"round_{current.number}_close"] = current.closes_at
            return ElectionStatus(
                slug=d.slug, title=d.title, fingerprint=state.fingerprint.hex(), phase=state.phase.value,
                now=now, deadlines=deadlines, head_position=state.position, head_hash=state.head_hash.hex(),
                waiting=waiting, rounds=rounds, credentials=len(state.credentials),
                voters_on_roll=self._roll_size(ctx),
                public_key=None if state.public_key is None else state.public_key.to_hex(),
                nominations=nominations)

    def events(self, slug: str, *, start: int = 1, stop: int | None = None,
               kinds: Sequence[str] | None = None) -> list[Event]:
        """Board events with ``start <= position < stop`` (optionally only some kinds), in order."""
        with self.board.reading(slug, self.clock()) as ctx:
            return list(self.board.events(ctx.session, ctx.election_id, start=start, stop=stop,
                                          kinds=tuple(kinds) if kinds else None))

    def iter_events(self, slug: str, *, batch: int = 2000) -> Iterator[Event]:
        """Every event of the board in order, read in batches (for exporting a large record)."""
        start = 1
        while True:
            chunk = self.events(slug, start=start, stop=start + batch)
            yield from chunk
            if len(chunk) < batch:
                return
            start += batch

    def head(self, slug: str) -> Posted:
        with self.database.transaction(write=False) as session:
            election = Board.find(session, slug)
            stored = board_rows.head(session, election.id)
            assert stored is not None
            return Posted(stored.position, stored.kind, stored.hash)

    # ---------------------------------------------------------------- nominations

    def nominate(self, slug: str, *, organisation: str, contest: str, name: str, consent: bool,
                 details: Mapping[str, Any] | None = None) -> Posted:
        """An organisation nominates a candidate (with the candidate's consent)."""
        return self._act(slug, EventKind.NOMINATION_SUBMITTED, lambda s, now: protocol_nominations.nominate(
            s, organisation=organisation, contest=contest, name=name, details=details, consent=consent, now=now))

    def register_candidate(self, slug: str, nomination: int) -> Posted:
        return self._act(slug, EventKind.CANDIDATE_REGISTERED, lambda s, now:
                         protocol_nominations.register_candidate(s, nomination=nomination, now=now))

    def refuse_candidate(self, slug: str, nomination: int, reason: str) -> Posted:
        return self._act(slug, EventKind.CANDIDATE_REFUSED, lambda s, now:
                         protocol_nominations.refuse_candidate(s, nomination=nomination, reason=reason, now=now))

    def lodge_appeal(self, slug: str, nomination: int, grounds: str) -> Posted:
        return self._act(slug, EventKind.APPEAL_LODGED, lambda s, now:
                         protocol_nominations.lodge_appeal(s, nomination=nomination, grounds=grounds, now=now))

    def decide_appeal(self, slug: str, nomination: int, *, upheld: bool, reason: str) -> Posted:
        return self._act(slug, EventKind.APPEAL_DECIDED, lambda s, now: protocol_nominations.decide_appeal(
            s, nomination=nomination, upheld=upheld, reason=reason, now=now))

    def close_nominations(self, slug: str) -> Posted:
        """Closes the nominations: every registered candidate goes on the ballot."""
        return self._act(slug, EventKind.NOMINATIONS_CLOSED, lambda s, now:
                         protocol_nominations.close_nominations(s, now=now))

    # -------------------------------------------------------------- key ceremony

    def submit_trustee_step(self, slug: str, kind: EventKind | str, payload: Mapping[str, Any]) -> list[Posted]:
        """Puts a key-ceremony message a trustee computed on their own machine on the board.

        ``kind`` is one of trustee_key, dkg_commitment_hash, dkg_commitments,
        dkg_shares, dkg_complaint. When the last trustee's complaints are in,
        the service completes the key ceremony in the same transaction
        (``key_ceremony_completed``: the joint key and verification keys); when fewer than
        k qualify, the last complaints stay on the board, the attempt has failed, and the
        commission may restart the ceremony (:meth:`restart_key_ceremony`, spec §5.8).
        """
        try:
            kind = EventKind(kind)
        except ValueError:
            raise InvalidInput(say("%(kind)s is not a key ceremony step", kind=repr(kind)), field="kind", code="unknown_step") from None
        if kind not in TRUSTEE_STEPS:
            raise InvalidInput(say("%(value)s is not a key ceremony step (steps: %(names)s)", value=repr(kind.value), names=', '.join(k.value for k in TRUSTEE_STEPS)), field="kind", code="unknown_step")
        payload = _plain(payload)
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, kind, payload, now=ctx.now)
            posted = [Posted.of(self.board.append(ctx, kind, checked))]
            keys = ctx.state.keys
            if kind is EventKind.DKG_COMPLAINT and len(keys.complaints) == ctx.state.trustee_count:
                try:
                    completion = protocol_keys.complete_key_ceremony(ctx.state, now=ctx.now)
                except ThresholdNotMet:
                    # The attempt has failed: the last complaints stay on the board, and the
                    # commission may restart the ceremony (restart_key_ceremony).
                    return posted
                posted.append(Posted.of(self.board.append(ctx, EventKind.KEY_CEREMONY_COMPLETED, completion)))
            return posted

    def submit_head_witness(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Puts a trustee's countersignature of a head (``head_witnessed``, computed and signed on the
        trustee's machine by :func:`vybory.protocol.witness.witness_head`) on the board.

        Refused unless it names an event of the board by its position and hash, is signed by the
        trustee it names, and is later than that trustee's last witness (spec §10.6)."""
        payload = _plain(payload)
        with self.board.writing(slug, self.clock()) as ctx:
            position = payload.get("position")
            witnessed = None
            if type(position) is int and 1 <= position < ctx.state.position:
                witnessed = next(iter(self.board.events(ctx.session, ctx.election_id, start=position,
                                                        stop=position + 1)), None)
            checked = check_append(ctx.state, EventKind.HEAD_WITNESSED, payload, now=ctx.now, witnessed=witnessed)
            return Posted.of(self.board.append(ctx, EventKind.HEAD_WITNESSED, checked))

    def restart_key_ceremony(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Puts the commission's restart of a failed or stalled key ceremony on the board
        (``key_ceremony_restarted``, made and signed on the commission's machine by
        :func:`vybory.protocol.restart_key_ceremony`): refused unless the latest attempt failed
        (fewer than k qualified) or stalled past its deadline, the payload names its outcome
        exactly, and the new trustees keep the rules of spec §5.8."""
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.KEY_CEREMONY_RESTARTED, _plain(payload), now=ctx.now)
            return Posted.of(self.board.append(ctx, EventKind.KEY_CEREMONY_RESTARTED, checked))

    def complete_key_ceremony(self, slug: str) -> Posted:
        """Publishes the ceremony's result once every trustee has filed its complaints (or none)."""
        return self._act(slug, EventKind.KEY_CEREMONY_COMPLETED, lambda s, now:
                         protocol_keys.complete_key_ceremony(s, now=now))

    # --------------------------------------------------------------- credentials

    def publish_roll(self, slug: str, payload: Mapping[str, Any], *, roll_csv: str | None = None,
                     source: str = "roll.csv") -> Posted:
        """Publishes the roll's sizes, weights and commitments (``roll_published``), signed by the
        commission on its own machine; the names never reach the board.

        With ``roll_csv`` the private roll is stored too (replacing one stored
        before), after checking that it is the roll the statement describes
        (``roll_statement_mismatch`` otherwise); the credential authority may
        then issue from this copy.
        """
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.ROLL_PUBLISHED, _plain(payload), now=ctx.now)
            if roll_csv is not None:
                voters = parse_roll(roll_csv, ctx.state.definition, source=source)
                if protocol_credentials.publish_roll(ctx.state.definition, voters)["districts"] != checked["districts"]:
                    raise Refused(say("%(source)s is not the roll the signed statement describes (another size, weight or "
                                      "commitment in some district)", source=source), field="roll",
                                  code="roll_statement_mismatch")
                for row in ctx.session.scalars(select(VoterRow).where(VoterRow.election_id == ctx.election_id)):
                    ctx.session.delete(row)
                ctx.session.flush()
                self._store_roll(ctx.session, ctx.election_id, voters)
            return Posted.of(self.board.append(ctx, EventKind.ROLL_PUBLISHED, checked))

    def file_roll_complaint(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Puts a complaint about the public roll on the board (``roll_complaint``: a voter left off, or an
        entry that should not be there); anyone may file one while the roll can still change. The
        answer (position and hash) is the complainant's proof that the board holds it (spec §12.1a)."""
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.ROLL_COMPLAINT, _plain(payload), now=ctx.now)
            return Posted.of(self.board.append(ctx, EventKind.ROLL_COMPLAINT, checked))

    def answer_roll_complaints(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Puts the commission's answers to complaints about the roll on the board
        (``roll_complaints_answered``, signed by the commission on its own machine)."""
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.ROLL_COMPLAINTS_ANSWERED, _plain(payload), now=ctx.now)
            return Posted.of(self.board.append(ctx, EventKind.ROLL_COMPLAINTS_ANSWERED, checked))

    def publish_credentials(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Publishes the list of public credentials (``credentials_published``, no identities),
        made and signed by the credential authority on its own machine
        (:func:`vybory.protocol.credential_list`); the secrets never reach the service.
        """
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.CREDENTIALS_PUBLISHED, _plain(payload), now=ctx.now)
            event = self.board.append(ctx, EventKind.CREDENTIALS_PUBLISHED, checked)
            ctx.session.connection().execute(insert(table_of(CredentialEntry)), [
                {"election_id": ctx.election_id, "credential": e["credential"], "district": e["district"],
                 "weight": e["weight"], "position": event.position} for e in checked["credentials"]])
            return Posted.of(event)

    # -------------------------------------------------------------------- voting

    def open_round(self, slug: str) -> Posted:
        """Opens round 1 (every contest, every registered candidate) for the definition's voting window."""
        return self._act(slug, EventKind.ROUND_OPENED,
                         lambda s, now: protocol_rounds.open_round(s, now=now, booth=self.booth_digest))

    def cast_ballot(self, slug: str, ballot: Ballot | Mapping[str, Any] | str | bytes) -> Receipt:
        """Checks a ballot and puts it on the board; returns the voter's receipt.

        Refused (nothing stored) unless: it is for this election and an open
        round, its credential is listed, no ciphertext of it is already on the
        board, re-voting is allowed if the credential voted before in this
        round, and the signature and every proof verify.

        Idempotent: a ballot already on the board (the same ballot, byte for byte once
        canonical: the same tracking code) gets back the receipt it got the first time, and
        nothing is appended; a voter whose connection dropped simply sends it again.
        """
        ballot = _as_ballot(ballot)
        body = ballot.to_json()  # once, outside the lock: its tracking code, then the event's payload
        code = tracking_code(ballot, body=body)
        # The cheap checks and the statement, from this process's cached state when it has one
        # and it accepts the ballot; else from one reading of the board, which also finds the
        # receipt of this very ballot if it is there already (a refusal is always the board's).
        # The signature and the proofs need no board state beyond the statement, which does not
        # change while the round is open: they are checked after it, outside the writer lock, so
        # that several threads, workers and servers check ballots at once; inside the lock the
        # cheap checks run again against the board as it is then, then the append.
        statement = None
        with self.board.cached_state(slug) as cached:
            if cached is not None and code not in cached.tracking_codes:
                try:
                    statement = protocol_rounds.ballot_statement(cached, ballot, now=self.clock(), code=code)
                except VyboryError:  # the cache may be behind the board: the board decides
                    statement = None
        if statement is None:
            with self.board.reading(slug, self.clock()) as ctx:
                existing = self._receipt_on_board(ctx, code)
                if existing is not None:
                    return existing
                statement = protocol_rounds.ballot_statement(ctx.state, ballot, now=ctx.now, code=code)
        try:
            protocol_rounds.check_ballot_proofs(ballot, statement)
            return self._admit_grouped(slug, _Queued(ballot, statement, body, code))
        except VyboryError as error:
            if error.code != "replayed_ballot":
                raise
            # the same ballot landed meanwhile (sent twice at once): its receipt, not a refusal
            with self.board.reading(slug, self.clock()) as ctx:
                existing = self._receipt_on_board(ctx, code)
            if existing is None:
                raise
            return existing

    def _receipt_on_board(self, ctx: Context, code: str) -> Receipt | None:
        """The receipt of the ballot with tracking code ``code``, rebuilt from the board, if it is there."""
        cast = ctx.state.tracking_codes.get(code)
        if cast is None:
            return None
        [event] = self.board.events(ctx.session, ctx.election_id, start=cast.position, stop=cast.position + 1)
        earlier = ctx.session.scalars(select(BallotEntry.tracking_code).where(
            BallotEntry.election_id == ctx.election_id, BallotEntry.round == cast.round,
            BallotEntry.credential == cast.credential, BallotEntry.position < cast.position,
        ).order_by(BallotEntry.position.desc())).first()
        return Receipt(ctx.slug, cast.round, code, event.position, event.hash.hex(), earlier,
                       event.previous_hash.hex(), ctx.state.fingerprint.hex())

    def _admit_grouped(self, slug: str, item: _Queued) -> Receipt:
        """Admits a checked ballot in a group commit: the threads of this process that wait for
        the election's writer lock leave their ballots in a queue, and whichever takes the lock
        appends every queued ballot (up to :data:`GROUP_LIMIT`) in one transaction, then hands
        each thread its own outcome. A receipt is returned only after the transaction holding
        its ballot has committed; a ballot refused inside the lock is left out of the group and
        the others go on (as in :meth:`cast_ballots`)."""
        queue = self._queue(slug)
        with queue.mutex:
            queue.items.append(item)
        with self.board.election_lock(slug):
            while not item.done:
                with queue.mutex:
                    group, queue.items = queue.items[:GROUP_LIMIT], queue.items[GROUP_LIMIT:]
                self._commit_group(slug, group)
        if item.error is not None:
            raise item.error
        assert item.receipt is not None
        return item.receipt

    def _queue(self, slug: str) -> _BallotQueue:
        with self._queues_mutex:
            queue = self._queues.get(slug)
            if queue is None:
                queue = self._queues[slug] = _BallotQueue()
            return queue

    def _commit_group(self, slug: str, group: list[_Queued]) -> None:
        """One transaction for the group; should it fail as a whole (a ciphertext the index
        refuses, a lost connection), each ballot of a group of several gets its own."""
        outcomes: list[Receipt | BaseException] = []
        try:
            with self.board.writing(slug, self.clock()) as ctx:
                for item in group:
                    try:
                        payload = protocol_rounds.admit_ballot(ctx.state, item.ballot, now=ctx.now,
                                                               checked=item.statement, body=item.body,
                                                               code=item.code)
                    except VyboryError as error:  # nothing was changed: the others go on
                        outcomes.append(error)
                        continue
                    outcomes.append(self._store_ballot(ctx, item.ballot, payload))
        except BaseException as error:  # noqa: BLE001 - every waiting thread must get an outcome
            if len(group) == 1 or not isinstance(error, Exception):
                for item in group:
                    item.finish(error)
                return
            for item in group:
                self._commit_group(slug, [item])
            return
        for item, outcome in zip(group, outcomes, strict=True):
            item.finish(outcome)

    def cast_ballots(self, slug: str, ballots: Sequence[Ballot | Mapping[str, Any] | str | bytes]
                     ) -> list[Receipt | VyboryError]:
        """Casts several ballots in one transaction (bulk import, simulations), each checked as by
        :meth:`cast_ballot` in turn. Returns, in order, a receipt or the refusal of each ballot;
        a refused ballot leaves no trace and does not stop the others."""
        parsed: list[Ballot | VyboryError] = []
        for ballot in ballots:
            try:
                parsed.append(_as_ballot(ballot))
            except VyboryError as error:
                parsed.append(error)
        checked = self._ballot_statements(slug, [b for b in parsed if isinstance(b, Ballot)])
        statements: list[protocol_rounds.BallotStatement | VyboryError] = []
        for item in parsed:
            if isinstance(item, VyboryError):
                statements.append(item)
                continue
            statement = checked.pop(0)
            if not isinstance(statement, VyboryError):
                try:
                    protocol_rounds.check_ballot_proofs(item, statement)
                except VyboryError as error:
                    statement = error
            statements.append(statement)
        out: list[Receipt | VyboryError] = []
        with self.board.writing(slug, self.clock()) as ctx:
            for item, statement in zip(parsed, statements, strict=True):
                if isinstance(statement, VyboryError):
                    out.append(statement)
                    continue
                assert isinstance(item, Ballot)
                try:
                    payload = protocol_rounds.admit_ballot(ctx.state, item, now=ctx.now, checked=statement)
                except VyboryError as error:
                    out.append(error)
                    continue
                out.append(self._store_ballot(ctx, item, payload))
        return out

    def _ballot_statements(self, slug: str, ballots: Sequence[Ballot]
                           ) -> list[protocol_rounds.BallotStatement | VyboryError]:
        """The cheap checks of each ballot against the board as read now, and the statement its
        proofs are then checked against, outside the writer lock (or the refusal)."""
        out: list[protocol_rounds.BallotStatement | VyboryError] = []
        with self.board.reading(slug, self.clock()) as ctx:
            for ballot in ballots:
                try:
                    out.append(protocol_rounds.ballot_statement(ctx.state, ballot, now=ctx.now))
                except VyboryError as error:
                    out.append(error)
        return out

    def _store_ballot(self, ctx: Context, ballot: Ballot, payload: dict[str, Any]) -> Receipt:
        state: ElectionState = ctx.state
        credential = ballot.credential.to_hex()
        earlier = state.rounds[ballot.round].last_ballot.get(credential)
        replaced = None if earlier is None else earlier.tracking_code
        event = self.board.append(ctx, EventKind.BALLOT_CAST, payload)
        ctx.session.connection().execute(insert(table_of(BallotEntry)), [{
            "election_id": ctx.election_id, "round": ballot.round, "tracking_code": payload["tracking_code"],
            "credential": credential, "position": event.position}])
        try:
            ctx.session.connection().execute(insert(table_of(CiphertextEntry)), [
                {"election_id": ctx.election_id, "digest": hashlib.sha256(c.to_bytes()).hexdigest(),
                 "position": event.position} for c in ballot.ciphertexts()])
        except IntegrityError:
            # The board's own index says a ciphertext repeats: the whole transaction is void.
            raise Refused(say("this ballot repeats a ciphertext already on the board"), field="ballot",
                          code="replayed_ballot") from None
        return Receipt(ctx.slug, ballot.round, payload["tracking_code"], event.position, event.hash.hex(), replaced,
                       event.previous_hash.hex(), state.fingerprint.hex())

    def find_ballot(self, slug: str, tracking_code: str) -> BallotLookup:
        """Where a tracking code is on the board and whether it still counts."""
        code = normalise_code(tracking_code)
        with self.board.reading(slug, self.clock()) as ctx:
            row = ctx.session.scalars(select(BallotEntry).where(
                BallotEntry.election_id == ctx.election_id, BallotEntry.tracking_code == code)).first()
            if row is None:
                raise Refused(say("no ballot with this tracking code is on the board"), field="tracking_code",
                              code="unknown_tracking_code")
            last = ctx.state.rounds[row.round].last_ballot.get(row.credential)
            counts = last is not None and last.tracking_code == code
            return BallotLookup(code, row.round, row.position, counts,
                                None if counts or last is None else last.tracking_code)

    def check_receipt(self, slug: str, receipt: str | bytes) -> tuple[ReceiptClaim, list[ReceiptFinding], Posted]:
        """A voter's receipt (the JSON given on casting) against the board as it is now: the receipt,
        its findings (none: it holds) and the board's head. Bad input names the receipt's field.

        The server checks here its own board; only a check of an exported record on the voter's
        own machine (`vybory verify-ballot --receipt`) does not rely on the server's word."""
        claim = read_receipt(receipt)
        with self.board.reading(slug, self.clock()) as ctx:
            end = min(ctx.state.position, claim.head_position)
            events: dict[int, Event | None] = {}
            for position in {claim.position, claim.head_position}:
                if position <= end:
                    events.update((e.position, e) for e in self.board.events(
                        ctx.session, ctx.election_id, start=position, stop=position + 1))
            findings = check_receipt_events(events, end, ctx.state.fingerprint.hex(), claim)
            return claim, findings, Posted.of(ctx.state.head)

    def close_round(self, slug: str, round: int | None = None) -> Posted:
        """Closes a round (the current one by default): at its deadline, or once everyone has voted."""
        with self.board.writing(slug, self.clock()) as ctx:
            number = self._round_number(ctx.state, round)
            payload = protocol_rounds.close_round(ctx.state, round=number, now=ctx.now)
            return Posted.of(self.board.append(ctx, EventKind.ROUND_CLOSED, payload))

    # --------------------------------------------------------------------- tally

    def compute_tally(self, slug: str, round: int | None = None) -> Posted:
        """Publishes the encrypted tally of a closed round, recomputed from the board."""
        with self.board.writing(slug, self.clock()) as ctx:
            number = self._round_number(ctx.state, round)
            payload = tallying.encrypted_tally(self.board, ctx, number)
            return Posted.of(self.board.append(ctx, EventKind.ENCRYPTED_TALLY, payload))

    def submit_decryption_share(self, slug: str, payload: Mapping[str, Any]) -> Posted:
        """Puts a trustee's decryption share (computed on the trustee's machine) on the board.

        Its form is checked here (round, trustee, number of factors); its proof
        is checked when the shares are combined (:meth:`decide`), where a share
        that does not verify is skipped and named on the board.
        """
        payload = _plain(payload)
        with self.board.writing(slug, self.clock()) as ctx:
            checked = check_append(ctx.state, EventKind.DECRYPTION_SHARE, payload, now=ctx.now)
            return Posted.of(self.board.append(ctx, EventKind.DECRYPTION_SHARE, checked))

    def decide(self, slug: str, round: int | None = None) -> tallying.Decision:
        """Decrypts the round's tally from any k valid shares, applies each contest's rule,
        declares the outcomes, and opens the next round at once when a runoff or a
        repeat election is required. One transaction.

        Raises :class:`~vybory.errors.ThresholdNotMet` (nothing written) when
        fewer than k valid shares are on the board; invalid shares are skipped
        and named in the decision.
        """
        with self.board.writing(slug, self.clock()) as ctx:
            number = self._round_number(ctx.state, round)
            return tallying.decide(self.board, ctx, number, booth=self.booth_digest)

    def decisions(self, slug: str) -> list[tallying.Decision]:
        """The decision of every decided round, in order (results, skipped shares, next round)."""
        with self.board.reading(slug, self.clock()) as ctx:
            return [tallying.decision_of(ctx.state, n) for n in sorted(ctx.state.rounds)
                    if ctx.state.rounds[n].outcomes is not None]

    def publish(self, slug: str) -> Posted:
        """Marks the election as published (its record is final)."""
        return self._act(slug, EventKind.ELECTION_PUBLISHED, lambda s, now: tallying.publish(s, now))

    # ----------------------------------------------------------------- deadlines

    def advance(self, slug: str) -> list[Posted]:
        """Does what the deadlines call for now, each step in its own transaction:
        closes the nominations once due (when no decision or appeal is pending),
        opens round 1 when ready, closes a round at its deadline and publishes
        its encrypted tally. Returns what was done; a step that cannot be taken
        yet is left for later (run it again, e.g. from cron). An unknown election is refused."""
        self.head(slug)
        done: list[Posted] = []
        steps: list[Callable[[str], Posted]] = [self.close_nominations, self.open_round, self.close_round,
                                                self.compute_tally]
        for step in steps:
            try:
                done.append(step(slug))
            except Refused:
                continue
        return done

    # --------------------------------------------------------------------- users

    def add_user(self, username: str, password: str, role: str, *, election: str | None = None,
                 subject: str | None = None) -> None:
        """Adds a web login; its password is stored as an argon2id hash (computed before the writer lock).

        A trustee or organisation login speaks for one trustee or organisation of one election: the
        subject must hold a seat now (a trustee replaced at a restart of the key ceremony no longer
        does) or be an organisation of the definition, whoever asks (the API, the commission's page
        or `vybory db add-user`)."""
        self._check_login_subject(role, election, subject)
        users.check_new_password(password)
        password_hash = users.hash_password(password)
        with self.database.transaction() as session:
            election_id = None if election is None else Board.find(session, election).id
            users.create_user(session, username, password, role, election_id=election_id, subject=subject,
                              now=self.clock(), password_hash=password_hash)

    def _check_login_subject(self, role: str, election: str | None, subject: str | None) -> None:
        """Refuses a trustee or organisation login without its election and subject, or for a subject
        that is not this election's; and a subject on any other login."""
        if role not in ("trustee", "organisation"):
            if subject:
                raise InvalidInput(say("only a trustee or organisation login speaks for someone: leave the subject "
                                       "empty for a %(role)s login", role=role), field="subject",
                                   code="subject_not_allowed")
            return
        if not election or not subject:
            raise InvalidInput(say("a %(role)s login needs an election and the %(role)s id it speaks for", role=role),
                               field="subject", code="subject_missing")
        if role == "trustee" and not self.has_trustee(election, subject):
            raise InvalidInput(say("%(subject)s is not a trustee of election %(election)s", subject=repr(subject),
                                   election=repr(election)), field="subject", code="unknown_subject")
        if role == "organisation" and not self.definition(election).has_organisation(subject):
            raise InvalidInput(say("%(subject)s is not an organisation of election %(election)s", subject=repr(subject),
                                   election=repr(election)), field="subject", code="unknown_subject")

    def authenticate(self, username: str, password: str) -> dict[str, Any] | None:
        """The login's role and scope if the password is right, else ``None``.

        The login is read in a read-only transaction and the password checked after
        it ends: argon2 never runs while a transaction (let alone the writer lock) is held.
        """
        with self.database.transaction(write=False) as session:
            user = users.find_login(session, username)
            slug = None
            if user is not None and user.election_id is not None:
                slug = session.get(Election, user.election_id).slug  # type: ignore[union-attr]
        if not users.password_matches(user, password):
            return None
        assert user is not None
        if users.needs_rehash(user):
            new_hash = users.hash_password(password)
            with self.database.transaction() as session:
                users.replace_hash(session, user.username, user.password_hash, new_hash)
        return {"username": user.username, "role": user.role, "subject": user.subject, "election": slug}

    def set_password(self, username: str, password: str) -> None:
        """Replaces a login's password and ends all of its sessions."""
        users.check_new_password(password)
        password_hash = users.hash_password(password)
        with self.database.transaction() as session:
            users.set_password(session, username, password, password_hash=password_hash)

    def disable_user(self, username: str) -> None:
        """Disables a login: it can no longer log in, and its sessions end now."""
        with self.database.transaction() as session:
            users.disable_user(session, username)

    def open_session(self, username: str, *, lifetime: timedelta, replaces: str | None = None) -> str:
        """A new random session token for a login that just authenticated (the browser's previous
        session, ``replaces``, ends: a session id is never carried across a login)."""
        token = secrets.token_urlsafe(32)
        with self.database.transaction() as session:
            user = users.find_login(session, username)
            if user is None or user.disabled:
                raise Refused(say("there is no user %(username)s", username=repr(username)), field="username",
                              code="unknown_user")
            if replaces:
                users.end_session(session, replaces)
            users.open_session(session, user, token, now=self.session_clock(), lifetime=lifetime)
        return token

    def session_login(self, token: str) -> dict[str, Any] | None:
        """The login of a live session (enabled, unexpired, not logged out), else ``None``."""
        with self.database.transaction(write=False) as session:
            user = users.session_user(session, token, now=self.session_clock())
            if user is None:
                return None
            slug = None
            if user.election_id is not None:
                slug = session.get(Election, user.election_id).slug  # type: ignore[union-attr]
            return {"username": user.username, "role": user.role, "subject": user.subject, "election": slug}

    def end_session(self, token: str) -> None:
        with self.database.transaction() as session:
            users.end_session(session, token)

    def users(self) -> list[dict[str, Any]]:
        with self.database.transaction(write=False) as session:
            return [{"username": u.username, "role": u.role, "subject": u.subject, "disabled": u.disabled}
                    for u in session.scalars(select(User).order_by(User.username))]

    # ------------------------------------------------------------------ internal

    def _act(self, slug: str, kind: EventKind,
             compute: Callable[[ElectionState, datetime], dict[str, Any]]) -> Posted:
        with self.board.writing(slug, self.clock()) as ctx:
            payload = compute(ctx.state, ctx.now)
            return Posted.of(self.board.append(ctx, kind, payload))

    @staticmethod
    def _round_number(state: ElectionState, round: int | None) -> int:
        if round is not None:
            return state.round(round).number
        current = state.current_round
        if current is None:
            raise Refused(say("no round has been opened yet"), field="round", code="no_round")
        return current.number

    @staticmethod
    def _store_roll(session: Any, election_id: int, voters: Sequence[Voter]) -> None:
        session.add_all(VoterRow(election_id=election_id, voter_id=v.id, name=v.name, district=v.district,
                                 weight=v.weight) for v in voters)
        session.flush()

    @staticmethod
    def _roll_size(ctx: Context) -> int:
        return int(ctx.session.scalar(
            select(func.count()).select_from(VoterRow).where(VoterRow.election_id == ctx.election_id)) or 0)

    @staticmethod
    def _summary(election: Election, state: ElectionState, voters: int) -> ElectionSummary:
        return ElectionSummary(election.slug, election.title, election.fingerprint, state.phase.value,
                               state.position, state.head_hash.hex(), voters)


def _as_ballot(ballot: Ballot | Mapping[str, Any] | str | bytes) -> Ballot:
    """A ballot from its JSON text, its JSON object, or itself; InvalidEncoding naming the field."""
    if isinstance(ballot, Ballot):
        return ballot
    if isinstance(ballot, (str, bytes)):
        from vybory.model.canonical import parse_json

        ballot = parse_json(ballot, field="ballot")
    return Ballot.from_json(ballot)


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload as plain JSON values (what will be hashed), or InvalidEncoding."""
    from vybory.model.canonical import canonical_json, parse_json

    if not isinstance(payload, Mapping):
        raise InvalidEncoding(say("must be a JSON object"), field="payload")
    return parse_json(canonical_json(payload), field="payload")


__all__ = ["TRUSTEE_STEPS", "ElectionService", "Phase", "VyboryError"]
