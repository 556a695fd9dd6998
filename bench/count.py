"""Counting speed against pref_voting, on the same real elections, in the same run.

    .venv/bin/python bench/count.py [--budget SECONDS] [--repeat N]

Cases: San Francisco 2011 IRV (194,530 ballots), Meek STV on Dublin West 2002
(29,988 ballots, 3 seats) and Meath 2002 (64,081 ballots, 5 seats), from
../shared/data/elections. Parsing is not timed. vybory counts the ballots one
by one as well as the file's grouped form (the counting groups identical
rankings itself); pref_voting gets the grouped form (a ProfileWithTies with
one ranking per distinct order and its count), its fastest input. vybory's
time is the best of ``--repeat`` runs; pref_voting runs once, in a separate
process stopped after ``--budget`` seconds (its Meek STV can take far
longer), in which case the ratio printed is a lower bound ("> ...").
Both sides' winners are compared.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pref_voting.iterative_methods import instant_runoff
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.proportional_methods import stv_meek

from vybory.rules import count
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.formats import parse_preflib

DATA = ROOT.parent / "shared" / "data" / "elections"


def to_pref_voting(candidates, ballots) -> ProfileWithTies:
    index = {c: i for i, c in enumerate(candidates)}
    rankings = [{index[n]: pos + 1 for pos, rank in enumerate(b.ranking) for n in rank} for b in ballots]
    return ProfileWithTies(rankings, rcounts=[b.weight for b in ballots], candidates=list(range(len(candidates))))


def expand(ballots) -> list[RankedBallot]:
    """One ballot per voter, as a cast vote record or a mixnet would give them."""
    return [RankedBallot(b.ranking) for b in ballots for _ in range(b.weight)]


def best_of(repeat: int, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _pref_voting_child(conn, kind, candidates, ballots, seats) -> None:
    profile = to_pref_voting(candidates, ballots)
    start = time.perf_counter()
    if kind == "irv":
        winners = instant_runoff(profile)
    else:
        winners = stv_meek(profile, num_seats=seats)
    elapsed = time.perf_counter() - start
    conn.send((elapsed, sorted(candidates[w] for w in winners)))


def time_pref_voting(kind, candidates, ballots, seats, budget):
    """pref_voting's time and winners, or (None, None) when it exceeds the budget."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_pref_voting_child, args=(child, kind, candidates, ballots, seats))
    process.start()
    if parent.poll(budget):
        elapsed, winners = parent.recv()
        process.join()
        return elapsed, winners
    process.terminate()
    process.join()
    return None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds allowed to pref_voting per case")
    parser.add_argument("--repeat", type=int, default=3, help="vybory runs per case (best is kept)")
    args = parser.parse_args()

    cases = [
        ("SF 2011 IRV", "sf2011/00021-00000011.toi", "irv", 1),
        ("Dublin West 2002 Meek STV", "irish2002/00001-00000002.soi", "stv-meek", 3),
        ("Meath 2002 Meek STV", "irish2002/00001-00000003.soi", "stv-meek", 5),
    ]
    print(f"vybory count benchmark: Python {platform.python_version()}, "
          f"pref_voting {metadata.version('pref_voting')}, budget {args.budget:.0f} s, best of {args.repeat}")
    header = f"{'case':<28}{'ballots':>9}{'orders':>8}{'vybory':>10}{'grouped':>10}{'pref_voting':>13}{'ratio':>10}  winners"
    print(header)
    print("-" * len(header))
    for label, relative, method, seats in cases:
        f = parse_preflib((DATA / relative).read_text())
        every = expand(f.ballots)
        contest = Contest(label, f.candidates, seats=seats, seed=b"bench")
        ours, outcome = best_of(args.repeat, lambda m=method, c=contest, b=every: count(m, c, ballots=b))
        grouped, outcome_grouped = best_of(args.repeat, lambda m=method, c=contest, b=f.ballots: count(m, c, ballots=b))
        assert outcome.winners == outcome_grouped.winners
        kind = "irv" if method == "irv" else "meek"
        theirs, their_winners = time_pref_voting(kind, f.candidates, list(f.ballots), seats, args.budget)
        if theirs is None:
            ratio = f"> {args.budget / ours:.0f}x"
            theirs_text = f"> {args.budget:.0f}"
            agree = "pref_voting did not finish"
        else:
            ratio = f"{theirs / ours:.1f}x"
            theirs_text = f"{theirs:.2f}"
            agree = "agree" if sorted(outcome.winners) == their_winners else f"DIFFER: {their_winners}"
        print(f"{label:<28}{len(every):>9}{len(f.ballots):>8}{ours:>10.3f}{grouped:>10.3f}{theirs_text:>13}"
              f"{ratio:>10}  {', '.join(outcome.winners)} ({agree})", flush=True)
    print("\nvybory: seconds to count every ballot one by one (grouping included); grouped: the file's "
          "grouped form.\npref_voting: seconds on the grouped form; ratio = pref_voting / vybory (every ballot).")


if __name__ == "__main__":
    main()
