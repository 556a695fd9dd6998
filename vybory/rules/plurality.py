"""Plurality: one mark; the candidates with the most votes win.

Rule: each valid ballot marks at most one candidate and gives that candidate
its weight. The ``seats`` candidates with the most votes are elected, in
order of votes (with several seats this is the single non-transferable
vote). A ballot marking more than one candidate, or someone who is not a
candidate, is invalid; a ballot marking nobody is blank (valid, for nobody).
Ties are settled by :mod:`vybory.rules.ties` and recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from vybory.rules.base import (
    Contest,
    MarkBallot,
    Option,
    Totals,
    check_contest,
    one_input,
    resolve_options,
)
from vybory.rules.marks import outcome_of_tally, tally_marks, tally_totals
from vybory.rules.outcome import Outcome
from vybory.rules.ties import TieBreaker
from vybory.text import say

METHOD = "plurality"
OPTIONS: dict[str, Option] = {}


def count(contest: Contest, *, ballots: Iterable[MarkBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    if totals is not None:
        tally = tally_totals(contest, totals, max_marks=1)
    else:
        tally = tally_marks(contest, ballots or (), min_marks=0, max_marks=1)
    return outcome_of_tally(METHOD, contest, tally, TieBreaker(contest.seed), note=say("one mark per ballot"))
