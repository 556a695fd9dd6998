"""Meek STV, in fixed-point arithmetic with a stated precision.

The rule (Hill, Wichmann and Woodall, "Algorithm 123 -- Single Transferable
Vote by Meek's method", Computer Journal 30(3), 1987; the New Zealand Local
Electoral Regulations 2001, schedule 1A, use the same method with nine
decimal places):

* Every candidate has a **keep value**: 1 while hopeful, 0 once excluded (or
  withdrawn), and between 0 and 1 once elected.
* Each ballot is worth 1. Its first preference keeps ``value x keep`` of it
  and passes on the rest to the next preference, and so on; excluded
  candidates keep nothing and are passed over; what is left after the last
  preference is **excess** (exhausted).
* **Quota** = (all votes - excess) / (seats + 1), truncated to the precision,
  plus one unit of the precision (so reaching it means more than a Droop
  share). A hopeful candidate with at least the quota is elected.
* **Iteration.** Each elected candidate's keep value becomes
  ``keep x quota / votes`` and the votes are counted again, until the total
  surplus of the elected candidates is below ``omega``, stops falling, or a
  candidate is newly elected.
* **Exclusion.** When the iteration settles with nobody newly elected, the
  hopeful candidate with the fewest votes is excluded (keep value 0). Ties:
  earlier rounds (latest first), then the seeded draw of
  :mod:`vybory.rules.ties`; recorded in the round.
* When the hopeful and elected candidates are no more than the seats, every
  hopeful candidate is elected; when the seats are filled the count ends.

**Arithmetic.** Integers counting units of ``10**-decimals`` (default nine
decimal places, as in the New Zealand rules; any precision can be chosen):
the part of a ballot a candidate keeps is rounded *up*, the rest passes on,
so no vote is created or lost; new keep values are rounded up; the quota is
truncated and then raised by one unit. No float is ever used, so the count is
reproducible digit for digit. Counts in the outcome are exact fractions.

**Speed.** Identical ballots are grouped, and in each round a ballot matters
only up to its first hopeful candidate (everything after is reached only
once that candidate is elected, which ends the round). So each round groups
the ballots by that prefix, and the iterations run over a few hundred or
thousand groups rather than over every ballot.

A ballot's preferences stop at the first rank that is not a single mark (see
:func:`vybory.rules.ranked.papers`). Each round is one settled iteration;
an exclusion is listed in the round whose counts follow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from vybory.errors import InvalidDefinition
from vybory.rules.base import (
    Contest,
    Option,
    RankedBallot,
    Totals,
    check_contest,
    one_input,
    resolve_options,
)
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ranked import as_fraction, candidate_numbers, group_ballots, papers
from vybory.rules.stv_common import (
    WITHDRAWN,
    order_by_votes,
    pick_by_votes,
    record_stage,
    stv_outcome,
)
from vybory.rules.ties import TieBreaker

METHOD = "stv-meek"
MAX_ITERATIONS = 100_000

OPTIONS: dict[str, Option] = {
    "decimals": (int, 9, "decimal places of the fixed-point arithmetic (the New Zealand rules use 9)"),
    "omega": (Fraction, Fraction(1, 10 ** 6),
              "the iteration settles when the elected candidates' total surplus is below this"),
    "withdrawn": WITHDRAWN,
}

HOPEFUL, ELECTED, EXCLUDED = 0, 1, 2


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None,
          totals: Totals | None = None) -> Outcome:
    """Counts one contest by Meek's method (see the module docstring)."""
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    if not 0 <= options["decimals"] <= 30:
        raise InvalidDefinition([f"options.decimals: must be between 0 and 30, not {options['decimals']}"],
                                field="options")
    if options["omega"] <= 0:
        raise InvalidDefinition([f"options.omega: must be more than 0, not {options['omega']}"], field="options")
    withdrawn = candidate_numbers(contest, options["withdrawn"], option="withdrawn")
    profile = group_ballots(contest, ballots or ())
    grouped, unusable = papers(profile, withdrawn)
    return _MeekCount(contest, options, profile, grouped, unusable, withdrawn).run()


class _MeekCount:
    def __init__(self, contest, options, profile, grouped, unusable, withdrawn) -> None:
        self.contest = contest
        self.profile = profile
        self.names = profile.names
        n = len(self.names)
        self.seats = contest.seats
        self.scale = 10 ** options["decimals"]
        omega = options["omega"] * self.scale
        # The surplus is compared in units of the precision: below omega means below ceil(omega).
        self.omega = -((-omega.numerator) // omega.denominator)
        self.unusable = unusable
        self.papers = grouped
        self.valid: Number = sum(grouped.values())
        self.standing = [c for c in range(n) if c not in set(withdrawn)]
        self.state = [EXCLUDED] * n
        self.keep = [0] * n
        for c in self.standing:
            self.state[c] = HOPEFUL
            self.keep[c] = self.scale
        self.votes: list[Number] = [0] * n
        self.excess: Number = 0
        self.quota: Number = 0
        self.surplus: Number = 0
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.rounds: list[Round] = []
        self.iterations = 0
        self.tb = TieBreaker(contest.seed)

    # -- distributing the votes -----------------------------------------------------------------
    def prefix_groups(self) -> list[tuple[tuple[int, ...], Number]]:
        """The ballots grouped by their preferences up to the first hopeful candidate."""
        state = self.state
        groups: dict[tuple[int, ...], Number] = {}
        for prefs, w in self.papers.items():
            key: list[int] = []
            for c in prefs:
                s = state[c]
                if s == EXCLUDED:
                    continue
                key.append(c)
                if s == HOPEFUL:
                    break
            if key:
                k = tuple(key)
                groups[k] = groups.get(k, 0) + w
            else:
                groups[()] = groups.get((), 0) + w
        return list(groups.items())

    def distribute(self, groups: list[tuple[tuple[int, ...], Number]]) -> None:
        scale = self.scale
        keep = self.keep
        votes: list[Number] = [0] * len(self.names)
        excess: Number = 0
        for key, w in groups:
            rest = scale
            for c in key:
                k = keep[c]
                if k == scale:
                    votes[c] += rest * w
                    rest = 0
                    break
                kept = -((-rest * k) // scale)  # the part kept is rounded up
                votes[c] += kept * w
                rest -= kept
                if not rest:
                    break
            if rest:
                excess += rest * w
        self.votes = votes
        self.excess = excess
        total = self.valid * scale - excess
        # Quota: truncated to the precision, plus one unit.
        self.quota = int(total // (self.seats + 1)) + 1

    def iterate(self) -> list[int]:
        """Counts until a candidate is newly elected or the surplus settles; returns the newly elected."""
        groups = self.prefix_groups()
        last_surplus = None
        for _ in range(MAX_ITERATIONS):
            self.distribute(groups)
            self.iterations += 1
            quota = self.quota
            newly = [c for c in self.standing if self.state[c] == HOPEFUL and self.votes[c] >= quota]
            self.surplus = sum(self.votes[c] - quota for c in self.elected if self.votes[c] > quota)
            if newly:
                return newly
            if self.surplus < self.omega or (last_surplus is not None and self.surplus >= last_surplus):
                return []
            last_surplus = self.surplus
            for c in self.elected:
                v = self.votes[c]
                if v > 0:
                    k = -((-self.keep[c] * quota) // v)  # new keep value, rounded up
                    self.keep[c] = min(int(k), self.scale)
        return []

    # -- the count ------------------------------------------------------------------------------
    def hopeful(self) -> list[int]:
        return [c for c in self.standing if self.state[c] == HOPEFUL]

    def record(self, note: str, elected: list[int], eliminated: list[int]) -> Round:
        counts = {self.names[c]: as_fraction(self.votes[c], self.scale) for c in self.standing}
        rnd = record_stage(
            self.rounds, self.tb, self.names, counts, elected=elected, eliminated=eliminated,
            exhausted=as_fraction(self.excess, self.scale),
            quota=as_fraction(self.quota, self.scale),
            note=note,
            details={
                "keep_values": {self.names[c]: as_fraction(self.keep[c], self.scale)
                                for c in self.standing if self.state[c] == ELECTED},
                "surplus": as_fraction(self.surplus, self.scale),
                "iterations": self.iterations,
            },
        )
        self.iterations = 0
        return rnd

    def elect(self, newly: list[int]) -> list[int]:
        """Newly elected candidates in order of votes, highest first (ties settled and recorded)."""
        order = order_by_votes(newly, self.votes, self.names, self.tb, len(self.rounds) + 1)
        order = order[: self.seats - len(self.elected)]
        for c in order:
            self.state[c] = ELECTED
            self.elected.append(c)
        return order

    def run(self) -> Outcome:
        if self.valid == 0:
            self.distribute([])
            self.record("first preferences", [], [])
            return self.outcome(Status.NO_DECISION, "no valid ballot")
        excluded_now: list[int] = []
        while True:
            newly = self.iterate()
            elected = self.elect(newly) if newly else []
            if not self.rounds:
                note = "first preferences"
            elif excluded_now:
                note = "exclusion of " + ", ".join(self.names[c] for c in excluded_now)
            else:
                note = "surpluses transferred"
            rnd = self.record(note, elected, excluded_now)
            excluded_now = []
            hopeful = self.hopeful()
            if len(self.elected) >= self.seats:
                break
            if len(hopeful) + len(self.elected) <= self.seats:
                rest = sorted(hopeful, key=lambda c: -self.votes[c])
                for c in rest:
                    self.state[c] = ELECTED
                    self.elected.append(c)
                rnd.elected += [self.names[c] for c in rest]
                rnd.note += "; the remaining hopeful candidates fill the last seats"
                break
            if elected:
                continue
            x = pick_by_votes(hopeful, self.votes, self.names, self.tb, purpose="eliminate",
                              round_number=len(self.rounds) + 1, lowest_first=True)
            self.state[x] = EXCLUDED
            self.keep[x] = 0
            self.excluded.append(x)
            excluded_now = [x]
        return self.outcome(Status.ELECTED, "")

    def outcome(self, status: Status, reason: str) -> Outcome:
        details: dict = {
            "decimals": len(str(self.scale)) - 1,
            "omega": as_fraction(self.omega, self.scale),
            "order_of_exclusion": [self.names[c] for c in self.excluded],
        }
        return stv_outcome(METHOD, self.contest, self.profile, self.unusable, status=status, reason=reason,
                           winners=[self.names[c] for c in self.elected], rounds=self.rounds, details=details)
