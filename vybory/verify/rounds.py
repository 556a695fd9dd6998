"""What the verifier keeps about each round while it reads the board.

Only small things are kept: the round's contests and layouts, its window,
where it was closed, the last ballot of each credential (its line on the
board and tracking code, in arrays indexed by the credential's place in the list), and the round's tally, shares, decryption and
outcomes as published. Ballots themselves are not kept: the encrypted tally
is recomputed by reading the board a second time.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.model.definition import RANKED_METHODS
from vybory.model.layout import Layout
from vybory.verify.credentials import CredentialList
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


class LastBallots(Mapping[str, LastBallot]):
    """The latest ballot of each credential in one round (credential hex -> :class:`LastBallot`),
    kept in arrays indexed by the credential's place in the list: 8 bytes for the position and
    32 for the tracking code, whether or not the credential voted (about 40 bytes a credential,
    where a dict of strings took about 300 a voter)."""

    __slots__ = ("_codes", "_count", "_credentials", "_odd", "_positions")

    def __init__(self, credentials: CredentialList):
        self._credentials = credentials
        self._positions = array("q", bytes(8 * len(credentials)))  # 0: no ballot (positions start at 1)
        self._codes = bytearray(32 * len(credentials))
        # Stated tracking codes that are not 64 hex digits (the tracking-code check names them).
        self._odd: dict[int, str] = {}
        self._count = 0

    def has(self, i: int) -> bool:
        """Whether the ``i``-th credential of the list has a ballot in this round."""
        return self._positions[i] != 0

    def put(self, i: int, position: int, tracking_code: str) -> None:
        """The ``i``-th credential's ballot at ``position`` is now its latest."""
        if not self._positions[i]:
            self._count += 1
        self._positions[i] = position
        self._odd.pop(i, None)
        try:
            code = bytes.fromhex(tracking_code) if len(tracking_code) == 64 else b""
        except ValueError:
            code = b""
        if len(code) == 32 and code.hex() == tracking_code:
            self._codes[32 * i:32 * i + 32] = code
        else:
            self._odd[i] = tracking_code

    def position_of(self, i: int) -> int:
        return self._positions[i]

    def voted(self) -> Iterator[int]:
        """The places in the list of the credentials that voted, in list order."""
        positions = self._positions
        return (i for i in range(len(positions)) if positions[i])

    def __getitem__(self, credential: str) -> LastBallot:
        i = self._credentials.index(credential)
        if i is None or not self._positions[i]:
            raise KeyError(credential)
        code = self._odd.get(i)
        return LastBallot(self._positions[i], code if code is not None else self._codes[32 * i:32 * i + 32].hex())

    def __contains__(self, credential: object) -> bool:
        i = self._credentials.index(credential)
        return i is not None and self.has(i)

    def __iter__(self) -> Iterator[str]:
        return (self._credentials.hex_at(i) for i in self.voted())

    def __len__(self) -> int:
        return self._count


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
    last: LastBallots = field(default_factory=lambda: LastBallots(CredentialList()))
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


__all__ = ["LastBallot", "LastBallots", "MixRecord", "Published", "Round", "RoundContest"]
