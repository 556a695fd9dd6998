"""Absolute majority with quorum and runoff (1937 rules 10-12), and the strike-out ballot (rule 9)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vybory.errors import InvalidDefinition
from vybory.rules import count
from vybory.rules.base import Contest, MarkBallot, Totals
from vybory.rules.outcome import Status

CANDS = ("Ivanov", "Petrova", "Sidorov")


def M(*names: str, w: int | Fraction = 1) -> MarkBallot:
    return MarkBallot(frozenset(names), w)


def votes(**n: int) -> list[MarkBallot]:
    out: list[MarkBallot] = []
    for name, k in n.items():
        out += [M() if name == "blank" else M(name)] * k
    return out


def contest(registered: int | None = 100, seats: int = 1, **options: object) -> Contest:
    return Contest("district 7", CANDS, seats=seats, registered=registered, options=options, seed=b"published")


def test_absolute_majority_elects() -> None:
    o = count("majority", contest(), ballots=votes(Ivanov=31, Petrova=20, Sidorov=9))
    assert o.status is Status.ELECTED and o.winners == ["Ivanov"]
    assert o.rounds[0].quota == 30 and o.rounds[0].details["quorum"]["needed_more_than"] == 50


def test_exactly_half_is_not_a_majority_and_gives_a_runoff_of_the_top_two() -> None:
    o = count("majority", contest(), ballots=votes(Ivanov=30, Petrova=20, Sidorov=10))
    assert o.status is Status.RUNOFF_REQUIRED and o.winners == []
    assert o.runoff_candidates == ["Ivanov", "Petrova"]
    assert "runoff between Ivanov, Petrova" in o.reason


def test_quorum_missed_requires_a_repeat_election() -> None:
    o = count("majority", contest(), ballots=votes(Ivanov=50))
    assert o.status is Status.REPEAT_REQUIRED and o.winners == []
    assert "quorum not met: 50 of 100 registered voters voted" in o.reason
    # invalid ballots count in the turnout
    o = count("majority", contest(), ballots=votes(Ivanov=50) + [M("Ivanov", "Petrova")])
    assert o.status is Status.ELECTED and o.invalid == 1


def test_quorum_needs_registered_voters_or_quorum_zero() -> None:
    with pytest.raises(InvalidDefinition, match="needs the number of registered voters") as err:
        count("majority", contest(registered=None), ballots=votes(Ivanov=3))
    assert err.value.field == "registered"
    o = count("majority", contest(registered=None, quorum=0), ballots=votes(Ivanov=3))
    assert o.winners == ["Ivanov"]


def test_quorum_option() -> None:
    ballots = votes(Ivanov=40)
    assert count("majority", contest(quorum="1/3"), ballots=ballots).status is Status.ELECTED
    assert count("majority", contest(quorum="2/5"), ballots=ballots).status is Status.REPEAT_REQUIRED


def test_blank_ballots_count_in_the_denominator_unless_told_otherwise() -> None:
    ballots = votes(Ivanov=30, Petrova=20, blank=12)
    o = count("majority", contest(), ballots=ballots)
    assert o.status is Status.RUNOFF_REQUIRED and o.blank == 12 and o.valid == 62
    o = count("majority", contest(blank_in_denominator=False), ballots=ballots)
    assert o.winners == ["Ivanov"] and o.rounds[0].quota == 25
    # totals from an encrypted tally report no blank ballots; one seat needs none
    totals = Totals({"Ivanov": 30, "Petrova": 20}, ballots_cast=62)
    assert count("majority", contest(blank_in_denominator=False), totals=totals).winners == ["Ivanov"]


def test_threshold_option() -> None:
    ballots = votes(Ivanov=41, Petrova=39, Sidorov=20)
    assert count("majority", contest(), ballots=ballots).status is Status.RUNOFF_REQUIRED
    assert count("majority", contest(threshold="2/5"), ballots=ballots).winners == ["Ivanov"]


def test_runoff_top_n_and_above_a_share() -> None:
    ballots = votes(Ivanov=30, Petrova=25, Sidorov=20) + votes(blank=5)
    o = count("majority", contest(runoff_top=3), ballots=ballots)
    assert o.runoff_candidates == ["Ivanov", "Petrova", "Sidorov"]
    o = count("majority", contest(runoff_above="1/5"), ballots=ballots)
    # top two, and everyone above 1/5 of 80 = 16
    assert o.runoff_candidates == ["Ivanov", "Petrova", "Sidorov"]
    o = count("majority", contest(runoff_above="1/4"), ballots=ballots)
    assert o.runoff_candidates == ["Ivanov", "Petrova"]


def test_runoff_tie_for_second_place_is_drawn_and_recorded() -> None:
    ballots = votes(Ivanov=30, Petrova=15, Sidorov=15, blank=10)
    o = count("majority", contest(), ballots=ballots)
    assert o.status is Status.RUNOFF_REQUIRED and o.runoff_candidates[0] == "Ivanov"
    (tie,) = o.ties
    assert tie.purpose == "runoff" and tie.candidates == ("Petrova", "Sidorov")
    assert o.runoff_candidates[1] == tie.chosen[0]
    seeds = {count("majority", Contest("d", CANDS, registered=100, seed=s), ballots=ballots).runoff_candidates[1]
             for s in (b"a", b"b", b"c", b"d", b"e", b"f", b"g")}
    assert seeds == {"Petrova", "Sidorov"}


def test_runoff_round_by_plurality_default() -> None:
    runoff = Contest("district 7", ("Ivanov", "Petrova"), registered=100, options={"round": "runoff"})
    o = count("majority", runoff, ballots=votes(Ivanov=30, Petrova=25, blank=10))
    assert o.status is Status.ELECTED and o.winners == ["Ivanov"] and o.rounds[0].quota is None


def test_runoff_round_by_absolute_majority() -> None:
    runoff = Contest("district 7", ("Ivanov", "Petrova"), registered=100,
                     options={"round": "runoff", "runoff_threshold": "absolute"})
    o = count("majority", runoff, ballots=votes(Ivanov=30, Petrova=25, blank=10))
    assert o.status is Status.REPEAT_REQUIRED and "after the runoff" in o.reason
    o = count("majority", runoff, ballots=votes(Ivanov=40, Petrova=25, blank=10))
    assert o.status is Status.ELECTED and o.winners == ["Ivanov"]


def test_runoff_quorum() -> None:
    runoff = Contest("d", ("Ivanov", "Petrova"), registered=100, options={"round": "runoff"})
    assert count("majority", runoff, ballots=votes(Ivanov=30)).status is Status.REPEAT_REQUIRED
    lower = Contest("d", ("Ivanov", "Petrova"), registered=100, options={"round": "runoff", "runoff_quorum": "1/4"})
    assert count("majority", lower, ballots=votes(Ivanov=30)).winners == ["Ivanov"]


def test_single_candidate_without_a_majority_means_a_repeat_election() -> None:
    alone = Contest("d", ("Ivanov",), registered=100)
    assert count("majority", alone, ballots=votes(Ivanov=60)).winners == ["Ivanov"]
    o = count("majority", alone, ballots=votes(Ivanov=30, blank=30))
    assert o.status is Status.REPEAT_REQUIRED and "too few candidates" in o.reason


def test_no_vote_for_anyone_means_a_repeat_election() -> None:
    o = count("majority", contest(), ballots=votes(blank=70))
    assert o.status is Status.REPEAT_REQUIRED and "no valid vote" in o.reason


def test_several_seats_per_candidate() -> None:
    four = ("A", "B", "C", "D")
    ballots = [M("A", "B")] * 5 + [M("A", "C")] * 4 + [M("C", "D")] * 1
    c = Contest("council", four, seats=2, registered=12, options={})
    o = count("majority", c, ballots=ballots)
    # A 9, B 5, C 5, D 1 of 10 valid: only A has more than 5
    assert o.status is Status.RUNOFF_REQUIRED and o.winners == ["A"]
    assert sorted(o.runoff_candidates) == ["B", "C"]  # two per unfilled seat
    o = count("majority", Contest("council", four, seats=3, registered=12), ballots=ballots)
    assert o.winners == ["A"] and sorted(o.runoff_candidates) == ["B", "C", "D"]  # all that remain
    assert o.invalid == 0


def test_several_seats_per_seat_denominator() -> None:
    four = ("A", "B", "C", "D")
    ballots = [M("A", "B")] * 6 + [M("A", "C")] * 3 + [M("C", "D")] * 1
    c = Contest("council", four, seats=2, registered=12, options={"several_seats": "per_seat"})
    o = count("majority", c, ballots=ballots)
    # 20 candidate votes / 2 seats = 10; more than 5 needed: A 9 and B 6
    assert o.rounds[0].details["denominator"] == 10 and o.winners == ["A", "B"]
    assert o.status is Status.ELECTED


def test_more_marks_than_seats_is_invalid() -> None:
    o = count("majority", contest(quorum=0), ballots=[M("Ivanov", "Petrova"), M("Ivanov")])
    assert o.invalid == 1 and o.winners == ["Ivanov"]


def test_majority_totals_equal_ballots() -> None:
    ballots = votes(Ivanov=30, Petrova=20, Sidorov=10, blank=5) + [M("Ivanov", "Sidorov")]
    a = count("majority", contest(), ballots=ballots)
    b = count("majority", contest(), totals=Totals({"Ivanov": 30, "Petrova": 20, "Sidorov": 10},
                                                   ballots_cast=66, blank=5, invalid=1))
    assert a.to_json() | {"details": {}} == b.to_json()


def test_weighted_delegates() -> None:
    ballots = [M("Ivanov", w=Fraction(101, 2)), M("Petrova", w=50)]
    o = count("majority", contest(registered=None, quorum=0), ballots=ballots)
    assert o.winners == ["Ivanov"] and o.valid == Fraction(201, 2)


# --- strike-out (rule 9) --------------------------------------------------------


def test_strikeout_names_left_standing() -> None:
    # names left standing: one valid vote each; two left = invalid; none left = valid, for nobody
    ballots = votes(Ivanov=30, Petrova=19) + [M("Ivanov", "Petrova")] * 2 + votes(blank=12)
    o = count("strikeout", contest(), ballots=ballots)
    assert (o.valid, o.invalid, o.blank) == (61, 2, 12)
    # 30 is not more than half of 61 valid ballots, blank ones included
    assert o.status is Status.RUNOFF_REQUIRED and o.runoff_candidates == ["Ivanov", "Petrova"]
    assert o.rounds[0].details["quorum"]["turnout"] == 63


def test_strikeout_two_seats_allow_two_names() -> None:
    ballots = [M("Ivanov", "Petrova")] * 40 + [M("Sidorov", "Petrova", "Ivanov")] * 5 + [M("Sidorov")] * 10
    o = count("strikeout", contest(seats=2), ballots=ballots)
    assert o.invalid == 5 and sorted(o.winners) == ["Ivanov", "Petrova"]
    assert o.status is Status.ELECTED and o.ties[0].purpose == "rank"


def test_strikeout_plurality_decision() -> None:
    ballots = votes(Ivanov=30, Petrova=20, blank=20)
    o = count("strikeout", contest(decision="plurality"), ballots=ballots)
    assert o.status is Status.ELECTED and o.winners == ["Ivanov"]
    assert count("strikeout", contest(decision="plurality"), ballots=votes(Ivanov=3)).status \
        is Status.REPEAT_REQUIRED


def test_strikeout_refuses_majority_options_it_does_not_know() -> None:
    with pytest.raises(InvalidDefinition, match="options.decision"):
        count("majority", contest(decision="plurality"), ballots=[])
