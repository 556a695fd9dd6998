"""The Irish Dáil count: whole papers, a surplus from the last parcel received.

The Electoral Act 1992, Part XIX (sections 118 to 126), as amended by the
Electoral (Amendment) Act 2001 (s. 31, new s. 124(1A)), applied as below
(section numbers in the comments):

* s. 118 -- A paper is non-transferable once its next preference is two
  candidates marked alike, or does not follow consecutively (see
  :func:`vybory.rules.ranked.papers`). "Continuing candidate": neither deemed
  elected nor excluded.
* s. 120 -- **Quota**: valid papers divided by one more than the seats,
  fractions disregarded, plus one. A candidate who has the quota at the end
  of a count is deemed elected.
* s. 121 -- **Surplus.** The largest surplus first (equal surpluses: the
  candidate with more votes at the first count at which they were unequal;
  else by lot). If the candidate's votes are all original (first count)
  votes, all their papers are examined; otherwise only the sub-parcel last
  received. The examined papers are sorted into sub-parcels by next
  available preference for a continuing candidate. If the surplus is at
  least the number of transferable papers, every transferable paper is
  transferred (the rest of the surplus is lost as non-transferable);
  otherwise each sub-parcel gives ``surplus x its papers / transferable
  papers`` papers, fractions disregarded, and the papers still owed go, one
  each, to the sub-parcels with the largest fractions (equal fractions: by
  lot). A surplus is not transferred while it, with every other surplus not
  transferred, is less than the difference between the two lowest
  continuing candidates (it could not save the lowest); the rule about
  recovering deposits is left out, as deposits are not part of this system.
* s. 122 -- **Exclusion.** With no surplus to transfer, the lowest
  continuing candidate is excluded (equal lowest: the one with fewer votes
  at the first count at which they were unequal; else by lot), and every
  paper of theirs is transferred, whole, to its next available preference,
  in one count. Two or more lowest candidates are excluded together when
  their votes with every surplus not transferred are fewer than the votes
  of the next candidate up (``multiple_exclusion``).
* s. 124 -- **Last vacancies.** Continuing candidates as many as the
  vacancies left are deemed elected (124(1)); when they are one more than
  the vacancies and the lowest, with every surplus not transferred, has
  fewer votes than the next, all but the lowest are deemed elected
  (124(1A)); when one vacancy is left and a candidate has more votes than
  all the other continuing candidates together with every surplus not
  transferred, that candidate is deemed elected (124(2)).

**Which papers are transferred.** The Act transfers the papers last filed in
each sub-parcel, so a real count depends on how the papers happened to be
stacked. Here the papers are drawn by a published, seeded choice: every
paper in a sub-parcel gets the key ``SHA-256("VYBORY-V1-IRISH-DRAW" || seed
|| count || candidate || preferences || j)`` (each part length-prefixed as in
:mod:`vybory.rules.ties`; ``count`` the count number in decimal ASCII,
``candidate`` the transferring candidate's name, ``preferences`` the names on
the paper from first to last, each length-prefixed, ``j`` the paper's index,
from 0, among identical papers in the sub-parcel, in decimal ASCII), and the
papers with the smallest keys are transferred. Identical papers are
interchangeable, so the draw does not depend on the order of the input.
Ties decided "by lot" use the seeded draw of :mod:`vybory.rules.ties`.

Counts are whole numbers of papers (ballot weights must be whole numbers).
Each count of the outcome is one step: the first count, one surplus, or one
exclusion (of one or more candidates).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable

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
from vybory.rules.ranked import candidate_numbers, group_ballots, integer_weights, papers
from vybory.rules.stv_common import (
    WITHDRAWN,
    next_holder,
    order_by_votes,
    pick_by_votes,
    record_stage,
    stv_outcome,
)
from vybory.rules.ties import TieBreaker

METHOD = "stv-irish"
DRAW_TAG = b"VYBORY-V1-IRISH-DRAW"

OPTIONS: dict[str, Option] = {
    "withdrawn": WITHDRAWN,
    "multiple_exclusion": (bool, True,
                           ("exclude the lowest candidates together when they could not overtake the "
                            "next one up (s. 122)")),
    "defer_surplus": (bool, True,
                      "do not transfer surpluses that could not save the lowest candidate (s. 121)"),
}

# A bundle of identical papers: (preferences, position of the holder, number of papers).
Bundle = tuple[tuple[int, ...], int, int]


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def count(contest: Contest, *, ballots: Iterable[RankedBallot] | None = None,
          totals: Totals | None = None) -> Outcome:
    """Counts one contest under the Irish rules (see the module docstring)."""
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD, totals_allowed=False)
    withdrawn = candidate_numbers(contest, options["withdrawn"], option="withdrawn")
    profile = group_ballots(contest, ballots or ())
    integer_weights(profile, METHOD)
    grouped, unusable = papers(profile, withdrawn)
    return _IrishCount(contest, options, profile, grouped, unusable, withdrawn).run()


class _IrishCount:
    def __init__(self, contest, options, profile, grouped, unusable, withdrawn) -> None:
        self.contest = contest
        self.options = options
        self.profile = profile
        self.names = profile.names
        n = len(self.names)
        self.seats = contest.seats
        self.seed = contest.seed.encode() if isinstance(contest.seed, str) else bytes(contest.seed)
        gone = set(withdrawn)
        self.standing = [c for c in range(n) if c not in gone]
        self.continuing = [c not in gone for c in range(n)]
        self.unusable = unusable
        self.valid = int(sum(grouped.values()))
        # [s. 120] quota: valid papers / (seats + 1), fractions disregarded, plus one.
        self.quota = self.valid // (self.seats + 1) + 1
        self.votes = [0] * n
        # Each candidate's parcels, in the order received: [count number, bundles].
        self.parcels: list[list[tuple[int, list[Bundle]]]] = [[] for _ in range(n)]
        for prefs, w in grouped.items():
            c = prefs[0]
            if not self.parcels[c]:
                self.parcels[c].append((1, []))
            self.parcels[c][0][1].append((prefs, 0, int(w)))
            self.votes[c] += int(w)
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []
        self.non_transferable = 0
        self.rounds: list[Round] = []
        self.tb = TieBreaker(self.seed, previous_rounds="earliest_first")

    # -- helpers --------------------------------------------------------------------------------
    def live(self) -> list[int]:
        return [c for c in self.standing if self.continuing[c]]

    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def untransferred(self) -> int:
        return sum(self.votes[c] - self.quota for c in self.pending)

    def sort_papers(self, bundles: list[Bundle]) -> tuple[dict[int, list[Bundle]], int]:
        """Sub-parcels by next available preference, and the non-transferable papers."""
        sub: dict[int, list[Bundle]] = {}
        nt = 0
        for prefs, pos, k in bundles:
            p = next_holder(prefs, pos, self.continuing)
            if p < 0:
                nt += k
            else:
                sub.setdefault(prefs[p], []).append((prefs, p, k))
        return sub, nt

    def receive(self, count_number: int, d: int, bundles: list[Bundle]) -> int:
        k = sum(b[2] for b in bundles)
        if k:
            self.parcels[d].append((count_number, bundles))
            self.votes[d] += k
        return k

    def draw(self, count_number: int, source: int, bundles: list[Bundle], k: int) -> list[Bundle]:
        """The ``k`` papers of a sub-parcel the seeded draw picks (see the module docstring)."""
        total = sum(b[2] for b in bundles)
        if k >= total:
            return list(bundles)
        prefix = hashlib.sha256()
        for part in (DRAW_TAG, self.seed, str(count_number).encode(), self.names[source].encode()):
            prefix.update(_lp(part))
        keyed = []
        for i, (prefs, p, m) in enumerate(bundles):
            h = prefix.copy()
            h.update(_lp(b"".join(_lp(self.names[c].encode()) for c in prefs)))
            for j in range(m):
                hj = h.copy()
                hj.update(_lp(str(j).encode()))
                keyed.append((hj.digest(), i))
        chosen: dict[int, int] = {}
        for _, i in heapq.nsmallest(k, keyed):
            chosen[i] = chosen.get(i, 0) + 1
        return [(bundles[i][0], bundles[i][1], m) for i, m in sorted(chosen.items())]

    def elect_reaching_quota(self, count_number: int) -> list[int]:
        """[s. 120] Candidates with the quota at the end of a count, highest first."""
        reached = [c for c in self.live() if self.votes[c] >= self.quota]
        order = order_by_votes(reached, self.votes, self.names, self.tb, count_number)[: self.vacancies()]
        for c in order:
            self.continuing[c] = False
            self.elected.append(c)
            if self.votes[c] > self.quota:
                self.pending.append(c)
        return order

    def fill_last_vacancies(self) -> list[int]:
        """[s. 124] The last vacancies, filled without further transfers where the law allows."""
        live = sorted(self.live(), key=lambda c: -self.votes[c])
        v = self.vacancies()
        if not live or v <= 0:
            return []
        chosen: list[int] = []
        if len(live) <= v:  # [124(1)]
            chosen = live
        elif len(live) == v + 1 and self.votes[live[-1]] + self.untransferred() < self.votes[live[-2]]:
            chosen = live[:-1]  # [124(1A)]
        elif v == 1 and self.votes[live[0]] > sum(self.votes[c] for c in live[1:]) + self.untransferred():
            chosen = live[:1]  # [124(2)]
        for c in chosen:
            self.continuing[c] = False
            self.elected.append(c)
        return chosen

    def record(self, note: str, elected: list[int], eliminated: list[int]) -> Round:
        counts: dict[str, Number] = {self.names[c]: self.votes[c] for c in self.standing}
        return record_stage(self.rounds, self.tb, self.names, counts, elected=elected, eliminated=eliminated,
                            exhausted=self.non_transferable, quota=self.quota, note=note)

    # -- the count ------------------------------------------------------------------------------
    def run(self) -> Outcome:
        if self.valid == 0:
            self.record("first count", [], [])
            return self.outcome(Status.NO_DECISION, "no valid paper")
        rnd = self.record("first count", self.elect_reaching_quota(1), [])
        while self.vacancies() > 0 and self.live():
            last = self.fill_last_vacancies()
            if last:
                rnd.elected += [self.names[c] for c in last]
                rnd.note += "; the last vacancies are filled under s. 124"
                break
            number = len(self.rounds) + 1
            live = sorted(self.live(), key=lambda c: self.votes[c])
            gap = self.votes[live[1]] - self.votes[live[0]] if len(live) > 1 else 0
            defer = self.options["defer_surplus"] and self.untransferred() < gap
            if self.pending and not defer:
                c = self.pick_surplus(number)
                self.transfer_surplus(number, c)
                rnd = self.record(f"surplus of {self.names[c]}", self.elect_reaching_quota(number), [])
            else:
                out = self.pick_exclusion(number, live)
                for x in out:
                    self.continuing[x] = False
                    self.excluded.append(x)
                for x in out:
                    bundles = [b for _, parcel in self.parcels[x] for b in parcel]
                    self.parcels[x] = []
                    self.votes[x] = 0
                    sub, nt = self.sort_papers(bundles)
                    self.non_transferable += nt
                    for d, bs in sub.items():
                        self.receive(number, d, bs)
                rnd = self.record("exclusion of " + ", ".join(self.names[x] for x in out),
                                  self.elect_reaching_quota(number), out)
        return self.outcome(Status.ELECTED, "")

    def pick_surplus(self, number: int) -> int:
        """[s. 121] The largest surplus first; equal ones by the first unequal count, then by lot."""
        c = pick_by_votes(self.pending, self.votes, self.names, self.tb, purpose="surplus_order",
                          round_number=number, lowest_first=False)
        self.pending.remove(c)
        return c

    def transfer_surplus(self, number: int, c: int) -> None:
        surplus = self.votes[c] - self.quota
        parcels = self.parcels[c]
        # [s. 121] original votes only: examine every paper; otherwise the sub-parcel last received.
        if all(n == 1 for n, _ in parcels):
            examined = [b for _, parcel in parcels for b in parcel]
        else:
            examined = list(parcels[-1][1])
        sub, _ = self.sort_papers(examined)
        transferable = sum(b[2] for bs in sub.values() for b in bs)
        if surplus >= transferable:
            for d, bs in sub.items():
                self.receive(number, d, bs)
            self.non_transferable += surplus - transferable
        else:
            shares = {d: surplus * sum(b[2] for b in bs) for d, bs in sub.items()}
            take = {d: s // transferable for d, s in shares.items()}
            owed = surplus - sum(take.values())
            if owed:
                by_fraction: dict[int, list[int]] = {}
                for d, s in shares.items():
                    by_fraction.setdefault(s % transferable, []).append(d)
                for frac in sorted(by_fraction, reverse=True):
                    if owed <= 0:
                        break
                    group = by_fraction[frac]
                    if len(group) > owed:
                        names = self.tb.pick([self.names[d] for d in group], count=owed, purpose="fraction",
                                             round_number=number, lowest_first=False)
                        group = [self.names.index(n) for n in names]
                    for d in group:
                        take[d] += 1
                    owed -= len(group)
            for d, bs in sub.items():
                if take[d]:
                    self.receive(number, d, self.draw(number, c, bs, take[d]))
        self.votes[c] = self.quota

    def pick_exclusion(self, number: int, live: list[int]) -> list[int]:
        """[s. 122] The lowest continuing candidate, or the lowest few together."""
        votes = self.votes
        if self.options["multiple_exclusion"]:
            room = len(live) - self.vacancies()
            best = 0
            total = self.untransferred()
            for i in range(len(live) - 1):
                total += votes[live[i]]
                if i + 1 > room:
                    break
                if total < votes[live[i + 1]] and i + 1 >= 2:
                    best = i + 1
            if best >= 2:
                return live[:best]
        return [pick_by_votes(live, votes, self.names, self.tb, purpose="eliminate", round_number=number,
                              lowest_first=True)]

    def outcome(self, status: Status, reason: str) -> Outcome:
        details: dict = {
            "valid_poll": self.valid,
            "quota": self.quota,
            "order_of_exclusion": [self.names[c] for c in self.excluded],
        }
        return stv_outcome(METHOD, self.contest, self.profile, self.unusable, status=status, reason=reason,
                           winners=[self.names[c] for c in self.elected], rounds=self.rounds, details=details)
