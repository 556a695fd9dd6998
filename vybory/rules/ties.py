"""Breaking ties: by earlier rounds first, then by a draw from the published seed.

The rule, as ``docs/counting.md`` states it:

1. **Previous rounds.** Among the tied candidates, look back from the latest
   earlier round to the first; at the first round where their counts differ,
   the tie is broken by those counts (for an elimination the lowest goes, for
   an election the highest wins). With more than two tied candidates this
   gives a partial order: candidates that are still equal at that round are
   compared at the round before, and so on. Rules whose law says otherwise
   pass ``use_previous_rounds=False`` (no look back) or
   ``previous_rounds="earliest_first"`` (look from the first round forward,
   as the Irish count does).
2. **Draw.** Candidates still equal in every earlier round are ordered by the
   key ``SHA-256("VYBORY-V1-TIE" || seed || purpose || round || name)`` (each
   part length-prefixed: 4-byte big-endian length, then the bytes; ``round``
   is the round number in decimal ASCII), smallest key first. The seed is
   published with the election, so anyone can redo the draw; nothing depends
   on the order in which the candidates were listed.

Every tie that decides something is recorded as a :class:`Tie` and attached
by the counting rule to the round in which it occurred.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from vybory.rules.outcome import Number, Tie, TieRule

TIE_TAG = b"VYBORY-V1-TIE"


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


class TieBreaker:
    """Breaks ties for one count, and records each one.

    ``history`` is the list of earlier rounds' counts (oldest first) that the
    counting rule keeps up to date; ``seed`` is the election's published seed.
    """

    def __init__(
        self,
        seed: bytes | str = b"",
        *,
        use_previous_rounds: bool = True,
        previous_rounds: Literal["latest_first", "earliest_first"] = "latest_first",
    ):
        self.seed = seed.encode() if isinstance(seed, str) else bytes(seed)
        self.use_previous_rounds = use_previous_rounds
        if previous_rounds not in ("latest_first", "earliest_first"):
            raise ValueError(f"previous_rounds: {previous_rounds!r} is not latest_first or earliest_first")
        self.previous_rounds = previous_rounds
        self.history: list[dict[str, Number]] = []
        self.ties: list[Tie] = []

    def draw_key(self, purpose: str, round_number: int, name: str) -> bytes:
        h = hashlib.sha256()
        for part in (TIE_TAG, self.seed, purpose.encode(), str(round_number).encode(), name.encode()):
            h.update(_lp(part))
        return h.digest()

    def _history_key(self, name: str, lowest_first: bool) -> tuple[Number, ...]:
        if not self.use_previous_rounds:
            return ()
        rounds = reversed(self.history) if self.previous_rounds == "latest_first" else iter(self.history)
        sign = 1 if lowest_first else -1
        return tuple(sign * counts.get(name, 0) for counts in rounds)

    def order(self, tied: Sequence[str], *, purpose: str, round_number: int, lowest_first: bool) -> tuple[list[str], TieRule]:
        """All of ``tied`` in the order the rule settles them, and the rule used.

        With ``lowest_first`` the first name is the one to eliminate; otherwise
        the first name is the one that goes ahead. The rule is
        ``PREVIOUS_ROUNDS`` when earlier rounds alone ordered every candidate,
        ``DRAW`` when the draw had to order some of them.
        """
        names = sorted(set(tied))
        keys = {n: self._history_key(n, lowest_first) for n in names}
        ordered = sorted(names, key=lambda n: (keys[n], self.draw_key(purpose, round_number, n)))
        drawn = len({keys[n] for n in names}) < len(names)
        return ordered, TieRule.DRAW if drawn else TieRule.PREVIOUS_ROUNDS

    def pick(self, tied: Sequence[str], *, count: int = 1, purpose: str, round_number: int,
             lowest_first: bool) -> list[str]:
        """Chooses ``count`` of ``tied`` and records the tie. A single name is no tie.

        The recorded rule is ``PREVIOUS_ROUNDS`` when earlier rounds alone
        separate the chosen from the others, ``DRAW`` otherwise.
        """
        if len(set(tied)) <= count:
            return sorted(set(tied))
        ordered, _ = self.order(tied, purpose=purpose, round_number=round_number, lowest_first=lowest_first)
        chosen = ordered[:count]
        last_in = self._history_key(ordered[count - 1], lowest_first)
        first_out = self._history_key(ordered[count], lowest_first)
        rule = TieRule.PREVIOUS_ROUNDS if last_in != first_out else TieRule.DRAW
        self.ties.append(Tie(purpose=purpose, candidates=tuple(sorted(set(tied))), rule=rule, chosen=tuple(chosen)))
        return chosen

    def rank(self, tied: Sequence[str], *, purpose: str, round_number: int, lowest_first: bool = False) -> list[str]:
        """All of ``tied`` in settled order, recording the tie (``chosen`` is that order)."""
        if len(set(tied)) <= 1:
            return sorted(set(tied))
        ordered, rule = self.order(tied, purpose=purpose, round_number=round_number, lowest_first=lowest_first)
        self.ties.append(Tie(purpose=purpose, candidates=tuple(sorted(set(tied))), rule=rule, chosen=tuple(ordered)))
        return ordered

    def settle(self, groups: Sequence[Sequence[str]], *, limit: int, round_number: int,
               purpose: str = "elect", order_purpose: str | None = "rank") -> list[str]:
        """The first ``limit`` names of a best-first list of groups of equals.

        A group that straddles the limit is a tie of ``purpose`` (who gets in);
        a group wholly inside is a tie of ``order_purpose`` (in which order they
        come, e.g. the order of election); with ``order_purpose=None`` such a
        group keeps no recorded order and is returned sorted by the draw
        without recording. Groups past the limit decide nothing.
        """
        chosen: list[str] = []
        for group in groups:
            room = limit - len(chosen)
            if room <= 0:
                break
            names = sorted(set(group))
            if len(names) > room:
                # The tie's ``chosen`` lists the names taken in the order they come.
                chosen += self.pick(names, count=room, purpose=purpose, round_number=round_number,
                                    lowest_first=False)
            elif len(names) > 1 and order_purpose is not None:
                chosen += self.rank(names, purpose=order_purpose, round_number=round_number)
            else:
                chosen += self.order(names, purpose=purpose, round_number=round_number, lowest_first=False)[0]
        return chosen

    def take_ties(self) -> list[Tie]:
        """The ties recorded since the last call (to attach them to a round)."""
        ties, self.ties = self.ties, []
        return ties


def groups_by_count(counts: dict[str, Number], names: Sequence[str] | None = None) -> list[list[str]]:
    """``names`` (default: all of ``counts``) in groups of equal count, highest first."""
    by_value: dict[Number, list[str]] = {}
    for name in counts if names is None else names:
        by_value.setdefault(counts[name], []).append(name)
    return [sorted(by_value[v]) for v in sorted(by_value, reverse=True)]
