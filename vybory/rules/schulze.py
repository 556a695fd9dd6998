"""Schulze (beatpath) method, a Condorcet method.

Rule (M. Schulze, "The Schulze Method of Voting", 2018, section 2): from the
pairwise matrix ``d`` (see :mod:`vybory.rules.pairwise`), the link from a to
b has strength ``d[a][b]`` (``strength = "winning"``, default: winning
votes) or ``d[a][b] - d[b][a]`` (``"margin"``) when ``d[a][b] > d[b][a]``,
and no link otherwise. The strength of a path is its weakest link;
``p[a][b]`` is the strength of the strongest path from a to b (0 when there
is none). a is ranked above b when ``p[a][b] > p[b][a]``; this relation is
transitive. Winners: the candidates no one is ranked above.

With several seats the first ``seats`` candidates of that ranking are
elected (a Schulze ranking, not a proportional method). The ranking is built
by taking, again and again, the candidates no remaining candidate is ranked
above; a group of more than one is a tie, settled by
:mod:`vybory.rules.ties` and recorded.

A Condorcet winner (who beats everyone head to head) always wins.
"""

from __future__ import annotations

from collections.abc import Iterable

from vybory.rules.base import (
    Contest,
    Option,
    RankedBallot,
    Totals,
    check_contest,
    one_input,
    resolve_options,
)
from vybory.rules.marks import tally_fields
from vybory.rules.outcome import Outcome, Round, Status
from vybory.rules.pairwise import Matrix, head_to_head_wins, matrix_details, tally_pairwise
from vybory.rules.ties import TieBreaker
from vybory.text import say

METHOD = "schulze"
OPTIONS: dict[str, Option] = {
    "strength": (("winning", "margin"), "winning", "strength of a link: winning votes, or the margin"),
}


def strongest_paths(d: Matrix, strength: str) -> Matrix:
    """``p[a][b]``: strength of the strongest path from a to b (Floyd-Warshall, widest path)."""
    names = list(d)
    p: Matrix = {}
    for a in names:
        p[a] = {}
        for b in names:
            if a != b:
                win = d[a][b] > d[b][a]
                p[a][b] = (d[a][b] if strength == "winning" else d[a][b] - d[b][a]) if win else 0
    for i in names:
        for j in names:
            if j == i:
                continue
            pji = p[j][i]
            if not pji:
                continue
            row = p[j]
            for k in names:
                if k != i and k != j:
                    via = min(pji, p[i][k])
                    row[k] = max(row[k], via)
    return p


def ranking_groups(p: Matrix) -> list[list[str]]:
    """The Schulze order as best-first groups of candidates no remaining one beats."""
    remaining = set(p)
    groups = []
    while remaining:
        top = sorted(a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining if b != a))
        groups.append(top)
        remaining -= set(top)
    return groups


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    d, tally = tally_pairwise(contest, ballots or ())
    p = strongest_paths(d, options["strength"])
    tb = TieBreaker(contest.seed)
    rnd = Round(number=1, counts=head_to_head_wins(d),
                note=say("counts: head-to-head wins; link strength: %(strength)s", strength=options["strength"]),
                details={"first_preferences": dict(tally.counts)})
    fields = tally_fields(tally, contest)
    details = {**fields.pop("details", {}), "pairwise": matrix_details(d), "strongest_paths": matrix_details(p)}
    if tally.valid - tally.blank == 0:
        return Outcome(method=METHOD, seats=contest.seats, status=Status.NO_DECISION, winners=[], rounds=[rnd],
                       reason=say("no valid ballot ranks any candidate"), details=details, **fields)
    winners = tb.settle(ranking_groups(p), limit=contest.seats, round_number=1)
    rnd.elected = list(winners)
    rnd.ties = tb.take_ties()
    return Outcome(method=METHOD, seats=contest.seats, status=Status.ELECTED, winners=winners, rounds=[rnd],
                   details=details, **fields)
