"""Against the metal: each proof's verification against the bare group operations it needs, and
where a whole `vybory verify` spends its time, on both backends, in one run.

    .venv/bin/python bench/metal.py [--quick] [--record RECORD.zip] [--results DIR]

1. For every kind of proof the verifier checks (signature, proof of knowledge, statement
   signature, equality of logarithms, 0/1, range [0, 3], decryption share of 1 and of 20
   ciphertexts, shuffle of 20 rows × 3), the CPU time of its ``verify_*`` call on each backend
   against the bare operations that verification needs, timed in the same run:
   - libsodium: the raw libsodium calls its equations make (ctypes, preallocated buffers, the
     counts from the equations of proofs.py / threshold.py / shuffle.py, as bench/crypto.py);
   - native: bench/dalek's bare curve25519-dalek work for one batched check of that proof:
     decompress its received points and one vartime multiscalar multiplication of its terms.
   The ratio is what the rest costs (the transcript hash, Python, crossing into the library).
   Target: ≤ 1.15×.
2. With ``--record``: ``vybory verify RECORD`` (one process) on each backend, timed plainly (CPU
   seconds), then again with every call into the curve library timed (the backend's operations,
   the native batches, sums and tables): the curve share is that time over the plain total, the
   rest is Python (decoding JSON, building objects, hashing transcripts, the board's checks).
   The ten Python functions with the most own time (cProfile) are listed for each backend.

Writes DIR/metal.json and DIR/metal.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import ZERO_ONE_OPS, Raw, cpu_us, range_ops, share_check_ops, shuffle_ops

from vybory.crypto import backend, proofs, shuffle, threshold
from vybory.crypto.elgamal import encrypt
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng

FP = b"\x07" * 32
BACKENDS = ("sodium", "native")


def dalek(shapes: dict[str, tuple[int, int]]) -> dict[str, float]:
    """bench/dalek's bare figure (CPU µs) for each shape (points decompressed, multiscalar terms);
    nothing without cargo."""
    if not shutil.which("cargo") or not shapes:
        return {}
    run = subprocess.run(["cargo", "run", "-q", "--release", "--manifest-path", str(ROOT / "bench/dalek/Cargo.toml"),
                          "--", *(f"{name}:{d}:{t}" for name, (d, t) in shapes.items())],
                         capture_output=True, text=True, check=True)
    figures = {}
    for line in run.stdout.splitlines():
        match = re.match(r"proof (\S+)\s+([0-9.]+) us$", line)
        if match:
            figures[match.group(1)] = float(match.group(2))
    return figures


def proof_rows(scale: float, rounds: int, bare_dalek: bool = True) -> list[dict[str, Any]]:
    rng = DeterministicRng(b"bench/metal")
    sk = Scalar.random(rng)
    pk = Point.base_mul(sk)
    secret = Scalar.random(rng)
    cred = Point.base_mul(secret)
    r = Scalar.random(rng)
    ct = encrypt(pk, 1, r)
    zo = proofs.prove_zero_one(FP, cred, pk, ct, 1, r, rng)
    ct3 = encrypt(pk, 2, r)
    rp = proofs.prove_range(FP, cred, pk, ct3, 2, r, 0, 3, rng)
    signature = proofs.sign(FP, secret, b"ballot", rng)
    knowledge = proofs.prove_knowledge(FP, sk, pk, purpose="election key", rng=rng)
    statement = proofs.sign_statement(FP, sk, signer="commission", kind="round_opened", message=b"{}", rng=rng)
    x = Scalar.random(rng)
    key = Point.base_mul(x)
    h = Point.base_mul(Scalar.random(rng))
    hx = h * x
    eq = proofs.prove_equal_logs(FP, x, Point.GENERATOR, key, h, hx, purpose="bench", rng=rng)
    tally = [encrypt(pk, m % 7, Scalar.random(rng)) for m in range(20)]
    share1 = threshold.compute_share(FP, 1, x, tally[:1], rng)
    share20 = threshold.compute_share(FP, 1, x, tally, rng)
    rows_n, rows_w = 20, 3
    rows = [[encrypt(pk, (i + k) % 5, Scalar.random(rng)) for k in range(rows_w)] for i in range(rows_n)]
    mixed, witness = shuffle.shuffle(pk, rows, rng)
    mix_proof = shuffle.prove_shuffle(FP, pk, rows, mixed, witness, rng)

    raw = Raw()
    width = 4
    # name: (label, verify call, iterations, raw libsodium ops, (points decompressed, multiscalar terms) or None)
    cases: dict[str, tuple[str, Callable[[], object], int, Callable[[], None], tuple[int, int] | None]] = {
        "signature": ("ballot signature (Schnorr)", lambda: proofs.verify_signature(FP, cred, b"ballot", signature),
                      300, raw.ops(base=1, mul=1, add=1), (2, 3)),
        "knowledge": ("proof of knowledge (Schnorr)",
                      lambda: proofs.verify_knowledge(FP, pk, knowledge, purpose="election key"), 300,
                      raw.ops(base=1, mul=1, add=1), (2, 3)),
        "statement": ("statement signature",
                      lambda: proofs.verify_statement(FP, pk, statement, signer="commission", kind="round_opened",
                                                      message=b"{}"), 300, raw.ops(base=1, mul=1, add=1), (2, 3)),
        "equal_logs": ("equality of logarithms (Chaum-Pedersen)",
                       lambda: proofs.verify_equal_logs(FP, Point.GENERATOR, key, h, hx, eq, purpose="bench"), 200,
                       raw.ops(mul=4, add=2), (5, 6)),
        "zero_one": ("0/1 proof", lambda: proofs.verify_zero_one(FP, cred, pk, ct, zo), 200,
                     raw.ops(**ZERO_ONE_OPS), (7, 8)),
        "range": ("range proof [0, 3]", lambda: proofs.verify_range(FP, cred, pk, ct3, 0, 3, rp), 100,
                  raw.ops(**range_ops(width)), (3 + 2 * width, 4 + 2 * width)),
        "share_1": ("decryption share, 1 ciphertext", lambda: threshold.check_share(FP, key, tally[:1], share1), 200,
                    raw.ops(**share_check_ops(1)), (5, 6)),
        "share_20": ("decryption share, 20 ciphertexts", lambda: threshold.check_share(FP, key, tally, share20), 20,
                     raw.ops(**share_check_ops(20)), (1 + 3 * 20 + 1, 2 + 3 * 20 + 1)),
        "shuffle": (f"shuffle of {rows_n} rows x {rows_w}", lambda: shuffle.verify_shuffle(FP, pk, rows, mixed, mix_proof),
                    2, raw.ops(**shuffle_ops(rows_n, rows_w)), None),
    }
    shapes = {name: shape for name, (_, _, _, _, shape) in cases.items() if shape and bare_dalek}
    bare = dalek(shapes)
    out = []
    for name, (label, fn, iterations, raw_ops, shape) in cases.items():
        n = max(1, int(iterations * scale))
        best = {"sodium": float("inf"), "native": float("inf"), "raw": float("inf")}
        for b in BACKENDS:
            backend.use(b)
            fn()  # warm: tables, caches
        for _ in range(rounds):
            for b in BACKENDS:
                backend.use(b)
                best[b] = min(best[b], cpu_us(fn, n))
            best["raw"] = min(best["raw"], cpu_us(raw_ops, n))
        backend.use(None)
        out.append({"proof": name, "label": label, "sodium_us": best["sodium"], "raw_sodium_us": best["raw"],
                    "native_us": best["native"], "bare_dalek_us": bare.get(name),
                    "shape": shape})
    again = dalek(shapes)  # the bare figures before and after the rest (best kept), as load changes
    for row in out:
        if row["proof"] in again and row["bare_dalek_us"] is not None:
            row["bare_dalek_us"] = min(row["bare_dalek_us"], again[row["proof"]])
    return out


# --- the whole verification ------------------------------------------------------------------

class Stopwatch:
    """CPU time spent inside the curve library's calls, while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.process_time

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += clock() - start
                self.calls += 1

        return timed

    def wrap_object(self, obj: Any) -> Any:
        """A proxy whose methods are timed (native Batch, CiphertextSums, FixedBase)."""
        if obj is None:
            return None
        watch = self

        class Timed:
            def __getattr__(self, name: str) -> Any:
                value = getattr(obj, name)
                return watch.wrap(value) if callable(value) else value

        return Timed()


def install(watch: Stopwatch) -> Callable[[], None]:
    """Times every call into the curve library until the returned function is called."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    for operation in backend._OPERATIONS:
        patch(backend.ops, operation, watch.wrap(getattr(backend.ops, operation)))
    for name in ("sum_ciphertexts", "multiscalar_mul", "vartime_multiscalar_mul", "disjunction_commitments"):
        patch(backend, name, watch.wrap(getattr(backend, name)))
    for name in ("new_batch", "new_sums", "key_table"):
        original = getattr(backend, name)
        patch(backend, name, lambda *a, _o=original: watch.wrap_object(watch.wrap(_o)(*a)))

    def restore() -> None:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)

    return restore


def whole_verify(record: Path, profile_rows: int = 10) -> dict[str, Any]:
    from vybory.cli.record import run_verification

    out: dict[str, Any] = {}
    for name in BACKENDS:
        backend.use(name)
        start = time.process_time()
        report = run_verification(record, workers=1)
        plain = time.process_time() - start
        assert report.ok, [str(f) for f in report.failures][:3]
        watch = Stopwatch()
        restore = install(watch)
        try:
            start = time.process_time()
            run_verification(record, workers=1)
            timed = time.process_time() - start
        finally:
            restore()
        profiler = cProfile.Profile()
        profiler.enable()
        run_verification(record, workers=1)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total_own = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
        top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:profile_rows]  # type: ignore[attr-defined]
        out[name] = {
            "cpu_s": plain, "cpu_s_timed_run": timed, "curve_s": watch.seconds, "curve_calls": watch.calls,
            "curve_share": watch.seconds / plain,
            "top_own_time": [{"function": f"{Path(f).name}:{line} {fn}", "share": v[2] / total_own, "calls": v[1]}
                             for (f, line, fn), v in top],
        }
    backend.use(None)
    out["speed_up"] = out["sodium"]["cpu_s"] / out["native"]["cpu_s"]
    return out


def markdown(rows: list[dict[str, Any]], whole: dict[str, Any] | None, record: Path | None) -> list[str]:
    lines = [("| proof | libsodium µs | raw libsodium ops µs | × raw (≤ 1.15) | native µs | bare dalek µs | "
             "× bare (≤ 1.15) | libsodium / native |"), "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        bare = r["bare_dalek_us"]
        native = r["native_us"]
        bare_us, bare_ratio = (f"{bare:,.1f}", f"{native / bare:.2f}×") if bare else ("—", "—")
        lines.append(f"| {r['label']} | {r['sodium_us']:,.1f} | {r['raw_sodium_us']:,.1f} | "
                     f"{r['sodium_us'] / r['raw_sodium_us']:.2f}× | {native:,.1f} | {bare_us} | {bare_ratio} | "
                     f"{r['sodium_us'] / native:.2f}× |")
    if whole:
        lines += ["", f"Whole `vybory verify` of {record.name if record else 'the record'}, one process (CPU s):", "",
                  "| backend | CPU s | in the curve library | share curve | share Python and the rest |",
                  "|---|---:|---:|---:|---:|"]
        for name in BACKENDS:
            w = whole[name]
            lines.append(f"| {name} | {w['cpu_s']:.2f} | {w['curve_s']:.2f} | {w['curve_share']:.0%} | "
                         f"{1 - w['curve_share']:.0%} |")
        lines.append(f"\nlibsodium / native, whole verification: {whole['speed_up']:.2f}× (target ≥ 5×)")
        for name in BACKENDS:
            lines += ["", f"Most own time on {name} (cProfile, share of profiled time):", ""]
            lines += [f"- {t['share']:.1%} {t['function']} ({t['calls']:,} calls)" for t in whole[name]["top_own_time"]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations and rounds (a smoke run)")
    parser.add_argument("--record", type=Path, help="a record to verify whole (e.g. one bench/record.py wrote)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--no-dalek", action="store_true", help="skip bench/dalek (no bare-dalek column)")
    args = parser.parse_args()
    if not backend.native_available():
        print("bench/metal.py: the native backend is not built (no cargo?): nothing to compare")
        return
    scale, rounds = (0.1, 1) if args.quick else (1.0, 5)
    rows = proof_rows(scale, rounds, bare_dalek=not args.no_dalek)
    whole = whole_verify(args.record) if args.record else None
    lines = markdown(rows, whole, args.record)
    load = os.getloadavg()
    note = (f"CPU µs per call, best of {rounds} round(s), alternating; load average {load[0]:.1f} on "
            f"{os.cpu_count()} cores; bare dalek: bench/dalek (decompress the proof's points + one vartime "
            f"multiscalar multiplication of its terms).")
    print("\n".join(lines))
    print(note)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "metal.json").write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "command": " ".join(sys.argv), "load_average": load,
        "rounds": rounds, "proofs": rows, "whole_verify": whole, "record": str(args.record) if args.record else None,
    }, indent=2, sort_keys=True) + "\n")
    (args.results / "metal.md").write_text("\n".join(lines) + "\n\n" + note + "\n")


if __name__ == "__main__":
    main()
