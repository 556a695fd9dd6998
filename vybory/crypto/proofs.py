"""Zero-knowledge proofs and signatures, made non-interactive by Fiat–Shamir (spec §4).

Every proof keeps its commitments in its serialisation (so proofs can later be
verified in batches); the challenge is recomputed from the transcript, which
covers the domain tag, spec version, group, election fingerprint, the whole
statement and every commitment. ``verify_*`` returns None or raises InvalidProof
naming what failed; ``prove_*`` take ``rng`` (default ``secrets.token_bytes``).

Kinds: Schnorr proof of knowledge (§4.1), Schnorr signature (§4.2), Chaum–Pedersen
equality of discrete logs (§4.3), disjunctive 0/1 proof (§4.4), range proof (§4.5),
decryption-share proof (§4.6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidEncoding, InvalidInput, InvalidProof, VyboryError
from . import backend, tags
from .backend import ops
from .elgamal import Ciphertext, g_power
from .encoding import U64_MAX, expect_bytes
from .group import ORDER, Point, Rng, Scalar, _point, _scalar
from .transcript import Transcript

MAX_RANGE_WIDTH = 256
"""A range proof covers at most this many values (high - low + 1)."""


def _le(s: Scalar) -> bytes:
    return s.value.to_bytes(32, "little")


def _expect_object(obj: object, keys: set[str], field: str) -> Mapping:
    if not isinstance(obj, Mapping) or set(obj) != keys:
        listed = ", ".join(f'"{k}"' for k in sorted(keys))
        raise InvalidEncoding(f"expected an object with exactly the keys {listed}", field=field)
    return obj


def _expect_list(obj: object, field: str, length: int | None = None) -> list:
    if not isinstance(obj, list) or (length is not None and len(obj) != length):
        want = f" of {length} items" if length is not None else ""
        raise InvalidEncoding(f"expected a list{want}", field=field)
    return obj


def _point_at(data: bytes, offset: int, field: str) -> Point:
    # Commitments may be any group element, the identity included (spec §4).
    return Point.from_bytes(data[offset : offset + 32], field, allow_identity=True)


# Checks: one proof's verification, in a form that a batch can take ------------


@dataclass(frozen=True, slots=True)
class _Check:
    """What is left of one proof's verification once its challenge is recomputed.

    Invariants: ``register`` adds the proof's equations to a native batch (``vybory_native.Batch``);
    ``exact`` checks the same equations one by one and raises the InvalidProof naming the first that
    fails; ``failure`` is raised when a batch refuses the proof and ``exact`` finds nothing (which
    only a disagreement between the two could cause: the proof is refused all the same).
    """

    register: Callable[[Any], object]
    exact: Callable[[], None]
    failure: InvalidProof


def _run(check: _Check) -> None:
    """Verify one proof: its equations at once on the native backend (one random linear
    combination), and, on failure or on libsodium, one by one to name the equation that fails."""
    batch = backend.new_batch()
    if batch is not None:
        check.register(batch)
        if batch.first_failure() is None:
            return
    check.exact()
    if batch is not None:
        raise check.failure


def _schnorr_check(public: Point, proof: SchnorrProof, c: Scalar, failure: InvalidProof) -> _Check:
    """g^response = commitment · public^c."""

    def exact() -> None:
        left = ops.scalarmult_base(_le(proof.response))
        right = ops.add(proof.commitment.encoding, ops.scalarmult(_le(c), public.encoding))
        if left != right:
            raise failure

    return _Check(
        lambda batch: batch.add_schnorr(public.encoding, proof.commitment.encoding, _le(proof.response), _le(c)),
        exact, failure,
    )


# §4.1 Schnorr proof of knowledge -------------------------------------------


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Proof of knowledge of x with X = g^x.

    Invariants: commitment = g^w for the prover's nonce w; response = w + challenge · x.
    Serialised as commitment ‖ response (64 bytes).
    """

    commitment: Point
    response: Scalar

    def to_bytes(self) -> bytes:
        return self.commitment.encoding + _le(self.response)

    @classmethod
    def from_bytes(cls, data: bytes, field: str):  # type: ignore[no-untyped-def]
        data = expect_bytes(data, field, 64)
        return cls(
            _point_at(data, 0, f"{field}.commitment"),
            Scalar.from_canonical(data[32:], f"{field}.response"),
        )

    def to_json(self) -> dict[str, str]:
        return {"commitment": self.commitment.to_hex(), "response": self.response.to_hex()}

    @classmethod
    def from_json(cls, obj: object, field: str):  # type: ignore[no-untyped-def]
        obj = _expect_object(obj, {"commitment", "response"}, field)
        return cls(
            Point.from_hex(obj["commitment"], f"{field}.commitment", allow_identity=True),
            Scalar.from_hex(obj["response"], f"{field}.response"),
        )


def _knowledge_transcript(fingerprint: bytes, public: Point, purpose: str, commitment: Point) -> Transcript:
    return (
        Transcript(tags.KNOWLEDGE, fingerprint)
        .append("purpose", purpose)
        .append("public", public)
        .append("commitment", commitment)
    )


def prove_knowledge(
    fingerprint: bytes, secret: Scalar, public: Point, *, purpose: str, rng: Rng | None = None
) -> SchnorrProof:
    """Prove knowledge of ``secret`` = log_g(``public``), for a stated ``purpose``."""
    if Point.base_mul(secret) != public:
        raise InvalidInput("the secret does not match the public key", field="secret")
    w = Scalar.random(rng)
    commitment = Point.base_mul(w)
    c = _knowledge_transcript(fingerprint, public, purpose, commitment).challenge()
    return SchnorrProof(commitment, w + c * secret)


def verify_knowledge(fingerprint: bytes, public: Point, proof: SchnorrProof, *, purpose: str) -> None:
    """Check g^response = commitment · public^challenge; the identity is never a key."""
    _run(_knowledge_check(fingerprint, public, proof, purpose))


def _knowledge_check(fingerprint: bytes, public: Point, proof: SchnorrProof, purpose: str) -> _Check:
    if public.is_identity():
        raise InvalidProof(f"proof of knowledge ({purpose}) for the identity element", field="public")
    c = _knowledge_transcript(fingerprint, public, purpose, proof.commitment).challenge()
    return _schnorr_check(public, proof, c, InvalidProof(f"proof of knowledge ({purpose}) does not verify", field="proof"))


# §4.2 Schnorr signature ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signature(SchnorrProof):
    """A Schnorr signature by a voter credential S = g^s on a message.

    Invariants: commitment = g^w; response = w + challenge · s. 64 bytes.
    """


def _signature_transcript(fingerprint: bytes, credential: Point, message: bytes, commitment: Point) -> Transcript:
    return (
        Transcript(tags.SIGNATURE, fingerprint)
        .append("credential", credential)
        .append("message", message)
        .append("commitment", commitment)
    )


def sign(fingerprint: bytes, secret_credential: Scalar, message: bytes, rng: Rng | None = None) -> Signature:
    """Sign ``message`` with the secret credential s (public credential g^s)."""
    message = expect_bytes(message, "message")
    credential = Point.base_mul(secret_credential)
    w = Scalar.random(rng)
    commitment = Point.base_mul(w)
    c = _signature_transcript(fingerprint, credential, message, commitment).challenge()
    return Signature(commitment, w + c * secret_credential)


def verify_signature(fingerprint: bytes, public_credential: Point, message: bytes, signature: Signature) -> None:
    """Check g^response = commitment · credential^challenge."""
    _run(_signature_check(fingerprint, public_credential, message, signature))


def _signature_check(fingerprint: bytes, public_credential: Point, message: bytes, signature: Signature) -> _Check:
    message = expect_bytes(message, "message")
    if public_credential.is_identity():
        raise InvalidProof("the identity element is not a credential", field="credential")
    c = _signature_transcript(fingerprint, public_credential, message, signature.commitment).challenge()
    return _schnorr_check(public_credential, signature, c,
                          InvalidProof("the signature does not verify under this credential", field="signature"))


# §4.7 Statement signature by an identity key ----------------------------------


def _statement_transcript(fingerprint: bytes, public: Point, signer: str, kind: str, message: bytes,
                          commitment: Point) -> Transcript:
    return (
        Transcript(tags.STATEMENT, fingerprint)
        .append("signer", signer)
        .append("public", public)
        .append("kind", kind)
        .append("message", message)
        .append("commitment", commitment)
    )


def sign_statement(fingerprint: bytes, secret: Scalar, *, signer: str, kind: str, message: bytes,
                   rng: Rng | None = None) -> Signature:
    """Sign what ``signer`` (a trustee, the credential authority, the commission) states in a board
    event of ``kind``, with its long-term identity key P = g^secret."""
    message = expect_bytes(message, "message")
    public = Point.base_mul(secret)
    w = Scalar.random(rng)
    commitment = Point.base_mul(w)
    c = _statement_transcript(fingerprint, public, signer, kind, message, commitment).challenge()
    return Signature(commitment, w + c * secret)


def verify_statement(fingerprint: bytes, public: Point, signature: Signature, *, signer: str, kind: str,
                     message: bytes) -> None:
    """Check g^response = commitment · public^challenge for the statement's transcript."""
    _run(_statement_check(fingerprint, public, signature, signer, kind, message))


def _statement_check(fingerprint: bytes, public: Point, signature: Signature, signer: str, kind: str,
                     message: bytes) -> _Check:
    message = expect_bytes(message, "message")
    if public.is_identity():
        raise InvalidProof("the identity element is not a signing key", field="signing_key")
    c = _statement_transcript(fingerprint, public, signer, kind, message, signature.commitment).challenge()
    return _schnorr_check(public, signature, c, InvalidProof(
        f"the signature of {signer} does not verify under its signing key", field="signature"))


# §4.3 Chaum–Pedersen equality of discrete logs ------------------------------


@dataclass(frozen=True, slots=True)
class EqualLogsProof:
    """Proof that log_{g1}(h1) = log_{g2}(h2).

    Invariants: commitments = (g1^w, g2^w); response = w + challenge · x. 96 bytes:
    commitment_1 ‖ commitment_2 ‖ response.
    """

    commitments: tuple[Point, Point]
    response: Scalar

    def to_bytes(self) -> bytes:
        return self.commitments[0].encoding + self.commitments[1].encoding + _le(self.response)

    @staticmethod
    def from_bytes(data: bytes, field: str) -> EqualLogsProof:
        data = expect_bytes(data, field, 96)
        return EqualLogsProof(
            (_point_at(data, 0, f"{field}.commitments[0]"), _point_at(data, 32, f"{field}.commitments[1]")),
            Scalar.from_canonical(data[64:], f"{field}.response"),
        )

    def to_json(self) -> dict[str, object]:
        return {"commitments": [p.to_hex() for p in self.commitments], "response": self.response.to_hex()}

    @staticmethod
    def from_json(obj: object, field: str) -> EqualLogsProof:
        obj = _expect_object(obj, {"commitments", "response"}, field)
        items = _expect_list(obj["commitments"], f"{field}.commitments", 2)
        return EqualLogsProof(
            tuple(  # type: ignore[arg-type]
                Point.from_hex(h, f"{field}.commitments[{i}]", allow_identity=True) for i, h in enumerate(items)
            ),
            Scalar.from_hex(obj["response"], f"{field}.response"),
        )


def _equal_logs_transcript(
    fingerprint: bytes, purpose: str, g1: Point, h1: Point, g2: Point, h2: Point, a1: Point, a2: Point
) -> Transcript:
    t = Transcript(tags.EQUAL_LOGS, fingerprint).append("purpose", purpose)
    for label, value in (("g1", g1), ("h1", h1), ("g2", g2), ("h2", h2), ("a1", a1), ("a2", a2)):
        t.append(label, value)
    return t


def prove_equal_logs(
    fingerprint: bytes,
    secret: Scalar,
    base_1: Point,
    public_1: Point,
    base_2: Point,
    public_2: Point,
    *,
    purpose: str,
    rng: Rng | None = None,
) -> EqualLogsProof:
    """Prove log_{base_1}(public_1) = log_{base_2}(public_2) = ``secret``."""
    if base_1 * secret != public_1 or base_2 * secret != public_2:
        raise InvalidInput("the secret is not the common logarithm", field="secret")
    w = Scalar.random(rng)
    a1, a2 = base_1 * w, base_2 * w
    c = _equal_logs_transcript(fingerprint, purpose, base_1, public_1, base_2, public_2, a1, a2).challenge()
    return EqualLogsProof((a1, a2), w + c * secret)


def verify_equal_logs(
    fingerprint: bytes,
    base_1: Point,
    public_1: Point,
    base_2: Point,
    public_2: Point,
    proof: EqualLogsProof,
    *,
    purpose: str,
) -> None:
    """Check g1^response = a1 · h1^challenge and g2^response = a2 · h2^challenge."""
    _run(_equal_logs_check(fingerprint, base_1, public_1, base_2, public_2, proof, purpose))


def _equal_logs_check(fingerprint: bytes, base_1: Point, public_1: Point, base_2: Point, public_2: Point,
                      proof: EqualLogsProof, purpose: str) -> _Check:
    a1, a2 = proof.commitments
    c = _le(_equal_logs_transcript(fingerprint, purpose, base_1, public_1, base_2, public_2, a1, a2).challenge())
    z = _le(proof.response)

    def exact() -> None:
        if ops.scalarmult(z, base_1.encoding) != ops.add(a1.encoding, ops.scalarmult(c, public_1.encoding)):
            raise InvalidProof(f"equality of logarithms ({purpose}): first equation fails", field="proof")
        if ops.scalarmult(z, base_2.encoding) != ops.add(a2.encoding, ops.scalarmult(c, public_2.encoding)):
            raise InvalidProof(f"equality of logarithms ({purpose}): second equation fails", field="proof")

    return _Check(
        lambda batch: batch.add_equal_logs(base_1.encoding, public_1.encoding, base_2.encoding, public_2.encoding,
                                           a1.encoding, a2.encoding, z, c),
        exact, InvalidProof(f"equality of logarithms ({purpose}) does not verify", field="proof"),
    )


# §4.4–4.5 Disjunctive proofs: 0/1 and range -----------------------------------


@dataclass(frozen=True, slots=True)
class _Disjunction:
    """One branch per admissible value v: commitments (A_v, B_v), challenge c_v, response z_v.

    Invariants: Σ c_v = transcript challenge; g^{z_v} = A_v · alpha^{c_v} and
    pk^{z_v} = B_v · (beta / g^v)^{c_v} for every v. Serialised branch by branch as
    A_v ‖ B_v ‖ c_v ‖ z_v (128 bytes each).
    """

    commitments: tuple[tuple[Point, Point], ...]
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    def to_bytes(self) -> bytes:
        return b"".join(
            a.encoding + b.encoding + _le(c) + _le(z)
            for (a, b), c, z in zip(self.commitments, self.challenges, self.responses)
        )

    @classmethod
    def from_bytes(cls, data: bytes, field: str):  # type: ignore[no-untyped-def]
        data = expect_bytes(data, field)
        if not data or len(data) % 128 or len(data) // 128 > MAX_RANGE_WIDTH:
            raise InvalidEncoding(
                f"expected a positive multiple of 128 bytes (at most {MAX_RANGE_WIDTH} branches)", field=field
            )
        commitments, challenges, responses = [], [], []
        for i in range(len(data) // 128):
            o = 128 * i
            commitments.append(
                (_point_at(data, o, f"{field}.commitments[{i}][0]"), _point_at(data, o + 32, f"{field}.commitments[{i}][1]"))
            )
            challenges.append(Scalar.from_canonical(data[o + 64 : o + 96], f"{field}.challenges[{i}]"))
            responses.append(Scalar.from_canonical(data[o + 96 : o + 128], f"{field}.responses[{i}]"))
        return cls(tuple(commitments), tuple(challenges), tuple(responses))

    def to_json(self) -> dict[str, object]:
        return {
            "commitments": [[a.to_hex(), b.to_hex()] for a, b in self.commitments],
            "challenges": [c.to_hex() for c in self.challenges],
            "responses": [z.to_hex() for z in self.responses],
        }

    @classmethod
    def from_json(cls, obj: object, field: str):  # type: ignore[no-untyped-def]
        obj = _expect_object(obj, {"commitments", "challenges", "responses"}, field)
        commitments = _expect_list(obj["commitments"], f"{field}.commitments")
        n = len(commitments)
        if not 1 <= n <= MAX_RANGE_WIDTH:
            raise InvalidEncoding(f"expected 1 to {MAX_RANGE_WIDTH} branches", field=f"{field}.commitments")
        challenges = _expect_list(obj["challenges"], f"{field}.challenges", n)
        responses = _expect_list(obj["responses"], f"{field}.responses", n)
        pairs: list[tuple[Point, Point]] = []
        for i, item in enumerate(commitments):
            a_hex, b_hex = _expect_list(item, f"{field}.commitments[{i}]", 2)
            pairs.append((
                Point.from_hex(a_hex, f"{field}.commitments[{i}][0]", allow_identity=True),
                Point.from_hex(b_hex, f"{field}.commitments[{i}][1]", allow_identity=True),
            ))
        return cls(
            tuple(pairs),
            tuple(Scalar.from_hex(h, f"{field}.challenges[{i}]") for i, h in enumerate(challenges)),
            tuple(Scalar.from_hex(h, f"{field}.responses[{i}]") for i, h in enumerate(responses)),
        )


@dataclass(frozen=True, slots=True)
class ZeroOneProof(_Disjunction):
    """Proof that a ciphertext encrypts 0 or 1 (two branches, v = 0 then v = 1)."""


@dataclass(frozen=True, slots=True)
class RangeProof(_Disjunction):
    """Proof that a ciphertext encrypts a value in [low, high] (one branch per value, ascending)."""


def _statement(tag: str, fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext) -> Transcript:
    return (
        Transcript(tag, fingerprint)
        .append("credential", credential)
        .append("public_key", public_key)
        .append("alpha", ciphertext.alpha)
        .append("beta", ciphertext.beta)
    )


def _prove_disjunction(
    t: Transcript, public_key: Point, ciphertext: Ciphertext, values: range, message: int, randomness: Scalar, rng: Rng | None
) -> tuple[tuple[tuple[Point, Point], ...], tuple[Scalar, ...], tuple[Scalar, ...]]:
    pk, alpha, beta = public_key.encoding, ciphertext.alpha.encoding, ciphertext.beta.encoding
    commitments: list[tuple[bytes, bytes]] = []
    challenges: list[Scalar | None] = []
    responses: list[Scalar | None] = []
    w: Scalar | None = None
    table = backend.key_table(pk)
    if table is not None:  # the same draws, the same commitments, in one native call
        scalars = []
        for v in values:
            if v == message:
                w = Scalar.random(rng)
                scalars.append(bytes(32) + _le(w))  # c = 0, z = w: the real branch's commitments
                challenges.append(None)
                responses.append(None)
            else:
                c, z = Scalar.random(rng), Scalar.random(rng)
                scalars.append(_le(c) + _le(z))
                challenges.append(c)
                responses.append(z)
        raw = backend.disjunction_commitments(table, values.start, _le(randomness), message, scalars)
        commitments = [(raw[64 * i : 64 * i + 32], raw[64 * i + 32 : 64 * i + 64]) for i in range(len(values))]
    for v in values if table is None else ():
        if v == message:
            w = Scalar.random(rng)
            commitments.append((ops.scalarmult_base(_le(w)), ops.scalarmult(_le(w), pk)))
            challenges.append(None)
            responses.append(None)
        else:
            c, z = Scalar.random(rng), Scalar.random(rng)
            minus_c = _le(-c)
            # Every simulated branch does the same work, v = 0 included: its time does not tell the vote.
            beta_v = ops.sub(beta, g_power(v))
            commitments.append(
                (ops.add(ops.scalarmult_base(_le(z)), ops.scalarmult(minus_c, alpha)), ops.add(ops.scalarmult(_le(z), pk), ops.scalarmult(minus_c, beta_v)))
            )
            challenges.append(c)
            responses.append(z)
    for a, b in commitments:
        t.append_raw(b"A", a)
        t.append_raw(b"B", b)
    total = t.challenge().value
    real = message - values.start
    assert w is not None
    c_real = _scalar((total - sum(c.value for c in challenges if c is not None)) % ORDER)
    challenges[real] = c_real
    responses[real] = w + c_real * randomness
    return (
        tuple((_point(a), _point(b)) for a, b in commitments),
        tuple(challenges),  # type: ignore[arg-type]
        tuple(responses),  # type: ignore[arg-type]
    )


def _disjunction_check(
    t: Transcript, public_key: Point, ciphertext: Ciphertext, values: range, proof: _Disjunction, what: str
) -> _Check:
    n = len(values)
    if not (len(proof.commitments) == len(proof.challenges) == len(proof.responses) == n):
        raise InvalidProof(f"{what}: expected {n} branches", field="proof")
    for a, b in proof.commitments:
        t.append_raw(b"A", a.encoding)
        t.append_raw(b"B", b.encoding)
    total = t.challenge()
    pk, alpha, beta = public_key.encoding, ciphertext.alpha.encoding, ciphertext.beta.encoding

    def exact() -> None:
        if sum(c.value for c in proof.challenges) % ORDER != total.value:
            raise InvalidProof(f"{what}: the challenges do not add up to the transcript challenge",
                               field="proof.challenges")
        for i, v in enumerate(values):
            a, b = proof.commitments[i]
            c = proof.challenges[i].value.to_bytes(32, "little")
            z = proof.responses[i].value.to_bytes(32, "little")
            if ops.scalarmult_base(z) != ops.add(a.encoding, ops.scalarmult(c, alpha)):
                raise InvalidProof(f"{what}: branch {v}, equation on alpha fails", field=f"proof.branch[{i}]")
            beta_v = ops.sub(beta, g_power(v)) if v else beta
            if ops.scalarmult(z, pk) != ops.add(b.encoding, ops.scalarmult(c, beta_v)):
                raise InvalidProof(f"{what}: branch {v}, equation on beta fails", field=f"proof.branch[{i}]")

    def register(batch: Any) -> object:
        return batch.add_disjunction(
            pk, alpha, beta, values.start,
            b"".join(a.encoding + b.encoding for a, b in proof.commitments),
            b"".join(_le(c) for c in proof.challenges), b"".join(_le(z) for z in proof.responses), _le(total),
        )

    return _Check(register, exact, InvalidProof(f"{what} does not verify", field="proof"))


def prove_zero_one(
    fingerprint: bytes,
    credential: Point,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    randomness: Scalar,
    rng: Rng | None = None,
) -> ZeroOneProof:
    """Prove that ``ciphertext`` = Enc(pk, message; randomness) with message ∈ {0, 1}.

    The caller guarantees that the ciphertext was made with this message and randomness
    (otherwise the proof will not verify). Random draws, in order: for the branch that is
    not the message, c then z; for the message's branch, w (branches in ascending v).
    """
    if message not in (0, 1) or type(message) is not int:
        raise InvalidInput("a 0/1 proof needs a message of 0 or 1", field="message")
    t = _statement(tags.ZERO_ONE, fingerprint, credential, public_key, ciphertext)
    return ZeroOneProof(*_prove_disjunction(t, public_key, ciphertext, range(2), message, randomness, rng))


def verify_zero_one(
    fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext, proof: ZeroOneProof
) -> None:
    """Check a 0/1 proof (spec §4.4)."""
    _run(_zero_one_check(fingerprint, credential, public_key, ciphertext, proof))


def _zero_one_check(fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext,
                    proof: ZeroOneProof) -> _Check:
    t = _statement(tags.ZERO_ONE, fingerprint, credential, public_key, ciphertext)
    return _disjunction_check(t, public_key, ciphertext, range(2), proof, "0/1 proof")


def _check_bounds(low: int, high: int) -> range:
    if type(low) is not int or type(high) is not int or not 0 <= low <= high <= U64_MAX:
        raise InvalidInput("the range needs integers 0 ≤ low ≤ high < 2^64", field="range")
    if high - low + 1 > MAX_RANGE_WIDTH:
        raise InvalidInput(f"a range proof covers at most {MAX_RANGE_WIDTH} values", field="range")
    return range(low, high + 1)


def prove_range(
    fingerprint: bytes,
    credential: Point,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    randomness: Scalar,
    low: int,
    high: int,
    rng: Rng | None = None,
) -> RangeProof:
    """Prove that ``ciphertext`` = Enc(pk, message; randomness) with low ≤ message ≤ high.

    Random draws as for ``prove_zero_one``, over branches v = low..high.
    """
    values = _check_bounds(low, high)
    if type(message) is not int or message not in values:
        raise InvalidInput(f"the message is not in [{low}, {high}]", field="message")
    t = _statement(tags.RANGE, fingerprint, credential, public_key, ciphertext).append("low", low).append("high", high)
    return RangeProof(*_prove_disjunction(t, public_key, ciphertext, values, message, randomness, rng))


def verify_range(
    fingerprint: bytes,
    credential: Point,
    public_key: Point,
    ciphertext: Ciphertext,
    low: int,
    high: int,
    proof: RangeProof,
) -> None:
    """Check a range proof (spec §4.5)."""
    _run(_range_check(fingerprint, credential, public_key, ciphertext, low, high, proof))


def _range_check(fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext, low: int,
                 high: int, proof: RangeProof) -> _Check:
    values = _check_bounds(low, high)
    t = _statement(tags.RANGE, fingerprint, credential, public_key, ciphertext).append("low", low).append("high", high)
    return _disjunction_check(t, public_key, ciphertext, values, proof, f"range proof [{low}, {high}]")


# §4.6 Decryption-share proof (batched Chaum–Pedersen) --------------------------


@dataclass(frozen=True, slots=True)
class ShareProof:
    """Proof that one trustee's factors D_t = alpha_t^x all use the x of its verification key X = g^x.

    Invariants: commitments = (g^w, alpha_1^w, …, alpha_m^w); response = w + challenge · x.
    Serialised as the m + 1 commitments then the response (32·(m + 2) bytes).
    """

    commitments: tuple[Point, ...]
    response: Scalar

    def to_bytes(self) -> bytes:
        return b"".join(p.encoding for p in self.commitments) + _le(self.response)

    @staticmethod
    def from_bytes(data: bytes, field: str) -> ShareProof:
        data = expect_bytes(data, field)
        if len(data) < 96 or len(data) % 32:
            raise InvalidEncoding("expected 32·(m + 2) bytes with m ≥ 1", field=field)
        count = len(data) // 32 - 1
        return ShareProof(
            tuple(_point_at(data, 32 * i, f"{field}.commitments[{i}]") for i in range(count)),
            Scalar.from_canonical(data[-32:], f"{field}.response"),
        )

    def to_json(self) -> dict[str, object]:
        return {"commitments": [p.to_hex() for p in self.commitments], "response": self.response.to_hex()}

    @staticmethod
    def from_json(obj: object, field: str) -> ShareProof:
        obj = _expect_object(obj, {"commitments", "response"}, field)
        items = _expect_list(obj["commitments"], f"{field}.commitments")
        if len(items) < 2:
            raise InvalidEncoding("expected at least 2 commitments", field=f"{field}.commitments")
        return ShareProof(
            tuple(Point.from_hex(h, f"{field}.commitments[{i}]", allow_identity=True) for i, h in enumerate(items)),
            Scalar.from_hex(obj["response"], f"{field}.response"),
        )


def _share_transcript(
    fingerprint: bytes, trustee: int, verification_key: Point, ciphertexts: Sequence[Ciphertext], factors: Sequence[Point]
) -> Transcript:
    t = (
        Transcript(tags.DECRYPTION_SHARE, fingerprint)
        .append("trustee", trustee)
        .append("verification_key", verification_key)
        .append("count", len(ciphertexts))
    )
    for ciphertext, factor in zip(ciphertexts, factors):
        t.append_raw(b"ciphertext", ciphertext.alpha.encoding + ciphertext.beta.encoding)
        t.append_raw(b"factor", factor.encoding)
    return t


def prove_share(
    fingerprint: bytes,
    trustee: int,
    secret_share: Scalar,
    verification_key: Point,
    ciphertexts: Sequence[Ciphertext],
    factors: Sequence[Point],
    rng: Rng | None = None,
) -> ShareProof:
    """Prove log_g(verification_key) = log_{alpha_t}(factor_t) for every ciphertext t.

    The caller guarantees factor_t = alpha_t^{secret_share} and verification_key = g^{secret_share}.
    """
    if len(ciphertexts) != len(factors) or not ciphertexts:
        raise InvalidInput("one factor per ciphertext, at least one", field="factors")
    t = _share_transcript(fingerprint, trustee, verification_key, ciphertexts, factors)
    w = Scalar.random(rng)
    wb = _le(w)
    commitments = [ops.scalarmult_base(wb)] + [ops.scalarmult(wb, ct.alpha.encoding) for ct in ciphertexts]
    for a in commitments:
        t.append_raw(b"commitment", a)
    c = t.challenge()
    return ShareProof(tuple(_point(a) for a in commitments), w + c * secret_share)


def verify_share(
    fingerprint: bytes,
    trustee: int,
    verification_key: Point,
    ciphertexts: Sequence[Ciphertext],
    factors: Sequence[Point],
    proof: ShareProof,
) -> None:
    """Check g^z = a_0 · X^c and alpha_t^z = a_t · D_t^c for every t (spec §4.6)."""
    _run(_share_check(fingerprint, trustee, verification_key, ciphertexts, factors, proof))


def _share_check(fingerprint: bytes, trustee: int, verification_key: Point, ciphertexts: Sequence[Ciphertext],
                 factors: Sequence[Point], proof: ShareProof) -> _Check:
    m = len(ciphertexts)
    if len(factors) != m or len(proof.commitments) != m + 1 or m == 0:
        raise InvalidProof(f"trustee {trustee}: expected {m} factors and {m + 1} commitments", field="share")
    t = _share_transcript(fingerprint, trustee, verification_key, ciphertexts, factors)
    for a in proof.commitments:
        t.append_raw(b"commitment", a.encoding)
    c = _le(t.challenge())
    z = _le(proof.response)

    def exact() -> None:
        if ops.scalarmult_base(z) != ops.add(proof.commitments[0].encoding, ops.scalarmult(c, verification_key.encoding)):
            raise InvalidProof(f"trustee {trustee}: the proof does not match the verification key", field="share.proof")
        for i, (ct, factor) in enumerate(zip(ciphertexts, factors)):
            if ops.scalarmult(z, ct.alpha.encoding) != ops.add(proof.commitments[i + 1].encoding, ops.scalarmult(c, factor.encoding)):
                raise InvalidProof(f"trustee {trustee}: factor {i} is not alpha^x", field=f"share.factors[{i}]")

    def register(batch: Any) -> object:
        return batch.add_share(
            verification_key.encoding, b"".join(ct.alpha.encoding for ct in ciphertexts),
            b"".join(f.encoding for f in factors), b"".join(a.encoding for a in proof.commitments), z, c,
        )

    return _Check(register, exact, InvalidProof(f"trustee {trustee}: the decryption-share proof does not verify",
                                                field="share.proof"))


# Batches -----------------------------------------------------------------------


class ProofBatch:
    """Proofs verified together (spec §1.4): on the native backend by one random linear combination
    of all their equations, with 128-bit weights from the operating system; on libsodium one by one.

    ``verify()`` raises exactly what verifying the proofs one by one, in the order they were added,
    would raise first: when the combination fails, each proof is checked on its own to find the
    first bad one, which is then checked again equation by equation to name what fails. Each
    method takes the arguments of its ``verify_*`` function and ``wrap``, which turns that proof's
    InvalidProof into the error to raise (to say where the proof sits).

    Invariants: ``_pending[i]`` verifies the i-th proof alone and raises its (wrapped) error;
    on the native backend, entry i of ``_native`` holds the same proof's equations.
    """

    __slots__ = ("_native", "_pending")

    def __init__(self) -> None:
        self._native = backend.new_batch()
        self._pending: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._pending)

    def _add(self, make: Callable[[], _Check], wrap: Callable[[InvalidProof], Exception] | None) -> None:
        def wrapped(run: Callable[[], None]) -> Callable[[], None]:
            def call() -> None:
                try:
                    run()
                except InvalidProof as exc:
                    if wrap is None:
                        raise
                    raise wrap(exc) from None
            return call

        if self._native is None:
            self._pending.append(wrapped(lambda: _run(make())))
            return
        try:
            check = make()
        except VyboryError as exc:  # refused before any curve arithmetic: raise it in its turn
            self._native.add_bad()
            error = exc
            self._pending.append(wrapped(lambda: _raise(error)))
            return
        check.register(self._native)

        def alone() -> None:
            check.exact()
            raise check.failure
        self._pending.append(wrapped(alone))

    def fail(self, error: Exception) -> None:
        """A proof already known to be bad (of the wrong kind, say): ``error`` is raised in its turn."""
        if self._native is not None:
            self._native.add_bad()
        self._pending.append(lambda: _raise(error))

    def knowledge(self, fingerprint: bytes, public: Point, proof: SchnorrProof, *, purpose: str,
                  wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _knowledge_check(fingerprint, public, proof, purpose), wrap)

    def signature(self, fingerprint: bytes, public_credential: Point, message: bytes, signature: Signature, *,
                  wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _signature_check(fingerprint, public_credential, message, signature), wrap)

    def statement(self, fingerprint: bytes, public: Point, signature: Signature, *, signer: str, kind: str,
                  message: bytes, wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _statement_check(fingerprint, public, signature, signer, kind, message), wrap)

    def equal_logs(self, fingerprint: bytes, base_1: Point, public_1: Point, base_2: Point, public_2: Point,
                   proof: EqualLogsProof, *, purpose: str,
                   wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _equal_logs_check(fingerprint, base_1, public_1, base_2, public_2, proof, purpose), wrap)

    def zero_one(self, fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext,
                 proof: ZeroOneProof, *, wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _zero_one_check(fingerprint, credential, public_key, ciphertext, proof), wrap)

    def range(self, fingerprint: bytes, credential: Point, public_key: Point, ciphertext: Ciphertext, low: int,
              high: int, proof: RangeProof, *, wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _range_check(fingerprint, credential, public_key, ciphertext, low, high, proof), wrap)

    def share(self, fingerprint: bytes, trustee: int, verification_key: Point, ciphertexts: Sequence[Ciphertext],
              factors: Sequence[Point], proof: ShareProof, *,
              wrap: Callable[[InvalidProof], Exception] | None = None) -> None:
        self._add(lambda: _share_check(fingerprint, trustee, verification_key, ciphertexts, factors, proof), wrap)

    def verify(self) -> None:
        """Raises the error of the first proof that does not verify (in the order added); None when all do."""
        if self._native is None:
            for run in self._pending:
                run()
            return
        first = self._native.first_failure()
        if first is not None:
            self._pending[first]()


def _raise(error: Exception) -> None:
    raise error
