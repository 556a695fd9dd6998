"""Sessions held by the server, and brute-force limits, played by the people who would abuse them.

The adversaries: someone who copied a session cookie (from a shared computer, a log, a stolen
laptop) and replays it after its owner logged out, changed the password or was disabled; and
someone who guesses passwords, credentials or tracking codes as fast as the server answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from apikit import PASSWORD, Caller, create

from vybory.api import create_app
from vybory.api.throttle import Throttles
from vybory.store.attempts import StoredAttempts

NEW_PASSWORD = "a brand new password"


def replay(client: Any, cookies: dict[str, str], csrf: str | None = None) -> Any:
    """A request made with someone's copied cookie (and CSRF token, as a page would show it)."""
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    try:
        return client.get("/api/session", headers={"x-csrf-token": csrf or ""})
    finally:
        client.cookies.clear()


def test_a_copied_cookie_is_worthless_after_logout(client) -> None:  # type: ignore[no-untyped-def]
    owner = Caller(client, "secretary")
    assert replay(client, owner.cookies).status_code == 200
    owner.ok("DELETE", "/api/session")
    after = replay(client, owner.cookies)
    assert after.status_code == 401 and after.json()["code"] == "login_required"
    # ... and cannot change anything either
    client.cookies.clear()
    for name, value in owner.cookies.items():
        client.cookies.set(name, value)
    add = client.post("/api/users", json={"username": "mole", "password": PASSWORD, "role": "commission"},
                      headers={"x-csrf-token": owner.csrf})
    client.cookies.clear()
    assert add.status_code == 401
    assert "mole" not in {u["username"] for u in client.app.state.service.users()}


def test_the_page_logout_ends_the_session_on_the_server(client) -> None:  # type: ignore[no-untyped-def]
    owner = Caller(client, "secretary")
    copied = dict(owner.cookies)
    response = owner.call("POST", "/logout", data={"csrf_token": owner.csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert replay(client, copied).status_code == 401


def test_a_password_change_ends_every_session_of_the_login(client, api_service) -> None:  # type: ignore[no-untyped-def]
    office, home = Caller(client, "secretary"), Caller(client, "secretary")
    wrong = office.call("PUT", "/api/session/password",
                        json={"password": "not my password", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 401 and wrong.json()["field"] == "password"
    assert replay(client, home.cookies).status_code == 200  # a wrong attempt changes nothing
    office.ok("PUT", "/api/session/password", json={"password": PASSWORD, "new_password": NEW_PASSWORD})
    assert replay(client, office.cookies).status_code == 401
    assert replay(client, home.cookies).status_code == 401
    assert client.post("/api/session", json={"username": "secretary", "password": PASSWORD}).status_code == 401
    Caller(client, "secretary", NEW_PASSWORD).ok("GET", "/api/session")
    short = Caller(client, "secretary", NEW_PASSWORD).call(
        "PUT", "/api/session/password", json={"password": NEW_PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "password"


def test_a_disabled_login_is_logged_out_everywhere_at_once(client, api_service) -> None:  # type: ignore[no-untyped-def]
    api_service.add_user("olga", PASSWORD, "observer")
    olga = Caller(client, "olga")
    secretary = Caller(client, "secretary")
    # olga may not disable anyone; the secretary may disable her
    refused = olga.call("POST", "/api/users/secretary/disable")
    assert refused.status_code == 403 and replay(client, secretary.cookies).status_code == 200
    assert secretary.ok("POST", "/api/users/olga/disable") == {"disabled": "olga"}
    assert replay(client, olga.cookies).status_code == 401
    assert client.post("/api/session", json={"username": "olga", "password": PASSWORD}).status_code == 401
    unknown = secretary.call("POST", "/api/users/nobody/disable")
    assert unknown.status_code == 404 and unknown.json()["field"] == "username"


def test_a_login_starts_a_new_session_and_ends_the_browsers_previous_one(client) -> None:  # type: ignore[no-untyped-def]
    first = Caller(client, "secretary")
    client.cookies.clear()
    for name, value in first.cookies.items():
        client.cookies.set(name, value)
    again = client.post("/api/session", json={"username": "secretary", "password": PASSWORD})
    client.cookies.clear()
    assert again.status_code == 200
    assert again.cookies["vybory_session"] != first.cookies["vybory_session"]
    assert again.json()["csrf_token"] != first.csrf
    assert replay(client, first.cookies).status_code == 401
    assert replay(client, {"vybory_session": again.cookies["vybory_session"]}).status_code == 200


def test_a_session_expires_after_its_lifetime(api_service) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from vybory.api.auth import SESSION_SECONDS
    from vybory.service import ManualClock
    from vybory.service.clock import system_clock

    moving = ManualClock(system_clock())
    api_service.session_clock = moving
    with TestClient(create_app(service=api_service, secret_key=b"k" * 32), raise_server_exceptions=False) as c:
        caller = Caller(c, "secretary")
        moving.set(moving() + timedelta(seconds=SESSION_SECONDS - 60))
        assert replay(c, caller.cookies).status_code == 200
        moving.set(moving() + timedelta(seconds=120))
        assert replay(c, caller.cookies).status_code == 401


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttled(api_service):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    time = FakeTime()
    # the counts in the database, as `vybory serve` keeps them (SQLite and PostgreSQL)
    counts = StoredAttempts(api_service.database)
    app = create_app(service=api_service, secret_key=b"k" * 32, throttles=Throttles(clock=time, counts=counts))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, time


def test_password_guessing_is_locked_out_with_backoff_even_for_the_right_password(throttled) -> None:  # type: ignore[no-untyped-def]
    client, time = throttled
    guesses = [client.post("/api/session", json={"username": "secretary", "password": f"guess {i:04d}!"})
               for i in range(12)]
    assert [g.status_code for g in guesses[:5]] == [401] * 5
    assert {g.status_code for g in guesses[5:]} == {429}
    locked = guesses[6]
    assert locked.json()["code"] == "too_many_attempts" and int(locked.headers["retry-after"]) >= 1
    # the right password is refused while the account is locked: the guesser learns nothing
    right = client.post("/api/session", json={"username": "secretary", "password": PASSWORD})
    assert right.status_code == 429 and "try again in" in right.json()["message"]
    # another spelling of the same name is the same account
    assert client.post("/api/session", json={"username": " secretary ", "password": "x" * 12}).status_code == 429
    # the lock doubles: the 5th failure locked for 5 s; after the wait, the next failure for 10 s
    assert int(guesses[5].headers["retry-after"]) == 5
    time.now += 5
    assert client.post("/api/session", json={"username": "secretary", "password": "guess again!"}).status_code == 401
    retry = client.post("/api/session", json={"username": "secretary", "password": PASSWORD})
    assert retry.status_code == 429 and int(retry.headers["retry-after"]) == 10
    time.now += 10
    assert client.post("/api/session", json={"username": "secretary", "password": PASSWORD}).status_code == 200
    # the success cleared the account: the owner has the free attempts again
    assert client.post("/api/session", json={"username": "secretary", "password": "typo typo!"}).status_code == 401


def test_the_login_page_is_limited_too(throttled) -> None:  # type: ignore[no-untyped-def]
    import re

    client, _time = throttled
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    codes = [client.post("/login", data={"username": "secretary", "password": f"guess {i}!",
                                         "csrf_token": token}, headers={"accept": "text/html"}).status_code
             for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    page = client.post("/login", data={"username": "secretary", "password": PASSWORD, "csrf_token": token},
                       headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 429 and "try again in" in page.text and page.headers["retry-after"]


def test_spraying_many_names_from_one_address_is_locked_by_address(throttled, api_service) -> None:  # type: ignore[no-untyped-def]
    client, _time = throttled
    codes = [client.post("/api/session", json={"username": f"user{i}", "password": "Password123"}).status_code
             for i in range(25)]
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
    # the real secretary, from the same address, waits too
    assert client.post("/api/session", json={"username": "secretary", "password": PASSWORD}).status_code == 429


def test_guessing_tracking_codes_and_credentials_is_limited_by_address(throttled, api_service) -> None:  # type: ignore[no-untyped-def]
    from apikit import ApiElection

    client, time = throttled
    e = ApiElection(client, api_service, api_service.clock, None)  # type: ignore[arg-type]
    create(e)
    codes = [client.get(f"/api/elections/{e.slug}/ballots/{i:064x}").status_code for i in range(52)]
    assert set(codes[:50]) == {404} and codes[50:] == [429, 429]
    time.now += 4000  # a long quiet spell: the address starts afresh
    forged = [client.post(f"/api/elections/{e.slug}/ballots", json={"format": "vybory-ballot", "n": i}).status_code
              for i in range(52)]
    assert set(forged[:50]) == {422} and forged[50:] == [429, 429]
    refused = client.post(f"/api/elections/{e.slug}/ballots", json={})
    assert refused.json()["field"] == "ballot" and int(refused.headers["retry-after"]) >= 1
