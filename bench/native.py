"""Benchmark of the native backend against libsodium and against bare curve25519-dalek, in one run.

    .venv/bin/python bench/native.py [--quick]

First runs bench/dalek (bare dalek operations, no Python: the hardware baseline), then times
the same vybory operations on the libsodium backend and on the native one, alternately in
rounds (best kept), and prints for each: µs on libsodium, µs on native, libsodium / native,
and native / the bare-dalek figure for the same work (how far the native path is from the
hardware). Targets (issue): verify a 0/1 proof ≤ 2 × the batched bare-dalek figure;
encrypt + prove a selection ≤ 190 µs.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vybory.crypto import backend, proofs, shuffle, threshold
from vybory.crypto.elgamal import Ciphertext, encrypt, sum_ciphertexts
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng

FP = b"\x07" * 32


def dalek_baseline() -> dict[str, float]:
    """Runs bench/dalek and reads its lines ("name   12.34 us")."""
    run = subprocess.run(["cargo", "run", "-q", "--release", "--manifest-path", str(ROOT / "bench/dalek/Cargo.toml")],
                         capture_output=True, text=True, check=True)
    figures = {}
    for line in run.stdout.splitlines():
        match = re.match(r"(.+?)\s+([0-9.]+) us$", line)
        if match:
            figures[match.group(1).strip()] = float(match.group(2))
    return figures


def best_us(fn: Callable[[], object], iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        fn()
    return (time.perf_counter() - start) / iterations * 1e6


def paired(fn: Callable[[], object], iterations: int, rounds: int, per: int = 1) -> dict[str, float]:
    """Best µs per call (divided by ``per``) on each backend, timed in alternating rounds."""
    best = {"sodium": float("inf"), "native": float("inf")}
    for name in best:
        backend.use(name)
        fn()  # warm: tables, caches
    for _ in range(rounds):
        for name in ("sodium", "native"):
            backend.use(name)
            best[name] = min(best[name], best_us(fn, iterations) / per)
    backend.use(None)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--ballots", type=int, default=300, help="ballots in the record for the whole verification")
    args = parser.parse_args()
    if not backend.native_available():
        print("bench/native.py: the native backend is not built (no cargo?): nothing to compare")
        return
    scale, rounds = (0.3, 2) if args.quick else (1.0, 5)

    def it(n: int) -> int:
        return max(1, int(n * scale))

    base = dalek_baseline() if shutil.which("cargo") else {}
    if not base:
        print("bench/native.py: cargo not found, so no bare-dalek baseline")

    rng = DeterministicRng(b"bench/native")
    pk = Point.base_mul(Scalar.random(rng))
    secret_credential = Scalar.random(rng)
    cred = Point.base_mul(secret_credential)
    r = Scalar.random(rng)
    ct = encrypt(pk, 1, r)
    zo = proofs.prove_zero_one(FP, cred, pk, ct, 1, r, rng)
    ct3 = encrypt(pk, 2, r)
    rp = proofs.prove_range(FP, cred, pk, ct3, 2, r, 0, 3, rng)
    signature = proofs.sign(FP, secret_credential, b"ballot", rng)
    x = Scalar.random(rng)
    key = Point.base_mul(x)
    tally = [encrypt(pk, m % 7, Scalar.random(rng)) for m in range(20)]
    share20 = threshold.compute_share(FP, 1, x, tally, rng)
    selections = []
    for j in range(12):
        s = Scalar.random(rng)
        c = encrypt(pk, j % 2, s)
        selections.append((c, proofs.prove_zero_one(FP, cred, pk, c, j % 2, s, rng)))
    many = []
    for j in range(1000):
        s = Scalar.random(rng)
        c = encrypt(pk, j % 2, s)
        many.append((c, proofs.prove_zero_one(FP, cred, pk, c, j % 2, s, rng)))
    ballots_cts = [c for c, _ in many]
    rows = [[encrypt(pk, (i + k) % 5, Scalar.random(rng)) for k in range(3)] for i in range(20)]
    mixed, witness = shuffle.shuffle(pk, rows, rng)
    mix_proof = shuffle.prove_shuffle(FP, pk, rows, mixed, witness, rng)

    def encrypt_and_prove() -> None:
        s = Scalar.random()
        c = encrypt(pk, 1, s)
        proofs.prove_zero_one(FP, cred, pk, c, 1, s)

    def ballot() -> None:
        batch = proofs.ProofBatch()
        batch.signature(FP, cred, b"ballot", signature)
        for c, p in selections:
            batch.zero_one(FP, cred, pk, c, p)
        batch.verify()

    def thousand() -> None:
        batch = proofs.ProofBatch()
        for c, p in many:
            batch.zero_one(FP, cred, pk, c, p)
        batch.verify()

    def decode_ballot_points() -> None:
        for c, p in selections:
            Ciphertext.from_bytes(c.to_bytes(), "ct")
            proofs.ZeroOneProof.from_bytes(p.to_bytes(), "proof")

    def add_sum() -> Ciphertext:
        total = Ciphertext.zero()
        for c in ballots_cts:
            total = total + c
        return total

    batched_01 = base.get("batched 0/1 proof verification, per proof, n=1000")
    encrypt_base = base.get("encrypt selection (2 table muls + add)")
    double_base = base.get("double-base mul (vartime)")
    rows_out: list[tuple[str, dict[str, float], float | None]] = [
        ("verify 0/1 proof, one selection (batch of 1)",
         paired(lambda: proofs.verify_zero_one(FP, cred, pk, ct, zo), it(200), rounds), batched_01),
        ("verify 0/1 proofs, batch of 1000, per proof", paired(thousand, 1, rounds, per=1000), batched_01),
        ("verify range proof [0, 3]", paired(lambda: proofs.verify_range(FP, cred, pk, ct3, 0, 3, rp), it(100), rounds),
         None),
        ("verify signature", paired(lambda: proofs.verify_signature(FP, cred, b"ballot", signature), it(300), rounds),
         double_base),
        ("verify 12-selection ballot (signature + 12 proofs)", paired(ballot, it(20), rounds), None),
        ("decode a 12-selection ballot's ciphertexts and proofs", paired(decode_ballot_points, it(20), rounds), None),
        ("encrypt + 0/1 proof, one selection", paired(encrypt_and_prove, it(200), rounds), None),
        ("encrypt one selection (election-key table)",
         paired(lambda: encrypt(pk, 1, Scalar.random()), it(300), rounds), encrypt_base),
        ("check decryption share, 20 ciphertexts",
         paired(lambda: threshold.check_share(FP, key, tally, share20), it(30), rounds), None),
        ("tally: sum of 1000 ciphertexts, one by one", paired(add_sum, 1, rounds), None),
        ("tally: sum of 1000 ciphertexts, sum_ciphertexts", paired(lambda: sum_ciphertexts(ballots_cts), it(5), rounds),
         None),
        ("shuffle of 20 rows x 3: verify",
         paired(lambda: shuffle.verify_shuffle(FP, pk, rows, mixed, mix_proof), 1, rounds), None),
    ]
    if base:
        print("bare dalek (bench/dalek, this run): " + ", ".join(f"{k} {v:.1f} µs" for k, v in base.items()
                                                                 if k in ("batched 0/1 proof verification, per proof, n=1000",
                                                                          "encrypt selection (2 table muls + add)",
                                                                          "double-base mul (vartime)")))
    print(f"{'operation':54} {'sodium µs':>10} {'native µs':>10} {'speed-up':>9} {'native/dalek':>13}")
    for label, figures, bare in rows_out:
        ratio = f"{figures['native'] / bare:13.2f}" if bare else f"{'':13}"
        print(f"{label:54} {figures['sodium']:10.1f} {figures['native']:10.1f} "
              f"{figures['sodium'] / figures['native']:8.1f}x {ratio}")
    print("speed-up = libsodium µs / native µs; native/dalek = native µs / the bare-dalek figure for that work")
    print("(0/1 rows: the batched 0/1 figure at n = 1000; signature: one vartime double-base mul; "
          "encrypt: two table muls and an add).")
    whole_verification(args.ballots, rounds=1 if args.quick else 2)


def whole_verification(ballots: int, rounds: int) -> None:
    """`vybory verify` of one record (bench/verify.py's election) in this process on each backend:
    CPU seconds (best of ``rounds``, alternating), and the two reports must be identical."""
    spec = importlib.util.spec_from_file_location("bench_verify", ROOT / "bench" / "verify.py")
    assert spec is not None and spec.loader is not None
    election = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(election)  # bench/verify.py: its election builder and record
    verify_record = election.verify_record

    files = election.record(election.build(ballots))
    best = {"sodium": float("inf"), "native": float("inf")}
    reports = {}
    for _ in range(rounds):
        for name in ("sodium", "native"):
            backend.use(name)
            started = time.process_time()
            report = verify_record(files)
            best[name] = min(best[name], time.process_time() - started)
            reports[name] = report.to_json()
            assert report.ok, [str(f) for f in report.failures]
    backend.use(None)
    assert reports["sodium"] == reports["native"], "the two backends' verification reports differ"
    print(f"whole verification of a {ballots}-ballot record in one process (CPU s): sodium {best['sodium']:.2f}, "
          f"native {best['native']:.2f}, speed-up {best['sodium'] / best['native']:.1f}x; identical reports")


if __name__ == "__main__":
    main()
