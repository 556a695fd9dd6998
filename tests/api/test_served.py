"""`vybory serve` as a real process, attacked over real HTTP: forwarding headers and a login flood.

The adversaries: a client that claims to have come over TLS, or from another address, by
sending the forwarding headers a reverse proxy would add (to dodge the per-address limits);
and a password guesser who floods the login from many connections at once.
"""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverkit import Served, run_vybory

PASSWORD = "served secretary password"

pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'vybory.sqlite'}"
    run_vybory("db", "add-user", "secretary", "--password", PASSWORD, "--db", url)
    return url


def anonymous_cookie(response: httpx.Response) -> str:
    [cookie] = response.headers.get_list("set-cookie")
    assert cookie.startswith("vybory_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    return cookie


def test_https_is_believed_only_from_a_trusted_proxy(db: str, tmp_path: Path) -> None:
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    with Served(db, tmp_path / "direct.log") as direct:
        spoofed = httpx.get(f"{direct.url}/login", headers=https)
        assert spoofed.status_code == 200
        assert "strict-transport-security" not in spoofed.headers
        assert "Secure" not in anonymous_cookie(spoofed)
    with Served(db, tmp_path / "proxied.log", "--trusted-proxy", "127.0.0.1") as proxied:
        behind_tls = httpx.get(f"{proxied.url}/login", headers=https)
        assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "Secure" in anonymous_cookie(behind_tls)
        login = httpx.post(f"{proxied.url}/api/session", headers=https,
                           json={"username": "secretary", "password": PASSWORD})
        assert login.status_code == 200 and "Secure" in login.headers["set-cookie"]
        plain = httpx.get(f"{proxied.url}/login", headers={"x-forwarded-proto": "http"})
        assert "strict-transport-security" not in plain.headers and "Secure" not in anonymous_cookie(plain)
        # an error answer carries HSTS too (the headers wrap the whole stack)
        assert "strict-transport-security" in httpx.get(f"{proxied.url}/nowhere", headers=https).headers


def wrong_logins(url: str, addresses: list[str]) -> list[int]:
    """One wrong login per entry, each claiming to come from that address."""
    def attempt(i: int) -> int:
        return httpx.post(f"{url}/api/session", headers={"x-forwarded-for": addresses[i]}, timeout=120,
                          json={"username": f"guess{i}", "password": "wrong password"}).status_code
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(attempt, range(len(addresses))))


def test_a_forged_forwarded_for_does_not_reset_the_address_limit(db: str, tmp_path: Path) -> None:
    rotating = [f"198.51.100.{i + 1}" for i in range(24)]
    with Served(db, tmp_path / "direct.log") as direct:
        codes = wrong_logins(direct.url, rotating)
        assert codes.count(401) <= 20 + 3 and 429 in codes and set(codes) <= {401, 429}
    with Served(db, tmp_path / "proxied.log", "--trusted-proxy", "127.0.0.1") as proxied:
        # behind the proxy the address is the one it names: the one guesser is locked, the next client is not
        codes = wrong_logins(proxied.url, ["198.51.100.7"] * 24)
        assert 429 in codes and set(codes) <= {401, 429}
        assert wrong_logins(proxied.url, ["198.51.100.8"]) == [401]


def test_a_login_flood_is_locked_out_and_the_server_keeps_serving(db: str, tmp_path: Path) -> None:
    with Served(db, tmp_path / "serve.log") as served:
        def guess(i: int) -> httpx.Response:
            return httpx.post(f"{served.url}/api/session", timeout=60,
                              json={"username": "secretary", "password": f"guess number {i}"})
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(guess, range(80)))
        codes = [a.status_code for a in answers]
        assert set(codes) == {401, 429}, codes
        # 16 attempts in flight when the lock fell: the rest were refused without an argon2 check
        assert codes.count(401) <= 5 + 16 and codes.count(429) >= 80 - 21
        assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status_code == 429)
        right = httpx.post(f"{served.url}/api/session", json={"username": "secretary", "password": PASSWORD})
        assert right.status_code == 429 and right.json()["field"] == "username"
        assert httpx.get(f"{served.url}/api/elections").status_code == 200
        assert "Traceback" not in served.output()


def test_two_workers_and_a_restart_share_the_attempt_counts(db: str, tmp_path: Path) -> None:
    """The guesser spreads guesses over the worker processes (each connection may land on
    another) and waits for the server to restart, hoping for fresh allowances: the counts are
    in the database, so the account locks after the same 5 failures whichever worker counted
    them, and stays counted over the restart. The access log's process ids show that both
    workers answered: had each counted only its own failures, the one that saw fewer than 5
    would still answer 401.

    Once locked, a wrong password gets 401 again only when the lock (at least 5 s, doubling) has
    run out. The lock starts while the last counted failure is handled, so no earlier than that
    request was sent: on a loaded machine the guesses can take that long, so a 401 is allowed
    only where more than 5 s may have passed since the last 401, and only there."""
    served = Served(db, tmp_path / "serve.log", "--workers", "2")
    guesses: list[tuple[float, int, float]] = []  # sent, status, answered (monotonic seconds)

    def guess() -> None:
        with httpx.Client(timeout=60) as client:  # a new connection: the kernel hands it to either worker
            sent = time.monotonic()
            response = client.post(f"{served.url}/api/session", headers={"x-request-id": f"guess-{len(guesses)}"},
                                   json={"username": "secretary", "password": f"guess number {len(guesses)}"})
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
            guesses.append((sent, response.status_code, time.monotonic()))

    def check(start: int) -> None:
        last_failure = max(sent for sent, status, _ in guesses[:start] if status == 401)
        for sent, status, answered in guesses[start:]:
            assert status in (401, 429), guesses
            if status == 401:
                assert answered - last_failure > 5.0, f"a 401 while the account was locked: {guesses}"
                last_failure = sent
        assert 429 in [status for _, status, _ in guesses[start:]], guesses

    try:
        served.start(timeout=300)  # two processes to start, on a busy machine
        answered: set[int] = set()
        while len(guesses) < 12 or (len(answered) < 2 and len(guesses) < 60):
            guess()
            answered = {entry["pid"] for entry in access_lines(served.log) if entry["request_id"].startswith("guess-")}
        assert [status for _, status, _ in guesses[:5]] == [401] * 5, guesses
        check(5)
        assert len(answered) == 2, f"one worker answered all {len(guesses)} logins"
        served.stop()  # a restart forgets nothing
        served.start(timeout=300)
        restarted = len(guesses)
        for _ in range(3):
            guess()
        check(restarted)
    finally:
        served.stop()


def access_lines(log: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [entry for entry in lines if entry.get("logger") == "vybory.access"]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_workers_die_with_a_supervisor_killed_by_sigkill(db: str, tmp_path: Path) -> None:
    """Bad luck (the OOM killer picks the supervisor) or an operator's `kill -9`: workers left
    alive without their supervisor would hold the port and the database, so that the restarted
    server cannot listen while orphans serve on. They end with it."""
    served = Served(db, tmp_path / "serve.log", "--workers", "2")
    workers: list[int] = []
    try:
        served.start(timeout=300)
        assert served.process is not None
        supervisor = served.process.pid
        workers = children_of(supervisor)
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = children_of(supervisor)
        assert len(workers) >= 2, workers
        served.kill()
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), f"workers {workers} outlived their supervisor"
        served.start(timeout=300)  # the port is free again
        assert httpx.get(f"{served.url}/api/health", timeout=60).status_code == 200
    finally:
        served.stop()
        for pid in workers:  # orphans of a failed run, ended so they do not outlive the test
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
