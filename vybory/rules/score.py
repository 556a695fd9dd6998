"""Score (range) voting.

Rule: each ballot gives each candidate an integer score from ``min_score``
(default 0) to ``max_score`` (default 10). A ballot naming someone who is
not a candidate or giving a score outside the range is invalid; a ballot
scoring nobody is blank.

With ``aggregate = "sum"`` (default) a candidate's result is the weighted sum
of their scores, a candidate a ballot does not score getting ``min_score``
from it. With ``aggregate = "average"`` it is the weighted sum divided by the
weight of the ballots that scored that candidate (an unscored candidate is
left out of their average, not given the minimum); a candidate nobody scored
has no average and comes after everyone who has one. Averages are exact
fractions. The ``seats`` candidates with the best results are elected; ties
are settled by :mod:`vybory.rules.ties` and recorded.

Totals are keyed ``"<name>:<score>"`` (weight of the ballots that gave that
name that score), the same form as majority judgment.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from vybory.errors import InvalidInput
from vybory.rules.base import (
    Contest,
    Option,
    ScoreBallot,
    Totals,
    check_contest,
    one_input,
    option_error,
    resolve_options,
)
from vybory.rules.marks import (
    MarkTally,
    check_number,
    check_totals_frame,
    tally_fields,
    valid_score_ballots,
    whole_numbers,
)
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ties import TieBreaker, groups_by_count
from vybory.text import say

METHOD = "score"
OPTIONS: dict[str, Option] = {
    "min_score": (int, 0, "lowest score"),
    "max_score": (int, 10, "highest score"),
    "aggregate": (("sum", "average"), "sum",
                  "sum of scores (unscored = min_score), or average over the ballots that scored the candidate"),
}


def _tally(contest: Contest, ballots: Iterable[ScoreBallot], low: int, high: int):
    sums: dict[str, Number] = {c: 0 for c in contest.candidates}
    scored: dict[str, Number] = {c: 0 for c in contest.candidates}
    tally = MarkTally(counts=sums)
    fault = whole_numbers(low, high, f"a score outside {low}..{high}")
    for w, scores in valid_score_ballots(contest, ballots, tally, unknown="scores someone who is not a candidate",
                                         fault=fault):
        if not scores:
            tally.blank += w
        for name, s in scores.items():
            sums[name] += w * s
            scored[name] += w
    return tally, scored


def _from_totals(contest: Contest, totals: Totals, low: int, high: int):
    cast, blank, invalid = check_totals_frame(totals)
    sums: dict[str, Number] = {c: 0 for c in contest.candidates}
    scored: dict[str, Number] = {c: 0 for c in contest.candidates}
    for key, value in totals.counts.items():
        name, _, text = key.rpartition(":")
        try:
            s = int(text)
        except ValueError:
            s = None
        if name not in sums or s is None or not low <= s <= high:
            raise InvalidInput(say("%(key)s: score totals are keyed '<name>:<score>' with a candidate and a score in %(low)s..%(high)s", key=repr(key), low=low, high=high), field="totals.counts")
        w = check_number(value, f"totals.counts[{key!r}]")
        sums[name] += w * s
        scored[name] += w
    valid = cast - invalid
    for c in contest.candidates:
        if scored[c] > valid - blank:
            raise InvalidInput(say("candidate %(c)s is scored by %(value)s, more than the %(number)s valid non-blank ballots", c=repr(c), value=scored[c], number=valid - blank), field="totals.counts")
    return MarkTally(counts=sums, ballots_cast=cast, valid=valid, invalid=invalid, blank=blank), scored


def count(contest: Contest, *, ballots: Iterable[ScoreBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    low, high = options["min_score"], options["max_score"]
    if low >= high:
        raise option_error(METHOD, "max_score", f"must be more than min_score ({low}), not {high}")
    if totals is not None:
        tally, scored = _from_totals(contest, totals, low, high)
    else:
        tally, scored = _tally(contest, ballots or (), low, high)
    sums = tally.counts
    valid = tally.valid
    if options["aggregate"] == "sum":
        # an unscored candidate gets min_score from that ballot
        results: dict[str, Number] = {c: sums[c] + low * (valid - scored[c]) for c in contest.candidates}
        unrated: list[str] = []
        note = f"counts: sum of scores ({low}..{high}; unscored = {low})"
    else:
        results = {c: Fraction(sums[c]) / scored[c] for c in contest.candidates if scored[c]}
        unrated = [c for c in contest.candidates if not scored[c]]
        note = f"counts: average score ({low}..{high}) over the ballots that scored the candidate"
    rnd = Round(number=1, counts=dict(results), note=note, details={"scored_by": dict(scored)})
    fields = tally_fields(tally, contest)
    outcome = Outcome(method=METHOD, seats=contest.seats, status=Status.NO_DECISION, winners=[], rounds=[rnd],
                      **fields)
    if valid - tally.blank == 0:
        outcome.reason = "no valid ballot scores any candidate"
        return outcome
    tb = TieBreaker(contest.seed)
    groups = groups_by_count(results) + ([sorted(unrated)] if unrated else [])
    outcome.winners = tb.settle(groups, limit=contest.seats, round_number=1)
    outcome.status = Status.ELECTED
    rnd.elected = list(outcome.winners)
    rnd.ties = tb.take_ties()
    return outcome
