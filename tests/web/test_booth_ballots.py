"""Ballots made by the booth's JavaScript, checked by the Python side.

- With the deterministic source of spec §7.2, the booth and
  ``vybory.protocol.encrypt.encrypt_ballot`` make the same ballot, byte for byte.
- The booth's own order (encrypt, then prove and sign at casting) gives ballots that
  ``vybory.verify.ballot.check_ballot`` accepts, whose ciphertexts decrypt (with the test's
  secret key) to the choices made, and whose audit opens to those choices in JavaScript.
- Tampered booth ballots are refused.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from electionkit import DefinitionToml, contest

from vybory.crypto import elgamal
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidBallot, InvalidEncoding, InvalidProof
from vybory.model.ballot import Ballot, tracking_code
from vybory.model.definition import parse_definition
from vybory.model.layout import compute_layout
from vybory.protocol.credentials import generate_credential
from vybory.protocol.encrypt import BallotForm, encrypt_ballot, values_to_choice
from vybory.verify.ballot import check_ballot

ROOT = Path(__file__).resolve().parents[2]

DEFINITION = DefinitionToml(
    slug="booth-test", title="Booth test", seed="00112233445566778899aabbccddeeff", credential_authority="Office",
    deadlines={"nominations_close": datetime(2025, 4, 1, 12, 0, tzinfo=UTC),
               "voting_open": datetime(2025, 4, 14, 5, 0, tzinfo=UTC),
               "voting_close": datetime(2025, 4, 16, 21, 0, tzinfo=UTC)},
    threshold=2, districts=(("d", "District"),),
    organisations=(("a", "Org A", "association"), ("b", "Org B", "association")),
    trustees=(("t1", "T1", "a"), ("t2", "T2", "b")),
    contests=(contest("mayor", "Mayor", method="plurality"),
              contest("chair", "Chair", method="strikeout"),
              contest("board", "Board", seats=2, method="approval"),
              contest("committee", "Committee", seats=3, method="for-against"),
              contest("budget", "Budget", method="motion"),
              contest("grant", "Grant", method="score", options={"max_score": 3}),
              contest("editor", "Editor", method="majority-judgment",
                      options={"grades": ["reject", "poor", "fair", "good"]})),
).text()

CANDIDATES = {
    "mayor": ["Ivanova", "Petrov", "Sidorov"],
    "chair": ["Orlova", "Zaitsev", "Жукова"],
    "board": ["Belova", "Gromov", "Kuznetsova", "Lvov"],
    "committee": ["Avdeev", "Borisova", "Chernov"],
    "budget": [],
    "grant": ["Library", "Clinic"],
    "editor": ["Fomina", "Glebov"],
}

CHOICES: dict[str, Any] = {
    "mayor": ["Petrov"],
    "chair": ["Жукова"],            # strike-out: the name left standing
    "board": ["Belova", "Lvov"],
    "committee": {"Avdeev": "for", "Chernov": "against"},
    "budget": "abstain",
    "grant": {"Library": 3, "Clinic": 1},
    "editor": {"Fomina": 2, "Glebov": 0},
}


@pytest.fixture(scope="module")
def setup() -> tuple[BallotForm, Scalar]:
    definition = parse_definition(DEFINITION)
    secret_key = Scalar.random(DeterministicRng("booth-test/key"))
    layouts = tuple(compute_layout(definition.contest(c.id), CANDIDATES[c.id]) for c in definition.contests)
    form = BallotForm(bytes(range(32)), 1, Point.base_mul(secret_key), "d", layouts, definition)
    return form, secret_key


def form_json(form: BallotForm) -> dict[str, Any]:
    """What the booth reads from GET /api/elections/{slug}/booth for one district."""
    return {"fingerprint": form.fingerprint.hex(), "round": form.round, "public_key": form.public_key.to_hex(),
            "contests": [layout.to_json() for layout in form.layouts]}


def booth(request: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node (Node.js 20 or later) is needed to test the booth"
    result = subprocess.run([node, "tests/js/make_ballot.mjs"], cwd=ROOT, input=json.dumps(request),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def check(form: BallotForm, ballot: Ballot) -> None:
    check_ballot(ballot, fingerprint=form.fingerprint, public_key=form.public_key, round=form.round,
                 layouts=form.layouts)


def test_same_ballot_as_python_from_the_same_source(setup: tuple[BallotForm, Scalar]) -> None:
    form, _ = setup
    secret, _public = generate_credential(DeterministicRng("booth-test/credential"))
    made = booth({"form": form_json(form), "credential": secret, "choices": CHOICES, "seed": "booth-test/ballot",
                  "mode": "encrypt"})
    expected, secrets = encrypt_ballot(form, secret, CHOICES, DeterministicRng("booth-test/ballot"))
    assert made["ballot"] == expected.to_json()
    assert made["tracking_code"] == tracking_code(expected) == secrets.tracking_code
    assert made["secrets"] == secrets.to_json()
    check(form, Ballot.from_json(made["ballot"]))


def test_booth_order_verifies_and_decrypts_to_the_choices(setup: tuple[BallotForm, Scalar]) -> None:
    form, secret_key = setup
    secret, public = generate_credential()
    made = booth({"form": form_json(form), "credential": secret, "choices": CHOICES, "mode": "seal"})
    ballot = Ballot.from_json(made["ballot"])
    check(form, ballot)
    assert ballot.credential == public
    assert made["tracking_code"] == tracking_code(ballot)
    assert made["same_encryption"] is True
    for part, layout in zip(ballot.contests, form.layouts):
        values = [elgamal.decrypt(secret_key, s.ciphertext, 1) for s in part.selections]
        assert values == made["values"][layout.contest]
        assert values_to_choice(layout, values) == CHOICES[layout.contest]
        assert made["opened"][layout.contest] == CHOICES[layout.contest]
    # The audit reveals the randomness of the very ciphertexts that were then cast.
    for part, audited in zip(ballot.contests, made["audit"]["contests"]):
        assert [s.ciphertext.to_json() for s in part.selections] == audited["ciphertexts"]


def test_strikeout_leaves_one_name_standing(setup: tuple[BallotForm, Scalar]) -> None:
    form, secret_key = setup
    secret, _ = generate_credential()
    choices = dict(CHOICES, chair=["Orlova"])
    made = booth({"form": form_json(form), "credential": secret, "choices": choices, "mode": "seal"})
    ballot = Ballot.from_json(made["ballot"])
    check(form, ballot)
    chair = ballot.contest("chair")
    assert chair is not None
    assert [elgamal.decrypt(secret_key, s.ciphertext, 1) for s in chair.selections] == [1, 0, 0]


@pytest.mark.parametrize("field", [
    ("signature", "response"),
    ("contests", 0, "selections", 1, "proof", "responses", 0),
    ("contests", 0, "range_proofs", 0, "challenges", 1),
    ("contests", 3, "selections", 0, "ciphertext", "beta"),
    ("round",),
    ("credential",),
])
def test_tampered_booth_ballots_are_refused(setup: tuple[BallotForm, Scalar], field: tuple[Any, ...]) -> None:
    form, _ = setup
    secret, _ = generate_credential()
    made = booth({"form": form_json(form), "credential": secret, "choices": CHOICES, "seed": "booth-test/tamper",
                  "mode": "encrypt"})
    bad = copy.deepcopy(made["ballot"])
    target = bad
    for key in field[:-1]:
        target = target[key]
    last = field[-1]
    value = target[last]
    if isinstance(value, int):
        target[last] = value + 1
    elif last in ("beta", "credential"):
        # another valid point: g^1
        target[last] = Point.GENERATOR.to_hex()
    else:
        target[last] = ("01" if value[:2] != "01" else "02") + value[2:]
    with pytest.raises((InvalidProof, InvalidBallot, InvalidEncoding)):
        check(form, Ballot.from_json(bad))
