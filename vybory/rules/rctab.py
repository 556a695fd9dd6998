"""RCTab's tabulation, round by round, as RCTab counts.

RCTab (the Ranked Choice Voting Resource Center's tabulator, version 2) is
what many US election offices count ranked ballots with. This module follows
its ``Tabulator``, ``Tiebreak``, ``CastVoteRecord`` and ``RoundTally`` step by
step, so that the same cast vote records and the same rules give the same
rounds: the same tallies, the same inactive-ballot categories, the same
thresholds, the same transfers and the same winners, to the last decimal.
``docs/counting-ranked.md`` lists each rule; the comments below name the
RCTab step each block follows.

A round ([round]):

1. every ballot goes to its current recipient if that candidate continues,
   otherwise its rankings are read again from the first: more skipped ranks
   in a row than allowed make it inactive (``skippedRankings``); a candidate
   ranked again, with ``exhaust_on_duplicate``, too (``repeatedRankings``);
   an overvote exhausts it (``overvotes``) or is passed over by the overvote
   rule; the first continuing candidate takes it; a ballot whose last
   ranking is passed without one is inactive (``exhaustedChoices``); a
   ballot with no ranking at all is ``didNotRankAnyCandidates``; once every
   seat is filled a ballot that would move is ``finalRoundSurplus``.
   A record keeps its names as the file spells them, aliases included, and
   RCTab's tests read them so: a repeat is the same spelling again (two
   aliases of one candidate are two names), ``exhaustIfMultipleContinuing``
   takes an alias for a continuing candidate whatever became of it, and
   only the pick of the recipient reads an alias as its candidate;
2. the threshold: ``floor(active / (seats + 1)) + 10^-d`` (``d`` decimals
   when ``non_integer_threshold``, else 0), ``ceil(active / seats)`` with
   the Hare quota, ``active * p`` for the bottoms-up percentage; recomputed
   in round 1 only for several seats, frozen after round 1 with
   ``first_round_threshold``, and after the winner with
   ``continue_until_two``;
3. winners: any candidate at or over the threshold (never the undeclared
   write-ins, and none while they still hold votes); all remaining
   candidates once they are no more than the open seats; one per round
   (the most votes, ties broken) with ``multiWinnerAllowOnlyOneWinnerPerRound``;
   with one seat and two candidates left, the one with more votes;
4. otherwise eliminate, the first rule that names someone: the undeclared
   write-ins (if they hold votes), the cut-off (below the threshold), batch
   elimination, the lowest candidate (ties broken);
5. a winner's surplus moves: each ballot keeps ``value * (1 - surplus /
   votes)`` with the winner (rounded down to ``d`` decimals) and moves on
   with the rest; a winner's tally in later rounds is what its ballots keep,
   and what exceeds the threshold is the residual surplus.

Arithmetic is :class:`decimal.Decimal` with Java ``BigDecimal``'s scales
(``divide`` and ``multiply`` round down to ``d`` decimals), so the printed
values match RCTab's, trailing zeros included. Ties use RCTab's modes; its
seeded random draws are ``java.util.Random`` (:mod:`vybory.rules.java_order`).
The interactive modes cannot ask anyone in a batch count: ``stopCountingAndAsk``
and ``previousRoundCountsThenAsk`` take the operator's answers written down
beforehand, either as a list (``choices``, in the order the ties come) or
keyed by pass and round (``answers``, each with the tied candidates it was
written for, so that an answer never settles another tie than its own); a
tie without its answer, an answer to another tie, and an answer no tie
needed are refused.

Identical ballots (same rankings, precinct and batch) are counted as one with a
weight: every step treats them alike, so the sums are the same.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from vybory.errors import InvalidInput
from vybory.rules.java_order import JavaRandom, hash_order, hash_set_order, string_key
from vybory.text import say

OVERVOTE = "overvote"
UWI = "Undeclared Write-ins"
ZERO = Decimal(0)
ONE = Decimal(1)
_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_DOWN)


class Status(StrEnum):
    """A ballot's state in a round, named as RCTab's summaries name it."""

    ACTIVE = "active"
    NO_RANKINGS = "didNotRankAnyCandidates"
    EXHAUSTED = "exhaustedChoices"
    OVERVOTES = "overvotes"
    SKIPPED = "skippedRankings"
    REPEATED = "repeatedRankings"
    FINAL_SURPLUS = "finalRoundSurplus"


INACTIVE = (Status.NO_RANKINGS, Status.EXHAUSTED, Status.OVERVOTES, Status.SKIPPED, Status.REPEATED)
WINNER_MODES = ("singleWinnerMajority", "multiWinnerAllowOnlyOneWinnerPerRound",
                "multiWinnerAllowMultipleWinnersPerRound", "bottomsUp", "bottomsUpUsingPercentageThreshold",
                "multiPassIrv")
TIEBREAK_MODES = ("random", "stopCountingAndAsk", "previousRoundCountsThenRandom", "previousRoundCountsThenAsk",
                  "useCandidateOrder", "generatePermutation")
OVERVOTE_RULES = ("alwaysSkipToNextRank", "exhaustImmediately", "exhaustIfMultipleContinuing")


@dataclass(frozen=True, slots=True)
class Answer:
    """The operator's answer to one tie of an interactive tiebreak: in ``round`` of pass
    ``pass_number`` (1 but with ``multiPassIrv``), among ``tied``, ``chosen`` wins
    (``winner``) or loses. ``where`` names the answer in messages (a file and line).

    Invariants: ``chosen`` is one of ``tied``; ``tied`` has two names or more, distinct.
    """

    round: int
    tied: frozenset[str]
    chosen: str
    winner: bool
    pass_number: int = 1
    where: str = ""


@dataclass(frozen=True, slots=True)
class Rules:
    """RCTab's rules of one contest (the ``rules`` of its configuration).

    Invariants: ``candidates`` are distinct and in the configuration's order
    (with :data:`UWI` last when the records may hold undeclared write-ins);
    ``excluded`` is a subset; ``decimals`` >= 0; ``winners`` >= 1 except 0
    for ``bottomsUpUsingPercentageThreshold``.
    """

    candidates: tuple[str, ...]
    winners: int = 1
    winner_mode: str = "singleWinnerMajority"
    tiebreak: str = "useCandidateOrder"
    seed: int | None = None
    overvote_rule: str = "alwaysSkipToNextRank"
    max_skipped: int | None = None
    max_rankings: int | None = None
    exhaust_on_duplicate: bool = False
    batch_elimination: bool = False
    continue_until_two: bool = False
    first_round_threshold: bool = False
    decimals: int = 4
    non_integer_threshold: bool = False
    hare_quota: bool = False
    cutoff_elimination: bool = False
    stop_after_round: int | None = None
    bottoms_up_percentage: Decimal | None = None
    excluded: frozenset[str] = frozenset()
    choices: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = ()
    answers_source: str = ""  # where the answers come from (a file), for messages
    aliases: tuple[tuple[str, str], ...] = ()  # (alias, candidate): how records may spell a candidate

    @property
    def uses_surpluses(self) -> bool:
        return self.winners > 1 and self.winner_mode != "bottomsUp"

    @property
    def needs_seed(self) -> bool:
        return self.tiebreak in ("random", "previousRoundCountsThenRandom", "generatePermutation")


@dataclass(frozen=True, slots=True)
class Cvr:
    """One cast vote record: its rankings (rank, names), the rank numbers
    ascending, each with at least one name; names are candidates, their
    aliases (``Rules.aliases``) as the file spells them, :data:`UWI` or
    :data:`OVERVOTE`."""

    rankings: tuple[tuple[int, tuple[str, ...]], ...]
    precinct: str | None = None
    batch: str | None = None


@dataclass(frozen=True, slots=True)
class TieBreak:
    """A tie settled in a round: for the win (``winner``) or for elimination.

    ``rule`` is how: ``"draw"`` (the seeded draw, or its permutation),
    ``"candidate_order"``, ``"previous_rounds"`` or ``"operator"``;
    ``how`` says it in words.
    """

    winner: bool
    candidates: tuple[str, ...]
    chosen: str
    votes: Decimal
    rule: str
    how: str


@dataclass(slots=True)
class RoundResult:
    """One round as RCTab reports it.

    ``transfers`` are the moves this round's decisions caused (they happen
    in the next round): source candidate -> target (a candidate,
    ``"exhausted"`` or ``"residual surplus"``) -> value.
    """

    number: int
    tally: dict[str, Decimal]
    inactive: dict[Status, Decimal]
    active: Decimal
    threshold: Decimal
    elected: list[str] = field(default_factory=list)
    eliminated: list[str] = field(default_factory=list)
    transfers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    residual_surplus: Decimal = ZERO
    ties: list[TieBreak] = field(default_factory=list)


# One ballot's shares in a round: (candidate, value) pairs.
Allocation = tuple[tuple[str, Decimal], ...]


@dataclass(slots=True)
class Tabulation:
    """The rounds of one tabulation, the winners in order, and per slice (a
    precinct or a batch, when asked for) the same rounds restricted to its
    ballots: ``slices[("precinct", name)]``."""

    rounds: list[RoundResult]
    winners: list[str]
    permutation: list[str] | None = None
    slices: dict[tuple[str, str], list[RoundResult]] = field(default_factory=dict)
    allocations: dict[Cvr, dict[int, Allocation]] | None = None

    def allocation(self, cvr: Cvr, number: int) -> Allocation:
        """Whom one of ``cvr``'s ballots counted for in round ``number`` and with what
        part of it (RCTab's ``cdfSnapshotData``): what it left with the winners it helped
        elect, then its current recipient with the rest; nothing once inactive. RCTab
        records it only in the rounds the ballot moved; the rounds between repeat it."""
        assert self.allocations is not None, "the count was run without allocations"
        moves = self.allocations[cvr]
        for earlier in range(number, 0, -1):
            if earlier in moves:
                return moves[earlier]
        raise InvalidInput(say("a record counted for no one in round 1"), field="cvr")

    @property
    def precincts(self) -> dict[str, list[RoundResult]]:
        return {name: rounds for (kind, name), rounds in self.slices.items() if kind == "precinct"}

    @property
    def batches(self) -> dict[str, list[RoundResult]]:
        return {name: rounds for (kind, name), rounds in self.slices.items() if kind == "batch"}


def _div(a: Decimal, b: Decimal, scale: int) -> Decimal:
    """``a.divide(b, scale, RoundingMode.DOWN)``."""
    q = _CONTEXT.divide(a, b)
    return q.quantize(Decimal(1).scaleb(-scale), rounding=decimal.ROUND_DOWN, context=_CONTEXT)


def _scale(value: Decimal, scale: int, rounding: str = decimal.ROUND_DOWN) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-scale), rounding=rounding, context=_CONTEXT)


class _Group:
    """Identical cast vote records counted together (``count`` of them)."""

    __slots__ = ("allocated", "batch", "count", "last_rank", "moves", "precinct", "rankings", "recipient", "slices",
                 "status")

    def __init__(self, cvr: Cvr, count: int) -> None:
        self.rankings = cvr.rankings
        self.precinct = cvr.precinct
        self.batch = cvr.batch
        self.slices: tuple[tuple[str, str], ...] = ()
        self.count = Decimal(count)
        self.recipient: str | None = None
        self.status = Status.ACTIVE
        self.allocated: dict[str, Decimal] = {}
        self.last_rank = cvr.rankings[-1][0] if cvr.rankings else 0
        self.moves: dict[int, Allocation] | None = None

    def value(self) -> Decimal:
        """The fractional transfer value of one of these ballots (``getFractionalTransferValue``)."""
        remaining = ONE
        for v in self.allocated.values():
            remaining = _CONTEXT.subtract(remaining, v)
        return remaining


class _Tally:
    """A ``RoundTally``: candidates' votes and the ballots by status."""

    __slots__ = ("statuses", "votes")

    def __init__(self, candidates: Iterable[str]) -> None:
        self.votes: dict[str, Decimal] = {c: ZERO for c in candidates}
        self.statuses: dict[Status, Decimal] = {s: ZERO for s in Status}

    def add(self, candidate: str, value: Decimal) -> None:
        self.statuses[Status.ACTIVE] = _CONTEXT.add(self.statuses[Status.ACTIVE], value)
        self.votes[candidate] = _CONTEXT.add(self.votes[candidate], value)

    def add_status(self, status: Status, value: Decimal) -> None:
        self.statuses[status] = _CONTEXT.add(self.statuses[status], value)

    @property
    def active(self) -> Decimal:
        total = ZERO
        for status, value in self.statuses.items():
            if status not in INACTIVE:
                total = _CONTEXT.add(total, value)
        return total


class _Tabulator:
    def __init__(self, rules: Rules, groups: list[_Group], *, slices: tuple[str, ...],
                 allocations: bool = False, operator: _Operator | None = None, pass_number: int = 1) -> None:
        self.rules = rules
        self.operator = operator if operator is not None else _Operator(rules)
        self.pass_number = pass_number
        self.aliases = dict(rules.aliases)
        self.groups = groups
        self.keep_allocations = allocations
        if allocations:
            for g in groups:
                g.moves = {}
        self.round = 0
        self.winner_round: dict[str, int] = {}
        self.eliminated_round: dict[str, int] = {}
        self.tallies: dict[int, _Tally] = {}
        self.thresholds: dict[int, Decimal] = {}
        self.results: list[RoundResult] = []
        self.transfers: dict[int, dict[str, dict[str, Decimal]]] = {}
        self.residual: dict[int, Decimal] = {}
        self.random: JavaRandom | None = None
        # RCTab keeps its candidates in a HashSet and its tallies in HashMaps:
        # the order it walks them in is theirs, reproduced here.
        self.names = hash_order(rules.candidates)
        self.permutation = [c for c in rules.candidates if c != UWI]
        # the slices (precincts, batches) each group's ballots are also tallied in
        for g in groups:
            g.slices = tuple((kind, name) for kind, name in (("precinct", g.precinct), ("batch", g.batch))
                             if kind in slices and name is not None)
        self.slice_tallies: dict[tuple[str, str], dict[int, _Tally]] = {}
        self.slice_transfers: dict[tuple[str, str], dict[int, dict[str, dict[str, Decimal]]]] = {}
        self.slice_keys = sorted({key for g in groups for key in g.slices})

    # --- candidates -------------------------------------------------------------------------

    def continuing(self, candidate: str) -> bool:
        if candidate in self.rules.excluded or candidate == OVERVOTE:
            return False
        if candidate in self.winner_round:
            return self.rules.continue_until_two
        return candidate not in self.eliminated_round

    @property
    def num_candidates(self) -> int:
        return len(self.rules.candidates) - len(self.rules.excluded)

    @property
    def num_declared(self) -> int:
        return len(self.rules.candidates) - (1 if UWI in self.rules.candidates else 0)

    # --- the count ----------------------------------------------------------------------------

    def run(self) -> Tabulation:
        rules = self.rules
        if rules.needs_seed:
            if rules.seed is None:
                raise InvalidInput(say("tiebreakMode %(mode)s draws at random: give a randomSeed", mode=repr(rules.tiebreak)),
                                   field="rules.randomSeed")
            self.random = JavaRandom(rules.seed)
            if rules.tiebreak == "generatePermutation":
                self.permutation.sort()
                self.random.shuffle(self.permutation)
        while self.should_continue():
            self.round += 1
            tally = self.count_round()
            self.tallies[self.round] = tally
            self.residual[self.round] = ZERO if self.round == 1 else self.residual[self.round - 1]
            if self.recompute_threshold():
                self.thresholds[self.round] = self.threshold(tally)
            else:
                self.thresholds[self.round] = self.thresholds[self.round - 1]
            result = RoundResult(self.round, {}, {}, tally.active, self.thresholds[self.round])
            self.results.append(result)
            by_votes = self.by_votes(tally.votes, self.names_in(tally))
            winners = self.identify_winners(tally, by_votes, result)
            if winners:
                for w in winners:
                    self.winner_round[w] = self.round
                result.elected = winners
                if rules.uses_surpluses:
                    for w in winners:
                        votes = tally.votes[w]
                        extra = _CONTEXT.subtract(votes, self.thresholds[self.round])
                        fraction = _div(extra, votes, rules.decimals) if extra > 0 else ZERO
                        for g in self.groups:
                            if g.recipient == w:
                                value = g.value()
                                moved = _scale(_CONTEXT.multiply(value, fraction), rules.decimals)
                                g.allocated[w] = _CONTEXT.subtract(value, moved)
            elif (len(self.winner_round) < rules.winners
                  or (rules.continue_until_two and len(self.eliminated_round) < self.num_candidates - 2)
                  or rules.winner_mode == "bottomsUpUsingPercentageThreshold"):
                eliminated = (self.drop_write_ins(tally) or self.cutoff(tally) or self.batch(by_votes)
                              or self.lowest(by_votes, result))
                if not eliminated:
                    raise InvalidInput(say("no candidate can be eliminated"), field="rules")
                for c in eliminated:
                    self.eliminated_round[c] = self.round
                result.eliminated = eliminated
            if rules.winners > 1:
                self.update_winner_tallies()
        for r in self.results:
            tally = self.tallies[r.number]
            r.tally = {c: tally.votes[c] for c in self.names_in(tally)}
            r.inactive = dict(tally.statuses)
            r.transfers = self.transfers.get(r.number + 1, {})
            r.residual_surplus = self.residual[r.number]
        sliced = {}
        for p in self.slice_keys:
            sliced[p] = [
                RoundResult(r.number, {c: self.slice_tallies[p][r.number].votes[c]
                                       for c in self.names_in(self.slice_tallies[p][r.number])},
                            dict(self.slice_tallies[p][r.number].statuses), self.slice_tallies[p][r.number].active,
                            r.threshold, list(r.elected), list(r.eliminated),
                            self.slice_transfers[p].get(r.number + 1, {}), ZERO, [])
                for r in self.results]
        order = sorted(self.winner_round, key=lambda w: (self.winner_round[w], self.elected_order(w)))
        allocations = None
        if self.keep_allocations:
            allocations = {Cvr(g.rankings, g.precinct, g.batch): g.moves for g in self.groups
                           if g.moves is not None}
        return Tabulation(self.results, order,
                          self.permutation if rules.tiebreak == "generatePermutation" else None, sliced,
                          allocations)

    def elected_order(self, winner: str) -> int:
        return self.results[self.winner_round[winner] - 1].elected.index(winner)

    def names_in(self, tally: _Tally) -> list[str]:
        """The tally's candidates in the order RCTab's HashMap gives them."""
        return [c for c in hash_order(tally.votes) if c in tally.votes]

    def should_continue(self) -> bool:
        rules = self.rules
        if rules.stop_after_round is not None and self.round >= rules.stop_after_round:
            return False
        if len(self.winner_round) == self.num_declared and rules.winners > self.num_candidates:
            return False
        if rules.continue_until_two:
            return (len(self.eliminated_round) + len(self.winner_round) + 1 < self.num_candidates
                    or self.round in self.eliminated_round.values())
        if rules.winner_mode == "bottomsUpUsingPercentageThreshold":
            return not self.winner_round
        return (len(self.winner_round) < rules.winners
                or (rules.uses_surpluses and self.round in self.winner_round.values()))

    def recompute_threshold(self) -> bool:
        if self.rules.winners > 1:
            return self.round == 1
        if self.round == 1:
            return True
        if self.rules.first_round_threshold:
            return False
        if self.rules.continue_until_two:
            return not self.winner_round
        return True

    def threshold(self, tally: _Tally) -> Decimal:
        rules = self.rules
        active = tally.active
        if rules.winner_mode == "bottomsUpUsingPercentageThreshold":
            assert rules.bottoms_up_percentage is not None
            return _CONTEXT.multiply(active, rules.bottoms_up_percentage)
        decimals = rules.decimals if rules.non_integer_threshold else 0
        if rules.hare_quota:
            return _scale(_CONTEXT.divide(active, Decimal(rules.winners)), decimals, decimal.ROUND_UP)
        augend = Decimal(1).scaleb(-decimals) if decimals else ONE
        return _CONTEXT.add(_div(active, Decimal(rules.winners + 1), decimals), augend)

    @staticmethod
    def by_votes(votes: Mapping[str, Decimal], names: Iterable[str]) -> list[tuple[Decimal, list[str]]]:
        """``buildTallyToCandidates``: vote totals ascending, each with its candidates in walk order."""
        groups: dict[Decimal, list[str]] = {}
        for c in names:
            groups.setdefault(votes[c], []).append(c)
        return sorted(groups.items())

    # --- one round's ballots ------------------------------------------------------------------

    def count_round(self) -> _Tally:
        rules = self.rules
        continuing = [c for c in self.names if self.continuing(c)]
        tally = _Tally(continuing)
        slices: dict[tuple[str, str], _Tally] = {p: _Tally(continuing) for p in self.slice_keys}
        transfers = self.transfers.setdefault(self.round, {})
        alive = {c for c in continuing}
        aliases = self.aliases
        all_filled = rules.uses_surpluses and len(self.winner_round) == rules.winners
        skip_limit = None if rules.max_skipped is None else rules.max_skipped + 1
        for g in self.groups:
            value = g.value() if g.allocated else ONE
            weight = _CONTEXT.multiply(value, g.count)
            parts = [slices[key] for key in g.slices]
            if g.status is not Status.ACTIVE:
                tally.add_status(g.status, weight)
                for part in parts:
                    part.add_status(g.status, weight)
                continue
            if g.recipient is not None and g.recipient in alive:
                tally.add(g.recipient, weight)
                for part in parts:
                    part.add(g.recipient, weight)
                continue
            target: str | None = None
            status = Status.ACTIVE
            if not g.rankings:
                status = Status.NO_RANKINGS
            last_seen = 0
            seen: set[str] = set()
            decided = status is not Status.ACTIVE
            for rank, names in g.rankings:
                if all_filled:
                    status, decided = Status.FINAL_SURPLUS, True
                    break
                if skip_limit is not None and rank - last_seen > skip_limit:
                    status, decided = Status.SKIPPED, True
                    break
                last_seen = rank
                if rules.exhaust_on_duplicate:
                    duplicate = False
                    for c in names:
                        if c in seen:
                            duplicate = True
                            break
                        seen.add(c)
                    if duplicate:
                        status, decided = Status.REPEATED, True
                        break
                decision = self.overvote(names, alive)
                if decision == "exhaust":
                    status, decided = Status.OVERVOTES, True
                    break
                if decision == "skip":
                    if rank == g.last_rank:
                        status, decided = Status.EXHAUSTED, True
                    continue
                for c in names:
                    # getNameForCandidate: the spelling read as its candidate
                    c = aliases.get(c, c)
                    if c in alive:
                        target = c
                        break
                if target is not None:
                    decided = True
                    break
                if rank == g.last_rank:
                    status, decided = Status.EXHAUSTED, True
            if not decided:
                continue
            if value > 0:
                source = g.recipient if g.recipient is not None else "uncounted"
                to = target if target is not None else "exhausted"
                row = transfers.setdefault(source, {})
                row[to] = _CONTEXT.add(row.get(to, ZERO), weight)
                for key in g.slices:
                    prow = self.slice_transfers.setdefault(key, {}).setdefault(self.round, {}).setdefault(source, {})
                    prow[to] = _CONTEXT.add(prow.get(to, ZERO), weight)
            g.recipient = target
            if g.moves is not None:
                # recordSelectionForCastVoteRecord -> logCdfSnapshotData
                shares = tuple(g.allocated.items())
                g.moves[self.round] = shares + ((target, value),) if target is not None else shares
            if target is None:
                g.status = status
                tally.add_status(status, weight)
                for part in parts:
                    part.add_status(status, weight)
            else:
                tally.add(target, weight)
                for part in parts:
                    part.add(target, weight)
        for p, t in slices.items():
            self.slice_tallies.setdefault(p, {})[self.round] = t
        return tally

    def overvote(self, names: Sequence[str], alive: set[str]) -> str:
        rule = self.rules.overvote_rule
        if OVERVOTE in names:
            if len(names) != 1:
                raise InvalidInput(say("a ranking holds the overvote label beside candidates"), field="cvr")
            if rule == "exhaustIfMultipleContinuing":
                raise InvalidInput(say("exhaustIfMultipleContinuing cannot read records that only say 'overvote'"),
                                   field="rules.overvoteRule")
            return "exhaust" if rule == "exhaustImmediately" else "skip"
        if len(names) <= 1:
            return "none"
        if rule == "exhaustImmediately":
            return "exhaust"
        if rule == "alwaysSkipToNextRank":
            return "skip"
        found = 0
        for c in names:
            # RCTab asks isCandidateContinuing of the name as the record spells it: an alias
            # is never excluded, elected or eliminated, so it always counts as continuing
            if c in alive or c in self.aliases:
                found += 1
                if found == 2:
                    return "exhaust"
        return "none"

    # --- winners ------------------------------------------------------------------------------

    def identify_winners(self, tally: _Tally, by_votes: list[tuple[Decimal, list[str]]],
                         result: RoundResult) -> list[str]:
        rules = self.rules
        if tally.votes.get(UWI, ZERO) != 0:
            return []
        threshold = self.thresholds[self.round]
        names = self.names_in(tally)
        if rules.winner_mode == "bottomsUpUsingPercentageThreshold":
            if sum(1 for c in names if tally.votes[c] > threshold) == len(names):
                return names
            return []
        selected: list[str] = []
        unfilled = rules.winners - len(self.winner_round)
        if unfilled > 0:
            if len(names) <= unfilled:
                selected = list(names)
            elif rules.first_round_threshold and len(names) - 1 == rules.winners:
                selected = list(by_votes[-1][1])
            elif rules.winner_mode != "bottomsUp":
                for votes, cands in by_votes:
                    if votes >= threshold:
                        selected += [c for c in cands if c != UWI]
        several = len(selected) > 1 and (rules.winner_mode == "multiWinnerAllowOnlyOneWinnerPerRound"
                                         or rules.first_round_threshold)
        none = rules.winners == 1 and not selected and len(names) == 2 and unfilled == 1
        if several or none:
            votes, top = by_votes[-1]
            if len(top) > 1:
                winner = self.tiebreak(True, list(top), votes, result)
                return [winner]
            return list(top)
        return selected

    # --- eliminations -------------------------------------------------------------------------

    def drop_write_ins(self, tally: _Tally) -> list[str]:
        return [UWI] if tally.votes.get(UWI, ZERO) > 0 else []

    def cutoff(self, tally: _Tally) -> list[str]:
        if not self.rules.cutoff_elimination:
            return []
        threshold = self.thresholds[self.round]
        return [c for c in self.names_in(tally) if tally.votes[c] < threshold]

    def batch(self, by_votes: list[tuple[Decimal, list[str]]]) -> list[str]:
        rules = self.rules
        if not rules.batch_elimination:
            return []
        running = ZERO
        seen: list[str] = []
        out: list[str] = []
        eliminations: list[str] = []
        previous: list[str] = []
        for votes, cands in by_votes:
            new = list(eliminations)
            if running < votes:
                for c in seen:
                    if c not in out:
                        out.append(c)
                        new.append(c)
            running = _CONTEXT.add(running, _scale(_CONTEXT.multiply(votes, Decimal(len(cands))),
                                                   rules.decimals))
            seen += cands
            if len(new) > len(eliminations):
                previous, eliminations = eliminations, new
        if rules.continue_until_two and len(eliminations) + len(self.eliminated_round) == self.num_candidates - 1:
            eliminations = previous
        return eliminations if len(eliminations) > 1 else []

    def lowest(self, by_votes: list[tuple[Decimal, list[str]]], result: RoundResult) -> list[str]:
        votes, last = by_votes[0]
        if len(last) > 1:
            return [self.tiebreak(False, list(last), votes, result)]
        return [last[0]]

    # --- ties ---------------------------------------------------------------------------------

    def tiebreak(self, winner: bool, tied: list[str], votes: Decimal, result: RoundResult) -> str:
        tied.sort(key=string_key)
        mode = self.rules.tiebreak
        if mode == "stopCountingAndAsk":
            chosen, where = self.ask(tied, winner)
            rule, how = "operator", f"chosen by the operator ({where})"
        elif mode == "random":
            chosen, rule, how = self.draw(tied), "draw", "drawn at random"
        elif mode in ("generatePermutation", "useCandidateOrder"):
            order = self.permutation if winner else list(reversed(self.permutation))
            chosen = next(c for c in order if c in tied)
            rule = "draw" if mode == "generatePermutation" else "candidate_order"
            how = (f"{'earliest' if winner else 'latest'} in the "
                   f"{'drawn permutation' if mode == 'generatePermutation' else 'candidate order'}")
        else:
            chosen, rule, how = self.previous_rounds(winner, tied)
        result.ties.append(TieBreak(winner, tuple(tied), chosen, votes, rule, how))
        return chosen

    def draw(self, candidates: list[str]) -> str:
        assert self.random is not None
        index = int(self.random.next_double() * len(candidates))
        return candidates[index]

    def ask(self, candidates: list[str], winner: bool) -> tuple[str, str]:
        """The operator's answer to a tie, and where it was given."""
        return self.operator.answer(self.pass_number, self.round, candidates, winner,
                                    several=self.rules.winner_mode == "multiPassIrv")

    def previous_rounds(self, winner: bool, tied: list[str]) -> tuple[str, str, str]:
        contention = tied
        for earlier in range(self.round - 1, 0, -1):
            tally = self.tallies[earlier]
            groups = self.by_votes(tally.votes, hash_set_order(contention))
            votes, contention = groups[-1] if winner else groups[0]
            if len(contention) == 1:
                return (contention[0], "previous_rounds",
                        f"{'most' if winner else 'fewest'} votes ({votes}) in round {earlier}")
        if self.rules.tiebreak == "previousRoundCountsThenAsk":
            chosen, where = self.ask(contention, winner)
            return chosen, "operator", f"still tied in every earlier round; chosen by the operator ({where})"
        return self.draw(contention), "draw", "still tied in every earlier round; drawn at random"

    # --- surpluses ----------------------------------------------------------------------------

    def update_winner_tallies(self) -> None:
        tally = self.tallies[self.round]
        previous = self.tallies.get(self.round - 1)
        earlier = [w for w, r in self.winner_round.items() if r != self.round]
        fresh = {w for w, r in self.winner_round.items() if r == self.round - 1}
        for w in earlier:
            tally.votes[w] = ZERO if w in fresh else previous.votes[w]  # type: ignore[union-attr]
            for parts in self.slice_tallies.values():
                parts[self.round].votes[w] = ZERO if w in fresh else parts[self.round - 1].votes[w]
        if not fresh:
            return
        for g in self.groups:
            for w, kept in g.allocated.items():
                if w in fresh:
                    weight = _CONTEXT.multiply(kept, g.count)
                    tally.votes[w] = _CONTEXT.add(tally.votes[w], weight)
                    for key in g.slices:
                        part = self.slice_tallies[key][self.round]
                        part.votes[w] = _CONTEXT.add(part.votes[w], weight)
        threshold = self.thresholds[self.round]
        for w in fresh:
            residual = _CONTEXT.subtract(tally.votes[w], threshold)
            if residual > 0:
                self.residual[self.round] = _CONTEXT.add(self.residual[self.round], residual)
                tally.votes[w] = threshold
                row = self.transfers.setdefault(self.round, {}).setdefault(w, {})
                row["residual surplus"] = _CONTEXT.add(row.get("residual surplus", ZERO), residual)


class _Operator:
    """The answers of an interactive tiebreak (``stopCountingAndAsk``,
    ``previousRoundCountsThenAsk``), written down beforehand: ``rules.choices`` in the
    order the ties come, or ``rules.answers`` keyed by pass and round. Shared by the
    passes of one count; :meth:`finish` refuses answers that no tie needed."""

    def __init__(self, rules: Rules) -> None:
        self.choices = list(rules.choices)
        self.given = len(rules.choices)
        self.keyed = {(a.pass_number, a.round): a for a in rules.answers}
        self.source = rules.answers_source or "--tiebreak-answers"
        self.used: set[tuple[int, int]] = set()
        self.asked: list[str] = []

    def answer(self, pass_number: int, round_number: int, tied: list[str], winner: bool, *,
               several: bool) -> tuple[str, str]:
        where = (say("pass %(number)s, round %(round)s", number=pass_number, round=round_number) if several
                 else say("round %(round)s", round=round_number))
        self.asked.append(where)
        names = ", ".join(tied)
        if self.keyed:
            return self._keyed(pass_number, round_number, tied, winner, where, several)
        if not self.choices:
            raise InvalidInput(say("%(where)s: a tie between %(candidates)s needs the operator's choice of "
                                   "who wins (give it with --choice or --tiebreak-answers)",
                                   where=where, candidates=names)
                               if winner else
                               say("%(where)s: a tie between %(candidates)s needs the operator's choice of "
                                   "who loses (give it with --choice or --tiebreak-answers)",
                                   where=where, candidates=names),
                               field="rules.tiebreakMode")
        chosen = self.choices.pop(0)
        if chosen not in tied:
            raise InvalidInput(say("%(where)s: %(chosen)s is not one of the tied candidates (%(candidates)s)",
                                   where=where, chosen=repr(chosen), candidates=names),
                               field="--choice")
        return chosen, say("--choice %(number)s", number=self.given - len(self.choices))

    def _keyed(self, pass_number: int, round_number: int, tied: list[str], winner: bool, where: str,
               several: bool) -> tuple[str, str]:
        given = self.keyed.get((pass_number, round_number))
        if given is None:
            line = {"round": round_number, "tied": tied, "wins" if winner else "loses": "?"}
            if several:
                line = {"pass": pass_number, **line}
            raise InvalidInput(say("%(where)s: a tie between %(candidates)s needs the operator's answer, and "
                                   "the answers have none for it: add the line %(line)s with the candidate "
                                   "who %(decides)s", where=where, candidates=", ".join(tied),
                                   line=json.dumps(line, ensure_ascii=False),
                                   decides=say("wins") if winner else say("loses")),
                               field=self.source)
        if given.tied != frozenset(tied):
            raise InvalidInput(say("answers the tie between %(listed)s, but the tie in %(where)s is between "
                                   "%(candidates)s", listed=", ".join(sorted(given.tied)), where=where,
                                   candidates=", ".join(tied)), field=given.where)
        if given.winner != winner:
            raise InvalidInput(say("says who wins, but the tie in %(where)s decides who loses", where=where)
                               if not winner else
                               say("says who loses, but the tie in %(where)s decides who wins", where=where),
                               field=given.where)
        self.used.add((pass_number, round_number))
        return given.chosen, given.where

    def finish(self) -> None:
        """Refuses answers that no tie needed: they were written for another count."""
        met = "; ".join(self.asked) or say("none")
        if self.choices:
            raise InvalidInput(say("%(count)s of the answers were not needed (the ties that asked: %(met)s)",
                                   count=len(self.choices), met=met), field="--choice")
        for key, given in self.keyed.items():
            if key not in self.used:
                raise InvalidInput(say("no tie needed this answer (the ties that asked: %(met)s)", met=met),
                                   field=given.where)


def group_cvrs(cvrs: Iterable[Cvr]) -> list[_Group]:
    """Identical records (rankings, precinct and batch) as one weighted group, in first-seen order.

    Readers hand out one object for rows they saw alike, so records are first counted by
    object (an integer key, no hashing of the rankings), and only the distinct objects are
    then merged by value: the groups are the same as counting by value alone."""
    by_object: dict[int, list[Any]] = {}
    for cvr in cvrs:
        entry = by_object.get(id(cvr))
        if entry is None:
            # the entry keeps the object alive, so its id cannot be reused meanwhile
            by_object[id(cvr)] = [cvr, 1]
        else:
            entry[1] += 1
    counts: dict[Cvr, int] = {}
    for cvr, n in by_object.values():
        counts[cvr] = counts.get(cvr, 0) + n
    return [_Group(cvr, n) for cvr, n in counts.items()]


def check_rules(rules: Rules) -> None:
    """RCTab's validation of the rules that the count depends on (``ContestConfig.validateRules``)."""
    if rules.winner_mode not in WINNER_MODES:
        raise InvalidInput(say("%(value)s is not one of %(allowed)s", value=repr(rules.winner_mode),
                               allowed=", ".join(WINNER_MODES)),
                           field="rules.winnerElectionMode")
    if rules.tiebreak not in TIEBREAK_MODES:
        raise InvalidInput(say("%(value)s is not one of %(allowed)s", value=repr(rules.tiebreak),
                               allowed=", ".join(TIEBREAK_MODES)), field="rules.tiebreakMode")
    if rules.overvote_rule not in OVERVOTE_RULES:
        raise InvalidInput(say("%(value)s is not one of %(allowed)s", value=repr(rules.overvote_rule),
                               allowed=", ".join(OVERVOTE_RULES)),
                           field="rules.overvoteRule")
    if rules.needs_seed and rules.seed is None:
        raise InvalidInput(say("tiebreakMode %(mode)s draws at random: give a randomSeed", mode=repr(rules.tiebreak)),
                           field="rules.randomSeed")
    declared = [c for c in rules.candidates if c != UWI]
    if not declared:
        raise InvalidInput(say("the contest has no candidates"), field="candidates")
    if all(c in rules.excluded for c in declared):
        raise InvalidInput(say("every candidate is excluded"), field="candidates")
    mode = rules.winner_mode
    if rules.winners == 0:
        if mode != "bottomsUpUsingPercentageThreshold":
            raise InvalidInput(say("numberOfWinners 0 needs winnerElectionMode "
                                   "'bottomsUpUsingPercentageThreshold', not %(mode)s", mode=repr(mode)),
                               field="rules.numberOfWinners")
        if rules.bottoms_up_percentage is None:
            raise InvalidInput(say("bottomsUpUsingPercentageThreshold needs a percentage from 1 to 100"),
                               field="rules.multiSeatBottomsUpPercentageThreshold")
    elif mode == "bottomsUpUsingPercentageThreshold":
        raise InvalidInput(say("numberOfWinners must be 0 with bottomsUpUsingPercentageThreshold"),
                           field="rules.numberOfWinners")
    elif rules.winners > 1:
        if mode != "multiPassIrv" and rules.continue_until_two:
            raise InvalidInput(say("continueUntilTwoCandidatesRemain needs one seat or multiPassIrv"),
                               field="rules.continueUntilTwoCandidatesRemain")
        if mode != "multiPassIrv" and rules.batch_elimination:
            raise InvalidInput(say("batchElimination needs one seat or multiPassIrv"), field="rules.batchElimination")
        if rules.first_round_threshold:
            raise InvalidInput(say("doesFirstRoundDetermineThreshold needs one seat"),
                               field="rules.doesFirstRoundDetermineThreshold")
    elif mode != "singleWinnerMajority":
        raise InvalidInput(say("winnerElectionMode %(mode)s cannot fill one seat (use singleWinnerMajority)",
                               mode=repr(mode)),
                           field="rules.winnerElectionMode")
    if mode == "bottomsUpUsingPercentageThreshold" and rules.batch_elimination:
        raise InvalidInput(say("batchElimination cannot be used with bottomsUpUsingPercentageThreshold"),
                           field="rules.batchElimination")
    if mode not in ("multiWinnerAllowOnlyOneWinnerPerRound", "multiWinnerAllowMultipleWinnersPerRound"):
        if rules.non_integer_threshold:
            raise InvalidInput(say("nonIntegerWinningThreshold cannot be used with %(mode)s", mode=repr(mode)),
                               field="rules.nonIntegerWinningThreshold")
        if rules.hare_quota:
            raise InvalidInput(say("hareQuota cannot be used with %(mode)s", mode=repr(mode)), field="rules.hareQuota")
    if rules.non_integer_threshold and rules.hare_quota:
        raise InvalidInput(say("nonIntegerWinningThreshold and hareQuota exclude each other"), field="rules.hareQuota")


def tabulate(rules: Rules, cvrs: Iterable[Cvr], *, by_precinct: bool = False,
             by_batch: bool = False, allocations: bool = False) -> list[Tabulation]:
    """Counts the records under ``rules``: one tabulation, or one per seat with ``multiPassIrv``
    (each pass a single-winner count with the earlier passes' winners excluded); with
    ``by_precinct`` and ``by_batch``, the rounds of each precinct's and batch's ballots too;
    with ``allocations``, whom each distinct record counted for in each round
    (:meth:`Tabulation.allocation`)."""
    check_rules(rules)
    kinds = tuple(k for k, on in (("precinct", by_precinct), ("batch", by_batch)) if on)
    groups = group_cvrs(cvrs)
    known = set(rules.candidates) | {OVERVOTE} | {alias for alias, _ in rules.aliases}
    for g in groups:
        for _, names in g.rankings:
            for n in names:
                if n not in known:
                    raise InvalidInput(say("%(name)s is not a candidate of the contest", name=repr(n)), field="cvr")
        if rules.max_rankings is not None and g.last_rank > rules.max_rankings:
            raise InvalidInput(say("a record has a ranking %(rank)s, but maxRankingsAllowed is %(most)s",
                                   rank=g.last_rank, most=rules.max_rankings), field="rules.maxRankingsAllowed")
    operator = _Operator(rules)
    if rules.winner_mode != "multiPassIrv":
        tabulation = _Tabulator(rules, groups, slices=kinds, allocations=allocations, operator=operator).run()
        operator.finish()
        return [tabulation]
    passes: list[Tabulation] = []
    winners: list[str] = []
    while len(winners) < rules.winners:
        single = Rules(**{**{f: getattr(rules, f) for f in Rules.__dataclass_fields__},
                          "winners": 1, "excluded": rules.excluded | frozenset(winners)})
        fresh = [_Group(Cvr(g.rankings, g.precinct, g.batch), int(g.count)) for g in groups]
        result = _Tabulator(single, fresh, slices=kinds, allocations=allocations, operator=operator,
                            pass_number=len(passes) + 1).run()
        if len(result.winners) != 1:
            raise InvalidInput(say("pass %(number)s found %(found)s winners, not one", number=len(winners) + 1,
                                   found=len(result.winners)),
                               field="rules.winnerElectionMode")
        winners.append(result.winners[0])
        passes.append(result)
    operator.finish()
    return passes
