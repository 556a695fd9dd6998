"""STV: Glasgow 2007 (Calton stage by stage, Anderston), every Scottish file,
the Irish count (Dublin West), Meek STV, properties, and agreement with
pref_voting."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.proportional_methods import stv_meek as pv_meek
from pref_voting.proportional_methods import stv_scottish as pv_scottish

from vybory.errors import InvalidInput
from vybory.rules import count
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.formats import parse_blt, parse_preflib
from vybory.rules.outcome import Status

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "elections"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STV = ("stv-scottish", "stv-meek", "stv-irish")
SCOTTISH_FILES = sorted(DATA.glob("glasgow2007/*.blt")) + sorted(DATA.glob("scotland/*.blt"))
IRISH = {"00001-00000001.soi": 4, "00001-00000002.soi": 3, "00001-00000003.soi": 5}


def read(relative: str):
    path = DATA / relative
    assert path.exists(), f"real election data missing: {path}"
    text = path.read_text()
    return parse_blt(text) if path.suffix == ".blt" else parse_preflib(text)


def stv(method: str, f, seats: int | None = None, seed: bytes = b"published seed", **options):
    contest = Contest(f.title or "c", f.candidates, seats=seats or f.seats, options=options, seed=seed)
    return count(method, contest, ballots=f.ballots)


def B(*ranks, weight=1):
    return RankedBallot(tuple((r,) if isinstance(r, str) else tuple(r) for r in ranks), weight)


def floors(counts: dict) -> dict:
    return {name: math.floor(v) for name, v in counts.items()}


# --- Scotland ------------------------------------------------------------------------------------

def test_glasgow_2007_calton_stage_by_stage() -> None:
    outcome = stv("stv-scottish", read("glasgow2007/glasgow_2007_calton.blt"))
    assert outcome.valid == 5199 and outcome.details["quota"] == 1300
    assert outcome.winners == ["George Redmond (Lab)", "Alison E Thewliss (SNP)", "Ruth Simpson (Lab)"]
    assert len(outcome.rounds) == 7
    first = outcome.rounds[0]
    assert first.counts == {
        "Gary Barton (Ind)": 128, "Alasdair Duke - Wardrop (Grn)": 219, "Fiacra Fullerton (Sol)": 302,
        "Scott Gillespie (Con)": 245, "Paul Graham (LD)": 231, "Danny Houston (Scottish Unionist)": 195,
        "Kenny Murray (Soc)": 126, "George Redmond (Lab)": 1982, "Ruth Simpson (Lab)": 628,
        "Alison E Thewliss (SNP)": 1143,
    }
    assert first.elected == ["George Redmond (Lab)"]
    assert outcome.rounds[1].note == "surplus of George Redmond (Lab)"
    assert all(r.elected == [] for r in outcome.rounds[1:6])
    last = outcome.rounds[6]
    assert last.elected == ["Alison E Thewliss (SNP)", "Ruth Simpson (Lab)"]
    assert floors(last.counts)["Ruth Simpson (Lab)"] == 1189
    assert floors(last.counts)["Fiacra Fullerton (Sol)"] == 446
    assert floors(last.counts)["Scott Gillespie (Con)"] == 409
    assert math.floor(last.counts["Alison E Thewliss (SNP)"] - 1300) == 60  # the surplus left untransferred
    # Every count is exact to five decimals and nothing is created or lost unaccounted.
    for rnd in outcome.rounds:
        assert all((Fraction(v) * 10 ** 5).denominator == 1 for v in rnd.counts.values())
        assert sum(rnd.counts.values()) + rnd.exhausted + rnd.details["loss_of_fractions"] == 5199


def test_glasgow_2007_anderston_stops_where_the_official_count_did() -> None:
    outcome = stv("stv-scottish", read("glasgow2007/glasgow_2007_anderston.blt"))
    assert outcome.winners == ["Craig Mackay (SNP)", "Philip Braat (Lab)", "Gordon Matheson (Lab)",
                               "Nina Baker (Grn)"]
    assert len(outcome.rounds) == 6
    last = floors(outcome.rounds[-1].counts)
    assert (last["Gordon Matheson (Lab)"], last["Nina Baker (Grn)"], last["Ann Laird (LD)"]) == (1291, 1247, 1050)
    assert last["Philip Braat (Lab)"] - outcome.details["quota"] == 40


def test_stage_by_stage_to_rule_52_gives_the_same_winners() -> None:
    f = read("glasgow2007/glasgow_2007_calton.blt")
    full = stv("stv-scottish", f, shortcut_last_vacancies=False)
    assert full.winners == ["George Redmond (Lab)", "Alison E Thewliss (SNP)", "Ruth Simpson (Lab)"]
    assert len(full.rounds) > 7 and full.rounds[7].note == "surplus of Alison E Thewliss (SNP)"
    assert "rule 52" in full.rounds[-1].note


@pytest.mark.parametrize("path", SCOTTISH_FILES, ids=lambda p: p.stem)
def test_every_scottish_ward_counts(path: Path) -> None:
    f = parse_blt(path.read_text())
    outcome = stv("stv-scottish", f)
    assert outcome.status is Status.ELECTED and len(outcome.winners) == f.seats
    quota = outcome.details["quota"]
    assert quota == outcome.valid // (f.seats + 1) + 1
    for rnd in outcome.rounds:
        assert sum(rnd.counts.values()) + rnd.exhausted + rnd.details["loss_of_fractions"] == outcome.valid
        assert all((Fraction(v) * 10 ** 5).denominator == 1 for v in rnd.counts.values())
    full = stv("stv-scottish", f, shortcut_last_vacancies=False)
    assert full.winners == outcome.winners


def test_scottish_transfer_value_is_truncated_to_five_decimals() -> None:
    ballots = [B("A", "B", weight=4), B("A", "C", weight=3), B("B", weight=2), B("C", weight=1)]
    outcome = count("stv-scottish", Contest("c", ("A", "B", "C"), seats=2), ballots=ballots)
    assert outcome.details["quota"] == 4
    second = outcome.rounds[1]
    # Surplus 3 over 7 votes: each paper goes on at 0.42857 (3/7 = 0.428571..., truncated).
    assert second.transfers == {"A": -3, "B": Fraction(171428, 100000), "C": Fraction(128571, 100000)}
    assert second.details["loss_of_fractions"] == Fraction(1, 100000)
    assert outcome.winners == ["A", "B"]


def test_scottish_ties_use_the_most_recent_unequal_stage_then_the_draw() -> None:
    # Quota 7. A's surplus of 1 gives B 8 x 0.125 = 1; B and C then stand at 3 each until the
    # exclusion after E's; they were unequal at stage 1 (B 2, C 3), so B is excluded [51(2)(a)].
    ballots = [B("A", "B", weight=8), B("B", weight=2), B("C", weight=3), B("D", weight=4), B("E")]
    outcome = count("stv-scottish", Contest("c", ("A", "B", "C", "D", "E"), seats=2), ballots=ballots)
    assert [r.note.split(";")[0] for r in outcome.rounds] == ["first stage", "surplus of A", "exclusion of E",
                                                              "exclusion of B"]
    assert outcome.winners == ["A", "D"]
    tie = outcome.rounds[3].ties[0]
    assert (tie.candidates, tie.rule.value, tie.chosen) == (("B", "C"), "previous_rounds", ("B",))
    # Equal at every stage: decided by lot, i.e. by the seeded draw, and recorded as such.
    even = [B("A", weight=8), B("B", weight=3), B("C", weight=3), B("D", weight=5)]
    drawn = [count("stv-scottish", Contest("c", ("A", "B", "C", "D"), seats=2, seed=seed), ballots=even)
             for seed in (b"1", b"2", b"3", b"4", b"5", b"6")]
    ties = [t for o in drawn for r in o.rounds for t in r.ties if t.purpose == "eliminate"]
    assert ties and all(t.rule.value == "draw" for t in ties)
    assert {t.chosen for t in ties} == {("B",), ("C",)}


# --- Ireland ---------------------------------------------------------------------------------------

def test_dublin_west_2002() -> None:
    f = read("irish2002/00001-00000002.soi")
    outcome = stv("stv-irish", f, seats=3)
    assert outcome.valid == 29988 and outcome.details["quota"] == 7498
    assert outcome.winners == ["Brian Lenihan F.F.", "Joe Higgins S.P.", "Joan Burton Lab"]
    assert outcome.rounds[0].elected == ["Brian Lenihan F.F."]
    for rnd in outcome.rounds:
        assert sum(rnd.counts.values()) + rnd.exhausted == 29988
        assert all(isinstance(v, int) for v in rnd.counts.values())


def test_the_irish_draw_is_seeded_and_does_not_depend_on_ballot_order() -> None:
    f = read("irish2002/00001-00000002.soi")
    one = stv("stv-irish", f, seats=3, seed=b"one")
    assert stv("stv-irish", f, seats=3, seed=b"one").to_json() == one.to_json()
    reversed_file = type(f)(f.candidates, tuple(reversed(f.ballots)), f.title, f.seats)
    assert stv("stv-irish", reversed_file, seats=3, seed=b"one").to_json() == one.to_json()
    others = [stv("stv-irish", f, seats=3, seed=s) for s in (b"two", b"three")]
    assert all(o.winners == one.winners for o in others)
    assert any(o.to_json()["rounds"] != one.to_json()["rounds"] for o in others)


def test_irish_surplus_shares_and_the_last_parcel() -> None:
    ballots = [B("A", "B", weight=6), B("A", "C", weight=3), B("A", weight=3), B("B", weight=3),
               B("C", weight=3), B("D", "B", weight=2)]
    outcome = count("stv-irish", Contest("c", ("A", "B", "C", "D"), seats=2, seed=b"s"), ballots=ballots)
    # Quota 7; A's surplus of 5 from 9 transferable papers: B 6*5/9 = 3.33 -> 3,
    # C 3*5/9 = 1.67 -> 1, plus the one paper owed to the largest fraction (C).
    assert outcome.rounds[1].counts == {"A": 7, "B": 6, "C": 5, "D": 2}
    assert outcome.rounds[2].eliminated == ["D"] and outcome.rounds[2].elected == ["B"]
    # B is elected with transferred votes: a surplus of B would come from D's two papers only.
    ballots2 = [B("B", weight=5), B("D", "B", "C", weight=3), B("A", weight=4), B("C", weight=3),
                B("E", weight=1)]
    o2 = count("stv-irish", Contest("c", ("A", "B", "C", "D", "E"), seats=2, seed=b"s",
                                    options={"multiple_exclusion": False, "defer_surplus": False}),
               ballots=ballots2)
    notes = [r.note.split(";")[0] for r in o2.rounds]
    assert notes[:3] == ["first count", "exclusion of E", "exclusion of D"]
    assert o2.rounds[2].elected == ["B"] and o2.rounds[2].counts["B"] == 8
    assert notes[3] == "surplus of B" and o2.rounds[3].transfers == {"B": -2, "C": 2}


def test_irish_count_refuses_fractional_weights() -> None:
    with pytest.raises(InvalidInput, match="whole papers"):
        count("stv-irish", Contest("c", ("A", "B"), seats=1), ballots=[B("A", weight=Fraction(1, 2))])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(IRISH))
def test_irish_files_count_under_irish_rules_and_meek_agrees(name: str) -> None:
    f = read(f"irish2002/{name}")
    irish = stv("stv-irish", f, seats=IRISH[name])
    meek = stv("stv-meek", f, seats=IRISH[name])
    assert len(irish.winners) == IRISH[name]
    assert set(meek.winners) == set(irish.winners)


# --- Meek ----------------------------------------------------------------------------------------

def test_meek_on_dublin_west() -> None:
    f = read("irish2002/00001-00000002.soi")
    outcome = stv("stv-meek", f, seats=3)
    assert outcome.winners == ["Brian Lenihan F.F.", "Joe Higgins S.P.", "Joan Burton Lab"]
    first = outcome.rounds[0]
    assert first.quota == Fraction(7497000000001, 10 ** 9)  # 29988/4 truncated, plus 10^-9
    for rnd in outcome.rounds:
        # Nothing created or lost: kept parts round up and the rest passes on.
        assert sum(rnd.counts.values()) + rnd.exhausted == 29988
        assert all((Fraction(v) * 10 ** 9).denominator == 1 for v in rnd.counts.values())
        assert all(0 < k <= 1 for k in rnd.details["keep_values"].values())
    for rnd in outcome.rounds:
        for name in rnd.elected:
            assert rnd.counts[name] >= rnd.quota or "fill the last seats" in rnd.note


def test_meek_precision_is_an_option() -> None:
    f = read("irish2002/00001-00000002.soi")
    coarse = stv("stv-meek", f, seats=3, decimals=4, omega=Fraction(1, 100))
    assert coarse.winners == ["Brian Lenihan F.F.", "Joe Higgins S.P.", "Joan Burton Lab"]
    assert all((Fraction(v) * 10 ** 4).denominator == 1 for v in coarse.rounds[-1].counts.values())


def test_meek_moves_a_surplus_through_an_elected_candidate() -> None:
    # A is elected at once; A's surplus goes to B, and B's to C when B is elected too.
    ballots = [B("A", "B", "C", weight=10), B("B", weight=3), B("C", weight=2), B("D", weight=4)]
    outcome = count("stv-meek", Contest("c", ("A", "B", "C", "D"), seats=2), ballots=ballots)
    assert outcome.winners == ["A", "B"]
    assert outcome.rounds[0].elected == ["A"]


# --- the paper reading -----------------------------------------------------------------------------

@pytest.mark.parametrize("method", STV)
def test_overvotes_and_skips_end_a_paper_and_a_bad_first_rank_is_invalid(method: str) -> None:
    ballots = [B("A", weight=5), B("B", weight=4), B("C", ("A", "B"), weight=2), B("C", (), "B", weight=1),
               B(("A", "B"), weight=3), B((), "A", weight=1)]
    outcome = count(method, Contest("c", ("A", "B", "C"), seats=1, seed=b"s"), ballots=ballots)
    assert outcome.invalid == 4 and outcome.valid == 12
    assert outcome.winners == ["A"]
    assert outcome.rounds[-1].exhausted >= 3  # C's papers go nowhere


# --- properties ----------------------------------------------------------------------------------

NAMES = ("A", "B", "C", "D", "E")


@st.composite
def profiles(draw: st.DrawFn, *, max_ballots: int = 30, complete: bool = False):
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
def test_stv_with_one_seat_elects_the_irv_winner(profile) -> None:
    cands, ballots = profile
    irv = count("irv", Contest("c", cands, seed=b"s"), ballots=ballots)
    outcomes = [count(m, Contest("c", cands, seats=1, seed=b"s"), ballots=ballots) for m in STV]
    if irv.ties or any(o.ties for o in outcomes):
        return
    for o in outcomes:
        assert o.winners == irv.winners, o.method


@FAST
@given(profiles(), st.integers(1, 3), st.randoms(use_true_random=False))
def test_stv_outcomes_do_not_depend_on_ballot_order(profile, seats, rnd) -> None:
    cands, ballots = profile
    seats = min(seats, len(cands))
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    for method in STV:
        one = count(method, Contest("c", cands, seats=seats, seed=b"s"), ballots=ballots)
        two = count(method, Contest("c", cands, seats=seats, seed=b"s"), ballots=shuffled)
        assert one.to_json() == two.to_json()
        assert len(one.winners) == seats


def to_pref_voting(cands, ballots) -> ProfileWithTies:
    index = {c: i for i, c in enumerate(cands)}
    rankings = [{index[r[0]]: pos + 1 for pos, r in enumerate(b.ranking)} for b in ballots]
    return ProfileWithTies(rankings, rcounts=[b.weight for b in ballots], candidates=list(range(len(cands))))


def close_calls(outcome, margin: Fraction) -> bool:
    """Whether any round had two candidates closer than ``margin`` (where float and fixed point may differ)."""
    for rnd in outcome.rounds:
        values = sorted(rnd.counts.values())
        if any(0 < b - a < margin for a, b in pairwise(values)):
            return True
        if rnd.quota is not None and any(0 < abs(v - rnd.quota) < margin for v in values):
            return True
    return False


@FAST
@given(profiles(max_ballots=20), st.integers(2, 3))
def test_scottish_stv_agrees_with_pref_voting_when_no_tie_decides(profile, seats) -> None:
    cands, ballots = profile
    seats = min(seats, len(cands) - 1) or 1
    ours = count("stv-scottish", Contest("c", cands, seats=seats, seed=b"s"), ballots=ballots)
    if ours.ties or close_calls(ours, Fraction(1, 1000)):
        return
    theirs = pv_scottish(to_pref_voting(cands, ballots), num_seats=seats)
    assert sorted(cands.index(w) for w in ours.winners) == sorted(theirs)


@FAST
@given(profiles(max_ballots=15), st.integers(2, 3))
def test_meek_stv_agrees_with_pref_voting_when_no_tie_decides(profile, seats) -> None:
    cands, ballots = profile
    seats = min(seats, len(cands) - 1) or 1
    ours = count("stv-meek", Contest("c", cands, seats=seats, seed=b"s"), ballots=ballots)
    if ours.ties or close_calls(ours, Fraction(1, 1000)):
        return
    theirs = pv_meek(to_pref_voting(cands, ballots), num_seats=seats)
    assert sorted(cands.index(w) for w in ours.winners) == sorted(theirs)
