"""Two backends, one behaviour: libsodium and the native backend (curve25519-dalek) give the same
bytes, the same decisions and the same refusals for the same inputs (spec §1.4).

The adversary: whoever publishes a record, with bytes of its choosing (non-canonical encodings,
tampered proofs, proofs that hold only under one library's rules), hoping that a verifier on one
backend accepts what a verifier on the other refuses. Every check here runs the same input through
both backends and demands identical results, messages and fields, and that a batch of proofs names
the same bad proof as checking them one by one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vybory.crypto import _sodium, backend
from vybory.crypto.elgamal import CiphertextSums, encrypt, sum_ciphertexts
from vybory.crypto.group import ORDER, Point, Scalar, hash_to_point, multiscalar_mul
from vybory.crypto.proofs import (
    EqualLogsProof,
    ProofBatch,
    RangeProof,
    SchnorrProof,
    ShareProof,
    Signature,
    ZeroOneProof,
    prove_equal_logs,
    prove_knowledge,
    prove_range,
    prove_share,
    prove_zero_one,
    sign,
    sign_statement,
    verify_equal_logs,
    verify_knowledge,
    verify_range,
    verify_share,
    verify_signature,
    verify_statement,
    verify_zero_one,
)
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidProof, VyboryError

from .helpers import tamper

P = 2**255 - 19
FP = b"\x07" * 32
SK = Scalar.from_int(0x5EC12E7)
PK = Point.base_mul(SK)
CRED_SECRET = Scalar.from_int(0xC12ED)
CRED = Point.base_mul(CRED_SECRET)

@pytest.fixture(autouse=True, scope="module")
def crypto_backend() -> str:
    """Not run once per backend like the other crypto tests: each test here runs both itself."""
    return backend.ops.name


@pytest.fixture(scope="session")
def native() -> None:
    """The differential tests need the native backend: without it they fail, they never vanish."""
    assert backend.native_available(), "the native backend is not built: `make setup` builds it (it needs cargo)"


native_only = pytest.mark.usefixtures("native")


def test_the_native_backend_is_built_where_cargo_exists() -> None:
    # make setup builds it wherever cargo is installed: its tests never vanish silently there.
    if shutil.which("cargo") is not None:
        assert backend.native_available(), "cargo exists but vybory_native is not built: run make setup"
    assert backend.use(None) == ("native" if backend.native_available() else "sodium")


@native_only
def test_the_native_cache_of_decoded_points_is_one_for_the_process_and_bounded() -> None:
    """A server checks ballots on many request threads: a cache of decoded points for each
    thread grew the served process by some 17 KB a ballot in a soak. The points four threads
    decode are all in the one cache, and it never holds more than its capacity."""
    import threading

    import vybory_native

    capacity = 1 << 14
    counter = iter(range(10**6, 10**7))

    def fresh(n: int) -> list[bytes]:
        return [Point.base_mul(Scalar.from_int(next(counter))).encoding for _ in range(n)]

    if vybory_native.decoded_points() + 400 >= capacity:  # empty it first: the count is then exact
        for p in fresh(capacity - vybory_native.decoded_points()):
            vybory_native.is_valid_point(p)
    before = vybory_native.decoded_points()
    parts = [fresh(100) for _ in range(4)]
    threads = [threading.Thread(target=lambda part=part: [vybory_native.is_valid_point(p) for p in part])
               for part in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert vybory_native.decoded_points() == before + 400
    for _ in range(2 * capacity // 1000):
        for p in fresh(1000):
            vybory_native.is_valid_point(p)
        assert 0 < vybory_native.decoded_points() <= capacity


def test_use_refuses_unknown_backends() -> None:
    with pytest.raises(ValueError, match="unknown crypto backend 'gmp'"):
        backend.use("gmp")
    assert backend.describe().split()[0] in backend.NAMES


@contextmanager
def on(name: str) -> Iterator[None]:
    before = backend.ops.name
    backend.use(name)
    try:
        yield
    finally:
        backend.use(before)


def outcome(run: Callable[[], object]) -> tuple[object, ...]:
    """What running ``run`` gives: its value, or the error's class, message, field and code."""
    try:
        return ("ok", run())
    except VyboryError as error:
        return (type(error).__name__, error.message, error.field, error.code)


def both(run: Callable[[], object]) -> tuple[object, ...]:
    """``run`` on libsodium and on the native backend: the outcomes must be identical."""
    with on("sodium"):
        expected = outcome(run)
    with on("native"):
        got = outcome(run)
    assert got == expected
    return got


# Encodings at the edge -------------------------------------------------------------------------


def _valid(seed: int) -> bytes:
    return _sodium.scalarmult_base((seed % ORDER or 1).to_bytes(32, "little"))


def _non_canonical(encoding: bytes, how: int) -> bytes:
    """Variants of a valid encoding that RFC 9496 §4.3.1 refuses (or a random neighbour)."""
    s = int.from_bytes(encoding, "little")
    if how == 0:  # the top bit, ignored by libsodium 1.0.18's own check
        return (s | 1 << 255).to_bytes(32, "little")
    if how == 1:  # the same field element, not reduced mod p (exists only for s < 19)
        return ((s + P) % 2**256).to_bytes(32, "little")
    if how == 2:  # -s mod p: the "negative" twin, refused
        return ((P - s) % P).to_bytes(32, "little")
    if how == 3:  # s ≥ p outright
        return (P + (s % 19)).to_bytes(32, "little")
    flipped = bytearray(encoding)
    flipped[how % 32] ^= 1 << (how % 8)
    return bytes(flipped)


encodings = st.one_of(
    st.binary(min_size=32, max_size=32),
    st.integers(min_value=1, max_value=ORDER - 1).map(_valid),
    st.tuples(st.integers(min_value=1, max_value=ORDER - 1), st.integers(0, 300)).map(
        lambda t: _non_canonical(_valid(t[0]), t[1])),
    st.integers(min_value=0, max_value=40).map(lambda n: n.to_bytes(32, "little")),
    st.binary(max_size=40),
)
scalars = st.one_of(st.binary(min_size=32, max_size=32),
                    st.integers(min_value=0, max_value=ORDER + 5).map(lambda n: n.to_bytes(32, "little")))


@native_only
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(encodings)
def test_decoding_at_the_edge_is_identical(data: bytes) -> None:
    native = backend._native
    assert native is not None
    assert native.is_valid_point(data) == _sodium.is_valid_point(data)
    both(lambda: Point.from_bytes(data, "ballot.alpha"))
    both(lambda: Point.from_bytes(data, "commitment", allow_identity=True))
    both(lambda: Point.from_hex(data.hex(), "key"))


@native_only
@pytest.mark.parametrize("how", range(4))
def test_non_canonical_twins_of_valid_points_are_refused_by_both(how: int) -> None:
    # Small s (below 19) make the non-reduced twin s + p exist; test them and ordinary points.
    candidates = [n.to_bytes(32, "little") for n in range(0, 40, 2)] + [_valid(n) for n in range(1, 30)]
    valid = [c for c in candidates if _sodium.is_valid_point(c)]
    assert len(valid) > 20
    for encoding in valid:
        twin = _non_canonical(encoding, how)
        if twin == encoding:  # -0 is 0
            continue
        assert both(lambda twin=twin: Point.from_bytes(twin, "point", allow_identity=True))[0] == "InvalidEncoding"


@native_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(encodings, encodings, scalars)
def test_point_operations_are_identical(p: bytes, q: bytes, s: bytes) -> None:
    native = backend._native
    assert native is not None

    def result(module: object, name: str, *args: bytes) -> object:
        try:
            return getattr(module, name)(*args)
        except ValueError:
            return "refused"

    # The hazardous layer's contract: callers pass valid points (Point guarantees it). On valid
    # points both give the same bytes; the native one refuses exactly what is_valid_point refuses
    # (libsodium 1.0.18 itself would take an encoding with the top bit set: _sodium checks that bit).
    valid = _sodium.is_valid_point(p) and _sodium.is_valid_point(q)
    for name in ("add", "sub"):
        if valid:
            assert result(native, name, p, q) == result(_sodium, name, p, q)
        else:
            assert result(native, name, p, q) == "refused"
    # scalarmult: libsodium maps an invalid point to the identity; Point never passes one.
    for point in (p, q):
        if _sodium.is_valid_point(point):
            assert native.scalarmult(s, point) == _sodium.scalarmult(s, point)
    assert native.scalarmult_base(s) == _sodium.scalarmult_base(s)
    digest = (p + q + s + p)[:64]
    if len(digest) == 64:
        assert native.from_hash(digest) == _sodium.from_hash(digest)


@native_only
def test_point_operations_refuse_bad_lengths_like_libsodium_callers_expect() -> None:
    native = backend._native
    assert native is not None
    for bad in (b"", bytes(31), bytes(33)):
        with pytest.raises(ValueError):
            native.add(bad, bytes(32))
        with pytest.raises(ValueError):
            native.scalarmult_base(bad)
    with pytest.raises(ValueError, match="64 bytes"):
        native.from_hash(bytes(63))


@native_only
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, ORDER - 1)), max_size=12), st.integers(1, ORDER - 1))
def test_sums_tables_and_multiscalar_products_are_identical(items: list[tuple[int, int]], seed: int) -> None:
    key = Point.base_mul(Scalar.from_int(seed))
    cts = [encrypt(key, m, Scalar.from_int(r)) for m, r in items]
    weights = [Scalar.from_int(r * 7 + m) for m, r in items]
    points = [ct.beta for ct in cts]

    def run() -> tuple[bytes, ...]:
        total = sum_ciphertexts(cts)
        fresh = [encrypt(key, m, Scalar.from_int(r)) for m, r in items]
        return (total.to_bytes(), multiscalar_mul(weights, points).to_bytes(),
                b"".join(ct.to_bytes() for ct in fresh), hash_to_point(key.to_bytes()).to_bytes())

    both(run)


@native_only
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(st.integers(0, 3), min_size=3, max_size=3), st.integers(0, 2**64)), max_size=8))
def test_running_tally_sums_are_identical(ballots: list[tuple[list[int], int]]) -> None:
    def run() -> list[bytes]:
        sums = CiphertextSums(3)
        for n, (values, weight) in enumerate(ballots):
            sums.add([encrypt(PK, v, Scalar.from_int(n * 3 + i + 1)) for i, v in enumerate(values)], weight)
        sums.add([encrypt(PK, 1, Scalar.from_int(5))])  # fewer than the slots: the first only
        with pytest.raises(VyboryError, match="at most 3 ciphertexts"):
            sums.add([encrypt(PK, 1, Scalar.from_int(5))] * 4)
        return [ct.to_bytes() for ct in sums.totals()]

    both(run)


@native_only
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**64 - 5), st.integers(0, 3), st.binary(min_size=1, max_size=8))
def test_provers_give_identical_bytes_from_the_same_draws(low: int, offset: int, seed: bytes) -> None:
    # Encryption and the disjunctive provers take the native tables on one side, libsodium on the other.
    def run() -> bytes:
        rng = DeterministicRng(seed)
        r = Scalar.random(rng)
        message = low + offset
        ct = encrypt(PK, message % ORDER, r)
        proof = prove_range(FP, CRED, PK, ct, message, r, low, low + 3, rng=rng)
        bit = encrypt(PK, offset % 2, r)
        zero_one = prove_zero_one(FP, CRED, PK, bit, offset % 2, r, rng=rng)
        verify_range(FP, CRED, PK, ct, low, low + 3, proof)
        return ct.to_bytes() + proof.to_bytes() + bit.to_bytes() + zero_one.to_bytes()

    both(run)


# Proofs: every tampered field, every statement change --------------------------------------------

Wrap = Callable[[InvalidProof], Exception]


def _cases() -> Iterator[tuple[str, object, Callable[[object], None], Callable[[ProofBatch, object, Wrap], None]]]:
    """(name, a valid proof, its verifier against a fixed statement, the same through a ProofBatch)."""
    rng = DeterministicRng(b"tests/crypto/test_backends")
    yield ("knowledge", prove_knowledge(FP, SK, PK, purpose="key", rng=rng),
           lambda p: verify_knowledge(FP, PK, p, purpose="key"),  # type: ignore[arg-type]
           lambda b, p, w: b.knowledge(FP, PK, p, purpose="key", wrap=w))  # type: ignore[arg-type]
    yield ("signature", sign(FP, CRED_SECRET, b"ballot", rng=rng),
           lambda p: verify_signature(FP, CRED, b"ballot", p),  # type: ignore[arg-type]
           lambda b, p, w: b.signature(FP, CRED, b"ballot", p, wrap=w))  # type: ignore[arg-type]
    yield ("statement", sign_statement(FP, SK, signer="trustee 1", kind="opened", message=b"m", rng=rng),
           lambda p: verify_statement(FP, PK, p, signer="trustee 1", kind="opened", message=b"m"),  # type: ignore[arg-type]
           lambda b, p, w: b.statement(FP, PK, p, signer="trustee 1", kind="opened", message=b"m", wrap=w))  # type: ignore[arg-type]
    h = hash_to_point(b"other base")
    hx = h * SK
    yield ("equal logs", prove_equal_logs(FP, SK, Point.GENERATOR, PK, h, hx, purpose="p", rng=rng),
           lambda p: verify_equal_logs(FP, Point.GENERATOR, PK, h, hx, p, purpose="p"),  # type: ignore[arg-type]
           lambda b, p, w: b.equal_logs(FP, Point.GENERATOR, PK, h, hx, p, purpose="p", wrap=w))  # type: ignore[arg-type]
    for message in (0, 1):
        r = Scalar.random(rng)
        ct = encrypt(PK, message, r)
        yield (f"0/1 of {message}", prove_zero_one(FP, CRED, PK, ct, message, r, rng=rng),
               lambda p, ct=ct: verify_zero_one(FP, CRED, PK, ct, p),  # type: ignore[misc]
               lambda b, p, w, ct=ct: b.zero_one(FP, CRED, PK, ct, p, wrap=w))  # type: ignore[misc]
    r = Scalar.random(rng)
    ct = encrypt(PK, 3, r)
    yield ("range [2, 5]", prove_range(FP, CRED, PK, ct, 3, r, 2, 5, rng=rng),
           lambda p: verify_range(FP, CRED, PK, ct, 2, 5, p),  # type: ignore[arg-type]
           lambda b, p, w: b.range(FP, CRED, PK, ct, 2, 5, p, wrap=w))  # type: ignore[arg-type]
    cts = tuple(encrypt(PK, m, Scalar.random(rng)) for m in range(3))
    x = Scalar.random(rng)
    key = Point.base_mul(x)
    factors = tuple(c.alpha * x for c in cts)
    yield ("share", prove_share(FP, 2, x, key, cts, factors, rng=rng),
           lambda p: verify_share(FP, 2, key, cts, factors, p),  # type: ignore[arg-type]
           lambda b, p, w: b.share(FP, 2, key, cts, factors, p, wrap=w))  # type: ignore[arg-type]


CASES = list(_cases())
IDS = [c[0] for c in CASES]
DECODERS: dict[type, Callable[[bytes, str], object]] = {
    SchnorrProof: SchnorrProof.from_bytes, Signature: Signature.from_bytes, EqualLogsProof: EqualLogsProof.from_bytes,
    ZeroOneProof: ZeroOneProof.from_bytes, RangeProof: RangeProof.from_bytes, ShareProof: ShareProof.from_bytes,
}


@native_only
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_tampered_field_gets_the_same_refusal(case: tuple) -> None:
    _name, proof, verify, _add = case
    assert both(lambda: verify(proof)) == ("ok", None)
    tampered = list(tamper(proof))
    assert tampered
    for _path, bad in tampered:
        assert both(lambda bad=bad: verify(bad))[0] == "InvalidProof"


@native_only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CASES), st.data())
def test_flipped_bits_in_a_proof_give_identical_results(case: tuple, data: st.DataObject) -> None:
    _name, proof, verify, _add = case
    raw = bytearray(proof.to_bytes())
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= 1 << data.draw(st.integers(0, 7))
    decode = DECODERS[type(proof)]
    result = both(lambda: verify(decode(bytes(raw), "proof")))
    assert result[0] in ("InvalidEncoding", "InvalidProof")


# Batches ----------------------------------------------------------------------------------------


def _wrap(index: int) -> Wrap:
    def wrap(exc: InvalidProof) -> InvalidProof:
        return InvalidProof(f"proof {index}: {exc.message}", field=f"proofs[{index}]", code="bad_proof")
    return wrap


def _sequentially(picked: list, proofs: list[object]) -> None:
    for index, (case, proof) in enumerate(zip(picked, proofs)):
        try:
            case[2](proof)
        except InvalidProof as exc:
            raise _wrap(index)(exc) from None


def _batched(picked: list, proofs: list[object]) -> None:
    batch = ProofBatch()
    for index, (case, proof) in enumerate(zip(picked, proofs)):
        case[3](batch, proof, _wrap(index))
    assert len(batch) == len(proofs)
    batch.verify()


@native_only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_batch_names_the_proof_that_checking_one_by_one_names_first(data: st.DataObject) -> None:
    picked = data.draw(st.lists(st.sampled_from(CASES), max_size=8))
    proofs = []
    for case in picked:
        changes = list(tamper(case[1]))
        which = data.draw(st.integers(-3, len(changes) - 1))  # mostly good proofs
        proofs.append(case[1] if which < 0 else changes[which][1])
    with on("sodium"):
        expected = outcome(lambda: _sequentially(picked, proofs))
    assert both(lambda: _batched(picked, proofs)) == expected


@native_only
def test_a_batch_reports_a_known_failure_in_its_turn() -> None:
    proof = CASES[1][1]
    assert isinstance(proof, Signature)
    bad = next(iter(tamper(proof)))[1]
    for first_bad in (True, False):
        def run(first_bad: bool = first_bad) -> None:
            batch = ProofBatch()
            batch.signature(FP, CRED, b"ballot", bad if first_bad else proof)  # type: ignore[arg-type]
            batch.fail(InvalidProof("expected a 0/1 proof", field="selections[0].proof"))
            batch.verify()
        assert both(run)[2] == ("signature" if first_bad else "selections[0].proof")


@native_only
def test_an_empty_batch_verifies() -> None:
    assert both(lambda: ProofBatch().verify()) == ("ok", None)


@native_only
def test_the_native_batch_refuses_malformed_entries_without_curve_arithmetic() -> None:
    native = backend._native
    assert native is not None
    good = CASES[1][1]
    assert isinstance(good, Signature)
    batch = native.Batch()
    # Entry 1: a commitment that does not decode; entry 2: a response not below ℓ; entry 0: a wrong challenge.
    batch.add_schnorr(CRED.encoding, good.commitment.encoding, good.response.to_bytes(), bytes(32))
    batch.add_schnorr(CRED.encoding, b"\xff" * 32, good.response.to_bytes(), bytes(32))
    batch.add_schnorr(CRED.encoding, good.commitment.encoding, ORDER.to_bytes(32, "little"), bytes(32))
    assert batch.first_failure() == 0
    assert native.Batch().first_failure() is None
    lengths = native.Batch()
    lengths.add_disjunction(PK.encoding, PK.encoding, PK.encoding, 0, bytes(64), bytes(31), bytes(32), bytes(32))
    lengths.add_share(PK.encoding, bytes(32), bytes(32), bytes(32), bytes(32), bytes(32))
    assert lengths.first_failure() == 0
    assert len(lengths) == 2
