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

MAX_WEIGHT = 10**6
ROLL_FIELDS = frozenset({"district", "voters", "weight", "weights", "commitment"})
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

    def to_json(self) -> dict[str, Any]:
        return {"district": self.district, "voters": self.voters, "weight": self.weight,
                "weights": [[w, n] for w, n in self.weights], "commitment": self.commitment}

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
                     roll_commitment((v.id, v.weight) for v in vs))
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
    for k, entry in enumerate(_districts(definition, raw, field, ROLL_FIELDS)):
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
        out.append(RollDistrict(entry["district"], voters, weight, tuple(counts),
                                _digest(entry["commitment"], f"{where}.commitment")))
    return tuple(out)


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
    "MAX_WEIGHT",
    "ROLL_FIELDS",
    "SUMMARY_FIELDS",
    "Difference",
    "RollDistrict",
    "WeightCounts",
    "read_roll",
    "read_summary",
    "roll_commitment",
    "roll_differences",
    "summarise_roll",
    "weight_counts",
]
