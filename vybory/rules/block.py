"""Block vote: up to k marks for k seats; the k candidates with the most votes win.

Rule: each valid ballot marks at most ``max_marks`` candidates (default: the
number of seats) and gives each of them its full weight. The ``seats``
candidates with the most votes are elected, in order of votes. A ballot
marking more than ``max_marks``, or someone who is not a candidate, is
invalid; a ballot marking nobody is blank. Ties are settled by
:mod:`vybory.rules.ties` and recorded.
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
    option_error,
    resolve_options,
)
from vybory.rules.marks import outcome_of_tally, tally_marks, tally_totals
from vybory.rules.outcome import Outcome
from vybory.rules.ties import TieBreaker
from vybory.text import say_plural

METHOD = "block"
OPTIONS: dict[str, Option] = {
    "max_marks": (int, None, "most names a ballot may mark (default: the number of seats)"),
}


def count(contest: Contest, *, ballots: Iterable[MarkBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    max_marks = contest.seats if options["max_marks"] is None else options["max_marks"]
    if max_marks < 1:
        raise option_error(METHOD, "max_marks", f"must be at least 1, not {max_marks}")
    if totals is not None:
        tally = tally_totals(contest, totals, max_marks=max_marks)
    else:
        tally = tally_marks(contest, ballots or (), min_marks=0, max_marks=max_marks)
    return outcome_of_tally(METHOD, contest, tally, TieBreaker(contest.seed),
                            note=say_plural("up to %(num)s mark per ballot", "up to %(num)s marks per ballot",
                                            max_marks))
