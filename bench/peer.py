"""vybory side by side with ElectionGuard 1.4.0, on both of vybory's backends, in one run.

    .venv/bin/python bench/peer.py [--quick] [--no-booth] [--no-peer] [--results DIR] [--docs FILE]

Times the same work on ElectionGuard 1.4.0 (in its own virtual environment under bench/, on a
Python 3.10 found on PATH or under pyenv: electionguard 1.4.0 does not import on 3.11) and on
vybory's libsodium and native backends:

- encrypt one ballot and verify one ballot, for two ballot shapes: 3 contests of 4 candidates
  (12 selections) and 5 contests of 12, 12, 12, 12 and 11 candidates (59 selections), each
  contest choose-one;
- encrypt + prove one selection, and verify its 0/1 proof;
- tally N ballots (the homomorphic sums of every selection; no proofs checked);
- one trustee's decryption share of a 12-selection tally with its proofs, and checking it.

Each figure is the best of several rounds of CPU time (``time.process_time``: this machine is
shared, and wall-clock time mostly measures the others), vybory's rounds run before and after
the ElectionGuard process, so both meet the same load. It prints each figure and the ratios
ElectionGuard / vybory (targets: verify ≥ 50×, encrypt ≥ 50×) and libsodium / native; then the
booth's time to encrypt a 20-selection ballot in Chromium (bench/booth.py) beside the Python
figure for the same ballot. It writes ``DIR/peer.json`` (every figure, the machine's load, the
versions) and ``DIR/peer.md`` (the table), and with ``--docs`` puts the table in that file
between its ``<!-- peer table -->`` markers.

Where no Python 3.10 exists, or the install fails, one line says that the peer could not run
and why; the rest still runs.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the tests' election kit

from benchkit import cpu_us, update_docs
from electionkit import (
    MARCH,
    T0,
    Board,
    DefinitionToml,
    contest,
    nominate_all,
    publish_credentials,
    rng,
    run_key_ceremony,
)

from vybory import protocol
from vybory.crypto import backend, proofs, threshold
from vybory.crypto.elgamal import CiphertextSums, encrypt
from vybory.crypto.group import Point, Scalar
from vybory.model.ballot import Ballot
from vybory.model.canonical import canonical_json
from vybory.model.definition import parse_definition
from vybory.verify.ballot import check_ballot

PEER_VENV = ROOT / "bench" / ".venv-electionguard"
PEER_PACKAGES = ("electionguard==1.4.0", "dacite==1.6.0", "gmpy2")
PEER_SIDE = ROOT / "bench" / "peer" / "electionguard_side.py"
SHAPES = ([4, 4, 4], [12, 12, 12, 12, 11])
BACKENDS = ("sodium", "native")


def use(name: str) -> None:
    """Switch to backend ``name``; without the native one built, its column is libsodium's again."""
    backend.use(name if name == "sodium" or backend.native_available() else "sodium")


# --- the peer's environment ------------------------------------------------------------------

def find_python310() -> str | None:
    """A Python 3.10 interpreter: on PATH, else under pyenv's versions."""
    candidates = [shutil.which("python3.10")]
    for root in (os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv"), "/root/.pyenv"):
        if root:
            candidates += sorted(glob.glob(f"{root}/versions/3.10*/bin/python3.10"), reverse=True)
    return next((c for c in candidates if c and is_python310(c)), None)


def is_python310(candidate: str) -> bool:
    try:
        out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
                             capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def peer_python(base: str | None = None, venv: Path = PEER_VENV) -> tuple[str | None, str]:
    """The ElectionGuard environment's interpreter (made on first use, on ``base`` or a Python 3.10
    found by :func:`find_python310`), or None and why not."""
    if base is not None and not is_python310(base):
        return None, f"{base} is not a Python 3.10 (electionguard 1.4.0 does not import on 3.11+)"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    wanted = " ".join(PEER_PACKAGES)
    if python.exists() and stamp.exists() and stamp.read_text().splitlines()[-1:] == [wanted] and (
            base is None or stamp.read_text().splitlines()[0] == base):
        return str(python), ""
    base = base or find_python310()
    if base is None:
        return None, "no Python 3.10 on PATH or under ~/.pyenv/versions (electionguard 1.4.0 does not import on 3.11+)"
    print(f"bench/peer.py: making {venv} on {base} with {', '.join(PEER_PACKAGES)}", file=sys.stderr)
    try:
        subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True,
                       capture_output=True, timeout=1200)
        subprocess.run([str(python), "-c", "import electionguard.tally, electionguard.decryption"], check=True,
                       capture_output=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or ["(no message)"]
        return None, f"{' '.join(map(str, exc.cmd[:4]))}... failed: {last[0]}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"setting up its environment failed: {exc}"
    stamp.write_text(f"{base}\n{wanted}")
    return str(python), ""


def run_peer(python: str, config: dict[str, Any]) -> tuple[dict[str, float] | None, str]:
    try:
        out = subprocess.run([python, str(PEER_SIDE), json.dumps(config)], capture_output=True, text=True,
                             timeout=3600, check=False)
    except subprocess.TimeoutExpired:
        return None, "its benchmark ran for over an hour"
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no message)"]
        return None, f"its benchmark failed: {tail[0]}"
    return json.loads(out.stdout.strip().splitlines()[-1]), ""


# --- vybory's side ---------------------------------------------------------------------------

@dataclass
class Election:
    """An election of one shape (choose-one contests of these sizes), with ballots and a trustee key."""

    shape: list[int]
    form: Any
    secrets: list[str]
    choices: list[dict[str, list[str]]]
    ballots: list[Ballot]
    texts: list[bytes]


def definition(shape: list[int]) -> str:
    return DefinitionToml(
        slug="peer", title="Side by side", seed="0123456789abcdef" * 2, deadlines=MARCH, threshold=2,
        districts=(("all", "Everyone"),),
        organisations=(("a", "A", "trade_union"), ("b", "B", "cooperative"), ("c", "C", "youth")),
        trustees=(("t1", "T1", "a"), ("t2", "T2", "b"), ("t3", "T3", "c")),
        contests=tuple(contest(f"contest-{i}", f"Contest {i}", method="majority") for i in range(len(shape)))).text()


def candidates(i: int, size: int) -> list[str]:
    return [f"Candidate {chr(65 + i)}{j:02d}" for j in range(size)]


def election(shape: list[int], voters: int) -> Election:
    b = Board(parse_definition(definition(shape)), T0)
    nominate_all(b, {f"contest-{i}": [("abc"[j % 3], name) for j, name in enumerate(candidates(i, size))]
                     for i, size in enumerate(shape)}, T0)
    run_key_ceremony(b, T0)
    now = datetime(2025, 3, 11, tzinfo=UTC)
    b.append("nominations_closed", protocol.close_nominations(b.state, now=now), now)
    secrets = publish_credentials(b, [("all", 1)] * voters, now)
    b.append("round_opened", protocol.open_round(b.state, now=now), now)
    form = protocol.ballot_form(b.state, protocol.public_credential(secrets[0]))
    choices = [{f"contest-{i}": [candidates(i, size)[v % size]] for i, size in enumerate(shape)}
               for v in range(voters)]
    ballots = [protocol.encrypt_ballot(form, secret, chosen, rng(f"peer-{v}"))[0]
               for v, (secret, chosen) in enumerate(zip(secrets, choices, strict=True))]
    return Election(shape, form, secrets, choices, ballots, [canonical_json(x.to_json()) for x in ballots])


def verify_text(e: Election, text: bytes) -> None:
    """What a verifier does with one ballot of the record: decode it at the edge, check every proof."""
    ballot = Ballot.from_json(json.loads(text))
    check_ballot(ballot, fingerprint=e.form.fingerprint, public_key=e.form.public_key, round=e.form.round,
                 layouts=e.form.layouts)


def vybory_side(elections: list[Election], tally_n: int, scale: float) -> dict[str, dict[str, float]]:
    """One round of every figure on each backend: {backend: {name: µs}}."""
    def it(n: int) -> int:
        return max(1, int(n * scale))

    out: dict[str, dict[str, float]] = {}
    first = elections[0]
    pk = first.form.public_key
    fp = first.form.fingerprint
    cred = first.ballots[0].credential
    r = Scalar.random()
    ct = encrypt(pk, 1, r)
    zo = proofs.prove_zero_one(fp, cred, pk, ct, 1, r)
    x = Scalar.random()
    key = Point.base_mul(x)
    tally_cts = [c.ciphertext for part in first.ballots[0].contests for c in part.selections]
    share = threshold.compute_share(fp, 1, x, tally_cts)
    for name in BACKENDS:
        use(name)
        figures: dict[str, float] = {}
        for e in elections:
            label = f"{len(e.shape)}x{sum(e.shape)}"
            few = 1 if sum(e.shape) > 30 else 3
            figures[f"encrypt_ballot/{label}"] = cpu_us(
                lambda e=e: protocol.encrypt_ballot(e.form, e.secrets[0], e.choices[0]), it(few * 4))
            figures[f"verify_ballot/{label}"] = cpu_us(lambda e=e: verify_text(e, e.texts[0]), it(few * 4))

        def encrypt_and_prove() -> None:
            nonce = Scalar.random()
            proofs.prove_zero_one(fp, cred, pk, encrypt(pk, 1, nonce), 1, nonce)

        figures["encrypt_prove_selection"] = cpu_us(encrypt_and_prove, it(200))
        figures["verify_zero_one"] = cpu_us(lambda: proofs.verify_zero_one(fp, cred, pk, ct, zo), it(200))

        def tally() -> None:
            sums = {part.contest: CiphertextSums(len(part.selections)) for part in first.ballots[0].contests}
            for v in range(tally_n):
                for part in first.ballots[v % len(first.ballots)].contests:
                    sums[part.contest].add([c.ciphertext for c in part.selections])
            for total in sums.values():
                total.totals()

        figures[f"tally/{tally_n}"] = cpu_us(tally, 1)
        figures[f"decryption_share/{len(tally_cts)}"] = cpu_us(
            lambda: threshold.compute_share(fp, 1, x, tally_cts), it(50))
        figures[f"check_share/{len(tally_cts)}"] = cpu_us(lambda: threshold.check_share(fp, key, tally_cts, share),
                                                          it(50))
        out[name] = figures
    backend.use(None)
    return out


def best_of(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    best: dict[str, dict[str, float]] = {}
    for run in runs:
        for name, figures in run.items():
            for key, value in figures.items():
                best.setdefault(name, {})[key] = min(best.get(name, {}).get(key, float("inf")), value)
    return best


# --- the table -------------------------------------------------------------------------------

LABELS = {
    "encrypt_ballot/3x12": "encrypt one ballot, 3 contests / 12 selections",
    "encrypt_ballot/5x59": "encrypt one ballot, 5 contests / 59 selections",
    "verify_ballot/3x12": "verify one ballot, 3 contests / 12 selections",
    "verify_ballot/5x59": "verify one ballot, 5 contests / 59 selections",
    "encrypt_prove_selection": "encrypt + prove one selection",
    "verify_zero_one": "verify one 0/1 proof",
    "decryption_share/12": "one decryption share with proofs, 12 selections",
    "check_share/12": "check that decryption share",
}
TARGETS = {"verify_ballot": 50, "verify_zero_one": 50, "encrypt_ballot": 50, "encrypt_prove_selection": 50}


def label_of(key: str) -> str:
    if key.startswith("tally/"):
        return f"tally {key.split('/')[1]} ballots (12 selections each)"
    return LABELS.get(key, key)


def table(peer: dict[str, float] | None, ours: dict[str, dict[str, float]]) -> list[str]:
    lines = [("| work | ElectionGuard µs | libsodium µs | native µs | EG / libsodium | EG / native | target | "
             "libsodium / native |"),
             "|---|---:|---:|---:|---:|---:|---|---:|"]
    for key in ours["native"]:
        sodium, native = ours["sodium"][key], ours["native"][key]
        eg = peer.get(key) if peer else None
        target = TARGETS.get(key.split("/")[0])
        verdict = ""
        if eg is not None and target:
            verdict = f"≥ {target}×: {'met' if eg / native >= target else 'missed'}"
        lines.append(f"| {label_of(key)} | {f'{eg:,.0f}' if eg is not None else '—'} | {sodium:,.0f} | {native:,.0f} | "
                     f"{f'{eg / sodium:.1f}×' if eg is not None else '—'} | "
                     f"{f'{eg / native:.1f}×' if eg is not None else '—'} | {verdict} | {sodium / native:.2f}× |")
    return lines


def booth_rows(ours: dict[str, dict[str, float]], booth: dict[str, Any] | None) -> list[str]:
    if not booth:
        return []
    lines = ["", "| booth (Chromium) vs Python, 20-selection ballot | µs | × libsodium Python | × native Python |",
             "|---|---:|---:|---:|"]
    browser = booth["booth_us"]
    lines.append(f"| booth, in Chromium ({booth['browser']}) | {browser:,.0f} | "
                 f"{browser / ours['sodium']['encrypt_ballot/booth20']:.2f}× | "
                 f"{browser / ours['native']['encrypt_ballot/booth20']:.2f}× |")
    for name in BACKENDS:
        lines.append(f"| Python, {name} | {ours[name]['encrypt_ballot/booth20']:,.0f} | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations and rounds (a smoke run)")
    parser.add_argument("--no-peer", action="store_true", help="vybory's columns only")
    parser.add_argument("--no-booth", action="store_true", help="skip the booth in Chromium")
    parser.add_argument("--python", help="the Python 3.10 to make the ElectionGuard environment on (else found)")
    parser.add_argument("--tally", type=int, default=1000, help="ballots in the tally benchmark")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--docs", type=Path, help="a Markdown file whose peer table is replaced")
    args = parser.parse_args()
    rounds, scale = (1, 0.1) if args.quick else (3, 1.0)
    if not backend.native_available():
        print("bench/peer.py: the native backend is not built (no cargo?): its column repeats libsodium's")
    started = time.perf_counter()
    elections = [election(shape, 10) for shape in SHAPES]
    booth_election = election([20], 1) if not args.no_booth else None
    peer_reason = ""
    peer: dict[str, float] | None = None
    python = None
    if args.no_peer:
        peer_reason = "not asked for (--no-peer)"
    else:
        python, peer_reason = peer_python(args.python)
    runs = [vybory_side(elections, args.tally, scale)]
    if python:
        peer, peer_reason = run_peer(python, {"shapes": list(SHAPES), "rounds": rounds, "scale": scale,
                                              "tally": args.tally, "distinct": 10})
    runs += [vybory_side(elections, args.tally, scale) for _ in range(max(1, rounds - 1))]
    ours = best_of(runs)
    if peer is None:
        print(f"bench/peer.py: the ElectionGuard 1.4.0 peer could not run: {peer_reason}")
    booth = None
    if booth_election is not None:
        from booth import booth_encrypt_us  # bench/booth.py

        for name in BACKENDS:
            use(name)
            ours[name]["encrypt_ballot/booth20"] = min(
                cpu_us(lambda: protocol.encrypt_ballot(booth_election.form, booth_election.secrets[0],
                                                       booth_election.choices[0]), max(1, int(5 * scale)))
                for _ in range(rounds))
        backend.use(None)
        booth, why = booth_encrypt_us(quick=args.quick)
        if booth is None:
            print(f"bench/peer.py: the booth in Chromium could not run: {why}")
    peer_table = table(peer, {n: {k: v for k, v in f.items() if not k.endswith("booth20")} for n, f in ours.items()})
    lines = peer_table + booth_rows(ours, booth)
    load = os.getloadavg()
    note = (f"CPU µs per call, best of {rounds} round(s); load average {load[0]:.1f} on {os.cpu_count()} cores; "
            f"{backend.describe() if hasattr(backend, 'describe') else ''}; "
            f"ElectionGuard 1.4.0 {'ran' if peer else 'did not run: ' + peer_reason}.")
    print("\n".join(lines))
    print(note)
    args.results.mkdir(parents=True, exist_ok=True)
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "command": " ".join(sys.argv),
              "load_average": load, "cores": os.cpu_count(), "machine": platform.platform(),
              "python": platform.python_version(), "quick": args.quick, "rounds": rounds,
              "electionguard": peer, "electionguard_missing": None if peer else peer_reason,
              "vybory": ours, "booth": booth, "seconds": round(time.perf_counter() - started, 1)}
    (args.results / "peer.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    (args.results / "peer.md").write_text("\n".join(lines) + "\n\n" + note + "\n")
    if args.docs:
        update_docs(args.docs, "peer", lines + ["", note])


if __name__ == "__main__":
    main()
