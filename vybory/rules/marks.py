"""Counting mark ballots (plurality, block, approval, strike-out, majority),
and reading score ballots into the same tally (score, majority judgment,
for/against, motion).

A :class:`~vybory.rules.base.MarkBallot` names the candidates it marks (or, on
a strike-out ballot, leaves standing). A ballot is **invalid** when it names
someone who is not a candidate or marks fewer than ``min_marks`` or more than
``max_marks`` names; a ballot that marks nobody is **blank**. Blank ballots
are valid unless the rule's ``min_marks`` is at least one; they count for
nobody.

:func:`tally_marks` and :func:`tally_totals` give the same :class:`MarkTally`
for the same votes, so a rule counts totals and ballots alike.
:func:`valid_score_ballots` sorts score ballots into valid and invalid ones
for the rules that count them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from vybory.errors import InvalidInput
from vybory.rules.base import Contest, MarkBallot, ScoreBallot, Totals, check_weight
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ties import TieBreaker, groups_by_count
from vybory.text import say

B = TypeVar("B", MarkBallot, ScoreBallot)


@dataclass(slots=True)
class MarkTally:
    """Weighted votes per candidate and the ballots behind them.

    Invariants: ``valid + invalid == ballots_cast``; ``blank <= valid``; every
    candidate of the contest has a count (possibly 0).
    """

    counts: dict[str, Number]
    ballots_cast: Number = 0
    valid: Number = 0
    invalid: Number = 0
    blank: Number = 0
    invalid_reasons: dict[str, Number] = field(default_factory=dict)

    def refuse(self, weight: Number, reason: str) -> None:
        """Counts an invalid ballot and why (a ballot of weight 0 counts for nothing)."""
        if weight:
            self.invalid += weight
            self.invalid_reasons[reason] = self.invalid_reasons.get(reason, 0) + weight


def _cast(ballots: Iterable[Any], kind: type[B], tally: MarkTally) -> Iterator[tuple[Number, B]]:
    """Each ballot with its weight, counted in ``tally.ballots_cast``; anything that is not a
    ``kind``, or a weight that is not an exact number of at least 0, is refused."""
    for i, ballot in enumerate(ballots):
        if not isinstance(ballot, kind):
            raise InvalidInput(say("ballot %(number)s is a %(kind)s, not a %(expected)s", number=i + 1, kind=type(ballot).__name__, expected=kind.__name__),
                               field="ballots")
        w = check_weight(ballot, i)
        tally.ballots_cast += w
        yield w, ballot


def tally_marks(contest: Contest, ballots: Iterable[MarkBallot], *, min_marks: int, max_marks: int) -> MarkTally:
    """Counts mark ballots; each valid ballot adds its weight to every name it marks."""
    known = set(contest.candidates)
    tally = MarkTally(counts={c: 0 for c in contest.candidates})
    for w, ballot in _cast(ballots, MarkBallot, tally):
        marks = ballot.marks
        if not marks <= known:
            tally.refuse(w, "names someone who is not a candidate")
        elif len(marks) > max_marks:
            tally.refuse(w, f"more than {max_marks} marked")
        elif len(marks) < min_marks:
            tally.refuse(w, f"fewer than {min_marks} marked")
        else:
            tally.valid += w
            if not marks:
                tally.blank += w
            for name in marks:
                tally.counts[name] += w
    return tally


def valid_score_ballots(contest: Contest, ballots: Iterable[ScoreBallot], tally: MarkTally, *, unknown: str,
                        fault: Callable[[Mapping[str, int]], str | None]) -> Iterator[tuple[Number, Mapping[str, int]]]:
    """The valid ballots among ``ballots``, as ``(weight, scores)``.

    Every ballot's weight counts in ``tally.ballots_cast``. A ballot naming
    someone who is not a candidate is refused as ``unknown``; one in which
    ``fault`` finds a fault is refused with the words ``fault`` returns; every
    other ballot's weight counts in ``tally.valid`` (blank or not: the rule
    says which are blank). Anything that is not a
    :class:`~vybory.rules.base.ScoreBallot` is refused with
    :class:`~vybory.errors.InvalidInput`.
    """
    known = set(contest.candidates)
    for w, ballot in _cast(ballots, ScoreBallot, tally):
        scores = ballot.scores
        reason = unknown if not set(scores) <= known else fault(scores)
        if reason:
            tally.refuse(w, reason)
            continue
        tally.valid += w
        yield w, scores


def whole_numbers(low: int, high: int, words: str) -> Callable[[Mapping[str, int]], str | None]:
    """A ``fault`` for :func:`valid_score_ballots`: ``words`` unless every value is a whole number
    from ``low`` to ``high``."""

    def fault(scores: Mapping[str, int]) -> str | None:
        if any(isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high for v in scores.values()):
            return words
        return None

    return fault


def check_number(value: object, what: str) -> Number:
    """An exact count of at least 0, or a clear error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)) or value < 0:
        raise InvalidInput(say("must be an exact number (int or Fraction) of at least 0, not %(value)s", value=repr(value)),
                           field=what)
    return value


def check_totals_frame(totals: Totals) -> tuple[Number, Number, Number]:
    """``(ballots_cast, blank, invalid)`` of ``totals``, checked to add up."""
    if not isinstance(totals, Totals):
        raise InvalidInput(say("must be a Totals, not %(kind)s", kind=type(totals).__name__), field="totals")
    cast = check_number(totals.ballots_cast, "totals.ballots_cast")
    blank = check_number(totals.blank, "totals.blank")
    invalid = check_number(totals.invalid, "totals.invalid")
    if blank + invalid > cast:
        raise InvalidInput(say("blank (%(blank)s) and invalid (%(invalid)s) ballots exceed the ballots cast (%(cast)s)", blank=blank, invalid=invalid, cast=cast),
                           field="totals")
    return cast, blank, invalid


def tally_totals(contest: Contest, totals: Totals, *, max_marks: int) -> MarkTally:
    """A :class:`MarkTally` from per-candidate totals, checked for consistency.

    Refused: a key that is not a candidate, a negative or inexact count, and
    more votes than the valid non-blank ballots could carry (``max_marks``
    each).
    """
    cast, blank, invalid = check_totals_frame(totals)
    counts = totals_counts(contest, totals.counts)
    valid = cast - invalid
    carried = (valid - blank) * max_marks
    if sum(counts.values()) > carried:
        raise InvalidInput(
            say("the counts add up to %(sum)s, more than the %(number)s valid non-blank ballots can carry with at most %(max_marks)s marks each", sum=sum(counts.values()), number=valid - blank, max_marks=max_marks),
            field="totals.counts",
        )
    return MarkTally(counts=counts, ballots_cast=cast, valid=valid, invalid=invalid, blank=blank)


def totals_counts(contest: Contest, given: Mapping[str, object]) -> dict[str, Number]:
    """Per-candidate counts from totals keyed by candidate name (missing = 0)."""
    unknown = sorted(set(given) - set(contest.candidates))
    if unknown:
        raise InvalidInput(say("%(names)s not a candidate of contest %(name)s", names=', '.join(repr(k) for k in unknown), name=repr(contest.name)),
                           field="totals.counts")
    return {c: check_number(given.get(c, 0), f"totals.counts[{c!r}]") for c in contest.candidates}


def outcome_of_tally(method: str, contest: Contest, tally: MarkTally, tb: TieBreaker, *, note: str) -> Outcome:
    """The most-votes outcome: the ``seats`` candidates with the most votes win.

    Ties are settled by ``tb`` and recorded in the round. With no valid vote
    for anyone the outcome is ``no_decision``: no seat is filled by a draw
    among candidates nobody voted for.
    """
    rnd = Round(number=1, counts=dict(tally.counts), note=note)
    if sum(tally.counts.values()) == 0:
        status, winners = Status.NO_DECISION, []
        reason: str = say("no candidate received a vote")
    else:
        winners = tb.settle(groups_by_count(tally.counts), limit=contest.seats, round_number=1)
        status, reason = Status.ELECTED, ""
        rnd.elected = list(winners)
    rnd.ties = tb.take_ties()
    return Outcome(
        method=method,
        seats=contest.seats,
        status=status,
        winners=winners,
        rounds=[rnd],
        reason=reason,
        **tally_fields(tally, contest),
    )


def tally_fields(tally: MarkTally, contest: Contest) -> dict[str, Any]:
    """The ballot figures of an :class:`Outcome` from a tally."""
    fields: dict[str, Any] = {
        "ballots_cast": tally.ballots_cast,
        "valid": tally.valid,
        "invalid": tally.invalid,
        "blank": tally.blank,
        "registered": contest.registered,
    }
    if tally.invalid_reasons:
        fields["details"] = {"invalid_reasons": dict(sorted(tally.invalid_reasons.items()))}
    return fields
