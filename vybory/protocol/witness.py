"""Witnessed heads (docs/spec.md §10.6): a trustee countersigns the board's head at a phase change.

On the trustee's machine, :func:`witness_head` reads the whole board as the
server hands it over and trusts none of it: it checks the chain from the first
event (positions, links, hashes), that the definition names this trustee's
identity key, that every head already witnessed on the board is in that chain
with the hash it was witnessed with, and that every head the trustee wrote down
itself before (its heads file) still is. Only then does it sign the head it
computed, not the one the server states. A server that rewrote history after a
witness, even re-hashing the whole chain, is refused by name
(``history_rewritten``) before anything is signed.

On the server, :func:`check_head_witness` is the rule of ``head_witnessed``
(used by :func:`vybory.protocol.accept.check_append`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto.group import Point, Rng, Scalar
from vybory.errors import InvalidEncoding, InvalidInput, Refused, VyboryError
from vybory.model.board import Event, EventKind, check_event
from vybory.model.definition import Definition, Trustee, definition_from_json, fingerprint
from vybory.model.restart import read_trustees
from vybory.model.signing import check_payload_signature, sign_payload, trustee_signer
from vybory.protocol.state import ElectionState
from vybory.text import say
from vybory.verify.heads import WITNESS_FIELDS, Head, phase_of, witness_claim


def check_head_witness(state: ElectionState, payload: Mapping[str, Any], witnessed: Event | None) -> None:
    """The rule of ``head_witnessed``: it names an event already on the board by its position and
    hash (``witnessed`` is that event, read by the shell), and a head after the trustee's last one."""
    if set(payload) - {"signed"} != WITNESS_FIELDS:
        raise InvalidInput(say("a head_witnessed payload has exactly the fields at, hash, position, signed, trustee"),
                           field="payload")
    position, digest = witness_claim(payload)
    if position > state.position:
        raise Refused(say("position %(position)s is beyond the board's head (event %(position2)s)", position=position, position2=state.position),
                      field="position", code="witness_beyond_head")
    if witnessed is None and position == state.position:
        witnessed = state.head
    if witnessed is None or witnessed.position != position:
        raise InvalidInput(say("the board's event %(position)s is needed to check this witness", position=position), field="position")
    if witnessed.hash.hex() != digest:
        raise Refused(say("event %(position)s of the board has the hash %(hex)s, not %(digest)s", position=position, hex=witnessed.hash.hex(), digest=digest),
                      field="hash", code="witness_hash_mismatch")
    trustee = payload.get("trustee")
    last = state.witnesses.get(trustee) if isinstance(trustee, int) else None
    if last is not None and last[0] >= position:
        raise Refused(say("trustee %(trustee)s already witnessed the board up to event %(value)s: a witness names a later head", trustee=trustee, value=last[0]), field="position", code="witness_not_newer")


@dataclass(frozen=True, slots=True)
class Witness:
    """What :func:`witness_head` produced: the signed payload and the head it names (with its phase)."""

    payload: dict[str, Any]
    head: Head
    witnessed_before: int


class _Hashes:
    """The hash of every event read so far, 32 bytes each in one buffer."""

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, digest: bytes) -> None:
        self.data += digest

    def __len__(self) -> int:
        return len(self.data) // 32

    def at(self, position: int) -> str | None:
        if not 1 <= position <= len(self):
            return None
        return bytes(self.data[32 * (position - 1):32 * position]).hex()


def _rewritten(message: str, consequence: str) -> Refused:
    return Refused(say("%(message)s: the board was rewritten after it was witnessed; %(consequence)s", message=message,
                       consequence=consequence),
                   field="board", code="history_rewritten")


@dataclass(slots=True)
class _Board:
    """What reading a whole board from event 1 gave: its chain's hashes, definition, trustees and
    witnesses, and its last event that is not a witness (the head a trustee signs)."""

    hashes: _Hashes
    definition: Definition
    fp: bytes
    label: str
    content: Event
    trustees: tuple[Trustee, ...]
    on_board: list[tuple[int, Mapping[str, Any], tuple[Trustee, ...]]]


def _read_board(events: Iterable[Event], consequence: str) -> _Board:
    """Checks the chain of ``events`` (every event from position 1, as the server gave them) and
    the commission's signature on each restart; ``consequence`` ends each refusal ("nothing is
    signed")."""
    hashes = _Hashes()
    previous: Event | None = None
    definition: Definition | None = None
    fp = b""
    label = ""
    content: Event | None = None  # the last event that is not itself a witness: the head to sign
    trustees: tuple[Trustee, ...] = ()  # the trustees as of the event read last (a restart may replace some)
    on_board: list[tuple[int, Mapping[str, Any], tuple[Trustee, ...]]] = []
    for event in events:
        try:
            check_event(event, previous)
        except InvalidEncoding as error:
            raise Refused(say("the board the server gave is not one hash chain (%(field)s: %(message)s); %(consequence)s", field=error.field, message=error.message, consequence=consequence), field="board", code="board_broken") from None
        if previous is None:
            try:
                definition = definition_from_json(event.payload["definition"], source="event 1")
            except (VyboryError, KeyError, TypeError) as error:
                raise Refused(say("the board's first event holds no usable definition (%(error)s)", error=error), field="board",
                              code="board_broken") from None
            fp = fingerprint(definition)
            trustees = definition.trustees
        hashes.add(event.hash)
        if event.kind is EventKind.HEAD_WITNESSED:
            on_board.append((event.position, event.payload, trustees))
        elif event.kind is EventKind.KEY_CEREMONY_RESTARTED:
            try:
                # Its trustees count only under the commission's signature: the server cannot seat its own.
                assert definition is not None  # (read from event 1)
                check_payload_signature(definition, fp, event.kind.value, event.payload)
                trustees = read_trustees(event.payload.get("trustees"), len(trustees))
            except VyboryError as error:
                raise Refused(say("the key ceremony's restart at event %(at)s names no usable trustees (%(message)s); "
                                  "%(consequence)s", at=event.position, message=error.message, consequence=consequence),
                              field="board", code="board_broken") from None
            content = event
        else:
            content = event
        label = phase_of(event.kind.value, event.payload) or label
        previous = event
    if previous is None or definition is None or content is None:
        raise Refused(say("the board is empty"), field="board", code="board_broken")
    return _Board(hashes, definition, fp, label, content, trustees, on_board)


def _check_history(board: _Board, heads: Sequence[Head], consequence: str) -> None:
    """Every witness on the board is a trustee's valid one and names an event of this chain with its
    hash, and so does every head of the trustee's own heads file."""
    hashes = board.hashes
    for at, payload, signers in board.on_board:
        try:
            check_payload_signature(board.definition, board.fp, EventKind.HEAD_WITNESSED.value, payload, signers)
            position, digest = witness_claim(payload)
        except VyboryError as error:
            raise Refused(say("the witness at event %(at)s is not a trustee's valid witness (%(message)s); %(consequence)s", at=at, message=error.message, consequence=consequence), field="board", code="board_broken") from None
        if hashes.at(position) != digest:
            raise _rewritten(f"the witness at event {at} names event {position} with the hash {digest}, but the "
                             f"board now has {hashes.at(position) or 'no such event'}", consequence)
    for head in heads:
        found = hashes.at(head.position)
        if found is None:
            raise _rewritten(f"your heads file names event {head.position} ({head.label or 'no label'}), but the "
                             f"board ends at event {len(hashes)}", consequence)
        if found != head.hash:
            raise _rewritten(f"your heads file names event {head.position} with the hash {head.hash}, but the "
                             f"board now has {found} there", consequence)


def witness_head(events: Iterable[Event], *, trustee_id: str, signing_secret: Scalar,
                 heads: Sequence[Head] = (), rng: Rng | None = None) -> Witness:
    """The signed ``head_witnessed`` payload of trustee ``trustee_id`` for the board ``events``
    (every event from position 1, as the server gave them), after checking them; ``heads`` are
    the heads this trustee wrote down before. Raises Refused (``board_broken``,
    ``history_rewritten``, ``wrong_identity_key``, ``unknown_trustee``) and signs nothing then."""
    nothing = say("nothing is signed")
    board = _read_board(events, nothing)
    trustees, label = board.trustees, board.label
    index = next((i for i, t in enumerate(trustees, start=1) if t.id == trustee_id), None)
    if index is None:
        raise Refused(say("%(trustee_id)s is not a trustee of this election", trustee_id=repr(trustee_id)), field="trustee", code="unknown_trustee")
    if Point.base_mul(signing_secret) != trustees[index - 1].signing_key:
        raise Refused(say("this identity key is not the signing key the definition names for trustee %(trustee_id)s", trustee_id=repr(trustee_id)),
                      field="identity", code="wrong_identity_key")
    _check_history(board, heads, nothing)
    head = Head(board.content.position, board.content.hash.hex(), label)
    mine = [p for _, p, _ in board.on_board if p.get("trustee") == index]
    if mine and max(int(p["position"]) for p in mine) >= head.position:
        raise Refused(say("you already witnessed the board up to event %(position)s (%(label)s); nothing new is on "
                          "it but witnesses", position=head.position, label=label), field="board", code="nothing_new")
    payload = {"trustee": index, "position": head.position, "hash": head.hash}
    signed = sign_payload(board.fp, signing_secret, trustee_signer(index), EventKind.HEAD_WITNESSED.value, payload, rng)
    return Witness(signed, head, len(board.on_board))


def check_history(events: Iterable[Event], heads: Sequence[Head]) -> Head:
    """Checks, before a trustee decrypts, that the board ``events`` (every event from position 1,
    as the server gave them) is one chain that still holds every head witnessed on it and every
    head of the trustee's own heads file ``heads``. A server that pruned ballots from the board
    and re-hashed it after a witness is refused (``history_rewritten``) before any share is
    computed. Returns the board's head."""
    consequence = say("no share is computed")
    board = _read_board(events, consequence)
    _check_history(board, heads, consequence)
    return Head(board.content.position, board.content.hash.hex(), board.label)


__all__ = ["Witness", "check_head_witness", "check_history", "witness_head"]
