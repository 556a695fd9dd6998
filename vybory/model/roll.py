"""The signed voter roll on the board: per district its size, weights and a commitment.

The roll itself (names, addresses) never reaches the board. What does, in
``roll_published`` (signed by the commission) and again in the credential
authority's ``credentials_published`` (signed by the authority), is for each
district of the definition, in definition order (docs/spec.md §12.1):

- ``voters``: how many voters the roll lists there;
- ``weight``: the sum of their weights (the registered voters of every quorum,
  recall and turnout figure);
- ``weights``: ``[[weight, how many], ...]``, ascending by weight (roll only):
  the multiset of weights, so that a list of credentials can be held to it;
- ``commitment``: ``SHA-256(canonical_json(sorted [[voter id, weight], ...]))``,
  hex, over the district's voters (ids are the roll's pseudonymous roll
  numbers, never names).

When the definition sets ``public_roll`` (the 1937 rule: voter lists open to
inspection, with a right to complain), each line also carries ``entries``: the
sorted ``[[voter id, weight], ...]`` the commitment hashes, so that anyone can
look up a roll number and check the counts. A ``roll_complaint`` (anyone's: a
voter left off, or an entry that should not be there) waits for the
commission's signed ``roll_complaints_answered``; an accepted complaint must be
applied by a corrected roll before the credentials (docs/spec.md §12.1a).

This module only computes and reads these values; the rules of the events
are in ``vybory.protocol.credentials`` and, independently, ``vybory.verify``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidInput
from vybory.model.canonical import canonical_json
from vybory.model.definition import Definition, Voter
from vybory.text import say

MAX_WEIGHT = 10**6
ROLL_FIELDS = frozenset({"district", "voters", "weight", "weights", "commitment"})
PUBLIC_ROLL_FIELDS = ROLL_FIELDS | {"entries"}
MAX_VOTER_ID = 200
MAX_REASON = 2000
COMPLAINT_FIELDS = frozenset({"complaint", "voter", "district", "reason", "at"})
COMPLAINT_KINDS = ("left_off", "not_eligible")
ANSWER_FIELDS = frozenset({"complaint", "decision", "reason"})
DECISIONS = ("accepted", "rejected")
MAX_ANSWERS = 10_000
SUMMARY_FIELDS = frozenset({"district", "voters", "weight", "commitment"})

WeightCounts = tuple[tuple[int, int], ...]


def roll_commitment(entries: Iterable[tuple[str, int]]) -> str:
    """SHA-256 (hex) of the canonical JSON of the sorted list of ``[voter id, weight]``."""
    return hashlib.sha256(canonical_json(sorted([str(i), int(w)] for i, w in entries))).hexdigest()


def weight_counts(weights: Iterable[int]) -> WeightCounts:
    """The multiset of ``weights`` as ``((weight, how many), ...)``, ascending by weight."""
    return tuple(sorted(Counter(weights).items()))


@dataclass(frozen=True, slots=True)
class RollDistrict:
    """One district's line of the signed roll.

    Invariants: ``voters = Σ count`` and ``weight = Σ weight·count`` over
    ``weights``; ``commitment`` is 64 lower-case hex digits.
    """

    district: str
    voters: int
    weight: int
    weights: WeightCounts
    commitment: str
    # The public roll's sorted (voter id, weight) pairs (``public_roll`` only), else None.
    entries: tuple[tuple[str, int], ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"district": self.district, "voters": self.voters, "weight": self.weight,
               "weights": [[w, n] for w, n in self.weights], "commitment": self.commitment}
        if self.entries is not None:
            out["entries"] = [[i, w] for i, w in self.entries]
        return out

    def summary(self) -> dict[str, Any]:
        """The line as the credential authority repeats it (without ``weights``)."""
        return {"district": self.district, "voters": self.voters, "weight": self.weight,
                "commitment": self.commitment}


def summarise_roll(definition: Definition, voters: Sequence[Voter]) -> tuple[RollDistrict, ...]:
    """Every district of the definition, in its order, with the size, weights and commitment of
    its voters on ``voters`` (a district without voters has ``voters = 0``)."""
    by_district: dict[str, list[Voter]] = {d.id: [] for d in definition.districts}
    for voter in voters:
        if voter.district not in by_district:
            raise InvalidInput(f"{voter.district!r} is not a district of the election", field="roll")
        by_district[voter.district].append(voter)
    return tuple(
        RollDistrict(district, len(vs), sum(v.weight for v in vs), weight_counts(v.weight for v in vs),
                     roll_commitment((v.id, v.weight) for v in vs),
                     tuple(sorted((v.id, v.weight) for v in vs)) if definition.public_roll else None)
        for district, vs in by_district.items())


def _count(value: Any, field: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"must be a whole number >= {minimum}", field=field)
    return value


def _digest(value: Any, field: str) -> str:
    if not (isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)):
        raise InvalidInput("must be a SHA-256: 64 lower-case hexadecimal digits", field=field)
    return value


def _districts(definition: Definition, raw: Any, field: str, fields: frozenset[str]) -> list[Mapping[str, Any]]:
    expected = [d.id for d in definition.districts]
    if not isinstance(raw, list) or len(raw) != len(expected):
        raise InvalidInput(f"must list every district of the definition, in its order: {', '.join(expected)}",
                           field=field, code="roll_districts")
    for k, (entry, district) in enumerate(zip(raw, expected)):
        if not isinstance(entry, Mapping) or set(entry) != fields:
            raise InvalidInput(f"must have exactly the fields {', '.join(sorted(fields))}", field=f"{field}[{k}]")
        if entry["district"] != district:
            raise InvalidInput(f"must be district {district!r} (every district of the definition, in its "
                               "order)", field=f"{field}[{k}].district", code="roll_districts")
    return list(raw)


def read_roll(definition: Definition, raw: Any, field: str = "districts") -> tuple[RollDistrict, ...]:
    """The districts of a ``roll_published`` payload, every field checked.

    Raises :class:`~vybory.errors.InvalidInput` naming the field: not every
    district in definition order (``roll_districts``), a count that is not a
    whole number, weights not ascending or outside 1..10^6, ``voters`` or
    ``weight`` that do not add up from ``weights`` (``roll_totals``), a
    commitment that is not a SHA-256.
    """
    out = []
    seen: dict[str, str] = {}
    fields = PUBLIC_ROLL_FIELDS if definition.public_roll else ROLL_FIELDS
    for k, entry in enumerate(_districts(definition, raw, field, fields)):
        where = f"{field}[{k}]"
        voters = _count(entry["voters"], f"{where}.voters")
        weight = _count(entry["weight"], f"{where}.weight")
        pairs = entry["weights"]
        if not isinstance(pairs, list):
            raise InvalidInput("must be a list of [weight, how many]", field=f"{where}.weights")
        counts: list[tuple[int, int]] = []
        for j, pair in enumerate(pairs):
            at = f"{where}.weights[{j}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise InvalidInput("must be [weight, how many]", field=at)
            w, n = _count(pair[0], at, 1), _count(pair[1], at, 1)
            if w > MAX_WEIGHT:
                raise InvalidInput(f"a weight is a whole number from 1 to {MAX_WEIGHT}", field=at)
            if counts and w <= counts[-1][0]:
                raise InvalidInput("must be ascending by weight, each weight once", field=at)
            counts.append((w, n))
        if sum(n for _, n in counts) != voters or sum(w * n for w, n in counts) != weight:
            raise InvalidInput(f"voters ({voters}) and weight ({weight}) must be the count and the sum of "
                               "the weights", field=where, code="roll_totals")
        line = RollDistrict(entry["district"], voters, weight, tuple(counts),
                            _digest(entry["commitment"], f"{where}.commitment"))
        if definition.public_roll:
            line = _with_entries(line, entry["entries"], f"{where}.entries", seen)
        out.append(line)
    return tuple(out)


def _with_entries(line: RollDistrict, raw: Any, field: str, seen: dict[str, str]) -> RollDistrict:
    """``line`` with the public roll's ``entries`` ``raw``, checked against its counts and commitment.

    Codes: ``roll_entries_mismatch`` (another count, multiset of weights or commitment than the
    signed line), ``roll_duplicate_voter`` (a voter id twice, in this district or another)."""
    if not isinstance(raw, list):
        raise InvalidInput(say("must be the list of [voter id, weight] of the district, sorted by id"), field=field)
    entries: list[tuple[str, int]] = []
    for j, pair in enumerate(raw):
        at = f"{field}[{j}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInput(say("must be [voter id, weight]"), field=at)
        voter = read_voter_id(pair[0], f"{at}[0]")
        w = _count(pair[1], f"{at}[1]", 1)
        if w > MAX_WEIGHT:
            raise InvalidInput(say("a weight is a whole number from 1 to %(max)s", max=MAX_WEIGHT), field=f"{at}[1]")
        if voter in seen:
            raise InvalidInput(say("voter %(voter)s is on the roll twice (districts %(first)s and %(second)s): a "
                                   "voter is on exactly one list", voter=repr(voter), first=repr(seen[voter]),
                                   second=repr(line.district)), field=at, code="roll_duplicate_voter")
        if entries and voter <= entries[-1][0]:
            raise InvalidInput(say("must be sorted by voter id"), field=at)
        seen[voter] = line.district
        entries.append((voter, w))
    if (len(entries) != line.voters or weight_counts(w for _, w in entries) != line.weights
            or roll_commitment(entries) != line.commitment):
        raise InvalidInput(say("district %(district)s: the published entries are not the roll the line signs (its "
                               "count, weights or commitment differ)", district=repr(line.district)),
                           field=field, code="roll_entries_mismatch")
    return RollDistrict(line.district, line.voters, line.weight, line.weights, line.commitment, tuple(entries))


def read_voter_id(value: Any, field: str) -> str:
    """A roll number as the public roll and complaints carry it: 1 to 200 characters, no control character
    and no space at either end."""
    if (not isinstance(value, str) or not value or len(value) > MAX_VOTER_ID or value != value.strip()
            or any(ord(c) < 32 or ord(c) == 127 for c in value)):
        raise InvalidInput(say("a voter id is 1 to %(max)s characters, without control characters or spaces at "
                               "either end", max=MAX_VOTER_ID), field=field)
    return value


def find_voter(roll: Sequence[RollDistrict], voter: str) -> tuple[str, int] | None:
    """``(district, weight)`` of ``voter`` on a public roll, or None."""
    for line in roll:
        for voter_id, weight in line.entries or ():
            if voter_id == voter:
                return line.district, weight
    return None


@dataclass(frozen=True, slots=True)
class Complaint:
    """A ``roll_complaint``: ``left_off`` (``voter`` should be on the roll of ``district``) or
    ``not_eligible`` (the entry ``voter`` should not be on the roll)."""

    complaint: str
    voter: str
    district: str
    reason: str


def _reason(value: Any, field: str, *, required: bool) -> str:
    if not isinstance(value, str) or len(value) > MAX_REASON or (required and not value.strip()):
        raise InvalidInput(say("must be text of at most %(max)s characters", max=MAX_REASON)
                           if not required else say("must be a non-empty text of at most %(max)s characters",
                                                    max=MAX_REASON), field=field)
    return value


def read_complaint(definition: Definition, payload: Mapping[str, Any]) -> Complaint:
    """The complaint of a ``roll_complaint`` payload, every field checked (the field named on refusal)."""
    if not isinstance(payload, Mapping) or set(payload) != COMPLAINT_FIELDS:
        raise InvalidInput(say("a complaint has exactly the fields %(names)s", names=", ".join(sorted(COMPLAINT_FIELDS))),
                           field="payload")
    kind = payload["complaint"]
    if kind not in COMPLAINT_KINDS:
        raise InvalidInput(say("must be left_off (a voter missing from the roll) or not_eligible (an entry that "
                               "should not be on it)"), field="complaint")
    voter = read_voter_id(payload["voter"], "voter")
    district = payload["district"]
    if not isinstance(district, str) or not definition.has_district(district):
        raise InvalidInput(say("%(value)s is not a district of the election", value=repr(district)), field="district")
    return Complaint(kind, voter, district, _reason(payload["reason"], "reason", required=True))


@dataclass(frozen=True, slots=True)
class Answer:
    """The commission's answer to the complaint at board position ``complaint``."""

    complaint: int
    decision: str
    reason: str


def read_answers(raw: Any) -> tuple[Answer, ...]:
    """The ``answers`` of a ``roll_complaints_answered`` payload: at least one, each naming a complaint's
    position once, ``accepted`` or ``rejected``, a rejection with its reason."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ANSWERS:
        raise InvalidInput(say("must be a list of 1 to %(max)s answers", max=MAX_ANSWERS), field="answers")
    out: list[Answer] = []
    for k, entry in enumerate(raw):
        where = f"answers[{k}]"
        if not isinstance(entry, Mapping) or set(entry) != ANSWER_FIELDS:
            raise InvalidInput(say("an answer has exactly the fields complaint, decision, reason"), field=where)
        position = _count(entry["complaint"], f"{where}.complaint", 1)
        if any(a.complaint == position for a in out):
            raise InvalidInput(say("complaint %(position)s is answered twice", position=position),
                               field=f"{where}.complaint", code="answer_twice")
        decision = entry["decision"]
        if decision not in DECISIONS:
            raise InvalidInput(say("must be accepted or rejected"), field=f"{where}.decision")
        out.append(Answer(position, decision,
                          _reason(entry["reason"], f"{where}.reason", required=decision == "rejected")))
    return tuple(out)


def complaint_applied(complaint: Complaint, roll: Sequence[RollDistrict]) -> bool:
    """Whether the public ``roll`` does what an accepted ``complaint`` asked: the voter left off is now on
    the roll of the complaint's district; the entry that should not be there is gone."""
    found = find_voter(roll, complaint.voter)
    if complaint.complaint == "left_off":
        return found is not None and found[0] == complaint.district
    return found is None


def unasked_changes(old: Sequence[RollDistrict], new: Sequence[RollDistrict],
                    accepted: Iterable[Complaint]) -> list[str]:
    """What a roll ``new`` that replaces ``old`` changes without an ``accepted`` complaint asking
    for it (spec §12.1a), in words, district by district: with public rolls each entry added (no
    accepted ``left_off`` for it in that district), removed (no accepted ``not_eligible``) or given
    another weight; without them each district whose count or total weight changed (no complaint
    can ask for that). Empty when the correction is exactly what the complaints asked."""
    asked = {(c.complaint, c.voter, c.district) for c in accepted}
    out: list[str] = []
    for before, after in zip(old, new):
        if before.entries is None or after.entries is None:
            if (before.voters, before.weight) != (after.voters, after.weight):
                out.append(f"district {after.district!r}: {before.voters} voters of weight {before.weight} "
                           f"became {after.voters} of weight {after.weight}")
            continue
        was, now = dict(before.entries), dict(after.entries)
        for voter in sorted(now.keys() - was.keys()):
            if ("left_off", voter, after.district) not in asked:
                out.append(f"district {after.district!r}: voter {voter!r} added")
        for voter in sorted(was.keys() - now.keys()):
            if ("not_eligible", voter, after.district) not in asked:
                out.append(f"district {after.district!r}: voter {voter!r} removed")
        for voter in sorted(was.keys() & now.keys()):
            if was[voter] != now[voter]:
                out.append(f"district {after.district!r}: voter {voter!r}'s weight {was[voter]} became "
                           f"{now[voter]}")
    return out


def read_summary(definition: Definition, raw: Any, field: str = "districts") -> tuple[dict[str, Any], ...]:
    """The ``districts`` of a ``credentials_published`` payload (every district, in definition
    order, with ``voters``, ``weight`` and ``commitment``), every field checked."""
    out = []
    for k, entry in enumerate(_districts(definition, raw, field, SUMMARY_FIELDS)):
        where = f"{field}[{k}]"
        out.append({"district": entry["district"], "voters": _count(entry["voters"], f"{where}.voters"),
                    "weight": _count(entry["weight"], f"{where}.weight"),
                    "commitment": _digest(entry["commitment"], f"{where}.commitment")})
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Difference:
    """A way in which a credential list departs from the signed roll: ``code`` names the rule."""

    code: str
    field: str
    message: str


def roll_differences(roll: Sequence[RollDistrict], summary: Sequence[Mapping[str, Any]],
                     credentials: Iterable[tuple[str, int]]) -> list[Difference]:
    """Every way the list of credentials ``(district, weight)`` and the authority's ``summary``
    (as :func:`read_summary` gives it) depart from the signed ``roll``, district by district:

    - ``roll_count_mismatch``: not as many credentials as the roll has voters;
    - ``roll_weights_mismatch``: the multiset of the credentials' weights is not the roll's;
    - ``roll_commitment_mismatch``: the authority issued from another roll than the signed one;
    - ``credentials_summary_mismatch``: the authority's counts are not those of its own list.
    """
    weights: dict[str, list[int]] = {r.district: [] for r in roll}
    for district, weight in credentials:
        weights.setdefault(district, []).append(weight)
    out = []
    for k, (line, said) in enumerate(zip(roll, summary)):
        listed = weights[line.district]
        if len(listed) != line.voters:
            out.append(Difference("roll_count_mismatch", f"districts[{k}]",
                                  f"district {line.district!r}: {len(listed)} credentials for the {line.voters} "
                                  "voters of the signed roll"))
        elif weight_counts(listed) != line.weights:
            out.append(Difference("roll_weights_mismatch", f"districts[{k}]",
                                  f"district {line.district!r}: the credentials' weights "
                                  f"{_counts_text(weight_counts(listed))} are not the signed roll's "
                                  f"{_counts_text(line.weights)}"))
        if said["commitment"] != line.commitment:
            out.append(Difference("roll_commitment_mismatch", f"districts[{k}].commitment",
                                  f"district {line.district!r}: the credentials were issued from a roll whose "
                                  "commitment is not the signed roll's"))
        if (said["voters"], said["weight"]) != (len(listed), sum(listed)):
            out.append(Difference("credentials_summary_mismatch", f"districts[{k}]",
                                  f"district {line.district!r}: the list says {said['voters']} voters of weight "
                                  f"{said['weight']} but holds {len(listed)} of weight {sum(listed)}"))
    return out


def _counts_text(counts: WeightCounts) -> str:
    return ", ".join(f"{n}×{w}" for w, n in counts) or "none"


__all__ = [
    "ANSWER_FIELDS",
    "COMPLAINT_FIELDS",
    "COMPLAINT_KINDS",
    "DECISIONS",
    "MAX_REASON",
    "MAX_WEIGHT",
    "PUBLIC_ROLL_FIELDS",
    "ROLL_FIELDS",
    "SUMMARY_FIELDS",
    "Answer",
    "Complaint",
    "Difference",
    "RollDistrict",
    "WeightCounts",
    "complaint_applied",
    "find_voter",
    "read_answers",
    "read_complaint",
    "read_roll",
    "read_summary",
    "read_voter_id",
    "roll_commitment",
    "roll_differences",
    "summarise_roll",
    "unasked_changes",
    "weight_counts",
]
