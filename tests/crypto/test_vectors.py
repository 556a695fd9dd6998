"""Test vectors both ways: regenerating gives identical bytes, and every vector verifies."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path

import pytest

from vybory.crypto import proofs, shuffle, threshold
from vybory.crypto.elgamal import Ciphertext, dlog, encrypt, rerandomise
from vybory.crypto.group import ORDER, Point, Scalar, hash_to_point, hash_to_scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidEncoding

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"


def load_script():  # type: ignore[no-untyped-def]
    loader = importlib.machinery.SourceFileLoader("make_vectors", str(ROOT / "scripts" / "make-vectors"))
    spec = importlib.util.spec_from_loader("make_vectors", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def vectors(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


class Replay:
    """Gives back recorded draws, in order, and checks that all were used."""

    def __init__(self, draws: list[str]):
        self.draws = [bytes.fromhex(d) for d in draws]

    def __call__(self, n: int) -> bytes:
        out = self.draws.pop(0)
        assert len(out) == n
        return out

    def done(self) -> None:
        assert not self.draws, "a recorded draw was not used"


def test_regenerating_gives_identical_files() -> None:
    built = load_script().build()
    assert set(built) == {"group.json", "elgamal.json", "proofs.json", "threshold.json", "shuffle.json"}
    for name, text in built.items():
        assert (VECTORS / name).read_text() == text, f"{name} is stale: run scripts/make-vectors"


def test_sources_lists_every_vector_file() -> None:
    sources = (VECTORS / "SOURCES.md").read_text()
    for path in VECTORS.glob("*.json"):
        assert f"`{path.name}`" in sources


def test_group_vectors() -> None:
    v = vectors("group.json")
    assert int(v["order"]) == ORDER
    s = v["scalar_arithmetic"]
    a, b = Scalar.from_hex(s["a"], "a"), Scalar.from_hex(s["b"], "b")
    assert (a.value + b.value) % ORDER == Scalar.from_hex(s["a_plus_b"], "x").value
    assert (a.value - b.value) % ORDER == Scalar.from_hex(s["a_minus_b"], "x").value
    assert a.value * b.value % ORDER == Scalar.from_hex(s["a_times_b"], "x").value
    assert a.value * Scalar.from_hex(s["inverse_a"], "x").value % ORDER == 1
    assert Point.base_mul(a).to_hex() == s["g_a"]
    assert Point.base_mul(a * b).to_hex() == s["g_a_times_b"]
    assert Point.base_mul(a + b).to_hex() == s["g_a_plus_g_b"]
    for h in v["non_canonical_scalars"]:
        with pytest.raises(InvalidEncoding):
            Scalar.from_hex(h, "s")
    for h in v["top_bit_encodings"]["encodings"]:
        with pytest.raises(InvalidEncoding):
            Point.from_hex(h, "p")
    r = v["random_scalars"]
    rng = DeterministicRng(r["seed"])
    assert [Scalar.random(rng).to_hex() for _ in r["scalars"]] == r["scalars"]
    assert rng.draws == r["rng_draws"]
    for case in v["hash_to_scalar"]:
        assert hash_to_scalar(*(bytes.fromhex(p) for p in case["parts"])).to_hex() == case["scalar"]
    for case in v["hash_to_point"]:
        assert hash_to_point(bytes.fromhex(case["label"])).to_hex() == case["point"]
    t = v["transcript"]
    import hashlib

    digest = hashlib.sha512(bytes.fromhex(t["bytes"])).digest()
    assert digest.hex() == t["digest"]
    assert int.from_bytes(digest, "little") % ORDER == Scalar.from_hex(t["challenge"], "c").value


def test_elgamal_vectors() -> None:
    v = vectors("elgamal.json")
    sk = Scalar.from_hex(v["secret_key"], "sk")
    pk = Point.from_hex(v["public_key"], "pk")
    assert Point.base_mul(sk) == pk
    cts = {}
    for case in v["encryptions"]:
        r = Scalar.from_hex(case["randomness"], "r")
        ct = Ciphertext.from_json(case["ciphertext"], "ct")
        assert ct.alpha == Point.base_mul(r)
        assert ct.beta == pk * r + Point.base_mul(Scalar.from_int(case["message"]))
        assert encrypt(pk, case["message"], r) == ct
        assert dlog(ct.beta - ct.alpha * sk, 10**9) == case["message"]
        cts[case["message"]] = ct
    total = Ciphertext.from_json(v["sum_of_messages_1_and_2"], "sum")
    assert dlog(total.beta - total.alpha * sk, 10) == 3
    weighted = Ciphertext.from_json(v["message_1_weighted_by_7"], "w")
    assert dlog(weighted.beta - weighted.alpha * sk, 10) == 7
    rr = v["rerandomise_message_2"]
    assert rerandomise(pk, cts[2], Scalar.from_hex(rr["randomness"], "s")).to_json() == rr["ciphertext"]
    for case in v["dlog"]:
        assert dlog(Point.from_hex(case["point"], "p", allow_identity=True), case["bound"]) == case["log"]


def test_proof_vectors_verify_and_replay() -> None:
    v = vectors("proofs.json")
    fp = bytes.fromhex(v["fingerprint"])
    pk = Point.from_hex(v["public_key"], "pk")
    cred = Point.from_hex(v["credential"], "cred")
    assert Point.base_mul(Scalar.from_hex(v["credential_secret"], "s")) == cred

    k = v["knowledge"]
    proof = proofs.SchnorrProof.from_json(k["proof"], "proof")
    assert proof.to_bytes().hex() == k["bytes"]
    proofs.verify_knowledge(fp, Point.from_hex(k["public"], "X"), proof, purpose=k["purpose"])
    replay = Replay(k["rng_draws"])
    again = proofs.prove_knowledge(fp, Scalar.from_hex(k["secret"], "x"), Point.from_hex(k["public"], "X"), purpose=k["purpose"], rng=replay)
    assert again == proof
    replay.done()

    s = v["signature"]
    sig = proofs.Signature.from_bytes(bytes.fromhex(s["bytes"]), "sig")
    assert sig.to_json() == s["signature"]
    proofs.verify_signature(fp, cred, bytes.fromhex(s["message"]), sig)
    replay = Replay(s["rng_draws"])
    assert proofs.sign(fp, Scalar.from_hex(v["credential_secret"], "s"), bytes.fromhex(s["message"]), rng=replay) == sig
    replay.done()

    e = v["equal_logs"]
    statement = [Point.from_hex(e[n], n) for n in ("g1", "h1", "g2", "h2")]
    eq = proofs.EqualLogsProof.from_json(e["proof"], "proof")
    proofs.verify_equal_logs(fp, *statement, eq, purpose=e["purpose"])
    replay = Replay(e["rng_draws"])
    assert proofs.prove_equal_logs(fp, Scalar.from_hex(e["secret"], "x"), *statement, purpose=e["purpose"], rng=replay) == eq
    replay.done()

    for case in v["zero_one"]:
        ct = Ciphertext.from_json(case["ciphertext"], "ct")
        zo = proofs.ZeroOneProof.from_bytes(bytes.fromhex(case["bytes"]), "proof")
        assert zo.to_json() == case["proof"]
        proofs.verify_zero_one(fp, cred, pk, ct, zo)
        replay = Replay(case["rng_draws"])
        r = Scalar.from_hex(case["randomness"], "r")
        assert proofs.prove_zero_one(fp, cred, pk, ct, case["message"], r, rng=replay) == zo
        replay.done()

    for case in v["range"]:
        ct = Ciphertext.from_json(case["ciphertext"], "ct")
        rp = proofs.RangeProof.from_json(case["proof"], "proof")
        assert rp.to_bytes().hex() == case["bytes"]
        proofs.verify_range(fp, cred, pk, ct, case["low"], case["high"], rp)
        replay = Replay(case["rng_draws"])
        r = Scalar.from_hex(case["randomness"], "r")
        assert proofs.prove_range(fp, cred, pk, ct, case["message"], r, case["low"], case["high"], rng=replay) == rp
        replay.done()

    d = v["decryption_share"]
    cts = [Ciphertext.from_json(c, "ct") for c in d["ciphertexts"]]
    factors = [Point.from_hex(f, "f") for f in d["factors"]]
    key = Point.from_hex(d["verification_key"], "X")
    sp = proofs.ShareProof.from_bytes(bytes.fromhex(d["bytes"]), "proof")
    proofs.verify_share(fp, d["trustee"], key, cts, factors, sp)
    replay = Replay(d["rng_draws"])
    assert proofs.prove_share(fp, d["trustee"], Scalar.from_hex(d["secret_share"], "x"), key, cts, factors, rng=replay) == sp
    replay.done()


def test_threshold_vectors_verify() -> None:
    v = vectors("threshold.json")
    fp = bytes.fromhex(v["fingerprint"])
    n, k = v["trustees"], v["threshold"]
    keys = {m["trustee"]: threshold.MessagingKey.from_json(m, "key") for m in v["messaging_keys"]}
    commitments = {m["trustee"]: threshold.DealerCommitment.from_json(m, "c") for m in v["commitments"]}
    reveals = {m["trustee"]: threshold.DealerReveal.from_json(m, "r") for m in v["reveals"]}
    shares = [threshold.EncryptedShare.from_json(m, "s") for m in v["encrypted_shares"]]
    result = threshold.finish(fp, n, k, keys, commitments, reveals, shares)
    assert result.to_json() == v["result"]
    secrets = [threshold.TrusteeSecrets.from_json(s, "secrets") for s in v["trustee_secrets"]]
    for s in secrets:
        x = threshold.compute_secret_share(fp, s, result, reveals, shares)
        assert x.to_hex() == v["secret_shares"][str(s.trustee)]
    cts = [Ciphertext.from_json(c, "ct") for c in v["ciphertexts"]]
    dec = [threshold.DecryptionShare.from_json(d, "d") for d in v["decryption_shares"]]
    for d in dec:
        threshold.check_share(fp, result.verification_keys[d.trustee], cts, d)
    points = threshold.combine(fp, cts, dec[1:], k, result.verification_keys)
    assert [p.to_hex() for p in points] == v["combined_from_trustees_2_and_3"]
    assert [dlog(p, 10) for p in points] == v["messages"]
    # Any other pair gives the same plaintexts.
    assert threshold.combine(fp, cts, dec[:2], k, result.verification_keys) == points


def test_shuffle_vectors_verify_and_replay() -> None:
    v = vectors("shuffle.json")
    fp = bytes.fromhex(v["fingerprint"])
    sk = Scalar.from_hex(v["secret_key"], "sk")
    pk = Point.from_hex(v["public_key"], "pk")
    inputs = [[Ciphertext.from_json(c, "in") for c in row] for row in v["inputs"]]
    outputs = [[Ciphertext.from_json(c, "out") for c in row] for row in v["outputs"]]
    proof = shuffle.ShuffleProof.from_bytes(bytes.fromhex(v["bytes"]), "proof")
    assert proof.to_json() == v["proof"]
    shuffle.verify_shuffle(fp, pk, inputs, outputs, proof)
    permutation = v["permutation"]
    for i, row in enumerate(outputs):
        messages = [dlog(c.beta - c.alpha * sk, 100) for c in row]
        assert messages == v["input_messages"][permutation[i] - 1]
    replay = Replay(v["shuffle_draws"] + v["proof_draws"])
    outs, witness = shuffle.shuffle(pk, inputs, replay)
    assert [[c.to_json() for c in row] for row in outs] == v["outputs"]
    assert shuffle.prove_shuffle(fp, pk, inputs, outs, witness, replay) == proof
    replay.done()
