"""Ranked pairs (Tideman), a Condorcet method.

Rule (T. N. Tideman, "Independence of clones as a criterion for voting
rules", 1987; tie-breaking as Zavist & Tideman 1989): take every ordered pair
(a, b) that a majority prefers, ``d[a][b] > d[b][a]`` (see
:mod:`vybory.rules.pairwise`), with strength ``d[a][b] - d[b][a]``
(``strength = "margin"``, default) or ``d[a][b]`` (``"winning"``). Lock the
pairs in from the strongest down, skipping any pair that would close a cycle
with pairs already locked. Then the pairs with no majority (``d[a][b] ==
d[b][a]``) are taken in both directions, and locked the same way. The locked
pairs order every candidate; the first is the winner, and with several seats
the first ``seats`` are elected.

**Ties between pairs.** Pairs of equal strength are taken in the order of a
tie-break ranking of the candidates (TBRC): the pair whose winner comes
first in the TBRC first; for the same winner, the pair whose loser comes
first. The TBRC is the draw of :mod:`vybory.rules.ties` (purpose
``"pair_order"``, round 1). It is recorded as a tie whenever it decided
something: a pair of equal strength was skipped because another went first,
or a pair with no majority was locked.

A Condorcet winner always wins.
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
from vybory.rules.outcome import Number, Outcome, Round, Status, Tie
from vybory.rules.pairwise import Matrix, head_to_head_wins, matrix_details, tally_pairwise
from vybory.rules.ties import TieBreaker
from vybory.text import say

METHOD = "ranked-pairs"
OPTIONS: dict[str, Option] = {
    "strength": (("margin", "winning"), "margin", "strength of a pair: the margin, or winning votes"),
}


def lock_pairs(d: Matrix, strength: str, tbrc: list[str]) -> tuple[list[tuple[str, str, Number]], list[tuple[str, str, Number]], set[str]]:
    """``(locked, skipped, tie_names)``: the pairs locked and skipped, in order,
    and the candidates of the pairs whose order the TBRC decided."""
    position = {name: i for i, name in enumerate(tbrc)}
    pairs: list[tuple[Number, str, str]] = []
    for a, row in d.items():
        for b, v in row.items():
            if v > d[b][a] or v == d[b][a]:
                pairs.append((v - d[b][a] if strength == "margin" else v, a, b))
    # strongest first; majority pairs before pairs with no majority; then the TBRC
    pairs.sort(key=lambda t: (d[t[1]][t[2]] == d[t[2]][t[1]], -t[0], position[t[1]], position[t[2]]))
    reach: dict[str, set[str]] = {a: set() for a in d}
    locked: list[tuple[str, str, Number]] = []
    skipped: list[tuple[str, str, Number]] = []
    tie_names: set[str] = set()
    i = 0
    while i < len(pairs):
        j = i
        no_majority = d[pairs[i][1]][pairs[i][2]] == d[pairs[i][2]][pairs[i][1]]
        while j < len(pairs) and pairs[j][0] == pairs[i][0] and \
                (d[pairs[j][1]][pairs[j][2]] == d[pairs[j][2]][pairs[j][1]]) == no_majority:
            j += 1
        group = pairs[i:j]
        group_skipped = False
        for s, a, b in group:
            if a in reach[b]:
                # locking a over b would close a cycle
                if not no_majority:
                    skipped.append((a, b, s))
                    group_skipped = True
                continue
            if no_majority and b in reach[a]:
                continue
            locked.append((a, b, s))
            if no_majority:
                tie_names |= {a, b}
            for x in d:
                if x == a or a in reach[x]:
                    reach[x] |= {b} | reach[b]
        if group_skipped and len(group) > 1:
            tie_names |= {n for _, a, b in group for n in (a, b)}
        i = j
    return locked, skipped, tie_names


def order_of(d: Matrix, locked: list[tuple[str, str, Number]]) -> list[str]:
    """The candidates in the order the locked pairs give (each beats all after it)."""
    beaten: dict[str, set[str]] = {a: set() for a in d}
    for a, b, _ in locked:
        beaten[b].add(a)
    order: list[str] = []
    remaining = set(d)
    while remaining:
        top = [a for a in remaining if not (beaten[a] & remaining)]
        # the locked pairs order every pair, so exactly one candidate is unbeaten
        order.append(top[0])
        remaining.discard(top[0])
    return order


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    d, tally = tally_pairwise(contest, ballots or ())
    tb = TieBreaker(contest.seed)
    tbrc, rule = tb.order(contest.candidates, purpose="pair_order", round_number=1, lowest_first=False)
    locked, skipped, tie_names = lock_pairs(d, options["strength"], tbrc)
    rnd = Round(number=1, counts=head_to_head_wins(d),
                note=say("counts: head-to-head wins; pair strength: %(strength)s", strength=options["strength"]),
                details={"first_preferences": dict(tally.counts)})
    fields = tally_fields(tally, contest)
    details = {
        **fields.pop("details", {}),
        "pairwise": matrix_details(d),
        "locked": [[a, b, s] for a, b, s in locked],
        "skipped": [[a, b, s] for a, b, s in skipped],
        "tie_break_ranking": list(tbrc),
    }
    if tally.valid - tally.blank == 0:
        return Outcome(method=METHOD, seats=contest.seats, status=Status.NO_DECISION, winners=[], rounds=[rnd],
                       reason=say("no valid ballot ranks any candidate"), details=details, **fields)
    order = order_of(d, locked)
    winners = order[: contest.seats]
    rnd.elected = list(winners)
    if tie_names:
        rnd.ties.append(Tie(purpose="pair_order", candidates=tuple(sorted(tie_names)), rule=rule,
                            chosen=tuple(n for n in tbrc if n in tie_names)))
    details["ranking"] = order
    return Outcome(method=METHOD, seats=contest.seats, status=Status.ELECTED, winners=winners, rounds=[rnd],
                   details=details, **fields)
