"""The pieces of spec §17 one by one: the weight ciphertext, decoding a mix's rows and payload
(garbage refused, naming the field), and reading decrypted rows back (anything that is not a
ranking with a weight becomes an invalid ballot, never a silent drop)."""

from __future__ import annotations

import pytest
from electionkit import contest, lone_contest

from vybory.crypto.elgamal import Ciphertext, g_power
from vybory.crypto.group import Point
from vybory.crypto.rng import DeterministicRng
from vybory.crypto.shuffle import prove_shuffle, shuffle
from vybory.errors import InvalidEncoding, InvalidInput
from vybory.model.definition import parse_definition
from vybory.model.layout import compute_layout
from vybory.rules.base import RankedBallot
from vybory.verify.mix import (
    MAX_WEIGHT,
    decode_rows,
    input_row,
    parse_mix,
    ranked_ballots,
    ranked_totals,
    read_row,
    read_rows,
    weight_ciphertext,
)

DEFINITION = lone_contest(contest("chair", "Chair", method="irv"))
NAMES = ("Ann", "Bob", "Cy")
LAYOUT = compute_layout(parse_definition(DEFINITION).contests[0], NAMES)  # 3 x 3 and the weight


def g(m: int) -> Point:
    return Point.from_bytes(g_power(m), "g", allow_identity=True)


def row(marks: dict[str, int], weight: int = 1) -> list[Point]:
    return [g(1 if marks.get(name) == k else 0) for name in NAMES for k in (1, 2, 3)] + [g(weight)]


def test_the_weight_ciphertext_is_the_weight_with_randomness_zero() -> None:
    ct = weight_ciphertext(7)
    assert ct.alpha == Point.IDENTITY and ct.beta == g(7)
    assert input_row([ct, ct], 3)[-1] == weight_ciphertext(3)
    for bad in (0, -1, MAX_WEIGHT + 1, True, "2"):
        with pytest.raises(InvalidInput):
            weight_ciphertext(bad)  # type: ignore[arg-type]


def test_decrypted_rows_are_read_as_rankings_with_their_weight() -> None:
    assert read_row(LAYOUT, row({"Cy": 1, "Ann": 2}, 3), 5) == {"ranking": ["Cy", "Ann"], "weight": 3}
    assert read_row(LAYOUT, row({"Bob": 2}), 1) == {"ranking": [None, "Bob"], "weight": 1}
    assert read_row(LAYOUT, row({}), 1) == {"ranking": [], "weight": 1}
    rows = read_rows(LAYOUT, row({"Ann": 1}) + row({"Bob": 1}, 2), 2)
    assert rows == [{"ranking": ["Ann"], "weight": 1}, {"ranking": ["Bob"], "weight": 2}]
    assert ranked_totals(LAYOUT, rows + [{"invalid": "x"}]) == {
        label: {"Ann:1": 1, "Bob:1": 2}.get(label, 0) for label in LAYOUT.labels}


@pytest.mark.parametrize("points, words", [
    ([g(2)] + row({})[1:], "neither 0 nor 1"),
    (row({"Ann": 1, "Bob": 1}), "rank 1 holds 2 names"),
    ([g(1), g(1)] + row({})[2:], "ranked more than once"),
    (row({"Ann": 1}, 0), "the weight"),
    (row({"Ann": 1}, 6), "the weight"),
    (row({})[:-2] + [g(1)], "values, not 10"),
])
def test_a_row_that_is_not_a_ranking_is_an_invalid_ballot(points, words) -> None:
    read = read_row(LAYOUT, points, 5)
    assert set(read) == {"invalid"} and words in read["invalid"]


def test_invalid_rows_are_not_given_to_the_rule_and_skipped_ranks_stay_skipped() -> None:
    entry = {"rankings": [{"invalid": "selection 'Ann:1' is neither 0 nor 1"},
                          {"ranking": ["Ann", None, "Cy"], "weight": 2}, {"ranking": [], "weight": 1}]}
    assert ranked_ballots(entry) == [RankedBallot((("Ann",), (), ("Cy",)), 2), RankedBallot((), 1)]
    with pytest.raises(InvalidInput):
        read_rows(LAYOUT, row({})[:-1], 1)


CT = Ciphertext(g(3), g(4)).to_json()


@pytest.mark.parametrize("rows, field", [
    ("rows", "rows"),
    ([], "rows"),
    ([[CT], CT], "rows[1]"),
    ([[CT], []], "rows[1]"),
    ([[CT], [CT, CT]], "rows"),
    ([[CT, {"alpha": CT["alpha"]}]], "rows[0][1]"),
    ([[{"alpha": Point.IDENTITY.to_hex(), "beta": CT["beta"]}]], "rows[0][0].alpha"),
    ([[{"alpha": "zz" * 32, "beta": CT["beta"]}]], "rows[0][0].alpha"),
])
def test_garbage_rows_are_refused_naming_the_field(rows, field) -> None:
    with pytest.raises(InvalidEncoding) as caught:
        decode_rows(rows, "rows")
    assert caught.value.field == field


def test_rows_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(InvalidEncoding) as caught:
        decode_rows([[CT, CT]], "rows", width=3)
    assert caught.value.field == "rows[0]"


@pytest.mark.parametrize("change, field", [
    (lambda p: p.pop("signature"), "payload"),
    (lambda p: p.__setitem__("round", 0), "round"),
    (lambda p: p.__setitem__("round", True), "round"),
    (lambda p: p.__setitem__("trustee", "1"), "trustee"),
    (lambda p: p.__setitem__("contest", 3), "contest"),
    (lambda p: p.__setitem__("input", -4), "input"),
    (lambda p: p.__setitem__("signature", {"commitment": CT["alpha"]}), "signature"),
    (lambda p: p.__setitem__("proof", []), "proof"),
])
def test_a_malformed_mix_payload_is_refused_naming_the_field(change, field) -> None:
    ct = Ciphertext.from_json(CT, "ct")
    outputs, witness = shuffle(g(5), [[ct]], DeterministicRng(b"w"))
    proof = prove_shuffle(b"f" * 32, g(5), [[ct]], outputs, witness, DeterministicRng(b"p")).to_json()
    payload = {"round": 1, "contest": "chair", "trustee": 1, "input": None,
               "rows": [[c.to_json() for c in outputs[0]]], "proof": proof,
               "signature": {"commitment": CT["alpha"], "response": "00" * 32}, "at": "2025-05-12T00:00:00Z"}
    assert parse_mix(payload).rows == outputs
    change(payload)
    with pytest.raises(InvalidEncoding) as caught:
        parse_mix(payload)
    assert caught.value.field == field
