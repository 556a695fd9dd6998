"""IRV: Burlington 2009 round by round, San Francisco 2011, every RCTab option,
ties, properties and agreement with pref_voting."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.iterative_methods import instant_runoff
from pref_voting.profiles_with_ties import ProfileWithTies

from vybory.errors import InvalidDefinition, InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, MarkBallot, RankedBallot
from vybory.rules.formats import parse_preflib
from vybory.rules.outcome import Status, TieRule

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "elections"
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(relative: str):
    path = DATA / relative
    assert path.exists(), f"real election data missing: {path}"
    return parse_preflib(path.read_text())


def irv(candidates, ballots, **options):
    return count("irv", Contest("c", tuple(candidates), options=options, seed=b"seed"), ballots=ballots)


def B(*ranks, weight=1):
    """A ballot from ranks given as strings ('A') or tuples (('A', 'B') is an overvote, () a skip)."""
    return RankedBallot(tuple((r,) if isinstance(r, str) else tuple(r) for r in ranks), weight)


# --- real elections ------------------------------------------------------------------------------

def test_burlington_2009_round_by_round() -> None:
    f = load("burlington2009/00005-00000002.toi")
    outcome = irv(f.candidates, f.ballots, batch_elimination=True, overvote="exhaust_if_multiple_continuing")
    r1, r2, r3 = outcome.rounds
    assert r1.counts == {"Kurt Wright": 2951, "Bob Kiss": 2585, "Andy Montroll": 2063, "Dan Smith": 1306,
                         "Write-In": 36, "James Simpson": 35}
    assert set(r2.eliminated) == {"Dan Smith", "Write-In", "James Simpson"}
    assert r2.counts == {"Kurt Wright": 3294, "Bob Kiss": 2981, "Andy Montroll": 2554}
    assert r3.eliminated == ["Andy Montroll"]
    assert r3.counts == {"Bob Kiss": 4313, "Kurt Wright": 4061}
    assert outcome.winners == ["Bob Kiss"] and r3.elected == ["Bob Kiss"]
    assert outcome.status is Status.ELECTED
    # The four ballots with an overvote at rank 1 are exhausted from the start.
    assert r1.exhausted == 4 and r1.details["exhausted_by"] == {"overvote": 4}
    for rnd in outcome.rounds:
        assert sum(rnd.counts.values()) + rnd.exhausted == 8980


def test_burlington_overvote_rule_changes_only_the_one_ballot_it_should() -> None:
    f = load("burlington2009/00005-00000002.toi")
    strict = irv(f.candidates, f.ballots, batch_elimination=True)
    # "2,4,{3,5},1": with Simpson out, the overvote {Simpson, Wright} has one continuing
    # candidate; exhausting it at once leaves Wright one vote short of the official count.
    assert strict.rounds[-1].counts == {"Bob Kiss": 4313, "Kurt Wright": 4060}
    assert strict.winners == ["Bob Kiss"]


def test_san_francisco_2011_elects_ed_lee() -> None:
    f = load("sf2011/00021-00000011.toi")
    outcome = irv(f.candidates, f.ballots)
    assert outcome.winners == ["Ed Lee"]
    final = outcome.rounds[-1]
    assert set(final.counts) == {"Ed Lee", "John Avalos"}
    assert final.counts["Ed Lee"] * 2 > sum(final.counts.values())
    for rnd in outcome.rounds:
        assert sum(rnd.counts.values()) + rnd.exhausted == 194530
    json.dumps(outcome.to_json())


# --- the options ---------------------------------------------------------------------------------

CANDS = ("A", "B", "C", "D")


def first_round(ballots, **options):
    return irv(CANDS, ballots, **options).rounds[0]


def test_overvote_rules() -> None:
    # Y: an overvote at rank 1 of two continuing candidates, then D.
    # X: D, then an overvote {B, C} reached once B is already out.
    y = B(("A", "C"), "D", weight=2)
    x = B("D", ("B", "C"), weight=2)
    ballots = [B("A", weight=6), B("C", weight=5), B("D", weight=2), B("B", weight=1), x, y]
    exhaust = irv(CANDS, ballots, overvote="exhaust_immediately")
    assert exhaust.rounds[0].counts == {"A": 6, "B": 1, "C": 5, "D": 4}
    assert exhaust.rounds[0].details["exhausted_by"] == {"overvote": 2}
    assert exhaust.rounds[2].eliminated == ["D"] and exhaust.rounds[2].counts == {"A": 6, "C": 5}
    skip = irv(CANDS, ballots, overvote="always_skip_to_next_rank")
    assert skip.rounds[0].counts == {"A": 6, "B": 1, "C": 5, "D": 6}
    multiple = irv(CANDS, ballots, overvote="exhaust_if_multiple_continuing")
    assert multiple.rounds[0].counts == {"A": 6, "B": 1, "C": 5, "D": 4}
    assert [r.eliminated for r in multiple.rounds[1:]] == [["B"], ["D"]]
    assert multiple.rounds[2].counts == {"A": 6, "C": 7}  # X counts for C, the one continuing
    assert multiple.winners == ["C"] and exhaust.winners == ["A"]
    # An overvote at the last rank under "skip" exhausts the ballot as an overvote.
    last = first_round([B("A"), B("B", ("C", "D"))], overvote="always_skip_to_next_rank")
    assert last.counts["B"] == 1
    assert first_round([B(("C", "D"))], overvote="always_skip_to_next_rank").details["exhausted_by"] == {
        "overvote": 1}


def test_exhausted_once_stays_exhausted_under_exhaust_if_multiple_continuing() -> None:
    ballots = [B("A", weight=4), B("B", weight=3), B("C", weight=2), B("D", weight=1),
               B(("C", "D"), "B", weight=3)]
    outcome = irv(CANDS, ballots, overvote="exhaust_if_multiple_continuing")
    assert outcome.rounds[0].details["exhausted_by"] == {"overvote": 3}
    assert outcome.rounds[1].eliminated == ["D"]
    # With D out only C is continuing in the overvote, but the ballot stays exhausted.
    assert outcome.rounds[1].counts == {"A": 4, "B": 3, "C": 2}


def test_max_skipped_ranks() -> None:
    ballots = [B((), "A"), B((), (), "B"), B("C", (), (), "D")]
    unlimited = first_round(ballots)
    assert unlimited.counts == {"A": 1, "B": 1, "C": 1, "D": 0}
    one = first_round(ballots, max_skipped_ranks=1)
    assert one.counts == {"A": 1, "B": 0, "C": 1, "D": 0}
    assert one.details["exhausted_by"] == {"skipped_ranks": 1}
    none = first_round(ballots, max_skipped_ranks=0)
    assert none.counts == {"A": 0, "B": 0, "C": 1, "D": 0}
    # Two skips in a row after C: exhausted when C goes (and only then).
    outcome = irv(CANDS, [B("C", (), (), "D"), B("A", weight=3), B("B", weight=2), B("D", weight=2)],
                  max_skipped_ranks=1)
    assert outcome.rounds[1].eliminated == ["C"]
    assert outcome.rounds[1].details["exhausted_by"] == {"skipped_ranks": 1}


def test_duplicate_rankings() -> None:
    ballots = [B("D", "D", "A"), B("A", weight=3), B("B", weight=2), B("C", weight=2)]
    skip = irv(CANDS, ballots)
    assert skip.rounds[1].eliminated == ["D"] and skip.rounds[1].counts["A"] == 4
    exhaust = irv(CANDS, ballots, duplicates="exhaust")
    assert exhaust.rounds[1].counts["A"] == 3
    assert exhaust.rounds[1].details["exhausted_by"] == {"duplicate": 1}


def test_max_ranks_ignores_later_ranks() -> None:
    ballots = [B("D", "C", "A"), B("A", weight=3), B("B", weight=3), B("C", weight=1)]
    three = irv(CANDS, ballots)
    two = irv(CANDS, ballots, max_ranks=2)
    assert three.rounds[2].counts["A"] == 4 and two.rounds[2].counts["A"] == 3
    with pytest.raises(InvalidDefinition, match="max_ranks"):
        irv(CANDS, ballots, max_ranks=0)


def test_batch_elimination_takes_every_candidate_who_cannot_catch_up() -> None:
    ballots = [B("A", weight=10), B("B", weight=8), B("C", weight=3), B("D", weight=2), B("D", "C")]
    batch = irv(CANDS, ballots, batch_elimination=True)
    assert batch.rounds[1].eliminated == ["C", "D"]  # 3 + 3 < 8
    single = irv(CANDS, ballots)
    assert single.rounds[1].eliminated in (["C"], ["D"])
    assert len(single.rounds) > len(batch.rounds)
    # Equal lowest candidates are never split by a batch.
    tied = irv(CANDS, [B("A", weight=10), B("B", weight=9), B("C", weight=2), B("D", weight=2)],
               batch_elimination=True)
    assert tied.rounds[1].eliminated == ["C", "D"]


def test_continue_until_two_keeps_eliminating_after_a_majority() -> None:
    ballots = [B("A", weight=6), B("B", weight=2), B("C", weight=1), B("D", weight=1)]
    assert len(irv(CANDS, ballots).rounds) == 1
    outcome = irv(CANDS, ballots, continue_until_two=True)
    assert len(outcome.rounds[-1].counts) == 2 and outcome.winners == ["A"]
    assert outcome.rounds[-1].elected == ["A"]


def test_a_batch_that_would_leave_one_candidate_falls_back_with_continue_until_two() -> None:
    """RCTab's runBatchElimination: when the largest batch (C, D and B: 0 + 0 + 2 < 3) would
    leave A alone, the next smaller one (C, D: 0 < 2) goes, and B and A stay to the last."""
    ballots = [B("A", weight=3), B("B", weight=2)]
    outcome = irv(CANDS, ballots, batch_elimination=True, continue_until_two=True)
    assert [r.eliminated for r in outcome.rounds] == [[], ["C", "D"]]
    assert outcome.rounds[-1].counts == {"A": 3, "B": 2} and outcome.winners == ["A"]
    # without continue_until_two the largest batch goes at once
    assert irv(CANDS, ballots, batch_elimination=True).rounds[0].elected == ["A"]
    three = irv(CANDS, [B("A", weight=4), B("B", weight=1), B("C", weight=1)], batch_elimination=True,
                continue_until_two=True)
    # the largest (B, C, D: 0 + 1 + 1 < 4) would leave A alone; the smaller (D alone) is no batch
    assert [r.eliminated for r in three.rounds][:2] == [[], ["D"]]


def test_minimum_votes_and_undeclared_write_ins() -> None:
    ballots = [B("A", weight=5), B("B", weight=4), B("C", weight=1), B("D", "B", weight=2)]
    low = irv(CANDS, ballots, minimum_votes=3)
    assert low.rounds[1].eliminated == ["C", "D"]
    uwi = irv(CANDS, ballots, undeclared_write_in="D")
    assert uwi.rounds[1].eliminated == ["D"]  # first, although C has fewer votes
    with pytest.raises(InvalidInput, match="'Z' is not a candidate"):
        irv(CANDS, ballots, undeclared_write_in="Z")


def test_withdrawn_candidates_never_count() -> None:
    outcome = irv(CANDS, [B("D", "A", weight=2), B("B", weight=1), B("C", weight=1)], withdrawn=["D"])
    assert "D" not in outcome.rounds[0].counts and outcome.rounds[0].counts["A"] == 2


def test_ties_previous_rounds_then_draw_and_candidate_order() -> None:
    # E goes first; then C and D tie at 3, and C had fewer votes in round 1 (2 to 3), so C goes.
    cands = CANDS + ("E",)
    tie_ballots = [B("A", weight=9), B("B", weight=8), B("C", weight=2), B("D", weight=3), B("E", "C")]
    outcome = irv(cands, tie_ballots)
    rnd = outcome.rounds[2]
    assert rnd.eliminated == ["C"]
    assert [(t.candidates, t.rule, t.chosen) for t in rnd.ties] == [(("C", "D"), TieRule.PREVIOUS_ROUNDS, ("C",))]
    # The seeded draw alone, and the candidate order of the list.
    drawn = irv(cands, tie_ballots, tiebreak="draw")
    assert drawn.rounds[2].ties[0].rule is TieRule.DRAW
    ordered = irv(cands, tie_ballots, tiebreak="candidate_order")
    assert ordered.rounds[2].eliminated == ["D"]  # listed after C
    assert ordered.rounds[2].ties[0].rule is TieRule.CANDIDATE_ORDER


def test_a_draw_depends_on_the_seed_not_on_the_order_of_candidates() -> None:
    ballots = [B("A", weight=3), B("B", weight=2), B("C", weight=2)]
    picks = set()
    for seed in (b"1", b"2", b"3", b"4", b"5", b"6"):
        one = count("irv", Contest("c", ("A", "B", "C"), seed=seed), ballots=ballots)
        two = count("irv", Contest("c", ("C", "B", "A"), seed=seed), ballots=ballots)
        assert one.rounds[1].eliminated == two.rounds[1].eliminated
        picks.add(one.rounds[1].eliminated[0])
    assert picks == {"B", "C"}


def test_refusals() -> None:
    with pytest.raises(InvalidDefinition, match="IRV fills one seat"):
        count("irv", Contest("c", CANDS, seats=2), ballots=[B("A")])
    with pytest.raises(InvalidDefinition, match="no option 'overvotes'"):
        irv(CANDS, [B("A")], overvotes="skip")
    with pytest.raises(InvalidInput, match="RankedBallot"):
        count("irv", Contest("c", CANDS), ballots=[MarkBallot(frozenset({"A"}))])
    with pytest.raises(InvalidInput, match="weight"):
        irv(CANDS, [B("A", weight=0.5)])
    outcome = irv(CANDS, [B("A", weight=2), B("Zed", weight=1), B()])
    assert outcome.invalid == 1 and outcome.blank == 1 and outcome.winners == ["A"]
    assert irv(CANDS, [B()]).status is Status.NO_DECISION


def test_fractional_weights_are_exact() -> None:
    outcome = irv(CANDS, [B("A", weight=Fraction(1, 3)), B("B", weight=Fraction(1, 4)),
                          B("C", "B", weight=Fraction(1, 6))])
    assert outcome.winners == ["B"]
    assert outcome.rounds[-1].counts == {"A": Fraction(1, 3), "B": Fraction(5, 12)}


# --- properties ----------------------------------------------------------------------------------

NAMES = ("A", "B", "C", "D", "E")


@st.composite
def profiles(draw: st.DrawFn, *, complete: bool = False, max_ballots: int = 30):
    n = draw(st.integers(2, 5))
    cands = NAMES[:n]
    ballots = []
    for _ in range(draw(st.integers(1, max_ballots))):
        order = draw(st.permutations(cands))
        length = n if complete else draw(st.integers(1, n))
        ballots.append(RankedBallot(tuple((c,) for c in order[:length]), draw(st.integers(1, 4))))
    return cands, ballots


@FAST
@given(profiles())
def test_a_majority_of_first_preferences_wins(profile) -> None:
    cands, ballots = profile
    total = sum(b.weight for b in ballots)
    first: dict[str, int] = {}
    for b in ballots:
        first[b.ranking[0][0]] = first.get(b.ranking[0][0], 0) + b.weight
    leader = max(first, key=first.get)
    outcome = irv(cands, ballots)
    if 2 * first[leader] > total:
        assert outcome.winners == [leader] and len(outcome.rounds) == 1


@FAST
@given(profiles(), st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_ballot_order(profile, rnd) -> None:
    cands, ballots = profile
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    for options in ({}, {"batch_elimination": True}, {"tiebreak": "draw"}):
        assert irv(cands, ballots, **options).to_json() == irv(cands, shuffled, **options).to_json()


def to_pref_voting(cands, ballots) -> ProfileWithTies:
    index = {c: i for i, c in enumerate(cands)}
    rankings = [{index[r[0]]: pos + 1 for pos, r in enumerate(b.ranking)} for b in ballots]
    return ProfileWithTies(rankings, rcounts=[b.weight for b in ballots], candidates=list(range(len(cands))))


@FAST
@given(profiles(complete=True))
def test_irv_agrees_with_pref_voting_when_no_tie_decides(profile) -> None:
    cands, ballots = profile
    outcome = irv(cands, ballots)
    if outcome.ties:
        return  # pref_voting drops every tied lowest candidate at once; the rules differ there
    expected = instant_runoff(to_pref_voting(cands, ballots))
    assert [cands.index(w) for w in outcome.winners] == expected


@FAST
@given(profiles(complete=False))
def test_irv_with_truncated_ballots_agrees_with_pref_voting_when_no_tie_decides(profile) -> None:
    cands, ballots = profile
    outcome = irv(cands, ballots)
    if outcome.ties:
        return
    expected = instant_runoff(to_pref_voting(cands, ballots))
    assert [cands.index(w) for w in outcome.winners] == expected
