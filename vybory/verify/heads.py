"""Heads: where the board stood at each phase change, kept where its server cannot reach.

A **head** is an event's position and hash. Because every event's hash covers
the hash before it, the head at position p fixes the whole board up to p: a
board rewritten before p and re-hashed has another hash there, and a board cut
short before p has no event there.

Two kinds of heads anchor a record (docs/spec.md §10.6):

- **witnessed heads**: ``head_witnessed`` events, each a trustee's statement
  signature (§4.7) over a position and hash it checked on the board itself;
- **a heads file**: a plain text file an observer (a nominating organisation,
  a journalist, a trustee) writes down at each phase change and publishes
  elsewhere, one line per head::

      # anything after a hash sign is a comment
      12 3f5c...e1 nominations closed
      57 a0d4...9b round 1 closed

  the position (decimal), the hash (64 lower-case hex digits) and an optional
  free label (the phase).

This module reads heads files (:func:`read_heads`, refusing a bad line by its
number), writes them (:func:`heads_line`), names the phase an event opens
(:func:`phase_of`) and checks the form of a ``head_witnessed`` payload
(:func:`witness_claim`). No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidInput

WITNESS_FIELDS = frozenset({"trustee", "position", "hash", "at"})
HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Head:
    """Invariants: ``position >= 1``; ``hash`` is 64 lower-case hex digits; ``label`` has no newline."""

    position: int
    hash: str
    label: str = ""


def phase_of(kind: str, payload: Mapping[str, Any]) -> str | None:
    """The phase change an event of ``kind`` makes, in words ("round 2 closed"), or None."""
    number = payload.get("round")
    words = {
        "nominations_closed": "nominations closed",
        "key_ceremony_completed": "key ceremony done",
        "key_ceremony_restarted": f"key ceremony restarted (attempt {payload.get('attempt')})",
        "credentials_published": "credentials published",
        "round_opened": f"round {number} opened",
        "round_closed": f"round {number} closed",
        "encrypted_tally": f"round {number} tallied",
        "tally_decrypted": f"round {number} decrypted",
        "outcome_declared": f"round {number} results",
        "election_published": "results published",
    }
    return words.get(str(kind))


def is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def witness_claim(payload: Mapping[str, Any]) -> tuple[int, str]:
    """The (position, hash) a ``head_witnessed`` payload names; InvalidInput naming the field."""
    position = payload.get("position")
    if type(position) is not int or position < 1:
        raise InvalidInput("position must be a whole number of at least 1", field="position")
    digest = payload.get("hash")
    if not is_hash(digest):
        raise InvalidInput("hash must be 64 lower-case hexadecimal digits", field="hash")
    return position, str(digest)


def heads_line(head: Head) -> str:
    """One line of a heads file (with its newline)."""
    label = " ".join(head.label.split())
    return f"{head.position} {head.hash}" + (f" {label}" if label else "") + "\n"


def read_heads(text: str | bytes, *, source: str = "heads file") -> list[Head]:
    """The heads in a heads file, in its order. Raises InvalidInput naming the line and the rule."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{source} is not UTF-8 text", field="heads") from None
    heads: list[Head] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        where = f"{source}, line {number}"
        if len(parts) < 2 or not parts[0].isdigit() or not parts[0].isascii() or int(parts[0]) < 1:
            raise InvalidInput(f"{where}: a head is a position (a whole number of at least 1) and a hash",
                               field=f"heads line {number}")
        digest = parts[1].lower()
        if not is_hash(digest):
            raise InvalidInput(f"{where}: the hash must be 64 hexadecimal digits", field=f"heads line {number}")
        heads.append(Head(int(parts[0]), digest, parts[2] if len(parts) > 2 else ""))
    if not heads:
        raise InvalidInput(f"{source} holds no head (lines of a position and a hash)", field="heads")
    return heads


__all__ = ["WITNESS_FIELDS", "Head", "heads_line", "is_hash", "phase_of", "read_heads", "witness_claim"]
