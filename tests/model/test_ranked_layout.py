"""Ranked contests in the definition and their ballot layout: a candidate x rank 0/1 matrix, read
back as a ranking (skipped ranks kept, anything else refused)."""

from __future__ import annotations

import pytest
from electionkit import COMMITTEE

from vybory import rules
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidBallot, InvalidInput, Refused
from vybory.model.definition import (
    HOMOMORPHIC_METHODS,
    RANKED_METHODS,
    fingerprint,
    parse_definition,
)
from vybory.model.layout import compute_layout, rank_count, ranking_of
from vybory.protocol.encrypt import (
    BallotForm,
    choice_to_values,
    encrypt_ballot,
    open_ballot,
    values_to_choice,
)
from vybory.verify.ballot import check_ballot

BASE = COMMITTEE.removesuffix('method = "majority"\n')  # the contest "chair" without its method
NAMES = ("Ann", "Bob", "Cy", "Dee")


def contest(method: str, extra: str = ""):
    return parse_definition(BASE + f'method = "{method}"\n{extra}').contests[0]


def test_the_ranked_methods_are_the_rules_that_need_ballots() -> None:
    needing_ballots = {name for name, m in rules.METHODS.items() if not m.accepts_totals}
    assert set(RANKED_METHODS) == needing_ballots
    assert all(rules.METHODS[m].ballot_kind == "ranked" for m in RANKED_METHODS)
    assert set(HOMOMORPHIC_METHODS) | set(RANKED_METHODS) == set(rules.METHODS)


@pytest.mark.parametrize("method", RANKED_METHODS)
def test_every_ranked_method_is_accepted_with_a_matrix_layout(method: str) -> None:
    c = contest(method, "seats = 2" if method.startswith("stv") else "")
    assert c.is_ranked and c.min_marks is None and c.max_marks is None
    layout = compute_layout(c, NAMES)
    assert layout.labels[:5] == ("Ann:1", "Ann:2", "Ann:3", "Ann:4", "Bob:1")
    assert layout.size == 16 and layout.maxima == (1,) * 16
    rows, columns = layout.constraints[:4], layout.constraints[4:]
    assert [c.indices for c in rows] == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11), (12, 13, 14, 15)]
    assert [c.indices for c in columns] == [(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15)]
    assert all((c.minimum, c.maximum) == (0, 1) for c in layout.constraints)


def test_irv_max_ranks_limits_the_ranks_on_the_ballot() -> None:
    c = contest("irv", "[contests.options]\nmax_ranks = 2")
    assert rank_count(c, 4) == 2 and rank_count(c, 2) == 2 and rank_count(c, 1) == 1
    layout = compute_layout(c, NAMES)
    assert layout.labels == ("Ann:1", "Ann:2", "Bob:1", "Bob:2", "Cy:1", "Cy:2", "Dee:1", "Dee:2")
    assert len(layout.constraints) == 4 + 2


def test_a_ranking_too_wide_to_mix_is_refused() -> None:
    names = [f"C{i:02d}" for i in range(32)]
    with pytest.raises(Refused) as caught:
        compute_layout(contest("schulze"), names)
    assert caught.value.code == "ranking_too_wide"
    assert compute_layout(contest("irv", "[contests.options]\nmax_ranks = 3"), names).size == 96


def test_ranking_of_reads_the_matrix_and_keeps_skipped_ranks() -> None:
    layout = compute_layout(contest("stv-meek"), NAMES)

    def matrix(marks: dict[str, int]) -> list[int]:
        return [1 if marks.get(name) == k else 0 for name in NAMES for k in range(1, 5)]

    assert ranking_of(layout, matrix({"Cy": 1, "Ann": 2})) == ("Cy", "Ann")
    assert ranking_of(layout, matrix({"Cy": 1, "Ann": 3})) == ("Cy", None, "Ann")
    assert ranking_of(layout, matrix({})) == ()
    assert ranking_of(layout, matrix({"Dee": 4})) == (None, None, None, "Dee")
    bad = {
        "two names at one rank": matrix({"Cy": 1, "Ann": 1}),
        "one name at two ranks": [1, 1, 0, 0] + [0] * 12,
        "a value of 2": [2] + [0] * 15,
        "a short row": [0] * 15,
        "a yes/no value": [True] + [0] * 15,
    }
    for name, values in bad.items():
        with pytest.raises(InvalidBallot) as caught:
            ranking_of(layout, values)
        assert caught.value.code == "not_a_ranking", name
    with pytest.raises(InvalidBallot):
        ranking_of(compute_layout(contest("plurality"), NAMES), [0, 0, 0, 0])


def _form(layout):
    definition = parse_definition(BASE + 'method = "irv"\n')
    key = Point.base_mul(Scalar.random(DeterministicRng(b"ranked-key")))
    return BallotForm(fingerprint(definition), 1, key, "plant", (layout,), definition)


def test_a_ranked_choice_is_encrypted_proven_and_audited() -> None:
    layout = compute_layout(contest("irv"), NAMES)
    form = _form(layout)
    values = choice_to_values(form, "chair", ["Dee", "Ann"])
    assert values == (0, 1, 0, 0) + (0,) * 8 + (1, 0, 0, 0)
    assert values_to_choice(layout, values) == ["Dee", "Ann"]
    ballot, audit = encrypt_ballot(form, "A" * 24, {"chair": ["Dee", "Ann"]}, DeterministicRng(b"b"))
    check_ballot(ballot, fingerprint=form.fingerprint, public_key=form.public_key, round=1, layouts=(layout,))
    assert open_ballot(form, ballot, audit) == {"chair": ["Dee", "Ann"]}
    blank, _ = encrypt_ballot(form, "A" * 24, {}, DeterministicRng(b"c"))
    check_ballot(blank, fingerprint=form.fingerprint, public_key=form.public_key, round=1, layouts=(layout,))


@pytest.mark.parametrize("choice, error, code", [
    (["Ann", "Ann"], InvalidBallot, "ranked_twice"),
    (["Ann", "Zed"], InvalidBallot, "unknown_candidate"),
    (["Ann", "Bob", "Cy"], InvalidBallot, "too_many_ranks"),
    ({"Ann", "Bob"}, InvalidInput, "invalid_input"),
    ({"Ann": 1}, InvalidInput, "invalid_input"),
])
def test_a_choice_that_is_not_a_ranking_is_refused_before_encryption(choice, error, code) -> None:
    layout = compute_layout(contest("irv", "[contests.options]\nmax_ranks = 2"), NAMES)
    with pytest.raises(error) as caught:
        choice_to_values(_form(layout), "chair", choice)
    assert caught.value.code == code
