"""What the verifier keeps about each round while it reads the board.

Only small things are kept: the round's contests and layouts, its window,
where it was closed, the last ballot of each credential (its line on the
board and tracking code, in arrays indexed by the credential's place in the list), and the round's tally, shares, decryption and
outcomes as published, and the ciphertexts of the last ballot of each
credential (:class:`TallyInputs`, 64 bytes a selection), from which the
encrypted tally is recomputed. Ballots themselves are not kept.
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


Shape = tuple[tuple[str, int], ...]


class TallyInputs:
    """What the tally needs of the latest ballot of each credential in one round, kept as the
    board is first read: the contests (id and number of selections, one tuple shared by every
    ballot of that form) and the selections' ciphertexts, 64 bytes each. A ballot whose
    ciphertexts are not all written as 64 lower-case hexadecimal digits is marked to be read
    again from the board. So the second pass reads no ballot line that it does not have to."""

    __slots__ = ("_data", "_forms", "_offsets", "_shape_of", "_shapes")

    def __init__(self, size: int):
        self._offsets = array("q", bytes(8 * size))  # 0: nothing kept; -1: read from the board
        self._shape_of = array("i", bytes(4 * size))
        self._data = bytearray()
        self._shapes: list[Shape] = []
        self._forms: dict[Shape, int] = {}

    def put(self, i: int, shape: Shape | None, ciphertexts: bytes) -> None:
        """The ``i``-th credential's latest ballot has contests ``shape`` and ``ciphertexts`` (None:
        read it from the board)."""
        if shape is None:
            self._offsets[i] = -1
            return
        form = self._forms.get(shape)
        if form is None:
            form = self._forms[shape] = len(self._shapes)
            self._shapes.append(shape)
        self._offsets[i] = len(self._data) + 1
        self._shape_of[i] = form
        self._data += ciphertexts

    def kept(self, i: int) -> bool:
        """Whether the ``i``-th credential's latest ballot is kept here (else it is read from the board)."""
        return self._offsets[i] > 0

    def ballot(self, i: int) -> dict[str, Any] | None:
        """The ``i``-th credential's latest ballot as far as the tally reads it (its contests, each
        with its selections' ciphertexts, as the board writes them), or None to read the board."""
        start = self._offsets[i] - 1
        if start < 0:
            return None
        data = self._data
        contests = []
        for cid, count in self._shapes[self._shape_of[i]]:
            selections = []
            for _ in range(count):
                selections.append({"ciphertext": {"alpha": data[start:start + 32].hex(),
                                                  "beta": data[start + 32:start + 64].hex()}})
                start += 64
            contests.append({"contest": cid, "selections": selections})
        return {"contests": contests}


def tally_input(ballot: Mapping[str, Any], ciphertexts: list[bytes] | None) -> tuple[Shape | None, bytes]:
    """The shape and ciphertexts :class:`TallyInputs` keeps of a ballot whose selections'
    ciphertexts (``ciphertexts``, in ballot order, as decoded from their hex) are each exactly an
    object of two 64-digit lower-case hex strings; (None, b"") for any other ballot."""
    if ciphertexts is None:
        return None, b""
    shape = []
    k = 0
    try:
        for part in ballot["contests"]:
            cid, selections = part["contest"], part["selections"]
            if type(cid) is not str or type(selections) is not list:
                return None, b""
            for s in selections:
                ct = s.get("ciphertext") if type(s) is dict else None
                if type(ct) is not dict or len(ct) != 2:
                    return None, b""
                alpha, beta, raw = ct.get("alpha"), ct.get("beta"), ciphertexts[k]
                if type(alpha) is not str or type(beta) is not str or len(alpha) != 64 or len(raw) != 64 \
                        or raw.hex() != alpha + beta:
                    return None, b""
                k += 1
            shape.append((cid, len(selections)))
    except (KeyError, TypeError, IndexError, AttributeError):
        return None, b""
    if k != len(ciphertexts):
        return None, b""
    return tuple(shape), b"".join(ciphertexts)


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
    inputs: TallyInputs = field(default_factory=lambda: TallyInputs(0))
    cast: int = 0
    tally: Published | None = None
    shares: list[Published] = field(default_factory=list)
    decrypted: Published | None = None
    outcomes: Published | None = None
    mixes: dict[str, list[MixRecord]] = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    ranked_contests: tuple[str, ...] | None = field(default=None, repr=False)
    narrowed: dict[str, RoundContext] = field(default_factory=dict, repr=False)

    def context_for(self, district: str) -> RoundContext:
        """The round's context narrowed to ``district`` (:meth:`RoundContext.narrowed`), made once:
        every job of the district shares it, so a chunk of jobs pickles it once."""
        context = self.narrowed.get(district)
        if context is None:
            context = self.narrowed[district] = self.context.narrowed(district)
        return context

    @property
    def ranked(self) -> tuple[str, ...]:
        """The round's ranked contests (mixed, then decrypted ballot by ballot), in round order.
        Worked out once (the contests and layouts are fixed when the round is read): the tally
        asks for it at every counted ballot, and a national round has over a thousand contests."""
        if self.ranked_contests is None:
            self.ranked_contests = tuple(c for c in self.contests
                                         if c in self.layouts and self.layouts[c].method in RANKED_METHODS)
        return self.ranked_contests


__all__ = ["LastBallot", "LastBallots", "MixRecord", "Published", "Round", "RoundContest", "TallyInputs",
           "tally_input"]
