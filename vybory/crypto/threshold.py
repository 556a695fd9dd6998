"""Threshold keys: a Pedersen DKG with Feldman commitments, and threshold decryption (spec §5–§6).

n trustees numbered 1..n, threshold k: any k qualified trustees decrypt, fewer learn
nothing. Everything here is a pure function over explicit values; the shell keeps
each trustee's ``TrusteeSecrets`` in the trustee's key file and the public messages
on the board.

Ceremony (spec §5):
  phase 0  ``generate_messaging_key``: messaging key Y_i = g^{y_i} with a proof of possession.
  phase 1  ``compute_commitment``: H(A_i0, …, A_i(k-1)), A_it = g^{a_it}, f_i(z) = Σ a_it z^t.
  phase 2  ``compute_reveal``: the A_it and a proof of knowledge of a_i0; ``check_reveal``.
  phase 3  ``encrypt_shares``: s_{i→j} = f_i(j) for every j (itself included), encrypted to Y_j.
  phase 4  ``open_share`` checks g^{s_{i→j}} = Π_t A_it^{j^t}; if not, ``make_complaint``.
  end      ``finish``: qualified set, joint public key, verification keys (public, re-checkable);
           ``compute_secret_share``: the trustee's x_j = Σ_{i qualified} s_{i→j}.
Decryption (spec §6): ``compute_share`` / ``check_share`` / ``check_shares`` / ``combine``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import overload

from ..errors import InvalidEncoding, InvalidInput, InvalidProof, ThresholdNotMet
from . import _sodium, tags
from .backend import ops
from .elgamal import Ciphertext
from .encoding import expect_index, from_hex
from .group import ORDER, Point, Rng, Scalar, _point, _scalar
from .proofs import (
    EqualLogsProof,
    SchnorrProof,
    ShareProof,
    prove_equal_logs,
    prove_knowledge,
    prove_share,
    verify_equal_logs,
    verify_knowledge,
    verify_share,
)
from .transcript import Transcript

MAX_TRUSTEES = 1000
MAX_ATTEMPTS = 1000
SHARE_NONCE = bytes(24)
"""Each share key is used once (fresh ephemeral key), so the AEAD nonce is fixed at zero."""


def _check_trustee(trustee: object, field: str) -> int:
    return expect_index(trustee, field, low=1, high=MAX_TRUSTEES)


def _expect_object(obj: object, keys: set[str], field: str) -> Mapping:
    if not isinstance(obj, Mapping) or set(obj) != keys:
        listed = ", ".join(f'"{k}"' for k in sorted(keys))
        raise InvalidEncoding(f"expected an object with exactly the keys {listed}", field=field)
    return obj


def messaging_purpose(trustee: int) -> str:
    return f"dkg-messaging-key/{trustee}"


def constant_term_purpose(trustee: int) -> str:
    return f"dkg-constant-term/{trustee}"


def complaint_purpose(dealer: int, recipient: int) -> str:
    return f"dkg-complaint/{dealer}/{recipient}"


# Secret state of one trustee ---------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class TrusteeSecrets:
    """What one trustee must keep secret: messaging key, polynomial, and (at the end) its share.

    Invariants: 1 ≤ trustee ≤ MAX_TRUSTEES; len(coefficients) = threshold ≥ 1; no
    coefficient is 0; secret_share is None until the ceremony has finished; attempt ≥ 1 is the
    key ceremony's attempt these secrets were drawn for (spec §5.8: never reused in another).
    """

    trustee: int
    threshold: int
    messaging_secret: Scalar
    coefficients: tuple[Scalar, ...]
    secret_share: Scalar | None = None
    # The trustee's long-term identity key (its public half is in the definition); signs every message.
    signing_secret: Scalar | None = None
    attempt: int = 1

    def __repr__(self) -> str:
        return f"TrusteeSecrets(trustee={self.trustee}, threshold={self.threshold}, <secrets hidden>)"

    def with_secret_share(self, secret_share: Scalar) -> TrusteeSecrets:
        return TrusteeSecrets(self.trustee, self.threshold, self.messaging_secret, self.coefficients, secret_share,
                              self.signing_secret, self.attempt)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "trustee": self.trustee,
            "threshold": self.threshold,
            "messaging_secret": self.messaging_secret.to_hex(),
            "coefficients": [a.to_hex() for a in self.coefficients],
            "secret_share": None if self.secret_share is None else self.secret_share.to_hex(),
            "signing_secret": None if self.signing_secret is None else self.signing_secret.to_hex(),
        }
        if self.attempt != 1:
            out["attempt"] = self.attempt
        return out

    @staticmethod
    def from_json(obj: object, field: str) -> TrusteeSecrets:
        keys = {"trustee", "threshold", "messaging_secret", "coefficients", "secret_share", "signing_secret"}
        obj = _expect_object(obj, keys | ({"attempt"} if isinstance(obj, Mapping) and "attempt" in obj else set()),
                             field)
        attempt = expect_index(obj["attempt"], f"{field}.attempt", low=2, high=MAX_ATTEMPTS) if "attempt" in obj else 1
        trustee = _check_trustee(obj["trustee"], f"{field}.trustee")
        threshold = expect_index(obj["threshold"], f"{field}.threshold", low=1, high=MAX_TRUSTEES)
        items = obj["coefficients"]
        if not isinstance(items, list) or len(items) != threshold:
            raise InvalidEncoding(f"expected a list of {threshold} scalars", field=f"{field}.coefficients")
        coefficients = tuple(Scalar.from_hex(h, f"{field}.coefficients[{i}]") for i, h in enumerate(items))
        share = obj["secret_share"]
        return TrusteeSecrets(
            trustee,
            threshold,
            Scalar.from_hex(obj["messaging_secret"], f"{field}.messaging_secret"),
            coefficients,
            None if share is None else Scalar.from_hex(share, f"{field}.secret_share"),
            None if obj["signing_secret"] is None else Scalar.from_hex(obj["signing_secret"], f"{field}.signing_secret"),
            attempt,
        )


def new_trustee(trustee: int, threshold: int, rng: Rng | None = None, *,
                signing_secret: Scalar | None = None, attempt: int = 1) -> TrusteeSecrets:
    """Draw a messaging secret y, then coefficients a_0..a_(k-1) (in this order, spec §5.1)."""
    _check_trustee(trustee, "trustee")
    expect_index(threshold, "threshold", low=1, high=MAX_TRUSTEES)
    expect_index(attempt, "attempt", low=1, high=MAX_ATTEMPTS)
    messaging_secret = Scalar.random(rng)
    coefficients = tuple(Scalar.random(rng) for _ in range(threshold))
    return TrusteeSecrets(trustee, threshold, messaging_secret, coefficients, None, signing_secret, attempt)


def attempt_fingerprint(fingerprint: bytes, attempt: int) -> bytes:
    """The fingerprint every transcript of key ceremony attempt ``attempt`` uses (spec §5.8): the
    election's own for attempt 1; for a later one the first 32 bytes of the digest of
    T(VYBORY-V1-DKG-ATTEMPT, fingerprint; attempt: u64(attempt)), so that no proof, commitment or
    share key of one attempt is valid in another."""
    expect_index(attempt, "attempt", low=1, high=MAX_ATTEMPTS)
    if attempt == 1:
        return fingerprint
    return Transcript(tags.DKG_ATTEMPT, fingerprint).append("attempt", attempt).digest()[:32]


# Phase 0: messaging keys --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessagingKey:
    """A trustee's public messaging key Y = g^y with a proof of possession.

    Invariants: public_key is not the identity.
    """

    trustee: int
    public_key: Point
    proof: SchnorrProof

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "public_key": self.public_key.to_hex(), "proof": self.proof.to_json()}

    @staticmethod
    def from_json(obj: object, field: str) -> MessagingKey:
        obj = _expect_object(obj, {"trustee", "public_key", "proof"}, field)
        return MessagingKey(
            _check_trustee(obj["trustee"], f"{field}.trustee"),
            Point.from_hex(obj["public_key"], f"{field}.public_key"),
            SchnorrProof.from_json(obj["proof"], f"{field}.proof"),
        )


def generate_messaging_key(fingerprint: bytes, secrets: TrusteeSecrets, rng: Rng | None = None) -> MessagingKey:
    """Phase 0: publish Y_i with a proof of knowledge of y_i (purpose "dkg-messaging-key/i")."""
    public = Point.base_mul(secrets.messaging_secret)
    proof = prove_knowledge(
        fingerprint, secrets.messaging_secret, public, purpose=messaging_purpose(secrets.trustee), rng=rng
    )
    return MessagingKey(secrets.trustee, public, proof)


def check_messaging_key(fingerprint: bytes, key: MessagingKey) -> None:
    if key.public_key.is_identity():
        raise InvalidProof(f"trustee {key.trustee}: the messaging key is the identity", field="messaging_key")
    verify_knowledge(fingerprint, key.public_key, key.proof, purpose=messaging_purpose(key.trustee))


# Phases 1–2: commit, then reveal ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class DealerCommitment:
    """Phase 1: H(coefficient commitments), 64 bytes (spec §5.2)."""

    trustee: int
    digest: bytes

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "digest": self.digest.hex()}

    @staticmethod
    def from_json(obj: object, field: str) -> DealerCommitment:
        obj = _expect_object(obj, {"trustee", "digest"}, field)
        return DealerCommitment(
            _check_trustee(obj["trustee"], f"{field}.trustee"), from_hex(obj["digest"], f"{field}.digest", 64)
        )


@dataclass(frozen=True, slots=True)
class DealerReveal:
    """Phase 2: the Feldman commitments A_0..A_(k-1) and a proof of knowledge of a_0.

    Invariants: no commitment is the identity.
    """

    trustee: int
    commitments: tuple[Point, ...]
    proof: SchnorrProof

    def to_json(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "commitments": [a.to_hex() for a in self.commitments],
            "proof": self.proof.to_json(),
        }

    @staticmethod
    def from_json(obj: object, field: str) -> DealerReveal:
        obj = _expect_object(obj, {"trustee", "commitments", "proof"}, field)
        items = obj["commitments"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_TRUSTEES:
            raise InvalidEncoding("expected a non-empty list of points", field=f"{field}.commitments")
        return DealerReveal(
            _check_trustee(obj["trustee"], f"{field}.trustee"),
            tuple(Point.from_hex(h, f"{field}.commitments[{i}]") for i, h in enumerate(items)),
            SchnorrProof.from_json(obj["proof"], f"{field}.proof"),
        )


def commitment_digest(fingerprint: bytes, trustee: int, commitments: Sequence[Point]) -> bytes:
    """SHA-512 transcript (tag VYBORY-V1-DKG-COMMIT) over trustee, threshold and the A_t."""
    t = Transcript(tags.DKG_COMMIT, fingerprint).append("trustee", trustee).append("threshold", len(commitments))
    for a in commitments:
        t.append("coefficient", a)
    return t.digest()


def _feldman(secrets: TrusteeSecrets) -> tuple[Point, ...]:
    return tuple(Point.base_mul(a) for a in secrets.coefficients)


def compute_commitment(fingerprint: bytes, secrets: TrusteeSecrets) -> DealerCommitment:
    """Phase 1."""
    return DealerCommitment(secrets.trustee, commitment_digest(fingerprint, secrets.trustee, _feldman(secrets)))


def compute_reveal(fingerprint: bytes, secrets: TrusteeSecrets, rng: Rng | None = None) -> DealerReveal:
    """Phase 2: A_t = g^{a_t} and a proof of knowledge of a_0 (purpose "dkg-constant-term/i")."""
    commitments = _feldman(secrets)
    proof = prove_knowledge(
        fingerprint, secrets.coefficients[0], commitments[0], purpose=constant_term_purpose(secrets.trustee), rng=rng
    )
    return DealerReveal(secrets.trustee, commitments, proof)


def check_reveal(fingerprint: bytes, commitment: DealerCommitment, reveal: DealerReveal, threshold: int) -> None:
    """The reveal matches the earlier commitment, has k points, none the identity, and a valid proof."""
    who = f"trustee {reveal.trustee}"
    if commitment.trustee != reveal.trustee:
        raise InvalidProof(f"{who}: the reveal answers another trustee's commitment", field="reveal.trustee")
    if len(reveal.commitments) != threshold:
        raise InvalidProof(f"{who}: expected {threshold} coefficient commitments", field="reveal.commitments")
    if any(a.is_identity() for a in reveal.commitments):
        raise InvalidProof(f"{who}: a coefficient commitment is the identity", field="reveal.commitments")
    if commitment_digest(fingerprint, reveal.trustee, reveal.commitments) != commitment.digest:
        raise InvalidProof(f"{who}: the revealed commitments do not match the phase-1 digest", field="reveal.commitments")
    verify_knowledge(fingerprint, reveal.commitments[0], reveal.proof, purpose=constant_term_purpose(reveal.trustee))


def evaluate(coefficients: Sequence[Scalar], x: int) -> Scalar:
    """f(x) = Σ a_t x^t mod ℓ (Horner)."""
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * x + a.value) % ORDER
    return _scalar(acc)


def feldman_point(commitments: Sequence[Point], x: int) -> Point:
    """Π_t A_t^{x^t} = g^{f(x)} (Horner: k - 1 multiplications)."""
    xb = (x % ORDER).to_bytes(32, "little")
    acc = commitments[-1].encoding
    for a in reversed(commitments[:-1]):
        acc = ops.add(ops.scalarmult(xb, acc), a.encoding)
    return _point(acc)


# Phase 3: encrypted shares --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """s_{dealer→recipient} encrypted to the recipient's messaging key (spec §5.3).

    Invariants: ephemeral E = g^e is not the identity; ciphertext is 48 bytes
    (32-byte scalar + 16-byte Poly1305 tag).
    """

    dealer: int
    recipient: int
    ephemeral: Point
    ciphertext: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "ephemeral": self.ephemeral.to_hex(),
            "ciphertext": self.ciphertext.hex(),
        }

    @staticmethod
    def from_json(obj: object, field: str) -> EncryptedShare:
        obj = _expect_object(obj, {"dealer", "recipient", "ephemeral", "ciphertext"}, field)
        return EncryptedShare(
            _check_trustee(obj["dealer"], f"{field}.dealer"),
            _check_trustee(obj["recipient"], f"{field}.recipient"),
            Point.from_hex(obj["ephemeral"], f"{field}.ephemeral"),
            from_hex(obj["ciphertext"], f"{field}.ciphertext", 48),
        )


def share_key(
    fingerprint: bytes, dealer: int, recipient: int, recipient_key: Point, ephemeral: Point, shared_secret: Point
) -> bytes:
    """First 32 bytes of the VYBORY-V1-DKG-SHARE-KEY transcript digest (spec §5.3)."""
    t = (
        Transcript(tags.DKG_SHARE_KEY, fingerprint)
        .append("dealer", dealer)
        .append("recipient", recipient)
        .append("recipient_key", recipient_key)
        .append("ephemeral", ephemeral)
        .append("shared_secret", shared_secret)
    )
    return t.digest()[:32]


def encrypt_shares(
    fingerprint: bytes, secrets: TrusteeSecrets, messaging_keys: Mapping[int, Point], rng: Rng | None = None
) -> tuple[EncryptedShare, ...]:
    """Phase 3: for each recipient j (ascending, the dealer itself included) draw e, send
    E = g^e and AEAD(key(K = Y_j^e), f_i(j))."""
    out = []
    for j in sorted(messaging_keys):
        _check_trustee(j, "recipient")
        e = Scalar.random(rng)
        ephemeral = Point.base_mul(e)
        shared = messaging_keys[j] * e
        key = share_key(fingerprint, secrets.trustee, j, messaging_keys[j], ephemeral, shared)
        box = _sodium.aead_encrypt(evaluate(secrets.coefficients, j).to_bytes(), b"", SHARE_NONCE, key)
        out.append(EncryptedShare(secrets.trustee, j, ephemeral, box))
    return tuple(out)


def _decrypt_with(fingerprint: bytes, share: EncryptedShare, recipient_key: Point, shared: Point) -> Scalar | None:
    key = share_key(fingerprint, share.dealer, share.recipient, recipient_key, share.ephemeral, shared)
    plain = _sodium.aead_decrypt(share.ciphertext, b"", SHARE_NONCE, key)
    if plain is None or len(plain) != 32 or int.from_bytes(plain, "little") >= ORDER:
        return None
    return _scalar(int.from_bytes(plain, "little"))


def _share_is_good(value: Scalar | None, reveal: DealerReveal, recipient: int) -> bool:
    return value is not None and Point.base_mul(value) == feldman_point(reveal.commitments, recipient)


def open_share(fingerprint: bytes, secrets: TrusteeSecrets, share: EncryptedShare, reveal: DealerReveal) -> Scalar:
    """Phase 4: decrypt s_{i→j} and check g^s = Π_t A_it^{j^t}; InvalidProof means: complain."""
    if share.recipient != secrets.trustee or share.dealer != reveal.trustee:
        raise InvalidInput("this share is for another trustee or from another dealer", field="share")
    y = secrets.messaging_secret
    value = _decrypt_with(fingerprint, share, Point.base_mul(y), share.ephemeral * y)
    if not _share_is_good(value, reveal, share.recipient):
        raise InvalidProof(
            f"the share from trustee {share.dealer} does not decrypt or does not match its commitments",
            field=f"shares[{share.dealer}]",
        )
    assert value is not None
    return value


# Phase 4: complaints ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Complaint:
    """A recipient's verifiable complaint: K = E^y revealed with a proof that log_g(Y) = log_E(K).

    Anyone can then derive the share key, decrypt the share and check it (spec §5.4).
    """

    dealer: int
    recipient: int
    shared_secret: Point
    proof: EqualLogsProof

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "shared_secret": self.shared_secret.to_hex(),
            "proof": self.proof.to_json(),
        }

    @staticmethod
    def from_json(obj: object, field: str) -> Complaint:
        obj = _expect_object(obj, {"dealer", "recipient", "shared_secret", "proof"}, field)
        return Complaint(
            _check_trustee(obj["dealer"], f"{field}.dealer"),
            _check_trustee(obj["recipient"], f"{field}.recipient"),
            Point.from_hex(obj["shared_secret"], f"{field}.shared_secret"),
            EqualLogsProof.from_json(obj["proof"], f"{field}.proof"),
        )


def make_complaint(fingerprint: bytes, secrets: TrusteeSecrets, share: EncryptedShare, rng: Rng | None = None) -> Complaint:
    """Reveal K = E^y for one share addressed to this trustee, with its proof."""
    if share.recipient != secrets.trustee:
        raise InvalidInput("one can only complain about a share addressed to oneself", field="share")
    y = secrets.messaging_secret
    public = Point.base_mul(y)
    shared = share.ephemeral * y
    proof = prove_equal_logs(
        fingerprint, y, Point.GENERATOR, public, share.ephemeral, shared,
        purpose=complaint_purpose(share.dealer, share.recipient), rng=rng,
    )
    return Complaint(share.dealer, share.recipient, shared, proof)


def check_complaint(
    fingerprint: bytes, complaint: Complaint, share: EncryptedShare, reveal: DealerReveal, recipient_key: Point
) -> bool:
    """True when the complaint is justified (the dealer sent a bad share), False when it is
    false (the share decrypts and matches the commitments). InvalidProof when the complaint's
    own proof fails (evidence against the board: the
    recipient key is not the one the complainer holds)."""
    if (complaint.dealer, complaint.recipient) != (share.dealer, share.recipient) or reveal.trustee != share.dealer:
        raise InvalidInput("the complaint, the share and the reveal do not belong together", field="complaint")
    verify_equal_logs(
        fingerprint, Point.GENERATOR, recipient_key, share.ephemeral, complaint.shared_secret, complaint.proof,
        purpose=complaint_purpose(complaint.dealer, complaint.recipient),
    )
    value = _decrypt_with(fingerprint, share, recipient_key, complaint.shared_secret)
    return not _share_is_good(value, reveal, share.recipient)


# End of the ceremony ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyCeremonyResult:
    """The public outcome of the DKG (spec §5.5).

    Invariants: len(qualified) ≥ threshold; public_key = Π_{i∈qualified} A_i0;
    verification_keys[j] = Π_{i∈qualified} Π_t A_it^{j^t} for every j in qualified.
    """

    trustees: int
    threshold: int
    qualified: tuple[int, ...]
    public_key: Point
    verification_keys: Mapping[int, Point]
    disqualified: Mapping[int, str] = dataclass_field(default_factory=dict)
    false_complaints: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "trustees": self.trustees,
            "threshold": self.threshold,
            "qualified": list(self.qualified),
            "public_key": self.public_key.to_hex(),
            "verification_keys": {str(j): x.to_hex() for j, x in sorted(self.verification_keys.items())},
            "disqualified": {str(j): why for j, why in sorted(self.disqualified.items())},
            "false_complaints": [list(p) for p in self.false_complaints],
        }


# The reasons of key_ceremony_completed's "disqualified" (spec §5.7): fixed words, so that a
# verifier compares them exactly.
REASON_NO_MESSAGING_KEY = "no messaging key"
REASON_MESSAGING_KEY_ELSEWHERE = "messaging key filed under another trustee"
REASON_MESSAGING_KEY_IDENTITY = "messaging key is the identity"
REASON_MESSAGING_KEY_PROOF = "messaging key proof fails"
REASON_NO_COMMITMENT = "no commitment"
REASON_NO_REVEAL = "no reveal"
REASON_REVEAL_SIZE = "reveal does not hold k commitments"
REASON_REVEAL_IDENTITY = "reveal holds the identity"
REASON_REVEAL_DIGEST = "reveal does not match the commitment"
REASON_REVEAL_PROOF = "reveal proof fails"


def _reveal_fault(fingerprint: bytes, commitment: DealerCommitment, reveal: DealerReveal, threshold: int) -> str:
    """Why ``reveal`` fails §5.4 (checked in the spec's order), or "" when it passes."""
    if len(reveal.commitments) != threshold:
        return REASON_REVEAL_SIZE
    if any(a.is_identity() for a in reveal.commitments):
        return REASON_REVEAL_IDENTITY
    if commitment_digest(fingerprint, reveal.trustee, reveal.commitments) != commitment.digest:
        return REASON_REVEAL_DIGEST
    try:
        verify_knowledge(fingerprint, reveal.commitments[0], reveal.proof, purpose=constant_term_purpose(reveal.trustee))
    except InvalidProof:
        return REASON_REVEAL_PROOF
    return ""


@dataclass(frozen=True, slots=True)
class Judgement:
    """Who qualified in one attempt of the ceremony, who did not and why, and the false complaints
    (spec §5.7), whether or not enough trustees qualified."""

    qualified: tuple[int, ...]
    disqualified: Mapping[int, str]
    false_complaints: tuple[tuple[int, int], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "qualified": list(self.qualified),
            "disqualified": {str(j): why for j, why in sorted(self.disqualified.items())},
            "false_complaints": [list(p) for p in self.false_complaints],
        }


def finish(
    fingerprint: bytes,
    trustees: int,
    threshold: int,
    messaging_keys: Mapping[int, MessagingKey],
    commitments: Mapping[int, DealerCommitment],
    reveals: Mapping[int, DealerReveal],
    shares: Sequence[EncryptedShare],
    complaints: Sequence[Complaint] = (),
) -> KeyCeremonyResult:
    """The ceremony's result (spec §5.7): :func:`judge`, then the joint key and the verification keys.
    Fewer than ``threshold`` qualified trustees: ThresholdNotMet (the ceremony must be run again)."""
    judged = judge(fingerprint, trustees, threshold, messaging_keys, commitments, reveals, shares, complaints)
    qualified, disqualified = judged.qualified, judged.disqualified
    if len(qualified) < threshold:
        raise ThresholdNotMet(
            f"only {len(qualified)} trustees qualified, {threshold} needed; disqualified: "
            + "; ".join(f"trustee {i}: {why}" for i, why in sorted(disqualified.items())),
            field="key_ceremony",
        )
    degree_sums = []
    for t in range(threshold):
        acc = _sodium.IDENTITY
        for i in qualified:
            acc = ops.add(acc, reveals[i].commitments[t].encoding)
        degree_sums.append(_point(acc))
    verification_keys = {j: feldman_point(degree_sums, j) for j in qualified}
    return KeyCeremonyResult(
        trustees, threshold, qualified, degree_sums[0], verification_keys, disqualified, judged.false_complaints
    )


def judge(
    fingerprint: bytes,
    trustees: int,
    threshold: int,
    messaging_keys: Mapping[int, MessagingKey],
    commitments: Mapping[int, DealerCommitment],
    reveals: Mapping[int, DealerReveal],
    shares: Sequence[EncryptedShare],
    complaints: Sequence[Complaint] = (),
) -> Judgement:
    """Apply the disqualification rules of spec §5.5 to the public record of the ceremony.

    A trustee i is disqualified when (in this order): its messaging key is missing or
    invalid; its commitment or reveal is missing or does not check; it did not send
    exactly one encrypted share to every trustee with a valid messaging key (itself
    included); or a complaint against it is justified. A false complaint
    (the share checks) is recorded in ``false_complaints`` and changes nothing; a complaint whose
    proof fails under the board's messaging key counts for nothing here (it is evidence against
    the board, which the service refuses and the verifier reports).
    """
    expect_index(trustees, "trustees", low=1, high=MAX_TRUSTEES)
    expect_index(threshold, "threshold", low=1, high=trustees)
    everyone = range(1, trustees + 1)
    disqualified: dict[int, str] = {}
    keys: dict[int, Point] = {}
    for i in everyone:
        key = messaging_keys.get(i)
        if key is None:
            disqualified[i] = REASON_NO_MESSAGING_KEY
        elif key.trustee != i:
            disqualified[i] = REASON_MESSAGING_KEY_ELSEWHERE
        elif key.public_key.is_identity():
            disqualified[i] = REASON_MESSAGING_KEY_IDENTITY
        else:
            try:
                verify_knowledge(fingerprint, key.public_key, key.proof, purpose=messaging_purpose(i))
                keys[i] = key.public_key
            except InvalidProof:
                disqualified[i] = REASON_MESSAGING_KEY_PROOF
    for i in everyone:
        if i in disqualified:
            continue
        commitment, reveal = commitments.get(i), reveals.get(i)
        if commitment is None or commitment.trustee != i:
            disqualified[i] = REASON_NO_COMMITMENT
        elif reveal is None or reveal.trustee != i:
            disqualified[i] = REASON_NO_REVEAL
        else:
            why = _reveal_fault(fingerprint, commitment, reveal, threshold)
            if why:
                disqualified[i] = why
    by_pair: dict[tuple[int, int], EncryptedShare] = {}
    twice: set[tuple[int, int]] = set()
    for share in shares:
        pair = (share.dealer, share.recipient)
        if pair in by_pair:
            twice.add(pair)
        by_pair[pair] = share
    for i in everyone:
        if i in disqualified:
            continue
        missing = [j for j in keys if (i, j) not in by_pair]
        doubled = sorted(j for (dealer, j) in twice if dealer == i)
        if missing:
            disqualified[i] = "no encrypted share for trustee(s) " + ", ".join(map(str, missing))
        elif doubled:
            disqualified[i] = "more than one encrypted share for trustee(s) " + ", ".join(map(str, doubled))
    # Complaints are judged in ascending (dealer, recipient) order, each pair once, against the
    # dealers rules 1-3 left standing: the result does not depend on the order of the board.
    false_complaints: list[tuple[int, int]] = []
    justified: dict[int, list[int]] = {}
    judged: set[tuple[int, int]] = set()
    for complaint in sorted(complaints, key=lambda c: (c.dealer, c.recipient)):
        i, j = complaint.dealer, complaint.recipient
        found = by_pair.get((i, j))
        if (i, j) in judged or i in disqualified or j not in keys or found is None or i not in reveals:
            continue
        try:
            bad = check_complaint(fingerprint, complaint, found, reveals[i], keys[j])
        except (InvalidProof, InvalidInput):
            # The complaint's proof fails under the board's messaging key of j: that is evidence
            # against the board (the key is not the one j holds), not a false complaint by j. The
            # service refuses such a complaint; a verifier reports it (complaint_against_board).
            continue
        judged.add((i, j))
        if bad:
            justified.setdefault(i, []).append(j)
        else:
            false_complaints.append((i, j))
    for i, recipients in justified.items():
        disqualified[i] = f"justified complaint by trustee {recipients[0]}"
    disqualified = dict(sorted(disqualified.items()))
    qualified = tuple(i for i in everyone if i not in disqualified)
    return Judgement(qualified, disqualified, tuple(false_complaints))


def compute_secret_share(
    fingerprint: bytes,
    secrets: TrusteeSecrets,
    result: KeyCeremonyResult,
    reveals: Mapping[int, DealerReveal],
    shares: Sequence[EncryptedShare],
) -> Scalar:
    """x_j = Σ_{i∈qualified} s_{i→j}, checked against the trustee's verification key."""
    j = secrets.trustee
    if j not in result.verification_keys:
        raise InvalidInput(f"trustee {j} is not qualified", field="trustee")
    mine = {s.dealer: s for s in shares if s.recipient == j}
    total = 0
    for i in result.qualified:
        if i not in mine:
            raise InvalidInput(f"no share from trustee {i}", field=f"shares[{i}]")
        total += open_share(fingerprint, secrets, mine[i], reveals[i]).value
    x = _scalar(total % ORDER)
    if Point.base_mul(x) != result.verification_keys[j]:
        raise InvalidProof("the secret share does not match the verification key", field="secret_share")
    return x


# Threshold decryption (spec §6) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """One trustee's factors D_t = alpha_t^{x_j} for a vector of ciphertexts, with one proof.

    Invariants: len(proof.commitments) = len(factors) + 1.
    """

    trustee: int
    factors: tuple[Point, ...]
    proof: ShareProof

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "factors": [d.to_hex() for d in self.factors], "proof": self.proof.to_json()}

    @staticmethod
    def from_json(obj: object, field: str) -> DecryptionShare:
        obj = _expect_object(obj, {"trustee", "factors", "proof"}, field)
        items = obj["factors"]
        if not isinstance(items, list) or not items:
            raise InvalidEncoding("expected a non-empty list of points", field=f"{field}.factors")
        return DecryptionShare(
            _check_trustee(obj["trustee"], f"{field}.trustee"),
            # A tally with no ballot has alpha = 1, hence factor 1: the identity is allowed.
            tuple(Point.from_hex(h, f"{field}.factors[{i}]", allow_identity=True) for i, h in enumerate(items)),
            ShareProof.from_json(obj["proof"], f"{field}.proof"),
        )


def _as_tuple(ciphertexts: Ciphertext | Sequence[Ciphertext]) -> tuple[Ciphertext, ...]:
    if isinstance(ciphertexts, Ciphertext):
        return (ciphertexts,)
    out = tuple(ciphertexts)
    if not out or not all(isinstance(c, Ciphertext) for c in out):
        raise InvalidInput("expected one or more ciphertexts", field="ciphertexts")
    return out


def compute_share(
    fingerprint: bytes,
    trustee: int,
    secret_share: Scalar,
    ciphertexts: Ciphertext | Sequence[Ciphertext],
    rng: Rng | None = None,
) -> DecryptionShare:
    """D_t = alpha_t^{x_j} for every ciphertext, with one batched Chaum–Pedersen proof."""
    cts = _as_tuple(ciphertexts)
    x = secret_share.value.to_bytes(32, "little")
    factors = tuple(_point(ops.scalarmult(x, c.alpha.encoding)) for c in cts)
    proof = prove_share(fingerprint, trustee, secret_share, Point.base_mul(secret_share), cts, factors, rng)
    return DecryptionShare(trustee, factors, proof)


def check_share(
    fingerprint: bytes,
    verification_key: Point,
    ciphertexts: Ciphertext | Sequence[Ciphertext],
    share: DecryptionShare,
) -> None:
    """Raise InvalidProof unless every factor of ``share`` is alpha_t^{x_j} for the x_j of the key."""
    verify_share(fingerprint, share.trustee, verification_key, _as_tuple(ciphertexts), share.factors, share.proof)


# The reasons of tally_decrypted's "skipped" (spec §6.2): fixed words, compared exactly by a verifier.
SKIP_UNREADABLE = "the share cannot be decoded"
SKIP_OTHER_TRUSTEE = "the share names another trustee"
SKIP_TWICE = "more than one share from this trustee"
SKIP_NOT_QUALIFIED = "not a qualified trustee"
SKIP_FACTORS = "wrong number of factors"
SKIP_PROOF = "the proof does not verify"


def check_shares(
    fingerprint: bytes,
    ciphertexts: Ciphertext | Sequence[Ciphertext],
    shares: Sequence[DecryptionShare],
    verification_keys: Mapping[int, Point],
) -> tuple[dict[int, DecryptionShare], dict[int, str]]:
    """Check every share: (valid shares by trustee, {trustee: why} for the invalid ones).

    A share from an unknown trustee, a second share from the same trustee, or one whose
    proof fails is invalid. Every share is checked, so every invalid one is named.
    """
    cts = _as_tuple(ciphertexts)
    valid: dict[int, DecryptionShare] = {}
    invalid: dict[int, str] = {}
    for share in shares:
        j = share.trustee
        if j in valid or j in invalid:
            invalid[j] = SKIP_TWICE
            valid.pop(j, None)
            continue
        if j not in verification_keys:
            invalid[j] = SKIP_NOT_QUALIFIED
            continue
        if len(share.factors) != len(cts):
            invalid[j] = SKIP_FACTORS
            continue
        try:
            verify_share(fingerprint, j, verification_keys[j], cts, share.factors, share.proof)
        except InvalidProof:
            invalid[j] = SKIP_PROOF
            continue
        valid[j] = share
    return valid, invalid


def lagrange_coefficients(indices: Sequence[int]) -> dict[int, Scalar]:
    """λ_j = Π_{m∈S, m≠j} m / (m − j) mod ℓ: interpolation at 0 over the set S of indices."""
    out = {}
    for j in indices:
        num, den = 1, 1
        for m in indices:
            if m != j:
                num = num * m % ORDER
                den = den * (m - j) % ORDER
        out[j] = _scalar(num * pow(den, -1, ORDER) % ORDER)
    return out


@overload
def combine(
    fingerprint: bytes, ciphertexts: Ciphertext, shares: Sequence[DecryptionShare], threshold: int,
    verification_keys: Mapping[int, Point],
) -> Point: ...
@overload
def combine(
    fingerprint: bytes, ciphertexts: Sequence[Ciphertext], shares: Sequence[DecryptionShare], threshold: int,
    verification_keys: Mapping[int, Point],
) -> list[Point]: ...
def combine(fingerprint, ciphertexts, shares, threshold, verification_keys):  # type: ignore[no-untyped-def]
    """g^{m_t} = beta_t / Π_{j∈S} D_{j,t}^{λ_j} for the k valid shares of lowest trustee index.

    Invalid shares are skipped (``check_shares`` names them); fewer than k valid shares
    raise ThresholdNotMet naming the invalid and the missing trustees. Returns a Point for
    one ciphertext, a list of Points for a sequence.
    """
    single = isinstance(ciphertexts, Ciphertext)
    cts = _as_tuple(ciphertexts)
    expect_index(threshold, "threshold", low=1, high=MAX_TRUSTEES)
    valid, invalid = check_shares(fingerprint, cts, shares, verification_keys)
    if len(valid) < threshold:
        missing = sorted(set(verification_keys) - set(valid) - set(invalid))
        parts = [f"{threshold} valid decryption shares needed, {len(valid)} received"]
        parts += [f"trustee {j} invalid: {why}" for j, why in sorted(invalid.items())]
        if missing:
            parts.append("missing: trustee(s) " + ", ".join(map(str, missing)))
        raise ThresholdNotMet("; ".join(parts), field="shares")
    out = interpolate(cts, [valid[j] for j in sorted(valid)[:threshold]])
    return out[0] if single else out


def interpolate(ciphertexts: Sequence[Ciphertext], shares: Sequence[DecryptionShare]) -> list[Point]:
    """g^{m_t} = beta_t / Π_{j∈S} D_{j,t}^{λ_j} for the set S of ``shares``, which the caller has
    already checked (``check_shares``); ``combine`` checks and chooses, then calls this."""
    lambdas = {j: lam.value.to_bytes(32, "little")
               for j, lam in lagrange_coefficients([share.trustee for share in shares]).items()}
    out = []
    for t, ct in enumerate(ciphertexts):
        acc = _sodium.IDENTITY
        for share in shares:
            acc = ops.add(acc, ops.scalarmult(lambdas[share.trustee], share.factors[t].encoding))
        out.append(_point(ops.sub(ct.beta.encoding, acc)))
    return out
