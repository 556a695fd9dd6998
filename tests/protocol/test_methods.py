"""Every homomorphic method end to end with one key: choices -> encrypted ballots -> tally ->
decrypted totals -> the counting rule; the totals equal the plaintext count of the same choices."""

from __future__ import annotations

from collections import Counter

import pytest
from electionkit import COMMITTEE as BASE

from vybory import rules
from vybory.crypto.elgamal import Ciphertext, decrypt
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidBallot
from vybory.model.definition import fingerprint, parse_definition
from vybory.model.layout import compute_layout
from vybory.protocol.encrypt import BallotForm, encrypt_ballot, open_ballot
from vybory.rules.base import Contest, Totals
from vybory.verify.ballot import check_ballot

NAMES = ["Ann", "Bob", "Cy"]
KEY = Scalar.random(DeterministicRng(b"method-key"))

CASES = {
    "plurality": ("", [["Ann"], ["Bob"], ["Ann"], []]),
    "block": ("seats = 2", [["Ann", "Bob"], ["Cy"], ["Ann", "Cy"]]),
    "approval": ("max_marks = 3", [["Ann", "Bob", "Cy"], ["Bob"], []]),
    "strikeout": ("", [["Ann"], ["Ann"], ["Cy"], []]),
    "majority": ("", [["Bob"], ["Bob"], ["Ann"]]),
    "for-against": ("seats = 2", [{"Ann": "for", "Bob": "against"}, {"Ann": "for", "Cy": "for"}, {}]),
    "motion": ("", ["yes", "no", "yes", "abstain"]),
    "score": ("[contests.options]\nmax_score = 3", [{"Ann": 3, "Bob": 1}, {"Ann": 2, "Cy": 0}, {}]),
    "majority-judgment": ("[contests.options]\ngrades = [\"bad\", \"fair\", \"good\"]",
                          [{"Ann": "good", "Bob": "bad", "Cy": "fair"}, {"Ann": "fair", "Bob": 0}]),
}


def expected_counts(method, layout, choices):
    counts = Counter({label: 0 for label in layout.labels})
    for choice in choices:
        if method == "motion":
            counts[choice] += 1
        elif method == "for-against":
            for name, side in choice.items():
                counts[f"{name}:{side}"] += 1
        elif method in ("score", "majority-judgment"):
            for name, value in choice.items():
                if isinstance(value, str):
                    value = ["bad", "fair", "good"].index(value)
                counts[f"{name}:{value}"] += 1
        else:
            for name in choice:
                counts[name] += 1
    return dict(counts)


@pytest.mark.parametrize("method", sorted(CASES))
def test_method_round_trip(method):
    extra, choices = CASES[method]
    text = BASE.replace('method = "majority"', f'method = "{method}"\n{extra}')
    definition = parse_definition(text)
    contest = definition.contests[0]
    candidates = [] if method == "motion" else NAMES
    layout = compute_layout(contest, candidates)
    form = BallotForm(fingerprint(definition), 1, Point.base_mul(KEY), "plant", (layout,), definition)
    sums = [Ciphertext.zero()] * layout.size
    weights = [1, 2, 1, 1][: len(choices)]
    for i, (choice, weight) in enumerate(zip(choices, weights)):
        secret = f"{'A' * 23}{'BCDEFG'[i]}"
        ballot, audit = encrypt_ballot(form, secret, {contest.id: choice}, DeterministicRng(bytes([i])))
        check_ballot(ballot, fingerprint=form.fingerprint, public_key=form.public_key, round=1, layouts=(layout,))
        opened = open_ballot(form, ballot, audit)[contest.id]
        assert opened is not None
        for k, selection in enumerate(ballot.contests[0].selections):
            sums[k] = sums[k] + selection.ciphertext.scale(weight)
    cast = sum(weights)
    counts = {label: decrypt(KEY, ct, cast) for label, ct in zip(layout.labels, sums)}
    weighted = []
    for choice, weight in zip(choices, weights):
        weighted += [choice] * weight
    assert counts == expected_counts(method, layout, weighted)
    rules_contest = Contest(contest.id, tuple(candidates or ("yes", "no", "abstain")), contest.seats,
                            contest.options, registered=10, seed=b"s")
    outcome = rules.count(method, rules_contest, totals=Totals(counts=counts, ballots_cast=cast))
    assert outcome.status.value in {"elected", "runoff_required", "repeat_required", "no_decision"}


@pytest.mark.parametrize("method, choice, code", [
    ("plurality", ["Ann", "Bob"], "wrong_mark_count"),
    ("block", ["Ann", "Bob", "Cy"], "wrong_mark_count"),
    ("strikeout", ["Ann", "Ann"], "marked_twice"),
    ("for-against", {"Ann": "maybe"}, "for_against_choice"),
    ("motion", "perhaps", "motion_choice"),
    ("score", {"Ann": 11}, "score_out_of_range"),
    ("majority-judgment", {"Ann": 9}, "score_out_of_range"),
    ("approval", ["Dan"], "unknown_candidate"),
])
def test_choices_a_contest_does_not_allow(method, choice, code):
    text = BASE.replace('method = "majority"', f'method = "{method}"' + ("\nseats = 2" if method == "block" else ""))
    definition = parse_definition(text)
    contest = definition.contests[0]
    layout = compute_layout(contest, [] if method == "motion" else NAMES)
    form = BallotForm(fingerprint(definition), 1, Point.base_mul(KEY), "plant", (layout,), definition)
    with pytest.raises(InvalidBallot) as info:
        encrypt_ballot(form, "A" * 24, {contest.id: choice}, DeterministicRng(b"x"))
    assert info.value.code == code
