"""What a counting rule takes: a contest, and either plaintext ballots or totals.

A homomorphic tally gives :class:`Totals` (one count per selection); a mixnet or
an imported file gives ballots. Names are the candidates' names exactly as the
definition or the input file spells them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vybory.rules.outcome import Number


@dataclass(frozen=True, slots=True)
class Contest:
    """One contest as a counting rule sees it.

    Invariants: ``seats >= 1``; candidate names are distinct; ``options`` holds
    the rule's parameters (see each method's docstring), ``seed`` the published
    seed for draws.
    """

    name: str
    candidates: tuple[str, ...]
    seats: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)
    registered: Number | None = None
    seed: bytes = b""


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """A ranking, most preferred first.

    Each rank is a tuple of names: one name is an ordinary mark, several are an
    overvote at that rank, none is a skipped rank.
    """

    ranking: tuple[tuple[str, ...], ...]
    weight: Number = 1


@dataclass(frozen=True, slots=True)
class MarkBallot:
    """Names marked (plurality, block, approval) or left standing (strike-out)."""

    marks: frozenset[str]
    weight: Number = 1


@dataclass(frozen=True, slots=True)
class ScoreBallot:
    """A value per name: a score or grade (score, majority judgment), +1/-1 for
    for/against, or the chosen answer of a motion (``{"yes": 1}``)."""

    scores: Mapping[str, int]
    weight: Number = 1


Ballot = RankedBallot | MarkBallot | ScoreBallot


@dataclass(frozen=True, slots=True)
class Totals:
    """Per-selection totals, as a homomorphic tally decrypts them.

    ``counts`` maps a selection to its (weighted) total: a candidate's name for
    mark methods; ``"<name>:for"`` / ``"<name>:against"`` for for/against;
    ``"yes"``, ``"no"``, ``"abstain"`` for motions; ``"<name>:<grade>"`` for
    majority judgment. ``ballots_cast`` counts every ballot, ``blank`` those that
    mark nothing, ``invalid`` those refused by the rule.
    """

    counts: Mapping[str, Number]
    ballots_cast: Number
    blank: Number = 0
    invalid: Number = 0
