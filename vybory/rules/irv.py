"""Instant-runoff voting (IRV), with the options real jurisdictions use.

The rule, round by round (the options are those of the RCTab tabulator, under
the names given in :data:`OPTIONS`):

1. **Reading a ballot.** Each ballot counts for its highest-ranked continuing
   candidate. Reading from rank 1: a skipped rank is passed over, but more
   than ``max_skipped_ranks`` skipped ranks in a row (before the next mark)
   exhaust the ballot; with ``duplicates = "exhaust"`` a candidate ranked a
   second time exhausts it (with ``"skip"`` the repeat is passed over); an
   overvote (several candidates at one rank) exhausts the ballot
   (``overvote = "exhaust_immediately"``), is passed over
   (``"always_skip_to_next_rank"``), or exhausts it only when two or more of
   its candidates are continuing, counting for the one continuing candidate
   otherwise (``"exhaust_if_multiple_continuing"``). Ranks past
   ``max_ranks`` are ignored. A ballot with no continuing candidate left is
   exhausted, and stays exhausted.
2. **Winner.** A candidate with more than half of the votes counting for
   continuing candidates in the round wins; so does the last continuing
   candidate. With ``continue_until_two`` the count goes on until two
   candidates remain, and the one with more votes wins.
3. **Elimination**, in this order: in the first round, the candidate standing
   for undeclared write-ins (``undeclared_write_in``) if it has any vote;
   else every candidate below ``minimum_votes``; else, with
   ``batch_elimination``, the largest set of lowest candidates whose votes
   together are fewer than the votes of the next candidate up (if that set
   has at least two members; with ``continue_until_two``, the next smaller
   such set when the largest would leave one candidate, as RCTab does);
   else the candidate with the fewest votes.
4. **Ties** for elimination are settled by ``tiebreak``:
   ``"previous_rounds_then_draw"`` (the house rule of
   :mod:`vybory.rules.ties`: earlier rounds, latest first, then the draw from
   the published seed), ``"draw"`` (the seeded draw alone), or
   ``"candidate_order"`` (the candidate listed last goes; only where the
   contest's published rules say so). Every tie is recorded in its round.

``withdrawn`` candidates are treated as eliminated before the first round.

Rounds: round 1 holds the first preferences; each later round is one
elimination step, and lists the candidates it eliminated, the votes each
candidate gained or lost (``transfers``), the counts after it, and the
exhausted weight so far (``details["exhausted_by"]`` splits it by reason;
blank ballots are counted there as ``"blank"``).
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
from vybory.rules.outcome import Number, Outcome, Round, Status, Tie, TieRule, changes
from vybory.rules.ranked import Profile, candidate_numbers, group_ballots
from vybory.rules.ties import TieBreaker
from vybory.text import say

METHOD = "irv"

OVERVOTE_RULES = ("exhaust_immediately", "always_skip_to_next_rank", "exhaust_if_multiple_continuing")
TIEBREAKS = ("previous_rounds_then_draw", "draw", "candidate_order")

OPTIONS: dict[str, Option] = {
    "overvote": (OVERVOTE_RULES, "exhaust_immediately",
                 ("what an overvote does: exhaust the ballot, be skipped, or exhaust it only when two "
                  "or more of its candidates are continuing")),
    "max_skipped_ranks": (int, None,
                          "most skipped ranks in a row before the ballot is exhausted (unset: unlimited)"),
    "duplicates": (("skip", "exhaust"), "skip",
                   "a candidate ranked again: pass over the repeat, or exhaust the ballot"),
    "batch_elimination": (bool, False,
                          "eliminate at once every lowest candidate who cannot catch up with the next one"),
    "continue_until_two": (bool, False, "go on eliminating until two candidates remain"),
    "max_ranks": (int, None, "ranks counted from each ballot (unset: all)"),
    "minimum_votes": (Fraction, None, "eliminate at once every candidate with fewer votes than this"),
    "undeclared_write_in": (str, None,
                            "the candidate standing for undeclared write-ins, eliminated first in round 1"),
    "withdrawn": (list, None, "candidates treated as eliminated before the first round"),
    "tiebreak": (TIEBREAKS, "previous_rounds_then_draw",
                 ("how ties for elimination are settled: earlier rounds then the seeded draw, the "
                  "draw alone, or the order of the candidate list")),
}

# Why a ballot is exhausted (the keys of details["exhausted_by"]).
OVERVOTE, SKIPPED, DUPLICATE, NO_MORE, BLANK = "overvote", "skipped_ranks", "duplicate", "no_more_rankings", "blank"
_EXHAUSTED = {-1: OVERVOTE, -2: SKIPPED, -3: DUPLICATE, -4: NO_MORE}


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None,
          totals: Totals | None = None) -> Outcome:
    """Counts one IRV contest; see the module docstring for the rule."""
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    if contest.seats != 1:
        raise InvalidDefinition([f"seats: IRV fills one seat, not {contest.seats} (use an STV method)"],
                                field="seats")
    for name in ("max_skipped_ranks", "max_ranks"):
        if options[name] is not None and options[name] < (0 if name == "max_skipped_ranks" else 1):
            least = 0 if name == "max_skipped_ranks" else 1
            raise InvalidDefinition([f"options.{name}: must be at least {least}, not {options[name]}"],
                                    field="options")
    withdrawn = candidate_numbers(contest, options["withdrawn"], option="withdrawn")
    uwi = None
    if options["undeclared_write_in"] is not None:
        uwi = candidate_numbers(contest, [options["undeclared_write_in"]], option="undeclared_write_in")[0]
    profile = group_ballots(contest, ballots or ())
    return _Count(contest, options, profile, withdrawn, uwi).run()


class _Count:
    """The state of one IRV count: where each group of ballots stands."""

    def __init__(self, contest: Contest, options: dict, profile: Profile, withdrawn: list[int],
                 uwi: int | None) -> None:
        self.contest = contest
        self.options = options
        self.profile = profile
        self.names = profile.names
        n = len(self.names)
        self.continuing = [True] * n
        for c in withdrawn:
            self.continuing[c] = False
        self.uwi = uwi
        limit = options["max_ranks"]
        self.rankings = [r[:limit] if limit else r for r in profile.rankings]
        self.weights = profile.weights
        self.where = [0] * len(self.rankings)
        self.piles: list[list[int]] = [[] for _ in range(n)]
        self.votes: list[Number] = [0] * n
        self.exhausted_by: dict[str, Number] = {}
        if profile.blank:
            self.exhausted_by[BLANK] = profile.blank
        mode = options["tiebreak"]
        self.tb = TieBreaker(contest.seed, use_previous_rounds=(mode == "previous_rounds_then_draw"))
        self.rounds: list[Round] = []
        self.history: list[dict[str, Number]] = []
        self.ties_pending: list[Tie] = []

    # -- reading a ballot ---------------------------------------------------------------------
    def scan(self, ranking: tuple[tuple[int, ...], ...]) -> int:
        """The ballot's candidate now, or a negative code saying why it is exhausted."""
        continuing = self.continuing
        max_skip = self.options["max_skipped_ranks"]
        exhaust_duplicates = self.options["duplicates"] == "exhaust"
        overvote = self.options["overvote"]
        last_seen = 0
        seen: set[int] = set()
        for position, rank in enumerate(ranking, start=1):
            if not rank:
                continue
            if max_skip is not None and position - last_seen > max_skip + 1:
                return -2
            last_seen = position
            if exhaust_duplicates:
                if not seen.isdisjoint(rank):
                    return -3
                seen.update(rank)
            if len(rank) > 1:
                if overvote == "exhaust_immediately":
                    return -1
                if overvote == "always_skip_to_next_rank":
                    if position == len(ranking):
                        return -1
                    continue
                live = [c for c in rank if continuing[c]]
                if len(live) > 1:
                    return -1
                if live:
                    return live[0]
                continue
            c = rank[0]
            if continuing[c]:
                return c
        return -4

    def place(self, groups: Iterable[int]) -> None:
        for g in groups:
            where = self.scan(self.rankings[g])
            self.where[g] = where
            w = self.weights[g]
            if where >= 0:
                self.piles[where].append(g)
                self.votes[where] += w
            else:
                reason = _EXHAUSTED[where]
                self.exhausted_by[reason] = self.exhausted_by.get(reason, 0) + w

    # -- the count ------------------------------------------------------------------------------
    def live(self) -> list[int]:
        return [c for c in range(len(self.names)) if self.continuing[c]]

    def record(self, note: str, eliminated: list[int], before: dict[str, Number] | None) -> Round:
        counts = {self.names[c]: self.votes[c] for c in self.live()}
        transfers = changes(before, counts)
        active = sum(counts.values())
        rnd = Round(
            number=len(self.rounds) + 1,
            counts=counts,
            eliminated=[self.names[c] for c in eliminated],
            transfers=transfers,
            exhausted=sum(self.exhausted_by.values()),
            quota=(active // 2 + 1) if isinstance(active, int) else None,
            note=note,
            details={"exhausted_by": dict(sorted(self.exhausted_by.items())), "active": active},
        )
        rnd.ties = self.ties_pending + self.tb.take_ties()
        self.ties_pending = []
        self.rounds.append(rnd)
        return rnd

    def run(self) -> Outcome:
        self.place(range(len(self.rankings)))
        rnd = self.record("first preferences", [], None)
        winner: int | None = None
        status, reason = Status.ELECTED, ""
        while True:
            live = self.live()
            active = sum(self.votes[c] for c in live)
            if not live or active == 0:
                status, reason = Status.NO_DECISION, say("no ballot counts for a continuing candidate")
                break
            if len(live) == 1:
                winner = live[0]
                break
            if not self.options["continue_until_two"] or len(live) == 2:
                leaders = [c for c in live if 2 * self.votes[c] > active]
                if leaders:
                    winner = leaders[0]
                    break
            out = self.choose_eliminated(live)
            self.history.append({self.names[c]: self.votes[c] for c in live})
            self.tb.history = self.history
            before = dict(rnd.counts)
            for c in out:
                self.continuing[c] = False
            for c in out:
                pile, self.piles[c] = self.piles[c], []
                self.votes[c] = 0
                self.place(pile)
            rnd = self.record("elimination of " + ", ".join(self.names[c] for c in out), out, before)
        winners = []
        if winner is not None:
            winners = [self.names[winner]]
            rnd.elected = list(winners)
        return Outcome(
            method=METHOD,
            seats=1,
            status=status,
            winners=winners,
            rounds=self.rounds,
            reason=reason,
            ballots_cast=self.profile.ballots_cast,
            valid=self.profile.ballots_cast - self.profile.invalid,
            invalid=self.profile.invalid,
            blank=self.profile.blank,
            registered=self.contest.registered,
            details=self.details(),
        )

    def details(self) -> dict:
        d: dict = {"options": {k: v for k, v in self.options.items() if v is not None}}
        if self.profile.invalid_reasons:
            d["invalid_reasons"] = dict(sorted(self.profile.invalid_reasons.items()))
        return d

    def choose_eliminated(self, live: list[int]) -> list[int]:
        votes = self.votes
        opts = self.options
        first = len(self.rounds) == 1
        if first and self.uwi is not None and self.continuing[self.uwi] and votes[self.uwi] > 0:
            return [self.uwi]
        least = 2 if opts["continue_until_two"] else 1
        if opts["minimum_votes"] is not None:
            below = [c for c in live if votes[c] < opts["minimum_votes"]]
            if below and len(live) - len(below) >= least:
                return below
        if opts["batch_elimination"]:
            batch = self.batch(live, least)
            if len(batch) >= 2:
                return batch
        lowest = min(votes[c] for c in live)
        tied = [c for c in live if votes[c] == lowest]
        if len(tied) == 1:
            return tied
        return [self.break_tie(tied)]

    def batch(self, live: list[int], least: int = 1) -> list[int]:
        """RCTab's batch elimination: the largest set of lowest candidates whose
        votes together are fewer than the votes of the next candidate up. When it
        would leave fewer than ``least`` candidates (``continue_until_two``), the
        next smaller such set, as RCTab's ``runBatchElimination`` falls back."""
        by_votes: dict[Number, list[int]] = {}
        for c in live:
            by_votes.setdefault(self.votes[c], []).append(c)
        running: Number = 0
        seen: list[int] = []
        out: list[int] = []
        previous: list[int] = []
        for v in sorted(by_votes):
            if running < v and len(seen) > len(out):
                previous, out = out, list(seen)
            running += v * len(by_votes[v])
            seen += by_votes[v]
        return previous if len(live) - len(out) < least else out

    def break_tie(self, tied: list[int]) -> int:
        round_number = len(self.rounds) + 1
        names = [self.names[c] for c in tied]
        if self.options["tiebreak"] == "candidate_order":
            chosen = max(tied)
            self.ties_pending.append(Tie(
                purpose="eliminate", candidates=tuple(sorted(names)), rule=TieRule.CANDIDATE_ORDER,
                chosen=(self.names[chosen],)))
            return chosen
        picked = self.tb.pick(names, purpose="eliminate", round_number=round_number, lowest_first=True)
        return self.names.index(picked[0])
