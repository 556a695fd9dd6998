"""The pairwise matrix of ranked ballots, shared by Schulze and ranked pairs.

How a :class:`~vybory.rules.base.RankedBallot` is read for a head-to-head
comparison:

- names at the same rank (an overvote) are ranked equal;
- a skipped rank is ignored; a name repeated lower down keeps its highest rank;
- candidates the ballot does not rank come after every ranked one, equal
  among themselves;
- a ballot naming someone who is not a candidate is invalid; a ballot that
  ranks nobody is blank (valid, but prefers no one to anyone).

``d[a][b]`` is the total weight of the valid ballots that rank ``a`` above
``b``. Identical ballots are grouped first, so the work grows with the
number of distinct rankings, not of ballots.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vybory.errors import InvalidInput
from vybory.rules.base import Contest, RankedBallot, check_weight
from vybory.rules.marks import MarkTally
from vybory.rules.outcome import Number
from vybory.text import say

Matrix = dict[str, dict[str, Number]]


def levels_of(ranking: tuple[tuple[str, ...], ...]) -> tuple[frozenset[str], ...]:
    """The ranking as levels of equal preference, best first (skips and repeats removed)."""
    seen: set[str] = set()
    levels: list[frozenset[str]] = []
    for rank in ranking:
        fresh = frozenset(rank) - seen
        if fresh:
            levels.append(fresh)
            seen |= fresh
    return tuple(levels)


def tally_pairwise(contest: Contest, ballots: Iterable[RankedBallot]) -> tuple[Matrix, MarkTally]:
    """The pairwise matrix ``d`` and the ballot figures (counts: first preferences).

    A first preference shared by an overvote is not counted in ``counts``.
    """
    known = set(contest.candidates)
    tally = MarkTally(counts={c: 0 for c in contest.candidates})
    grouped: dict[tuple[frozenset[str], ...], Number] = {}
    for i, ballot in enumerate(ballots):
        if not isinstance(ballot, RankedBallot):
            raise InvalidInput(say("ballot %(number)s is a %(kind)s, not a RankedBallot", number=i + 1, kind=type(ballot).__name__), field="ballots")
        w = check_weight(ballot, i)
        tally.ballots_cast += w
        levels = levels_of(ballot.ranking)
        if any(not level <= known for level in levels):
            tally.refuse(w, "ranks someone who is not a candidate")
            continue
        tally.valid += w
        if not levels:
            tally.blank += w
            continue
        grouped[levels] = grouped.get(levels, 0) + w
    d: Matrix = {a: {b: 0 for b in contest.candidates if b != a} for a in contest.candidates}
    for levels, w in grouped.items():
        if len(levels[0]) == 1:
            (first,) = levels[0]
            tally.counts[first] += w
        below = set(contest.candidates)
        for level in levels:
            below -= level
            for a in level:
                row = d[a]
                for b in below:
                    row[b] += w
    return d, tally


def head_to_head_wins(d: Matrix) -> dict[str, Number]:
    """For each candidate, how many others a majority ranks it above."""
    return {a: sum(1 for b, v in row.items() if v > d[b][a]) for a, row in d.items()}


def condorcet_winner(d: Matrix) -> str | None:
    """The candidate who beats every other head to head, if there is one."""
    for a, row in d.items():
        if all(v > d[b][a] for b, v in row.items()):
            return a
    return None


def matrix_details(d: Matrix) -> dict[str, Any]:
    """The matrix as the outcome reports it: ``pairwise[a][b]`` = ballots ranking a above b."""
    return {a: dict(row) for a, row in d.items()}
