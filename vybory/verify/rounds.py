"""What the verifier keeps about each round while it reads the board.

Only small things are kept: the round's contests and layouts, its window,
where it was closed, the last ballot of each credential (its line on the
board and tracking code), and the round's tally, shares, decryption and
outcomes as published. Ballots themselves are not kept: the encrypted tally
is recomputed by reading the board a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.model.definition import RANKED_METHODS
from vybory.model.layout import Layout
from vybory.verify.jobs import RoundContext
from vybory.verify.mix import Row


@dataclass(frozen=True, slots=True)
class RoundContest:
    """A contest as a round lists it: ``kind`` is ``first``, ``runoff`` or ``repeat``."""

    contest: str
    kind: str
    seats: int
    candidates: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"contest": self.contest, "kind": self.kind, "seats": self.seats,
                "candidates": list(self.candidates)}


@dataclass(frozen=True, slots=True)
class Published:
    """An event's payload and where it stands on the board."""

    position: int
    payload: Mapping[str, Any]


@dataclass(slots=True)
class LastBallot:
    """The latest ballot of one credential in one round: where it is, its tracking code."""

    position: int
    tracking_code: str


@dataclass(frozen=True, slots=True)
class MixRecord:
    """One ``ballots_mixed`` event of a ranked contest: where it stands and which trustee mixed."""

    position: int
    trustee: int


@dataclass(slots=True)
class Round:
    """One round as the board shows it.

    For each ranked contest: ``mixes`` are its ``ballots_mixed`` events in board order;
    ``rows`` is, during the second pass, first the rows of its counted ballots, then the
    rows of each mix in turn: at the end, the list its decryption takes (spec §17).
    """

    number: int
    opened: int
    contests: dict[str, RoundContest]
    layouts: dict[str, Layout]
    opens_at: datetime
    closes_at: datetime
    context: RoundContext
    closed: Published | None = None
    last: dict[str, LastBallot] = field(default_factory=dict)
    cast: int = 0
    tally: Published | None = None
    shares: list[Published] = field(default_factory=list)
    decrypted: Published | None = None
    outcomes: Published | None = None
    mixes: dict[str, list[MixRecord]] = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    ranked_contests: tuple[str, ...] | None = field(default=None, repr=False)

    @property
    def ranked(self) -> tuple[str, ...]:
        """The round's ranked contests (mixed, then decrypted ballot by ballot), in round order.
        Worked out once (the contests and layouts are fixed when the round is read): the tally
        asks for it at every counted ballot, and a national round has over a thousand contests."""
        if self.ranked_contests is None:
            self.ranked_contests = tuple(c for c in self.contests
                                         if c in self.layouts and self.layouts[c].method in RANKED_METHODS)
        return self.ranked_contests


__all__ = ["LastBallot", "MixRecord", "Published", "Round", "RoundContest"]
