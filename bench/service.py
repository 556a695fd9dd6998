"""Benchmark of casting ballots through the service, against the pure ballot check it must run.

    .venv/bin/python bench/service.py [--voters N] [--db URL]

An election with one contest of three candidates (the demo's shape) is set up
on a fresh database (SQLite in a temporary folder by default); N ballots are
encrypted beforehand. Then, in alternating rounds so that load from other
processes affects each alike, it times per ballot: the pure protocol check
(``vybory.protocol.check_ballot``: signature and proofs included), the
service's ``cast_ballot`` (one transaction per ballot) and ``cast_ballots``
(25 per transaction). Prints ms per ballot and each one's ratio to the pure
check: the ratio is the cost of the database, the board's hashing and the
indexes.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' election kit

from electionkit import MARCH, T0, DefinitionToml, ServiceElection, contest

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.service import ElectionService, ManualClock
from vybory.store import Database

DEFINITION = DefinitionToml(
    slug="bench", title="Benchmark", seed="5eed" * 8, credential_authority="Office", deadlines=MARCH, threshold=2,
    districts=(("all", "All"),), organisations=(("a", "A", "other"), ("b", "B", "other")),
    trustees=(("ta", "TA", "a"), ("tb", "TB", "b")), contests=(contest("seat", "Seat", method="strikeout"),)).text()


def setup(service: ElectionService, voters: int) -> list[str]:
    """The election created, its key ceremony done, ``voters`` credentials issued, round 1 open."""
    roll = "id,name,district\n" + "".join(f"{i},V{i},all\n" for i in range(voters))
    e = ServiceElection.create(service, DEFINITION, roll)
    e.open_for_voting({"seat": [("a", "Ivanov"), ("b", "Petrova"), ("a", "Sidorov")]})
    return e.credentials["all"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        clock = ManualClock(T0)
        service = ElectionService(Database(url, upgrade=True), clock=clock)
        secrets = setup(service, args.voters)
        form = service.ballot_form("bench", protocol.public_credential(secrets[0]))
        names = ["Ivanov", "Petrova", "Sidorov"]
        rounds = 3
        ballots = [protocol.encrypt_ballot(form, s, {"seat": [names[i % 3]]}, DeterministicRng(s.encode()))[0]
                   for i, s in enumerate(secrets)]
        per_round = len(ballots) // (2 * rounds)
        state = copy.deepcopy(service.state("bench"))
        best = {"check": float("inf"), "cast_ballot": float("inf"), "cast_ballots": float("inf")}
        offset = 0
        for _ in range(rounds):
            sample = ballots[:per_round]
            t = time.perf_counter()
            for ballot in sample:
                protocol.check_ballot(state, ballot, now=clock())
            best["check"] = min(best["check"], (time.perf_counter() - t) / len(sample))

            single = ballots[offset:offset + per_round]
            t = time.perf_counter()
            for ballot in single:
                service.cast_ballot("bench", ballot)
            best["cast_ballot"] = min(best["cast_ballot"], (time.perf_counter() - t) / len(single))
            offset += per_round

            batch = ballots[offset:offset + per_round]
            t = time.perf_counter()
            for i in range(0, len(batch), 25):
                service.cast_ballots("bench", batch[i:i + 25])
            best["cast_ballots"] = min(best["cast_ballots"], (time.perf_counter() - t) / len(batch))
            offset += per_round
            clock.advance(timedelta(seconds=1))
        print(f"database: {service.database.safe_url.split('?')[0]}; {per_round} ballots per timing, best of "
              f"{rounds} rounds")
        for name, seconds in best.items():
            print(f"{name:>13}: {seconds * 1000:7.2f} ms per ballot   {seconds / best['check']:5.2f} x check")


if __name__ == "__main__":
    main()
