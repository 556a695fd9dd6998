"""Schulze and ranked pairs: examples, properties, and agreement with pref_voting."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pref_voting.margin_based_methods import beat_path, ranked_pairs, ranked_pairs_tb
from pref_voting.profiles_with_ties import ProfileWithTies

from vybory.errors import InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.outcome import Status
from vybory.rules.pairwise import condorcet_winner, levels_of, tally_pairwise
from vybory.rules.schulze import ranking_groups, strongest_paths

NAMES = ("Ada", "Bo", "Cy", "Di", "Ed")


def R(*ranks: str | tuple[str, ...], w: int | Fraction = 1) -> RankedBallot:
    return RankedBallot(tuple((r,) if isinstance(r, str) else r for r in ranks), w)


# --- examples ----------------------------------------------------------------------


def test_schulze_wikipedia_example() -> None:
    # The 45-voter example of the Schulze method article: E wins, ranking E > A > C > B > D.
    groups = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"), (2, "CBADE"),
              (7, "DCEBA"), (8, "EBADC")]
    ballots = [R(*order, w=n) for n, order in groups]
    o = count("schulze", Contest("c", tuple("ABCDE"), seats=5), ballots=ballots)
    assert o.winners == ["E", "A", "C", "B", "D"] and o.ties == []
    assert o.details["pairwise"]["A"]["B"] == 20 and o.details["pairwise"]["B"]["A"] == 25
    assert o.details["strongest_paths"]["E"]["D"] == 31 and o.details["strongest_paths"]["A"]["E"] == 24


def test_ranked_pairs_tennessee_example() -> None:
    # The Tennessee capital example: Nashville wins by ranked pairs.
    groups = [(42, ("Memphis", "Nashville", "Chattanooga", "Knoxville")),
              (26, ("Nashville", "Chattanooga", "Knoxville", "Memphis")),
              (15, ("Chattanooga", "Knoxville", "Nashville", "Memphis")),
              (17, ("Knoxville", "Chattanooga", "Nashville", "Memphis"))]
    cands = ("Memphis", "Nashville", "Chattanooga", "Knoxville")
    ballots = [R(*order, w=n) for n, order in groups]
    o = count("ranked-pairs", Contest("c", cands, seats=4), ballots=ballots)
    assert o.winners == ["Nashville", "Chattanooga", "Knoxville", "Memphis"]
    assert o.details["locked"][0] == ["Chattanooga", "Knoxville", 66]
    assert o.rounds[0].counts == {"Memphis": 0, "Nashville": 3, "Chattanooga": 2, "Knoxville": 1}


def test_cycle_tie_is_recorded_and_seeded() -> None:
    ballots = [R("Ada", "Bo", "Cy"), R("Bo", "Cy", "Ada"), R("Cy", "Ada", "Bo")]
    for method, purpose in (("schulze", "elect"), ("ranked-pairs", "pair_order")):
        winners = set()
        for seed in (b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8"):
            o = count(method, Contest("c", ("Ada", "Bo", "Cy"), seed=seed), ballots=ballots)
            assert o.ties and o.ties[0].purpose == purpose
            winners.add(o.winners[0])
        assert len(winners) > 1, method


def test_reading_of_ranked_ballots() -> None:
    assert levels_of((("A",), (), ("B", "C"), ("A",), ("D",))) == (
        frozenset({"A"}), frozenset({"B", "C"}), frozenset({"D"}))
    contest = Contest("c", ("A", "B", "C"))
    d, tally = tally_pairwise(contest, [R("A", ("B", "C")), R(), R("A", "X"), R("B", w=2)])
    # unranked candidates come last; an overvote ranks equal
    assert d["A"]["B"] == 1 and d["B"]["C"] == 2 and d["C"]["B"] == 0 and d["B"]["A"] == 2
    assert (tally.valid, tally.invalid, tally.blank) == (4, 1, 1)
    with pytest.raises(InvalidInput):
        tally_pairwise(contest, [object()])  # type: ignore[list-item]


def test_no_ranking_decides_nothing() -> None:
    for method in ("schulze", "ranked-pairs"):
        o = count(method, Contest("c", ("A", "B")), ballots=[R(), R("Z")])
        assert o.status is Status.NO_DECISION and o.invalid == 1


def test_schulze_winning_votes_and_margin_can_differ() -> None:
    # With incomplete ballots the two strengths are different rules. Here A beats C 10:8,
    # B beats A 13:5, C beats B 8:5: the weakest link is C>B by winning votes, A>C by margin.
    ballots = [R("A", w=5), R("B", "A", w=5), R("C", "B", "A", w=4), R("C", "B", w=4)]
    c = ("A", "B", "C")
    d, _ = tally_pairwise(Contest("c", c), ballots)
    assert (d["A"]["C"], d["C"]["A"], d["B"]["A"], d["A"]["B"], d["C"]["B"], d["B"]["C"]) == (10, 8, 13, 5, 8, 5)
    assert count("schulze", Contest("c", c), ballots=ballots).winners == ["B"]
    assert count("schulze", Contest("c", c, options={"strength": "margin"}), ballots=ballots).winners == ["C"]


# --- generated profiles -----------------------------------------------------------------


@st.composite
def profiles(
    draw: st.DrawFn, complete: bool = False, most: int = 5
) -> tuple[tuple[str, ...], list[RankedBallot]]:
    n = draw(st.integers(3, most))
    cands = NAMES[:n]
    ballots = []
    for _ in range(draw(st.integers(1, 9))):
        order = draw(st.permutations(cands))
        if complete:
            ranking = tuple((c,) for c in order)
        else:
            cut = draw(st.integers(1, n))
            ranking, i = [], 0
            while i < cut:  # group neighbours into equal ranks now and then
                size = draw(st.integers(1, 2)) if i + 1 < cut else 1
                ranking.append(tuple(order[i:i + size]))
                i += size
            ranking = tuple(ranking)
        ballots.append(RankedBallot(ranking, draw(st.integers(1, 4))))
    return cands, ballots


def to_pref_voting(cands: tuple[str, ...], ballots: list[RankedBallot]) -> ProfileWithTies:
    index = {c: i for i, c in enumerate(cands)}
    rankings = [{index[c]: r + 1 for r, level in enumerate(b.ranking) for c in level} for b in ballots]
    profile = ProfileWithTies(rankings, [b.weight for b in ballots], candidates=list(range(len(cands))))
    profile.use_extended_strict_preference()
    return profile


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(profiles())
def test_schulze_winner_set_equals_pref_voting_beat_path(profile) -> None:
    cands, ballots = profile
    d, _ = tally_pairwise(Contest("c", cands), ballots)
    pv = to_pref_voting(cands, ballots)
    ours_margin = {cands.index(c) for c in ranking_groups(strongest_paths(d, "margin"))[0]}
    assert ours_margin == set(beat_path(pv))
    ours_winning = {cands.index(c) for c in ranking_groups(strongest_paths(d, "winning"))[0]}
    assert ours_winning == set(beat_path(pv, strength_function=pv.support))
    o = count("schulze", Contest("c", cands, seed=b"x"), ballots=ballots)
    assert cands.index(o.winners[0]) in ours_winning


# pref_voting's ranked_pairs tries every order of equal margins (up to 10! with five
# candidates), so this comparison stays at four.
@FAST
@given(profiles(most=4))
def test_ranked_pairs_equals_pref_voting_with_the_same_tie_break_ranking(profile) -> None:
    cands, ballots = profile
    o = count("ranked-pairs", Contest("c", cands, seed=b"y"), ballots=ballots)
    pv = to_pref_voting(cands, ballots)
    tbrc = [cands.index(c) for c in o.details["tie_break_ranking"]]
    assert [cands[i] for i in ranked_pairs_tb(pv, tie_breaker=tbrc)] == o.winners
    assert cands.index(o.winners[0]) in ranked_pairs(pv)


@FAST
@given(profiles(complete=True))
def test_on_linear_orders_winning_votes_and_margins_agree(profile) -> None:
    cands, ballots = profile
    d, _ = tally_pairwise(Contest("c", cands), ballots)
    assert ranking_groups(strongest_paths(d, "margin")) == ranking_groups(strongest_paths(d, "winning"))


@FAST
@given(profiles())
def test_a_condorcet_winner_wins_both(profile) -> None:
    cands, ballots = profile
    d, _ = tally_pairwise(Contest("c", cands), ballots)
    cw = condorcet_winner(d)
    assume(cw is not None)
    for method in ("schulze", "ranked-pairs"):
        for strength in ("margin", "winning"):
            o = count(method, Contest("c", cands, options={"strength": strength}), ballots=ballots)
            assert o.winners == [cw], (method, strength)


@FAST
@given(profiles(), st.randoms(use_true_random=False))
def test_outcome_depends_on_neither_ballot_order_nor_candidate_order(profile, rnd) -> None:
    cands, ballots = profile
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    reordered = tuple(rnd.sample(cands, len(cands)))
    for method in ("schulze", "ranked-pairs"):
        a = count(method, Contest("c", cands, seats=2, seed=b"z"), ballots=ballots)
        b = count(method, Contest("c", reordered, seats=2, seed=b"z"), ballots=shuffled)
        assert a.winners == b.winners and a.status == b.status
        assert [t.to_json() for t in a.ties] == [t.to_json() for t in b.ties]
        assert a.details["pairwise"] == b.details["pairwise"]


@FAST
@given(profiles())
def test_weights_are_copies(profile) -> None:
    cands, ballots = profile
    copies = [RankedBallot(b.ranking) for b in ballots for _ in range(b.weight)]
    for method in ("schulze", "ranked-pairs"):
        a = count(method, Contest("c", cands, seed=b"w"), ballots=ballots).to_json()
        b = count(method, Contest("c", cands, seed=b"w"), ballots=copies).to_json()
        assert a == b
