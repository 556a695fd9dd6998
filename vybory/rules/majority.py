"""Absolute majority with a turnout quorum and a runoff (1937 rules 10-12).

RULES-1937 rule 10: "the election is valid only if more than half of the
registered voters voted; otherwise a new election is held."
Rule 11: "the winner needs more than half of the valid votes."
Rule 12: "if no one has it, a repeat vote between the two candidates with the
most votes (runoff threshold configurable)."

As a configurable family, in this order:

1. **Quorum.** With ``quorum`` q > 0 the count is valid only if the ballots
   cast (invalid ones included) are more than q x the registered voters
   (``contest.registered``, required then); otherwise ``repeat_required``.
2. **Threshold.** A candidate is elected with more than ``threshold`` t x D
   votes. With ``several_seats = "per_candidate"`` (default) D is the number
   of valid ballots (blank ones included unless ``blank_in_denominator`` is
   false); with ``"per_seat"`` D is the votes for all candidates divided by
   the seats (the multi-seat majority of e.g. Swiss cantonal law). Totals
   from an encrypted tally do not report blank ballots: with one seat the
   non-blank ballots are the votes cast for candidates; with several seats
   ``blank_in_denominator = false`` needs ``Totals.blank``. Those over
   the threshold are elected most votes first, within the seats.
3. **Runoff.** Seats left unfilled go to a runoff (``runoff_required``)
   between the ``runoff_top`` best remaining candidates per unfilled seat,
   plus, with ``runoff_above`` x set, everyone with more than x x D votes. If
   no more candidates remain than seats unfilled, ``repeat_required``.
4. **The runoff round** (``round = "runoff"``, the contest then lists the
   runoff candidates) is decided by ``runoff_threshold``: ``"plurality"``
   (default; most votes win) or ``"absolute"`` (steps 2 without a runoff:
   seats still unfilled give ``repeat_required``). Its quorum is
   ``runoff_quorum`` (default: the same as ``quorum``).

Each ballot marks (or leaves standing) at most ``seats`` names; more is an
invalid ballot, none is a blank ballot (valid, for nobody, rule 9).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

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
from vybory.rules.marks import MarkTally, tally_fields, tally_marks, tally_totals
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ties import TieBreaker, groups_by_count
from vybory.text import say, say_plural

METHOD = "majority"
OPTIONS: dict[str, Option] = {
    "quorum": (Fraction, Fraction(1, 2),
               "turnout must be more than this share of the registered voters (0: no quorum)"),
    "threshold": (Fraction, Fraction(1, 2), "a winner needs more than this share of the denominator"),
    "blank_in_denominator": (bool, True, "blank ballots (everyone crossed out) count in the valid votes"),
    "several_seats": (("per_candidate", "per_seat"), "per_candidate",
                      "denominator with several seats: valid ballots, or candidate votes per seat"),
    "runoff_top": (int, 2, "candidates in the runoff per seat left unfilled"),
    "runoff_above": (Fraction, None, "also in the runoff: everyone with more than this share"),
    "round": (("first", "runoff"), "first", "which round this count decides"),
    "runoff_threshold": (("plurality", "absolute"), "plurality",
                         "how the runoff round is decided: most votes, or the threshold again"),
    "runoff_quorum": (Fraction, None, "quorum of the runoff round (default: the same as quorum)"),
}


def check_options(options: dict[str, Any], method: str) -> None:
    """Refuses option values outside their range, naming each."""
    problems = []
    for name in ("quorum", "threshold", "runoff_above", "runoff_quorum"):
        value = options.get(name)
        if value is not None and not 0 <= value < 1:
            problems.append(f"options.{name}: option {name!r} of method {method!r} must be at least 0 and "
                            f"less than 1, not {value}")
    if options["runoff_top"] < 1:
        problems.append(f"options.runoff_top: option 'runoff_top' of method {method!r} must be at least 1, "
                        f"not {options['runoff_top']}")
    if problems:
        raise InvalidDefinition(problems, field="options")


def count(contest: Contest, *, ballots: Iterable[MarkBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    return count_marks(METHOD, contest, options, ballots=ballots, totals=totals)


def count_marks(method: str, contest: Contest, options: dict[str, Any], *,
                ballots: Iterable[MarkBallot] | None, totals: Totals | None,
                decision: str = "majority") -> Outcome:
    """Tallies ballots marking at most ``seats`` names, then decides (shared with strike-out)."""
    check_options(options, method)
    one_input(ballots, totals, method=method)
    if totals is not None:
        tally = tally_totals(contest, totals, max_marks=contest.seats)
    else:
        tally = tally_marks(contest, ballots or (), min_marks=0, max_marks=contest.seats)
    return decide(method, contest, tally, options, decision=decision)


def fraction_words(x: Fraction) -> str:
    return say("one half") if x == Fraction(1, 2) else f"{x.numerator}/{x.denominator}"


def decide(method: str, contest: Contest, tally: MarkTally, options: dict[str, Any], *,
           decision: str = "majority") -> Outcome:
    """Applies quorum, threshold and runoff to a tally (steps 1-4 above)."""
    runoff_round = options["round"] == "runoff"
    rnd = Round(number=1, counts=dict(tally.counts))
    outcome = Outcome(method=method, seats=contest.seats, status=Status.ELECTED, winners=[], rounds=[rnd],
                      **tally_fields(tally, contest))
    tb = TieBreaker(contest.seed)

    # [rule 10] quorum of turnout
    quorum = options["quorum"]
    if runoff_round and options["runoff_quorum"] is not None:
        quorum = options["runoff_quorum"]
    reason = quorum_check(method, contest, tally.ballots_cast, quorum, rnd)
    if reason:
        return _finish(outcome, rnd, tb, Status.REPEAT_REQUIRED, reason)

    if sum(tally.counts.values()) == 0:
        return _finish(outcome, rnd, tb, Status.REPEAT_REQUIRED,
                       say("no valid vote was cast for any candidate; a new election is required"))

    if decision == "plurality" or (runoff_round and options["runoff_threshold"] == "plurality"):
        rnd.note = say("most votes win")
        outcome.winners = tb.settle(groups_by_count(tally.counts), limit=contest.seats, round_number=1)
        rnd.elected = list(outcome.winners)
        return _finish(outcome, rnd, tb, Status.ELECTED, "")

    # [rule 11] more than the threshold of the valid votes
    threshold = options["threshold"]
    if options["several_seats"] == "per_seat":
        denominator: Number = Fraction(sum(tally.counts.values()), contest.seats)
        what = say("the votes for candidates per seat")
    else:
        if options["blank_in_denominator"]:
            denominator = tally.valid
        elif contest.seats == 1:
            # one mark per non-blank ballot: this also holds for totals that do not report blanks
            denominator = sum(tally.counts.values())
        else:
            denominator = tally.valid - tally.blank
        what = (say("the valid votes") if options["blank_in_denominator"]
                else say("the valid non-blank votes"))
    needed = threshold * denominator
    rnd.quota = needed
    rnd.note = say("to be elected: more than %(share)s of %(what)s (more than %(needed)s)",
                   share=fraction_words(threshold), what=what, needed=str(needed))
    rnd.details["denominator"] = denominator
    over = [c for c in contest.candidates if tally.counts[c] > needed]
    outcome.winners = tb.settle(groups_by_count(tally.counts, over), limit=contest.seats, round_number=1)
    rnd.elected = list(outcome.winners)
    unfilled = contest.seats - len(outcome.winners)
    nobody = say("no other candidate") if outcome.winners else say("no candidate")
    if unfilled == 0:
        return _finish(outcome, rnd, tb, Status.ELECTED, "")
    if runoff_round:
        return _finish(outcome, rnd, tb, Status.REPEAT_REQUIRED,
                       say_plural("%(num)s seat unfilled after the runoff: %(nobody)s had more than "
                                  "%(share)s of %(what)s; a new election is required",
                                  "%(num)s seats unfilled after the runoff: %(nobody)s had more than "
                                  "%(share)s of %(what)s; a new election is required", unfilled,
                                  nobody=nobody, share=fraction_words(threshold), what=what))

    # [rule 12] runoff between the best of the rest
    rest = [c for c in contest.candidates if c not in outcome.winners]
    if len(rest) <= unfilled:
        return _finish(outcome, rnd, tb, Status.REPEAT_REQUIRED,
                       say_plural("%(num)s seat unfilled: %(nobody)s had more than %(share)s of %(what)s, "
                                  "and too few candidates remain for a runoff; a new election is required",
                                  "%(num)s seats unfilled: %(nobody)s had more than %(share)s of %(what)s, "
                                  "and too few candidates remain for a runoff; a new election is required",
                                  unfilled, nobody=nobody, share=fraction_words(threshold), what=what))
    size = min(len(rest), options["runoff_top"] * unfilled)
    chosen = tb.settle(groups_by_count(tally.counts, rest), limit=size, round_number=1, purpose="runoff",
                       order_purpose=None)
    above = options["runoff_above"]
    if above is not None:
        chosen += [c for c in rest if c not in chosen and tally.counts[c] > above * denominator]
    outcome.runoff_candidates = sorted(chosen, key=lambda c: -tally.counts[c])
    return _finish(outcome, rnd, tb, Status.RUNOFF_REQUIRED,
                   say_plural("%(num)s seat unfilled: %(nobody)s had more than %(share)s of %(what)s; "
                              "runoff between %(names)s",
                              "%(num)s seats unfilled: %(nobody)s had more than %(share)s of %(what)s; "
                              "runoff between %(names)s", unfilled, nobody=nobody,
                              share=fraction_words(threshold), what=what,
                              names=", ".join(outcome.runoff_candidates)))


def quorum_check(method: str, contest: Contest, turnout: Number, quorum: Fraction, rnd: Round) -> str:
    """Why the quorum is missed ("" if met): turnout must be more than ``quorum`` x registered.

    A quorum of 0 is no quorum. Records turnout and the figure to beat in
    ``rnd.details["quorum"]``.
    """
    if quorum == 0:
        return ""
    if contest.registered is None:
        problem = (f"registered: method {method!r} with a quorum of {fraction_words(quorum)} needs the number "
                   f"of registered voters (or set option 'quorum' to 0)")
        raise InvalidDefinition([problem], field="registered")
    needed = quorum * contest.registered
    rnd.details["quorum"] = {"turnout": turnout, "registered": contest.registered, "needed_more_than": needed}
    if turnout > needed:
        return ""
    return say("quorum not met: %(turnout)s of %(registered)s registered voters voted, not more than "
               "%(share)s of them; a new election is required", turnout=str(turnout),
               registered=str(contest.registered), share=fraction_words(quorum))


def _finish(outcome: Outcome, rnd: Round, tb: TieBreaker, status: Status, reason: str) -> Outcome:
    rnd.ties = tb.take_ties()
    outcome.status = status
    outcome.reason = reason
    return outcome
