"""What every counting rule returns: an outcome with a round-by-round account.

An outcome has a ``status`` (:class:`Status`), the winners in order of election,
the candidates of a runoff (if one is required), the reason of a repeat election,
and the rounds. Every round lists the counts, the transfers, the exhausted
weight, the quota, who was elected or eliminated, and every tie with how it was
broken. Counts are exact: ``int`` or :class:`fractions.Fraction`, never float.

Invariants: ``winners`` never has more names than ``seats``; every name in the
outcome is one of the contest's candidates, spelled as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from vybory.text import Text

FORMAT_VERSION = 1

Number = int | Fraction


class Status(StrEnum):
    ELECTED = "elected"
    RUNOFF_REQUIRED = "runoff_required"
    REPEAT_REQUIRED = "repeat_required"
    NO_DECISION = "no_decision"


class TieRule(StrEnum):
    """How a tie was settled (see :mod:`vybory.rules.ties`)."""

    PREVIOUS_ROUNDS = "previous_rounds"
    DRAW = "draw"
    # Only where a contest's published rules say so (IRV ``tiebreak =
    # "candidate_order"``, RCTab's useCandidateOrder): the order of the list.
    CANDIDATE_ORDER = "candidate_order"
    # RCTab's stopCountingAndAsk: the operator names the candidate (``--choice``).
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Tie:
    """A tie met while counting and how it was broken.

    ``purpose`` says what the tie decided: ``"eliminate"``, ``"elect"``,
    ``"surplus_order"``, ``"runoff"``, ``"rank"``.
    """

    purpose: str
    candidates: tuple[str, ...]
    rule: TieRule
    chosen: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "candidates": list(self.candidates),
            "rule": self.rule.value,
            "chosen": list(self.chosen),
        }


@dataclass(slots=True)
class Round:
    """One round (or stage) of a count.

    ``details`` holds what a method reports beside the counts (votes against,
    grade histograms, the denominator of a threshold), keyed by what it is.
    """

    number: int
    counts: dict[str, Number]
    elected: list[str] = field(default_factory=list)
    eliminated: list[str] = field(default_factory=list)
    transfers: dict[str, Number] = field(default_factory=dict)
    exhausted: Number = 0
    quota: Number | None = None
    ties: list[Tie] = field(default_factory=list)
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "counts": {name: number_to_json(v) for name, v in self.counts.items()},
            "elected": list(self.elected),
            "eliminated": list(self.eliminated),
            "transfers": {name: number_to_json(v) for name, v in self.transfers.items()},
            "exhausted": number_to_json(self.exhausted),
            "quota": None if self.quota is None else number_to_json(self.quota),
            "ties": [t.to_json() for t in self.ties],
            "note": self.note,
            "note_words": words_json(self.note),
            "details": _details_to_json(self.details),
        }


@dataclass(slots=True)
class Outcome:
    """The result of applying one counting rule to one contest."""

    method: str
    seats: int
    status: Status
    winners: list[str]
    rounds: list[Round]
    runoff_candidates: list[str] = field(default_factory=list)
    reason: str = ""
    ballots_cast: Number = 0
    valid: Number = 0
    invalid: Number = 0
    blank: Number = 0
    registered: Number | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.winners) > self.seats:
            raise ValueError(f"winners: {len(self.winners)} elected for {self.seats} seats")

    @property
    def ties(self) -> list[Tie]:
        return [t for r in self.rounds for t in r.ties]

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "method": self.method,
            "seats": self.seats,
            "status": self.status.value,
            "winners": list(self.winners),
            "runoff_candidates": list(self.runoff_candidates),
            "reason": self.reason,
            "reason_words": words_json(self.reason),
            "ballots_cast": number_to_json(self.ballots_cast),
            "valid": number_to_json(self.valid),
            "invalid": number_to_json(self.invalid),
            "blank": number_to_json(self.blank),
            "registered": None if self.registered is None else number_to_json(self.registered),
            "rounds": [r.to_json() for r in self.rounds],
            "details": _details_to_json(self.details),
        }


def changes(before: dict[str, Number] | None, counts: dict[str, Number]) -> dict[str, Number]:
    """What each candidate gained (or lost) since the round before: the round's
    ``transfers`` (nothing for a first round)."""
    if before is None:
        return {}
    out: dict[str, Number] = {}
    for name in list(before) + [n for n in counts if n not in before]:
        delta = counts.get(name, 0) - before.get(name, 0)
        if delta:
            out[name] = delta
    return out


def words_json(value: str) -> dict[str, Any] | None:
    """The message id and parameters of a reason or note made with :func:`vybory.text.say`, for
    a translation; None for one that has none."""
    return value.to_json() if isinstance(value, Text) and value else None


def number_to_json(value: Number) -> int | str:
    """An exact count for JSON: an ``int`` stays an int, a fraction becomes ``"p/q"``."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return int(value)


def _details_to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _details_to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_details_to_json(v) for v in value]
    if isinstance(value, Fraction):
        return number_to_json(value)
    return value
