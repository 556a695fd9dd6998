"""The public encrypted ballot, as it is cast and written on the board.

A ballot names the election (its fingerprint), the round, and the voter's
public credential; for each contest of the round in the voter's district it
holds the encrypted selections (each with its 0/1 or range proof) and one
range proof per constraint of the contest's layout (docs/spec.md, "Ballots").
The credential signs the canonical JSON of everything but the signature.
The tracking code is the hex SHA-256 of the canonical JSON of the whole ballot.

This module only reads and writes ballots; :mod:`vybory.verify.ballot`
checks them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.crypto.elgamal import Ciphertext
from vybory.crypto.group import Point
from vybory.crypto.proofs import RangeProof, Signature, ZeroOneProof
from vybory.errors import InvalidEncoding
from vybory.model.canonical import canonical_json, parse_hex32

MAX_CONTESTS = 256
MAX_SELECTIONS = 4096
FORMAT = "vybory-ballot"
VERSION = 1

SelectionProof = ZeroOneProof | RangeProof


@dataclass(frozen=True, slots=True)
class EncryptedSelection:
    """One encrypted selection and the proof of its admissible values.

    Invariants: ``ciphertext`` has no identity component; ``proof`` is a
    :class:`ZeroOneProof` (two branches) for a 0/1 selection, a
    :class:`RangeProof` otherwise.
    """

    ciphertext: Ciphertext
    proof: SelectionProof

    def to_json(self) -> dict[str, Any]:
        return {"ciphertext": self.ciphertext.to_json(), "proof": self.proof.to_json()}

    @staticmethod
    def from_json(obj: Any, field: str) -> EncryptedSelection:
        obj = _object(obj, ("ciphertext", "proof"), field)
        ciphertext = Ciphertext.from_json(obj["ciphertext"], f"{field}.ciphertext")
        raw = obj["proof"]
        branches = raw.get("commitments") if isinstance(raw, Mapping) else None
        cls = ZeroOneProof if isinstance(branches, list) and len(branches) == 2 else RangeProof
        return EncryptedSelection(ciphertext, cls.from_json(raw, f"{field}.proof"))


@dataclass(frozen=True, slots=True)
class ContestBallot:
    """One contest's part of a ballot.

    Invariants: ``selections`` follow the contest's layout (one per label, in
    order); ``range_proofs`` has one proof per layout constraint, in order.
    """

    contest: str
    selections: tuple[EncryptedSelection, ...]
    range_proofs: tuple[RangeProof, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "selections": [s.to_json() for s in self.selections],
            "range_proofs": [p.to_json() for p in self.range_proofs],
        }

    @staticmethod
    def from_json(obj: Any, field: str) -> ContestBallot:
        obj = _object(obj, ("contest", "selections", "range_proofs"), field)
        contest = obj["contest"]
        if not isinstance(contest, str) or not contest:
            raise InvalidEncoding("must be a contest id", field=f"{field}.contest")
        selections = _list(obj["selections"], f"{field}.selections", MAX_SELECTIONS, minimum=1)
        proofs = _list(obj["range_proofs"], f"{field}.range_proofs", MAX_SELECTIONS)
        return ContestBallot(
            contest,
            tuple(EncryptedSelection.from_json(s, f"{field}.selections[{i}]") for i, s in enumerate(selections)),
            tuple(RangeProof.from_json(p, f"{field}.range_proofs[{i}]") for i, p in enumerate(proofs)),
        )


@dataclass(frozen=True, slots=True)
class Ballot:
    """A cast ballot: public, encrypted, signed by the voter's credential.

    Invariants: ``election`` is a 32-byte fingerprint; ``round >= 1``;
    ``credential`` is not the identity; contest ids are distinct. Decoding
    (:meth:`from_json`) establishes these; validity against the election is
    :func:`vybory.verify.ballot.check_ballot`'s job.
    """

    election: bytes
    round: int
    credential: Point
    contests: tuple[ContestBallot, ...]
    signature: Signature

    def body_json(self) -> dict[str, Any]:
        """Everything the credential signs: the ballot without its signature."""
        return ballot_body(self.election, self.round, self.credential, self.contests)

    def to_json(self) -> dict[str, Any]:
        body = self.body_json()
        body["signature"] = self.signature.to_json()
        return body

    def contest(self, contest_id: str) -> ContestBallot | None:
        for part in self.contests:
            if part.contest == contest_id:
                return part
        return None

    def ciphertexts(self) -> list[Ciphertext]:
        """Every selection ciphertext of the ballot, contest by contest."""
        return [s.ciphertext for c in self.contests for s in c.selections]

    @staticmethod
    def from_json(obj: Any) -> Ballot:
        """A ballot from its JSON object; every point and scalar decoded canonically.

        Raises :class:`~vybory.errors.InvalidEncoding` naming the field
        (``ballot.contests[0].selections[2].proof.responses[1]`` ...).
        """
        field = "ballot"
        obj = _object(obj, ("format", "version", "election", "round", "credential", "contests",
                            "signature"), field)
        if obj["format"] != FORMAT:
            raise InvalidEncoding(f"must be {FORMAT!r}", field=f"{field}.format")
        if obj["version"] != VERSION or isinstance(obj["version"], bool):
            raise InvalidEncoding(f"must be {VERSION}", field=f"{field}.version")
        election = parse_hex32(obj["election"], f"{field}.election")
        rnd = obj["round"]
        if isinstance(rnd, bool) or not isinstance(rnd, int) or not 1 <= rnd <= 10**6:
            raise InvalidEncoding("must be a round number >= 1", field=f"{field}.round")
        credential = Point.from_hex(obj["credential"], f"{field}.credential")
        contests = _list(obj["contests"], f"{field}.contests", MAX_CONTESTS, minimum=1)
        parts = tuple(ContestBallot.from_json(c, f"{field}.contests[{i}]") for i, c in enumerate(contests))
        seen: set[str] = set()
        for i, part in enumerate(parts):
            if part.contest in seen:
                raise InvalidEncoding(f"contest {part.contest!r} appears twice",
                                      field=f"{field}.contests[{i}].contest")
            seen.add(part.contest)
        signature = Signature.from_json(obj["signature"], f"{field}.signature")
        return Ballot(election, rnd, credential, parts, signature)


def ballot_body(election: bytes, round: int, credential: Point,
                contests: tuple[ContestBallot, ...]) -> dict[str, Any]:
    """The JSON object of a ballot without its signature."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "election": election.hex(),
        "round": round,
        "credential": credential.to_hex(),
        "contests": [c.to_json() for c in contests],
    }


def signed_message(ballot: Ballot) -> bytes:
    """The bytes the credential signs: the canonical JSON of :meth:`Ballot.body_json`."""
    return canonical_json(ballot.body_json())


def tracking_code(ballot: Ballot, *, body: Mapping[str, Any] | None = None) -> str:
    """Hex SHA-256 of the canonical JSON of the whole ballot (signature included). ``body``:
    ``ballot.to_json()``, if the caller has it already."""
    return hashlib.sha256(canonical_json(ballot.to_json() if body is None else body)).hexdigest()


DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"


def normalise_code(text: str) -> str:
    """A tracking code as a person may write it: spaces (any kind) and dashes dropped, lower case."""
    return "".join(ch for ch in text.lower() if not ch.isspace() and ch not in DASHES)


def _object(obj: Any, keys: tuple[str, ...], field: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidEncoding("must be a JSON object", field=field)
    if set(obj) != set(keys):
        missing = sorted(set(keys) - set(obj))
        extra = sorted(set(obj) - set(keys))
        detail = "; ".join(
            part for part in (f"missing: {', '.join(missing)}" if missing else "",
                              f"unknown: {', '.join(map(str, extra))}" if extra else "") if part)
        raise InvalidEncoding(f"must have exactly the keys {', '.join(keys)} ({detail})", field=field)
    return obj


def _list(obj: Any, field: str, maximum: int, *, minimum: int = 0) -> list[Any]:
    if not isinstance(obj, list):
        raise InvalidEncoding("must be a list", field=field)
    if not minimum <= len(obj) <= maximum:
        raise InvalidEncoding(f"must have {minimum} to {maximum} items, not {len(obj)}", field=field)
    return obj


__all__ = [
    "Ballot",
    "ContestBallot",
    "EncryptedSelection",
    "SelectionProof",
    "ballot_body",
    "signed_message",
    "tracking_code",
]
