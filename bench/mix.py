"""Benchmark of mixing ranked ballots (spec §17) against the bare shuffle of the crypto core.

    .venv/bin/python bench/mix.py [--rows N] [--candidates C] [--ranks R]

For N rows of a C x R ranked ballot plus the weight (the default: 20 rows of a 4 x 3
matrix, 13 ciphertexts a row), prints ms per call (best of several rounds, timed in
alternating rounds so that load from other processes affects both alike) of:

- making a mix as a trustee does (decode the list, shuffle, prove, sign, encode the
  payload) against ``shuffle`` + ``prove_shuffle`` alone;
- checking a mix as the service and the verifier do (decode the payload, check the
  signature and the proof) against ``verify_shuffle`` alone;
- reading the decrypted rows back as rankings against decrypting them with one key (the
  threshold decryption costs more).

The ratios are the cost of the protocol around the crypto core.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' election kit

from electionkit import contest, lone_contest

from vybory.crypto.elgamal import decrypt_to_point, encrypt
from vybory.crypto.group import Point, Scalar
from vybory.crypto.proofs import sign
from vybory.crypto.rng import DeterministicRng
from vybory.crypto.shuffle import prove_shuffle, shuffle, verify_shuffle
from vybory.model.definition import parse_definition
from vybory.model.layout import compute_layout
from vybory.verify.mix import (
    check_mix,
    decode_rows,
    input_row,
    parse_mix,
    read_rows,
    signed_message,
)

FP = b"\x07" * 32



def paired_best_ms(ours: Callable[[], object], raw: Callable[[], object], rounds: int) -> tuple[float, float]:
    best_ours = best_raw = float("inf")
    for _ in range(rounds):
        for fn, which in ((ours, 0), (raw, 1)):
            start = time.perf_counter()
            fn()
            took = (time.perf_counter() - start) * 1e3
            if which == 0:
                best_ours = min(best_ours, took)
            else:
                best_raw = min(best_raw, took)
    return best_ours, best_raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--ranks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = DeterministicRng(b"bench-mix")
    names = [f"C{i}" for i in range(args.candidates)]
    definition = lone_contest(contest("c", "C", method="irv", options={"max_ranks": args.ranks}))
    layout = compute_layout(parse_definition(definition).contests[0], names)
    secret = Scalar.random(rng)
    key = Point.base_mul(secret)
    share = Scalar.random(rng)
    verification_key = Point.base_mul(share)
    inputs = [input_row([encrypt(key, (i + k) % 2, Scalar.random(rng)) for k in range(layout.size)], 1 + i % 3)
              for i in range(args.rows)]
    # As the board holds them: each ballot's selections (the weight comes from the credential list).
    stored = [[ct.to_json() for ct in row[:-1]] for row in inputs]
    weights = [1 + i % 3 for i in range(args.rows)]

    def ballots_rows() -> list:
        return [input_row(row, w) for row, w in zip(decode_rows(stored, "rows", width=layout.size), weights)]

    def make() -> dict:
        rows = ballots_rows()
        outputs, witness = shuffle(key, rows, rng)
        proof = prove_shuffle(FP, key, rows, outputs, witness, rng)
        payload = {"round": 1, "contest": "c", "trustee": 1, "input": None,
                   "rows": [[ct.to_json() for ct in row] for row in outputs], "proof": proof.to_json()}
        payload["signature"] = sign(FP, share, signed_message(payload), rng).to_json()
        payload["at"] = "2025-05-12T00:00:00Z"
        return payload

    def raw_make() -> object:
        outputs, witness = shuffle(key, inputs, rng)
        return prove_shuffle(FP, key, inputs, outputs, witness, rng)

    payload = make()
    outputs = parse_mix(payload).rows
    proof = parse_mix(payload).proof

    def check() -> None:
        rows = ballots_rows()
        check_mix(FP, key, verification_key, rows, payload, parse_mix(payload, width=layout.size + 1))

    def raw_check() -> None:
        verify_shuffle(FP, key, inputs, outputs, proof)

    points = [decrypt_to_point(secret, ct) for row in outputs for ct in row]

    def read() -> object:
        return read_rows(layout, points, 3)

    def raw_read() -> object:
        return [decrypt_to_point(secret, ct) for row in outputs for ct in row]

    print(f"{args.rows} rows of {layout.size + 1} ciphertexts ({args.candidates} candidates x "
          f"{layout.size // args.candidates} ranks + weight)")
    for what, ours, raw in (("make a mix", make, raw_make), ("check a mix", check, raw_check),
                            ("read decrypted rows", read, raw_read)):
        a, b = paired_best_ms(ours, raw, args.rounds)
        print(f"  {what:<22} {a:9.2f} ms   core {b:9.2f} ms   ratio {a / b:6.2f}")


if __name__ == "__main__":
    main()
