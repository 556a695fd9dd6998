"""Verifiable re-encryption shuffle of ciphertext rows (Terelius–Wikström; spec §8).

A mix server takes N rows of w ciphertexts each (a ranked or scored ballot is one
row), permutes the rows and re-randomises every ciphertext, then proves in zero
knowledge that the output is such a shuffle of the input, without revealing the
permutation. The proof follows Terelius and Wikström (Africacrypt 2010) in the
form of Haenni et al., "Pseudo-code algorithms for verifiable re-encryption
mix-nets" (FC 2017), extended to rows of width w as Verificatum does: one
permutation commitment, one ω'_i per row, one t_4 pair per column.

Convention: output row i = rerandomise(input row π(i)), column by column.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidEncoding, InvalidInput, InvalidProof
from . import _sodium, backend, tags
from .backend import ops
from .elgamal import Ciphertext, rerandomise
from .encoding import expect_bytes
from .group import ORDER, Point, Rng, Scalar, _point, _scalar, hash_to_point
from .transcript import Transcript

Rows = Sequence[Sequence[Ciphertext]]

_ID = _sodium.IDENTITY
MAX_ROWS = 1 << 24
MAX_WIDTH = 1 << 10


def _le(value: int) -> bytes:
    return value.to_bytes(32, "little")


@functools.lru_cache(maxsize=1)
def _h() -> bytes:
    return hash_to_point(b"shuffle/h").encoding


@functools.lru_cache(maxsize=1 << 17)
def _h_i(i: int) -> bytes:
    """h_i for i = 1..N: hash_to_point of "shuffle/h/" followed by i in decimal."""
    return hash_to_point(b"shuffle/h/" + str(i).encode()).encoding


@dataclass(frozen=True, slots=True, repr=False)
class ShuffleWitness:
    """The mix server's secret: the permutation and the re-encryption randomness.

    Invariants: permutation is a permutation of range(N); randomness[i][k] re-randomised
    column k of output row i = input row permutation[i].
    """

    permutation: tuple[int, ...]
    randomness: tuple[tuple[Scalar, ...], ...]

    def __repr__(self) -> str:
        return f"ShuffleWitness(<{len(self.permutation)} rows, hidden>)"


def _shape(rows: Rows, field: str) -> tuple[tuple[Ciphertext, ...], ...]:
    out = tuple(tuple(row) for row in rows)
    if not 1 <= len(out) <= MAX_ROWS:
        raise InvalidInput(f"expected 1 to {MAX_ROWS} rows", field=field)
    width = len(out[0])
    if not 1 <= width <= MAX_WIDTH or any(len(row) != width for row in out):
        raise InvalidInput(f"every row needs the same number (1 to {MAX_WIDTH}) of ciphertexts", field=field)
    if not all(isinstance(c, Ciphertext) for row in out for c in row):
        raise InvalidInput("rows hold ciphertexts", field=field)
    return out


def shuffle(public_key: Point, rows: Rows, rng: Rng | None = None) -> tuple[tuple[tuple[Ciphertext, ...], ...], ShuffleWitness]:
    """Permute and re-randomise ``rows``. Draws: the permutation (Fisher–Yates, spec §8.2),
    then the randomness of each output row, column by column."""
    inputs = _shape(rows, "rows")
    n, w = len(inputs), len(inputs[0])
    permutation = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int.from_bytes(_draw(rng, 64), "little") % (i + 1)
        permutation[i], permutation[j] = permutation[j], permutation[i]
    randomness = tuple(tuple(Scalar.random(rng) for _ in range(w)) for _ in range(n))
    outputs = tuple(
        tuple(rerandomise(public_key, c, r) for c, r in zip(inputs[permutation[i]], randomness[i])) for i in range(n)
    )
    return outputs, ShuffleWitness(tuple(permutation), randomness)


def _draw(rng: Rng | None, n: int) -> bytes:
    return rng(n) if rng is not None else secrets.token_bytes(n)


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """Terelius–Wikström proof of a shuffle of N rows of width w (spec §8.3).

    Invariants: N permutation commitments c_i, N chain commitments ĉ_i, commitments
    t1, t2, t3, w pairs t4, N values t_hat; responses s1, s2, s3, w values s4, N values
    s_hat and N values s_prime. The challenge is recomputed from the transcript.
    """

    permutation_commitments: tuple[Point, ...]
    chain_commitments: tuple[Point, ...]
    t1: Point
    t2: Point
    t3: Point
    t4: tuple[tuple[Point, Point], ...]
    t_hat: tuple[Point, ...]
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]

    @property
    def rows(self) -> int:
        return len(self.permutation_commitments)

    @property
    def width(self) -> int:
        return len(self.t4)

    def to_bytes(self) -> bytes:
        """u32(N) ‖ u32(w) ‖ c ‖ ĉ ‖ t1 ‖ t2 ‖ t3 ‖ t4 ‖ t_hat ‖ s1 ‖ s2 ‖ s3 ‖ s4 ‖ s_hat ‖ s_prime."""
        points = [*self.permutation_commitments, *self.chain_commitments, self.t1, self.t2, self.t3]
        points += [p for pair in self.t4 for p in pair]
        points += self.t_hat
        scalars = [self.s1, self.s2, self.s3, *self.s4, *self.s_hat, *self.s_prime]
        return (
            self.rows.to_bytes(4, "big") + self.width.to_bytes(4, "big")
            + b"".join(p.encoding for p in points) + b"".join(s.to_bytes() for s in scalars)
        )

    @staticmethod
    def from_bytes(data: bytes, field: str) -> ShuffleProof:
        data = expect_bytes(data, field)
        if len(data) < 8:
            raise InvalidEncoding("too short for a shuffle proof", field=field)
        n, w = int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big")
        if not (1 <= n <= MAX_ROWS and 1 <= w <= MAX_WIDTH) or len(data) != 8 + 32 * (5 * n + 6 + 3 * w):
            raise InvalidEncoding("the length does not match N rows of width w", field=field)
        offset = 8

        def points(count: int, name: str) -> list[Point]:
            nonlocal offset
            out = [
                Point.from_bytes(data[offset + 32 * i : offset + 32 * i + 32], f"{field}.{name}[{i}]", allow_identity=True)
                for i in range(count)
            ]
            offset += 32 * count
            return out

        def scalars(count: int, name: str) -> list[Scalar]:
            nonlocal offset
            out = [Scalar.from_canonical(data[offset + 32 * i : offset + 32 * i + 32], f"{field}.{name}[{i}]") for i in range(count)]
            offset += 32 * count
            return out

        c = points(n, "permutation_commitments")
        c_hat = points(n, "chain_commitments")
        t1, t2, t3 = points(3, "t")
        t4 = points(2 * w, "t4")
        t_hat = points(n, "t_hat")
        s1, s2, s3 = scalars(3, "s")
        s4 = scalars(w, "s4")
        s_hat = scalars(n, "s_hat")
        s_prime = scalars(n, "s_prime")
        return ShuffleProof(
            tuple(c), tuple(c_hat), t1, t2, t3, tuple((t4[2 * k], t4[2 * k + 1]) for k in range(w)), tuple(t_hat),
            s1, s2, s3, tuple(s4), tuple(s_hat), tuple(s_prime),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "permutation_commitments": [p.to_hex() for p in self.permutation_commitments],
            "chain_commitments": [p.to_hex() for p in self.chain_commitments],
            "t1": self.t1.to_hex(),
            "t2": self.t2.to_hex(),
            "t3": self.t3.to_hex(),
            "t4": [[a.to_hex(), b.to_hex()] for a, b in self.t4],
            "t_hat": [p.to_hex() for p in self.t_hat],
            "s1": self.s1.to_hex(),
            "s2": self.s2.to_hex(),
            "s3": self.s3.to_hex(),
            "s4": [s.to_hex() for s in self.s4],
            "s_hat": [s.to_hex() for s in self.s_hat],
            "s_prime": [s.to_hex() for s in self.s_prime],
        }

    @staticmethod
    def from_json(obj: object, field: str) -> ShuffleProof:
        keys = {"permutation_commitments", "chain_commitments", "t1", "t2", "t3", "t4", "t_hat",
                "s1", "s2", "s3", "s4", "s_hat", "s_prime"}
        if not isinstance(obj, Mapping) or set(obj) != keys:
            raise InvalidEncoding("expected a shuffle proof object with exactly its 13 keys", field=field)

        def hex_list(name: str, length: int | None = None) -> list:
            value = obj[name]
            if not isinstance(value, list) or not value or (length is not None and len(value) != length):
                raise InvalidEncoding("expected a non-empty list of the right length", field=f"{field}.{name}")
            return value

        c = hex_list("permutation_commitments")
        n = len(c)
        t4 = hex_list("t4")
        w = len(t4)
        pairs = []
        for k, pair in enumerate(t4):
            if not isinstance(pair, list) or len(pair) != 2:
                raise InvalidEncoding("expected a pair", field=f"{field}.t4[{k}]")
            pairs.append(tuple(Point.from_hex(h, f"{field}.t4[{k}][{m}]", allow_identity=True) for m, h in enumerate(pair)))

        def pts(name: str, items: list) -> tuple[Point, ...]:
            return tuple(Point.from_hex(h, f"{field}.{name}[{i}]", allow_identity=True) for i, h in enumerate(items))

        def scs(name: str, items: list) -> tuple[Scalar, ...]:
            return tuple(Scalar.from_hex(h, f"{field}.{name}[{i}]") for i, h in enumerate(items))

        return ShuffleProof(
            pts("permutation_commitments", c),
            pts("chain_commitments", hex_list("chain_commitments", n)),
            Point.from_hex(obj["t1"], f"{field}.t1", allow_identity=True),
            Point.from_hex(obj["t2"], f"{field}.t2", allow_identity=True),
            Point.from_hex(obj["t3"], f"{field}.t3", allow_identity=True),
            tuple(pairs),  # type: ignore[arg-type]
            pts("t_hat", hex_list("t_hat", n)),
            Scalar.from_hex(obj["s1"], f"{field}.s1"),
            Scalar.from_hex(obj["s2"], f"{field}.s2"),
            Scalar.from_hex(obj["s3"], f"{field}.s3"),
            scs("s4", hex_list("s4", w)),
            scs("s_hat", hex_list("s_hat", n)),
            scs("s_prime", hex_list("s_prime", n)),
        )


def _statement(tag: str, fingerprint: bytes, public_key: Point, inputs: Rows, outputs: Rows) -> Transcript:
    t = (
        Transcript(tag, fingerprint)
        .append("public_key", public_key)
        .append("rows", len(inputs))
        .append("width", len(inputs[0]))
    )
    for label, rows in ((b"input", inputs), (b"output", outputs)):
        for row in rows:
            for c in row:
                t.append_raw(label, c.alpha.encoding + c.beta.encoding)
    return t


def _weights(fingerprint: bytes, public_key: Point, inputs: Rows, outputs: Rows, commitments: Sequence[bytes]) -> list[int]:
    """u_1..u_N: challenges of the weights transcript followed by index: u64(j)."""
    t = _statement(tags.SHUFFLE_WEIGHTS, fingerprint, public_key, inputs, outputs)
    for c in commitments:
        t.append_raw(b"permutation_commitment", c)
    return [t.copy().append("index", j).challenge().value for j in range(1, len(inputs) + 1)]


def _challenge(
    fingerprint: bytes, public_key: Point, inputs: Rows, outputs: Rows, c: Sequence[bytes], c_hat: Sequence[bytes],
    t1: bytes, t2: bytes, t3: bytes, t4: Sequence[tuple[bytes, bytes]], t_hat: Sequence[bytes],
) -> int:
    t = _statement(tags.SHUFFLE, fingerprint, public_key, inputs, outputs)
    for p in c:
        t.append_raw(b"permutation_commitment", p)
    for p in c_hat:
        t.append_raw(b"chain_commitment", p)
    t.append_raw(b"t1", t1)
    t.append_raw(b"t2", t2)
    t.append_raw(b"t3", t3)
    for a, b in t4:
        t.append_raw(b"t4_alpha", a)
        t.append_raw(b"t4_beta", b)
    for p in t_hat:
        t.append_raw(b"t_hat", p)
    return t.challenge().value


def _msm(pairs: Sequence[tuple[int, bytes]]) -> bytes:
    """Σ s · P, constant time in the scalars (the prover's are secret)."""
    return backend.multiscalar_mul([_le(s % ORDER) for s, _ in pairs], [p for _, p in pairs])


def _public_msm(pairs: Sequence[tuple[int, bytes]]) -> bytes:
    """Σ s · P for public scalars and points (the verifier's): variable time on the native backend."""
    return backend.vartime_multiscalar_mul([_le(s % ORDER) for s, _ in pairs], [p for _, p in pairs])


def prove_shuffle(
    fingerprint: bytes,
    public_key: Point,
    inputs: Rows,
    outputs: Rows,
    witness: ShuffleWitness,
    rng: Rng | None = None,
) -> ShuffleProof:
    """Prove that ``outputs`` is a shuffle of ``inputs`` (spec §8.3). Draws, in order: r for the
    permutation commitment of each output position i = 1..N, r̂_1..r̂_N, ω_1, ω_2, ω_3,
    ω_4,1..w, ω̂_1..ω̂_N, ω'_1..ω'_N."""
    ins, outs = _shape(inputs, "inputs"), _shape(outputs, "outputs")
    n, w = len(ins), len(ins[0])
    perm = witness.permutation
    if len(outs) != n or len(outs[0]) != w or sorted(perm) != list(range(n)):
        raise InvalidInput("the witness does not fit the inputs and outputs", field="witness")
    # Permutation commitment: c_{π(i)} = g^{r_{π(i)}} · h_i.
    r = [0] * n
    c = [b""] * n
    for i in range(n):
        j = perm[i]
        r[j] = Scalar.random(rng).value
        c[j] = ops.add(ops.scalarmult_base(_le(r[j])), _h_i(i + 1))
    u = _weights(fingerprint, public_key, ins, outs, c)
    u_prime = [u[perm[i]] for i in range(n)]
    # Commitment chain ĉ_i = g^{r̂_i} · ĉ_{i-1}^{u'_i}, ĉ_0 = h.
    r_hat = [Scalar.random(rng).value for _ in range(n)]
    c_hat = []
    previous = _h()
    for i in range(n):
        previous = ops.add(ops.scalarmult_base(_le(r_hat[i])), ops.scalarmult(_le(u_prime[i]), previous))
        c_hat.append(previous)
    w1, w2, w3 = (Scalar.random(rng).value for _ in range(3))
    w4 = [Scalar.random(rng).value for _ in range(w)]
    w_hat = [Scalar.random(rng).value for _ in range(n)]
    w_prime = [Scalar.random(rng).value for _ in range(n)]
    t1 = ops.scalarmult_base(_le(w1))
    t2 = ops.scalarmult_base(_le(w2))
    t3 = ops.add(ops.scalarmult_base(_le(w3)), _msm([(w_prime[i], _h_i(i + 1)) for i in range(n)]))
    t4 = []
    for k in range(w):
        t4.append((
            ops.add(ops.scalarmult_base(_le(-w4[k] % ORDER)), _msm([(w_prime[i], outs[i][k].alpha.encoding) for i in range(n)])),
            ops.add(ops.scalarmult(_le(-w4[k] % ORDER), public_key.encoding), _msm([(w_prime[i], outs[i][k].beta.encoding) for i in range(n)])),
        ))
    chain_before = [_h(), *c_hat[:-1]]
    t_hat = [ops.add(ops.scalarmult_base(_le(w_hat[i])), ops.scalarmult(_le(w_prime[i]), chain_before[i])) for i in range(n)]
    ch = _challenge(fingerprint, public_key, ins, outs, c, c_hat, t1, t2, t3, t4, t_hat)
    # Responses.
    v = [0] * n
    acc = 1
    for i in range(n - 1, -1, -1):
        v[i] = acc
        acc = acc * u_prime[i] % ORDER
    r_bar = sum(r) % ORDER
    r_hat_total = sum(a * b for a, b in zip(r_hat, v)) % ORDER
    r_tilde = sum(a * b for a, b in zip(r, u)) % ORDER
    rho = [sum(witness.randomness[i][k].value * u_prime[i] for i in range(n)) % ORDER for k in range(w)]
    return ShuffleProof(
        tuple(_point(p) for p in c),
        tuple(_point(p) for p in c_hat),
        _point(t1), _point(t2), _point(t3),
        tuple((_point(a), _point(b)) for a, b in t4),
        tuple(_point(p) for p in t_hat),
        _scalar((w1 + ch * r_bar) % ORDER),
        _scalar((w2 + ch * r_hat_total) % ORDER),
        _scalar((w3 + ch * r_tilde) % ORDER),
        tuple(_scalar((w4[k] + ch * rho[k]) % ORDER) for k in range(w)),
        tuple(_scalar((w_hat[i] + ch * r_hat[i]) % ORDER) for i in range(n)),
        tuple(_scalar((w_prime[i] + ch * u_prime[i]) % ORDER) for i in range(n)),
    )


def verify_shuffle(fingerprint: bytes, public_key: Point, inputs: Rows, outputs: Rows, proof: ShuffleProof) -> None:
    """Check a shuffle proof (spec §8.4); InvalidProof names the equation that fails."""
    ins, outs = _shape(inputs, "inputs"), _shape(outputs, "outputs")
    n, w = len(ins), len(ins[0])
    if len(outs) != n or len(outs[0]) != w:
        raise InvalidProof("inputs and outputs differ in shape", field="shuffle")
    sizes = (len(proof.permutation_commitments), len(proof.chain_commitments), len(proof.t_hat),
             len(proof.s_hat), len(proof.s_prime))
    if sizes != (n,) * 5 or len(proof.t4) != w or len(proof.s4) != w:
        raise InvalidProof(f"the proof is not for {n} rows of width {w}", field="shuffle.proof")
    c = [p.encoding for p in proof.permutation_commitments]
    c_hat = [p.encoding for p in proof.chain_commitments]
    t4 = [(a.encoding, b.encoding) for a, b in proof.t4]
    t_hat = [p.encoding for p in proof.t_hat]
    u = _weights(fingerprint, public_key, ins, outs, c)
    ch = _challenge(fingerprint, public_key, ins, outs, c, c_hat, proof.t1.encoding, proof.t2.encoding,
                    proof.t3.encoding, t4, t_hat)
    chb = _le(ch)
    s_prime = [s.value for s in proof.s_prime]

    def fail(what: str) -> InvalidProof:
        return InvalidProof(f"shuffle proof: {what} fails", field="shuffle.proof")

    # c̄ = Π c_i / Π h_i;  g^{s1} = t1 · c̄^c
    c_bar = _ID
    for i in range(n):
        c_bar = ops.add(c_bar, ops.sub(c[i], _h_i(i + 1)))
    if ops.scalarmult_base(_le(proof.s1.value)) != ops.add(proof.t1.encoding, ops.scalarmult(chb, c_bar)):
        raise fail("the permutation-commitment equation (t1)")
    # ĉ = ĉ_N / h^{Π u_i};  g^{s2} = t2 · ĉ^c
    u_product = 1
    for x in u:
        u_product = u_product * x % ORDER
    c_hat_total = ops.sub(c_hat[-1], ops.scalarmult(_le(u_product), _h()))
    if ops.scalarmult_base(_le(proof.s2.value)) != ops.add(proof.t2.encoding, ops.scalarmult(chb, c_hat_total)):
        raise fail("the chain equation (t2)")
    # c̃ = Π c_i^{u_i};  g^{s3} · Π h_i^{s'_i} = t3 · c̃^c
    c_tilde = _public_msm(list(zip(u, c)))
    left = ops.add(ops.scalarmult_base(_le(proof.s3.value)), _public_msm([(s_prime[i], _h_i(i + 1)) for i in range(n)]))
    if left != ops.add(proof.t3.encoding, ops.scalarmult(chb, c_tilde)):
        raise fail("the weighted-commitment equation (t3)")
    # Per column k: g^{-s4} Π α'_{i}^{s'_i} = t4α · (Π α_i^{u_i})^c, and the same with pk and β.
    for k in range(w):
        minus_s4 = _le(-proof.s4[k].value % ORDER)
        a_tilde = _public_msm([(u[i], ins[i][k].alpha.encoding) for i in range(n)])
        b_tilde = _public_msm([(u[i], ins[i][k].beta.encoding) for i in range(n)])
        left_a = ops.add(ops.scalarmult_base(minus_s4), _public_msm([(s_prime[i], outs[i][k].alpha.encoding) for i in range(n)]))
        left_b = ops.add(ops.scalarmult(minus_s4, public_key.encoding), _public_msm([(s_prime[i], outs[i][k].beta.encoding) for i in range(n)]))
        if left_a != ops.add(t4[k][0], ops.scalarmult(chb, a_tilde)) or left_b != ops.add(t4[k][1], ops.scalarmult(chb, b_tilde)):
            raise fail(f"the re-encryption equation of column {k} (t4)")
    # g^{ŝ_i} · ĉ_{i-1}^{s'_i} = t̂_i · ĉ_i^c
    previous = _h()
    for i in range(n):
        left = ops.add(ops.scalarmult_base(_le(proof.s_hat[i].value)), ops.scalarmult(_le(s_prime[i]), previous))
        if left != ops.add(t_hat[i], ops.scalarmult(chb, c_hat[i])):
            raise fail(f"the chain link equation of row {i} (t_hat)")
        previous = c_hat[i]
