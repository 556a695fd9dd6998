"""Crash runs: a seeded election, a real server killed with SIGKILL at random moments while
voter processes cast ballots over HTTP, and a private PostgreSQL cluster that can be killed too.

The findings a run returns are checked by the tests: every receipted ballot is on the board at
its receipt's position with its hash, nothing is on the board twice, the chain and the whole
record verify (`vybory verify`), and sending any ballot again gives back the same receipt.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import serverkit
from clientkit import voters
from serverkit import Served, free_port, run_vybory

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def seed(url: str, folder: Path, voters: int) -> tuple[str, list[dict[str, str]]]:
    """An election open for voting (the demo's), through the service; its slug and credentials."""
    demo = serverkit.seed(url, folder, voters)
    credentials = [{"district": d, "secret": s} for d, items in demo.credentials.items() for s in items]
    return demo.slug, credentials


class PrivatePostgres:
    """A PostgreSQL 15 cluster of the test's own (so that killing it harms no one else), run as
    the ``postgres`` user when the test runs as root (initdb refuses root).

    The postmaster is a direct child of the test (no ``runuser`` in between), so that once it is
    killed the test reaps it: in a container whose first process reaps nothing, a zombie
    postmaster would keep its ``postmaster.pid`` looking alive and the restart would refuse."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="vybory-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "vybory", "--no-sync"])

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "postgres").exists()

    @property
    def _owner(self) -> dict[str, Any]:
        return {"user": "postgres", "group": "postgres", "extra_groups": []} if self.as_root else {}

    def _run(self, command: list[str]) -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=self.folder, **self._owner)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://vybory@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = (self.folder / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.folder, **self._owner)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "vybory",
                                    "-d", "postgres"],
                                   capture_output=True, check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("the private PostgreSQL did not start:\n" + self.log())

    def kill(self) -> None:
        """SIGKILL to the postmaster and every backend at once: the database server crashes."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        time.sleep(0.2)

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class CrashRun:
    """What happened: the kills, every ballot each client sent and what it got back."""

    slug: str
    kills: int = 0
    database_kills: int = 0
    kills_while_casting: int = 0
    ballots: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def receipted(self) -> list[dict[str, Any]]:
        return [b for b in self.ballots if b["receipt"] is not None]

    @property
    def retried(self) -> int:
        return sum(1 for b in self.ballots if b["failures"])


def crash_run(served: Served, folder: Path, slug: str, credentials: list[dict[str, str]], *, clients: int,
              per_credential: int, kills: int, database: PrivatePostgres | None = None,
              gap: tuple[float, float] = (0.3, 1.5), first_gap: tuple[float, float] = (0.02, 0.2)) -> CrashRun:
    """Starts ``clients`` voter processes on disjoint credentials, kills the server ``kills``
    times at random moments while they cast (and the database once, halfway, if given), and
    returns what the clients saw once they are done.

    The first kill comes within ``first_gap`` of the start, so that at least one lands while
    ballots are in flight even when the clients cast their ballots faster than ``gap``."""
    run = CrashRun(slug)
    voting = voters(served.url, slug, credentials, folder, clients=clients, per_credential=per_credential)
    voting.wait_ready()
    started = voting.start()
    random = secrets.SystemRandom()
    while run.kills < kills:
        time.sleep(random.uniform(*(gap if run.kills else first_gap)))
        casting = voting.running()
        if database is not None and run.database_kills == 0 and run.kills == kills // 2:
            database.kill()
            run.database_kills += 1
            time.sleep(random.uniform(0.2, 1.0))  # the server answers 503 meanwhile
            database.start()
        served.kill()
        run.kills += 1
        run.kills_while_casting += casting
        served.start()
    run.ballots = voting.results()
    run.seconds = time.monotonic() - started
    return run


def check_after_crashes(run: CrashRun, url: str, folder: Path) -> dict[str, Any]:
    """Everything the crash tests demand of the board after the last restart; returns figures."""
    events = board_events(url, run.slug)
    codes = receipts_on_board(events, run.receipted)
    errors = [f for b in run.ballots for f in b["failures"] if f.split()[0].isdigit() and f != "503"]
    assert errors == [], f"answers other than 201 or 503: {errors[:5]}"
    assert all(b["receipt"] is not None for b in run.ballots), "a client gave up"
    assert set(codes) == {b["tracking_code"] for b in run.ballots}, "the board and the receipts disagree"
    # Every ballot again, as a client that never saw its receipt would: the same receipt, no new event.
    with httpx.Client(base_url=url, timeout=60) as client:
        for ballot in run.ballots:
            again = client.post(f"/api/elections/{run.slug}/ballots", content=json.dumps(ballot["ballot"]),
                                headers={"content-type": "application/json"})
            assert again.status_code == 201, again.text
            assert again.json() == ballot["receipt"]
        tracked = client.get(f"/api/elections/{run.slug}/ballots/{run.receipted[0]['tracking_code']}")
        assert tracked.status_code == 200 and tracked.json()["position"] == run.receipted[0]["receipt"]["position"]
    assert len(board_events(url, run.slug)) == len(events)
    verified = verify_record(url, run.slug, folder, events[-1])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return {"ballots_sent": len(run.ballots), "receipted": len(run.receipted), "on_board": len(codes),
            "retried_after_a_failure": run.retried, "kills": run.kills, "database_kills": run.database_kills,
            "kills_while_casting": run.kills_while_casting, "seconds": round(run.seconds, 1)}


def board_events(url: str, slug: str) -> list[Any]:
    """The whole board as the server at ``url`` publishes it; its positions are 1, 2, 3, …"""
    from vybory.model.board import Event

    lines = httpx.get(f"{url}/api/elections/{slug}/board.jsonl", timeout=600).text.splitlines()
    events = [Event.from_json(json.loads(line)) for line in lines if line]
    assert [e.position for e in events] == list(range(1, len(events) + 1)), "the board has a gap"
    return events


def receipts_on_board(events: list[Any], receipted: list[dict[str, Any]]) -> list[str]:
    """Asserts that every receipted ballot (a voter client's result) is on the board at its
    receipt's position with its hash and the hash before it, and that no ballot is there twice;
    returns the tracking codes of the ballots on the board, in board order."""
    by_position = {e.position: e for e in events}
    codes = [e.payload["tracking_code"] for e in events if e.kind == "ballot_cast"]
    assert len(codes) == len(set(codes)), "a ballot is on the board twice"
    for ballot in receipted:
        receipt = ballot["receipt"]
        event = by_position.get(receipt["position"])
        assert event is not None, f"no event at the receipt's position {receipt['position']}"
        assert event.kind == "ballot_cast" and event.payload["tracking_code"] == ballot["tracking_code"], \
            f"another event at the receipt's position {receipt['position']}"
        assert event.hash.hex() == receipt["event_hash"] and event.previous_hash.hex() == receipt["previous_hash"], \
            f"the event at position {receipt['position']} has other hashes than its receipt"
    return codes


def verify_record(url: str, slug: str, folder: Path, head: Any) -> subprocess.CompletedProcess[str]:
    """The record the server at ``url`` exports, saved in ``folder`` and checked by `vybory verify`
    against the board's ``head`` event."""
    record = httpx.get(f"{url}/api/elections/{slug}/record", timeout=600)
    record.raise_for_status()
    (folder / "record.zip").write_bytes(record.content)
    return run_vybory("verify", str(folder / "record.zip"), "--head", head.hash.hex(), check=False)
