"""Who signs which board events, and the check of those signatures (docs/spec.md §10.5).

Every message a trustee, the credential authority or the commission puts on the
board carries ``signed``: ``{"signer", "commitment", "response"}``, a statement
signature (§4.7) by the signer's long-term key named in the definition, over the
event's kind and its payload without ``at`` (the server's time) and ``signed``.
The server cannot make such a message for a trustee, nor change one it received.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vybory.crypto.group import Point, Rng, Scalar
from vybory.crypto.proofs import Signature, sign_statement, verify_statement
from vybory.errors import InvalidProof, Refused, VyboryError
from vybory.model.canonical import canonical_json
from vybory.model.definition import Definition, Trustee

TRUSTEE = "trustee"
AUTHORITY = "authority"
COMMISSION = "commission"

# Event kind -> the role whose identity key signs it.
SIGNED_KINDS: dict[str, str] = {
    "trustee_key": TRUSTEE,
    "dkg_commitment_hash": TRUSTEE,
    "dkg_commitments": TRUSTEE,
    "dkg_shares": TRUSTEE,
    "dkg_complaint": TRUSTEE,
    "ballots_mixed": TRUSTEE,
    "decryption_share": TRUSTEE,
    "roll_published": COMMISSION,
    "key_ceremony_restarted": COMMISSION,
    "roll_complaints_answered": COMMISSION,
    "credentials_published": AUTHORITY,
    "head_witnessed": TRUSTEE,
}

UNSIGNED_FIELDS = ("at", "signed")


def signed_message(kind: str, payload: Mapping[str, Any]) -> bytes:
    """The bytes a signer signs: canonical JSON of the kind and the payload without ``at``/``signed``."""
    body = {k: v for k, v in payload.items() if k not in UNSIGNED_FIELDS}
    return canonical_json({"kind": str(kind), "payload": body})


def trustee_signer(index: int) -> str:
    return f"{TRUSTEE}/{index}"


def sign_payload(fingerprint: bytes, secret: Scalar, signer: str, kind: str, payload: Mapping[str, Any],
                 rng: Rng | None = None) -> dict[str, Any]:
    """``payload`` with ``signed`` added: ``signer``'s statement signature over it."""
    body = {k: v for k, v in payload.items() if k != "signed"}
    signature = sign_statement(fingerprint, secret, signer=signer, kind=str(kind),
                               message=signed_message(kind, body), rng=rng)
    return {**body, "signed": {"signer": signer, **signature.to_json()}}


def expected_signer(definition: Definition, kind: str, payload: Mapping[str, Any],
                    trustees: Sequence[Trustee] | None = None) -> tuple[str, Point]:
    """Who must have signed an event of ``kind`` with this payload, and that signer's key.

    ``trustees``: the commission's trustees when the event stands (those of the key ceremony's latest
    attempt, spec §5.8); the definition's when omitted."""
    role = SIGNED_KINDS.get(str(kind))
    if role is None:
        raise Refused(f"{kind} events are not signed by a trustee, the authority or the commission",
                      field="signed", code="unsigned_kind")
    if role == AUTHORITY:
        return AUTHORITY, definition.credential_authority.signing_key
    if role == COMMISSION:
        return COMMISSION, definition.commission_key
    seats = definition.trustees if trustees is None else trustees
    index = payload.get("trustee")
    if type(index) is not int or not 1 <= index <= len(seats):
        raise Refused(f"trustee must be a trustee number 1..{len(seats)}", field="trustee",
                      code="unknown_trustee")
    return trustee_signer(index), seats[index - 1].signing_key


def check_payload_signature(definition: Definition, fingerprint: bytes, kind: str,
                            payload: Mapping[str, Any], trustees: Sequence[Trustee] | None = None, *,
                            message: bytes | None = None) -> None:
    """Refuses an event of a signed kind unless its ``signed`` is its signer's valid signature
    (``trustees`` as for :func:`expected_signer`; ``message``, when given, is
    ``signed_message(kind, payload)``, already written by a reader that has the payload's bytes)."""
    signer, key = expected_signer(definition, kind, payload, trustees)
    signed = payload.get("signed")
    if not isinstance(signed, Mapping):
        raise Refused(f"a {kind} event must be signed by {signer}", field="signed", code="missing_signature")
    if signed.get("signer") != signer:
        raise Refused(f"a {kind} event must be signed by {signer}, not {signed.get('signer')!r}",
                      field="signed.signer", code="wrong_signer")
    try:
        signature = Signature.from_json({k: v for k, v in signed.items() if k != "signer"}, "signed")
        verify_statement(fingerprint, key, signature, signer=signer, kind=str(kind),
                         message=signed_message(kind, payload) if message is None else message)
    except (InvalidProof, VyboryError) as exc:
        raise Refused(f"the signature of {signer} on this {kind} does not verify under the signing key "
                      f"the definition (or the key ceremony's restart) names ({exc.message})", field="signed", code="bad_signature") from None
