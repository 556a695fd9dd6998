"""The strike-out ballot of 1937 (RULES-1937 rule 9, Art. 80).

"The voter leaves on the ballot the name of the candidate they vote for and
crosses out the rest. A ballot with more names left than seats is invalid; a
ballot with every name crossed out is a valid ballot for nobody."

A :class:`~vybory.rules.base.MarkBallot` here lists the names **left
standing**. More than ``seats`` left standing: invalid. None left standing:
valid and blank; it counts for nobody but stays in the valid votes, so in the
denominator of the majority (unless ``blank_in_denominator`` is false).

The decision is that of :mod:`vybory.rules.majority` (quorum, absolute
majority, runoff; same options) by default, or with ``decision =
"plurality"`` the ``seats`` names left standing most often win (after the
quorum, if any).
"""

from __future__ import annotations

from collections.abc import Iterable

from vybory.rules import majority
from vybory.rules.base import Contest, MarkBallot, Option, Totals, check_contest, resolve_options
from vybory.rules.outcome import Outcome

METHOD = "strikeout"
OPTIONS: dict[str, Option] = {
    **majority.OPTIONS,
    "decision": (("majority", "plurality"), "majority",
                 "absolute majority with quorum and runoff (1937), or most names left standing"),
}


def count(contest: Contest, *, ballots: Iterable[MarkBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    return majority.count_marks(METHOD, contest, options, ballots=ballots, totals=totals,
                                decision=options["decision"])
