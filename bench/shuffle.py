"""The verifiable shuffle (spec §8) per ciphertext, on both backends, beside egk-mixnet's published figures.

    .venv/bin/python bench/shuffle.py [--rows N] [--width W] [--rounds R]

Shuffles N rows of W ciphertexts (default 100 rows of 13: a 4 x 3 ranked ballot and its weight,
as bench/mix.py) and times, in CPU time (``time.process_time``), best of R alternating rounds:

- **prove**: ``shuffle`` (permute and re-randomise) then ``prove_shuffle``, as a trustee mixes;
- **verify**: ``verify_shuffle``, as the verifier and the service check a mix;

on the libsodium and the native backend in the same process, and prints milliseconds per
ciphertext (the time over N x W), the ratio of the backends, and the ratio to egk-mixnet's
figures of 4.83 ms (prove) and 9.49 ms (verify) per ciphertext. Those two are the figures
egk-mixnet publishes for its own machine, not measured here: the ratio to them says only how far
apart the two are by order of magnitude, not a same-run comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vybory.crypto import backend
from vybory.crypto.elgamal import encrypt
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.crypto.shuffle import prove_shuffle, shuffle, verify_shuffle

FP = b"\x07" * 32
EGK_PROVE_MS = 4.83  # published by egk-mixnet, per ciphertext; not measured here
EGK_VERIFY_MS = 9.49


def cpu_s(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--width", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backends = ["sodium", "native"] if backend.native_available() else ["sodium"]
    rng = DeterministicRng(b"bench-shuffle")
    key = Point.base_mul(Scalar.random(rng))
    rows = [[encrypt(key, (i + k) % 2, Scalar.random(rng)) for k in range(args.width)] for i in range(args.rows)]
    count = args.rows * args.width
    best: dict[tuple[str, str], float] = {}
    made: dict[str, tuple[object, object]] = {}
    for _ in range(args.rounds):
        for name in backends:
            backend.use(name)

            def prove(name: str = name) -> None:
                outputs, witness = shuffle(key, rows, rng)
                made[name] = (outputs, prove_shuffle(FP, key, rows, outputs, witness, rng))

            took = cpu_s(prove)
            best[name, "prove"] = min(best.get((name, "prove"), float("inf")), took)
            outputs, proof = made[name]
            took = cpu_s(lambda o=outputs, p=proof: verify_shuffle(FP, key, rows, o, p))  # type: ignore[misc, arg-type]
            best[name, "verify"] = min(best.get((name, "verify"), float("inf")), took)
    backend.use(None)
    load = os.getloadavg()[0]
    print(f"shuffle of {args.rows} rows x {args.width} ciphertexts ({count} ciphertexts), CPU ms per ciphertext, "
          f"best of {args.rounds} alternating rounds; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'':8} {'sodium ms':>10} {'native ms':>10} {'sodium/native':>14} {'egk (published) ms':>19} "
          f"{'egk/native':>11}")
    for step, egk in (("prove", EGK_PROVE_MS), ("verify", EGK_VERIFY_MS)):
        sodium = best["sodium", step] / count * 1e3
        if "native" in backends:
            native = best["native", step] / count * 1e3
            print(f"{step:8} {sodium:10.3f} {native:10.3f} {sodium / native:13.2f}x {egk:19.2f} {egk / native:10.1f}x")
        else:
            print(f"{step:8} {sodium:10.3f} {'-':>10} {'-':>14} {egk:19.2f} {egk / sodium:10.1f}x (libsodium)")


if __name__ == "__main__":
    main()
