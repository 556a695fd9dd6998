"""`vybory serve` as a real process, attacked over real HTTP: forwarding headers and a login flood.

The adversaries: a client that claims to have come over TLS, or from another address, by
sending the forwarding headers a reverse proxy would add (to dodge the per-address limits);
and a password guesser who floods the login from many connections at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
    in the database, so the account locks after the same 5 failures, and stays locked."""
    served = Served(db, tmp_path / "serve.log", "--workers", "2")
    try:
        served.start(timeout=300)  # two processes to start, on a busy machine
        codes = []
        for i in range(12):  # a new connection each time: the kernel hands it to either worker
            with httpx.Client(timeout=60) as client:
                codes.append(client.post(f"{served.url}/api/session",
                                         json={"username": "secretary", "password": f"guess number {i}"}).status_code)
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
        served.stop()  # a restart forgets nothing
        served.start(timeout=300)
        again = httpx.post(f"{served.url}/api/session", json={"username": "secretary", "password": PASSWORD},
                           timeout=60)
        assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    finally:
        served.stop()
