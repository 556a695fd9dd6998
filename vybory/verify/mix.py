"""Ranked ballots through the mixnet (spec §17): the rows a mix takes, the check of one mix,
and the reading of the decrypted rows.

A ranked contest's ballots cannot be added up. After its round closes, the
last ballot of each credential gives one **row**: the contest's selection
ciphertexts (the candidate x rank matrix, in layout order) followed by the
**weight ciphertext** ``(1, g^w)``, the credential's weight w encrypted with
randomness 0. The rows, in the order of their ballots on the board, are the
input of the first mix. Each ``ballots_mixed`` event holds a trustee's mix: the
previous list's rows permuted and re-encrypted (§8), a shuffle proof, and the
trustee's signature (§4.2, by the secret share x_j, checked against the
verification key X_j). Once k trustees have mixed, the last list's rows are
decrypted with the round's tally (§14) and each row read back as a ranking
and its weight (:func:`read_row`).

The service (through ``vybory.protocol``) and the verifier use these same
functions; nothing here reads the board.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto.elgamal import Ciphertext, dlog, g_power
from vybory.crypto.group import Point
from vybory.crypto.proofs import Signature, verify_signature
from vybory.crypto.shuffle import MAX_ROWS, ShuffleProof, verify_shuffle
from vybory.errors import InvalidBallot, InvalidEncoding, InvalidInput, InvalidProof, VyboryError
from vybory.model.canonical import canonical_json
from vybory.model.layout import Layout, ranking_of
from vybory.rules.base import RankedBallot

Row = tuple[Ciphertext, ...]
# The fields of a ballots_mixed payload.
MIX_FIELDS = frozenset({"round", "contest", "trustee", "input", "rows", "proof", "signature", "at"})
# The largest weight a credential may carry (spec §10.3, credentials_published).
MAX_WEIGHT = 10**6


def weight_ciphertext(weight: int) -> Ciphertext:
    """``(1, g^w)``: the weight w encrypted with randomness 0, the last column of a row."""
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
        raise InvalidInput(f"a weight is a whole number from 1 to {MAX_WEIGHT}", field="weight")
    return Ciphertext(Point.IDENTITY, Point.from_bytes(g_power(weight), "weight", allow_identity=False))


def input_row(selections: Sequence[Ciphertext], weight: int) -> Row:
    """The row one counted ballot gives a mix: its selections, then its weight ciphertext."""
    return (*selections, weight_ciphertext(weight))


def row_width(layout: Layout) -> int:
    """Ciphertexts per row: the layout's selections and the weight."""
    return layout.size + 1


def signed_message(payload: Mapping[str, Any]) -> bytes:
    """What a mixing trustee signs with its secret share: the canonical JSON of the payload without
    ``signature``, ``signed`` (its identity signature, over this one) and ``at``."""
    return canonical_json({k: v for k, v in payload.items() if k not in ("signature", "signed", "at")})


@dataclass(frozen=True, slots=True)
class Mix:
    """One ``ballots_mixed`` event, decoded.

    Invariants: every row has the same width; ``input`` is the board position of the
    ``ballots_mixed`` event whose rows this mix takes, or ``None`` for the rows of the
    round's ballots.
    """

    round: int
    contest: str
    trustee: int
    input: int | None
    rows: tuple[Row, ...]
    proof: ShuffleProof
    signature: Signature


def _whole(value: Any, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidEncoding(f"must be a whole number of at least {minimum}", field=field)
    return value


def decode_rows(obj: Any, field: str, *, width: int | None = None) -> tuple[Row, ...]:
    """Rows of ciphertexts from JSON (a list of lists of ``{"alpha", "beta"}``), each point decoded
    canonically; identity points refused (a re-encrypted ciphertext never has one)."""
    if not isinstance(obj, list) or not 1 <= len(obj) <= MAX_ROWS:
        raise InvalidEncoding(f"must be a list of 1 to {MAX_ROWS} rows", field=field)
    rows = []
    for i, row in enumerate(obj):
        if not isinstance(row, list) or not row or (width is not None and len(row) != width):
            raise InvalidEncoding(f"must be a list of {width or 'one or more'} ciphertexts", field=f"{field}[{i}]")
        rows.append(tuple(Ciphertext.from_json(ct, f"{field}[{i}][{k}]") for k, ct in enumerate(row)))
    if len({len(r) for r in rows}) != 1:
        raise InvalidEncoding("every row must have the same number of ciphertexts", field=field)
    return tuple(rows)


def parse_mix(payload: Mapping[str, Any], *, width: int | None = None) -> Mix:
    """A ``ballots_mixed`` payload decoded; :class:`~vybory.errors.InvalidEncoding` names the field."""
    if not isinstance(payload, Mapping) or set(payload) - {"signed"} != MIX_FIELDS:
        raise InvalidEncoding(f"a ballots_mixed payload has exactly the fields {', '.join(sorted(MIX_FIELDS))}",
                              field="payload")
    contest = payload["contest"]
    if not isinstance(contest, str):
        raise InvalidEncoding("must be a contest id", field="contest")
    previous = payload["input"]
    return Mix(
        round=_whole(payload["round"], "round", 1),
        contest=contest,
        trustee=_whole(payload["trustee"], "trustee", 1),
        input=None if previous is None else _whole(previous, "input", 1),
        rows=decode_rows(payload["rows"], "rows", width=width),
        proof=ShuffleProof.from_json(payload["proof"], "proof"),
        signature=Signature.from_json(payload["signature"], "signature"),
    )


def check_mix(fingerprint: bytes, public_key: Point, verification_key: Point, inputs: Sequence[Row],
              payload: Mapping[str, Any], mix: Mix) -> None:
    """Raises unless ``mix`` (decoded from ``payload``) is a shuffle of ``inputs`` signed by the
    trustee whose verification key is given: the same number of rows of the same width
    (:class:`~vybory.errors.InvalidEncoding`, code ``mix_shape``), the signature
    (:class:`~vybory.errors.InvalidProof`, ``bad_mix_signature``), the shuffle proof (``bad_shuffle``).
    """
    if not inputs:
        raise InvalidInput("there are no rows to mix", field="rows", code="nothing_to_mix")
    if len(mix.rows) != len(inputs) or len(mix.rows[0]) != len(inputs[0]):
        raise InvalidEncoding(f"the mix has {len(mix.rows)} rows of {len(mix.rows[0])} ciphertexts; the list it "
                              f"takes has {len(inputs)} rows of {len(inputs[0])}", field="rows", code="mix_shape")
    try:
        verify_signature(fingerprint, verification_key, signed_message(payload), mix.signature)
    except InvalidProof:
        raise InvalidProof(f"the mix is not signed by trustee {mix.trustee} (the signature does not verify "
                           "under the trustee's verification key)", field="signature",
                           code="bad_mix_signature") from None
    try:
        verify_shuffle(fingerprint, public_key, inputs, mix.rows, mix.proof)
    except InvalidProof as exc:
        raise InvalidProof(f"the rows are not proven to be a shuffle of the list the mix takes: {exc.message}",
                           field="proof", code="bad_shuffle") from None


# --- reading the decrypted rows -----------------------------------------------------

_IDENTITY = Point.IDENTITY.encoding
_ONE = g_power(1)


def read_row(layout: Layout, points: Sequence[Point], max_weight: int) -> dict[str, Any]:
    """One decrypted row (the ``g^m`` of each of its ciphertexts) read back: ``{"ranking": [name or
    null per rank, trailing empty ranks dropped], "weight": w}``, or ``{"invalid": reason}`` for a row
    that is not a ranking with a weight from 1 to ``max_weight`` (the proofs make that impossible;
    such a row is counted as an invalid ballot, never dropped silently)."""
    if len(points) != row_width(layout):
        return {"invalid": f"the row has {len(points)} values, not {row_width(layout)}"}
    values = []
    for i, point in enumerate(points[:-1]):
        if point.encoding == _IDENTITY:
            values.append(0)
        elif point.encoding == _ONE:
            values.append(1)
        else:
            return {"invalid": f"selection {layout.labels[i]!r} is neither 0 nor 1"}
    try:
        weight = dlog(points[-1], max_weight)
    except VyboryError:
        return {"invalid": f"the weight is not a whole number from 1 to {max_weight}"}
    if weight < 1:
        return {"invalid": f"the weight is not a whole number from 1 to {max_weight}"}
    try:
        ranking = ranking_of(layout, values)
    except InvalidBallot as exc:
        return {"invalid": exc.message}
    return {"ranking": list(ranking), "weight": weight}


def read_rows(layout: Layout, points: Sequence[Point], max_weight: int) -> list[dict[str, Any]]:
    """Every row of a contest's decrypted list (``points`` row after row), read by :func:`read_row`."""
    width = row_width(layout)
    if len(points) % width:
        raise InvalidInput(f"{len(points)} values do not make rows of {width}", field="points")
    return [read_row(layout, points[i:i + width], max_weight) for i in range(0, len(points), width)]


def ranked_totals(layout: Layout, rankings: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The weighted count of each label that the rankings give (what the contest's homomorphic
    tally must decrypt to): ``"<name>:<k>"`` -> the weight of the rankings with ``name`` at rank k."""
    totals = {label: 0 for label in layout.labels}
    for entry in rankings:
        for k, name in enumerate(entry.get("ranking") or (), start=1):
            if name is not None:
                totals[f"{name}:{k}"] += entry["weight"]
    return totals


def ranked_ballots(entry: Mapping[str, Any]) -> list[RankedBallot]:
    """The ballots a ranked contest's ``tally_decrypted`` entry gives its counting rule (spec §15.1):
    each ranking of ``rankings`` (a null rank skipped), with its weight; invalid rows are left out."""
    return [RankedBallot(tuple(() if name is None else (name,) for name in item["ranking"]), item["weight"])
            for item in entry.get("rankings", ()) if "ranking" in item]


__all__ = [
    "MAX_WEIGHT",
    "MIX_FIELDS",
    "Mix",
    "Row",
    "check_mix",
    "decode_rows",
    "input_row",
    "parse_mix",
    "ranked_ballots",
    "ranked_totals",
    "read_row",
    "read_rows",
    "row_width",
    "signed_message",
    "weight_ciphertext",
]
