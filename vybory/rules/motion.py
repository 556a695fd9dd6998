"""Motions, referendums and recalls: yes / no / abstain (RULES-1937 rule 13).

Rule 13 (Art. 142): "a deputy may be recalled at any time by a majority of
the district's registered voters (not of the votes cast)."

The contest's candidates are the answers: ``("yes", "no")`` or ``("yes",
"no", "abstain")``; one seat. A :class:`~vybory.rules.base.ScoreBallot`
gives the chosen answer the value 1 (``{"yes": 1}``); a ballot choosing
nothing is blank; a ballot choosing more than one answer, an answer the
contest does not offer, or a value other than 0 or 1, is invalid.

The motion **passes** when the yes votes are more than (``comparison =
"more_than"``, default) or at least (``"at_least"``) ``threshold`` x D, and
are more than zero, where D is the ``denominator``:

- ``"valid"`` (default): yes + no (abstentions, blank and invalid ballots
  left out);
- ``"cast"``: every ballot cast, abstentions, blank and invalid included;
- ``"registered"``: the registered voters (a recall: ``threshold = 1/2``).

A supermajority is a threshold such as ``"2/3"`` (exact) with
``comparison = "at_least"`` for "at least two thirds". With ``quorum`` q > 0
the vote counts only if the ballots cast are more than q x the registered
voters.

Outcome: ``elected`` with ``winners = ["yes"]`` when the motion passes;
``no_decision`` with no winner when it fails (the motion is rejected);
``repeat_required`` when the quorum is missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from vybory.errors import InvalidDefinition, InvalidInput
from vybory.rules.base import (
    Contest,
    Option,
    ScoreBallot,
    Totals,
    check_contest,
    one_input,
    resolve_options,
)
from vybory.rules.majority import fraction_words, quorum_check
from vybory.rules.marks import (
    MarkTally,
    check_number,
    check_totals_frame,
    tally_fields,
    valid_score_ballots,
)
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.text import say

METHOD = "motion"
ANSWERS = ("yes", "no", "abstain")
OPTIONS: dict[str, Option] = {
    "denominator": (("valid", "cast", "registered"), "valid",
                    "yes is compared with: yes + no, every ballot cast, or the registered voters"),
    "threshold": (Fraction, Fraction(1, 2), "share of the denominator the yes votes must reach"),
    "comparison": (("more_than", "at_least"), "more_than", "yes must be more than, or at least, the share"),
    "quorum": (Fraction, Fraction(0), "turnout must be more than this share of the registered voters"),
}


def _check(contest: Contest, options: dict) -> None:
    problems = []
    if contest.seats != 1:
        problems.append(f"seats: a motion decides one question (seats = 1), not {contest.seats}")
    if not {"yes", "no"} <= set(contest.candidates) or not set(contest.candidates) <= set(ANSWERS):
        problems.append(f"candidates: a motion's answers are yes, no and optionally abstain, "
                        f"not {', '.join(contest.candidates)}")
    if not 0 < options["threshold"] <= 1:
        problems.append(f"options.threshold: option 'threshold' of method {METHOD!r} must be more than 0 and "
                        f"at most 1, not {options['threshold']}")
    if not 0 <= options["quorum"] < 1:
        problems.append(f"options.quorum: option 'quorum' of method {METHOD!r} must be at least 0 and less "
                        f"than 1, not {options['quorum']}")
    if options["denominator"] == "registered" and contest.registered is None:
        problems.append("registered: a motion decided on the registered voters needs their number")
    if problems:
        raise InvalidDefinition(problems, field="contest")


def _tally_ballots(contest: Contest, ballots: Iterable[ScoreBallot]) -> MarkTally:
    tally = MarkTally(counts={a: 0 for a in contest.candidates})

    def fault(scores: Mapping[str, int]) -> str | None:
        if any(isinstance(v, bool) or v not in (0, 1) for v in scores.values()):
            return "a value other than 0 or 1"
        if sum(1 for v in scores.values() if v == 1) > 1:
            return "more than one answer"
        return None

    for w, scores in valid_score_ballots(contest, ballots, tally, unknown="an answer the motion does not offer",
                                         fault=fault):
        chosen = [a for a, v in scores.items() if v == 1]
        if chosen:
            tally.counts[chosen[0]] += w
        else:
            tally.blank += w
    return tally


def _tally_totals(contest: Contest, totals: Totals) -> MarkTally:
    cast, blank, invalid = check_totals_frame(totals)
    unknown = sorted(set(totals.counts) - set(contest.candidates))
    if unknown:
        raise InvalidInput(say("%(names)s: motion totals are keyed by the answers %(answers)s", names=', '.join(map(repr, unknown)), answers=', '.join(contest.candidates)), field="totals.counts")
    counts = {a: check_number(totals.counts.get(a, 0), f"totals.counts[{a!r}]") for a in contest.candidates}
    if sum(counts.values()) + blank + invalid != cast:
        raise InvalidInput(say("the answers (%(sum)s), blank (%(blank)s) and invalid (%(invalid)s) ballots do not add up to the ballots cast (%(cast)s)", sum=sum(counts.values()), blank=blank, invalid=invalid, cast=cast), field="totals")
    return MarkTally(counts=counts, ballots_cast=cast, valid=cast - invalid, invalid=invalid, blank=blank)


def count(contest: Contest, *, ballots: Iterable[ScoreBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    _check(contest, options)
    tally = _tally_totals(contest, totals) if totals is not None else _tally_ballots(contest, ballots or ())
    yes, no = tally.counts["yes"], tally.counts["no"]
    denominator: Number = {"valid": yes + no, "cast": tally.ballots_cast,
                           "registered": contest.registered or 0}[options["denominator"]]
    threshold, at_least = options["threshold"], options["comparison"] == "at_least"
    needed = threshold * denominator
    words = {"valid": say("yes + no"), "cast": say("the ballots cast"),
             "registered": say("the registered voters")}
    share, of = fraction_words(threshold), words[options["denominator"]]
    rule = (say("at least %(share)s of %(of)s", share=share, of=of) if at_least
            else say("more than %(share)s of %(of)s", share=share, of=of))
    rnd = Round(number=1, counts=dict(tally.counts), quota=needed,
                note=say("passes with yes %(rule)s (%(needed)s)", rule=rule, needed=str(needed)),
                details={"denominator": denominator})
    outcome = Outcome(method=METHOD, seats=1, status=Status.NO_DECISION, winners=[], rounds=[rnd],
                      **tally_fields(tally, contest))
    reason = quorum_check(METHOD, contest, tally.ballots_cast, options["quorum"], rnd)
    if reason:
        outcome.status, outcome.reason = Status.REPEAT_REQUIRED, reason
    elif yes > 0 and (yes >= needed if at_least else yes > needed):
        outcome.status, outcome.winners = Status.ELECTED, ["yes"]
        outcome.reason = say("passed: yes %(yes)s, %(rule)s", yes=str(yes), rule=rule)
        rnd.elected = ["yes"]
    else:
        outcome.reason = say("rejected: yes %(yes)s is not %(rule)s (%(needed)s)", yes=str(yes), rule=rule,
                             needed=str(needed))
    return outcome
