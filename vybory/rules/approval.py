"""Approval: mark every acceptable candidate; the most approved win.

Rule: each valid ballot marks between ``min_marks`` (default 0) and
``max_marks`` (default: every candidate) candidates and gives each of them its
full weight. The ``seats`` candidates with the most approvals are elected, in
order of approvals. A ballot outside those bounds, or naming someone who is
not a candidate, is invalid; a ballot marking nobody is blank (valid when
``min_marks`` is 0). Ties are settled by :mod:`vybory.rules.ties` and recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from vybory.errors import InvalidDefinition
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

METHOD = "approval"
OPTIONS: dict[str, Option] = {
    "min_marks": (int, 0, "fewest names a valid ballot marks"),
    "max_marks": (int, None, "most names a valid ballot marks (default: every candidate)"),
}


def bounds(contest: Contest, options: dict) -> tuple[int, int]:
    """``(min_marks, max_marks)``, refused unless 0 <= min <= max."""
    low = options["min_marks"]
    high = len(contest.candidates) if options["max_marks"] is None else options["max_marks"]
    problems = []
    if low < 0:
        problems.append(f"options.min_marks: option 'min_marks' of method {METHOD!r} must be at least 0, not {low}")
    if high < max(low, 1):
        problems.append(f"options.max_marks: option 'max_marks' of method {METHOD!r} must be at least 1 and at "
                        f"least min_marks ({low}), not {high}")
    if problems:
        raise InvalidDefinition(problems, field="options")
    return low, high


def count(contest: Contest, *, ballots: Iterable[MarkBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    low, high = bounds(contest, options)
    if totals is not None:
        tally = tally_totals(contest, totals, max_marks=high)
    else:
        tally = tally_marks(contest, ballots or (), min_marks=low, max_marks=high)
    return outcome_of_tally(METHOD, contest, tally, TieBreaker(contest.seed),
                            note=say("between %(low)s and %(high)s marks per ballot", low=low, high=high))
