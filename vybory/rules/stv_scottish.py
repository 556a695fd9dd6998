"""Scottish STV: the count of The Scottish Local Government Elections Order 2007
(SSI 2007/42), schedule 1, rules 45 to 52 -- weighted inclusive Gregory with
five decimal places, remainders ignored.

The rules, as the code below applies them (paragraph numbers in the comments):

* 45 -- First stage: papers are sorted by first preference and each candidate
  is credited with one vote per paper.
* 46 -- Quota: the valid papers divided by one more than the number of seats,
  decimals ignored, plus one.
* 47(1) -- A candidate whose votes equal or exceed the quota at any stage is
  deemed elected.
* 48 -- A surplus (votes above the quota) is transferred while vacancies
  remain: *all* the candidate's papers are sorted by their next available
  preference for a continuing candidate (or set aside as non-transferable);
  each transferred paper's value becomes ``surplus x value of the paper /
  the candidate's total votes``, calculated to five decimal places, any
  remainder being ignored (48(3), 48(4)).
* 49 -- With several surpluses, the highest is transferred first (49(1));
  equal surpluses go by the most recent preceding stage at which the
  candidates' votes were unequal, highest first (49(2)), then by lot (49(3)).
* 50 -- When no surplus is left to transfer, the continuing candidate with
  the fewest votes is excluded and every paper of theirs goes on to its next
  available preference at the value it has (50(4)).
* 51 -- Equal lowest candidates: the one with fewer votes at the most recent
  preceding stage at which they were unequal is excluded (51(2)(a)), else by
  lot (51(2)(b)).
* 52 -- When the continuing candidates are as many as the vacancies left,
  they are deemed elected (52(1)), and no further transfer is made (52(2)).

**When the last vacancies are certain.** The 2007 official counts stopped as
soon as the remaining exclusions could no longer change who fills the last
vacancies (Glasgow, Calton ward: Simpson deemed elected at stage 7 with
1,189 votes against 446 and 409 and an SNP surplus of 60 not transferred;
Anderston ward, stage 6, likewise). With ``V`` vacancies left, when the
votes of all continuing candidates below the ``V`` highest, together with
every surplus not yet transferred, are fewer than the votes of the ``V``-th
highest, no later transfer can lift any of them to it: exclusion after
exclusion would end in rule 52(1) with those ``V`` candidates. They are then
deemed elected at once and no further transfer is made (52(2)). The winners
are the same as with the stage-by-stage count, which ``shortcut_last_vacancies
= false`` gives.

Arithmetic is in integers counting hundred-thousandths of a vote, so every
rounding is the explicit truncation of rule 48(3); nothing is ever a float.
Counts in the outcome are exact fractions (``Fraction(n, 100000)``).

"By lot" is the seeded draw of :mod:`vybory.rules.ties` (the seed is
published with the election); the tie and how it was settled are recorded.

A paper's preferences stop at the first rank that is not a single mark (see
:func:`vybory.rules.ranked.papers`); a paper without a first preference is
invalid and is not part of the valid poll. Each stage of the outcome is one
step of the count: the first stage, one surplus transfer, or one exclusion.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
    next_holder,
    order_by_votes,
    pick_by_votes,
    record_stage,
    stv_outcome,
)
from vybory.rules.ties import TieBreaker

METHOD = "stv-scottish"
DECIMALS = 5
SCALE = 10 ** DECIMALS

OPTIONS: dict[str, Option] = {
    "withdrawn": WITHDRAWN,
    "shortcut_last_vacancies": (bool, True,
                                ("fill the last vacancies as soon as the remaining exclusions can no "
                                 "longer change who fills them, as the official counts do (false: stage "
                                 "by stage until rule 52(1))")),
}

# A bundle of identical papers held by one candidate: (preferences, position of the
# holder in them, value of each paper in 1/SCALE units, number of papers).
Bundle = tuple[tuple[int, ...], int, int, Number]


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None,
          totals: Totals | None = None) -> Outcome:
    """Counts one contest under the Scottish rules (see the module docstring)."""
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    withdrawn = candidate_numbers(contest, options["withdrawn"], option="withdrawn")
    profile = group_ballots(contest, ballots or ())
    grouped, unusable = papers(profile, withdrawn)
    count = _ScottishCount(contest, profile, grouped, unusable, withdrawn)
    count.shortcut = options["shortcut_last_vacancies"]
    return count.run()


class _ScottishCount:
    def __init__(self, contest, profile, grouped, unusable, withdrawn) -> None:
        self.contest = contest
        self.profile = profile
        self.names = profile.names
        n = len(self.names)
        self.seats = contest.seats
        self.withdrawn = set(withdrawn)
        self.standing = [c for c in range(n) if c not in self.withdrawn]
        self.unusable = unusable
        self.valid_papers: Number = sum(grouped.values())
        # [46] quota: valid papers / (seats + 1), decimals ignored, plus one.
        self.quota = int(self.valid_papers // (self.seats + 1)) + 1
        self.votes: list[Number] = [0] * n
        self.piles: list[list[Bundle]] = [[] for _ in range(n)]
        self.continuing = [c not in self.withdrawn for c in range(n)]
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []  # elected with a surplus not yet transferred
        self.non_transferable: Number = 0
        self.loss: Number = 0
        self.rounds: list[Round] = []
        self.tb = TieBreaker(contest.seed)  # [49(2), 51(2)(a)] most recent unequal stage first
        self.shortcut = True
        # [45] first stage: parcels by first preference, one vote per paper.
        for prefs, w in grouped.items():
            c = prefs[0]
            self.piles[c].append((prefs, 0, SCALE, w))
            self.votes[c] += SCALE * w

    # -- helpers --------------------------------------------------------------------------------
    def counts(self) -> dict[str, Number]:
        return {self.names[c]: as_fraction(self.votes[c], SCALE) for c in self.standing}

    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def live(self) -> list[int]:
        return [c for c in self.standing if self.continuing[c]]

    def move(self, bundles: list[Bundle], value_of) -> dict[int, Number]:
        """Sends each bundle to its next available preference at ``value_of(value)``."""
        received: dict[int, Number] = {}
        for prefs, pos, value, w in bundles:
            new_value = value_of(value)
            p = next_holder(prefs, pos, self.continuing)
            if p < 0:
                self.non_transferable += new_value * w
                continue
            d = prefs[p]
            self.piles[d].append((prefs, p, new_value, w))
            self.votes[d] += new_value * w
            received[d] = received.get(d, 0) + new_value * w
        return received

    def elect_reaching_quota(self, round_number: int) -> list[int]:
        """[47(1)] Candidates at or above the quota are deemed elected, highest first."""
        reached = [c for c in self.live() if self.votes[c] >= self.quota * SCALE]
        order = order_by_votes(reached, self.votes, self.names, self.tb, round_number)[: self.vacancies()]
        for c in order:
            self.continuing[c] = False
            self.elected.append(c)
            if self.votes[c] > self.quota * SCALE:
                self.pending.append(c)
        return order

    def record(self, note: str, elected: list[int], eliminated: list[int]) -> Round:
        return record_stage(self.rounds, self.tb, self.names, self.counts(), elected=elected, eliminated=eliminated,
                            exhausted=as_fraction(self.non_transferable, SCALE), quota=self.quota, note=note,
                            details={"loss_of_fractions": as_fraction(self.loss, SCALE)})

    def fill_last_vacancies(self) -> list[int]:
        """[52(1)] Continuing candidates as many as the vacancies are deemed elected;
        so are the ``V`` highest when the others can no longer reach them (see the
        module docstring)."""
        live = sorted(self.live(), key=lambda c: -self.votes[c])
        v = self.vacancies()
        if live and len(live) <= v:
            chosen = live
        elif self.shortcut and 0 < v < len(live):
            untransferred = sum(self.votes[c] - self.quota * SCALE for c in self.pending)
            below = sum(self.votes[c] for c in live[v:])
            chosen = live[:v] if below + untransferred < self.votes[live[v - 1]] else []
        else:
            chosen = []
        for c in chosen:
            self.continuing[c] = False
            self.elected.append(c)
        return chosen

    # -- the count ------------------------------------------------------------------------------
    def run(self) -> Outcome:
        if self.valid_papers == 0:
            self.record("first stage", [], [])
            return self.outcome(Status.NO_DECISION, "no valid paper")
        elected = self.elect_reaching_quota(1)
        rnd = self.record("first stage", elected, [])
        while self.vacancies() > 0:
            last = self.fill_last_vacancies()  # [52(1)]; [52(2)] no further transfer
            if last:
                rnd.elected += [self.names[c] for c in last]
                rnd.note += "; the last vacancies are filled under rule 52"
                break
            if not self.live():
                break
            stage = len(self.rounds) + 1
            if self.pending:
                # [49(1)] the highest surplus first; [49(2), 49(3)] ties.
                c = pick_by_votes(self.pending, self.votes, self.names, self.tb, purpose="surplus_order",
                                  round_number=stage, lowest_first=False)
                self.pending.remove(c)
                total = self.votes[c]
                surplus = total - self.quota * SCALE
                bundles, self.piles[c] = self.piles[c], []
                # [48(3)] transfer value = surplus x value / total votes, to 5 decimals, remainder ignored.
                nt_before = self.non_transferable
                received = self.move(bundles, lambda value, s=surplus, t=total: int((s * value) // t))
                moved = sum(received.values())
                self.votes[c] = self.quota * SCALE
                self.loss += surplus - moved - (self.non_transferable - nt_before)
                elected = self.elect_reaching_quota(stage)
                rnd = self.record(f"surplus of {self.names[c]}", elected, [])
            else:
                # [50(1)] exclude the continuing candidate with the fewest votes; [51] ties.
                x = pick_by_votes(self.live(), self.votes, self.names, self.tb, purpose="eliminate",
                                  round_number=stage, lowest_first=True)
                self.continuing[x] = False
                self.excluded.append(x)
                if len(self.live()) <= self.vacancies():
                    # [52(1)] the last vacancies are filled; [52(2)] no further transfer is made.
                    last = self.fill_last_vacancies()
                    rnd = self.record(f"exclusion of {self.names[x]}; the last vacancies are filled "
                                      f"under rule 52", last, [x])
                    break
                bundles, self.piles[x] = self.piles[x], []
                self.votes[x] = 0
                # [50(4)] papers go on at the value they had.
                self.move(bundles, lambda value: value)
                elected = self.elect_reaching_quota(stage)
                rnd = self.record(f"exclusion of {self.names[x]}", elected, [x])
        return self.outcome(Status.ELECTED, "")

    def outcome(self, status: Status, reason: str) -> Outcome:
        details: dict[str, Any] = {
            "valid_poll": self.valid_papers,
            "quota": self.quota,
            "decimals": DECIMALS,
            "order_of_exclusion": [self.names[c] for c in self.excluded],
        }
        return stv_outcome(METHOD, self.contest, self.profile, self.unusable, status=status, reason=reason,
                           winners=[self.names[c] for c in self.elected], rounds=self.rounds, details=details)
