"""The voter's side: method-shaped choices -> selections -> an encrypted, signed ballot.

``ballot_form(state, credential)`` gives what a voter needs to fill in a ballot
(the round, the key, the layouts of the contests of the credential's
district). ``encrypt_ballot(form, secret_credential, choices, rng)`` returns
the :class:`~vybory.model.ballot.Ballot` and its :class:`BallotSecrets` (the
values and randomness of every selection). The secrets let the voter audit a
ballot before casting it (Benaloh challenge: ``open_ballot`` decrypts it with
the randomness and checks every ciphertext); an audited ballot is spoiled and
must not be cast: a fresh one is made for casting.

Choices per method:

- plurality, block, approval, majority: the names marked (a list; a single
  name is accepted for one mark);
- strikeout: the names left standing (the others are crossed out);
- for-against: ``{name: "for" | "against"}``; a name left out is neither;
- motion: ``"yes"``, ``"no"`` or ``"abstain"``;
- score: ``{name: score}``; majority-judgment: ``{name: grade}`` (a grade's
  number, or its name when the contest names its grades);
- ranked methods (IRV, STV, Condorcet): the names in order of preference,
  most preferred first (at most the layout's number of ranks).

A contest left out of ``choices`` is blank where the layout allows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto import elgamal
from vybory.crypto.group import Point, Rng, Scalar
from vybory.crypto.proofs import prove_range, prove_zero_one, sign
from vybory.errors import InvalidBallot, InvalidInput, Refused
from vybory.model.ballot import (
    Ballot,
    ContestBallot,
    EncryptedSelection,
    SelectionProof,
    ballot_body,
    tracking_code,
)
from vybory.model.canonical import canonical_json
from vybory.model.definition import MARK_METHODS, RANKED_METHODS, Definition
from vybory.model.layout import FOR_AGAINST, MOTION_CHOICES, Layout, ranking_of, score_range
from vybory.protocol.credentials import credential_scalar
from vybory.protocol.state import ElectionState, RoundState
from vybory.text import say


@dataclass(frozen=True, slots=True)
class BallotForm:
    """What a voter's device needs to make a ballot.

    Invariants: ``layouts`` are the round's contests in the credential's
    district, in definition order; ``public_key`` is the election key.
    """

    fingerprint: bytes
    round: int
    public_key: Point
    district: str
    layouts: tuple[Layout, ...]
    definition: Definition

    def layout(self, contest_id: str) -> Layout:
        for layout in self.layouts:
            if layout.contest == contest_id:
                return layout
        raise InvalidInput(say("contest %(contest_id)s is not on this ballot (it has %(names)s)", contest_id=repr(contest_id), names=', '.join(l.contest for l in self.layouts)), field="choices")


@dataclass(frozen=True, slots=True, repr=False)
class BallotSecrets:
    """The values and randomness of every selection of one ballot: secret, for auditing only.

    Invariants: per contest, ``values[i]`` and ``randomness[i]`` made selection i.
    """

    tracking_code: str
    values: Mapping[str, tuple[int, ...]]
    randomness: Mapping[str, tuple[Scalar, ...]]

    def __repr__(self) -> str:
        return f"BallotSecrets(tracking_code={self.tracking_code!r}, <hidden>)"

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "contests": [
                {"contest": c, "values": list(self.values[c]), "randomness": [r.to_hex() for r in self.randomness[c]]}
                for c in self.values
            ],
        }

    @staticmethod
    def from_json(obj: Any) -> BallotSecrets:
        if not isinstance(obj, Mapping) or set(obj) != {"tracking_code", "contests"}:
            raise InvalidInput(say("must have exactly tracking_code and contests"), field="audit")
        values: dict[str, tuple[int, ...]] = {}
        randomness: dict[str, tuple[Scalar, ...]] = {}
        if not isinstance(obj["contests"], list):
            raise InvalidInput(say("must be a list"), field="audit.contests")
        for k, c in enumerate(obj["contests"]):
            where = f"audit.contests[{k}]"
            if not isinstance(c, Mapping) or set(c) != {"contest", "values", "randomness"}:
                raise InvalidInput(say("must have exactly contest, values, randomness"), field=where)
            vs, rs = c["values"], c["randomness"]
            if (not isinstance(vs, list) or not isinstance(rs, list) or len(vs) != len(rs)
                    or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in vs)):
                raise InvalidInput(say("values (whole numbers) and randomness must be lists of equal length"),
                                   field=where)
            values[c["contest"]] = tuple(vs)
            randomness[c["contest"]] = tuple(Scalar.from_hex(r, f"{where}.randomness[{i}]")
                                             for i, r in enumerate(rs))
        if not isinstance(obj["tracking_code"], str):
            raise InvalidInput(say("must be text"), field="audit.tracking_code")
        return BallotSecrets(obj["tracking_code"], values, randomness)


def voting_round(state: ElectionState, district: str) -> RoundState:
    """The latest round that lists a contest of ``district`` and is not closed."""
    for number in sorted(state.rounds, reverse=True):
        rnd = state.rounds[number]
        if not rnd.closed and district in rnd.districts(state.definition):
            return rnd
    raise Refused(say("there is no open round with a contest in district %(district)s", district=repr(district)), field="round",
                  code="no_open_round")


def district_layouts(state: ElectionState, rnd: RoundState, district: str) -> tuple[Layout, ...]:
    """The round's layouts for the contests of ``district``, in definition order."""
    return tuple(rnd.layouts[c.id] for c in state.definition.contests
                 if c.id in rnd.layouts and c.district == district)


def ballot_form(state: ElectionState, credential: Point | str) -> BallotForm:
    """The ballot form for the holder of the public ``credential`` in the current round."""
    key = credential.to_hex() if isinstance(credential, Point) else credential
    entry = state.credentials.get(key)
    if entry is None:
        raise InvalidBallot(say("this credential is not on the published list"), field="credential",
                            code="unknown_credential")
    if state.public_key is None:
        raise Refused(say("the key ceremony is not completed"), field="key_ceremony",
                      code="key_ceremony_not_completed")
    rnd = voting_round(state, entry.district)
    return BallotForm(state.fingerprint, rnd.number, state.public_key, entry.district,
                      district_layouts(state, rnd, entry.district), state.definition)


# --- choices <-> selection values -----------------------------------------------------


def _names(choice: Any, field: str) -> list[str]:
    if choice is None:
        return []
    if isinstance(choice, str):
        return [choice]
    if isinstance(choice, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in choice):
        return list(choice)
    raise InvalidInput(say("must be a list of candidate names"), field=field)


def choice_to_values(form: BallotForm, contest_id: str, choice: Any) -> tuple[int, ...]:
    """The selection values a method-shaped ``choice`` gives (``None``: blank).

    Raises :class:`~vybory.errors.InvalidBallot` for a choice the contest
    does not allow, naming it (the voter's device refuses before encrypting).
    """
    layout = form.layout(contest_id)
    contest = form.definition.contest(contest_id)
    field = f"choices.{contest_id}"
    candidates = layout.candidates
    method = layout.method

    def unknown(name: str) -> InvalidBallot:
        return InvalidBallot(say("%(name)s is not a candidate of contest %(contest_id)s (candidates: %(names)s)", name=repr(name), contest_id=repr(contest_id), names=', '.join(candidates)), field=field, code="unknown_candidate")

    if method in MARK_METHODS:
        names = _names(choice, field)
        for name in names:
            if name not in candidates:
                raise unknown(name)
        if len(set(names)) != len(names):
            raise InvalidBallot(say("a name is marked twice"), field=field, code="marked_twice")
        constraint = layout.constraints[0]
        if not constraint.minimum <= len(names) <= constraint.maximum:
            what = say("left standing") if method == "strikeout" else say("marked")
            raise InvalidBallot(say("contest %(contest_id)s allows %(minimum)s to %(maximum)s names %(what)s, not %(count)s", contest_id=repr(contest_id), minimum=constraint.minimum, maximum=constraint.maximum, what=what, count=len(names)), field=field, code="wrong_mark_count")
        return tuple(1 if c in names else 0 for c in candidates)
    if method == "motion":
        if choice not in MOTION_CHOICES:
            raise InvalidBallot(say("choose one of %(names)s", names=', '.join(MOTION_CHOICES)), field=field,
                                code="motion_choice")
        return tuple(1 if c == choice else 0 for c in MOTION_CHOICES)
    if method in RANKED_METHODS:
        if isinstance(choice, (set, frozenset)):
            raise InvalidInput(say("must be a list of names in order of preference"), field=field)
        order = _names(choice, field)
        for name in order:
            if name not in candidates:
                raise unknown(name)
        if len(set(order)) != len(order):
            raise InvalidBallot(say("a name is ranked twice"), field=field, code="ranked_twice")
        ranks = layout.size // len(candidates)
        if len(order) > ranks:
            raise InvalidBallot(say("contest %(contest_id)s allows at most %(ranks)s preferences, not %(count)s", contest_id=repr(contest_id), ranks=ranks, count=len(order)),
                                field=field, code="too_many_ranks")
        return tuple(1 if k < len(order) and order[k] == name else 0
                     for name in candidates for k in range(ranks))
    given = {} if choice is None else choice
    if not isinstance(given, Mapping):
        raise InvalidInput(say("must be a table of candidate name -> value"), field=field)
    for name in given:
        if name not in candidates:
            raise unknown(name)
    if method == "for-against":
        values = []
        for name in candidates:
            side = given.get(name)
            if side not in (None, "neither", *FOR_AGAINST):
                raise InvalidBallot(say("%(name)s: choose for, against or neither, not %(side)s", name=repr(name), side=repr(side)),
                                    field=f"{field}.{name}", code="for_against_choice")
            values += [1 if side == "for" else 0, 1 if side == "against" else 0]
        for constraint in layout.constraints[len(candidates):]:
            if sum(values[i] for i in constraint.indices) > constraint.maximum:
                raise InvalidBallot(say("at most %(maximum)s candidates may get a vote for", maximum=constraint.maximum),
                                    field=field, code="too_many_for")
        return tuple(values)
    if method == "score":
        low, high = score_range(contest)
        scale: list[Any] = list(range(low, high + 1))
    else:
        grades = contest.options.get("grades", 6)
        scale = list(range(grades)) if isinstance(grades, int) else list(range(len(grades)))
        names_of_grades = list(grades) if isinstance(grades, list) else []
    values = []
    for name in candidates:
        v = given.get(name)
        if method == "majority-judgment" and isinstance(v, str) and names_of_grades:
            if v not in names_of_grades:
                raise InvalidBallot(say("%(name)s: %(v)s is not one of the grades %(names)s", name=repr(name), v=repr(v), names=', '.join(names_of_grades)),
                                    field=f"{field}.{name}", code="unknown_grade")
            v = names_of_grades.index(v)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v not in scale):
            raise InvalidBallot(say("%(name)s: %(v)s must be a whole number from %(low)s to %(high)s", name=repr(name), v=repr(v), low=scale[0], high=scale[-1]),
                                field=f"{field}.{name}", code="score_out_of_range")
        values += [1 if v == s else 0 for s in scale]
    return tuple(values)


def values_to_choice(layout: Layout, values: Sequence[int]) -> Any:
    """The readable choice behind selection values (what an audit shows the voter)."""
    method = layout.method
    if method in MARK_METHODS:
        return [c for c, v in zip(layout.candidates, values) if v]
    if method == "motion":
        chosen = [c for c, v in zip(MOTION_CHOICES, values) if v]
        return chosen[0] if len(chosen) == 1 else None
    if method in RANKED_METHODS:
        return [name for name in ranking_of(layout, values) if name is not None]
    if method == "for-against":
        out = {}
        for i, name in enumerate(layout.candidates):
            if values[2 * i]:
                out[name] = "for"
            elif values[2 * i + 1]:
                out[name] = "against"
        return out
    out2: dict[str, int] = {}
    for label, v in zip(layout.labels, values):
        if v:
            name, _, value = label.rpartition(":")
            out2[name] = int(value)
    return out2


# --- encryption ---------------------------------------------------------------------------


def encrypt_ballot(form: BallotForm, secret_credential: str | Scalar, choices: Mapping[str, Any],
                   rng: Rng | None = None) -> tuple[Ballot, BallotSecrets]:
    """The encrypted, proven and signed ballot for ``choices``, and its secrets for an audit.

    Contests of the form left out of ``choices`` are blank where allowed;
    a contest not on the form is refused.
    """
    if not isinstance(choices, Mapping):
        raise InvalidInput(say("must be a table of contest -> choice"), field="choices")
    for contest_id in choices:
        form.layout(contest_id)
    s = secret_credential if isinstance(secret_credential, Scalar) else credential_scalar(secret_credential)
    credential = Point.base_mul(s)
    fp, pk = form.fingerprint, form.public_key
    parts = []
    all_values: dict[str, tuple[int, ...]] = {}
    all_randomness: dict[str, tuple[Scalar, ...]] = {}
    for layout in form.layouts:
        values = choice_to_values(form, layout.contest, choices.get(layout.contest))
        randomness = tuple(Scalar.random(rng) for _ in values)
        selections = []
        ciphertexts = []
        for v, r, maximum in zip(values, randomness, layout.maxima):
            ct = elgamal.encrypt(pk, v, r)
            ciphertexts.append(ct)
            proof: SelectionProof
            if maximum == 1:
                proof = prove_zero_one(fp, credential, pk, ct, v, r, rng)
            else:
                proof = prove_range(fp, credential, pk, ct, v, r, 0, maximum, rng)
            selections.append(EncryptedSelection(ct, proof))
        range_proofs = []
        for constraint in layout.constraints:
            idx = constraint.indices
            total = ciphertexts[idx[0]]
            r_total = randomness[idx[0]]
            for i in idx[1:]:
                total = total + ciphertexts[i]
                r_total = r_total + randomness[i]
            v_total = sum(values[i] for i in idx)
            range_proofs.append(prove_range(fp, credential, pk, total, v_total, r_total,
                                            constraint.minimum, constraint.maximum, rng))
        parts.append(ContestBallot(layout.contest, tuple(selections), tuple(range_proofs)))
        all_values[layout.contest] = values
        all_randomness[layout.contest] = randomness
    contests = tuple(parts)
    message = canonical_json(ballot_body(fp, form.round, credential, contests))
    ballot = Ballot(fp, form.round, credential, contests, sign(fp, s, message, rng))
    return ballot, BallotSecrets(tracking_code(ballot), all_values, all_randomness)


def open_ballot(form: BallotForm, ballot: Ballot, secrets: BallotSecrets) -> dict[str, Any]:
    """Benaloh audit: checks that every ciphertext of ``ballot`` encrypts the stated value with
    the stated randomness, and returns the readable choice per contest.

    Raises :class:`~vybory.errors.InvalidBallot` naming the first selection
    that does not match: the device that made the ballot cheated or erred.
    """
    if tracking_code(ballot) != secrets.tracking_code:
        raise InvalidBallot(say("the audit information belongs to another ballot"), field="audit.tracking_code",
                            code="audit_mismatch")
    out: dict[str, Any] = {}
    for part in ballot.contests:
        layout = form.layout(part.contest)
        values = secrets.values.get(part.contest)
        randomness = secrets.randomness.get(part.contest)
        if values is None or randomness is None or len(values) != len(part.selections) \
                or len(randomness) != len(part.selections):
            raise InvalidBallot(say("the audit information does not cover contest %(contest)s", contest=repr(part.contest)),
                                field="audit.contests", code="audit_mismatch")
        for i, (selection, v, r) in enumerate(zip(part.selections, values, randomness)):
            if elgamal.encrypt(form.public_key, v, r) != selection.ciphertext:
                raise InvalidBallot(say("contest %(contest)s, selection %(value)s does not encrypt %(v)s with the stated randomness", contest=repr(part.contest), value=repr(layout.labels[i]), v=v), field=f"audit.{part.contest}[{i}]",
                                    code="audit_mismatch")
        out[part.contest] = values_to_choice(layout, values)
    return out


__all__ = [
    "BallotForm",
    "BallotSecrets",
    "ballot_form",
    "choice_to_values",
    "district_layouts",
    "encrypt_ballot",
    "open_ballot",
    "values_to_choice",
    "voting_round",
]
