"""`vybory serve` as a real process on a free loopback port: start, kill -9, restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import httpx

VYBORY = str(Path(sys.executable).with_name("vybory"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(url: str, process: subprocess.Popen[Any], timeout: float,
                         output: Callable[[], str]) -> None:
    """Returns once ``url``/api answers 200; raises with ``output()`` if ``process`` exits first or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vybory serve exited with {process.returncode}:\n{output()}")
        try:
            if httpx.get(f"{url}/api", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"vybory serve did not answer within {timeout} s:\n{output()}")


def stop_group(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process group of ``process`` (started with ``start_new_session``: a server
    and its workers); SIGKILL and an error if it has not stopped within 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


@contextmanager
def serve_demo(folder: Path) -> Iterator[str]:
    """A running `vybory serve --demo`, started in ``folder`` (its own SQLite file there): yields
    its base URL, stops it after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VYBORY_DATABASE_URL"}
    server = subprocess.Popen([VYBORY, "serve", "--demo", "--port", str(port)], cwd=folder, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, server, 240, lambda: server.stdout.read() if server.stdout else "")
        yield base
    finally:
        stop_group(server)


class Served:
    """One `vybory serve --db URL` process (restartable on the same port); its output goes to
    ``log`` so that a failing test can show it."""

    def __init__(self, db: str, log: Path, *options: str, env: dict[str, str] | None = None):
        self.db = db
        self.log = log
        self.options = options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "VYBORY_SECRET_KEY": "served-test-secret-key-0123456789", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 300.0) -> None:
        # generous: on a machine shared by many test runs, importing vybory alone can take a minute
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [VYBORY, "serve", "--db", self.db, "--port", str(self.port), *self.options],
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
            )
        self.starts += 1
        wait_until_answering(self.url, self.process, timeout, self.output)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def seed(url: str, folder: Path, voters: int, ballots: int = 0) -> Any:
    """The demo's election, open for voting, seeded through the service on ``url``: its
    :class:`~vybory.cli.serve.DemoElection` (slug, logins and passwords, voter credentials)."""
    from vybory.cli.serve import DemoClock, seed_demo
    from vybory.service import ElectionService
    from vybory.store import Database

    database = Database(url, upgrade=True)
    try:
        clock = DemoClock()
        return seed_demo(ElectionService(database, clock=clock), clock, folder, voters=voters, ballots=ballots)
    finally:
        database.dispose()


def demo_ballots(url: str, demo: Any, count: int) -> list[dict[str, Any]]:
    """``count`` ballots for the seeded election, encrypted on the voter's side from the board
    the server at ``url`` publishes: one per credential, the districts taken in turn."""
    import json

    from vybory import protocol
    from vybory.cli.serve import DEMO_CHOICES
    from vybory.model.board import Event
    from vybory.protocol.encrypt import ballot_form
    from vybory.protocol.state import replay

    lines = httpx.get(f"{url}/api/elections/{demo.slug}/board.jsonl", timeout=60).text.splitlines()
    state = replay([Event.from_json(json.loads(line)) for line in lines if line])
    districts = sorted(demo.credentials)
    ballots = []
    for k in range(count):
        district = districts[k % len(districts)]
        secret = demo.credentials[district][k // len(districts)]
        form = ballot_form(state, protocol.public_credential(secret))
        ballot, _opening = protocol.encrypt_ballot(form, secret, DEMO_CHOICES[district][k % 2])
        ballots.append(ballot.to_json())
    return ballots


@contextmanager
def postgres_schema(base: str, prefix: str) -> Iterator[str]:
    """A schema of its own (``prefix`` and a random suffix) in the PostgreSQL database at ``base``,
    dropped after: yields the URL that reaches it (``options=-csearch_path=...``)."""
    import secrets
    from urllib.parse import quote

    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_vybory(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([VYBORY, *args], capture_output=True, text=True, check=False,
                            env={**os.environ, **(env or {})}, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"vybory {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result
