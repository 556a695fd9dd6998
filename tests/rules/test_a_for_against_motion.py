"""For/against per candidate (1937 rules 15-16) and motions, referendums, recalls (rule 13)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vybory.errors import InvalidDefinition, InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, ScoreBallot, Totals
from vybory.rules.outcome import Status


def S(w: int | Fraction = 1, **scores: int) -> ScoreBallot:
    return ScoreBallot(scores, w)


CANDS = ("Ivanov", "Petrova", "Sidorov")


def committee(seats: int = 2, registered: int | None = None, **options: object) -> Contest:
    return Contest("committee", CANDS, seats=seats, registered=registered, options=options, seed=b"s")


def test_for_against_elects_over_half_of_ballots_cast_best_first() -> None:
    ballots = ([S(Ivanov=1, Petrova=1, Sidorov=-1)] * 5 + [S(Ivanov=1, Petrova=-1, Sidorov=1)] * 3
               + [S(Ivanov=-1, Petrova=1)] * 2 + [S(Ivanov=3)])
    o = count("for-against", committee(), ballots=ballots)
    # 11 cast: more than 5.5 needed; Ivanov 8, Petrova 7, Sidorov 3
    assert o.status is Status.ELECTED and o.winners == ["Ivanov", "Petrova"]
    assert o.invalid == 1 and o.rounds[0].quota == Fraction(11, 2)
    assert o.rounds[0].details["against"] == {"Ivanov": 2, "Petrova": 3, "Sidorov": 5}
    assert o.details["against"] == o.rounds[0].details["against"]
    assert o.details["neither"] == {"Ivanov": 0, "Petrova": 0, "Sidorov": 2}


def test_for_against_unfilled_seats_require_a_repeat_election_and_against_is_still_reported() -> None:
    ballots = [S(Ivanov=1, Petrova=-1, Sidorov=-1)] * 6 + [S(Ivanov=-1, Petrova=1, Sidorov=-1)] * 4
    o = count("for-against", committee(), ballots=ballots)
    assert o.status is Status.REPEAT_REQUIRED and o.winners == ["Ivanov"]
    assert "1 seat unfilled: only 1 candidate had" in o.reason
    assert o.details["against"] == {"Ivanov": 4, "Petrova": 6, "Sidorov": 10}


def test_for_against_denominators() -> None:
    ballots = [S(Ivanov=1)] * 4 + [S(Ivanov=-1)] * 1 + [S()] * 5 + [S(Ivanov=7)] * 2
    # cast 12 -> need > 6; valid 10 -> need > 5; for+against 5 -> need > 2.5
    assert count("for-against", committee(1), ballots=ballots).status is Status.REPEAT_REQUIRED
    assert count("for-against", committee(1, denominator="valid"), ballots=ballots).status is Status.REPEAT_REQUIRED
    o = count("for-against", committee(1, denominator="for_against"), ballots=ballots)
    assert o.winners == ["Ivanov"] and o.blank == 5


def test_for_against_rank_by_net() -> None:
    ballots = ([S(Ivanov=1, Petrova=1)] * 6 + [S(Ivanov=1, Petrova=-1)] * 2
               + [S(Ivanov=-1, Petrova=1, Sidorov=1)] * 3 + [S(Ivanov=-1, Sidorov=1)] * 3)
    # Ivanov for 8 against 6 (net 2); Petrova for 9 against 2 (net 7); Sidorov for 6
    by_for = count("for-against", committee(1, threshold="1/3"), ballots=ballots)
    by_net = count("for-against", committee(1, threshold="1/3", rank_by="net"), ballots=ballots)
    assert by_for.winners == ["Petrova"] and by_net.winners == ["Petrova"]
    ballots += [S(Ivanov=1)] * 2
    assert count("for-against", committee(1, threshold="1/3"), ballots=ballots).winners == ["Ivanov"]
    assert count("for-against", committee(1, threshold="1/3", rank_by="net"), ballots=ballots).winners == ["Petrova"]


def test_for_against_max_for_and_quorum() -> None:
    ballots = [S(Ivanov=1, Petrova=1, Sidorov=1)] * 2 + [S(Ivanov=1)] * 3
    o = count("for-against", committee(2, max_for=2), ballots=ballots)
    assert o.invalid == 2 and o.winners == ["Ivanov"]
    o = count("for-against", committee(1, registered=20, quorum="1/4"), ballots=ballots)
    assert o.status is Status.REPEAT_REQUIRED and "quorum" in o.reason
    assert o.details["against"] == {"Ivanov": 0, "Petrova": 0, "Sidorov": 0}


def test_for_against_totals_equal_ballots_and_are_checked() -> None:
    ballots = [S(Ivanov=1, Petrova=-1)] * 5 + [S(Ivanov=-1, Sidorov=1)] * 2 + [S()] + [S(Ivanov=2)]
    totals = Totals({"Ivanov:for": 5, "Ivanov:against": 2, "Petrova:against": 5, "Sidorov:for": 2},
                    ballots_cast=9, blank=1, invalid=1)
    a = count("for-against", committee(), ballots=ballots).to_json()
    b = count("for-against", committee(), totals=totals).to_json()
    del a["details"]["invalid_reasons"]
    assert a == b
    with pytest.raises(InvalidInput, match="'<name>:for'"):
        count("for-against", committee(), totals=Totals({"Ivanov": 3}, ballots_cast=5))
    with pytest.raises(InvalidInput, match="more than the 4 valid non-blank"):
        count("for-against", committee(), totals=Totals({"Ivanov:for": 3, "Ivanov:against": 2}, ballots_cast=5,
                                                        blank=1))


# --- motions ---------------------------------------------------------------------


def motion(answers: tuple[str, ...] = ("yes", "no", "abstain"), registered: int | None = None,
           **options: object) -> Contest:
    return Contest("motion 1", answers, registered=registered, options=options)


def answers(yes: int = 0, no: int = 0, abstain: int = 0, blank: int = 0) -> list[ScoreBallot]:
    return [S(yes=1)] * yes + [S(no=1)] * no + [S(abstain=1)] * abstain + [S()] * blank


def test_motion_passes_on_a_majority_of_yes_plus_no() -> None:
    o = count("motion", motion(), ballots=answers(yes=10, no=9, abstain=30, blank=2))
    assert o.status is Status.ELECTED and o.winners == ["yes"]
    assert o.rounds[0].counts == {"yes": 10, "no": 9, "abstain": 30} and o.blank == 2
    o = count("motion", motion(), ballots=answers(yes=9, no=9))
    assert o.status is Status.NO_DECISION and o.winners == [] and o.reason.startswith("rejected")


def test_motion_denominator_cast() -> None:
    o = count("motion", motion(denominator="cast"), ballots=answers(yes=10, no=5, abstain=6))
    assert o.status is Status.NO_DECISION and o.rounds[0].quota == Fraction(21, 2)


def test_recall_needs_a_majority_of_registered_voters() -> None:
    ballots = answers(yes=40, no=10)
    o = count("motion", motion(registered=100, denominator="registered"), ballots=ballots)
    assert o.status is Status.NO_DECISION and "of the registered voters" in o.reason
    o = count("motion", motion(registered=79, denominator="registered"), ballots=ballots)
    assert o.status is Status.ELECTED
    with pytest.raises(InvalidDefinition, match="registered"):
        count("motion", motion(denominator="registered"), ballots=ballots)


def test_two_thirds_supermajority_at_least_or_more_than() -> None:
    ballots = answers(yes=20, no=10)
    assert count("motion", motion(threshold="2/3"), ballots=ballots).status is Status.NO_DECISION
    assert count("motion", motion(threshold="2/3", comparison="at_least"), ballots=ballots).status \
        is Status.ELECTED


def test_motion_with_no_yes_votes_never_passes() -> None:
    o = count("motion", motion(comparison="at_least"), ballots=answers(abstain=3))
    assert o.status is Status.NO_DECISION


def test_motion_participation_quorum() -> None:
    c = motion(registered=100, quorum="1/2")
    assert count("motion", c, ballots=answers(yes=40, no=10)).status is Status.REPEAT_REQUIRED
    assert count("motion", c, ballots=answers(yes=40, no=10, abstain=1)).status is Status.ELECTED


def test_motion_invalid_ballots() -> None:
    ballots = answers(yes=3, no=1) + [S(yes=1, no=1), S(maybe=1), S(yes=2)]
    o = count("motion", motion(), ballots=ballots)
    assert o.invalid == 3 and o.ballots_cast == 7 and o.winners == ["yes"]
    assert o.details["invalid_reasons"] == {"a value other than 0 or 1": 1, "an answer the motion does not offer": 1,
                                            "more than one answer": 1}


def test_motion_weights_and_totals() -> None:
    ballots = [S(Fraction(3, 2), yes=1), S(1, no=1), S(1, abstain=1)]
    o = count("motion", motion(), ballots=ballots)
    t = count("motion", motion(), totals=Totals({"yes": Fraction(3, 2), "no": 1, "abstain": 1},
                                                ballots_cast=Fraction(7, 2)))
    assert o.to_json() == t.to_json() and o.winners == ["yes"]
    with pytest.raises(InvalidInput, match="do not add up"):
        count("motion", motion(), totals=Totals({"yes": 3, "no": 1}, ballots_cast=5))


def test_motion_contest_shape() -> None:
    with pytest.raises(InvalidDefinition, match="yes, no and optionally abstain"):
        count("motion", Contest("m", ("A", "B")), ballots=[])
    with pytest.raises(InvalidDefinition, match="seats = 1"):
        count("motion", Contest("m", ("yes", "no"), seats=2), ballots=[])
    o = count("motion", motion(("yes", "no")), ballots=answers(yes=2, no=1))
    assert o.winners == ["yes"]
    assert count("motion", motion(("yes", "no")), ballots=[S(abstain=1)]).invalid == 1
