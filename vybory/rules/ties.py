"""Breaking ties: by earlier rounds first, then by a draw from the published seed.

The rule, as ``docs/counting.md`` states it:

1. **Previous rounds.** Among the tied candidates, look back from the latest
   earlier round to the first; at the first round where their counts differ,
   the tie is broken by those counts (for an elimination the lowest goes, for
   an election the highest wins). Rules whose law says otherwise pass
   ``use_previous_rounds=False``.
2. **Draw.** Otherwise every tied candidate gets the key
   ``SHA-256("VYBORY-V1-TIE" || seed || purpose || round || name)`` (each part
   length-prefixed as in the spec), and candidates are ordered by key. The seed
   is published with the election, so anyone can redo the draw; nothing depends
   on the order in which the candidates were listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from vybory.rules.outcome import Number, Tie, TieRule

TIE_TAG = b"VYBORY-V1-TIE"


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


class TieBreaker:
    """Breaks ties for one count, and records each one.

    ``history`` is the list of earlier rounds' counts (oldest first) that the
    counting rule keeps up to date; ``seed`` is the election's published seed.
    """

    def __init__(self, seed: bytes | str = b"", *, use_previous_rounds: bool = True):
        self.seed = seed.encode() if isinstance(seed, str) else bytes(seed)
        self.use_previous_rounds = use_previous_rounds
        self.history: list[dict[str, Number]] = []
        self.ties: list[Tie] = []

    def draw_key(self, purpose: str, round_number: int, name: str) -> bytes:
        h = hashlib.sha256()
        for part in (TIE_TAG, self.seed, purpose.encode(), str(round_number).encode(), name.encode()):
            h.update(_lp(part))
        return h.digest()

    def order(self, tied: Sequence[str], *, purpose: str, round_number: int, lowest_first: bool) -> tuple[list[str], TieRule]:
        """All of ``tied`` in the order the rule settles them, and the rule used.

        With ``lowest_first`` the first name is the one to eliminate; otherwise
        the first name is the one that goes ahead.
        """
        names = sorted(set(tied))
        if self.use_previous_rounds:
            for counts in reversed(self.history):
                values = [counts.get(n, 0) for n in names]
                if len(set(values)) == len(values):
                    ordered = sorted(names, key=lambda n: counts.get(n, 0), reverse=not lowest_first)
                    return ordered, TieRule.PREVIOUS_ROUNDS
        ordered = sorted(names, key=lambda n: self.draw_key(purpose, round_number, n))
        return ordered, TieRule.DRAW

    def pick(self, tied: Sequence[str], *, count: int = 1, purpose: str, round_number: int,
             lowest_first: bool) -> list[str]:
        """Chooses ``count`` of ``tied`` and records the tie. A single name is no tie."""
        if len(set(tied)) <= count:
            return sorted(set(tied))
        ordered, rule = self.order(tied, purpose=purpose, round_number=round_number, lowest_first=lowest_first)
        chosen = ordered[:count]
        self.ties.append(Tie(purpose=purpose, candidates=tuple(sorted(set(tied))), rule=rule, chosen=tuple(chosen)))
        return chosen

    def take_ties(self) -> list[Tie]:
        """The ties recorded since the last call (to attach them to a round)."""
        ties, self.ties = self.ties, []
        return ties
