"""The service's backbone: one transaction per operation, the board as the only state.

An operation opens a transaction, locks the election (PostgreSQL: ``SELECT
... FOR UPDATE`` on its row; SQLite: the writer's ``BEGIN IMMEDIATE``), reads
the board's head, derives the election's state from the board (through
``vybory.protocol.state``), asks a protocol function for the next payload,
appends the event (and its index rows), and commits. Any refusal raised on the
way rolls the whole transaction back: nothing is half-written.

Replaying a long board for every ballot would cost time proportional to the
board, so a replayed state is kept in memory per election together with the
head it was derived from; the next operation uses it only if the database's
head is that same event (or extends it: then only the new events are applied).
The cache is a copy of what the board says, never a source of truth.

The protocol's state is mutable (events are folded into it in place), so all
work on one election inside one process is serialised by a per-election lock,
and a failed write drops the cached state (the next operation replays).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vybory.errors import Refused, VyboryError
from vybory.model.board import Event, EventKind, next_event
from vybory.model.canonical import canonical_json, parse_json
from vybory.protocol import state as protocol_state
from vybory.store import Database
from vybory.store import board as board_rows
from vybory.store.tables import Election
from vybory.text import say


def to_event(stored: board_rows.StoredEvent) -> Event:
    """A stored row as a model event (the hash is checked when it is applied)."""
    return Event(
        stored.position,
        EventKind(stored.kind),
        parse_json(stored.payload, field=f"event {stored.position}.payload"),
        bytes.fromhex(stored.previous_hash),
        bytes.fromhex(stored.hash),
    )


def to_stored(event: Event, recorded_at: datetime, *, checked: bool = False) -> board_rows.StoredEvent:
    """The row of an event. ``checked``: the payload already went through ``canonical_json``
    (hashing it), so the same text is written without checking every value again."""
    text = None
    if checked:
        try:
            text = json.dumps(event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except TypeError:  # a value json does not know (a mapping type, ...): the careful way
            text = None
    if text is None:
        text = canonical_json(event.payload).decode("utf-8")
    return board_rows.StoredEvent(
        event.position,
        event.kind.value,
        text,
        event.previous_hash.hex(),
        event.hash.hex(),
        recorded_at,
    )


@dataclass
class Context:
    """One operation's view of one election inside its transaction."""

    session: Session
    election: Election
    head: Event | None
    state: Any
    now: datetime
    appended: list[Event] = field(default_factory=list)
    election_id: int = field(init=False)
    slug: str = field(init=False)

    def __post_init__(self) -> None:
        # Plain copies: the row is unusable once its transaction has ended.
        self.election_id = self.election.id
        self.slug = self.election.slug


@dataclass(frozen=True)
class _Snapshot:
    head: Event
    state: Any


class Board:
    """Loads elections, derives their state, appends events; keeps a per-election state cache."""

    def __init__(self, database: Database):
        self.database = database
        self._cache: dict[int, _Snapshot] = {}
        self._lock = threading.Lock()
        self._election_locks: dict[str, threading.RLock] = {}
        self._ids: dict[str, int] = {}  # slug -> id of the elections whose state is cached

    def election_lock(self, slug: str) -> threading.RLock:
        """The lock that serialises this process's work on one election (and its cached state)."""
        with self._lock:
            lock = self._election_locks.get(slug)
            if lock is None:
                lock = self._election_locks[slug] = threading.RLock()
            return lock

    # -- finding -----------------------------------------------------------------

    @staticmethod
    def find(session: Session, slug: str) -> Election:
        election = session.scalars(select(Election).where(Election.slug == slug)).first()
        if election is None:
            known = session.scalars(select(Election.slug).order_by(Election.slug).limit(20)).all()
            hint = (say(" (elections here: %(names)s)", names=", ".join(known)) if known
                    else say(" (there are no elections yet)"))
            raise Refused(say("there is no election %(slug)s%(hint)s", slug=repr(slug), hint=hint), field="election", code="unknown_election")
        return election

    # -- state -------------------------------------------------------------------

    def _derive(self, session: Session, election_id: int) -> tuple[Event | None, Any]:
        try:
            return self._derive_unchecked(session, election_id)
        except VyboryError as error:
            self.forget(election_id)
            raise Refused(say("the board stored in the database is damaged: %(error)s", error=error), field="board",
                          code="board_damaged") from None

    def _derive_unchecked(self, session: Session, election_id: int) -> tuple[Event | None, Any]:
        stored_head = board_rows.head(session, election_id)
        if stored_head is None:
            return None, None
        with self._lock:
            snapshot = self._cache.get(election_id)
        if snapshot is not None and snapshot.head.hash.hex() == stored_head.hash:
            return snapshot.head, snapshot.state
        if snapshot is not None and snapshot.head.position < stored_head.position:
            same = board_rows.event_at(session, election_id, snapshot.head.position)
            if same is not None and same.hash == snapshot.head.hash.hex():
                state, head = snapshot.state, snapshot.head
                for stored in board_rows.events(session, election_id, start=head.position + 1):
                    event = to_event(stored)
                    state = state.apply(event)  # checks the event's position, link and hash
                    head = event
                self.remember(election_id, head, state)
                return head, state
        events = [to_event(stored) for stored in board_rows.events(session, election_id)]
        state = protocol_state.replay(events)
        head = events[-1]
        self.remember(election_id, head, state)
        return head, state

    @contextmanager
    def cached_state(self, slug: str) -> Iterator[Any | None]:
        """The state this process last derived for the election (``None`` if none), under the
        election's lock and without asking the database: it may be behind the board. Good only
        for work that is done again against the board before anything is appended."""
        with self.election_lock(slug):
            with self._lock:
                election_id = self._ids.get(slug)
                snapshot = None if election_id is None else self._cache.get(election_id)
            yield None if snapshot is None else snapshot.state

    def remember(self, election_id: int, head: Event, state: Any) -> None:
        with self._lock:
            self._cache[election_id] = _Snapshot(head, state)

    def forget(self, election_id: int | None = None) -> None:
        with self._lock:
            if election_id is None:
                self._cache.clear()
            else:
                self._cache.pop(election_id, None)

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def reading(self, slug: str, now: datetime) -> Iterator[Context]:
        with self.election_lock(slug), self.database.transaction(write=False) as session:
            election = self.find(session, slug)
            head, state = self._derive(session, election.id)
            with self._lock:
                self._ids[slug] = election.id
            yield Context(session, election, head, state, now)

    @contextmanager
    def writing(self, slug: str, now: datetime) -> Iterator[Context]:
        """A writing transaction on one election; its events are committed together or not at all."""
        with self.election_lock(slug):
            context: Context | None = None
            try:
                with self.database.transaction(write=True) as session:
                    election = self.find(session, slug)
                    board_rows.lock_election(session, election.id)
                    head, state = self._derive(session, election.id)
                    context = Context(session, election, head, state, now)
                    yield context
            except BaseException:
                # The state was changed in place by the events of a transaction that did not commit.
                if context is not None and context.appended:
                    self.forget(context.election_id)
                raise
            if context.appended:
                self.remember(context.election_id, context.head, context.state)  # type: ignore[arg-type]

    @contextmanager
    def creating(self, now: datetime) -> Iterator[Session]:
        with self.database.transaction(write=True) as session:
            yield session

    def append(self, context: Context, kind: EventKind, payload: dict[str, Any]) -> Event:
        """Appends one event after the head and applies it to the context's state."""
        event = next_event(context.head, kind, payload)
        # Recorded first: if anything below fails, the caller knows the cached state may be changed.
        context.appended.append(event)
        if context.state is None:
            state = protocol_state.replay([event])
        else:
            state = context.state.apply(event, hashed=True)  # next_event has just hashed it
        board_rows.append(context.session, context.election_id, to_stored(event, context.now, checked=True))
        context.head = event
        context.state = state
        return event

    def events(self, session: Session, election_id: int, *, start: int = 1,
               stop: int | None = None, kinds: tuple[str, ...] | None = None) -> Iterator[Event]:
        for stored in board_rows.events(session, election_id, start=start, stop=stop, kinds=kinds):
            yield to_event(stored)
