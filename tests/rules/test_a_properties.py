"""Properties shared by every method of this part: ballot order, candidate order,
totals against ballots, exact JSON."""

from __future__ import annotations

import json
import re
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.rules import METHODS, count
from vybory.rules.base import Contest, MarkBallot, RankedBallot, ScoreBallot, Totals
from vybory.rules.marks import tally_marks

FAST = settings(max_examples=60, deadline=None)
CANDS = ("A", "B", "C", "D")
MARK_METHODS = ("plurality", "block", "approval", "strikeout", "majority")
SCORE_METHODS = ("for-against", "majority-judgment", "score")


@st.composite
def mark_ballots(draw: st.DrawFn) -> list[MarkBallot]:
    weight = st.one_of(st.integers(0, 3), st.fractions(Fraction(1, 4), 3, max_denominator=4))
    return [MarkBallot(frozenset(draw(st.sets(st.sampled_from(CANDS + ("X",)), max_size=3))), draw(weight))
            for _ in range(draw(st.integers(0, 25)))]


def mark_contest(method: str, seats: int, cands: tuple[str, ...] = CANDS) -> Contest:
    quorum = {"quorum": 0} if method in ("majority", "strikeout") else {}
    return Contest("c", cands, seats=seats, options=quorum, seed=b"prop")


@FAST
@given(mark_ballots(), st.integers(1, 2), st.randoms(use_true_random=False))
def test_mark_methods_ignore_ballot_and_candidate_order(ballots, seats, rnd) -> None:
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    reordered = tuple(rnd.sample(CANDS, len(CANDS)))
    for method in MARK_METHODS:
        a = count(method, mark_contest(method, seats), ballots=ballots).to_json()
        b = count(method, mark_contest(method, seats, reordered), ballots=shuffled).to_json()
        for key in ("winners", "status", "runoff_candidates", "reason", "valid", "invalid", "blank"):
            assert a[key] == b[key], (method, key)
        assert a["rounds"][0]["ties"] == b["rounds"][0]["ties"]
        assert a["rounds"][0]["counts"] == {c: b["rounds"][0]["counts"][c] for c in CANDS}


@FAST
@given(mark_ballots(), st.integers(1, 2))
def test_mark_methods_totals_give_the_same_outcome_as_ballots(ballots, seats) -> None:
    for method in MARK_METHODS:
        contest = mark_contest(method, seats)
        options = METHODS[method].resolve_options(contest.options)
        low, high = {"plurality": (0, 1), "approval": (0, len(CANDS))}.get(method, (0, seats))
        if method == "block" and options.get("max_marks"):
            high = options["max_marks"]
        tally = tally_marks(contest, ballots, min_marks=low, max_marks=high)
        totals = Totals(tally.counts, ballots_cast=tally.ballots_cast, blank=tally.blank, invalid=tally.invalid)
        a = count(method, contest, ballots=ballots).to_json()
        b = count(method, contest, totals=totals).to_json()
        a["details"].pop("invalid_reasons", None)
        assert a == b, method


@st.composite
def score_ballots(draw: st.DrawFn) -> list[ScoreBallot]:
    return [ScoreBallot({c: draw(st.integers(-1, 1)) for c in draw(st.sets(st.sampled_from(CANDS)))},
                        draw(st.integers(1, 3))) for _ in range(draw(st.integers(1, 20)))]


@FAST
@given(score_ballots(), st.randoms(use_true_random=False))
def test_score_methods_ignore_ballot_and_candidate_order(ballots, rnd) -> None:
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    reordered = tuple(rnd.sample(CANDS, len(CANDS)))
    options = {"for-against": {"threshold": "1/4"}, "majority-judgment": {}, "score": {"min_score": -1}}
    for method in SCORE_METHODS:
        a = count(method, Contest("c", CANDS, seats=2, options=options[method], seed=b"p"), ballots=ballots)
        b = count(method, Contest("c", reordered, seats=2, options=options[method], seed=b"p"), ballots=shuffled)
        assert (a.winners, a.status, a.invalid) == (b.winners, b.status, b.invalid), method
        assert [t.to_json() for t in a.ties] == [t.to_json() for t in b.ties]


def test_every_outcome_serialises_to_exact_json() -> None:
    w = Fraction(1, 3)
    cases = [
        (m, Contest("c", CANDS, seats=2, registered=10), [MarkBallot(frozenset({"A", "B"}), w)] * 20)
        for m in ("block", "approval", "strikeout", "majority")
    ] + [
        ("for-against", Contest("c", CANDS, seats=2), [ScoreBallot({"A": 1, "B": -1}, w)]),
        ("motion", Contest("c", ("yes", "no")), [ScoreBallot({"yes": 1}, w)]),
        ("majority-judgment", Contest("c", CANDS), [ScoreBallot({"A": 3}, w)]),
        ("score", Contest("c", CANDS, options={"aggregate": "average"}), [ScoreBallot({"A": 3, "B": 1}, w)] * 2),
        ("schulze", Contest("c", CANDS), [RankedBallot((("A",), ("B", "C")), w)]),
        ("ranked-pairs", Contest("c", CANDS), [RankedBallot((("A",), ("B", "C")), w)]),
    ]
    for method, contest, ballots in cases:
        data = count(method, contest, ballots=ballots).to_json()
        text = json.dumps(data)
        assert re.search(r'"\d+/3"', text), method  # weights of 1/3 stay exact fractions
        assert not floats_in(data), method


def floats_in(x: object) -> bool:
    if isinstance(x, dict):
        return any(floats_in(v) for v in x.values())
    if isinstance(x, list):
        return any(floats_in(v) for v in x)
    return isinstance(x, float)


@FAST
@given(mark_ballots(), score_ballots(), st.integers(1, 2))
def test_an_integer_weight_counts_as_that_many_ballots(marks, scores, seats) -> None:
    marks = [MarkBallot(b.marks, int(b.weight)) for b in marks]
    mark_copies = [MarkBallot(b.marks) for b in marks for _ in range(b.weight)]
    for method in MARK_METHODS:
        a = count(method, mark_contest(method, seats), ballots=marks).to_json()
        b = count(method, mark_contest(method, seats), ballots=mark_copies).to_json()
        assert a == b, method
    score_copies = [ScoreBallot(b.scores) for b in scores for _ in range(b.weight)]
    options = {"for-against": {}, "majority-judgment": {}, "score": {"min_score": -1, "aggregate": "average"}}
    for method in SCORE_METHODS:
        contest = Contest("c", CANDS, seats=seats, options=options[method], seed=b"w")
        assert count(method, contest, ballots=scores).to_json() == \
            count(method, contest, ballots=score_copies).to_json(), method
