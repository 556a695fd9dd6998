"""The cryptographic check of one ballot, shared by the service and the verifier (spec §12).

``check_ballot`` raises unless the ballot is for this election and round,
carries exactly the contests of its layouts in order, is signed by its
credential, and every selection proof and every range proof verifies against
this election's fingerprint, public key and the ballot's credential. Whether
the credential is listed, the round open, or a ciphertext repeated elsewhere
on the board is the caller's business (it needs the board).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vybory.crypto import backend, tags
from vybory.crypto.elgamal import Ciphertext
from vybory.crypto.group import Point
from vybory.crypto.proofs import ProofBatch, RangeProof, ZeroOneProof
from vybory.crypto.transcript import prefix
from vybory.errors import InvalidBallot, InvalidProof
from vybory.model.ballot import Ballot, signed_message
from vybory.model.canonical import canonical_json
from vybory.model.layout import Constraint, Layout


def constraint_sum(ciphertexts: Sequence[Ciphertext], indices: Sequence[int]) -> Ciphertext:
    """The homomorphic sum of the ciphertexts at ``indices``."""
    total = ciphertexts[indices[0]]
    for i in indices[1:]:
        total = total + ciphertexts[i]
    return total


def check_ballot(ballot: Ballot, *, fingerprint: bytes, public_key: Point, round: int,
                 layouts: Sequence[Layout]) -> None:
    """Raises :class:`~vybory.errors.InvalidBallot` or :class:`~vybory.errors.InvalidProof`
    naming the first thing wrong with ``ballot`` (its field and the rule).

    ``layouts`` are the layouts of the round's contests in the credential's
    district, in the order of the definition.
    """
    # Every proof of the ballot is verified in one batch (one random linear combination on the
    # native backend); the error is the one that checking them in this order would raise first.
    batch = ProofBatch()
    add_ballot_proofs(batch, ballot, fingerprint=fingerprint, public_key=public_key, round=round, layouts=layouts)
    batch.verify()


def add_ballot_proofs(batch: ProofBatch, ballot: Ballot, *, fingerprint: bytes, public_key: Point, round: int,
                      layouts: Sequence[Layout]) -> None:
    """The first half of :func:`check_ballot`: raises what is wrong with the ballot's form (before
    any proof is added), then adds its signature and every proof to ``batch``, in the order
    :func:`check_ballot` checks them, each wrapped to raise check_ballot's error."""
    if ballot.election != fingerprint:
        raise InvalidBallot("this ballot is for another election (its fingerprint differs)",
                            field="ballot.election", code="wrong_election")
    if ballot.round != round:
        raise InvalidBallot(f"this ballot is for round {ballot.round}, not round {round}",
                            field="ballot.round", code="wrong_round")
    expected = [layout.contest for layout in layouts]
    given = [part.contest for part in ballot.contests]
    if given != expected:
        raise InvalidBallot(
            f"the ballot must hold the contests {', '.join(expected) or '(none)'} in this order, "
            f"not {', '.join(given)}", field="ballot.contests", code="wrong_contests")
    seen: set[bytes] = set()
    for i, (part, layout) in enumerate(zip(ballot.contests, layouts)):
        where = f"ballot.contests[{i}]"
        if len(part.selections) != layout.size:
            raise InvalidBallot(f"contest {layout.contest!r} needs {layout.size} selections, "
                                f"not {len(part.selections)}", field=f"{where}.selections",
                                code="wrong_selection_count")
        if len(part.range_proofs) != len(layout.constraints):
            raise InvalidBallot(f"contest {layout.contest!r} needs {len(layout.constraints)} range proofs, "
                                f"not {len(part.range_proofs)}", field=f"{where}.range_proofs",
                                code="wrong_range_proof_count")
        for selection in part.selections:
            key = selection.ciphertext.to_bytes()
            if key in seen:
                raise InvalidBallot("the ballot repeats one of its own ciphertexts", field=where,
                                    code="repeated_ciphertext")
            seen.add(key)
    batch.signature(fingerprint, ballot.credential, signed_message(ballot), ballot.signature,
                    wrap=lambda exc: InvalidProof("the signature does not verify under the ballot's credential",
                                                  field="ballot.signature", code="bad_signature"))
    for i, (part, layout) in enumerate(zip(ballot.contests, layouts)):
        where = f"ballot.contests[{i}]"
        ciphertexts = [s.ciphertext for s in part.selections]
        for j, (selection, maximum) in enumerate(zip(part.selections, layout.maxima)):
            field = f"{where}.selections[{j}].proof"
            what = f"contest {layout.contest!r}, selection {layout.labels[j]!r}"

            def selection_error(exc: InvalidProof, what: str = what, field: str = field) -> InvalidProof:
                return InvalidProof(f"{what}: {exc.message}", field=field, code="bad_selection_proof")

            if maximum == 1:
                if not isinstance(selection.proof, ZeroOneProof):
                    batch.fail(selection_error(InvalidProof("expected a 0/1 proof", field=field)))
                    continue
                batch.zero_one(fingerprint, ballot.credential, public_key, selection.ciphertext, selection.proof,
                               wrap=selection_error)
            else:
                if not isinstance(selection.proof, RangeProof):
                    batch.fail(selection_error(InvalidProof(f"expected a range proof over [0, {maximum}]",
                                                            field=field)))
                    continue
                batch.range(fingerprint, ballot.credential, public_key, selection.ciphertext, 0, maximum,
                            selection.proof, wrap=selection_error)
        for k, (constraint, proof) in enumerate(zip(layout.constraints, part.range_proofs)):
            total = constraint_sum(ciphertexts, constraint.indices)

            def range_error(exc: InvalidProof, layout: Layout = layout, constraint: Constraint = constraint,
                            field: str = f"{where}.range_proofs[{k}]") -> InvalidProof:
                return InvalidProof(
                    f"contest {layout.contest!r}: the sum of selections "
                    f"{', '.join(layout.labels[x] for x in constraint.indices)} is not proven to lie in "
                    f"[{constraint.minimum}, {constraint.maximum}]: {exc.message}",
                    field=field, code="bad_range_proof")

            batch.range(fingerprint, ballot.credential, public_key, total, constraint.minimum, constraint.maximum,
                        proof, wrap=range_error)


def ballot_shape(*, fingerprint: bytes, public_key: Point, round: int, layouts: Sequence[Layout]) -> Any | None:
    """What :func:`check_ballot` demands of a ballot, for the native backend's one-call reader
    (``Batch.add_ballot``: the ballot's canonical JSON read, its transcripts hashed and its
    proofs batched in Rust); None on libsodium or when the native reader does not take it."""
    contests = [(canonical_json(layout.contest), list(layout.maxima),
                 [(list(c.indices), c.minimum, c.maximum) for c in layout.constraints]) for layout in layouts]
    prefixes = (prefix(tags.SIGNATURE, fingerprint), prefix(tags.ZERO_ONE, fingerprint), prefix(tags.RANGE, fingerprint))
    return backend.ballot_shape(fingerprint, round, public_key.encoding, prefixes, contests)


__all__ = ["add_ballot_proofs", "ballot_shape", "check_ballot", "constraint_sum"]
