"""For or against each candidate separately (1937 Party rules, RULES-1937 rules 15-16).

Rule 15: "No slate voting: each candidate is voted on separately, for or
against." Rule 16: "The full result is announced for everyone, including the
votes against, whoever the candidate is."

A :class:`~vybory.rules.base.ScoreBallot` gives each candidate ``+1`` (for),
``-1`` (against) or ``0`` / nothing (neither). A ballot with any other value,
naming someone who is not a candidate, or with more than ``max_for`` votes
for, is invalid; a ballot with no vote for or against anyone is blank.

A candidate is elected if their votes for are more than ``threshold``
(default one half) of the denominator: ``"cast"`` (default: every ballot
cast, invalid ones included), ``"valid"`` (the valid ballots) or
``"for_against"`` (that candidate's for + against). Those over the threshold
are elected best first within the seats: by votes for (``rank_by = "for"``,
default) or by for minus against (``"net"``). Seats left unfilled give
``repeat_required``; so does a missed ``quorum`` (share of the registered
voters, default 0: none). Votes for, against and neither are reported for
every candidate in the round's ``details`` and the outcome's ``details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from vybory.rules.majority import fraction_words, quorum_check
from vybory.rules.marks import (
    MarkTally,
    check_number,
    check_totals_frame,
    tally_fields,
    valid_score_ballots,
)
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ties import TieBreaker, groups_by_count
from vybory.text import say, say_plural

METHOD = "for-against"
OPTIONS: dict[str, Option] = {
    "threshold": (Fraction, Fraction(1, 2), "elected with votes for more than this share of the denominator"),
    "denominator": (("cast", "valid", "for_against"), "cast",
                    "ballots cast, valid ballots, or the candidate's for + against"),
    "rank_by": (("for", "net"), "for", "order among those over the threshold: votes for, or for minus against"),
    "max_for": (int, None, "most candidates a ballot may vote for (default: no limit)"),
    "quorum": (Fraction, Fraction(0), "turnout must be more than this share of the registered voters"),
}

DENOMINATOR_WORDS = {"cast": say("the ballots cast"), "valid": say("the valid ballots"),
                     "for_against": say("their votes for and against")}


def _tally_ballots(contest: Contest, ballots: Iterable[ScoreBallot], max_for: int | None):
    votes_for: dict[str, Number] = {c: 0 for c in contest.candidates}
    against: dict[str, Number] = {c: 0 for c in contest.candidates}
    tally = MarkTally(counts=votes_for)

    def fault(scores: Mapping[str, int]) -> str | None:
        if any(isinstance(v, bool) or v not in (-1, 0, 1) for v in scores.values()):
            return "a vote other than for (+1), against (-1) or neither (0)"
        if max_for is not None and sum(1 for v in scores.values() if v == 1) > max_for:
            return f"votes for more than {max_for} candidates"
        return None

    for w, scores in valid_score_ballots(contest, ballots, tally, unknown="names someone who is not a candidate",
                                         fault=fault):
        if not any(scores.values()):
            tally.blank += w
        for name, v in scores.items():
            if v == 1:
                votes_for[name] += w
            elif v == -1:
                against[name] += w
    return tally, against


def _tally_totals(contest: Contest, totals: Totals):
    cast, blank, invalid = check_totals_frame(totals)
    keys = {f"{c}:{side}" for c in contest.candidates for side in ("for", "against")}
    unknown = sorted(set(totals.counts) - keys)
    if unknown:
        raise InvalidInput(say("%(names)s: for/against totals are keyed '<name>:for' and '<name>:against' for the contest's candidates", names=', '.join(map(repr, unknown))), field="totals.counts")
    votes_for = {c: check_number(totals.counts.get(f"{c}:for", 0), f"totals.counts[{c + ':for'!r}]")
                 for c in contest.candidates}
    against = {c: check_number(totals.counts.get(f"{c}:against", 0), f"totals.counts[{c + ':against'!r}]")
               for c in contest.candidates}
    valid = cast - invalid
    for c in contest.candidates:
        if votes_for[c] + against[c] > valid - blank:
            raise InvalidInput(say("candidate %(c)s has %(votes_for)s for and %(against)s against, more than the %(number)s valid non-blank ballots", c=repr(c), votes_for=votes_for[c], against=against[c], number=valid - blank), field="totals.counts")
    return MarkTally(counts=votes_for, ballots_cast=cast, valid=valid, invalid=invalid, blank=blank), against


def count(contest: Contest, *, ballots: Iterable[ScoreBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    for name in ("threshold", "quorum"):
        if not 0 <= options[name] < 1:
            raise option_error(METHOD, name, f"must be at least 0 and less than 1, not {options[name]}")
    if options["max_for"] is not None and options["max_for"] < 1:
        raise option_error(METHOD, "max_for", f"must be at least 1, not {options['max_for']}")
    if totals is not None:
        tally, against = _tally_totals(contest, totals)
    else:
        tally, against = _tally_ballots(contest, ballots or (), options["max_for"])
    votes_for = tally.counts
    neither = {c: tally.valid - votes_for[c] - against[c] for c in contest.candidates}
    net = {c: votes_for[c] - against[c] for c in contest.candidates}
    report = {"for": dict(votes_for), "against": dict(against), "neither": neither, "net": net}
    rnd = Round(number=1, counts=dict(votes_for), details=dict(report))
    fields = tally_fields(tally, contest)
    details = {**fields.pop("details", {}), **report}
    outcome = Outcome(method=METHOD, seats=contest.seats, status=Status.ELECTED, winners=[], rounds=[rnd],
                      details=details, **fields)
    tb = TieBreaker(contest.seed)

    reason = quorum_check(METHOD, contest, tally.ballots_cast, options["quorum"], rnd)
    if not reason:
        threshold = options["threshold"]
        denominators = {
            "cast": {c: tally.ballots_cast for c in contest.candidates},
            "valid": {c: tally.valid for c in contest.candidates},
            "for_against": {c: votes_for[c] + against[c] for c in contest.candidates},
        }[options["denominator"]]
        needed = {c: threshold * denominators[c] for c in contest.candidates}
        rnd.details["needed_more_than"] = needed
        if options["denominator"] != "for_against":
            rnd.quota = needed[contest.candidates[0]]
        over = [c for c in contest.candidates if votes_for[c] > needed[c]]
        key = votes_for if options["rank_by"] == "for" else net
        outcome.winners = tb.settle(groups_by_count(key, over), limit=contest.seats, round_number=1)
        rnd.elected = list(outcome.winners)
        rnd.note = say("elected with votes for more than %(share)s of %(of)s, best by %(by)s",
                       share=fraction_words(threshold), of=DENOMINATOR_WORDS[options["denominator"]],
                       by=say("votes for") if options["rank_by"] == "for" else say("for minus against"))
        unfilled = contest.seats - len(outcome.winners)
        if unfilled:
            reason = say_plural("%(num)s seat unfilled: only %(over)s had votes for more than %(share)s of "
                                "%(of)s; a new election is required",
                                "%(num)s seats unfilled: only %(over)s had votes for more than %(share)s of "
                                "%(of)s; a new election is required", unfilled,
                                over=say_plural("%(num)s candidate", "%(num)s candidates", len(over)),
                                share=fraction_words(threshold), of=DENOMINATOR_WORDS[options["denominator"]])
    rnd.ties = tb.take_ties()
    if reason:
        outcome.status, outcome.reason = Status.REPEAT_REQUIRED, reason
    return outcome
